package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"consolida/internal/gen"
	"consolida/internal/testkit"
)

// The whole run on generated files, like bench/compare.sh but inside the
// process (for -cpuprofile and -memprofile):
//
//	CONSOLIDA_BENCH_ROWS=1000000 go test -run '^$' -bench 'Run(CSV|XLSX)' -benchtime 1x -cpuprofile cpu.out ./pipeline

// benchInput is the generated file of the benchmarks, in a folder of its own.
func benchInput(b *testing.B, format string, rows int) string {
	b.Helper()
	p, err := gen.BenchFile(format, rows)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// reportCPU adds the CPU seconds per operation (user+system, all
// goroutines) to a benchmark's output: the machine is shared, wall time
// alone says little.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric((testkit.CPUTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

func benchRun(b *testing.B, input string) { benchRunOutput(b, input, false) }

// benchRunOutput runs input, with the council workbooks when council is
// set.
func benchRunOutput(b *testing.B, input string, council bool) {
	out := b.TempDir()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, testkit.CPUTime())
	for i := 0; i < b.N; i++ {
		res, err := Run(context.Background(), RunOptions{Inputs: []string{input}, Output: Output{Dir: out, Council: council}, Now: now}, Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(res.Result.Candidature)), "candidature")
	}
	b.StopTimer()
	if st, err := os.Stat(filepath.Join(out, "CST_2026-11.xlsx")); err == nil {
		b.ReportMetric(float64(st.Size())/(1<<20), "cst-MiB")
	}
}

// BenchmarkRunCSV is `consolida run FILE.csv --consiglio=false` on the
// generated CSV (CONSOLIDA_BENCH_ROWS rows).
func BenchmarkRunCSV(b *testing.B) { benchRun(b, benchInput(b, "csv", gen.BenchRows())) }

// BenchmarkRunXLSX is the same on the generated XLSX (a fifth of the rows).
func BenchmarkRunXLSX(b *testing.B) { benchRun(b, benchInput(b, "xlsx", gen.BenchRows()/5)) }

// BenchmarkRunReal is `consolida run ../shared/data/padigitale2026
// --consiglio=false` (skipped when the real data is absent).
func BenchmarkRunReal(b *testing.B) { benchRun(b, testkit.RealData(b)) }

// BenchmarkRunRealCouncil is `consolida run ../shared/data/padigitale2026`
// with the council workbooks (7,867 of them): issue 11's target 5.
func BenchmarkRunRealCouncil(b *testing.B) { benchRunOutput(b, testkit.RealData(b), true) }
