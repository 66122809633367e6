package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"

	"consolida/importer/grid"
)

// sst is the shared string table. The text lives in a few large strings
// (chunks); each entry packs its chunk, offset and length in 8 bytes, so a
// lookup is a substring, with no allocation.
type sst struct {
	chunks  []string
	entries []uint64
	// blank has a bit set for each string that is empty or spaces,
	// found once when the table is read: a row of cells that all point
	// at a megabyte of spaces is not scanned again for each
	blank []uint64
}

// isBlank tells whether string i is empty or spaces.
func (t *sst) isBlank(i int) bool { return t.blank[i/64]&(1<<(i%64)) != 0 }

const (
	chunkSize = 1 << 20
	offBits   = 20 // offset within a chunk < chunkSize
	lenBits   = 24 // length of one string < 16 MiB
	maxSSTStr = 1<<lenBits - 1
	// maxSSTBytes keeps chunk indexes within their 20 bits.
	maxSSTBytes = 1 << 39
)

func (t *sst) get(i int) string {
	e := t.entries[i]
	c := t.chunks[e>>(offBits+lenBits)]
	off := int(e>>lenBits) & (1<<offBits - 1)
	return c[off : off+int(e&(1<<lenBits-1))]
}

func (t *sst) len() int { return len(t.entries) }

// sstBuilder fills chunks: strings go into a working buffer that is
// sealed into a chunk when the next string does not fit; a string longer
// than a chunk is a chunk of its own.
type sstBuilder struct {
	t     *sst
	buf   []byte
	bytes int64
	lim   Limits
	hint  int // size of the part
}

func (sb *sstBuilder) add(s []byte) error {
	if len(s) > maxSSTStr {
		return &grid.LimitError{Budget: grid.BudgetStrings, What: "bytes of one shared string", Limit: maxSSTStr}
	}
	if len(sb.t.entries) >= sb.lim.SharedStrings {
		return &grid.LimitError{Budget: grid.BudgetStrings, What: "shared strings", Limit: int64(sb.lim.SharedStrings)}
	}
	sb.bytes += int64(len(s))
	if sb.bytes > sb.lim.SharedStringBytes {
		return &grid.LimitError{Budget: grid.BudgetStrings, What: "bytes of shared strings", Limit: sb.lim.SharedStringBytes}
	}
	i := len(sb.t.entries) // the index of this string
	if i%64 == 0 {
		sb.t.blank = append(sb.t.blank, 0)
	}
	if len(s) == 0 || blankBytes(s) {
		sb.t.blank[i/64] |= 1 << (i % 64)
	}
	if len(s) > chunkSize {
		sb.seal()
		sb.t.chunks = append(sb.t.chunks, string(s))
		sb.t.entries = append(sb.t.entries, uint64(len(sb.t.chunks)-1)<<(offBits+lenBits)|uint64(len(s)))
		return nil
	}
	if len(sb.buf)+len(s) > chunkSize {
		sb.seal()
	}
	if sb.buf == nil {
		// text is shorter than the part it comes from
		sb.buf = make([]byte, 0, min(chunkSize, max(sb.hint, len(s))))
	}
	c := uint64(len(sb.t.chunks)) // the chunk this buffer becomes
	sb.t.entries = append(sb.t.entries, c<<(offBits+lenBits)|uint64(len(sb.buf))<<lenBits|uint64(len(s)))
	sb.buf = append(sb.buf, s...)
	return nil
}

func (sb *sstBuilder) seal() {
	if len(sb.buf) > 0 {
		sb.t.chunks = append(sb.t.chunks, string(sb.buf))
		sb.buf = sb.buf[:0]
	}
}

// readSST reads the shared strings: each si is its t, or the t of its
// rich text runs (r) joined; phonetic runs (rPh) and properties are not
// part of the text, as in excelize.
func (b *book) readSST(f *zip.File) (*sst, error) {
	rc, onRead, err := b.part(f, "")
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	s := newScanner(rc, bufFor(f), b.lim, onRead)
	sb := &sstBuilder{t: &sst{}, lim: b.lim, hint: int(min(b.declared(f), chunkSize))}
	var text []byte
	err = func() error {
		if err := root(s, []string{"sst"}, nsMain); err != nil {
			return err
		}
		for {
			k, err := s.next()
			if err != nil {
				return err
			}
			if k == tokEnd && s.depth() == 0 {
				break
			}
			if k != tokStart {
				continue
			}
			if string(s.local) != "si" || s.depth() != 2 {
				if err := s.skip(); err != nil {
					return err
				}
				continue
			}
			if text, err = richText(s, text[:0], b.lim.SharedStringBytes); err != nil {
				return inDetail(err, fmt.Sprintf("shared string %d: ", sb.t.len()))
			}
			if err := sb.add(text); err != nil {
				return err
			}
		}
		for {
			if _, err := s.next(); err != nil {
				return err
			}
		}
	}()
	sb.seal()
	if err == io.EOF {
		err = nil
	}
	if err != nil {
		return nil, partError(err, f.Name, "", 0)
	}
	return sb.t, nil
}

// richText reads the content of an si or is element whose start was just
// read, appending its text to dst with the _xHHHH_ escapes decoded.
func richText(s *scanner, dst []byte, max int64) ([]byte, error) {
	start := len(dst)
	d := s.depth()
	var hasT, hasR bool
	for {
		k, err := s.next()
		if err != nil {
			return dst, err
		}
		switch k {
		case tokEnd:
			if s.depth() < d {
				if bytes.Contains(dst[start:], []byte("_x")) {
					out, _ := unescapeOOXML(nil, dst[start:])
					dst = append(dst[:start], out...)
				}
				return dst, nil
			}
		case tokStart:
			switch string(s.local) {
			case "t":
				if hasT || hasR {
					return dst, s.corruptf("rich text with two texts")
				}
				hasT = true
				if dst, err = textElem(s, dst, max); err != nil {
					return dst, err
				}
			case "r":
				if hasT {
					return dst, s.corruptf("rich text with text and runs")
				}
				hasR = true
				if dst, err = run(s, dst, max); err != nil {
					return dst, err
				}
			default: // rPh (phonetic runs), phoneticPr: not the text
				if err := s.skip(); err != nil {
					return dst, err
				}
			}
		}
	}
}

// run reads a rich text run r: its t, once.
func run(s *scanner, dst []byte, max int64) ([]byte, error) {
	d := s.depth()
	hasT := false
	for {
		k, err := s.next()
		if err != nil {
			return dst, err
		}
		switch k {
		case tokEnd:
			if s.depth() < d {
				return dst, nil
			}
		case tokStart:
			if string(s.local) == "t" {
				if hasT {
					return dst, s.corruptf("rich text run with two texts")
				}
				hasT = true
				if dst, err = textElem(s, dst, max); err != nil {
					return dst, err
				}
			} else if err := s.skip(); err != nil { // rPr
				return dst, err
			}
		}
	}
}

// textElem appends the character data of a t or v element whose start
// was just read; it holds no elements.
func textElem(s *scanner, dst []byte, max int64) ([]byte, error) {
	if s.selfClose {
		_, err := s.next()
		return dst, err
	}
	for {
		k, err := s.next()
		if err != nil {
			return dst, err
		}
		switch k {
		case tokText:
			if !s.esc {
				dst = append(dst, s.text...)
			} else if dst, err = appendText(dst, s.text, s.cdata); err != nil {
				return dst, s.corruptf("%v", err)
			}
			if int64(len(dst)) > max {
				return dst, &grid.LimitError{Budget: grid.BudgetElements, What: "bytes of one text", Limit: max}
			}
		case tokStart:
			return dst, s.corruptf("element <%s> inside a text", s.qname)
		case tokEnd:
			return dst, nil
		}
	}
}
