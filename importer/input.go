package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"time"
	"unicode/utf8"
)

// headSize is how much of the start of a file is read once, for sniffing
// (magic numbers, a zip's first entry, NUL bytes in the first 8 KiB), and
// then served from memory to the first sequential pass.
const headSize = 8192

// Input is one input file, opened once. Its format is sniffed from the
// bytes already read, its SHA-256 is computed from the bytes as a
// sequential pass consumes them, and every decoder reads from the same
// descriptor: nothing opens the path again, so what is hashed is the file
// that is read, even if the name is replaced meanwhile.
//
// A CSV is read once when its bytes are UTF-8 (they are checked as they
// are parsed) and twice when a byte shows that they are not: the second
// pass reads them as Windows-1252. Zip and OLE files are decoded through
// the descriptor at random offsets and hashed in one sequential pass.
// An Input is read by one goroutine at a time.
type Input struct {
	path  string
	f     *os.File
	size  int64
	mtime time.Time // when opened: a file that changes while read is refused
	dir   bool

	head     []byte // up to headSize bytes from offset 0
	headErr  error
	headRead bool

	pre  string    // SHA-256 of the pass made by SHA256
	cur  *pass     // the sequential pass of the current read
	text textState // what the passes learnt of the bytes as UTF-8

	bytesRead int64 // through sequential passes and the head (tests)

	ctx context.Context // of the read in progress; nil: none
}

// context is the context of the read in progress.
func (in *Input) context() context.Context {
	if in.ctx == nil {
		return context.Background()
	}
	return in.ctx
}

// textState is what is known of a file's bytes as UTF-8.
type textState int

const (
	textUnknown textState = iota
	textUTF8              // a whole pass found them valid
	textNotUTF8           // a pass met a byte sequence that is not UTF-8
)

// Open opens a file for reading. The error is os.Open's, or a
// *NotRegularError for a FIFO, a device or a socket: on Unix these are
// opened without waiting (a FIFO would wait for a writer forever) and
// refused before a byte is read.
func Open(path string) (*Input, error) {
	f, err := openNoWait(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if r, ok := irregular(st.Mode()); ok {
		f.Close()
		return nil, &NotRegularError{Path: path, Reason: r}
	}
	return &Input{path: path, f: f, size: st.Size(), mtime: st.ModTime(), dir: st.IsDir()}, nil
}

// NotRegularError is a path that names a FIFO, a device, a socket: not a
// file to read.
type NotRegularError struct {
	Path   string
	Reason SkipReason
}

func (e *NotRegularError) Error() string { return Skipped{Reason: e.Reason}.Why() }

// ErrChanged is a file that changed while it was read: its size or time
// of change differ from when it was opened, or the bytes read hash to
// another SHA-256 than the one taken first. Nothing of it is used.
var ErrChanged = errors.New("il file è cambiato mentre veniva letto (copia ancora in corso?): attendere che la copia sia finita e rieseguire")

// unchanged checks that the file is as it was when opened, and that the
// bytes read hash to the SHA-256 taken first (if one was).
func (in *Input) unchanged(sum string) error {
	st, err := in.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != in.size || !st.ModTime().Equal(in.mtime) || in.pre != "" && sum != in.pre {
		return ErrChanged
	}
	return nil
}

// Close closes the file.
func (in *Input) Close() error { return in.f.Close() }

// Path is the path the input was opened with.
func (in *Input) Path() string { return in.path }

// Size is the size of the file when it was opened.
func (in *Input) Size() int64 { return in.size }

// SHA256 is the hex SHA-256 of the file's content, computed in one pass
// before any parsing (the ledger skips a file it already holds without
// parsing it). The pass also learns whether the bytes are UTF-8, so that
// a CSV read afterwards starts in the right encoding. Read hashes the
// bytes again as it reads them (FileResult.Source.SHA256): the two differ
// when the file changed in between.
func (in *Input) SHA256() (string, error) {
	if in.pre != "" {
		return in.pre, nil
	}
	p, err := in.newPass(in.text == textUnknown, false)
	if err != nil {
		return "", err
	}
	if err := p.drain(); err != nil {
		return "", err
	}
	in.pre, in.cur = p.sum, nil
	return in.pre, nil
}

// readHead reads the start of the file, once.
func (in *Input) readHead() ([]byte, error) {
	if !in.headRead {
		buf := make([]byte, headSize)
		n, err := in.f.ReadAt(buf, 0)
		in.bytesRead += int64(n)
		if err == io.EOF {
			err = nil
		}
		in.head, in.headErr, in.headRead = buf[:n], err, true
	}
	return in.head, in.headErr
}

// errNotUTF8 stops a pass that reads a text as UTF-8 at the first byte
// that is not: the text is to be read again as Windows-1252.
var errNotUTF8 = errors.New("text is not UTF-8")

// newPass starts a sequential pass from the first byte, the current one
// of the input. With checkUTF8 it checks that the bytes are UTF-8 and
// records what it finds in in.text; with stop, its reads then fail with
// errNotUTF8 at the first sequence that is not.
func (in *Input) newPass(checkUTF8, stop bool) (*pass, error) {
	if _, err := in.readHead(); err != nil {
		return nil, err
	}
	in.cur = &pass{in: in, h: sha256.New()}
	if checkUTF8 {
		in.cur.utf8 = &utf8Check{valid: true}
		in.cur.stop = stop
	}
	return in.cur, nil
}

// pass is one sequential read of the file from its first byte; it hashes
// the bytes it yields and, when asked, checks that they are UTF-8.
type pass struct {
	in   *Input
	off  int64
	h    hash.Hash
	utf8 *utf8Check // nil: not checked
	stop bool
	sum  string // hex SHA-256, once the end of the file is reached
	err  error  // sticky
}

func (p *pass) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if ctx := p.in.ctx; ctx != nil {
		if err := ctx.Err(); err != nil {
			p.err = err
			return 0, err
		}
	}
	var n int
	var err error
	if head := p.in.head; p.off < int64(len(head)) {
		n = copy(b, head[p.off:])
	} else {
		n, err = p.in.f.ReadAt(b, p.off)
		p.in.bytesRead += int64(n)
	}
	p.off += int64(n)
	p.h.Write(b[:n])
	if c := p.utf8; c != nil && c.valid {
		c.write(b[:n])
		if err == io.EOF {
			c.end()
		}
		if !c.valid {
			p.in.text = textNotUTF8
			if p.stop {
				p.err = errNotUTF8
				return 0, p.err
			}
		}
	}
	if err == io.EOF {
		p.sum = hex.EncodeToString(p.h.Sum(nil))
		if p.utf8 != nil && p.utf8.valid {
			p.in.text = textUTF8
		}
	}
	if err != nil {
		p.err = err
	}
	return n, err
}

// drain reads the rest of the pass; a pass that ended already returns
// its error (nil at the end of the file).
func (p *pass) drain() error {
	buf := make([]byte, 1<<16)
	for {
		_, err := p.Read(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// utf8Check validates a byte stream as UTF-8, chunk by chunk: a sequence
// cut at the end of a chunk waits for the next one, and one still
// incomplete at the end of the stream is invalid.
type utf8Check struct {
	valid bool
	carry []byte
}

func (c *utf8Check) write(b []byte) {
	if !c.valid {
		return
	}
	chunk := b
	if len(c.carry) > 0 {
		chunk = append(c.carry, b...)
	}
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
		c.valid = false
		return
	}
	if cut == len(chunk) {
		c.carry = c.carry[:0]
	} else {
		c.carry = append([]byte(nil), chunk[cut:]...)
	}
}

func (c *utf8Check) end() {
	if len(c.carry) > 0 {
		c.valid = false
	}
}
