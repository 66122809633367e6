package xlsx

// A pull tokenizer for the XML parts of a workbook. It is not a general
// XML parser: it accepts the well-formed UTF-8 documents without DTD that
// spreadsheet writers produce and refuses everything else as damage. Every
// byte is checked (UTF-8, XML characters, tag syntax, entity references,
// balanced tags, one root, no DOCTYPE), so a damaged part fails instead of
// ending early. Tokens are slices of the read buffer, valid until the next
// call; the buffer grows only to hold one token, up to Limits.TokenBytes.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"consolida/importer/grid"
)

type tokKind uint8

const (
	tokEOF   tokKind = iota
	tokStart         // a start tag; selfClose tells that its end follows
	tokEnd           // an end tag (also produced after a self-closing start)
	tokText          // character data or a CDATA section
)

// attr is one attribute of the current start tag; value is raw (esc tells
// that it holds a reference or a CR to decode).
type attr struct {
	prefix, local, value []byte
	esc                  bool
}

type scanner struct {
	src io.Reader
	// onRead is told of every chunk read from src (budget, cancellation);
	// its error stops the scan.
	onRead func(n int) error

	buf    []byte
	pos    int   // next byte to tokenize
	lim    int   // buf[:lim] is checked (complete UTF-8, XML characters)
	end    int   // buf[:end] holds read bytes
	base   int64 // offset in the part of buf[0]
	srcEOF bool
	bad    error // damage found at lim by check, or the source's error
	srcErr error // the source's error, once the bytes before it are used
	maxTok int
	// marks counts the markup tokenized (not by the fast path), up to
	// maxMarks
	marks, maxMarks int64
	started         bool // past the BOM and XML declaration check

	// current token
	kind      tokKind
	qname     []byte // name as written, with its prefix
	local     []byte // name without prefix
	attrs     []attr
	selfClose bool
	pendEnd   bool // a self-closing tag owes its end token
	text      []byte
	cdata     bool
	esc       bool // text holds a reference or CR to decode

	// next '&' and CR at or after a position of buf (see escIn); -1 when
	// unknown
	ampAt, crAt int

	// open elements: their qualified names, end to end in stack
	stack   []byte
	stackAt []int
	root    bool // the root element has started
	done    bool // the root element has ended
}

func newScanner(src io.Reader, bufSize int, lim Limits, onRead func(int) error) *scanner {
	bufSize = min(bufSize, lim.TokenBytes)
	return &scanner{src: src, onRead: onRead, buf: make([]byte, bufSize), maxTok: lim.TokenBytes,
		maxMarks: lim.Elements, ampAt: -1, crAt: -1}
}

// escIn tells whether buf[from:to] (to <= lim) holds '&' or a CR, the
// bytes that make character data need decoding. The positions found are
// kept, so that the scans over a buffer add up to its length once.
func (s *scanner) escIn(from, to int) bool {
	if s.ampAt < from {
		s.ampAt = nextByte(s.buf[from:s.lim], '&', from, s.lim)
	}
	if s.crAt < from {
		s.crAt = nextByte(s.buf[from:s.lim], '\r', from, s.lim)
	}
	return s.ampAt < to || s.crAt < to
}

func nextByte(b []byte, c byte, base, none int) int {
	if i := bytes.IndexByte(b, c); i >= 0 {
		return base + i
	}
	return none
}

// corruptf reports damage at the current position.
func (s *scanner) corruptf(format string, a ...any) error {
	return &grid.CorruptError{Detail: fmt.Sprintf("byte %d: ", s.base+int64(s.pos)) + fmt.Sprintf(format, a...)}
}

// more reads further bytes; it reports false at the end of the source.
// Bytes before pos are dropped; the buffer grows when a token fills it.
func (s *scanner) more() (bool, error) {
	for {
		if s.bad != nil {
			return false, s.bad
		}
		if s.srcEOF {
			// check has validated everything: nothing more will come
			s.bad = s.srcErr
			return false, s.bad
		}
		s.ampAt, s.crAt = -1, -1
		if s.pos > 0 {
			n := copy(s.buf, s.buf[s.pos:s.end])
			s.base += int64(s.pos)
			s.lim -= s.pos
			s.end = n
			s.pos = 0
		}
		if s.end == len(s.buf) {
			if len(s.buf) >= s.maxTok {
				return false, &grid.LimitError{Budget: grid.BudgetElements, What: "bytes of one XML token (tag or text)", Limit: int64(s.maxTok)}
			}
			nb := make([]byte, min(2*len(s.buf), s.maxTok))
			copy(nb, s.buf[:s.end])
			s.buf = nb
		}
		n, err := s.src.Read(s.buf[s.end:])
		if n > 0 && s.onRead != nil {
			if e := s.onRead(n); e != nil {
				err = e
			}
		}
		s.end += n
		if err != nil {
			// the bytes read before an error are tokenized first: the
			// error comes when a token needs what follows them
			s.srcEOF = true
			if err != io.EOF {
				s.srcErr = readError(err)
			}
		}
		lim := s.lim
		s.check()
		if s.lim > lim {
			return true, nil
		}
	}
}

// readError turns an error of the inflating reader into damage.
func readError(err error) error {
	var ce *grid.CorruptError
	var le *grid.LimitError
	if errors.As(err, &ce) || errors.As(err, &le) || isCancel(err) {
		return err
	}
	return &grid.CorruptError{Detail: "part unreadable: " + err.Error()}
}

// check validates buf[lim:end]: UTF-8 and XML characters. An incomplete
// character at the end waits for the next read, unless the source ended.
// An invalid byte stops the checked bytes before it: the tokens before it
// are read as usual, and the error comes when a token needs it, so that
// it names the row where the damage is.
func (s *scanner) check() {
	n, bad := validXML(s.buf[s.lim:s.end], s.srcEOF)
	if bad >= 0 {
		at := s.lim + bad
		r, _ := utf8.DecodeRune(s.buf[at:s.end])
		detail := fmt.Sprintf("byte %d: character %U not allowed in XML", s.base+int64(at), r)
		if r == utf8.RuneError {
			detail = fmt.Sprintf("byte %d: invalid UTF-8 byte 0x%02X", s.base+int64(at), s.buf[at])
		}
		s.bad = &grid.CorruptError{Detail: detail}
		s.lim = at
		return
	}
	s.lim += n
}

const (
	hi8  = 0x8080808080808080
	lo20 = 0x2020202020202020
)

// validXML checks b and returns how many bytes hold complete characters
// (an incomplete one may end b when !final), or bad >= 0, the offset of an
// invalid UTF-8 sequence or of a character XML 1.0 forbids (controls other
// than tab, LF, CR; U+FFFE, U+FFFF).
func validXML(b []byte, final bool) (n int, bad int) {
	i := 0
	for i < len(b) {
		if i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			// no byte >= 0x80 and none < 0x20
			if (x|((x-lo20)&^x))&hi8 == 0 {
				i += 8
				continue
			}
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return i, i
			}
			i++
			continue
		}
		if !utf8.FullRune(b[i:]) {
			if final {
				return i, i
			}
			return i, -1
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			return i, i
		}
		i += size
	}
	return i, -1
}

// isNameByte tells the bytes allowed in element and attribute names. Only
// ASCII names are accepted: spreadsheet parts use no other.
var isNameByte, isNameStart [256]bool

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		start := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '_' || b == ':'
		isNameStart[c] = start
		isNameByte[c] = start || '0' <= b && b <= '9' || b == '-' || b == '.'
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// errMore means the token continues past the checked bytes.
var errMore = errors.New("need more input")

// next reads the next token.
func (s *scanner) next() (tokKind, error) {
	if s.pendEnd {
		s.pendEnd = false
		s.kind = tokEnd
		return tokEnd, s.pop(s.qname)
	}
	for {
		k, err := s.token()
		if err == errMore {
			ok, err := s.more()
			if err != nil {
				return tokEOF, err
			}
			if !ok {
				return tokEOF, s.atEOF()
			}
			continue
		}
		if err != nil {
			return tokEOF, err
		}
		if k != tokEnd && (k != tokText || s.cdata) {
			// tags, comments, processing instructions, CDATA: the fast
			// path reads most cells without them
			if s.marks++; s.marks > s.maxMarks {
				return tokEOF, &grid.LimitError{Budget: grid.BudgetElements, What: "XML elements of one part", Limit: s.maxMarks}
			}
		}
		if k == tokEOF { // a comment or processing instruction: skip
			continue
		}
		s.kind = k
		return k, nil
	}
}

// atEOF is called when the bytes are over: a clean end needs a root
// element that has ended and nothing left over.
func (s *scanner) atEOF() error {
	if s.pos < s.end {
		return s.corruptf("part cut short inside a tag or a character")
	}
	if !s.root {
		return s.corruptf("part is empty: no root element")
	}
	if !s.done {
		return s.corruptf("part cut short: unexpected end of data inside <%s>", s.top())
	}
	s.kind = tokEOF
	return io.EOF
}

func (s *scanner) top() []byte {
	if len(s.stackAt) == 0 {
		return nil
	}
	return s.stack[s.stackAt[len(s.stackAt)-1]:]
}

func (s *scanner) push(name []byte) error {
	if s.done {
		return s.corruptf("second root element <%s>", name)
	}
	s.root = true
	s.stackAt = append(s.stackAt, len(s.stack))
	s.stack = append(s.stack, name...)
	return nil
}

func (s *scanner) pop(name []byte) error {
	if !bytes.Equal(name, s.top()) {
		if len(s.stackAt) == 0 {
			return s.corruptf("end tag </%s> without a start", name)
		}
		return s.corruptf("element <%s> closed by </%s>", s.top(), name)
	}
	n := len(s.stackAt) - 1
	s.stack = s.stack[:s.stackAt[n]]
	s.stackAt = s.stackAt[:n]
	if n == 0 {
		s.done = true
	}
	return nil
}

// depth is the number of open elements (the current start tag included).
func (s *scanner) depth() int { return len(s.stackAt) }

// token tokenizes at pos. It returns errMore when the token may continue
// beyond the checked bytes, tokEOF (with no error) for markup to skip.
func (s *scanner) token() (tokKind, error) {
	b := s.buf[s.pos:s.lim]
	if !s.started {
		if len(b) < 6 && !s.srcEOF {
			return 0, errMore
		}
		s.started = true
		if bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			s.pos += 3
			b = b[3:]
		}
		if bytes.HasPrefix(b, []byte("<?xml")) && len(b) > 5 && isSpace(b[5]) {
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				if s.srcEOF {
					return 0, s.corruptf("XML declaration not closed")
				}
				s.started = false
				if len(b) >= 4096 {
					return 0, s.corruptf("XML declaration not closed")
				}
				return 0, errMore
			}
			if err := s.declaration(b[5:i]); err != nil {
				return 0, err
			}
			s.pos += i + 2
			return tokEOF, nil
		}
	}
	if len(b) == 0 {
		return 0, errMore
	}
	if b[0] != '<' {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			if !s.srcEOF || s.lim < s.end {
				return 0, errMore
			}
			i = len(b)
		}
		t := b[:i]
		s.esc = bytes.IndexByte(t, '&') >= 0 || bytes.IndexByte(t, '\r') >= 0
		if s.esc && bytes.IndexByte(t, '&') >= 0 {
			if err := checkRefs(t); err != nil {
				return 0, s.corruptf("%v", err)
			}
		}
		if s.depth() == 0 {
			for _, c := range t {
				if !isSpace(c) {
					return 0, s.corruptf("text outside the root element")
				}
			}
			s.pos += i
			return tokEOF, nil
		}
		s.text, s.cdata = t, false
		s.pos += i
		return tokText, nil
	}
	if len(b) < 2 {
		return 0, errMore
	}
	switch b[1] {
	case '/':
		i := 2
		for i < len(b) && isNameByte[b[i]] {
			i++
		}
		name := b[2:i]
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, errMore
		}
		if b[i] != '>' || len(name) == 0 || !isNameStart[name[0]] {
			return 0, s.corruptf("malformed end tag")
		}
		if err := s.pop(name); err != nil {
			return 0, err
		}
		s.qname = name
		s.local = localName(name)
		s.pos += i + 1
		return tokEnd, nil
	case '?':
		i := bytes.Index(b[2:], []byte("?>"))
		if i < 0 {
			return 0, errMore
		}
		target := b[2 : 2+i]
		if j := bytes.IndexFunc(target, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }); j >= 0 {
			target = target[:j]
		}
		if len(target) == 0 || !isNameStart[target[0]] {
			return 0, s.corruptf("malformed processing instruction")
		}
		if bytes.EqualFold(target, []byte("xml")) {
			return 0, s.corruptf("XML declaration not at the start of the part")
		}
		s.pos += i + 4
		return tokEOF, nil
	case '!':
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b[4:], []byte("--"))
			if i < 0 || 4+i+2 >= len(b) {
				return 0, errMore
			}
			if b[4+i+2] != '>' {
				return 0, s.corruptf(`"--" inside a comment`)
			}
			s.pos += 4 + i + 3
			return tokEOF, nil
		case bytes.HasPrefix(b, []byte("<![CDATA[")):
			if s.depth() == 0 {
				return 0, s.corruptf("CDATA outside the root element")
			}
			i := bytes.Index(b[9:], []byte("]]>"))
			if i < 0 {
				return 0, errMore
			}
			s.text, s.cdata = b[9:9+i], true
			s.esc = bytes.IndexByte(s.text, '\r') >= 0
			s.pos += 9 + i + 3
			return tokText, nil
		case len(b) < 9 && (bytes.HasPrefix([]byte("<![CDATA["), b) || bytes.HasPrefix([]byte("<!DOCTYPE"), b)):
			return 0, errMore
		case bytes.HasPrefix(b, []byte("<!DOCTYPE")):
			return 0, s.corruptf("DOCTYPE refused (entity declarations are not accepted)")
		}
		if len(b) < 4 && bytes.HasPrefix([]byte("<!--"), b) {
			return 0, errMore
		}
		return 0, s.corruptf("markup declaration refused")
	}
	return s.startTag(b)
}

// startTag parses a start tag at the beginning of b.
func (s *scanner) startTag(b []byte) (tokKind, error) {
	i := 1
	if !isNameStart[b[i]] {
		return 0, s.corruptf("malformed tag")
	}
	for i < len(b) && isNameByte[b[i]] {
		i++
	}
	name := b[1:i]
	s.attrs = s.attrs[:0]
	for {
		sp := i
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, errMore
		}
		switch b[i] {
		case '>':
			s.selfClose = false
			s.pos += i + 1
			return s.started1(name)
		case '/':
			if i+1 == len(b) {
				return 0, errMore
			}
			if b[i+1] != '>' {
				return 0, s.corruptf("malformed tag <%s>", name)
			}
			s.selfClose = true
			s.pos += i + 2
			return s.started1(name)
		}
		if sp == i || !isNameStart[b[i]] {
			return 0, s.corruptf("malformed attribute in <%s>", name)
		}
		a := i
		for i < len(b) && isNameByte[b[i]] {
			i++
		}
		an := b[a:i]
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, errMore
		}
		if b[i] != '=' {
			return 0, s.corruptf("attribute %s without a value in <%s>", an, name)
		}
		i++
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, errMore
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return 0, s.corruptf("unquoted attribute %s in <%s>", an, name)
		}
		j := bytes.IndexByte(b[i+1:], q)
		if j < 0 {
			return 0, errMore
		}
		v := b[i+1 : i+1+j]
		i += j + 2
		if bytes.IndexByte(v, '<') >= 0 {
			return 0, s.corruptf("'<' in the value of attribute %s", an)
		}
		esc := false
		if bytes.IndexByte(v, '&') >= 0 {
			if err := checkRefs(v); err != nil {
				return 0, s.corruptf("%v", err)
			}
			esc = true
		} else if bytes.IndexByte(v, '\r') >= 0 {
			esc = true
		}
		c := bytes.IndexByte(an, ':')
		if c == 0 || c == len(an)-1 || bytes.IndexByte(an[c+1:], ':') >= 0 {
			return 0, s.corruptf("malformed attribute name %s", an)
		}
		var pre []byte
		if c > 0 {
			pre = an[:c]
		}
		s.attrs = append(s.attrs, attr{prefix: pre, local: an[c+1:], value: v, esc: esc})
	}
}

func (s *scanner) started1(name []byte) (tokKind, error) {
	c := bytes.IndexByte(name, ':')
	if c == 0 || c == len(name)-1 || c > 0 && bytes.IndexByte(name[c+1:], ':') >= 0 {
		return 0, s.corruptf("malformed element name %s", name)
	}
	if err := s.push(name); err != nil {
		return 0, err
	}
	s.qname = name
	s.local = name[c+1:]
	s.pendEnd = s.selfClose
	return tokStart, nil
}

func localName(name []byte) []byte {
	if c := bytes.IndexByte(name, ':'); c >= 0 {
		return name[c+1:]
	}
	return name
}

// declaration checks the XML declaration's attributes: version 1.0 and,
// if given, the UTF-8 encoding (other encodings are refused).
func (s *scanner) declaration(d []byte) error {
	if bytes.IndexByte(d, '<') >= 0 {
		return s.corruptf("malformed XML declaration")
	}
	if e := declValue(d, "encoding"); e != nil && !bytes.EqualFold(e, []byte("utf-8")) && !bytes.EqualFold(e, []byte("utf8")) {
		return s.corruptf("XML encoding %q not supported (only UTF-8)", e)
	}
	if v := declValue(d, "version"); v == nil || !bytes.Equal(v, []byte("1.0")) {
		return s.corruptf("XML version %q not supported", v)
	}
	return nil
}

func declValue(d []byte, key string) []byte {
	i := bytes.Index(d, []byte(key))
	if i < 0 {
		return nil
	}
	r := bytes.TrimLeft(d[i+len(key):], " \t\r\n")
	if len(r) == 0 || r[0] != '=' {
		return nil
	}
	r = bytes.TrimLeft(r[1:], " \t\r\n")
	if len(r) == 0 || r[0] != '"' && r[0] != '\'' {
		return nil
	}
	j := bytes.IndexByte(r[1:], r[0])
	if j < 0 {
		return nil
	}
	return r[1 : 1+j]
}

// attr returns the value of the unprefixed attribute local, decoded.
func (s *scanner) attr(local string) (string, bool, error) {
	for _, a := range s.attrs {
		if a.prefix == nil && string(a.local) == local {
			if !a.esc {
				return string(a.value), true, nil
			}
			v, err := appendText(nil, a.value, false)
			return string(v), true, err
		}
	}
	return "", false, nil
}

// skip consumes the rest of the element whose start was just read.
func (s *scanner) skip() error {
	d := s.depth()
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		if k == tokEnd && s.depth() < d {
			return nil
		}
	}
}
