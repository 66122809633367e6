package exporter

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
)

// parallelDeflate compresses one stream on every core and writes one
// ordinary deflate stream, the way pigz does: the input is cut into
// blocks, each block is compressed on its own goroutine with the last
// 32 KiB of the block before as its dictionary (so matches reach across
// the cut as in a single stream), and ends with a sync flush, which
// leaves the output byte-aligned; the last block closes the stream. The
// blocks are written in order. Memory is a few blocks in flight, whatever
// the length of the stream.
type parallelDeflate struct {
	out   io.Writer
	level int
	cur   *deflateBlock
	prev  []byte // the last dictSize bytes of the block before cur
	queue chan *deflateBlock
	done  chan struct{}
	mu    sync.Mutex
	err   error // the first error of the writer goroutine
}

const (
	deflateBlockSize = 1 << 20
	deflateDictSize  = 32 << 10 // the window of deflate
)

type deflateBlock struct {
	in, dict, out []byte
	last          bool
	ready         chan struct{}
	err           error
}

var (
	blockPool = sync.Pool{New: func() any {
		return &deflateBlock{in: make([]byte, 0, deflateBlockSize), dict: make([]byte, 0, deflateDictSize)}
	}}
	flatePools sync.Map // level -> *sync.Pool of *flate.Writer
)

func flateWriter(level int) (*flate.Writer, *sync.Pool) {
	p, _ := flatePools.LoadOrStore(level, &sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, level)
		return w
	}})
	pool := p.(*sync.Pool)
	return pool.Get().(*flate.Writer), pool
}

// newParallelDeflate starts a compressor at level (1 to 9) that writes to
// out; Close flushes it and waits for every block.
func newParallelDeflate(out io.Writer, level int) *parallelDeflate {
	z := &parallelDeflate{out: out, level: level, done: make(chan struct{}),
		queue: make(chan *deflateBlock, 2*runtime.GOMAXPROCS(0))}
	z.cur = z.newBlock()
	go z.writer()
	return z
}

func (z *parallelDeflate) newBlock() *deflateBlock {
	b := blockPool.Get().(*deflateBlock)
	b.in, b.dict, b.out = b.in[:0], b.dict[:0], b.out[:0]
	b.last, b.err = false, nil
	b.ready = make(chan struct{})
	return b
}

// writer writes the compressed blocks in order.
func (z *parallelDeflate) writer() {
	defer close(z.done)
	for b := range z.queue {
		<-b.ready
		err := b.err
		if err == nil && z.failed() == nil {
			_, err = z.out.Write(b.out)
		}
		if err != nil {
			z.fail(err)
		}
		blockPool.Put(b)
	}
}

func (z *parallelDeflate) fail(err error) {
	z.mu.Lock()
	if z.err == nil {
		z.err = err
	}
	z.mu.Unlock()
}

func (z *parallelDeflate) failed() error {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.err
}

var errDeflateClosed = errors.New("exporter: write after Close")

func (z *parallelDeflate) Write(p []byte) (int, error) {
	if z.cur == nil {
		return 0, errDeflateClosed
	}
	if err := z.failed(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), deflateBlockSize-len(z.cur.in))
		z.cur.in = append(z.cur.in, p[:k]...)
		p = p[k:]
		if len(z.cur.in) == deflateBlockSize {
			z.dispatch(false)
		}
	}
	return n, nil
}

// dispatch sends the current block to be compressed and starts the next.
func (z *parallelDeflate) dispatch(last bool) {
	b := z.cur
	b.last = last
	b.dict = append(b.dict, z.prev...)
	tail := b.in[max(0, len(b.in)-deflateDictSize):]
	z.prev = append(z.prev[:0], tail...)
	z.queue <- b // waits while enough blocks are in flight
	go b.compress(z.level)
	if !last {
		z.cur = z.newBlock()
	}
}

func (b *deflateBlock) compress(level int) {
	defer close(b.ready)
	w, pool := flateWriter(level)
	buf := bytes.NewBuffer(b.out)
	w.ResetDict(buf, b.dict)
	_, err := w.Write(b.in)
	if err == nil {
		if b.last {
			err = w.Close()
		} else {
			err = w.Flush()
		}
	}
	w.ResetDict(nil, nil) // drop the references to the buffers
	pool.Put(w)
	b.out, b.err = buf.Bytes(), err
}

// Close compresses what is left, ends the stream and waits for the
// writes; it returns the first error.
func (z *parallelDeflate) Close() error {
	if z.cur == nil {
		return errDeflateClosed
	}
	z.dispatch(true)
	z.cur = nil
	close(z.queue)
	<-z.done
	return z.failed()
}
