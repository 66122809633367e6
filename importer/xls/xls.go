// Package xls decodes Excel 97-2003 workbooks (BIFF8) and, for the few
// offices that still have them, Excel 5.0/95 workbooks (BIFF5/7) into
// grid.Books.
package xls

// A reader for Excel 97-2003 workbooks (BIFF8) and, for the few offices
// that still have them, Excel 5.0/95 workbooks (BIFF5/7). The OLE
// container is read with mscfb; the BIFF records are decoded here, for the
// parts consolida needs: sheets and their visibility, the date system, and
// the values of cells (shared strings, labels, numbers, RK numbers,
// cached formula results, booleans and errors). Formatting, formulas
// themselves, charts and merged ranges are ignored: a merged range keeps
// its value in the top-left cell, where BIFF stores it.
//
// The Workbook stream is read into memory once per file (it cannot be
// larger than the file); rows are decoded lazily, sheet by sheet. No
// panic escapes: a malformed file gives an error wrapping grid.ErrCorrupt.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"consolida/importer/grid"
)

// ErrNotWorkbook is an OLE compound file without a Workbook (or Book)
// stream: a Word or PowerPoint document, not a spreadsheet.
var ErrNotWorkbook = errors.New("il documento OLE non contiene una cartella di lavoro Excel")

// BIFF record types.
const (
	recFormula    = 0x0006
	recEOF        = 0x000A
	recDateMode   = 0x0022
	recFilePass   = 0x002F
	recContinue   = 0x003C
	recCodePage   = 0x0042
	recBoundSheet = 0x0085
	recMulRK      = 0x00BD
	recMulBlank   = 0x00BE
	recRString    = 0x00D6
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recBlank      = 0x0201
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBoolErr    = 0x0205
	recString     = 0x0207
	recArray      = 0x0221
	recRK         = 0x027E
	recBOF        = 0x0809
	recShrFmla    = 0x04BC
	recTable      = 0x0236
)

const (
	biff8 = 0x0600
	biff5 = 0x0500 // also BIFF7 (Excel 95)

	bofGlobals   = 0x0005
	bofWorksheet = 0x0010

	// maxXLSCols bounds the columns of a row: BIFF8 has 256 (IV); cells
	// beyond it, which only a damaged file has, are ignored.
	maxXLSCols = 256
)

// corrupt returns a *grid.CorruptError; the sheet and row are added by
// the iterator that meets it.
func corrupt(format string, a ...any) error {
	return &grid.CorruptError{Detail: fmt.Sprintf(format, a...)}
}

// recoverTo turns a panic into an error; every entry point of the readers
// defers it, so that no input can crash the program.
func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = corrupt("internal error (%v)", r)
	}
}

// oleStream returns the root-level stream of an OLE file named as the
// first of names that it has (case-insensitive), reading at most limit bytes of it
// (limit < 0: all of it). found is false when there is no such stream;
// encryptedPkg tells an encrypted OOXML file.
func oleStream(ra io.ReaderAt, size, limit int64, names ...string) (data []byte, found, encryptedPkg bool, err error) {
	defer func() {
		// mscfb has panicked on some damaged containers
		if r := recover(); r != nil {
			data, err = nil, corrupt("unreadable OLE container")
		}
	}()
	if err := checkOLEHeader(ra, size); err != nil {
		return nil, false, false, err
	}
	doc, err := mscfb.New(ra)
	if err != nil {
		return nil, false, false, corrupt("unreadable OLE container")
	}
	var pick *mscfb.File
	rank := len(names)
	for _, e := range doc.File {
		if len(e.Path) != 0 {
			continue
		}
		if e.Name == "EncryptedPackage" {
			encryptedPkg = true
		}
		for i, n := range names[:rank] {
			if strings.EqualFold(e.Name, n) {
				pick, rank = e, i // earlier names win: Workbook over Book
			}
		}
	}
	if pick == nil {
		return nil, false, encryptedPkg, nil
	}
	n := pick.Size
	if n > size {
		return nil, true, encryptedPkg, corrupt("stream %q longer than the file", pick.Name)
	}
	if limit >= 0 && n > limit {
		n = limit
	}
	data = make([]byte, n)
	if _, err := io.ReadFull(pick, data); err != nil {
		return nil, true, encryptedPkg, corrupt("stream %q cut short", pick.Name)
	}
	return data, true, encryptedPkg, nil
}

// checkOLEHeader refuses the sector counts of a compound file header
// that cannot fit in the file (mscfb overflows on some of them).
func checkOLEHeader(ra io.ReaderAt, size int64) error {
	h := make([]byte, 512)
	if _, err := ra.ReadAt(h, 0); err != nil {
		return corrupt("OLE container cut short")
	}
	shift := binary.LittleEndian.Uint16(h[0x1E:])
	if shift != 9 && shift != 12 {
		return corrupt("unreadable OLE container")
	}
	sectors := uint64(size>>shift) + 1
	for _, off := range []int{0x2C, 0x40, 0x48} { // FAT, mini FAT, DIFAT sector counts
		if uint64(binary.LittleEndian.Uint32(h[off:])) > sectors {
			return corrupt("unreadable OLE container")
		}
	}
	return nil
}

// biffRecords walks the records of a BIFF stream held in memory.
type biffRecords struct {
	b   []byte
	pos int
}

// next returns the next record; ok is false at the end of the stream.
func (r *biffRecords) next() (typ uint16, body []byte, ok bool, err error) {
	if r.pos >= len(r.b) {
		return 0, nil, false, nil
	}
	if r.pos+4 > len(r.b) {
		return 0, nil, false, corrupt("BIFF record cut short (offset %d)", r.pos)
	}
	typ = binary.LittleEndian.Uint16(r.b[r.pos:])
	n := int(binary.LittleEndian.Uint16(r.b[r.pos+2:]))
	if r.pos+4+n > len(r.b) {
		return 0, nil, false, corrupt("BIFF record cut short (offset %d)", r.pos)
	}
	body = r.b[r.pos+4 : r.pos+4+n]
	r.pos += 4 + n
	return typ, body, true, nil
}

// continued returns body followed by the bodies of the CONTINUE records
// right after it.
func (r *biffRecords) continued(body []byte) ([][]byte, error) {
	segs := [][]byte{body}
	for {
		save := r.pos
		typ, b, ok, err := r.next()
		if err != nil {
			return nil, err
		}
		if !ok || typ != recContinue {
			r.pos = save
			return segs, nil
		}
		segs = append(segs, b)
	}
}

// xlsGlobals is what the workbook globals substream says, with the
// budget of the file: the bytes of records the sheets walk (each sheet
// is walked twice: to check the order of its rows, then to read them),
// the cells they yield, the context that stops them.
type xlsGlobals struct {
	version  uint16 // biff8 or biff5
	date1904 bool
	dec      *encoding.Decoder // BIFF5 byte strings
	sst      []string
	sstBlank []bool // per shared string: empty or spaces (found once, not per cell)
	sheets   []xlsSheet
	stream   []byte

	ctx     context.Context
	lim     grid.Limits
	walked  int64 // bytes of records walked by the sheets
	cells   int64 // cells decoded
	records int   // records walked, to check ctx now and then
}

// walk counts a record walked by a sheet against the budget, and checks
// the context every 4096 records.
func (g *xlsGlobals) walk(body []byte) error {
	if g.walked += int64(4 + len(body)); g.walked > g.lim.TotalBytes {
		return &grid.LimitError{Budget: grid.BudgetBytes, What: "bytes of BIFF records walked by the sheets", Limit: g.lim.TotalBytes}
	}
	if g.records++; g.records%4096 == 0 {
		return g.ctx.Err()
	}
	return nil
}

// atRow gives a *grid.CorruptError the row it concerns.
func atRow(err error, row int) error {
	var ce *grid.CorruptError
	if errors.As(err, &ce) && ce.Row == 0 {
		ce.Row = row
	}
	return err
}

// inDetail prefixes the detail of a *grid.CorruptError.
func inDetail(err error, prefix string) error {
	var ce *grid.CorruptError
	if errors.As(err, &ce) {
		ce.Detail = prefix + ce.Detail
	}
	return err
}

type xlsSheet struct {
	name   string
	pos    int
	hidden bool
}

// Open reads the Workbook stream of an OLE compound file of size bytes
// into memory and lists its sheets; the rows of a sheet are decoded when
// it is opened. ctx stops a read in progress; lim bounds the sheets, the
// bytes of records they walk and the cells they yield (zero fields:
// grid.DefaultLimits). A password-protected workbook gives
// grid.ErrEncrypted, an OLE file of another kind ErrNotWorkbook, damage a
// *grid.CorruptError, a budget exceeded a *grid.LimitError.
func Open(ctx context.Context, ra io.ReaderAt, size int64, lim grid.Limits) (*grid.Book, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, found, encPkg, err := oleStream(ra, size, -1, "Workbook", "Book")
	if err != nil {
		return nil, err
	}
	return xlsBook(ctx, data, found, encPkg, lim.WithDefaults())
}

// xlsBook reads the sheets of a Workbook stream.
func xlsBook(ctx context.Context, data []byte, found, encPkg bool, lim grid.Limits) (b *grid.Book, err error) {
	defer recoverTo(&err)
	if encPkg {
		return nil, grid.ErrEncrypted
	}
	if !found {
		return nil, ErrNotWorkbook
	}
	g, err := parseGlobals(data)
	if err != nil {
		return nil, err
	}
	g.ctx, g.lim = ctx, lim
	if len(g.sheets) > lim.Sheets {
		return nil, &grid.LimitError{Budget: grid.BudgetSheets, What: "sheets of the workbook", Limit: int64(lim.Sheets)}
	}
	// Excel writes each sheet once; two BOUNDSHEET records pointing at
	// the same substream would read its rows twice
	at := make(map[int]string, len(g.sheets))
	for _, s := range g.sheets {
		if other, dup := at[s.pos]; dup {
			return nil, &grid.CorruptError{Sheet: s.name, Detail: fmt.Sprintf("sheet at the same offset %d as sheet %q", s.pos, other)}
		}
		at[s.pos] = s.name
	}
	b = &grid.Book{}
	if g.version == biff5 {
		b.Detail = "Excel 5.0/95"
	}
	for i := range g.sheets {
		s := g.sheets[i]
		b.Sheets = append(b.Sheets, grid.Sheet{
			Name: s.name, Hidden: s.hidden, Date1904: g.date1904,
			Open: func() (grid.Rows, error) { return g.openSheet(s) },
		})
	}
	return b, nil
}

// parseGlobals reads the workbook globals: BOF, FILEPASS, CODEPAGE,
// DATEMODE, BOUNDSHEET and SST.
func parseGlobals(data []byte) (*xlsGlobals, error) {
	r := &biffRecords{b: data}
	typ, body, ok, err := r.next()
	if err != nil {
		return nil, err
	}
	if !ok || typ != recBOF || len(body) < 4 {
		return nil, corrupt("no BIFF header (BOF)")
	}
	g := &xlsGlobals{stream: data, dec: charmap.Windows1252.NewDecoder()}
	g.version = binary.LittleEndian.Uint16(body)
	switch g.version {
	case biff8, biff5:
	default:
		return nil, fmt.Errorf("versione di Excel troppo vecchia o sconosciuta (BIFF %#x): aprire il file e salvarlo come .xlsx", g.version)
	}
	if dt := binary.LittleEndian.Uint16(body[2:]); dt != bofGlobals {
		return nil, corrupt("the stream does not start with the workbook globals")
	}
	for {
		typ, body, ok, err := r.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, corrupt("workbook globals cut short (no EOF)")
		}
		switch typ {
		case recEOF:
			return g, nil
		case recFilePass:
			return nil, grid.ErrEncrypted
		case recCodePage:
			if len(body) >= 2 {
				if enc := codepage(binary.LittleEndian.Uint16(body)); enc != nil {
					g.dec = enc.NewDecoder()
				}
			}
		case recDateMode:
			g.date1904 = len(body) >= 2 && binary.LittleEndian.Uint16(body) == 1
		case recBoundSheet:
			if err := g.boundSheet(body); err != nil {
				return nil, err
			}
		case recSST:
			segs, err := r.continued(body)
			if err != nil {
				return nil, err
			}
			if g.sst, err = parseSST(segs); err != nil {
				return nil, err
			}
			g.sstBlank = make([]bool, len(g.sst))
			for i, v := range g.sst {
				g.sstBlank[i] = strings.TrimSpace(v) == ""
			}
		}
	}
}

// boundSheet reads a BOUNDSHEET record; only worksheets are kept (not
// charts, macro sheets or VBA modules).
func (g *xlsGlobals) boundSheet(body []byte) error {
	if len(body) < 7 {
		return corrupt("BOUNDSHEET record cut short")
	}
	s := xlsSheet{
		pos:    int(binary.LittleEndian.Uint32(body)),
		hidden: body[4]&0x03 != 0,
	}
	if body[5] != 0 {
		return nil
	}
	cch := int(body[6])
	if g.version == biff5 {
		if 7+cch > len(body) {
			return corrupt("sheet name cut short")
		}
		s.name = g.bytesText(body[7 : 7+cch])
	} else {
		sr := &segReader{segs: [][]byte{body[7:]}}
		flags, err := sr.u8()
		if err != nil {
			return corrupt("sheet name cut short")
		}
		if s.name, err = sr.chars(cch, flags&1 != 0); err != nil {
			return corrupt("sheet name cut short")
		}
	}
	g.sheets = append(g.sheets, s)
	return nil
}

func (g *xlsGlobals) bytesText(b []byte) string {
	s, err := g.dec.Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}

// codepage maps a BIFF5 CODEPAGE to a decoder; nil keeps Windows-1252.
func codepage(cp uint16) encoding.Encoding {
	switch cp {
	case 437:
		return charmap.CodePage437
	case 850:
		return charmap.CodePage850
	case 858:
		return charmap.CodePage858
	case 1250:
		return charmap.Windows1250
	case 1251:
		return charmap.Windows1251
	case 1253:
		return charmap.Windows1253
	case 1254:
		return charmap.Windows1254
	case 1255:
		return charmap.Windows1255
	case 1256:
		return charmap.Windows1256
	case 1257:
		return charmap.Windows1257
	case 1258:
		return charmap.Windows1258
	case 10000, 32768:
		return charmap.Macintosh
	}
	return nil
}

// segReader reads data that BIFF splits over a record and its CONTINUE
// records. Raw bytes flow across the boundaries; the characters of a
// string restart, after a boundary, with a new option byte that says
// whether they are 8-bit or UTF-16.
type segReader struct {
	segs [][]byte
	i, p int
}

func (s *segReader) atEnd() bool {
	for s.i < len(s.segs) && s.p >= len(s.segs[s.i]) {
		if s.i == len(s.segs)-1 {
			return true
		}
		s.i, s.p = s.i+1, 0
	}
	return s.i >= len(s.segs)
}

// raw returns the next n bytes, across boundaries.
func (s *segReader) raw(n int) ([]byte, error) {
	if n < 0 {
		return nil, corrupt("negative length")
	}
	if s.i < len(s.segs) && s.p+n <= len(s.segs[s.i]) {
		b := s.segs[s.i][s.p : s.p+n]
		s.p += n
		return b, nil
	}
	out := make([]byte, 0, min(n, 1<<16))
	for len(out) < n {
		if s.atEnd() {
			return nil, corrupt("string cut short")
		}
		seg := s.segs[s.i]
		k := min(n-len(out), len(seg)-s.p)
		out = append(out, seg[s.p:s.p+k]...)
		s.p += k
	}
	return out, nil
}

// skip passes over n bytes without copying them.
func (s *segReader) skip(n int) error {
	for n > 0 {
		if s.atEnd() {
			return corrupt("string cut short")
		}
		k := min(n, len(s.segs[s.i])-s.p)
		s.p += k
		n -= k
	}
	return nil
}

func (s *segReader) u8() (byte, error) {
	b, err := s.raw(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (s *segReader) u16() (uint16, error) {
	b, err := s.raw(2)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (s *segReader) u32() (uint32, error) {
	b, err := s.raw(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

// chars reads cch characters, 8-bit (Latin-1) or UTF-16LE as high says,
// re-reading the option byte at each record boundary inside them.
func (s *segReader) chars(cch int, high bool) (string, error) {
	if cch == 0 {
		return "", nil
	}
	u := make([]uint16, 0, cch)
	for len(u) < cch {
		if s.i >= len(s.segs) || s.p >= len(s.segs[s.i]) {
			if s.i+1 >= len(s.segs) {
				return "", corrupt("string cut short")
			}
			s.i, s.p = s.i+1, 0
			opt, err := s.u8()
			if err != nil {
				return "", err
			}
			high = opt&1 != 0
		}
		seg := s.segs[s.i][s.p:]
		want := cch - len(u)
		if high {
			k := min(want, len(seg)/2)
			if k == 0 {
				return "", corrupt("character split between two records")
			}
			for j := 0; j < k; j++ {
				u = append(u, binary.LittleEndian.Uint16(seg[2*j:]))
			}
			s.p += 2 * k
		} else {
			k := min(want, len(seg))
			for j := 0; j < k; j++ {
				u = append(u, uint16(seg[j]))
			}
			s.p += k
		}
	}
	return string(utf16.Decode(u)), nil
}

// unicodeString reads an XLUnicodeRichExtendedString (SST entries) or,
// with rich false, an XLUnicodeString (LABEL, STRING).
func (s *segReader) unicodeString(rich bool) (string, error) {
	cch, err := s.u16()
	if err != nil {
		return "", err
	}
	flags, err := s.u8()
	if err != nil {
		return "", err
	}
	var runs, ext int
	if rich && flags&0x08 != 0 {
		n, err := s.u16()
		if err != nil {
			return "", err
		}
		runs = int(n)
	}
	if rich && flags&0x04 != 0 {
		n, err := s.u32()
		if err != nil {
			return "", err
		}
		if n > math.MaxInt32 {
			return "", corrupt("phonetic data too long")
		}
		ext = int(n)
	}
	str, err := s.chars(int(cch), flags&0x01 != 0)
	if err != nil {
		return "", err
	}
	if err := s.skip(4 * runs); err != nil {
		return "", err
	}
	if err := s.skip(ext); err != nil {
		return "", err
	}
	return str, nil
}

// parseSST reads the shared string table. A count larger than the
// strings present is tolerated, as Excel does.
func parseSST(segs [][]byte) ([]string, error) {
	s := &segReader{segs: segs}
	if _, err := s.u32(); err != nil { // cstTotal
		return nil, corrupt("shared string table (SST) cut short")
	}
	n, err := s.u32()
	if err != nil {
		return nil, corrupt("shared string table (SST) cut short")
	}
	size := 0
	for _, b := range segs {
		size += len(b)
	}
	out := make([]string, 0, min(int(n), size/3+1))
	for uint32(len(out)) < n && !s.atEnd() {
		str, err := s.unicodeString(true)
		if err != nil {
			return nil, inDetail(err, fmt.Sprintf("shared string table (SST), string %d: ", len(out)+1))
		}
		out = append(out, str)
	}
	return out, nil
}

// openSheet returns the rows of a worksheet. Excel writes cells by
// ascending row; a file that does not (some generators write them in
// the order the program produced them) is read whole and sorted.
func (g *xlsGlobals) openSheet(s xlsSheet) (it grid.Rows, err error) {
	defer func() { err = inSheet(err, s.name, 0) }()
	defer recoverTo(&err)
	if err := g.ctx.Err(); err != nil {
		return nil, err
	}
	if s.pos < 0 || s.pos >= len(g.stream) {
		return nil, corrupt("sheet %q beyond the stream", s.name)
	}
	r := &biffRecords{b: g.stream, pos: s.pos}
	typ, body, ok, err := r.next()
	if err != nil {
		return nil, err
	}
	if !ok || typ != recBOF || len(body) < 4 {
		return nil, corrupt("sheet %q: no BIFF header (BOF)", s.name)
	}
	if dt := binary.LittleEndian.Uint16(body[2:]); dt != bofWorksheet {
		return &sortedIter{}, nil // a dialog or macro sheet: no cells to read
	}
	start := r.pos
	ordered, err := g.cellsOrdered(start)
	if err != nil {
		return nil, err
	}
	cr := &cellReader{g: g, sheet: s.name, r: biffRecords{b: g.stream, pos: start}}
	if ordered {
		return &xlsIter{cr: cr}, nil
	}
	return collectCells(cr)
}

// cellsOrdered tells whether the cell records of a sheet come by
// non-decreasing row.
func (g *xlsGlobals) cellsOrdered(pos int) (bool, error) {
	r := &biffRecords{b: g.stream, pos: pos}
	last, depth := -1, 0
	for {
		typ, body, ok, err := r.next()
		if err != nil {
			return false, atRow(err, last+2) // the row after the last whole one
		}
		if !ok {
			return true, nil
		}
		if err := g.walk(body); err != nil {
			return false, err
		}
		switch typ {
		case recBOF:
			depth++
		case recEOF:
			if depth == 0 {
				return true, nil
			}
			depth--
		case recLabelSST, recLabel, recRString, recNumber, recRK, recMulRK, recFormula, recBoolErr:
			if depth == 0 && len(body) >= 2 {
				row := int(binary.LittleEndian.Uint16(body))
				if row < last {
					return false, nil
				}
				last = row
			}
		}
	}
}

// collectCells reads a whole sheet whose cells are out of order and
// sorts them: memory grows with the cells present, not with the rows
// times the columns.
func collectCells(cr *cellReader) (grid.Rows, error) {
	var cells []pendingCell
	for {
		row, col, c, ok, err := cr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		cells = append(cells, pendingCell{row, col, c, cr.blank})
	}
	// stable: of two values for one cell, the later record wins
	sort.SliceStable(cells, func(i, j int) bool { return cells[i].row < cells[j].row })
	return &sortedIter{cells: cells}, nil
}

// sortedIter yields rows from cells sorted by row.
type sortedIter struct {
	cells []pendingCell
	i, n  int
	row   rowCells
}

func (s *sortedIter) Next() bool {
	for s.i < len(s.cells) {
		r := s.cells[s.i].row
		s.row.reset()
		for ; s.i < len(s.cells) && s.cells[s.i].row == r; s.i++ {
			s.row.set(s.cells[s.i])
		}
		if !s.row.blank() {
			s.n = r + 1
			return true
		}
	}
	return false
}

// rowCells are the cells of a row being assembled, with whether each is
// blank (known from its record: a shared string of a megabyte of spaces
// in every cell is not scanned again for each).
type rowCells struct {
	cells  []grid.Cell
	blanks []bool
}

func (r *rowCells) reset() { r.cells, r.blanks = r.cells[:0], r.blanks[:0] }

func (r *rowCells) set(p pendingCell) {
	for len(r.cells) <= p.col {
		r.cells = append(r.cells, grid.Cell{})
		r.blanks = append(r.blanks, true)
	}
	r.cells[p.col], r.blanks[p.col] = p.c, p.blank
}

func (r *rowCells) blank() bool {
	for _, b := range r.blanks {
		if !b {
			return false
		}
	}
	return true
}

func (s *sortedIter) Row() (int, []grid.Cell) { return s.n, s.row.cells }
func (s *sortedIter) Err() error              { return nil }
func (s *sortedIter) Close() error            { return nil }

// inSheet gives a *grid.CorruptError or *grid.LimitError the sheet and
// row (if known, from 1) it concerns.
func inSheet(err error, sheet string, row int) error {
	err, _ = grid.Locate(err, sheet, row)
	return err
}

// cellReader decodes the cell records of one worksheet, one value at a
// time (a MULRK record gives several).
type cellReader struct {
	g     *xlsGlobals
	sheet string
	r     biffRecords
	depth int // inside an embedded substream (a chart)
	// the cells of a MULRK record not yet returned
	queue    []queuedCell
	queueRow int
	done     bool
	blank    bool // the cell last returned is empty or spaces
}

type queuedCell struct {
	col int
	c   grid.Cell
}

// next returns the next non-empty cell, with 0-based row and column.
func (cr *cellReader) next() (row, col int, c grid.Cell, ok bool, err error) {
	if len(cr.queue) > 0 {
		q := cr.queue[0]
		cr.queue = cr.queue[1:]
		cr.blank = false // a number
		return cr.queueRow, q.col, q.c, true, nil
	}
	for !cr.done {
		typ, body, ok, err := cr.r.next()
		if err != nil {
			return 0, 0, grid.Cell{}, false, err
		}
		if !ok {
			cr.done = true
			return 0, 0, grid.Cell{}, false, corrupt("sheet cut short (no EOF record)")
		}
		if err := cr.g.walk(body); err != nil {
			return 0, 0, grid.Cell{}, false, err
		}
		switch typ {
		case recBOF:
			cr.depth++
			continue
		case recEOF:
			if cr.depth == 0 {
				cr.done = true
				return 0, 0, grid.Cell{}, false, nil
			}
			cr.depth--
			continue
		}
		if cr.depth > 0 {
			continue
		}
		row, col, c, ok, err := cr.decode(typ, body)
		if err != nil {
			return 0, 0, grid.Cell{}, false, err
		}
		if ok {
			if cr.g.cells++; cr.g.cells > cr.g.lim.Cells {
				return 0, 0, grid.Cell{}, false, &grid.LimitError{Row: row + 1, Budget: grid.BudgetCells, What: "cells of the workbook", Limit: cr.g.lim.Cells}
			}
			return row, col, c, true, nil
		}
		if len(cr.queue) > 0 {
			return cr.next()
		}
	}
	return 0, 0, grid.Cell{}, false, nil
}

// decode reads one record; ok is false for records that hold no value
// (or an empty one). A MULRK fills the queue instead.
func (cr *cellReader) decode(typ uint16, body []byte) (row, col int, c grid.Cell, ok bool, err error) {
	switch typ {
	case recLabelSST, recLabel, recRString, recNumber, recRK, recFormula, recBoolErr:
		if len(body) < 6 {
			return 0, 0, grid.Cell{}, false, corrupt("cell record %#04x cut short", typ)
		}
		row = int(binary.LittleEndian.Uint16(body))
		col = int(binary.LittleEndian.Uint16(body[2:]))
	case recMulRK:
		return 0, 0, grid.Cell{}, false, cr.mulRK(body)
	default:
		return 0, 0, grid.Cell{}, false, nil
	}
	if col >= maxXLSCols {
		return 0, 0, grid.Cell{}, false, nil
	}
	switch typ {
	case recLabelSST:
		if len(body) < 10 {
			return 0, 0, grid.Cell{}, false, corrupt("LABELSST cell cut short")
		}
		i := binary.LittleEndian.Uint32(body[6:])
		if uint64(i) >= uint64(len(cr.g.sst)) {
			return 0, 0, grid.Cell{}, false, corrupt("row %d: shared string %d does not exist", row+1, i)
		}
		c = grid.Cell{V: cr.g.sst[i]}
		if c.V == "" {
			return 0, 0, grid.Cell{}, false, nil
		}
		cr.blank = cr.g.sstBlank[i]
		return row, col, c, true, nil
	case recLabel, recRString:
		c.V, err = cr.label(body[6:], nil)
		if err != nil {
			return 0, 0, grid.Cell{}, false, atRow(err, row+1)
		}
	case recNumber:
		if len(body) < 14 {
			return 0, 0, grid.Cell{}, false, corrupt("NUMBER cell cut short")
		}
		c = grid.Number(math.Float64frombits(binary.LittleEndian.Uint64(body[6:])))
	case recRK:
		if len(body) < 10 {
			return 0, 0, grid.Cell{}, false, corrupt("RK cell cut short")
		}
		c = grid.Number(rkValue(binary.LittleEndian.Uint32(body[6:])))
	case recBoolErr:
		if len(body) < 8 {
			return 0, 0, grid.Cell{}, false, corrupt("BOOLERR cell cut short")
		}
		c = boolErrCell(body[6], body[7] != 0)
	case recFormula:
		if len(body) < 14 {
			return 0, 0, grid.Cell{}, false, corrupt("FORMULA cell cut short")
		}
		c, err = cr.formula(body[6:14])
		if err != nil {
			return 0, 0, grid.Cell{}, false, atRow(err, row+1)
		}
	}
	if c.V == "" {
		return 0, 0, grid.Cell{}, false, nil
	}
	cr.blank = !c.Num && strings.TrimSpace(c.V) == "" // a text of one record, at most
	return row, col, c, true, nil
}

// mulRK queues the numbers of a MULRK record: row, first column, then
// (XF, RK) pairs, then the last column.
func (cr *cellReader) mulRK(body []byte) error {
	if len(body) < 6 || (len(body)-6)%6 != 0 {
		return corrupt("MULRK cell cut short")
	}
	cr.queueRow = int(binary.LittleEndian.Uint16(body))
	first := int(binary.LittleEndian.Uint16(body[2:]))
	cr.queue = cr.queue[:0]
	if cr.g.cells += int64(len(body)-6) / 6; cr.g.cells > cr.g.lim.Cells {
		return &grid.LimitError{Row: cr.queueRow + 1, Budget: grid.BudgetCells, What: "cells of the workbook", Limit: cr.g.lim.Cells}
	}
	for i, p := 0, 4; p+6 <= len(body)-2; i, p = i+1, p+6 {
		col := first + i
		if col >= maxXLSCols {
			break
		}
		cr.queue = append(cr.queue, queuedCell{col, grid.Number(rkValue(binary.LittleEndian.Uint32(body[p+2:])))})
	}
	return nil
}

// label reads the string of a LABEL or RSTRING record, or of a STRING
// record with its CONTINUE records (more given in more).
func (cr *cellReader) label(body []byte, more [][]byte) (string, error) {
	segs := append([][]byte{body}, more...)
	s := &segReader{segs: segs}
	if cr.g.version == biff5 {
		n, err := s.u16()
		if err != nil {
			return "", err
		}
		b, err := s.raw(int(n))
		if err != nil {
			return "", err
		}
		return cr.g.bytesText(b), nil
	}
	return s.unicodeString(false)
}

// formula reads the cached result of a FORMULA record: a number, or a
// marker for a string (in the STRING record that follows), a boolean, an
// error or an empty string.
func (cr *cellReader) formula(res []byte) (grid.Cell, error) {
	if res[6] != 0xFF || res[7] != 0xFF {
		return grid.Number(math.Float64frombits(binary.LittleEndian.Uint64(res))), nil
	}
	switch res[0] {
	case 0: // string: the STRING record follows (after SHRFMLA, ARRAY, TABLE)
		save := cr.r.pos
		for {
			typ, body, ok, err := cr.r.next()
			if err != nil {
				return grid.Cell{}, err
			}
			switch {
			case ok && typ == recString:
				more, err := cr.r.continued(nil)
				if err != nil {
					return grid.Cell{}, err
				}
				v, err := cr.label(body, more[1:])
				return grid.Cell{V: v}, err
			case ok && (typ == recShrFmla || typ == recArray || typ == recTable):
				continue
			}
			cr.r.pos = save // no STRING record: an empty result
			return grid.Cell{}, nil
		}
	case 1:
		return boolErrCell(res[2], false), nil
	case 2:
		return boolErrCell(res[2], true), nil
	}
	return grid.Cell{}, nil
}

// rkValue decodes an RK number: a 30-bit signed integer or the top 30
// bits of a double, optionally divided by 100.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&0x02 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&0x01 != 0 {
		v /= 100
	}
	return v
}

func boolErrCell(v byte, isErr bool) grid.Cell {
	if !isErr {
		if v != 0 {
			return grid.Cell{V: "TRUE"}
		}
		return grid.Cell{V: "FALSE"}
	}
	switch v {
	case 0x00:
		return grid.Cell{V: "#NULL!"}
	case 0x07:
		return grid.Cell{V: "#DIV/0!"}
	case 0x0F:
		return grid.Cell{V: "#VALUE!"}
	case 0x17:
		return grid.Cell{V: "#REF!"}
	case 0x1D:
		return grid.Cell{V: "#NAME?"}
	case 0x24:
		return grid.Cell{V: "#NUM!"}
	case 0x2A:
		return grid.Cell{V: "#N/A"}
	}
	return grid.Cell{V: "#ERR!"}
}

// xlsIter groups the cells of a sheet whose records come by row.
type xlsIter struct {
	cr      *cellReader
	n       int
	row     rowCells
	pending *pendingCell
	err     error
	done    bool
}

type pendingCell struct {
	row, col int
	c        grid.Cell
	blank    bool
}

func (x *xlsIter) Next() (more bool) {
	defer func() {
		if r := recover(); r != nil {
			x.err = inSheet(corrupt("internal error (%v)", r), x.cr.sheet, x.n+1)
			x.done, more = true, false
		}
	}()
	for !x.done {
		x.row.reset()
		row := -1
		if p := x.pending; p != nil {
			row = p.row
			x.row.set(*p)
			x.pending = nil
		}
		for {
			r, col, c, ok, err := x.cr.next()
			if err != nil {
				// the row being assembled, or the one after the last
				at := x.n + 1
				if row >= 0 {
					at = row + 1
				}
				x.err, x.done = inSheet(err, x.cr.sheet, at), true
				return false
			}
			if !ok {
				x.done = true
				break
			}
			if row >= 0 && r != row {
				x.pending = &pendingCell{r, col, c, x.cr.blank}
				break
			}
			row = r
			x.row.set(pendingCell{r, col, c, x.cr.blank})
		}
		if row >= 0 && !x.row.blank() {
			x.n = row + 1
			return true
		}
	}
	return false
}

func (x *xlsIter) Row() (int, []grid.Cell) { return x.n, x.row.cells }
func (x *xlsIter) Err() error              { return x.err }
func (x *xlsIter) Close() error            { return nil }

// Sniff tells whether an OLE compound file of size bytes holds an Excel
// workbook that Open can read, looking only at the first 64 KiB of its
// Workbook stream: nil if so; grid.ErrEncrypted for a workbook saved with
// a password or an encrypted OOXML package (which Office stores in an OLE
// container with an EncryptedPackage); ErrNotWorkbook for other OLE
// documents (Word, PowerPoint); grid.ErrCorrupt, without detail, for a
// container or stream that does not decode.
func Sniff(ra io.ReaderAt, size int64) error {
	head, found, encPkg, err := oleStream(ra, size, 1<<16, "Workbook", "Book")
	switch {
	case encPkg:
		return grid.ErrEncrypted
	case errors.Is(err, grid.ErrCorrupt):
		return grid.ErrCorrupt
	case err != nil:
		return err
	case !found:
		return ErrNotWorkbook
	}
	return sniffXLS(head)
}

// sniffXLS looks at the start of a Workbook stream: an encrypted workbook
// has a FILEPASS record right after BOF.
func sniffXLS(head []byte) error {
	r := &biffRecords{b: head}
	typ, body, ok, _ := r.next()
	if !ok || typ != recBOF || len(body) < 4 {
		return grid.ErrCorrupt
	}
	for i := 0; i < 64; i++ {
		typ, _, ok, _ := r.next()
		if !ok || typ == recEOF || typ == recBoundSheet {
			return nil
		}
		if typ == recFilePass {
			return grid.ErrEncrypted
		}
	}
	return nil
}
