package exporter

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"consolida/funding"
)

// DetailCSV is one line of dettaglio_<mese>.csv (the output contract).
type DetailCSV struct {
	ISTAT        string `csv:"cod_istat"`
	Comune       string `csv:"comune"`
	Province     string `csv:"provincia"`
	IPA          string `csv:"codice_ipa"`
	Measure      string `csv:"misura"`
	MeasureLabel string `csv:"misura_label"`
	Avviso       string `csv:"avviso"`
	CUP          string `csv:"cup"`
	Decreto      string `csv:"decreto"`
	FundingDate  string `csv:"data_finanziamento"`
	Status       string `csv:"stato"`
	StatusDate   string `csv:"data_stato"`
	Amount       string `csv:"importo"`
	Source       string `csv:"fonte"`
}

// Neutralize defuses text that a spreadsheet would run as a formula
// (starting with = + - @, or a tab or carriage return) by prefixing a '.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// cleanCSVText is a text field of a CSV the offices open: control
// characters removed (a tab, a line break or another white-space control
// becomes a space, so that words stay apart; NUL, escape and the other
// C0 and C1 controls go; in such a text a byte that is not UTF-8 becomes
// U+FFFD), then Neutralize, so that what is left does not
// start a formula. Every text field of the CSV outputs goes through it.
func cleanCSVText(s string) string {
	return Neutralize(removeControls(s))
}

// removeControls is cleanCSVText without Neutralize.
func removeControls(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == 0xc2 { // 0xc2: the first byte of U+0080-U+009F
			break
		}
	}
	if i == len(s) {
		return s // the common case: no control character, no allocation
	}
	var b strings.Builder
	b.Grow(len(s))
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case unicode.IsSpace(r) && unicode.IsControl(r):
			b.WriteByte(' ')
		case unicode.IsControl(r):
		case r == utf8.RuneError && n == 1:
			// a byte that is not UTF-8: U+FFFD, as the two halves of a
			// control around a removed one must not join into it
			b.WriteRune(r)
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// DetailRows builds the CSV lines of the reported candidature.
func DetailRows(res *funding.Result) []*DetailCSV {
	rows := make([]*DetailCSV, 0, len(res.Candidature))
	n := cleanCSVText
	for _, c := range res.Candidature {
		w := c.Winner
		rows = append(rows, &DetailCSV{
			ISTAT: n(c.Comune.ISTAT), Comune: n(c.Comune.Name), Province: n(c.Comune.Province),
			IPA: n(w.IPA), Measure: c.Measure.ID, MeasureLabel: n(c.Measure.Label), Avviso: n(w.Avviso),
			CUP: n(w.CUP), Decreto: n(w.Decreto), FundingDate: w.FundingDate.ISO(), Status: w.Status.Code(),
			StatusDate: w.StatusDate.ISO(), Amount: w.Amount.Dot(), Source: n(w.Pos.Ref()),
		})
	}
	return rows
}

// WriteCSV writes dettaglio_<mese>.csv of the report: UTF-8,
// comma-separated, importo with a dot and two decimals. Written to a
// temporary file, then renamed. Each line is the DetailCSV of DetailRows
// as gocsv would marshal it (encoding/csv's quoting), appended straight
// into the buffer: a million lines need no million structs.
func WriteCSV(path string, r *Report) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		if _, err := bw.WriteString(strings.Join(CSVHeader, ",") + "\n"); err != nil {
			return err
		}
		var line, ref []byte
		for _, c := range r.Result.Candidature {
			w := c.Winner
			line = appendCSVField(line[:0], cleanCSVText(c.Comune.ISTAT), ',')
			line = appendCSVField(line, cleanCSVText(c.Comune.Name), ',')
			line = appendCSVField(line, cleanCSVText(c.Comune.Province), ',')
			line = appendCSVField(line, cleanCSVText(w.IPA), ',')
			line = appendCSVField(line, c.Measure.ID, ',')
			line = appendCSVField(line, cleanCSVText(c.Measure.Label), ',')
			line = appendCSVField(line, cleanCSVText(w.Avviso), ',')
			line = appendCSVField(line, cleanCSVText(w.CUP), ',')
			line = appendCSVField(line, cleanCSVText(w.Decreto), ',')
			line = appendISO(line, w.FundingDate)
			line = appendCSVField(line, w.Status.Code(), ',')
			line = appendISO(line, w.StatusDate)
			line = appendDot(line, w.Amount)
			ref = appendRef(ref[:0], w.Pos)
			line = appendCSVField(line, ref, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}

// CSVHeader is the header line of the detail CSV.
var CSVHeader = []string{"cod_istat", "comune", "provincia", "codice_ipa", "misura", "misura_label", "avviso", "cup",
	"decreto", "data_finanziamento", "stato", "data_stato", "importo", "fonte"}

// appendCSVField appends a field as encoding/csv's Writer writes it
// (quoted when it holds the comma, a quote or a line break, or starts
// with a space; quotes doubled) and then end, the comma or the newline.
func appendCSVField[T string | []byte](dst []byte, f T, end byte) []byte {
	if !csvNeedsQuotes(f) {
		dst = append(dst, f...)
		return append(dst, end)
	}
	dst = append(dst, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, f[i])
	}
	return append(dst, '"', end)
}

// csvNeedsQuotes is encoding/csv's fieldNeedsQuotes for a comma.
func csvNeedsQuotes[T string | []byte](f T) bool {
	if len(f) == 0 {
		return false
	}
	if len(f) == 2 && f[0] == '\\' && f[1] == '.' {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '\n', '\r', '"', ',':
			return true
		}
	}
	if f[0] < utf8.RuneSelf {
		return unicode.IsSpace(rune(f[0]))
	}
	var head [utf8.UTFMax]byte
	r, _ := utf8.DecodeRune(head[:copy(head[:], f[:min(len(f), utf8.UTFMax)])])
	return unicode.IsSpace(r)
}

// appendISO appends Date.ISO and a comma (a date never needs quotes).
func appendISO(dst []byte, d funding.Date) []byte {
	if d != 0 {
		dst = appendPadded(dst, d.Year(), 4)
		dst = append(dst, '-')
		dst = appendPadded(dst, d.Month(), 2)
		dst = append(dst, '-')
		dst = appendPadded(dst, d.Day(), 2)
	}
	return append(dst, ',')
}

// appendPadded is fmt's %0<width>d.
func appendPadded(dst []byte, n, width int) []byte {
	if n < 0 {
		dst = append(dst, '-')
		n, width = -n, width-1
	}
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendDot appends Amount.Dot and a comma.
func appendDot(dst []byte, a funding.Amount) []byte {
	if a == math.MinInt64 { // -a does not fit
		return append(append(dst, a.Dot()...), ',')
	}
	u := uint64(a)
	if a < 0 {
		dst = append(dst, '-')
		u = -u
	}
	dst = strconv.AppendUint(dst, u/100, 10)
	dst = append(dst, '.', byte('0'+u%100/10), byte('0'+u%10))
	return append(dst, ',')
}

// appendRef appends cleanCSVText(p.Ref()) without building either
// string: the controls of each part removed, the quote for a formula
// decided by the start of the file name.
func appendRef(dst []byte, p funding.Pos) []byte {
	file := removeControls(p.File)
	dst = append(dst, Neutralize(file)...)
	dst = append(dst, ':')
	if p.Sheet != "" {
		dst = append(dst, removeControls(p.Sheet)...)
		dst = append(dst, ':')
	}
	return strconv.AppendInt(dst, int64(p.Row), 10)
}
