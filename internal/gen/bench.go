package gen

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// The benchmarks of every stage read generated files of one size, set by
// the environment so that `go test ./...` (which runs no benchmark) and a
// plain `go test -bench .` stay quick:
//
//	CONSOLIDA_BENCH_ROWS=1000000 go test -run '^$' -bench . ./...
//
// gives the sizes of the targets of BENCHMARKS.md: the CSV has that many
// rows and the XLSX a fifth of them (1M and 200k).

// DefaultBenchRows is the CSV size of the benchmarks without
// CONSOLIDA_BENCH_ROWS.
const DefaultBenchRows = 20_000

// BenchRows is the number of CSV rows of the benchmarks (the XLSX has a
// fifth of them).
func BenchRows() int {
	if n, err := strconv.Atoi(os.Getenv("CONSOLIDA_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return DefaultBenchRows
}

// BenchFile returns a generated file of rows rows with the default seed,
// as "csv" or "xlsx", kept in CONSOLIDA_BENCH_DIR (default: the temporary
// folder) and generated only when absent: the same size and seed give the
// same bytes, so a kept file is the file.
func BenchFile(format string, rows int) (string, error) {
	dir := os.Getenv("CONSOLIDA_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "consolida-bench")
	}
	write := WriteCSV
	switch format {
	case "csv":
	case "xlsx":
		write = WriteXLSX
	default:
		return "", fmt.Errorf("gen: unknown format %q", format)
	}
	path := filepath.Join(dir, fmt.Sprintf("righe_%d_%d.%s", rows, DefaultSeed, format))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".gen-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	err = write(tmp, Options{Rows: rows})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	// the name is taken only by a complete file: two benchmarks that
	// generate at once both rename a whole file
	return path, os.Rename(tmp.Name(), path)
}
