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
	"time"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// Meta describes a run for the headings of the outputs.
type Meta struct {
	Mese      string    // "2026-11"
	Generated time.Time // when the outputs were made
	Scope     string    // "provincia LC", "membri da membri.csv", "" for all
}

var mesi = []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
	"agosto", "settembre", "ottobre", "novembre", "dicembre"}

// MeseLabel is "novembre 2026" for "2026-11".
func (m Meta) MeseLabel() string {
	t, err := time.Parse("2006-01", m.Mese)
	if err != nil {
		return m.Mese
	}
	return mesi[t.Month()-1] + " " + t.Format("2006")
}

// styles shared by a workbook.
type styles struct {
	header, text, bold, boldWrap, wrap, money, moneyBold, totalLabel, date, int, title, subtitle, note, muted, mutedMoney int
}

const euroFmt = `#,##0.00\ "€";\-#,##0.00\ "€";"-"`

func newStyles(f *excelize.File) (*styles, error) {
	s := &styles{}
	border := []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}
	top := []excelize.Border{{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 6}}
	fmtEuro := euroFmt
	fmtDate := "dd/mm/yyyy"
	fmtInt := "#,##0"
	defs := []struct {
		dst *int
		st  *excelize.Style
	}{
		{&s.header, &excelize.Style{
			Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E79"}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
			Border:    border,
		}},
		{&s.text, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&s.bold, &excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&s.boldWrap, &excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&s.wrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.money, &excelize.Style{CustomNumFmt: &fmtEuro, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&s.moneyBold, &excelize.Style{CustomNumFmt: &fmtEuro, Font: &excelize.Font{Bold: true}, Border: top}},
		{&s.totalLabel, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top}},
		{&s.date, &excelize.Style{CustomNumFmt: &fmtDate, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}}},
		{&s.int, &excelize.Style{CustomNumFmt: &fmtInt, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14, Color: "1F4E79"}}},
		{&s.subtitle, &excelize.Style{Font: &excelize.Font{Size: 11, Color: "404040"}}},
		{&s.note, &excelize.Style{Font: &excelize.Font{Italic: true, Size: 9, Color: "595959"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&s.muted, &excelize.Style{Font: &excelize.Font{Color: "7F7F7F"}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.mutedMoney, &excelize.Style{CustomNumFmt: &fmtEuro, Font: &excelize.Font{Color: "7F7F7F", Strike: true}, Alignment: &excelize.Alignment{Vertical: "top"}}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(d.st)
		if err != nil {
			return nil, err
		}
		*d.dst = id
	}
	return s, nil
}

// page describes the print setup of a sheet.
type page struct {
	landscape  bool
	titleRows  string // rows repeated on each printed page, e.g. "$1:$1"
	header     string // printed page header
	autoFilter string // range, e.g. "A1:N120"
}

// setupSheet applies print settings; it must run before the sheet is
// streamed (the stream writer keeps them, it does not take later ones).
func setupSheet(f *excelize.File, name string, p page) error {
	// the autofilter replaces the sheet properties: set it first
	if p.autoFilter != "" {
		if err := f.AutoFilter(name, p.autoFilter, nil); err != nil {
			return err
		}
	}
	orient := "portrait"
	if p.landscape {
		orient = "landscape"
	}
	a4, one, zero := 9, 1, 0
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	m, mt := 0.5, 0.75
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &mt, Bottom: &mt}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L&8" + escapeHF(p.header),
		OddFooter: "&L&8consolida&R&8Pagina &P di &N",
	}); err != nil {
		return err
	}
	if p.titleRows != "" {
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: quoteSheet(name) + "!" + p.titleRows, Scope: name,
		}); err != nil {
			return err
		}
	}
	return nil
}

// escapeHF escapes '&' for header/footer codes.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// setWidths sets the column widths of a streamed sheet. excelize's
// stream writer (v2.11) writes <col> elements in the reverse order of the
// calls and does not sort them, while Excel expects them ascending: so the
// calls go from the last column to the first.
func setWidths(sw *excelize.StreamWriter, widths []float64) error {
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return err
		}
	}
	return nil
}

// noteRow writes a line of text merged across ncols columns.
func noteRow(sw sheetWriter, row, ncols, style int, text string, height float64) error {
	if err := sw.SetRow(colRef(1, row), []any{cell(style, text)}, excelize.RowOpts{Height: height}); err != nil {
		return err
	}
	return sw.MergeCell(colRef(1, row), colRef(ncols, row))
}

// cell builds a styled cell.
func cell(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }

// moneyCell writes cents as a euro number.
func moneyCell(style int, a funding.Amount) excelize.Cell {
	return excelize.Cell{StyleID: style, Value: a.Euro()}
}

// dateCell writes a date as a real date, or an empty cell.
func dateCell(style int, d funding.Date) excelize.Cell {
	if d == 0 {
		return excelize.Cell{StyleID: style}
	}
	return excelize.Cell{StyleID: style, Value: d.Time()}
}

// sumFormula is a SUM with its computed value, so that readers that do not
// recalculate still see the number.
func sumFormula(style int, rng string, value funding.Amount) excelize.Cell {
	return excelize.Cell{StyleID: style, Formula: "SUM(" + rng + ")", Value: value.Euro()}
}

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

// saveAtomic writes the workbook with WriteFileAtomic (not SaveAs, which
// drops the file's Close error).
func saveAtomic(f *excelize.File, path string) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := f.WriteTo(w)
		return err
	})
}

// saveInto writes the workbook to a file of a folder that is itself
// temporary (the council set): no rename or sync per file is needed.
func saveInto(f *excelize.File, path string) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteTo(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
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

// sheetWriter is what the sheet builders need from excelize: the stream
// writer for big sheets, normalWriter for small ones that also carry a
// chart (a streamed sheet cannot take one, excelize #1601).
type sheetWriter interface {
	SetRow(cell string, values []any, opts ...excelize.RowOpts) error
	MergeCell(topLeft, bottomRight string) error
	SetPanes(panes *excelize.Panes) error
	Flush() error
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
