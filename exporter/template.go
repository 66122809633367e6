package exporter

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// templateRenderer writes many workbooks of the same shape (the council
// workbooks: thousands of them, the same sheets, styles and print setup,
// other texts and rows) without building each one in excelize. The first
// workbook of a shape is built once by excelize without its rows, with
// markers in place of what changes from one workbook to the next (the
// title, the used range, the column widths, the page header and footer):
// its parts are cut at the markers into a template. Every workbook of
// that shape is then written from the template: the parts that do not
// change (styles, theme, content types, relationships, the workbook
// part...) are copied already compressed, the others are the template's
// pieces with this workbook's values, its rows written as excelize's
// stream writer writes them (rowXML) and its merged cells, compressed by
// a deflate writer that is reset rather than made anew. A workbook whose
// shape has no template (a chart, an autofilter, no title) is written by
// excelizeRenderer. The workbooks are excelizeRenderer's, part for part
// (TestTemplateRendererAgrees).
type templateRenderer struct {
	level int // deflate level of the parts that change; 0: templateLevel
	mu    sync.Mutex
	cache map[string]*bookTemplate // by shapeKey; nil: not templatable
}

// templateLevel is the deflate level of the parts written per workbook:
// on the real folder's 7,867 workbooks klauspost's level 2 makes files
// within 1% of the size of level 5 (excelize's, compress/flate's) in
// less CPU.
const templateLevel = 2

// newTemplateRenderer is a renderer with no template yet; it is safe for
// concurrent use.
func newTemplateRenderer() *templateRenderer {
	return &templateRenderer{cache: map[string]*bookTemplate{}}
}

// bookTemplate is a workbook cut at what changes.
type bookTemplate struct {
	st    *styles
	parts []templatePart // in the order of excelize's zip
}

// templatePart is one part of the zip: copied as compressed (raw) when
// nothing in it changes, or written from pieces and holes.
type templatePart struct {
	header zip.FileHeader
	raw    []byte   // the compressed part, when constant
	pieces [][]byte // len(holes)+1 pieces around the holes
	holes  []hole
}

// holeKind is what fills a hole of a template.
type holeKind uint8

const (
	holeTitle     holeKind = iota // the document title, escaped
	holeDimension                 // the used range: "A1:G22"
	holeCols                      // <cols>…</cols>
	holeRows                      // the rows, between <sheetData> and </sheetData>
	holeMerges                    // <mergeCells…>…</mergeCells> of the rows, if any
	holeHeader                    // the page header's codes, escaped
	holeFooter                    // the page footer's codes, escaped
)

type hole struct {
	kind  holeKind
	sheet int // the sheet the hole is filled from
	at    int // offset in the part (while cutting)
	end   int // end of what the hole replaces in the probe
}

// Markers put in the probe workbook where the values of each workbook go.
const (
	markTitle = "\u27e6titolo\u27e7"
	markOpen  = "\u27e6"
)

func markHeader(i int) string { return "\u27e6intestazione " + strconv.Itoa(i) + "\u27e7" }
func markFooter(i int) string { return "\u27e6pie " + strconv.Itoa(i) + "\u27e7" }

// shapeKey is everything of a laid-out book that its template holds
// fixed: two books with the same key differ only in the holes. "" when
// the book has no template.
func shapeKey(b *book) string {
	if b.props.Title == "" || strings.Contains(b.props.Title, markOpen) {
		return ""
	}
	props := b.props
	props.Title = ""
	var k strings.Builder
	fmt.Fprintf(&k, "%#v\x00%#v\x00%d", props, b.app, len(b.sheets))
	for _, s := range b.sheets {
		if s.chart != nil || s.autoFilter || s.widths == nil || strings.Contains(s.page.header+s.page.footer, markOpen) {
			return ""
		}
		p := s.page
		p.header, p.footer = "", ""
		fmt.Fprintf(&k, "\x00%q %#v %d %#v %d", s.name, p, len(s.widths), s.freeze, len(s.above))
	}
	return k.String()
}

func (r *templateRenderer) render(w io.Writer, b *book) error {
	t, err := r.template(b)
	if err != nil {
		return err
	}
	if t == nil {
		return excelizeRenderer{}.render(w, b)
	}
	level := r.level
	if level == 0 {
		level = templateLevel
	}
	fw, pool := flateWriter(level)
	defer pool.Put(fw)
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		fw.Reset(out)
		return fw, nil
	})
	xs := make([]*rowXML, len(b.sheets))
	var buf []byte
	for i := range t.parts {
		p := &t.parts[i]
		if p.raw != nil {
			fh := p.header
			pw, err := zw.CreateRaw(&fh)
			if err != nil {
				return err
			}
			if _, err := pw.Write(p.raw); err != nil {
				return err
			}
			continue
		}
		fh := p.header
		fh.CRC32, fh.CompressedSize, fh.UncompressedSize, fh.CompressedSize64, fh.UncompressedSize64 = 0, 0, 0, 0, 0
		pw, err := zw.CreateHeader(&fh)
		if err != nil {
			return err
		}
		buf = append(buf[:0], p.pieces[0]...)
		for j, h := range p.holes {
			if buf, err = fill(buf, h, b, t.st, xs); err != nil {
				return err
			}
			buf = append(buf, p.pieces[j+1]...)
		}
		if _, err := pw.Write(buf); err != nil {
			return err
		}
	}
	return zw.Close()
}

// fill appends the value of hole h for book b.
func fill(dst []byte, h hole, b *book, st *styles, xs []*rowXML) ([]byte, error) {
	switch h.kind {
	case holeTitle:
		return appendEscaped(dst, b.props.Title, true), nil
	}
	s := b.sheets[h.sheet]
	switch h.kind {
	case holeDimension:
		return append(dst, "A1:"+colRef(s.lastCol, s.lastRow)...), nil
	case holeCols:
		// as excelize's stream writer writes the widths set one column
		// at a time (streamWriter.setWidths)
		dst = append(dst, "<cols>"...)
		for i, w := range s.widths {
			dst = append(dst, `<col min="`...)
			dst = strconv.AppendInt(dst, int64(i+1), 10)
			dst = append(dst, `" max="`...)
			dst = strconv.AppendInt(dst, int64(i+1), 10)
			dst = append(dst, `" width="`...)
			dst = strconv.AppendFloat(dst, w, 'f', -1, 64)
			dst = append(dst, `" customWidth="1"/>`...)
		}
		return append(dst, "</cols>"...), nil
	case holeRows:
		x := &rowXML{st: st, sheet: s}
		xs[h.sheet] = x
		n := 0
		var err error
		for rw := range s.rows {
			n++
			if dst, err = x.row(dst, n, rw); err != nil {
				return dst, fmt.Errorf("foglio %q: %w", s.name, err)
			}
		}
		return dst, nil
	case holeMerges:
		x := xs[h.sheet]
		if x == nil {
			return dst, errors.New("exporter: merged cells before the rows in a template")
		}
		if len(x.merges) == 0 {
			return dst, nil
		}
		dst = append(dst, `<mergeCells count="`...)
		dst = strconv.AppendInt(dst, int64(len(x.merges)), 10)
		dst = append(dst, `">`...)
		for _, m := range x.merges {
			dst = append(dst, m...)
		}
		return append(dst, `</mergeCells>`...), nil
	case holeHeader, holeFooter:
		header, footer := s.page.headerFooter()
		if h.kind == holeFooter {
			header = footer
		}
		return appendEscaped(dst, header, true), nil
	}
	return dst, fmt.Errorf("exporter: unknown hole %d", h.kind)
}

// template returns the template of b's shape, building it the first time;
// nil when b has none.
func (r *templateRenderer) template(b *book) (*bookTemplate, error) {
	key := shapeKey(b)
	if key == "" {
		return nil, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.cache[key]; ok {
		return t, nil
	}
	t, err := buildTemplate(b)
	if err != nil {
		return nil, err
	}
	r.cache[key] = t
	return t, nil
}

// buildTemplate writes the probe of b (b without rows, with markers) in
// excelize and cuts its parts.
func buildTemplate(b *book) (*bookTemplate, error) {
	probe := &book{props: b.props, app: b.app, sheets: make([]*sheet, len(b.sheets))}
	probe.props.Title = markTitle
	for i, s := range b.sheets {
		c := *s
		c.above = make([]row, len(s.above)) // blank lines: nothing written, the header row stays where it is
		c.header, c.body = nil, nil
		c.page.header, c.page.footer = markHeader(i), markFooter(i)
		c.lastRow, c.lastCol = 1, 1
		probe.sheets[i] = &c
	}
	f, st, err := excelizeRenderer{}.file(probe)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	_, err = f.WriteTo(&buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return nil, err
	}
	paths, err := sheetPaths(zr)
	if err != nil {
		return nil, err
	}
	sheetOf := map[string]int{}
	for i, s := range probe.sheets {
		p, ok := paths[s.name]
		if !ok {
			return nil, fmt.Errorf("exporter: sheet %q not found in the template", s.name)
		}
		sheetOf[p] = i
	}
	t := &bookTemplate{st: st}
	for _, zf := range zr.File {
		data, err := readPart(zf)
		if err != nil {
			return nil, err
		}
		var holes []hole
		if zf.Name == "docProps/core.xml" {
			if holes, err = findHoles(data, holes, hole{kind: holeTitle}, markTitle); err != nil {
				return nil, err
			}
		}
		if i, ok := sheetOf[zf.Name]; ok {
			if holes, err = sheetHoles(data, i, probe.sheets[i]); err != nil {
				return nil, fmt.Errorf("%s: %w", zf.Name, err)
			}
		}
		if len(holes) == 0 {
			if bytes.Contains(data, []byte(markOpen)) {
				return nil, fmt.Errorf("exporter: a marker in %s", zf.Name)
			}
			raw, err := readRaw(zf)
			if err != nil {
				return nil, err
			}
			t.parts = append(t.parts, templatePart{header: zf.FileHeader, raw: raw})
			continue
		}
		slices.SortFunc(holes, func(a, b hole) int { return a.at - b.at })
		p := templatePart{header: zf.FileHeader, holes: holes}
		p.header.Method, p.header.Extra = zip.Deflate, nil
		last := 0
		for _, h := range holes {
			if h.at < last {
				return nil, fmt.Errorf("exporter: overlapping holes in %s", zf.Name)
			}
			p.pieces = append(p.pieces, data[last:h.at])
			last = h.end
		}
		p.pieces = append(p.pieces, data[last:])
		if bytes.Contains(bytes.Join(p.pieces, nil), []byte(markOpen)) {
			return nil, fmt.Errorf("exporter: a marker left in %s", zf.Name)
		}
		t.parts = append(t.parts, p)
	}
	return t, nil
}

// findHoles adds h where the escaped needle is, which must be exactly
// once in data.
func findHoles(data []byte, holes []hole, h hole, needle string) ([]hole, error) {
	n := appendEscaped(nil, needle, true)
	i := bytes.Index(data, n)
	if i < 0 || bytes.Count(data, n) != 1 {
		return nil, fmt.Errorf("exporter: %q not once in the template", needle)
	}
	h.at, h.end = i, i+len(n)
	return append(holes, h), nil
}

// sheetHoles cuts the part of sheet i of the probe.
func sheetHoles(data []byte, i int, s *sheet) ([]hole, error) {
	header, footer := s.page.headerFooter()
	holes, err := findHoles(data, nil, hole{kind: holeHeader, sheet: i}, header)
	if err != nil {
		return nil, err
	}
	if holes, err = findHoles(data, holes, hole{kind: holeFooter, sheet: i}, footer); err != nil {
		return nil, err
	}
	dim := []byte(`<dimension ref="A1:A1">`)
	if d := bytes.Index(data, dim); d < 0 || bytes.Count(data, dim) != 1 {
		return nil, errors.New("exporter: no dimension in the template")
	} else {
		from := d + len(`<dimension ref="`)
		holes = append(holes, hole{kind: holeDimension, sheet: i, at: from, end: from + len("A1:A1")})
	}
	if len(s.widths) > 0 {
		from, to := bytes.Index(data, []byte("<cols>")), bytes.Index(data, []byte("</cols>"))
		if from < 0 || to < from || bytes.Count(data, []byte("<cols>")) != 1 {
			return nil, errors.New("exporter: no cols in the template")
		}
		holes = append(holes, hole{kind: holeCols, sheet: i, at: from, end: to + len("</cols>")})
	}
	empty := []byte("<sheetData></sheetData>")
	d := bytes.Index(data, empty)
	if d < 0 || bytes.Count(data, empty) != 1 {
		return nil, errors.New("exporter: no empty sheetData in the template")
	}
	rows := d + len("<sheetData>")
	holes = append(holes, hole{kind: holeRows, sheet: i, at: rows, end: rows})
	// where the merged cells go: where withMerges puts them
	tail := data[rows:]
	with, err := withMerges(tail, []string{"\x01"})
	if err != nil {
		return nil, err
	}
	ins := []byte("<mergeCells count=\"1\">\x01</mergeCells>")
	at := bytes.Index(with, ins)
	if at < 0 || !bytes.Equal(with[:at], tail[:at]) || !bytes.Equal(with[at+len(ins):], tail[at:]) {
		return nil, errors.New("exporter: merged cells already in the template")
	}
	return append(holes, hole{kind: holeMerges, sheet: i, at: rows + at, end: rows + at}), nil
}

func readPart(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func readRaw(zf *zip.File) ([]byte, error) {
	rc, err := zf.OpenRaw()
	if err != nil {
		return nil, err
	}
	return io.ReadAll(rc)
}
