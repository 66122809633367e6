package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"consolida/importer/grid"
)

// Encodings of text files.
const (
	EncUTF8    = "UTF-8"
	EncUTF8BOM = "UTF-8 con BOM"
	EncUTF16   = "UTF-16"
	Enc1252    = "Windows-1252"
)

// textEncoding is the encoding a text file is read in: UTF-16 by its BOM;
// Windows-1252 when a pass has met bytes that are not UTF-8; otherwise
// UTF-8, with or without BOM, until a pass shows otherwise (textRetry).
func (in *Input) textEncoding() (string, error) {
	head, err := in.readHead()
	if err != nil {
		return "", err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return EncUTF16, nil
	case in.text == textNotUTF8:
		return Enc1252, nil
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return EncUTF8BOM, nil
	}
	return EncUTF8, nil
}

// textPass starts a pass that reads the input as text in enc, decoded to
// UTF-8; a pass read as UTF-8 checks that the bytes are.
func (in *Input) textPass(enc string) (io.Reader, error) {
	utf8 := enc == EncUTF8 || enc == EncUTF8BOM
	p, err := in.newPass(utf8, utf8)
	if err != nil {
		return nil, err
	}
	return decoded(p, enc), nil
}

// textRetry ends an attempt at reading the input as text: when the
// attempt read it as UTF-8, the rest of the bytes are checked too, and
// retry is true if they are not all UTF-8 after all (then the attempt is
// to be made again, as Windows-1252). err is a failure to read the rest.
func (in *Input) textRetry() (retry bool, err error) {
	p := in.cur
	if p == nil || p.utf8 == nil || !p.stop {
		return false, nil
	}
	if err := p.drain(); err != nil && !errors.Is(err, errNotUTF8) {
		return false, err
	}
	return in.text == textNotUTF8, nil
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

// openCSV reads the first 64 KiB of text to find the delimiter, then
// yields the rows of the same pass: the sample is not read twice.
func openCSV(in *Input, lim grid.Limits) (*opened, error) {
	enc, err := in.textEncoding()
	if err != nil {
		return nil, err
	}
	r, err := in.textPass(enc)
	if err != nil {
		return nil, err
	}
	sample, _ := io.ReadAll(io.LimitReader(r, 1<<16))
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, ErrEmptyFile
	}
	rest := io.MultiReader(bytes.NewReader(sample), r)
	// drop a possibly cut last line of the sample
	if i := bytes.LastIndexByte(sample, '\n'); i > 0 && len(sample) == 1<<16 {
		sample = sample[:i+1]
	}
	delim, fields := sniffDelimiter(sample)
	b := &opened{Book: &grid.Book{Detail: fmt.Sprintf("codifica %s, separatore %s", enc, delimName(delim))}}
	size := in.size
	lines := bytes.Count(sample, []byte{'\n'})
	b.Sheets = []grid.Sheet{{Estimate: func() int {
		if lines == 0 || len(sample) == 0 {
			return 0
		}
		return int(size/int64(len(sample))*int64(lines))*21/20 + 16
	}, Open: func() (grid.Rows, error) {
		src := rest
		if src == nil {
			// opened again: a new pass from the first byte
			if src, err = in.textPass(enc); err != nil {
				return nil, err
			}
		}
		rest = nil
		sc := &recordScanner{br: bufio.NewReaderSize(src, 1<<16), max: lim.RowBytes}
		return &csvIter{sc: sc, delim: delim, want: fields}, nil
	}}}
	return b, nil
}

type csvIter struct {
	sc     *recordScanner
	delim  byte
	want   int // the usual number of fields
	line   int
	fields []string
	cells  []grid.Cell
	err    error
}

func (c *csvIter) Next() bool {
	text, line, err := c.sc.next()
	if err != nil {
		var ce *grid.CorruptError
		var le *grid.LimitError
		switch {
		case errors.Is(err, io.EOF):
		case errors.As(err, &ce), errors.As(err, &le):
			c.err = err // they name their row
		default:
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
		c.cells = append(c.cells, grid.Cell{V: v})
	}
	return true
}

func (c *csvIter) Row() (int, []grid.Cell) { return c.line, c.cells }
func (c *csvIter) Err() error              { return c.err }
func (c *csvIter) Close() error            { return nil }
