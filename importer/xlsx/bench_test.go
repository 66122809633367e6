package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the user+system time of the process so far: the machine is
// shared, so wall time alone says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU seconds per operation to a benchmark's output.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

// scaleFile is the 200,000-row workbook of gen_scale.py (see the README of
// the peers); CONSOLIDA_SCALE_XLSX names another.
func scaleFile(b *testing.B) string {
	p := os.Getenv("CONSOLIDA_SCALE_XLSX")
	if p == "" {
		p = "/tmp/consolida_scale/xlsx200k/rows_200k.xlsx"
	}
	if _, err := os.Stat(p); err != nil {
		b.Skipf("%s absent: make it with gen_scale.py --rows 200000 --xlsx %s", p, p)
	}
	return p
}

func BenchmarkScaleXLSX(b *testing.B) {
	p := scaleFile(b)
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	for i := 0; i < b.N; i++ {
		bk, err := Open(context.Background(), f, st.Size(), Limits{})
		if err != nil {
			b.Fatal(err)
		}
		rows, cells := 0, 0
		for _, sh := range bk.Sheets {
			it, err := sh.Open()
			if err != nil {
				b.Fatal(err)
			}
			for it.Next() {
				_, c := it.Row()
				rows++
				cells += len(c)
			}
			if err := it.Err(); err != nil {
				b.Fatal(err)
			}
			it.Close()
		}
		bk.Close()
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(cells), "cells")
	}
}

// BenchmarkScaleInflate is the floor: inflating the sheet parts of the
// same file and counting their '<' bytes, with no XML work.
func BenchmarkScaleInflate(b *testing.B) {
	p := scaleFile(b)
	z, err := zip.OpenReader(p)
	if err != nil {
		b.Fatal(err)
	}
	defer z.Close()
	buf := make([]byte, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	for i := 0; i < b.N; i++ {
		var n, lt int64
		for _, f := range z.File {
			if !strings.HasPrefix(f.Name, "xl/worksheets/") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				b.Fatal(err)
			}
			for {
				k, err := rc.Read(buf)
				n += int64(k)
				lt += int64(bytes.Count(buf[:k], []byte{'<'}))
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			rc.Close()
		}
		b.ReportMetric(float64(n), "xmlbytes")
		b.ReportMetric(float64(lt), "tags")
	}
}
