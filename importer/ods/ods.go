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

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"

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
	// limits of LibreOffice); repeats beyond them are not expanded.
	maxODSRows = 1 << 20
	maxODSCols = 16384
	// maxCellText bounds the text of one cell (Calc allows 32767
	// characters; the margin covers multi-byte ones).
	maxCellText = 1 << 20
	// maxODSCells bounds the cells a sheet yields, repeats counted: a
	// full row repeated a million times would otherwise keep the
	// importer busy for hours.
	maxODSCells = 1 << 26
	// maxPartBytes bounds what content.xml may inflate to (a zip bomb).
	maxPartBytes = 2 << 30
)

type odsTable struct {
	name   string
	style  string
	offset int64 // of its start tag in content.xml
}

// Open lists the sheets of the OpenDocument archive of size bytes that ra
// reads; a sheet's rows are decoded from content.xml when it is opened.
// An archive that does not open gives grid.ErrCorrupt.
func Open(ra io.ReaderAt, size int64) (*grid.Book, error) {
	z, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, grid.ErrCorrupt
	}
	return odsBook(z)
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
func odsBook(z *zip.Reader) (b *grid.Book, err error) {
	defer recoverTo(&err)
	var content *zip.File
	for _, f := range z.File {
		if f.Name == "content.xml" {
			content = f
			break
		}
	}
	if content == nil {
		return nil, corrupt("manca content.xml")
	}
	sc := odsScan{hiddenStyles: map[string]bool{}}
	if err := readPart(content, 0, func(r io.Reader) error { return sc.scan(xml.NewDecoder(r)) }); err != nil {
		return nil, err
	}
	if err := readPart(content, sc.bodyOffset, sc.scanBody); err != nil {
		return nil, err
	}
	b = &grid.Book{}
	for _, t := range sc.tables {
		b.Sheets = append(b.Sheets, grid.Sheet{
			Name: t.name, Hidden: sc.hiddenStyles[t.style], Date1904: sc.date1904,
			Open: func() (grid.Rows, error) { return openODSTable(content, sc.rootTag, t) },
		})
	}
	return b, nil
}

// readPart calls read on the part f from byte offset on.
func readPart(f *zip.File, offset int64, read func(io.Reader) error) error {
	rc, err := f.Open()
	if err != nil {
		return odsError(err)
	}
	defer rc.Close()
	if _, err := io.CopyN(io.Discard, rc, offset); err != nil {
		return odsError(err)
	}
	return read(io.LimitReader(rc, maxPartBytes))
}

// odsError turns a decoding error into an Italian one.
func odsError(err error) error {
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se):
		return corrupt("content.xml non è XML valido (riga %d)", se.Line)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return corrupt("content.xml troncato")
	case errors.Is(err, grid.ErrCorrupt), errors.Is(err, grid.ErrEncrypted):
		return err
	}
	return corrupt("content.xml illeggibile")
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
				return corrupt("content.xml vuoto")
			}
			return odsError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if t.Name.Space != nsOffice || t.Name.Local != "document-content" {
					return corrupt("content.xml non è un documento OpenDocument")
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
				return corrupt("content.xml non contiene un foglio di calcolo")
			}
		}
	}
}

// scanBody finds the tables among the children of office:spreadsheet,
// and the null date of its calculation settings, reading r from
// sc.bodyOffset to the end of the document. It only splits tags: attribute values may hold '>', and
// comments, CDATA and processing instructions are passed over; what it
// finds is checked again by the decoder that reads each sheet.
func (sc *odsScan) scanBody(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	off := sc.bodyOffset
	var stack []string // open elements inside office:spreadsheet
	var tag []byte
	open := sc.bodyDepth
	for {
		chunk, err := br.ReadSlice('<')
		off += int64(len(chunk))
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return corrupt("content.xml troncato")
		}
		start := off - 1
		tag, err = readTag(br, tag[:0])
		off += int64(len(tag))
		if err != nil {
			return corrupt("content.xml troncato")
		}
		switch {
		case len(tag) < 2:
			return corrupt("content.xml non è XML valido")
		case tag[0] == '!' || tag[0] == '?':
			continue // comment, CDATA, declaration, processing instruction
		case tag[0] == '/':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
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
			case local == "null-date" && len(stack) == 1:
				sc.date1904 = strings.HasPrefix(tagAttr(attrs, prefix+"date-value"), "1904-01-01")
			}
		}
		if !selfClosing {
			if len(stack) > 1000 {
				return corrupt("content.xml troppo annidato")
			}
			stack = append(stack, name)
		}
	}
}

// readTag reads a tag after its '<', up to and including its '>',
// appending to buf.
func readTag(br *bufio.Reader, buf []byte) ([]byte, error) {
	var quote byte
	for {
		chunk, err := br.ReadSlice('>')
		if err != nil && err != bufio.ErrBufferFull {
			return buf, err
		}
		from := len(buf)
		buf = append(buf, chunk...)
		if len(buf) > maxCellText {
			return buf, corrupt("tag troppo lungo")
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

// repeat reads a number-*-repeated attribute: at least 1, at most limit.
func repeat(t xml.StartElement, local string, limit int) int {
	v := attr(t, nsTable, local)
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, limit)
}

// openODSTable starts decoding content.xml at the table's start tag.
func openODSTable(content *zip.File, root string, t odsTable) (it grid.Rows, err error) {
	defer recoverTo(&err)
	rc, err := content.Open()
	if err != nil {
		return nil, odsError(err)
	}
	if _, err := io.CopyN(io.Discard, rc, t.offset); err != nil {
		rc.Close()
		return nil, odsError(err)
	}
	d := xml.NewDecoder(io.MultiReader(strings.NewReader(root), io.LimitReader(rc, maxPartBytes)))
	seenRoot := false
	for {
		tok, err := d.Token()
		if err != nil {
			rc.Close()
			return nil, odsError(err)
		}
		if s, ok := tok.(xml.StartElement); ok {
			if !seenRoot {
				seenRoot = true
				continue
			}
			if s.Name != elTable {
				// the offset points elsewhere: the archive changed or is damaged
				rc.Close()
				return nil, corrupt("foglio %q non trovato in content.xml", t.name)
			}
			return &odsIter{d: d, rc: rc, next: 1}, nil
		}
	}
}

// odsIter yields the rows of one table.
type odsIter struct {
	d        *xml.Decoder
	rc       io.ReadCloser
	next     int // number of the next row
	n        int
	cells    []grid.Cell
	left     int // repeats of the current row still to yield
	cellsOut int // cells yielded so far, for maxODSCells
	err      error
	done     bool
}

var (
	elTableRow  = xml.Name{Space: nsTable, Local: "table-row"}
	elTable     = xml.Name{Space: nsTable, Local: "table"}
	elCell      = xml.Name{Space: nsTable, Local: "table-cell"}
	elCovered   = xml.Name{Space: nsTable, Local: "covered-table-cell"}
	elParagraph = xml.Name{Space: nsText, Local: "p"}
	elHeading   = xml.Name{Space: nsText, Local: "h"}
)

func (x *odsIter) Next() (more bool) {
	defer func() {
		if r := recover(); r != nil {
			x.err = corrupt("errore interno di lettura (%v)", r)
			x.done, more = true, false
		}
	}()
	if x.left > 0 && x.next <= maxODSRows {
		x.left--
		x.n = x.next
		x.next++
		return x.count()
	}
	for !x.done {
		tok, err := x.d.Token()
		if err != nil {
			x.err, x.done = odsError(err), true
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name == elTableRow:
				n := repeat(t, "number-rows-repeated", maxODSRows)
				if err := x.row(); err != nil {
					x.err, x.done = err, true
					return false
				}
				if x.next > maxODSRows {
					x.done = true
					return false
				}
				if grid.Blank(x.cells) {
					x.next += n
					continue
				}
				x.n = x.next
				x.next++
				x.left = n - 1
				return x.count()
			case t.Name.Space == nsTable && (t.Name.Local == "table-header-rows" || t.Name.Local == "table-row-group" || t.Name.Local == "table-rows"):
				// rows inside: descend
			default:
				if err := x.d.Skip(); err != nil {
					x.err, x.done = odsError(err), true
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

// count adds the current row to the cells yielded, and stops the sheet
// past maxODSCells.
func (x *odsIter) count() bool {
	x.cellsOut += len(x.cells)
	if x.cellsOut > maxODSCells {
		x.err = fmt.Errorf("foglio troppo grande: le righe ripetute superano %d milioni di celle", maxODSCells/1000000)
		x.done, x.left = true, 0
		return false
	}
	return true
}

// row reads the cells of a table-row, up to its end tag.
func (x *odsIter) row() error {
	x.cells = x.cells[:0]
	col := 0
	for {
		tok, err := x.d.Token()
		if err != nil {
			return odsError(err)
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
					for k := 0; k < n && col+k < maxODSCols; k++ {
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
		tok, err := x.d.Token()
		if err != nil {
			return "", odsError(err)
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
	write := func(s string) {
		if b.Len()+len(s) > limit {
			s = s[:max(0, limit-b.Len())]
		}
		b.WriteString(s)
	}
	depth := 0
	for {
		tok, err := x.d.Token()
		if err != nil {
			return "", odsError(err)
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
			if depth == 0 {
				return b.String(), nil
			}
			depth--
		}
	}
}

func (x *odsIter) Row() (int, []grid.Cell) { return x.n, x.cells }
func (x *odsIter) Err() error              { return x.err }
func (x *odsIter) Close() error            { return x.rc.Close() }

func setCell(cells []grid.Cell, col int, c grid.Cell) []grid.Cell {
	for len(cells) <= col {
		cells = append(cells, grid.Cell{})
	}
	cells[col] = c
	return cells
}

// corrupt returns grid.ErrCorrupt with a detail in Italian, which goes
// before the advice: «il file è danneggiato o incompleto (content.xml
// troncato): riaprirlo ...».
func corrupt(format string, a ...any) error {
	return corruptError{fmt.Sprintf(format, a...)}
}

type corruptError struct{ detail string }

func (e corruptError) Error() string {
	lead, advice, _ := strings.Cut(grid.ErrCorrupt.Error(), ": ")
	return lead + " (" + e.detail + "): " + advice
}

func (e corruptError) Is(target error) bool { return target == grid.ErrCorrupt }

// recoverTo turns a panic into an error; every entry point of the reader
// defers it, so that no input can crash the program.
func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = corrupt("errore interno di lettura (%v)", r)
	}
}
