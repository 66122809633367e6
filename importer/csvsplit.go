package importer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"consolida/importer/grid"
)

// recordScanner reads logical CSV records: physical lines joined while a
// quoted field is open (an odd number of quotes so far). A record longer
// than max bytes (a stray quote would otherwise join the rest of the file
// into one field) is a *grid.LimitError, read without holding more than
// max bytes; a NUL character, or a quote still open at the end of the
// file after joining lines, is a *grid.CorruptError: the rows joined
// would otherwise be lost as if the data had ended.
type recordScanner struct {
	br   *bufio.Reader
	line int // physical lines consumed
	max  int // bytes of one record; 0: grid.DefaultLimits().RowBytes
	buf  []byte
}

// next returns the record text (without the final line break) and the
// number of its first physical line.
func (s *recordScanner) next() (string, int, error) {
	if s.max <= 0 {
		s.max = grid.DefaultLimits().RowBytes
	}
	s.buf = s.buf[:0]
	start := s.line + 1
	quotes, lines := 0, 0
	for {
		from := len(s.buf)
		err := s.readLine()
		part := s.buf[from:]
		if len(part) == 0 && err != nil {
			if err == io.EOF && lines > 1 {
				return "", start, &grid.CorruptError{Row: start, Detail: fmt.Sprintf("quoted field opened on line %d still open at the end of the file (%d lines joined)", start, lines)}
			}
			if len(s.buf) > 0 && (err == io.EOF) {
				return string(s.buf), start, nil
			}
			return "", start, err
		}
		if err != nil && err != io.EOF {
			return "", start, err
		}
		s.line++
		lines++
		if bytes.IndexByte(part, 0) >= 0 {
			return "", start, &grid.CorruptError{Row: s.line, Detail: "NUL character in a text file"}
		}
		quotes += bytes.Count(part, []byte{'"'})
		part = bytes.TrimSuffix(part, []byte{'\n'})
		part = bytes.TrimSuffix(part, []byte{'\r'})
		s.buf = s.buf[:from+len(part)]
		if quotes%2 == 1 && err == nil {
			// inside a quoted field: the line break belongs to the value
			s.buf = append(s.buf, '\n')
			continue
		}
		if quotes%2 == 1 && lines > 1 {
			return "", start, &grid.CorruptError{Row: start, Detail: fmt.Sprintf("quoted field opened on line %d still open at the end of the file (%d lines joined)", start, lines)}
		}
		return string(s.buf), start, nil
	}
}

// readLine appends the next physical line, with its line break, to
// s.buf; err is io.EOF for a last line without a break (or none). It
// never holds more than s.max bytes of the record.
func (s *recordScanner) readLine() error {
	for {
		chunk, err := s.br.ReadSlice('\n')
		if len(s.buf)+len(chunk) > s.max {
			return &grid.LimitError{Row: s.line + 1, Budget: grid.BudgetRowBytes, What: "bytes of one CSV record", Limit: int64(s.max)}
		}
		s.buf = append(s.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return err
	}
}

// splitRecord splits one record into fields. A field that starts with a
// quote runs to the quote that is followed by the delimiter or the end;
// "" inside it is one quote, and any other quote is kept as written.
// With lenient set, a "" followed by the delimiter also closes the field:
// that reads the unescaped quotes of `"ISTITUTO "GAETANO BRAGA"","..."`
// the way its author meant.
func splitRecord(s string, delim byte, lenient bool, out []string) []string {
	out = out[:0]
	i := 0
	for {
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					b.WriteString(s[i:]) // unclosed: the rest is the value
					i = len(s)
					break
				}
				b.WriteString(s[i : i+j])
				i += j + 1 // past the quote
				switch {
				case i >= len(s) || s[i] == delim:
					goto closed
				case s[i] == '"':
					if lenient && (i+1 >= len(s) || s[i+1] == delim) {
						b.WriteByte('"')
						i++
						goto closed
					}
					b.WriteByte('"')
					i++
				default:
					b.WriteByte('"')
				}
			}
		closed:
			out = append(out, b.String())
		} else {
			j := strings.IndexByte(s[i:], delim)
			if j < 0 {
				out = append(out, s[i:])
				return out
			}
			out = append(out, s[i:i+j])
			i += j
		}
		if i >= len(s) {
			return out
		}
		// s[i] is the delimiter, or garbage after a closing quote
		if s[i] != delim {
			j := strings.IndexByte(s[i:], delim)
			if j < 0 {
				out[len(out)-1] += s[i:]
				return out
			}
			out[len(out)-1] += s[i : i+j]
			i += j
		}
		i++ // past the delimiter
		if i >= len(s) {
			return append(out, "")
		}
	}
}

// readRecords is a convenience for tests and sniffing: all records of r.
func readRecords(r io.Reader, delim byte, limit int) [][]string {
	sc := &recordScanner{br: bufio.NewReader(r)}
	var out [][]string
	for limit <= 0 || len(out) < limit {
		text, _, err := sc.next()
		if err != nil {
			break
		}
		out = append(out, splitRecord(text, delim, false, nil))
	}
	return out
}
