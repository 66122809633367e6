package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"consolida/internal/testkit"
)

// cpuTime is the user+system time of the process so far: the machine is
// shared, so wall time alone says little.
var cpuTime = testkit.CPUTime

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

// storedWorkbook makes a workbook like gen_scale.py's (20 columns, inline
// strings, numbers, dates), stored without compression so that a
// benchmark measures the scanner alone.
func storedWorkbook(b *testing.B, nrows int) []byte {
	var sd strings.Builder
	texts := []string{"c_h048", "Comune di Pressana", "Comuni", "Pressana", "023061", "VR", "023", "Veneto", "05"}
	for r := 1; r <= nrows; r++ {
		fmt.Fprintf(&sd, `<row r="%d">`, r)
		for c, t := range texts {
			fmt.Fprintf(&sd, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, colName(c+1), r, t)
		}
		fmt.Fprintf(&sd, `<c r="J%d" t="n"><v>%d.%02d</v></c>`, r, 1000+r, r%100)
		fmt.Fprintf(&sd, `<c r="K%d" t="inlineStr"><is><t>1.4.3 - app IO - Comuni - Aprile 2022</t></is></c>`, r)
		fmt.Fprintf(&sd, `<c r="L%d" t="inlineStr"><is><t>2022-05-06T10:23:11.000+0000</t></is></c>`, r)
		fmt.Fprintf(&sd, `<c r="M%d" s="1" t="n"><v>44785</v></c>`, r)
		fmt.Fprintf(&sd, `<c r="N%d" t="inlineStr"><is><t>E91F22%09d</t></is></c>`, r, r)
		fmt.Fprintf(&sd, `<c r="O%d" t="inlineStr"><is><t>2</t></is></c><c r="P%d" t="inlineStr"><is><t>24</t></is></c>`, r, r)
		fmt.Fprintf(&sd, `<c r="Q%d" t="inlineStr"><is><t>Decreto n.24 - 2 / 2022 - PNRR</t></is></c><c r="R%d" t="inlineStr"><is><t>A</t></is></c>`, r, r)
		fmt.Fprintf(&sd, `<c r="S%d" s="1" t="n"><v>44785</v></c><c r="T%d" t="inlineStr"><is><t>1.4.3 Adozione PagoPA e AppIO</t></is></c>`, r, r)
		sd.WriteString(`</row>`)
	}
	parts := buildParts([]tsheet{{name: "candidature", xml: sheetXML(sd.String())}}, "", false)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(w, p.body)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkScanStored measures the scanner alone, on 20,000 rows.
func BenchmarkScanStored(b *testing.B) {
	data := storedWorkbook(b, 20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	for i := 0; i < b.N; i++ {
		got, err := readCount(data)
		if err != nil {
			b.Fatal(err)
		}
		if got != 20000*20 {
			b.Fatalf("%d cells", got)
		}
	}
}

func readCount(data []byte) (int, error) {
	bk, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		return 0, err
	}
	defer bk.Close()
	n := 0
	for _, sh := range bk.Sheets {
		it, err := sh.Open()
		if err != nil {
			return n, err
		}
		for it.Next() {
			_, c := it.Row()
			n += len(c)
		}
		it.Close()
		if err := it.Err(); err != nil {
			return n, err
		}
	}
	return n, nil
}
