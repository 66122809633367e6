package exporter

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// rowXML writes the rows of a sheet as the XML that excelize's stream
// writer (v2.11) writes for the same values, byte for byte: the same
// elements and attributes in the same order, inline strings, numbers in
// the same notation, the same escapes. A test renders every sheet both
// ways and compares the parts; the code follows excelize's SetRow,
// writeCell, setCellValFunc and trimCellValue.
type rowXML struct {
	st    *styles
	sheet *sheet // the sheet whose rows are written: their heights

	cols   []string // `<c r="A`, `<c r="B`...
	num    []byte   // the row number being written
	v      []byte   // the value of a number cell being written
	merges []string // `<mergeCell ref="A5:I5"/>` of the rows written
}

// cellOpen is `<c r="` + the column letters, for column col (from 1).
func (x *rowXML) cellOpen(col int) string {
	for len(x.cols) < col {
		x.cols = append(x.cols, `<c r="`+colLetter(len(x.cols)+1))
	}
	return x.cols[col-1]
}

// row appends spreadsheet row n.
func (x *rowXML) row(dst []byte, n int, rw row) ([]byte, error) {
	h := x.sheet.rowHeight(rw)
	if len(rw.cells) == 0 && h == 0 {
		return dst, nil
	}
	x.num = strconv.AppendInt(x.num[:0], int64(n), 10)
	dst = append(dst, `<row r="`...)
	dst = append(dst, x.num...)
	dst = append(dst, '"')
	if h > 0 {
		dst = append(dst, ` ht="`...)
		dst = strconv.AppendFloat(dst, h, 'f', -1, 64)
		dst = append(dst, `" customHeight="1"`...)
	}
	dst = append(dst, '>')
	for i, c := range rw.cells {
		var err error
		if dst, err = x.cell(dst, i+1, c); err != nil {
			return dst, err
		}
	}
	dst = append(dst, `</row>`...)
	for _, m := range rw.merges {
		x.merges = append(x.merges, `<mergeCell ref="`+colRef(m.from, n)+":"+colRef(m.to, n)+`"/>`)
	}
	return dst, nil
}

// cell appends one cell; the zero cell writes nothing (excelize's nil).
func (x *rowXML) cell(dst []byte, col int, c cell) ([]byte, error) {
	if c.kind == kindBlank && c.style == noStyle && c.formula == "" {
		return dst, nil
	}
	x.v = x.v[:0]
	var (
		t     string // the t attribute
		v     string // the <v> value, escaped when written
		space bool   // xml:space="preserve" on <c> (a formula's text)
		is    bool   // an inline string: <is><t>…</t></is>
		text  string // its text, already escaped
		tsp   bool   // xml:space="preserve" on <t>
	)
	if c.formula != "" {
		t = "str"
	}
	switch c.kind {
	case kindBlank:
	case kindText:
		if c.formula != "" {
			v, space = trimText(c.text, false)
		} else {
			t, is = "inlineStr", true
			text, tsp = trimText(c.text, true)
		}
	case kindInt:
		t, x.v = "", strconv.AppendInt(x.v[:0], c.num, 10)
	case kindMoney:
		t = ""
		if e := funding.Amount(c.num).Euro(); c.num > -1e15 && c.num < 1e15 {
			// at most 15 digits: nothing for formatFloat to cut
			x.v = strconv.AppendFloat(x.v[:0], e, 'f', -1, 64)
		} else {
			v = formatFloat(e)
		}
	case kindDate:
		if c.style == noStyle {
			// excelize would add a date style to the workbook for it, and
			// the styles are written before the rows
			return dst, errors.New("exporter: a date cell needs a style")
		}
		d := funding.Date(c.num).Time()
		if serial := excelTime(d); serial > 0 {
			t, x.v = "", strconv.AppendFloat(x.v[:0], serial, 'f', -1, 64)
		} else {
			// setCellDefault: not a number, an inline string as it is
			t, is, text = "inlineStr", true, d.Format(time.RFC3339Nano)
		}
	default:
		return dst, fmt.Errorf("exporter: cell kind %d has no fast rendering", c.kind)
	}
	dst = append(dst, `<c`...)
	if space {
		dst = append(dst, ` xml:space="preserve"`...)
	}
	dst = append(dst, x.cellOpen(col)[2:]...)
	dst = append(dst, x.num...)
	dst = append(dst, '"')
	if s := x.st[c.style]; s != 0 {
		dst = append(dst, ` s="`...)
		dst = strconv.AppendInt(dst, int64(s), 10)
		dst = append(dst, '"')
	}
	if t != "" {
		dst = append(dst, ` t="`...)
		dst = append(dst, t...)
		dst = append(dst, '"')
	}
	dst = append(dst, '>')
	if c.formula != "" {
		dst = append(dst, `<f>`...)
		dst = appendEscaped(dst, c.formula, true)
		dst = append(dst, `</f>`...)
	}
	if v != "" {
		dst = append(dst, `<v>`...)
		dst = appendEscaped(dst, v, true)
		dst = append(dst, `</v>`...)
	} else if len(x.v) > 0 { // a number: nothing to escape
		dst = append(dst, `<v>`...)
		dst = append(dst, x.v...)
		dst = append(dst, `</v>`...)
	}
	if is {
		dst = append(dst, `<is><t`...)
		if tsp {
			dst = append(dst, ` xml:space="preserve"`...)
		}
		dst = append(dst, '>')
		dst = append(dst, text...)
		dst = append(dst, `</t></is>`...)
	}
	return append(dst, `</c>`...), nil
}

// trimText is excelize's trimCellValue: the text cut to the cell limit,
// whether its ends need xml:space="preserve", escaped (for an inline
// string, newlines kept as they are) and with the _xHHHH_ escapes of
// bstrMarshal.
func trimText(s string, escape bool) (string, bool) {
	if len(s) > excelize.TotalCellChars && countUTF16(s) > excelize.TotalCellChars {
		s = truncateUTF16(s, excelize.TotalCellChars)
	}
	space := false
	if s != "" {
		switch s[0] {
		case '\t', '\n', '\r', ' ':
			space = true
		}
		switch s[len(s)-1] {
		case '\t', '\n', '\r', ' ':
			space = true
		}
		esc, bstr := scanText(s)
		if escape && esc {
			s = string(appendEscaped(nil, s, false))
		}
		if bstr { // escaping neither makes nor breaks a "_x"
			s = bstrMarshal(s)
		}
	}
	return s, space
}

// scanText reports, in one pass, whether encoding/xml's EscapeText would
// change s and whether s holds "_x" (where bstrMarshal has work).
func scanText(s string) (esc, bstr bool) {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= utf8.RuneSelf, b < 0x20, b == '"', b == '\'', b == '&', b == '<', b == '>':
			esc = true
		case b == '_' && i+1 < len(s) && s[i+1] == 'x':
			bstr = true
		}
	}
	return esc, bstr
}

// needsEscape reports whether encoding/xml's EscapeText would change s.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= utf8.RuneSelf, b < 0x20, b == '"', b == '\'', b == '&', b == '<', b == '>':
			return true
		}
	}
	return false
}

// appendEscaped appends s as encoding/xml's EscapeText writes it; with nl
// false a newline stays a newline (excelize's ReplaceAll of "&#xA;").
func appendEscaped(dst []byte, s string, nl bool) []byte {
	if !needsEscape(s) {
		return append(dst, s...)
	}
	last := 0
	for i := 0; i < len(s); {
		r, width := utf8.DecodeRuneInString(s[i:])
		i += width
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			if !nl {
				continue
			}
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !inCharRange(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			continue
		}
		dst = append(dst, s[last:i-width]...)
		dst = append(dst, esc...)
		last = i
	}
	return append(dst, s[last:]...)
}

// inCharRange is encoding/xml's isInCharacterRange.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func countUTF16(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func truncateUTF16(s string, length int) string {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > length {
			return s[:i]
		}
	}
	return s
}

var (
	reBstr       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	reBstrEscape = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstrMarshal is excelize's: a literal _xHHHH_ in the text is stored with
// its underscore escaped, so that it is not read as an escaped character.
func bstrMarshal(s string) (result string) {
	matches, l, cursor := reBstr.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && reBstrEscape.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if reBstr.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}

// formatFloat is excelize's formatCellFloat with automatic precision: at
// most 15 significant digits, as Excel keeps.
func formatFloat(value float64) string {
	str := strconv.FormatFloat(value, 'f', -1, 64)
	if math.Abs(value) == math.MaxFloat64 {
		return str
	}
	const maxPrec = 15
	decimal := strings.IndexByte(str, '.')
	significant := 0
	for idx := range str {
		if str[idx] < '0' || str[idx] > '9' || significant == 0 && str[idx] == '0' {
			continue
		}
		significant++
		if significant <= maxPrec {
			continue
		}
		if decimal >= 0 && idx > decimal {
			return strings.TrimSuffix(str[:idx], ".")
		}
		if decimal < 0 {
			decimal = len(str)
		}
		truncated := []byte(str[:decimal])
		for ; idx < len(truncated); idx++ {
			truncated[idx] = '0'
		}
		return string(truncated)
	}
	return str
}

var (
	excelMin1900 = time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	excelBuggy   = time.Date(1900, time.March, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
)

// excelTime is excelize's timeToExcelTime in the 1900 date system (the
// one of a new workbook); 0 before its first day.
func excelTime(t time.Time) float64 {
	const day = 24 * time.Hour
	const maxDuration = 290 * 364 * day
	if t.Before(excelMin1900) {
		return 0
	}
	tt, diff, result := t, t.Sub(excelMin1900), 0.0
	for diff >= maxDuration {
		result += float64(maxDuration / day)
		tt = tt.Add(-maxDuration)
		diff = tt.Sub(excelMin1900)
	}
	rem := diff % day
	result += float64(diff-rem)/float64(day) + float64(rem)/float64(day)
	if t.After(excelBuggy) {
		result++
	}
	return result
}
