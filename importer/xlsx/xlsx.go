// Package xlsx is a streaming, strict reader of Office Open XML workbooks
// (.xlsx, .xlsm, .xltx, .xltm). It lists the sheets of a workbook in order
// with their names and hidden state, reads the shared strings once, and
// streams each sheet's XML through a hand-written byte scanner, yielding
// rows of grid.Cells without ever holding a sheet in memory or writing a
// temporary file.
//
// Values are those excelize gives with Rows and RawCellValue (the stored
// value; shared and inline strings resolved and their _xHHHH_ escapes
// decoded; booleans as stored, "1" or "0"; errors as their text; dates as
// serial numbers), and Cell.Num tells the cells stored as numbers, so no
// caller needs to ask a cell's type afterwards.
//
// Damage is an error, never an early end: a *grid.CorruptError (invalid
// UTF-8 or XML, a part cut short or failing its checksum, a DOCTYPE, a
// reference out of order or beyond XFD1048576, a shared string index out
// of range, ...) naming the sheet and row. Expansion is bounded by Limits
// and refused with a *grid.LimitError.
package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync/atomic"

	"consolida/importer/grid"
)

// Limits bounds what a workbook may expand to: the importer's one
// budget (grid.Limits), of which this decoder checks PartBytes,
// TotalBytes, SharedStrings, SharedStringBytes, CellsPerRow, Cells,
// Elements, TokenBytes, RowBytes and Sheets. A zero field takes its value
// from DefaultLimits.
type Limits = grid.Limits

// DefaultLimits accept the largest workbooks Excel can make of the kind
// consolida reads with room to spare (a full sheet of 1,048,576 rows by 20
// columns is about 1.3 GB of XML and 21 million cells) and refuse bombs
// within seconds: a part that says it inflates beyond PartBytes, or parts
// that together say they exceed TotalBytes, are refused before reading; a
// part that keeps within them stops at the first budget it exhausts (a
// row past 1,048,576, 2^26 cells, 2^27 other elements, a 4 MiB token),
// with a few megabytes of memory. Measured on the bombs of issue 8: 1.5 MB
// inflating to 13 GB (nine sheets on one part) is refused at once; 1.45
// GB of comments stops after 5 s of CPU.
func DefaultLimits() Limits { return grid.DefaultLimits() }

func withDefaults(l Limits) Limits {
	l = l.WithDefaults()
	if l.SharedStringBytes > maxSSTBytes {
		l.SharedStringBytes = maxSSTBytes
	}
	return l
}

const (
	maxRows = 1 << 20 // 1,048,576
	maxCols = 1 << 14 // 16,384, column XFD
)

// The content types of a SpreadsheetML workbook part.
var workbookTypes = map[string]bool{
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":    true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": true,
	"application/vnd.ms-excel.sheet.macroenabled.main+xml":                          true,
	"application/vnd.ms-excel.template.macroenabled.main+xml":                       true,
	"application/vnd.ms-excel.addin.macroenabled.main+xml":                          true,
}

// Namespaces accepted for the root elements (transitional and strict).
var (
	nsMain = map[string]bool{
		"http://schemas.openxmlformats.org/spreadsheetml/2006/main": true,
		"http://purl.oclc.org/ooxml/spreadsheetml/main":             true,
	}
	nsRels  = map[string]bool{"http://schemas.openxmlformats.org/package/2006/relationships": true}
	nsTypes = map[string]bool{"http://schemas.openxmlformats.org/package/2006/content-types": true}
)

// book is what Open learns; sheets are opened from it.
type book struct {
	ctx    context.Context
	lim    Limits
	parts  map[string]*zip.File // by lower-case name
	sst    *sst
	total  atomic.Int64 // decompressed bytes read
	cells  atomic.Int64
	closed atomic.Bool
}

type sheetPart struct {
	name   string
	hidden bool
	file   *zip.File // nil: a sheet without rows (a chart sheet)
	last   atomic.Pointer[rows]
}

// Open reads the workbook in r (size bytes): its sheets in order, the
// 1904 date system and the shared strings. Each sheet's rows are read
// when the sheet is opened. ctx stops a read in progress (within a
// fraction of a second) and makes the next calls fail with ctx.Err().
// r must stay readable until the book is closed.
func Open(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*grid.Book, error) {
	b := &book{ctx: ctx, lim: withDefaults(lim), parts: map[string]*zip.File{}}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &grid.CorruptError{Detail: "not a readable zip archive: " + err.Error()}
	}
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if _, dup := b.parts[name]; dup {
			return nil, &grid.CorruptError{Detail: fmt.Sprintf("part %s twice in the archive", f.Name)}
		}
		b.parts[name] = f
	}
	wbPath, err := b.officeDocument()
	if err != nil {
		return nil, err
	}
	if err := b.checkContentType(wbPath); err != nil {
		return nil, err
	}
	rels, err := b.rels(wbPath)
	if err != nil {
		return nil, err
	}
	wb, err := b.workbook(wbPath)
	if err != nil {
		return nil, err
	}
	if len(wb.sheets) > b.lim.Sheets {
		return nil, &grid.LimitError{Budget: grid.BudgetSheets, What: "sheets of the workbook", Limit: int64(b.lim.Sheets)}
	}
	var sheets []*sheetPart
	declared := int64(0)
	seen := map[string]bool{}
	for _, ws := range wb.sheets {
		key := strings.ToLower(ws.name)
		if seen[key] {
			return nil, &grid.CorruptError{Detail: fmt.Sprintf("workbook.xml: two sheets named %q", ws.name)}
		}
		seen[key] = true
		rel, ok := rels[ws.rid]
		if !ok {
			return nil, &grid.CorruptError{Sheet: ws.name, Detail: fmt.Sprintf("workbook.xml: sheet relationship %q not found", ws.rid)}
		}
		sp := &sheetPart{name: ws.name, hidden: ws.hidden}
		switch relKind(rel.typ) {
		case "worksheet", "dialogsheet", "macrosheet", "xlMacrosheet", "xlIntlMacrosheet", "chartsheet":
		default:
			return nil, &grid.CorruptError{Sheet: ws.name, Detail: fmt.Sprintf("workbook.xml: sheet points at a %s", rel.typ)}
		}
		if rel.external {
			return nil, &grid.CorruptError{Sheet: ws.name, Detail: "workbook.xml: sheet in an external file"}
		}
		sp.file = b.parts[strings.ToLower(rel.target)]
		if sp.file == nil {
			return nil, &grid.CorruptError{Sheet: ws.name, Detail: fmt.Sprintf("sheet part %s missing", rel.target)}
		}
		declared += b.declared(sp.file)
		sheets = append(sheets, sp)
	}
	var sstFile *zip.File
	for _, rel := range rels {
		if relKind(rel.typ) == "sharedStrings" && !rel.external {
			if sstFile = b.parts[strings.ToLower(rel.target)]; sstFile == nil {
				return nil, &grid.CorruptError{Detail: fmt.Sprintf("shared strings part %s missing", rel.target)}
			}
		}
	}
	if sstFile == nil { // excelize reads this part whether or not a relationship names it
		sstFile = b.parts["xl/sharedstrings.xml"]
	}
	if sstFile != nil {
		declared += b.declared(sstFile)
	}
	// The central directory's sizes bound what each part may inflate to
	// (archive/zip refuses a part that grows past its size), so a bomb is
	// refused here, before a byte is inflated.
	if declared+b.total.Load() > b.lim.TotalBytes {
		return nil, &grid.LimitError{Budget: grid.BudgetBytes, What: "decompressed bytes of the workbook (sheets and shared strings, as declared)", Limit: b.lim.TotalBytes}
	}
	if sstFile != nil {
		if b.sst, err = b.readSST(sstFile); err != nil {
			return nil, err
		}
	}
	gb := &grid.Book{Close: func() error {
		b.closed.Store(true)
		b.sst = nil
		return nil
	}}
	for _, sp := range sheets {
		gb.Sheets = append(gb.Sheets, grid.Sheet{
			Name: sp.name, Hidden: sp.hidden, Date1904: wb.date1904,
			Open:     func() (grid.Rows, error) { return b.openSheet(sp) },
			Estimate: sp.estimate,
		})
	}
	return gb, nil
}

// bufFor sizes the read buffer of a part: 64 KiB, less for a small part.
func bufFor(f *zip.File) int {
	return int(min(max(f.UncompressedSize64+1, 512), 64<<10))
}

// declared is the size a part says it inflates to.
func (b *book) declared(f *zip.File) int64 {
	if f.UncompressedSize64 > 1<<62 {
		return 1 << 62
	}
	return int64(f.UncompressedSize64)
}

// part opens a part for streaming, with the budget and cancellation
// checked on every chunk read.
func (b *book) part(f *zip.File, sheet string) (io.ReadCloser, func(int) error, error) {
	if err := b.ctx.Err(); err != nil {
		return nil, nil, err
	}
	if b.closed.Load() {
		return nil, nil, errors.New("xlsx: book closed")
	}
	if int64(f.UncompressedSize64) > b.lim.PartBytes || f.UncompressedSize64 > 1<<62 {
		return nil, nil, &grid.LimitError{Sheet: sheet, Budget: grid.BudgetBytes, What: "decompressed bytes of part " + f.Name + " (as declared)", Limit: b.lim.PartBytes}
	}
	if b.total.Load()+int64(f.UncompressedSize64) > b.lim.TotalBytes {
		return nil, nil, &grid.LimitError{Sheet: sheet, Budget: grid.BudgetBytes, What: "decompressed bytes of the workbook", Limit: b.lim.TotalBytes}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, &grid.CorruptError{Sheet: sheet, Detail: fmt.Sprintf("part %s unreadable: %v", f.Name, err)}
	}
	var n int64
	onRead := func(k int) error {
		n += int64(k)
		if n > b.lim.PartBytes {
			return &grid.LimitError{Budget: grid.BudgetBytes, What: "decompressed bytes of part " + f.Name, Limit: b.lim.PartBytes}
		}
		if b.total.Add(int64(k)) > b.lim.TotalBytes {
			return &grid.LimitError{Budget: grid.BudgetBytes, What: "decompressed bytes of the workbook", Limit: b.lim.TotalBytes}
		}
		return b.ctx.Err()
	}
	return rc, onRead, nil
}

// scanPart runs fn over the tokens of a small part read whole (content
// types, relationships, workbook).
func (b *book) scanPart(f *zip.File, fn func(s *scanner) error) error {
	rc, onRead, err := b.part(f, "")
	if err != nil {
		return err
	}
	defer rc.Close()
	s := newScanner(rc, bufFor(f), b.lim, onRead)
	err = fn(s)
	if err == nil {
		for err == nil {
			_, err = s.next()
		}
		if err == io.EOF {
			err = nil
		}
	}
	return partError(err, f.Name, "", 0)
}

// partError returns the *grid.CorruptError or *grid.LimitError in err
// with the part, sheet and row it concerns; other errors (cancellation)
// as they are.
func partError(err error, part, sheet string, row int) error {
	err, _ = grid.Locate(err, sheet, row)
	var ce *grid.CorruptError
	if errors.As(err, &ce) && !strings.HasPrefix(ce.Detail, part+": ") {
		ce.Detail = part + ": " + ce.Detail
	}
	return err
}

// inDetail prefixes the detail of a corrupt error.
func inDetail(err error, prefix string) error {
	var ce *grid.CorruptError
	if errors.As(err, &ce) {
		ce.Detail = prefix + ce.Detail
		return ce
	}
	return err
}

// root reads up to the root element and checks its name and, unless ns is
// nil, its namespace.
func root(s *scanner, names []string, ns map[string]bool) error {
	k, err := s.next()
	if err != nil {
		return err
	}
	if k != tokStart {
		return s.corruptf("no root element")
	}
	ok := false
	for _, n := range names {
		ok = ok || string(s.local) == n
	}
	if !ok {
		return s.corruptf("root element <%s>, expected <%s>", s.qname, names[0])
	}
	if ns == nil {
		return nil
	}
	var prefix []byte
	if len(s.local) < len(s.qname) {
		prefix = s.qname[:len(s.qname)-len(s.local)-1]
	}
	for _, a := range s.attrs {
		if prefix == nil && a.prefix == nil && string(a.local) == "xmlns" ||
			prefix != nil && string(a.prefix) == "xmlns" && bytes.Equal(a.local, prefix) {
			v, err := appendText(nil, a.value, false)
			if err != nil {
				return s.corruptf("%v", err)
			}
			if ns[string(v)] {
				return nil
			}
			return s.corruptf("root element <%s> in namespace %q", s.qname, v)
		}
	}
	return s.corruptf("root element <%s> without its namespace", s.qname)
}

// officeDocument finds the workbook part from the package relationships.
func (b *book) officeDocument() (string, error) {
	rels, err := b.relsOf("_rels/.rels", "")
	if err != nil {
		return "", err
	}
	for _, r := range rels {
		if relKind(r.typ) == "officeDocument" && !r.external {
			if b.parts[strings.ToLower(r.target)] == nil {
				return "", &grid.CorruptError{Detail: fmt.Sprintf("workbook part %s missing", r.target)}
			}
			return r.target, nil
		}
	}
	return "", &grid.CorruptError{Detail: "_rels/.rels: no workbook"}
}

// checkContentType checks that the workbook part is SpreadsheetML.
func (b *book) checkContentType(wbPath string) error {
	f := b.parts["[content_types].xml"]
	if f == nil {
		return &grid.CorruptError{Detail: "[Content_Types].xml missing"}
	}
	ext := strings.ToLower(path.Ext(wbPath))
	if ext != "" {
		ext = ext[1:]
	}
	var byExt, byName string
	err := b.scanPart(f, func(s *scanner) error {
		if err := root(s, []string{"Types"}, nsTypes); err != nil {
			return err
		}
		for {
			k, err := s.next()
			if err != nil {
				return err
			}
			if k == tokEnd && s.depth() == 0 {
				return nil
			}
			if k != tokStart {
				continue
			}
			if s.depth() != 2 {
				if err := s.skip(); err != nil {
					return err
				}
				continue
			}
			ct, _, err := s.attr("ContentType")
			if err != nil {
				return s.corruptf("%v", err)
			}
			switch string(s.local) {
			case "Default":
				e, _, err := s.attr("Extension")
				if err != nil {
					return s.corruptf("%v", err)
				}
				if strings.EqualFold(e, ext) {
					byExt = ct
				}
			case "Override":
				p, _, err := s.attr("PartName")
				if err != nil {
					return s.corruptf("%v", err)
				}
				if strings.EqualFold(strings.TrimPrefix(p, "/"), wbPath) {
					byName = ct
				}
			}
			if err := s.skip(); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return err
	}
	ct := byName
	if ct == "" {
		ct = byExt
	}
	if !workbookTypes[strings.ToLower(strings.TrimSpace(ct))] {
		return &grid.CorruptError{Detail: fmt.Sprintf("[Content_Types].xml: the workbook %s is of type %q, not a SpreadsheetML workbook", wbPath, ct)}
	}
	return nil
}

type rel struct {
	typ, target string
	external    bool
}

// relKind is the last segment of a relationship type, e.g. "worksheet".
func relKind(typ string) string { return typ[strings.LastIndexByte(typ, '/')+1:] }

// rels reads the relationships of the part src, with targets resolved to
// part names.
func (b *book) rels(src string) (map[string]rel, error) {
	dir, file := path.Split(src)
	return b.relsOf(dir+"_rels/"+file+".rels", src)
}

func (b *book) relsOf(name, src string) (map[string]rel, error) {
	f := b.parts[strings.ToLower(name)]
	if f == nil {
		return nil, &grid.CorruptError{Detail: name + " missing"}
	}
	out := map[string]rel{}
	err := b.scanPart(f, func(s *scanner) error {
		if err := root(s, []string{"Relationships"}, nsRels); err != nil {
			return err
		}
		for {
			k, err := s.next()
			if err != nil {
				return err
			}
			if k == tokEnd && s.depth() == 0 {
				return nil
			}
			if k != tokStart {
				continue
			}
			if s.depth() == 2 && string(s.local) == "Relationship" {
				id, _, err1 := s.attr("Id")
				typ, _, err2 := s.attr("Type")
				target, _, err3 := s.attr("Target")
				mode, _, err4 := s.attr("TargetMode")
				if err := errors.Join(err1, err2, err3, err4); err != nil {
					return s.corruptf("%v", err)
				}
				if id == "" {
					return s.corruptf("relationship without Id")
				}
				if _, dup := out[id]; dup {
					return s.corruptf("relationship %q twice", id)
				}
				r := rel{typ: typ, external: mode == "External"}
				if !r.external {
					t, ok := resolve(src, target)
					if !ok {
						return s.corruptf("relationship %q: bad target %q", id, target)
					}
					r.target = t
				}
				out[id] = r
			}
			if err := s.skip(); err != nil {
				return err
			}
		}
	})
	return out, err
}

// resolve turns a relationship target into a part name: relative to the
// folder of the source part, or absolute when it starts with a slash.
func resolve(src, target string) (string, bool) {
	target = strings.ReplaceAll(target, "\\", "/")
	if target == "" {
		return "", false
	}
	var p string
	if strings.HasPrefix(target, "/") {
		p = path.Clean(target)
	} else {
		p = path.Clean("/" + path.Dir(src) + "/" + target)
	}
	p = strings.TrimPrefix(p, "/")
	if p == "" || p == "." || strings.HasPrefix(p, "../") || p == ".." {
		return "", false
	}
	return p, true
}

type wbSheet struct {
	name, rid string
	hidden    bool
}

type workbook struct {
	sheets   []wbSheet
	date1904 bool
}

// workbook reads the sheet list and the date system.
func (b *book) workbook(wbPath string) (*workbook, error) {
	wb := &workbook{}
	err := b.scanPart(b.parts[strings.ToLower(wbPath)], func(s *scanner) error {
		if err := root(s, []string{"workbook"}, nsMain); err != nil {
			return err
		}
		for {
			k, err := s.next()
			if err != nil {
				return err
			}
			if k == tokEnd && s.depth() == 0 {
				return nil
			}
			if k != tokStart {
				continue
			}
			switch {
			case s.depth() == 2 && string(s.local) == "workbookPr":
				v, ok, err := s.attr("date1904")
				if err != nil {
					return s.corruptf("%v", err)
				}
				if ok {
					switch strings.TrimSpace(v) {
					case "1", "true":
						wb.date1904 = true
					case "0", "false":
						wb.date1904 = false
					default:
						return s.corruptf("date1904=%q", v)
					}
				}
			case s.depth() == 2 && string(s.local) == "sheets":
				continue
			case s.depth() == 3 && string(s.local) == "sheet":
				if err := wb.sheet(s); err != nil {
					return err
				}
			}
			if err := s.skip(); err != nil {
				return err
			}
		}
	})
	return wb, err
}

func (wb *workbook) sheet(s *scanner) error {
	name, _, err := s.attr("name")
	if err != nil {
		return s.corruptf("%v", err)
	}
	if name == "" {
		return s.corruptf("sheet without a name")
	}
	state, _, err := s.attr("state")
	if err != nil {
		return s.corruptf("%v", err)
	}
	var rid string
	for _, a := range s.attrs {
		if a.prefix != nil && string(a.local) == "id" {
			v, err := appendText(nil, a.value, false)
			if err != nil {
				return s.corruptf("%v", err)
			}
			rid = string(v)
		}
	}
	if rid == "" {
		return s.corruptf("sheet %q without a relationship id", name)
	}
	ws := wbSheet{name: name, rid: rid}
	switch state {
	case "", "visible":
	case "hidden", "veryHidden":
		ws.hidden = true
	default:
		return s.corruptf("sheet %q in state %q", name, state)
	}
	wb.sheets = append(wb.sheets, ws)
	return nil
}
