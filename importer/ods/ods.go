// Package ods decodes OpenDocument spreadsheets (.ods) into grid.Books.
package ods

// A reader for OpenDocument spreadsheets (.ods). content.xml is streamed,
// never loaded whole: a first pass lists the sheets (with their
// visibility, from the table styles) and where each begins; opening a
// sheet skips the bytes before it and decodes its rows with encoding/xml
// one at a time. Repeated rows and cells are expanded only when they hold
// a value, so the million empty rows LibreOffice writes after the data
// cost nothing. Cells come out as in the other readers: numbers
// (float, currency, percentage) as the canonical text of office:value
// with Num set, dates as their ISO office:date-value, booleans as
// TRUE/FALSE, errors and the rest as the text shown, paragraphs joined
// by newlines; covered (merged) cells are empty.
//
// Damage is an error, never an early end: a *grid.CorruptError (XML cut
// short or invalid, a DOCTYPE or other declaration anywhere, a value in a
// row or column beyond the sheet's limits) naming the sheet and row.
// Expansion is bounded by grid.Limits (the bytes content.xml inflates to,
// over every pass; one XML token; the cells yielded, repeats counted) and
// refused with a *grid.LimitError. The sheets are decoded in order from
// one stream of content.xml, so a workbook of thousands of sheets is read
// in time linear in its size.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"consolida/importer/grid"
)

// Namespaces of the elements and attributes read.
const (
	nsOffice  = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	nsTable   = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	nsText    = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	nsStyle   = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
	nsCalcext = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
)

const (
	// maxODSRows and maxODSCols bound what a sheet can address (the
	// limits of LibreOffice); empty repeats beyond them are not expanded,
	// and a value beyond them is damage.
	maxODSRows = grid.MaxRows
	maxODSCols = grid.MaxCols
	// maxCellText bounds the text of one cell (Calc allows 32767
	// characters; the margin covers multi-byte ones).
	maxCellText = 1 << 20
)

type odsTable struct {
	name   string
	style  string
	offset int64 // of its start tag in content.xml
}

// book is an opened archive: its content.xml, the budget of the file,
// and the stream the sheets are read from, in order.
type book struct {
	ctx     context.Context
	lim     grid.Limits
	content *zip.File
	root    string
	total   int64 // bytes of content.xml inflated, over every pass
	cells   int64 // cells yielded
	// the stream left by the last sheet read, to go on from; nil when
	// none or in use
	cursor *stream
}

// Open lists the sheets of the OpenDocument archive of size bytes that ra
// reads; a sheet's rows are decoded from content.xml when it is opened.
// ctx stops a read in progress; lim bounds what the archive may expand
// to (zero fields: grid.DefaultLimits). An archive that does not open
// gives a *grid.CorruptError.
func Open(ctx context.Context, ra io.ReaderAt, size int64, lim grid.Limits) (*grid.Book, error) {
	z, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, &grid.CorruptError{Detail: "not a readable zip archive: " + err.Error()}
	}
	return odsBook(ctx, z, lim.WithDefaults())
}

// Encrypted tells a password-protected OpenDocument file: its manifest
// describes how each part is encrypted.
func Encrypted(z *zip.Reader) bool {
	for _, f := range z.File {
		if f.Name != "META-INF/manifest.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
		return bytes.Contains(b, []byte("encryption-data"))
	}
	return false
}

// odsBook lists the sheets of an opened archive.
func odsBook(ctx context.Context, z *zip.Reader, lim grid.Limits) (gb *grid.Book, err error) {
	defer recoverTo(&err)
	var content *zip.File
	for _, f := range z.File {
		if f.Name == "content.xml" {
			content = f
			break
		}
	}
	if content == nil {
		return nil, corrupt("content.xml missing")
	}
	if content.UncompressedSize64 > uint64(lim.PartBytes) {
		return nil, &grid.LimitError{Budget: grid.BudgetBytes, What: "decompressed bytes of content.xml (as declared)", Limit: lim.PartBytes}
	}
	b := &book{ctx: ctx, lim: lim, content: content}
	sc := odsScan{hiddenStyles: map[string]bool{}}
	if err := b.readPart(0, func(r io.Reader) error { return sc.scan(xml.NewDecoder(r)) }); err != nil {
		return nil, err
	}
	if err := b.readPart(sc.bodyOffset, func(r io.Reader) error { return sc.scanBody(r, lim.TokenBytes) }); err != nil {
		return nil, err
	}
	if len(sc.tables) > lim.Sheets {
		return nil, &grid.LimitError{Budget: grid.BudgetSheets, What: "sheets of the workbook", Limit: int64(lim.Sheets)}
	}
	b.root = sc.rootTag
	gb = &grid.Book{Close: func() error {
		if c := b.cursor; c != nil {
			b.cursor = nil
			return c.rc.Close()
		}
		return nil
	}}
	for _, t := range sc.tables {
		gb.Sheets = append(gb.Sheets, grid.Sheet{
			Name: t.name, Hidden: sc.hiddenStyles[t.style], Date1904: sc.date1904,
			Open: func() (grid.Rows, error) { return b.openTable(t) },
		})
	}
	return gb, nil
}

// stream is content.xml inflating from its first byte, through the
// guard of the file's budget.
type stream struct {
	rc  io.ReadCloser
	g   *guard
	br  *bufio.Reader
	pos int64 // bytes handed out by br
}

func (s *stream) ReadByte() (byte, error) {
	c, err := s.br.ReadByte()
	if err == nil {
		s.pos++
	}
	return c, err
}

func (s *stream) Read(p []byte) (int, error) {
	n, err := s.br.Read(p)
	s.pos += int64(n)
	return n, err
}

// skipTo discards the bytes up to offset.
func (s *stream) skipTo(offset int64) error {
	n, err := s.br.Discard(int(offset - s.pos))
	s.pos += int64(n)
	return err
}

// open starts a stream of content.xml.
func (b *book) open() (*stream, error) {
	if err := b.ctx.Err(); err != nil {
		return nil, err
	}
	rc, err := b.content.Open()
	if err != nil {
		return nil, corrupt("content.xml unreadable: %v", err)
	}
	g := &guard{b: b, r: rc}
	return &stream{rc: rc, g: g, br: bufio.NewReaderSize(g, 1<<16)}, nil
}

// readPart calls read on content.xml from byte offset on.
func (b *book) readPart(offset int64, read func(io.Reader) error) error {
	s, err := b.open()
	if err != nil {
		return err
	}
	defer s.rc.Close()
	if err := s.skipTo(offset); err != nil {
		return odsError(err)
	}
	if err := read(s); err != nil {
		return odsError(err)
	}
	return nil
}

// guard counts the bytes content.xml inflates to against the file's
// budget, refuses a token (a tag, a run of text) longer than
// Limits.TokenBytes before encoding/xml would buffer it whole, and stops
// when the context is done.
type guard struct {
	b     *book
	r     io.Reader
	run   int  // bytes of the current token
	inTag bool // between '<' and '>'
	plain bool // a tag whose quotes count (not a comment or declaration)
	quote byte
	first bool // the byte after '<'
}

func (g *guard) Read(p []byte) (int, error) {
	if err := g.b.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := g.r.Read(p)
	if g.b.total += int64(n); g.b.total > g.b.lim.TotalBytes {
		return 0, &grid.LimitError{Budget: grid.BudgetBytes, What: "decompressed bytes of content.xml, over every pass", Limit: g.b.lim.TotalBytes}
	}
	max := g.b.lim.TokenBytes
	for _, c := range p[:n] {
		switch {
		case g.first:
			g.first = false
			g.plain = c != '!' && c != '?'
			g.run++
		case c == '<' && (!g.inTag || g.quote == 0 && !g.plain):
			g.inTag, g.first, g.quote, g.run = true, true, 0, 1
		case c == '>' && g.inTag && g.quote == 0:
			g.inTag, g.run = false, 0
		case g.inTag && g.plain && (c == '"' || c == '\''):
			if g.quote == 0 {
				g.quote = c
			} else if g.quote == c {
				g.quote = 0
			}
			g.run++
		default:
			g.run++
		}
		if g.run > max {
			return 0, &grid.LimitError{Budget: grid.BudgetElements, What: "bytes of one XML token of content.xml", Limit: int64(max)}
		}
	}
	return n, err
}

// odsError turns a decoding error into a *grid.CorruptError; budgets,
// cancellation and the errors already located pass through.
func odsError(err error) error {
	var se *xml.SyntaxError
	var ce *grid.CorruptError
	var le *grid.LimitError
	switch {
	case errors.As(err, &ce), errors.As(err, &le), errors.Is(err, grid.ErrEncrypted),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &se):
		return corrupt("content.xml: invalid XML (line %d): %s", se.Line, se.Msg)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return corrupt("content.xml cut short")
	}
	return corrupt("content.xml unreadable: %v", err)
}

// odsScan is the first pass over content.xml. The decoder reads the
// head of the document (namespaces, automatic styles) up to the start of
// office:spreadsheet; the body, where the tables are and nearly all the
// bytes, is then only scanned for tags (scanBody), ten times faster than
// decoding it. Each sheet is decoded with encoding/xml when it is read.
type odsScan struct {
	rootTag      string // the document element's start tag with its namespaces
	hiddenStyles map[string]bool
	date1904     bool
	tables       []odsTable
	bodyOffset   int64           // just after the start tag of office:spreadsheet
	bodyDepth    int             // open elements there, office:spreadsheet included
	tablePrefix  map[string]bool // prefixes bound to the table namespace
}

func (sc *odsScan) scan(d *xml.Decoder) error {
	var stack []xml.Name
	style := ""
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF && sc.rootTag == "" {
				return corrupt("content.xml empty")
			}
			return odsError(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return declaration(t)
		case xml.StartElement:
			if len(stack) == 0 {
				if t.Name.Space != nsOffice || t.Name.Local != "document-content" {
					return corrupt("content.xml is not an OpenDocument document")
				}
				sc.rootTag = rootTag(t)
				sc.tablePrefix = map[string]bool{}
				for _, a := range t.Attr {
					switch {
					case a.Name.Space == "xmlns" && a.Value == nsTable:
						sc.tablePrefix[a.Name.Local+":"] = true
					case a.Name.Space == "" && a.Name.Local == "xmlns" && a.Value == nsTable:
						sc.tablePrefix[""] = true
					}
				}
			}
			switch t.Name {
			case xml.Name{Space: nsOffice, Local: "spreadsheet"}:
				sc.bodyOffset = d.InputOffset()
				sc.bodyDepth = len(stack) + 1
				return nil
			case xml.Name{Space: nsStyle, Local: "style"}:
				style = ""
				if attr(t, nsStyle, "family") == "table" {
					style = attr(t, nsStyle, "name")
				}
			case xml.Name{Space: nsStyle, Local: "table-properties"}:
				if style != "" && attr(t, nsTable, "display") == "false" {
					sc.hiddenStyles[style] = true
				}
			}
			stack = append(stack, t.Name)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 {
				return corrupt("content.xml holds no spreadsheet")
			}
		}
	}
}

// scanBody finds the tables among the children of office:spreadsheet,
// and the null date of its calculation settings, reading r from
// sc.bodyOffset to the end of the document. It only splits tags: attribute values may hold '>', and
// comments, CDATA and processing instructions are passed over; what it
// finds is checked again by the decoder that reads each sheet.
func (sc *odsScan) scanBody(r io.Reader, maxTag int) error {
	br := bufio.NewReaderSize(r, 1<<16)
	off := sc.bodyOffset
	var stack []string // open elements inside office:spreadsheet
	var tag []byte
	open := sc.bodyDepth
	// where the scan is, to locate damage: the table, the number of the
	// row last started (repeats counted) and of the next one
	table, rowAt, next := "", 0, 1
	fail := func(err error) error {
		err = odsError(err)
		var ce *grid.CorruptError
		if errors.As(err, &ce) && table != "" {
			ce.Sheet, ce.Row = table, min(max(rowAt, 1), maxODSRows)
		}
		var le *grid.LimitError
		if errors.As(err, &le) && table != "" {
			le.Sheet, le.Row = table, min(max(rowAt, 1), maxODSRows)
		}
		return err
	}
	for {
		chunk, err := br.ReadSlice('<')
		off += int64(len(chunk))
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return fail(err)
		}
		start := off - 1
		tag, err = readTag(br, tag[:0], maxTag)
		off += int64(len(tag))
		if err != nil {
			return fail(err)
		}
		switch {
		case len(tag) < 2:
			return fail(corrupt("content.xml: invalid XML (an empty tag)"))
		case bytes.HasPrefix(tag, []byte("!--")), bytes.HasPrefix(tag, []byte("![CDATA[")), tag[0] == '?':
			continue // comment, CDATA, processing instruction
		case tag[0] == '!':
			return fail(declaration(xml.Directive(tag[1 : len(tag)-1])))
		case tag[0] == '/':
			if len(stack) > 0 {
				if stack = stack[:len(stack)-1]; len(stack) == 0 {
					table = "" // the end of a table
				}
				continue
			}
			// the end of office:spreadsheet, then of its ancestors
			if open--; open == 0 {
				return nil
			}
			continue
		}
		body := tag[:len(tag)-1] // without '>'
		selfClosing := body[len(body)-1] == '/'
		if selfClosing {
			body = body[:len(body)-1]
		}
		name, attrs := splitTag(body)
		prefix, local := "", name
		if i := strings.IndexByte(name, ':'); i >= 0 {
			prefix, local = name[:i+1], name[i+1:]
		}
		if sc.tablePrefix[prefix] && open == sc.bodyDepth {
			switch {
			case local == "table" && len(stack) == 0:
				sc.tables = append(sc.tables, odsTable{
					name:   tagAttr(attrs, prefix+"name"),
					style:  tagAttr(attrs, prefix+"style-name"),
					offset: start,
				})
				if !selfClosing {
					table, rowAt, next = sc.tables[len(sc.tables)-1].name, 0, 1
				}
			case local == "table-row" && table != "":
				rowAt = next
				n := 1
				if v, err := strconv.Atoi(tagAttr(attrs, prefix+"number-rows-repeated")); err == nil && v > 1 {
					n = v
				}
				next = min(next+n, maxODSRows+1)
			case local == "null-date" && len(stack) == 1:
				sc.date1904 = strings.HasPrefix(tagAttr(attrs, prefix+"date-value"), "1904-01-01")
			}
		}
		if !selfClosing {
			if len(stack) > 1000 {
				return fail(corrupt("content.xml: elements nested more than 1000 deep"))
			}
			stack = append(stack, name)
		}
	}
}

// declaration refuses a DOCTYPE, ENTITY or other declaration: OpenDocument
// has none, and encoding/xml would pass over it, losing what it hides.
func declaration(d xml.Directive) error {
	kind, _, _ := strings.Cut(strings.TrimSpace(string(d)), " ")
	return corrupt("content.xml: declaration <!%s> not allowed", truncate(kind, 20))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// readTag reads a tag after its '<', up to and including its '>',
// appending to buf; a tag longer than max bytes is a *grid.LimitError.
func readTag(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	var quote byte
	for {
		chunk, err := br.ReadSlice('>')
		if err != nil && err != bufio.ErrBufferFull {
			return buf, err
		}
		from := len(buf)
		buf = append(buf, chunk...)
		if len(buf) > max {
			return buf, &grid.LimitError{Budget: grid.BudgetElements, What: "bytes of one XML tag of content.xml", Limit: int64(max)}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		switch {
		case bytes.HasPrefix(buf, []byte("!--")):
			if bytes.HasSuffix(buf, []byte("-->")) && len(buf) >= 6 {
				return buf, nil
			}
			continue
		case bytes.HasPrefix(buf, []byte("![CDATA[")):
			if bytes.HasSuffix(buf, []byte("]]>")) {
				return buf, nil
			}
			continue
		case buf[0] == '?':
			if bytes.HasSuffix(buf, []byte("?>")) {
				return buf, nil
			}
			continue
		case buf[0] == '!':
			return buf, nil // a declaration: refused by the caller
		}
		for _, c := range buf[from:] {
			switch {
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case c == quote:
				quote = 0
			}
		}
		if quote == 0 {
			return buf, nil
		}
	}
}

// splitTag splits the inside of a start tag into its name and the rest.
func splitTag(body []byte) (name string, attrs []byte) {
	i := bytes.IndexAny(body, " \t\r\n")
	if i < 0 {
		return string(body), nil
	}
	return string(body[:i]), body[i:]
}

// tagAttr returns the unescaped value of an attribute in the text of a
// start tag.
func tagAttr(attrs []byte, name string) string {
	for len(attrs) > 0 {
		attrs = bytes.TrimLeft(attrs, " \t\r\n")
		eq := bytes.IndexByte(attrs, '=')
		if eq < 0 {
			return ""
		}
		key := string(bytes.TrimSpace(attrs[:eq]))
		rest := bytes.TrimLeft(attrs[eq+1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return ""
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return ""
		}
		if key == name {
			return html.UnescapeString(string(rest[1 : 1+end]))
		}
		attrs = rest[end+2:]
	}
	return ""
}

// rootTag rebuilds the start tag of the document element with only its
// namespace declarations, so that a decoder started in the middle of the
// document knows the prefixes.
func rootTag(t xml.StartElement) string {
	var b strings.Builder
	b.WriteString("<r")
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns":
			fmt.Fprintf(&b, ` xmlns:%s="%s"`, a.Name.Local, html.EscapeString(a.Value))
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			fmt.Fprintf(&b, ` xmlns="%s"`, html.EscapeString(a.Value))
		}
	}
	b.WriteString(">")
	return b.String()
}

func attr(t xml.StartElement, space, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

func hasAttr(t xml.StartElement, space, local string) bool {
	for _, a := range t.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return true
		}
	}
	return false
}

// repeat reads a number-*-repeated attribute: at least 1, at most
// limit+1 (which says: beyond the sheet's limit).
func repeat(t xml.StartElement, local string, limit int) int {
	v := attr(t, nsTable, local)
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, limit+1)
}

// openTable starts decoding content.xml at the table's start tag: from
// the stream the previous sheet left, when it has not gone past the
// table (sheets are read in order), else from a new one.
func (b *book) openTable(t odsTable) (it grid.Rows, err error) {
	defer recoverTo(&err)
	s := b.cursor
	b.cursor = nil
	if s == nil || s.pos > t.offset {
		if s != nil {
			s.rc.Close()
		}
		if s, err = b.open(); err != nil {
			return nil, err
		}
	}
	if err := s.skipTo(t.offset); err != nil {
		s.rc.Close()
		return nil, odsError(err)
	}
	x := &odsIter{b: b, s: s, sheet: t.name, next: 1}
	x.d = xml.NewDecoder(&rootThen{root: b.root, s: s})
	seenRoot := false
	for {
		tok, err := x.token()
		if err != nil {
			s.rc.Close()
			return nil, x.fail(err)
		}
		if st, ok := tok.(xml.StartElement); ok {
			if !seenRoot {
				seenRoot = true
				continue
			}
			if st.Name != elTable {
				// the offset points elsewhere: the archive changed or is damaged
				s.rc.Close()
				return nil, &grid.CorruptError{Sheet: t.name, Detail: "content.xml: table not found at its offset"}
			}
			return x, nil
		}
	}
}

// rootThen yields the root tag (so that the decoder knows the prefixes)
// and then the stream; it is an io.ByteReader, so encoding/xml reads no
// further ahead than it decodes, and the next sheet goes on from there.
type rootThen struct {
	root string
	i    int
	s    *stream
}

func (r *rootThen) ReadByte() (byte, error) {
	if r.i < len(r.root) {
		r.i++
		return r.root[r.i-1], nil
	}
	return r.s.ReadByte()
}

func (r *rootThen) Read(p []byte) (int, error) {
	if r.i < len(r.root) {
		n := copy(p, r.root[r.i:])
		r.i += n
		return n, nil
	}
	return r.s.Read(p)
}

// odsIter yields the rows of one table.
type odsIter struct {
	b      *book
	s      *stream
	d      *xml.Decoder
	sheet  string
	next   int // number of the next row
	n      int
	cells  []grid.Cell
	blank  bool // the current row's cells are all empty or spaces
	left   int  // repeats of the current row still to yield
	err    error
	done   bool
	closed bool
}

var (
	elTableRow  = xml.Name{Space: nsTable, Local: "table-row"}
	elTable     = xml.Name{Space: nsTable, Local: "table"}
	elCell      = xml.Name{Space: nsTable, Local: "table-cell"}
	elCovered   = xml.Name{Space: nsTable, Local: "covered-table-cell"}
	elParagraph = xml.Name{Space: nsText, Local: "p"}
	elHeading   = xml.Name{Space: nsText, Local: "h"}
)

// token is the decoder's next token; a declaration is refused.
func (x *odsIter) token() (xml.Token, error) {
	tok, err := x.d.Token()
	if d, ok := tok.(xml.Directive); ok && err == nil {
		return nil, declaration(d)
	}
	return tok, err
}

// fail locates an error in the sheet, at the row being read.
func (x *odsIter) fail(err error) error {
	err, _ = grid.Locate(odsError(err), x.sheet, min(x.next, maxODSRows))
	return err
}

func (x *odsIter) Next() (more bool) {
	defer func() {
		if r := recover(); r != nil {
			x.err = x.fail(corrupt("internal error (%v)", r))
			x.done, more = true, false
		}
	}()
	if x.closed || x.err != nil {
		return false
	}
	if x.left > 0 {
		x.left--
		x.n = x.next
		x.next++
		return x.count()
	}
	for !x.done {
		tok, err := x.token()
		if err != nil {
			x.err, x.done = x.fail(err), true
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name == elTableRow:
				n := repeat(t, "number-rows-repeated", maxODSRows)
				if err := x.row(); err != nil {
					x.err, x.done = x.fail(err), true
					return false
				}
				if x.blank {
					x.next = min(x.next+n, maxODSRows+1)
					continue
				}
				if x.next+n-1 > maxODSRows {
					x.err, x.done = &grid.CorruptError{Sheet: x.sheet, Row: min(x.next, maxODSRows),
						Detail: fmt.Sprintf("a row with values beyond row %d", maxODSRows)}, true
					return false
				}
				x.n = x.next
				x.next++
				x.left = n - 1
				return x.count()
			case t.Name.Space == nsTable && (t.Name.Local == "table-header-rows" || t.Name.Local == "table-row-group" || t.Name.Local == "table-rows"):
				// rows inside: descend
			default:
				if err := x.d.Skip(); err != nil {
					x.err, x.done = x.fail(err), true
					return false
				}
			}
		case xml.EndElement:
			if t.Name == elTable {
				x.done = true
			}
		}
	}
	return false
}

// count adds the current row to the cells the file yielded, and stops
// past the budget.
func (x *odsIter) count() bool {
	if x.b.cells += int64(len(x.cells)); x.b.cells > x.b.lim.Cells {
		x.err = &grid.LimitError{Sheet: x.sheet, Row: x.n, Budget: grid.BudgetCells, What: "cells of the file, repeats counted", Limit: x.b.lim.Cells}
		x.done, x.left = true, 0
		return false
	}
	return true
}

// row reads the cells of a table-row, up to its end tag.
func (x *odsIter) row() error {
	x.cells = x.cells[:0]
	x.blank = true
	col, size := 0, 0 // the bytes of the row's distinct values, for RowBytes
	for {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name {
			case elCell:
				n := repeat(t, "number-columns-repeated", maxODSCols)
				c, err := x.cell(t)
				if err != nil {
					return err
				}
				if c.V != "" {
					if col+n > maxODSCols {
						return corrupt("a cell with a value beyond column %d", maxODSCols)
					}
					if size += len(c.V); size > x.b.lim.RowBytes {
						return &grid.LimitError{Budget: grid.BudgetRowBytes, What: "bytes of one row", Limit: int64(x.b.lim.RowBytes)}
					}
					// whether the value is blank is found once, not once
					// per repeat (a megabyte of spaces in 16,384 columns)
					x.blank = x.blank && strings.TrimSpace(c.V) == ""
					for k := 0; k < n; k++ {
						x.cells = setCell(x.cells, col+k, c)
					}
				}
				col = min(col+n, maxODSCols)
			case elCovered:
				col = min(col+repeat(t, "number-columns-repeated", maxODSCols), maxODSCols)
				if err := x.d.Skip(); err != nil {
					return odsError(err)
				}
			default:
				if err := x.d.Skip(); err != nil {
					return odsError(err)
				}
			}
		case xml.EndElement:
			return nil
		}
	}
}

// cell reads a table-cell up to its end tag: numbers from office:value,
// dates from office:date-value, the rest from its paragraphs.
func (x *odsIter) cell(t xml.StartElement) (grid.Cell, error) {
	text, err := x.cellText()
	if err != nil {
		return grid.Cell{}, err
	}
	vt := attr(t, nsOffice, "value-type")
	if attr(t, nsCalcext, "value-type") == "error" {
		return grid.Cell{V: text}, nil
	}
	switch vt {
	case "float", "currency", "percentage":
		if f, err := strconv.ParseFloat(strings.TrimSpace(attr(t, nsOffice, "value")), 64); err == nil {
			return grid.Number(f), nil
		}
	case "date":
		if v := attr(t, nsOffice, "date-value"); v != "" {
			return grid.Cell{V: v}, nil
		}
	case "boolean":
		switch strings.ToLower(attr(t, nsOffice, "boolean-value")) {
		case "true", "1":
			return grid.Cell{V: "TRUE"}, nil
		case "false", "0":
			return grid.Cell{V: "FALSE"}, nil
		}
	case "string":
		if hasAttr(t, nsOffice, "string-value") {
			return grid.Cell{V: attr(t, nsOffice, "string-value")}, nil
		}
	}
	return grid.Cell{V: text}, nil
}

// cellText joins the paragraphs of a cell with newlines; annotations,
// drawings and other content are skipped.
func (x *odsIter) cellText() (string, error) {
	var paras []string
	size := 0
	depth := 0
	for {
		tok, err := x.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name == elParagraph || t.Name == elHeading:
				p, err := x.paragraph(maxCellText - size)
				if err != nil {
					return "", err
				}
				size += len(p) + 1
				paras = append(paras, p)
			case t.Name.Space == nsText:
				depth++ // lists and sections hold paragraphs
			default:
				if err := x.d.Skip(); err != nil {
					return "", odsError(err)
				}
			}
		case xml.EndElement:
			if depth == 0 {
				return strings.Join(paras, "\n"), nil
			}
			depth--
		}
	}
}

// paragraph reads the text of a text:p, with text:s (spaces), text:tab
// and text:line-break, and the text of spans and links; notes are
// skipped. At most limit bytes are kept.
func (x *odsIter) paragraph(limit int) (string, error) {
	var b strings.Builder
	var over error
	write := func(s string) {
		if over != nil {
			return
		}
		// the text a paragraph expands to (text:s c="32767" in 20
		// bytes) counts with the bytes inflated
		if x.b.total += int64(len(s)); x.b.total > x.b.lim.TotalBytes {
			over = &grid.LimitError{Budget: grid.BudgetBytes, What: "bytes of content.xml and of the text it expands to", Limit: x.b.lim.TotalBytes}
			return
		}
		if b.Len()+len(s) > limit {
			s = s[:max(0, limit-b.Len())]
			for len(s) > 0 && !utf8.ValidString(s[max(0, len(s)-utf8.UTFMax):]) {
				s = s[:len(s)-1] // not in the middle of a character
			}
		}
		b.WriteString(s)
	}
	depth := 0
	for {
		tok, err := x.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			write(string(t))
		case xml.StartElement:
			skip := true
			switch {
			case t.Name == xml.Name{Space: nsText, Local: "s"}:
				n := 1
				if v, err := strconv.Atoi(attr(t, nsText, "c")); err == nil && v > 1 {
					n = min(v, 32767)
				}
				write(strings.Repeat(" ", min(n, max(0, limit-b.Len()))))
			case t.Name == xml.Name{Space: nsText, Local: "tab"}:
				write("\t")
			case t.Name == xml.Name{Space: nsText, Local: "line-break"}:
				write("\n")
			case t.Name == xml.Name{Space: nsText, Local: "note"}, t.Name == xml.Name{Space: nsText, Local: "ruby-text"},
				t.Name.Space == nsOffice:
			default:
				skip = false // a span, link or field: its text counts
				depth++
			}
			if skip {
				if err := x.d.Skip(); err != nil {
					return "", odsError(err)
				}
			}
		case xml.EndElement:
			if over != nil {
				return "", over
			}
			if depth == 0 {
				return b.String(), nil
			}
			depth--
		}
	}
}

func (x *odsIter) Row() (int, []grid.Cell) { return x.n, x.cells }
func (x *odsIter) Err() error              { return x.err }

// Close leaves the stream to the next sheet when this one was read to
// its end, and closes it otherwise.
func (x *odsIter) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	if x.done && x.err == nil && x.b.cursor == nil {
		x.b.cursor = x.s
		return nil
	}
	return x.s.rc.Close()
}

func setCell(cells []grid.Cell, col int, c grid.Cell) []grid.Cell {
	for len(cells) <= col {
		cells = append(cells, grid.Cell{})
	}
	cells[col] = c
	return cells
}

// corrupt returns a *grid.CorruptError; the caller adds the sheet and
// row.
func corrupt(format string, a ...any) error {
	return &grid.CorruptError{Detail: fmt.Sprintf(format, a...)}
}

// recoverTo turns a panic into an error; every entry point of the reader
// defers it, so that no input can crash the program.
func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = corrupt("internal error (%v)", r)
	}
}
