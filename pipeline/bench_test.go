package pipeline

import (
	"context"
	"path/filepath"
	"testing"

	"consolida/exporter"
	"consolida/funding"
	"consolida/importer"
	"consolida/internal/testkit"
)

// Benchmarks on the real open data (skipped when ../shared is absent):
//
//	go test -run '^$' -bench . -benchtime 3x ./pipeline

func realBatch(b *testing.B) (*funding.Catalog, *importer.Batch) {
	b.Helper()
	cat, syn, err := loadTemplates()
	if err != nil {
		b.Fatal(err)
	}
	coll, err := importer.Collect([]string{testkit.RealData(b)}, importer.CollectOptions{})
	if err != nil {
		b.Fatal(err)
	}
	batch, err := readFiles(context.Background(), coll, cat, syn, Discard)
	if err != nil {
		b.Fatal(err)
	}
	return cat, batch
}

// BenchmarkImportRealData measures reading every real file (no outputs).
func BenchmarkImportRealData(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, batch := realBatch(b)
		b.ReportMetric(float64(len(batch.Records)), "rows")
	}
}

// BenchmarkConsolidateRealData measures the consolidation of every real row.
func BenchmarkConsolidateRealData(b *testing.B) {
	cat, batch := realBatch(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		recs := append([]funding.Record(nil), batch.Records...)
		res := funding.Consolidate(funding.Input{Catalog: cat, Registry: funding.NewRegistry(), Records: recs,
			Anomalies: batch.Anomalies, Sources: append([]funding.Source(nil), batch.Sources...)})
		if !res.Conservation.OK {
			b.Fatal("conservation")
		}
	}
}

// BenchmarkCouncilWorkbooks writes 500 council workbooks of the real data
// and reports the time per workbook.
func BenchmarkCouncilWorkbooks(b *testing.B) {
	cat, batch := realBatch(b)
	res := funding.Consolidate(funding.Input{Catalog: cat, Registry: funding.NewRegistry(), Records: batch.Records,
		Anomalies: batch.Anomalies, Sources: batch.Sources})
	res.Comuni = res.Comuni[:500]
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := exporter.WriteCouncil(context.Background(), filepath.Join(dir, "consiglio"), &exporter.Report{Result: res, Meta: exporter.Meta{Month: "2026-11"}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(res.Comuni)), "ms/workbook")
}
