package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

func init() { openers[FormatCSV] = openCSV }

// Encodings of text files.
const (
	EncUTF8    = "UTF-8"
	EncUTF8BOM = "UTF-8 con BOM"
	EncUTF16   = "UTF-16"
	Enc1252    = "Windows-1252"
)

// detectEncoding reads the whole file once: UTF-16 by its BOM, UTF-8 when
// every byte sequence is valid UTF-8, Windows-1252 otherwise.
func detectEncoding(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return EncUTF16, nil
	}
	bom := bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	buf := make([]byte, 1<<16)
	var carry []byte
	for {
		n, err := br.Read(buf)
		chunk := append(carry, buf[:n]...)
		// keep an incomplete trailing sequence for the next chunk
		cut := len(chunk)
		for i := len(chunk) - 1; i >= 0 && i >= len(chunk)-3; i-- {
			if utf8.RuneStart(chunk[i]) {
				if !utf8.FullRune(chunk[i:]) {
					cut = i
				}
				break
			}
		}
		if !utf8.Valid(chunk[:cut]) {
			return Enc1252, nil
		}
		carry = append([]byte(nil), chunk[cut:]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	if len(carry) > 0 {
		return Enc1252, nil
	}
	if bom {
		return EncUTF8BOM, nil
	}
	return EncUTF8, nil
}

// decoded wraps r so that it yields UTF-8 without BOM.
func decoded(r io.Reader, enc string) io.Reader {
	switch enc {
	case Enc1252:
		return transform.NewReader(r, charmap.Windows1252.NewDecoder())
	case EncUTF16:
		return transform.NewReader(r, unicode.BOMOverride(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()))
	case EncUTF8BOM:
		return transform.NewReader(r, unicode.BOMOverride(transform.Nop))
	}
	return r
}

// sniffDelimiter tries ',', ';', tab and '|' on the first lines and keeps
// the one that splits most lines into the same number of fields. It also
// returns that number of fields.
func sniffDelimiter(sample []byte) (byte, int) {
	best, bestScore, bestFields := byte(','), -1, 0
	for _, d := range []byte{',', ';', '\t', '|'} {
		counts := map[int]int{}
		for _, rec := range readRecords(bytes.NewReader(sample), d, 30) {
			if len(rec) > 1 {
				counts[len(rec)]++
			}
		}
		mode, modeN := 0, 0
		for fields, n := range counts {
			if n > modeN || n == modeN && fields > mode {
				mode, modeN = fields, n
			}
		}
		if mode < 2 {
			continue
		}
		if score := modeN*1000 + mode; score > bestScore {
			best, bestScore, bestFields = d, score, mode
		}
	}
	return best, bestFields
}

func delimName(d byte) string {
	switch d {
	case ';':
		return "';'"
	case '\t':
		return "tabulazione"
	case '|':
		return "'|'"
	}
	return "','"
}

func openCSV(path string) (*book, error) {
	enc, err := detectEncoding(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	sample, _ := io.ReadAll(io.LimitReader(decoded(f, enc), 1<<16))
	f.Close()
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, ErrEmptyFile
	}
	// drop a possibly cut last line of the sample
	if i := bytes.LastIndexByte(sample, '\n'); i > 0 && len(sample) == 1<<16 {
		sample = sample[:i+1]
	}
	delim, fields := sniffDelimiter(sample)
	b := &book{Format: FormatCSV, Detail: fmt.Sprintf("codifica %s, separatore %s", enc, delimName(delim))}
	size := int64(0)
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	lines := bytes.Count(sample, []byte{'\n'})
	b.Sheets = []sheet{{estimate: func() int {
		if lines == 0 || len(sample) == 0 {
			return 0
		}
		return int(size/int64(len(sample))*int64(lines))*21/20 + 16
	}, open: func() (rowIter, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		sc := &recordScanner{br: bufio.NewReaderSize(decoded(f, enc), 1<<16)}
		return &csvIter{f: f, sc: sc, delim: delim, want: fields}, nil
	}}}
	return b, nil
}

type csvIter struct {
	f      *os.File
	sc     *recordScanner
	delim  byte
	want   int // the usual number of fields
	line   int
	fields []string
	cells  []Cell
	err    error
}

func (c *csvIter) Next() bool {
	text, line, err := c.sc.next()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			c.err = fmt.Errorf("riga %d: %w", line, err)
		}
		return false
	}
	c.line = line
	c.fields = splitRecord(text, c.delim, false, c.fields)
	if c.want > 0 && len(c.fields) != c.want && strings.Contains(text, `"`) {
		if alt := splitRecord(text, c.delim, true, nil); len(alt) == c.want {
			c.fields = alt
		}
	}
	c.cells = c.cells[:0]
	for _, v := range c.fields {
		c.cells = append(c.cells, Cell{V: v})
	}
	return true
}

func (c *csvIter) Row() (int, []Cell) { return c.line, c.cells }
func (c *csvIter) Err() error         { return c.err }
func (c *csvIter) Close() error       { return c.f.Close() }
