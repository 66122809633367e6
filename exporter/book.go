// Package exporter writes the consolidated picture as workbooks and CSV:
// the CST workbook, one council workbook per comune, and the detail CSV.
// It knows nothing of input formats.
package exporter

import (
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
	sIntBold
	sTitle
	sSubtitle
	sNote
	sMuted
	sMutedMoney
	sSignature
	nStyles
)

// styles holds the style ids of a workbook, by style; noStyle is 0.
type styles [nStyles]int

const (
	euroFmt = `#,##0.00\ "€";\-#,##0.00\ "€";"-"`
	dateFmt = "dd/mm/yyyy"
	intFmt  = "#,##0"
)

// font is a font of the one family of the workbooks.
func font(size float64, bold, italic bool, color string) *excelize.Font {
	return &excelize.Font{Family: fontFamily, Size: size, Bold: bold, Italic: italic, Color: color}
}

func numFmt(s string) *string { return &s }

// styleDefs defines every style, once, for every renderer: fonts (each
// named, one family), number formats, alignment, borders, fills.
var styleDefs = func() [nStyles]excelize.Style {
	line := []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}
	total := []excelize.Border{{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 6}}
	top := &excelize.Alignment{Vertical: "top"}
	wrap := &excelize.Alignment{Vertical: "top", WrapText: true}
	var d [nStyles]excelize.Style
	d[sHeader] = excelize.Style{Font: font(bodySize, true, false, "FFFFFF"),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E79"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"}, Border: line}
	d[sText] = excelize.Style{Font: font(bodySize, false, false, ""), Alignment: top}
	d[sBold] = excelize.Style{Font: font(bodySize, true, false, ""), Alignment: top}
	d[sBoldWrap] = excelize.Style{Font: font(bodySize, true, false, ""), Alignment: wrap}
	d[sWrap] = excelize.Style{Font: font(bodySize, false, false, ""), Alignment: wrap}
	d[sMoney] = excelize.Style{Font: font(bodySize, false, false, ""), CustomNumFmt: numFmt(euroFmt), Alignment: top}
	d[sMoneyBold] = excelize.Style{Font: font(bodySize, true, false, ""), CustomNumFmt: numFmt(euroFmt), Border: total}
	d[sTotalLabel] = excelize.Style{Font: font(bodySize, true, false, ""), Border: total}
	d[sDate] = excelize.Style{Font: font(bodySize, false, false, ""), CustomNumFmt: numFmt(dateFmt),
		Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}}
	d[sInt] = excelize.Style{Font: font(bodySize, false, false, ""), CustomNumFmt: numFmt(intFmt), Alignment: top}
	d[sIntBold] = excelize.Style{Font: font(bodySize, true, false, ""), CustomNumFmt: numFmt(intFmt), Border: total}
	d[sTitle] = excelize.Style{Font: font(14, true, false, "1F4E79"), Alignment: &excelize.Alignment{Vertical: "bottom", WrapText: true}}
	d[sSubtitle] = excelize.Style{Font: font(11, false, false, "404040"), Alignment: wrap}
	d[sNote] = excelize.Style{Font: font(bodySize, false, true, "595959"), Alignment: wrap}
	d[sMuted] = excelize.Style{Font: font(bodySize, false, false, "7F7F7F"), Alignment: wrap}
	d[sMutedMoney] = excelize.Style{Font: &excelize.Font{Family: fontFamily, Size: bodySize, Color: "7F7F7F", Strike: true},
		CustomNumFmt: numFmt(euroFmt), Alignment: top}
	d[sSignature] = excelize.Style{Font: font(bodySize, false, false, ""),
		Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center", WrapText: true}}
	return d
}()

// styleInfo is what the layout needs of each style: font size and weight,
// whether the text wraps, whether a count shows thousands separators.
var styleInfo = func() [nStyles]struct {
	size       float64
	bold, wrap bool
	grouped    bool
} {
	var out [nStyles]struct {
		size       float64
		bold, wrap bool
		grouped    bool
	}
	for i, d := range styleDefs {
		out[i].size = bodySize
		if d.Font != nil {
			out[i].size, out[i].bold = d.Font.Size, d.Font.Bold
		}
		out[i].wrap = d.Alignment != nil && d.Alignment.WrapText
		out[i].grouped = d.CustomNumFmt != nil && *d.CustomNumFmt == intFmt
	}
	return out
}()

func newStyles(f *excelize.File) (*styles, error) {
	s := &styles{}
	for i := range styleDefs {
		if style(i) == noStyle {
			continue
		}
		d := styleDefs[i] // excelize reads it; a copy all the same (workbooks are written in parallel)
		id, err := f.NewStyle(&d)
		if err != nil {
			return nil, err
		}
		s[i] = id
	}
	return s, nil
}

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

func fmtInt(n int) string { return funding.FormatCount(int64(n)) }

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
