package exporter

import (
	"fmt"
	"io"
	"iter"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// A workbook is described once, as data (book, sheet, row, cell), and
// written by a renderer. The description says everything the user sees:
// page setup, column widths, frozen panes, autofilter, the header row and
// then the rows as typed cells. The renderer in use writes it through
// excelize; a second one (a fast path for the big sheets) must render the
// same description to the same cells, which a test can check by dumping
// both workbooks.

// book is a workbook: its document properties and its sheets, in order.
type book struct {
	props  excelize.DocProperties
	sheets []*sheet
}

// sheet describes one worksheet.
type sheet struct {
	name   string
	page   page
	widths []float64 // column widths from column A, in characters
	freeze freeze    // frozen panes; zero for none
	// above are the rows printed above the header (a title block); the
	// header row follows them.
	above        []row
	header       []string // the header row, in the header style
	headerHeight float64  // 0 leaves the default
	// autoFilter puts a filter on the header row, over the dataRows rows
	// below it (the sheet is written after the filter is set, so the count
	// is known beforehand).
	autoFilter bool
	dataRows   int
	// body yields the rows below the header, one per spreadsheet row. A
	// renderer must not keep a row's cells after the yield returns (the
	// producer reuses them); body can be ranged over more than once.
	body iter.Seq[row]
	// chart, if any, is placed under the table; such a sheet is written in
	// normal mode (a streamed sheet cannot take a chart, excelize #1601).
	chart *chart
}

// page is the print setup of a sheet.
type page struct {
	landscape bool
	paper     int  // excelize paper size: 9 is A4
	fitWidth  bool // all columns on the width of one page, as many pages tall as needed
	margins   margins
	header    string // printed at the top left of each page
	footer    string // printed at the bottom left; the page number goes at the right
	// repeatHeader prints the rows down to the header row on every page.
	repeatHeader bool
}

// margins in inches.
type margins struct{ left, right, top, bottom float64 }

// a4 is the print setup of every sheet the exporter writes: A4, fit to
// the width, the header row repeated on each page.
func a4(landscape bool, header string) page {
	return page{
		landscape: landscape, paper: 9, fitWidth: true,
		margins: margins{left: 0.5, right: 0.5, top: 0.75, bottom: 0.75},
		header:  header, footer: "consolida", repeatHeader: true,
	}
}

// freeze keeps cols columns and rows rows in view while scrolling.
type freeze struct{ cols, rows int }

// chart is a chart anchored at a cell.
type chart struct {
	at   string // top left cell, e.g. "A14"
	spec *excelize.Chart
}

// row is one spreadsheet row. A row with no cells and no height is a
// blank line: nothing is written for it.
type row struct {
	cells  []cell  // from column A; the zero cell leaves its column empty
	height float64 // in points, at most 409 (excelize.MaxRowHeight) when written; 0 leaves the default
	merges []span  // cells merged across columns of this row
}

// span is a range of columns, from and to counted from 1, inclusive.
type span struct{ from, to int }

// cellKind is the type of a cell's value.
type cellKind uint8

const (
	kindBlank cellKind = iota // no value: only the style, if any
	kindText
	kindInt   // a count or a row number
	kindMoney // cents, written as a number of euros
	kindDate  // a funding.Date, written as a date serial
)

// cell is a typed value with its style. A formula carries the value as
// its cached result, so that readers that do not recalculate see it.
type cell struct {
	kind    cellKind
	style   style
	text    string
	num     int64 // the int, the cents or the yyyymmdd date
	formula string
}

func text(s style, v string) cell { return cell{kind: kindText, style: s, text: v} }

func intCell(s style, n int) cell { return cell{kind: kindInt, style: s, num: int64(n)} }

func money(s style, a funding.Amount) cell { return cell{kind: kindMoney, style: s, num: int64(a)} }

// blank is an empty cell that still carries a style (borders, format).
func blank(s style) cell { return cell{style: s} }

// date is a date cell, or an empty cell of that style if d is unknown.
func date(s style, d funding.Date) cell {
	if d == 0 {
		return blank(s)
	}
	return cell{kind: kindDate, style: s, num: int64(d)}
}

// sum is a SUM over rng with its value.
func sum(c cell, rng string) cell {
	c.formula = "SUM(" + rng + ")"
	return c
}

// noteRow is a line of text merged across ncols columns.
func noteRow(s style, v string, ncols int, height float64) row {
	return row{cells: []cell{text(s, v)}, height: height, merges: []span{{1, ncols}}}
}

// headerCells is a row of header labels.
func headerCells(labels []string) []cell {
	cells := make([]cell, len(labels))
	for i, h := range labels {
		cells[i] = text(sHeader, h)
	}
	return cells
}

// headerRow is the row number of the header.
func (s *sheet) headerRow() int { return len(s.above) + 1 }

// renderer writes a described workbook as an .xlsx file.
type renderer interface {
	render(w io.Writer, b *book) error
}

// excelizeRenderer writes every sheet through excelize: the stream writer,
// or the normal API for sheets with a chart (and, when normal is set, for
// all of them: a test compares the two).
type excelizeRenderer struct{ normal bool }

func (r excelizeRenderer) render(w io.Writer, b *book) error {
	f, _, err := r.file(b)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteTo(w)
	return err
}

// file builds the workbook in excelize, with the ids of its styles; the
// caller closes it.
func (r excelizeRenderer) file(b *book) (*excelize.File, *styles, error) {
	f := excelize.NewFile()
	st, err := newStyles(f)
	if err == nil {
		err = f.SetDocProps(&b.props)
	}
	for i, s := range b.sheets {
		if err != nil {
			break
		}
		err = r.sheet(f, st, i == 0, s)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// sheet writes one sheet: the prologue (new sheet, print setup, widths,
// panes, header row) and then its rows.
func (r excelizeRenderer) sheet(f *excelize.File, st *styles, first bool, s *sheet) error {
	if first {
		if err := f.SetSheetName(f.GetSheetName(0), s.name); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(s.name); err != nil {
		return err
	}
	if err := setupPage(f, s); err != nil {
		return err
	}
	var sw sheetWriter
	if s.chart != nil || r.normal {
		sw = &normalWriter{f: f, sheet: s.name}
	} else {
		w, err := f.NewStreamWriter(s.name)
		if err != nil {
			return err
		}
		sw = streamWriter{w}
	}
	if err := sw.setWidths(s.widths); err != nil {
		return err
	}
	if s.freeze != (freeze{}) {
		if err := sw.SetPanes(panes(s.freeze)); err != nil {
			return err
		}
	}
	n := 0
	vals := make([]any, 0, len(s.widths))
	put := func(rw row) error {
		n++
		if len(rw.cells) == 0 && rw.height == 0 {
			return nil
		}
		vals = vals[:0]
		for _, c := range rw.cells {
			vals = append(vals, st.value(c))
		}
		var opts []excelize.RowOpts
		if rw.height > 0 {
			// a long text from a file must not stop the workbook: the
			// row stops at the tallest height a spreadsheet takes
			opts = append(opts, excelize.RowOpts{Height: min(rw.height, excelize.MaxRowHeight)})
		}
		if err := sw.SetRow(colRef(1, n), vals, opts...); err != nil {
			return err
		}
		for _, m := range rw.merges {
			if err := sw.MergeCell(colRef(m.from, n), colRef(m.to, n)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, rw := range s.above {
		if err := put(rw); err != nil {
			return err
		}
	}
	if err := put(row{cells: headerCells(s.header), height: s.headerHeight}); err != nil {
		return err
	}
	if s.body != nil {
		for rw := range s.body {
			if err := put(rw); err != nil {
				return err
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if s.chart != nil {
		return f.AddChart(s.name, s.chart.at, s.chart.spec)
	}
	return nil
}

// setupPage applies the print setup and the autofilter; it must run
// before the sheet is streamed (the stream writer keeps them, it does not
// take later ones).
func setupPage(f *excelize.File, s *sheet) error {
	name, p := s.name, s.page
	// the autofilter replaces the sheet properties: set it first
	if s.autoFilter {
		h := s.headerRow()
		if err := f.AutoFilter(name, colRef(1, h)+":"+colRef(len(s.header), h+s.dataRows), nil); err != nil {
			return err
		}
	}
	orient := "portrait"
	if p.landscape {
		orient = "landscape"
	}
	layout := &excelize.PageLayoutOptions{Size: &p.paper, Orientation: &orient}
	if p.fitWidth {
		one, zero := 1, 0
		layout.FitToWidth, layout.FitToHeight = &one, &zero
	}
	if err := f.SetPageLayout(name, layout); err != nil {
		return err
	}
	if p.fitWidth {
		fit := true
		if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
			return err
		}
	}
	m := p.margins
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m.left, Right: &m.right, Top: &m.top, Bottom: &m.bottom}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L&8" + escapeHF(p.header),
		OddFooter: "&L&8" + escapeHF(p.footer) + "&R&8Pagina &P di &N",
	}); err != nil {
		return err
	}
	if p.repeatHeader {
		h := s.headerRow()
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: quoteSheet(name) + "!" + fmt.Sprintf("$%d:$%d", h, h), Scope: name,
		}); err != nil {
			return err
		}
	}
	return nil
}

// panes freezes the rows above and the columns left of a cell.
func panes(fr freeze) *excelize.Panes {
	active := "bottomRight"
	switch {
	case fr.cols == 0:
		active = "bottomLeft"
	case fr.rows == 0:
		active = "topRight"
	}
	return &excelize.Panes{Freeze: true, XSplit: fr.cols, YSplit: fr.rows, TopLeftCell: colRef(fr.cols+1, fr.rows+1), ActivePane: active}
}

// value is the excelize cell of c; nil for the zero cell (nothing written).
func (st *styles) value(c cell) any {
	if c.kind == kindBlank && c.style == noStyle && c.formula == "" {
		return nil
	}
	x := excelize.Cell{StyleID: st[c.style], Formula: c.formula}
	switch c.kind {
	case kindText:
		x.Value = c.text
	case kindInt:
		x.Value = int(c.num)
	case kindMoney:
		x.Value = funding.Amount(c.num).Euro()
	case kindDate:
		x.Value = funding.Date(c.num).Time()
	}
	return x
}

// sheetWriter is what the renderer needs from excelize: the stream writer,
// or normalWriter for sheets that also carry a chart.
type sheetWriter interface {
	setWidths(widths []float64) error
	SetPanes(panes *excelize.Panes) error
	SetRow(cell string, values []any, opts ...excelize.RowOpts) error
	MergeCell(topLeft, bottomRight string) error
	Flush() error
}

type streamWriter struct{ *excelize.StreamWriter }

// setWidths sets the column widths of a streamed sheet. excelize's stream
// writer (v2.11) writes <col> elements in the reverse order of the calls
// and does not sort them, while Excel expects them ascending: so the calls
// go from the last column to the first.
func (w streamWriter) setWidths(widths []float64) error {
	for i := len(widths) - 1; i >= 0; i-- {
		if err := w.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return err
		}
	}
	return nil
}
