// Package benchkit is what the stage benchmarks share (read CSV, read
// XLSX, map rows, consolidate, write CST, write CSV, write council
// workbooks): the generated inputs of internal/gen, read and consolidated
// once per process, and the CPU seconds they report. Only benchmarks
// import it.
//
// The size comes from CONSOLIDA_BENCH_ROWS (see gen.BenchRows): the
// targets of BENCHMARKS.md are measured with
//
//	CONSOLIDA_BENCH_ROWS=1000000 go test -run '^$' -bench . -benchtime 1x ./...
package benchkit

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"consolida/funding"
	"consolida/importer"
	"consolida/internal/gen"
	"consolida/internal/testkit"
	"consolida/templates"
)

// CPU starts a measure of CPU seconds; the function it returns adds them,
// per operation, to the benchmark's output. The machine is shared: CPU
// seconds (user+system, every goroutine) are the steady figure.
//
//	defer benchkit.CPU(b)()
func CPU(b *testing.B) func() {
	start := testkit.CPUTime()
	return func() {
		b.ReportMetric((testkit.CPUTime()-start).Seconds()/float64(b.N), "cpu-s/op")
	}
}

// Since is the CPU time spent since start (from testkit.CPUTime).
func Since(start time.Duration) time.Duration { return testkit.CPUTime() - start }

// Input is a generated file: its path and how many data rows it holds.
func Input(b *testing.B, format string) (path string, rows int) {
	b.Helper()
	rows = gen.BenchRows()
	if format == "xlsx" {
		rows /= 5
	}
	p, err := gen.BenchFile(format, rows)
	if err != nil {
		b.Fatal(err)
	}
	return p, rows
}

// Options are the importer's options with the embedded catalog and header
// synonyms, as the pipeline sets them.
func Options(b *testing.B) *importer.Options {
	b.Helper()
	cat, err := funding.LoadCatalog(templates.Measures, templates.MeasureRules)
	if err != nil {
		b.Fatal(err)
	}
	syn, err := importer.LoadSynonyms(templates.HeaderSynonyms)
	if err != nil {
		b.Fatal(err)
	}
	return &importer.Options{Catalog: cat, Synonyms: syn}
}

var (
	once  sync.Mutex
	cache = map[int]*Data{}
)

// Data is the generated CSV read and consolidated.
type Data struct {
	Input  funding.Input // what Consolidate was given (Records, Sources...)
	Result *funding.Result
}

// Consolidated reads the generated CSV (CONSOLIDA_BENCH_ROWS rows) and
// consolidates it, once per process; the benchmarks must not change it.
func Consolidated(b *testing.B) *Data {
	b.Helper()
	once.Lock()
	defer once.Unlock()
	path, rows := Input(b, "csv")
	if d := cache[rows]; d != nil {
		return d
	}
	opt := Options(b)
	r, err := importer.ReadFile(path, "righe.csv", 0, opt)
	if err != nil {
		b.Fatal(err)
	}
	in := funding.Input{Catalog: opt.Catalog, Registry: funding.NewRegistry(), Records: r.Records,
		Anomalies: r.Anomalies, Sources: []funding.Source{r.Source}}
	res := funding.Consolidate(in)
	if !res.Conservation.OK {
		b.Fatalf("conservation: %v", res.Conservation.Problems)
	}
	d := &Data{Input: in, Result: res}
	cache[rows] = d
	return d
}

// HeapPeak runs f and returns the most heap memory (live and not yet
// collected objects) that was in use while it ran, above what was in use
// before: what f needed, sampled every 5 ms.
func HeapPeak(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	peak := base
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				peak = max(peak, read())
			}
		}
	}()
	f()
	close(stop)
	<-done
	peak = max(peak, read())
	return peak - base
}
