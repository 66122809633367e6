package importer

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// maxRecordBytes bounds one CSV record, so a stray quote cannot make the
// reader swallow a whole file into one field.
const maxRecordBytes = 1 << 20

// errRecordTooLong reports a record longer than maxRecordBytes.
var errRecordTooLong = errors.New("riga troppo lunga: probabile virgolette non chiuse")

// recordScanner reads logical CSV records: physical lines joined while a
// quoted field is open (an odd number of quotes so far).
type recordScanner struct {
	br   *bufio.Reader
	line int // physical lines consumed
}

// next returns the record text (without the final line break) and the
// number of its first physical line.
func (s *recordScanner) next() (string, int, error) {
	var b strings.Builder
	start := s.line + 1
	quotes := 0
	for {
		part, err := s.br.ReadString('\n')
		if part == "" && err != nil {
			if b.Len() > 0 {
				return b.String(), start, nil
			}
			return "", start, err
		}
		s.line++
		quotes += strings.Count(part, `"`)
		if quotes%2 == 1 && err == nil {
			// inside a quoted field: the line break belongs to the value
			b.WriteString(strings.TrimSuffix(strings.TrimSuffix(part, "\n"), "\r"))
			b.WriteByte('\n')
			if b.Len() > maxRecordBytes {
				return "", start, errRecordTooLong
			}
			continue
		}
		part = strings.TrimSuffix(part, "\n")
		part = strings.TrimSuffix(part, "\r")
		if b.Len() == 0 {
			return part, start, nil // one line, the usual record: not copied again
		}
		b.WriteString(part)
		return b.String(), start, nil
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
