// Package exporter writes the consolidated picture as workbooks and CSV:
// the CST workbook, one council workbook per comune, and the detail CSV.
// It knows nothing of input formats.
package exporter

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// style names a cell format; each workbook maps it to its style id.
type style uint8

const (
	noStyle style = iota
	sHeader
	sText
	sBold
	sBoldWrap
	sWrap
	sMoney
	sMoneyBold
	sTotalLabel
	sDate
	sInt
	sTitle
	sSubtitle
	sNote
	sMuted
	sMutedMoney
	nStyles
)

// styles holds the style ids of a workbook, by style; noStyle is 0.
type styles [nStyles]int

const euroFmt = `#,##0.00\ "€";\-#,##0.00\ "€";"-"`

func newStyles(f *excelize.File) (*styles, error) {
	s := &styles{}
	border := []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}
	top := []excelize.Border{{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 6}}
	fmtEuro := euroFmt
	fmtDate := "dd/mm/yyyy"
	fmtInt := "#,##0"
	defs := []struct {
		dst style
		st  *excelize.Style
	}{
		{sHeader, &excelize.Style{
			Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E79"}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
			Border:    border,
		}},
		{sText, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}},
		{sBold, &excelize.Style{Font: &excelize.Font{Bold: true}}},
		{sBoldWrap, &excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{sWrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{sMoney, &excelize.Style{CustomNumFmt: &fmtEuro, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{sMoneyBold, &excelize.Style{CustomNumFmt: &fmtEuro, Font: &excelize.Font{Bold: true}, Border: top}},
		{sTotalLabel, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top}},
		{sDate, &excelize.Style{CustomNumFmt: &fmtDate, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}}},
		{sInt, &excelize.Style{CustomNumFmt: &fmtInt, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{sTitle, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14, Color: "1F4E79"}}},
		{sSubtitle, &excelize.Style{Font: &excelize.Font{Size: 11, Color: "404040"}}},
		{sNote, &excelize.Style{Font: &excelize.Font{Italic: true, Size: 9, Color: "595959"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{sMuted, &excelize.Style{Font: &excelize.Font{Color: "7F7F7F"}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{sMutedMoney, &excelize.Style{CustomNumFmt: &fmtEuro, Font: &excelize.Font{Color: "7F7F7F", Strike: true}, Alignment: &excelize.Alignment{Vertical: "top"}}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(d.st)
		if err != nil {
			return nil, err
		}
		s[d.dst] = id
	}
	return s, nil
}

// escapeHF escapes '&' for header/footer codes.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

func colRef(col, row int) string {
	ref, _ := excelize.CoordinatesToCellName(col, row)
	return ref
}

func colLetter(col int) string {
	s, _ := excelize.ColumnNumberToName(col)
	return s
}

// WriteFileAtomic writes a file through write into a temporary file beside
// path, syncs it, and renames it into place: a failed or interrupted run
// never leaves a half-written file where a good one was.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".consolida-*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after the rename
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644) // CreateTemp makes it 0600: the offices share these files
	}
	if err != nil {
		return err
	}
	return os.Rename(name, path)
}

// SafeFileName turns a comune name into a file name valid on Windows and
// Linux: ASCII letters, digits, '-', '_' only.
func SafeFileName(s string) string {
	s = funding.CleanSpaces(s)
	var b strings.Builder
	folded := []rune(funding.FoldAccents(s))
	prevSep := false
	for _, r := range folded {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
			prevSep = false
		case r == '/' || r == '-':
			if !prevSep && b.Len() > 0 {
				b.WriteByte('-')
				prevSep = true
			}
		default:
			if !prevSep && b.Len() > 0 {
				b.WriteByte('_')
				prevSep = true
			}
		}
	}
	out := strings.Trim(b.String(), "_-")
	if out == "" {
		out = "comune"
	}
	if len(out) > 80 {
		out = out[:80]
	}
	return out
}

func fmtInt(n int) string {
	s := fmt.Sprintf("%d", n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// normalWriter writes rows through the normal (in-memory) API.
type normalWriter struct {
	f     *excelize.File
	sheet string
}

func (w *normalWriter) SetRow(ref string, values []any, opts ...excelize.RowOpts) error {
	col, row, err := excelize.CellNameToCoordinates(ref)
	if err != nil {
		return err
	}
	for i, v := range values {
		if v == nil {
			continue
		}
		at := colRef(col+i, row)
		c, ok := v.(excelize.Cell)
		if !ok {
			c = excelize.Cell{Value: v}
		}
		if c.Value != nil {
			if err := w.f.SetCellValue(w.sheet, at, c.Value); err != nil {
				return err
			}
		}
		if c.Formula != "" {
			if err := w.f.SetCellFormula(w.sheet, at, c.Formula); err != nil {
				return err
			}
		}
		if c.StyleID != 0 {
			if err := w.f.SetCellStyle(w.sheet, at, at, c.StyleID); err != nil {
				return err
			}
		}
	}
	for _, o := range opts {
		if o.Height > 0 {
			if err := w.f.SetRowHeight(w.sheet, row, o.Height); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *normalWriter) MergeCell(a, b string) error { return w.f.MergeCell(w.sheet, a, b) }
func (w *normalWriter) SetPanes(p *excelize.Panes) error {
	return w.f.SetPanes(w.sheet, p)
}
func (w *normalWriter) Flush() error { return nil }

func (w *normalWriter) setWidths(widths []float64) error {
	for i, width := range widths {
		c := colLetter(i + 1)
		if err := w.f.SetColWidth(w.sheet, c, c, width); err != nil {
			return err
		}
	}
	return nil
}

// fitHeight estimates the height of a row whose cells wrap: the number of
// lines each text needs in its column width (in characters), times the
// line height. Spreadsheet programs do not grow rows written by a stream
// on their own, so a printed page would show overlapping lines.
func fitHeight(widths []float64, texts ...string) float64 {
	lines := 1
	for i, t := range texts {
		if i >= len(widths) || t == "" {
			continue
		}
		perLine := int(widths[i]*1.15) - 1
		if perLine < 1 {
			perLine = 1
		}
		n := 0
		for _, para := range strings.Split(t, "\n") {
			words := strings.Fields(para)
			cur := 0
			n++
			for _, w := range words {
				l := len([]rune(w))
				switch {
				case cur == 0:
					cur = l
				case cur+1+l <= perLine:
					cur += 1 + l
				default:
					n++
					cur = l
				}
				for cur > perLine { // a word longer than the column
					n++
					cur -= perLine
				}
			}
		}
		if n > lines {
			lines = n
		}
	}
	return float64(lines)*12.6 + 3
}
