package funding_test

import (
	"testing"

	"consolida/funding"
	"consolida/internal/benchkit"
)

// BenchmarkConsolidate consolidates the rows of the generated CSV
// (CONSOLIDA_BENCH_ROWS; see internal/benchkit):
//
//	CONSOLIDA_BENCH_ROWS=1000000 go test -run '^$' -bench Consolidate -benchtime 1x ./funding
func BenchmarkConsolidate(b *testing.B) {
	d := benchkit.Consolidated(b)
	in := d.Input
	b.ReportAllocs()
	b.ResetTimer()
	defer benchkit.CPU(b)()
	for i := 0; i < b.N; i++ {
		in.Registry = funding.NewRegistry()
		res := funding.Consolidate(in)
		if !res.Conservation.OK || len(res.Candidature) != len(d.Result.Candidature) {
			b.Fatalf("%d candidature, want %d; conservation %v", len(res.Candidature), len(d.Result.Candidature), res.Conservation.OK)
		}
	}
}
