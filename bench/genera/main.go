// Command genera writes the large inputs of the benchmarks (see
// BENCHMARKS.md): the open-data layout with invented comuni and real avviso
// titles, fixed seed, any number of rows, as CSV and/or XLSX.
//
//	go run ./bench/genera -righe 1000000 -csv /tmp/consolida_bench/csv1m/righe.csv
//	go run ./bench/genera -righe 200000 -xlsx /tmp/consolida_bench/xlsx200k/righe.xlsx
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"consolida/internal/gen"
)

func main() {
	rows := flag.Int("righe", 1_000_000, "numero di righe di dati")
	seed := flag.Uint64("seme", gen.DefaultSeed, "seme del generatore (stesso seme, stessi byte)")
	csvPath := flag.String("csv", "", "scrive il CSV in questo file")
	xlsxPath := flag.String("xlsx", "", "scrive l'XLSX in questo file")
	flag.Parse()
	if *csvPath == "" && *xlsxPath == "" {
		fmt.Fprintln(os.Stderr, "genera: indicare -csv FILE e/o -xlsx FILE")
		os.Exit(2)
	}
	opt := gen.Options{Rows: *rows, Seed: *seed}
	for _, out := range []struct {
		path  string
		write func(*os.File) error
	}{
		{*csvPath, func(f *os.File) error { return gen.WriteCSV(f, opt) }},
		{*xlsxPath, func(f *os.File) error { return gen.WriteXLSX(f, opt) }},
	} {
		if out.path == "" {
			continue
		}
		start := time.Now()
		if err := os.MkdirAll(filepath.Dir(out.path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "genera:", err)
			os.Exit(1)
		}
		f, err := os.Create(out.path)
		if err == nil {
			err = out.write(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "genera:", err)
			os.Exit(1)
		}
		st, _ := os.Stat(out.path)
		fmt.Fprintf(os.Stderr, "%s: %d righe, %.1f MB in %.1f s\n", out.path, *rows, float64(st.Size())/1e6, time.Since(start).Seconds())
	}
}
