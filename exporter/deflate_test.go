package exporter

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// sheetLike is n bytes that compress like a sheet: repeated XML with
// numbers and some noise.
func sheetLike(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `<row r="%d"><c r="A%d" s="3" t="inlineStr"><is><t>%x</t></is></c><c r="M%d" s="7"><v>%d.%02d</v></c></row>`,
			i, i, r.Uint64(), i, r.IntN(1e6), r.IntN(100))
	}
	return b.Bytes()[:n]
}

// TestParallelDeflate: whatever the length and however it is written, the
// blocks join into one deflate stream that the standard library inflates
// to the same bytes.
func TestParallelDeflate(t *testing.T) {
	data := sheetLike(5*deflateBlockSize + 12345)
	for _, n := range []int{0, 1, deflateDictSize, deflateBlockSize - 1, deflateBlockSize, deflateBlockSize + 1, 3 * deflateBlockSize, len(data)} {
		for _, chunk := range []int{1 << 10, 100 << 10, 4 << 20} {
			if n > deflateBlockSize && chunk == 1<<10 {
				continue // slow and nothing new
			}
			var out bytes.Buffer
			z := newParallelDeflate(&out, 1)
			for p := data[:n]; len(p) > 0; {
				k := min(chunk, len(p))
				if _, err := z.Write(p[:k]); err != nil {
					t.Fatal(err)
				}
				p = p[k:]
			}
			if err := z.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(flate.NewReader(&out))
			if err != nil {
				t.Fatalf("%d bytes in chunks of %d: %v", n, chunk, err)
			}
			if !bytes.Equal(got, data[:n]) {
				t.Fatalf("%d bytes in chunks of %d: inflated to %d other bytes", n, chunk, len(got))
			}
		}
	}
	if _, err := newParallelDeflate(io.Discard, 1).Write(nil); err != nil {
		t.Error(err)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errBoom
	}
	return len(p), nil
}

// TestParallelDeflateWriteError: a failed write of the output is returned
// by a later Write or by Close, never lost.
func TestParallelDeflateWriteError(t *testing.T) {
	data := sheetLike(4 * deflateBlockSize)
	z := newParallelDeflate(&failingWriter{after: 1000}, 1)
	var err error
	for p := data; len(p) > 0 && err == nil; p = p[min(len(p), 1<<16):] {
		_, err = z.Write(p[:min(len(p), 1<<16)])
	}
	if cerr := z.Close(); err == nil {
		err = cerr
	}
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want %v", err, errBoom)
	}
	if _, err := z.Write([]byte("x")); err == nil {
		t.Error("write after Close accepted")
	}
}
