package exporter

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// A workbook is described once, as data (book, sheet, row, cell), and
// written by a renderer. The description says everything the user sees:
// document properties, page setup, column widths, row heights, frozen
// panes, autofilter, the header row and then the rows as typed cells with
// their styles (styleDefs). A book is laid out (book.layout) before it is
// rendered: the widths of the columns are measured from their content and
// the used range counted, so that every renderer writes the same widths,
// heights and <dimension>. The renderer in use writes it through excelize;
// a second one (a fast path for the big sheets) must render the same
// description to the same cells, which a test can check by dumping both
// workbooks.

// book is a workbook: its document properties and its sheets, in order.
type book struct {
	props  excelize.DocProperties
	app    excelize.AppProperties
	sheets []*sheet
}

// sheet describes one worksheet.
type sheet struct {
	name string // valid and unique in its book once laid out
	page page
	// cols say how wide each column may be, from column A; layout sets
	// widths from them and from the content.
	cols   []col
	widths []float64 // set by layout: the width of each column, in units (unitPx)
	freeze freeze    // frozen panes; zero for none
	// above are the rows printed above the header (a title block); the
	// header row follows them.
	above  []row
	header []string // the header row, in the header style (its height fits its labels)
	// autoFilter puts a filter on the header row, over the dataRows rows
	// below it (the sheet is written after the filter is set, so the count
	// is known beforehand).
	autoFilter bool
	dataRows   int
	// body yields the rows below the header, one per spreadsheet row. A
	// renderer must not keep a row's cells after the yield returns (the
	// producer reuses them); body can be ranged over more than once.
	body iter.Seq[row]
	// chart, if any, is placed under the table.
	chart *chart
	// lastRow and lastCol bound the used range (the sheet's <dimension>,
	// from A1); set by layout.
	lastRow, lastCol int
}

// col bounds the width of a column, in units: the widest content of the
// column (the longest word of its header label, its cells that are not
// merged), kept between min and max. A text wider than max wraps where
// its style wraps, and is cut at the next filled cell where it does not.
type col struct{ min, max float64 }

// fixed is a column of width w whatever its content.
func fixed(w float64) col { return col{w, w} }

// page is the print setup of a sheet.
type page struct {
	landscape bool
	paper     int  // excelize paper size: 9 is A4
	fitWidth  bool // all columns on the width of one page, as many pages tall as needed
	margins   margins
	header    string // printed at the top left of each page
	footer    string // printed at the bottom left (who issues the document); the page number goes at the right
	// repeatHeader prints the rows down to the header row on every page.
	repeatHeader bool
}

// margins in inches; header and footer are the distances of the page's
// header and footer from the edge of the paper.
type margins struct{ left, right, top, bottom, header, footer float64 }

// a4 is the print setup of every sheet the exporter writes: A4, fit to
// the width, the header row repeated on each page, header and footer
// 0.3" from the edge of the paper (inside what printers can print).
func a4(landscape bool, header, footer string) page {
	return page{
		landscape: landscape, paper: 9, fitWidth: true,
		margins: margins{left: 0.5, right: 0.5, top: 0.75, bottom: 0.75, header: 0.3, footer: 0.3},
		header:  header, footer: footer, repeatHeader: true,
	}
}

// printableWidth is the width of the page inside the margins, in units.
func (p page) printableWidth() float64 {
	in := 8.27 // A4 portrait
	if p.landscape {
		in = 11.69
	}
	return (in - p.margins.left - p.margins.right) * 96 / unitPx
}

// hfFont names the font of the page's header and footer; hfSize is their
// size in points.
const (
	hfFont = `&"` + fontFamily + `,Regular"`
	hfSize = "&9"
	// maxHF is the longest header or footer a spreadsheet takes, codes
	// included, in UTF-16 units (excelize refuses a longer one).
	maxHF = 255
)

// headerFooter is the page's header and footer as spreadsheet codes: the
// header text at the left; the footer text at the left and the page
// number at the right. A text too long for the 255 units of a header is
// cut (a comune name of 200 characters must not stop a workbook).
func (p page) headerFooter() (header, footer string) {
	pre := "&L" + hfFont + hfSize
	pages := "&R" + hfFont + hfSize + "Pagina &P di &N"
	return pre + escapeHF(p.header, maxHF-utf16Len(pre)), pre + escapeHF(p.footer, maxHF-utf16Len(pre+pages)) + pages
}

// escapeHF escapes '&' for header/footer codes and cuts the result to n
// UTF-16 units without splitting an escaped '&'.
func escapeHF(s string, n int) string {
	e := strings.ReplaceAll(s, "&", "&&")
	if utf16Len(e) <= n {
		return e
	}
	e = cutUTF16(e, n)
	// an odd run of '&' before the "…" would escape it
	body := strings.TrimSuffix(e, "…")
	amps := len(body) - len(strings.TrimRight(body, "&"))
	if amps%2 == 1 {
		body = body[:len(body)-1]
	}
	return body + "…"
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
	cells []cell // from column A; the zero cell leaves its column empty
	// height in points; 0 fits the row to its text (sheet.rowHeight)
	height float64
	merges []span // cells merged across columns of this row
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

// maxCellText is the longest text a spreadsheet cell holds, in UTF-16
// units.
const maxCellText = 32767

// text is a text cell; a text longer than a cell holds is cut, with "…"
// (the importer reports such a text; the exporter must not fail on it).
func text(s style, v string) cell {
	if len(v) > maxCellText {
		v = cutUTF16(v, maxCellText)
	}
	return cell{kind: kindText, style: s, text: v}
}

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

// noteRow is a line of text merged across ncols columns; its height fits
// the wrapped text.
func noteRow(s style, v string, ncols int) row {
	return row{cells: []cell{text(s, v)}, merges: []span{{1, ncols}}}
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

// rows yields every row of the sheet from row 1: the title block, the
// header, the body.
func (s *sheet) rows(yield func(row) bool) {
	for _, rw := range s.above {
		if !yield(rw) {
			return
		}
	}
	if !yield(row{cells: headerCells(s.header)}) {
		return
	}
	if s.body != nil {
		for rw := range s.body {
			if !yield(rw) {
				return
			}
		}
	}
}

// layout makes the book ready to render: sheet names valid and unique,
// each sheet's columns measured and its used range counted.
func (b *book) layout() {
	used := map[string]bool{}
	for _, s := range b.sheets {
		s.name = sheetName(s.name, used)
		s.layout()
	}
}

// maxSheetName is the longest sheet name a spreadsheet takes.
const maxSheetName = 31

// sheetName makes name a valid sheet name, not in used (compared without
// case, as spreadsheets do), and adds it to used: the characters : \ / ? *
// [ ] become '-', apostrophes go from its ends, it is cut to 31
// characters.
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			return '-'
		case '\n', '\r', '\t':
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(strings.TrimSpace(name), "'")
	if name == "" {
		name = "Foglio"
	}
	base := name
	for i := 2; ; i++ {
		if utf16Len(name) > maxSheetName {
			name = strings.TrimRight(cutUTF16(name, maxSheetName), "'")
		}
		if !used[strings.ToLower(name)] {
			used[strings.ToLower(name)] = true
			return name
		}
		suffix := fmt.Sprintf(" (%d)", i)
		name = strings.TrimRight(cutUTF16(base, maxSheetName-utf16Len(suffix)), "'…") + suffix
	}
}

// layout measures the columns of the sheet from its content (the header
// labels' longest words, the cells below that are not merged; the title
// block is left out) and counts its used range.
func (s *sheet) layout() {
	w := make([]float64, len(s.cols))
	for i, c := range s.cols {
		w[i] = c.min
	}
	for i, h := range s.header {
		if i < len(w) {
			for _, word := range strings.Fields(h) {
				w[i] = max(w[i], units(word, styleInfo[sHeader].size, true))
			}
		}
	}
	n, lastRow, lastCol := 0, 0, 0
	for rw := range s.rows {
		n++
		if len(rw.cells) == 0 {
			continue
		}
		lastRow = n
		for i := len(rw.cells) - 1; i >= 0; i-- {
			if rw.cells[i] != (cell{}) {
				lastCol = max(lastCol, i+1)
				break
			}
		}
		for _, m := range rw.merges {
			lastCol = max(lastCol, m.to)
		}
		if n <= s.headerRow() {
			continue // the title block overflows, the header wraps (its words are measured above)
		}
	cells:
		for i, c := range rw.cells {
			if i >= len(w) || w[i] >= s.cols[i].max || c.kind == kindBlank {
				continue
			}
			for _, m := range rw.merges {
				if i+1 >= m.from && i+1 <= m.to && m.to > m.from {
					continue cells
				}
			}
			info := styleInfo[c.style]
			u := units(displayText(c), info.size, info.bold)
			if c.kind == kindInt || c.kind == kindMoney || c.kind == kindDate {
				u += (numPadPx - padPx) / unitPx
			}
			w[i] = max(w[i], u)
		}
	}
	for i, c := range s.cols {
		w[i] = min(w[i], c.max)
	}
	s.widths = w
	s.lastRow, s.lastCol = max(lastRow, 1), max(lastCol, 1)
}

// rowHeight is the height to give a row: its own, or the height its text
// needs (the wrapped lines of its wrapping cells, the size of its fonts);
// 0 leaves the default height of one line of body text. At most 409
// points, the tallest row a spreadsheet takes: a long text from a file
// must not stop the workbook.
func (s *sheet) rowHeight(rw row) float64 {
	h := rw.height
	if h == 0 {
		for i, c := range rw.cells {
			if c.kind != kindText || c.text == "" {
				continue
			}
			info := styleInfo[c.style]
			if !info.wrap && info.size <= bodySize {
				continue
			}
			lines := 1
			if info.wrap {
				width := s.width(i + 1)
				for _, m := range rw.merges {
					if m.from == i+1 {
						width = 0
						for col := m.from; col <= m.to; col++ {
							width += s.width(col)
						}
					}
				}
				lines = wrapLines(c.text, width, info.size, info.bold)
			}
			need := float64(lines)*lineHeight(info.size) + 2
			if lines == 1 && info.size <= bodySize {
				continue
			}
			h = max(h, need)
		}
	}
	return min(h, excelize.MaxRowHeight)
}

// width is the width of column col (from 1).
func (s *sheet) width(col int) float64 {
	if col-1 < len(s.widths) {
		return s.widths[col-1]
	}
	return 9.140625 // a spreadsheet's default
}

// renderer writes a described workbook as an .xlsx file.
type renderer interface {
	render(w io.Writer, b *book) error
}

// excelizeRenderer writes every sheet through excelize's stream writer
// (the chart of a sheet is added before its rows are streamed), or, when
// normal is set, through the normal API: a test compares the two.
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

// setDefaultFont makes the workbook's default font (that of the Normal
// style, of empty cells, and the unit of column widths) Arial of the body
// size, without the theme's font scheme (which would put Calibri back).
func setDefaultFont(f *excelize.File) error {
	if err := f.SetDefaultFont(fontFamily); err != nil {
		return err
	}
	if f.Styles == nil || f.Styles.Fonts == nil || len(f.Styles.Fonts.Font) == 0 || f.Styles.Fonts.Font[0].Sz == nil {
		return errors.New("exporter: no default font in the styles")
	}
	font := f.Styles.Fonts.Font[0]
	size := bodySize
	font.Sz.Val = &size
	font.Scheme = nil
	return nil
}

// file builds the workbook in excelize, with the ids of its styles; the
// caller closes it.
func (r excelizeRenderer) file(b *book) (*excelize.File, *styles, error) {
	if b.sheets[0].widths == nil {
		return nil, nil, errors.New("exporter: book rendered before its layout")
	}
	f := excelize.NewFile()
	st, err := r.build(f, b)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

func (r excelizeRenderer) build(f *excelize.File, b *book) (*styles, error) {
	if err := setDefaultFont(f); err != nil {
		return nil, err
	}
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	if err := f.SetDocProps(&b.props); err != nil {
		return nil, err
	}
	if err := f.SetAppProps(&b.app); err != nil {
		return nil, err
	}
	for i, s := range b.sheets {
		if err := r.sheet(f, st, i == 0, s); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// sheet writes one sheet: the prologue (new sheet, print setup, widths,
// panes, chart) and then its rows.
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
	if s.chart != nil {
		if err := f.AddChart(s.name, s.chart.at, s.chart.spec); err != nil {
			return err
		}
	}
	var sw sheetWriter
	if r.normal {
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
	for rw := range s.rows {
		n++
		h := s.rowHeight(rw)
		if len(rw.cells) == 0 && h == 0 {
			continue
		}
		vals = vals[:0]
		for _, c := range rw.cells {
			vals = append(vals, st.value(c))
		}
		var opts []excelize.RowOpts
		if h > 0 {
			opts = append(opts, excelize.RowOpts{Height: h})
		}
		if err := sw.SetRow(colRef(1, n), vals, opts...); err != nil {
			return err
		}
		for _, m := range rw.merges {
			if err := sw.MergeCell(colRef(m.from, n), colRef(m.to, n)); err != nil {
				return err
			}
		}
	}
	return sw.Flush()
}

// setupPage applies the print setup, the sheet's properties, its used
// range and the autofilter; it must run before the sheet is streamed (the
// stream writer keeps them, it does not take later ones).
func setupPage(f *excelize.File, s *sheet) error {
	name, p := s.name, s.page
	// the autofilter replaces the sheet properties: set it first
	if s.autoFilter {
		h := s.headerRow()
		if err := f.AutoFilter(name, colRef(1, h)+":"+colRef(len(s.header), h+s.dataRows), nil); err != nil {
			return err
		}
	}
	if err := f.SetSheetDimension(name, "A1:"+colRef(s.lastCol, s.lastRow)); err != nil {
		return err
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
	height := defaultRowHeight
	props := &excelize.SheetPropsOptions{DefaultRowHeight: &height}
	if p.fitWidth {
		fit := true
		props.FitToPage = &fit
	}
	if err := f.SetSheetProps(name, props); err != nil {
		return err
	}
	m := p.margins
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m.left, Right: &m.right, Top: &m.top, Bottom: &m.bottom,
		Header: &m.header, Footer: &m.footer}); err != nil {
		return err
	}
	header, footer := p.headerFooter()
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: header, OddFooter: footer}); err != nil {
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
// or normalWriter.
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
