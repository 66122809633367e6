package exporter

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"consolida/funding"
)

// Text metrics. Every workbook uses one font family, Arial (on Windows
// and macOS; LibreOffice on Linux renders it with the metric-compatible
// Liberation Sans), so the width of a text can be computed from the
// advance widths of its letters: columns are sized to their content and
// rows to their wrapped text without a spreadsheet program at hand.
// Spreadsheet programs do not grow the rows of a file on their own: a row
// too short for its wrapped text prints its lines over the next row.

const (
	fontFamily = "Arial"
	bodySize   = 10.0 // the size of the default font and of the body text

	// unitPx is a unit of column width in pixels at 96 dpi: the widest
	// digit of the default font (Arial 10). A column of width w is about
	// w*unitPx pixels wide.
	unitPx = 7.0
	// padPx is the room a cell leaves around its text, both sides
	// together; numPadPx that of a number, which a spreadsheet shows as
	// ### when it does not fit.
	padPx    = 7.0
	numPadPx = 12.0
	// wrapPadPx is the room a cell leaves around wrapped text (a column
	// of width w is w*unitPx pixels wide in Excel).
	wrapPadPx = 5.0
	// slack covers the differences between renderers (kerning, rounding
	// of the font size to pixels, Liberation Sans for Arial).
	slack = 1.03

	// defaultRowHeight is the height of a row of one line of body text,
	// in points (what Excel gives an Arial 10 workbook).
	defaultRowHeight = 12.75
)

// Advance widths of Arial and Arial Bold in thousandths of an em, for the
// printable ASCII characters from ' ' (32) to '~' (126).
var (
	arialWidths = [95]uint16{
		278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
		278, 278, 584, 584, 584, 556, 1015, // : to @
		667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A-M
		722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N-Z
		278, 278, 278, 469, 556, 333, // [ to `
		556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a-m
		556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n-z
		334, 260, 334, 584, // { to ~
	}
	arialBoldWidths = [95]uint16{
		278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
		333, 333, 584, 584, 584, 611, 975,
		722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
		722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,
		333, 278, 333, 584, 556, 333,
		556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889,
		611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500,
		389, 280, 389, 584,
	}
)

// runeEm is the advance width of r in thousandths of an em. Letters with
// accents are as wide as their base letter; anything else outside ASCII
// counts as wide as a capital (ideographs more).
func runeEm(r rune, bold bool) float64 {
	table := &arialWidths
	if bold {
		table = &arialBoldWidths
	}
	if r >= 32 && r <= 126 {
		return float64(table[r-32])
	}
	switch {
	case r == '€', r == '°':
		return 556
	case r == '’', r == '‘':
		return 222
	case r == '“', r == '”', r == '«', r == '»':
		return 556
	case r == '…':
		return 1000
	case r == '\u00a0':
		return 278
	}
	if f := []rune(funding.FoldAccents(string(r))); len(f) == 1 && f[0] < 127 && f[0] >= 32 {
		return float64(table[f[0]-32])
	}
	if r >= 0x2e80 {
		return 1000
	}
	return 722
}

// textPx is the width of s in pixels at 96 dpi, in Arial of size points.
func textPx(s string, size float64, bold bool) float64 {
	em := 0.0
	for _, r := range s {
		em += runeEm(r, bold)
	}
	return em / 1000 * size * 96 / 72 * slack
}

// units is the column width that shows s on one line.
func units(s string, size float64, bold bool) float64 {
	return (textPx(s, size, bold) + padPx) / unitPx
}

// lineHeight is the height in points of one line of text of a font size.
func lineHeight(size float64) float64 { return size * 1.28 }

// wrapLines is the number of lines s takes when wrapped at the spaces in
// a column of width w (units), as a spreadsheet wraps it: a word longer
// than the line is broken.
func wrapLines(s string, w, size float64, bold bool) int {
	room := w*unitPx - wrapPadPx
	space := textPx(" ", size, bold)
	lines := 0
	for _, para := range strings.Split(s, "\n") {
		lines++
		cur := 0.0
		for _, word := range strings.Fields(para) {
			ww := textPx(word, size, bold)
			switch {
			case cur == 0:
				cur = ww
			case cur+space+ww <= room:
				cur += space + ww
			default:
				lines++
				cur = ww
			}
			for cur > room && room > 0 { // a word longer than the line
				lines++
				cur -= room
			}
		}
	}
	return lines
}

// euroText is an amount as the euro format shows it: "1.234.567,89 €".
func euroText(a funding.Amount) string {
	if a == 0 {
		return "-"
	}
	return a.String() + " €"
}

// displayText is the text a cell shows (the longest line of a text).
func displayText(c cell) string {
	switch c.kind {
	case kindText:
		if strings.IndexByte(c.text, '\n') < 0 {
			return c.text
		}
		longest := ""
		for _, l := range strings.Split(c.text, "\n") {
			if utf8.RuneCountInString(l) > utf8.RuneCountInString(longest) {
				longest = l
			}
		}
		return longest
	case kindInt:
		if styleInfo[c.style].grouped {
			return fmtInt(int(c.num))
		}
		return itoa(c.num)
	case kindMoney:
		return euroText(funding.Amount(c.num))
	case kindDate:
		return "00/00/0000"
	}
	return ""
}

func itoa(n int64) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// utf16Len is the length of s in UTF-16 units, as Excel counts its limits.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cutUTF16 cuts s to at most n UTF-16 units, ending it with "…" when it
// was cut.
func cutUTF16(s string, n int) string {
	if len(s) <= n || utf16Len(s) <= n {
		return s
	}
	used := 0
	for i, r := range s {
		if used+utf16.RuneLen(r) > n-1 {
			return s[:i] + "…"
		}
		used += utf16.RuneLen(r)
	}
	return s
}
