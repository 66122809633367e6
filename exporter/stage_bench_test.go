package exporter_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"consolida/exporter"
	"consolida/internal/benchkit"
)

// Stage benchmarks of the writing side, on the generated CSV read and
// consolidated once (CONSOLIDA_BENCH_ROWS rows; see internal/benchkit):
//
//	CONSOLIDA_BENCH_ROWS=1000000 go test -run '^$' -bench 'Write' -benchtime 1x ./exporter

func benchReport(b *testing.B) *exporter.Report {
	d := benchkit.Consolidated(b)
	return &exporter.Report{Result: d.Result, Meta: exporter.Meta{Month: "2026-11",
		Generated: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}}
}

// writeBench writes one output per operation and reports its size and
// heap-MiB, the most heap the write used above what was in use before it
// (the report itself).
func writeBench(b *testing.B, name string, write func(path string, r *exporter.Report) error) {
	r := benchReport(b)
	p := filepath.Join(b.TempDir(), name)
	b.ReportAllocs()
	b.ResetTimer()
	stop := benchkit.CPU(b)
	var heap uint64
	for i := 0; i < b.N; i++ {
		heap = max(heap, benchkit.HeapPeak(func() {
			if err := write(p, r); err != nil {
				b.Fatal(err)
			}
		}))
	}
	stop()
	b.StopTimer()
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "MiB")
	b.ReportMetric(float64(len(r.Result.Candidature)), "candidature")
}

// BenchmarkWriteCST writes the CST workbook.
func BenchmarkWriteCST(b *testing.B) { writeBench(b, "CST_2026-11.xlsx", exporter.WriteCST) }

// BenchmarkWriteCSV writes the detail CSV.
func BenchmarkWriteCSV(b *testing.B) { writeBench(b, "dettaglio_2026-11.csv", exporter.WriteCSV) }

// BenchmarkWriteCouncil writes the council workbooks of the first 500
// comuni, and reports the time per workbook.
func BenchmarkWriteCouncil(b *testing.B) {
	r := *benchReport(b)
	res := *r.Result
	res.Comuni = res.Comuni[:min(500, len(res.Comuni))]
	r.Result = &res
	dir := filepath.Join(b.TempDir(), "consiglio")
	b.ReportAllocs()
	b.ResetTimer()
	stop := benchkit.CPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := exporter.WriteCouncil(context.Background(), dir, &r, nil); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(res.Comuni)), "ms/workbook")
}
