// Package testkit holds what the tests of several packages share: where
// the module and the real data are, reading outputs back (sheets, CSV,
// euros), writing small inputs, and comparing sheet dumps. Only tests
// import it.
package testkit

import (
	"bytes"
	"encoding/csv"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"consolida/exporter"
	"consolida/funding"
	"consolida/internal/sheetdump"
)

// Root is the folder of the module (where go.mod is).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Path is a path inside the module.
func Path(elem ...string) string { return filepath.Join(append([]string{Root()}, elem...)...) }

// RealData is the folder of the real open data, ../shared/data/padigitale2026
// beside the module; the test is skipped, saying so, when it is absent.
func RealData(t testing.TB, names ...string) string {
	t.Helper()
	dir := filepath.Join(Root(), "..", "shared", "data", "padigitale2026")
	for _, p := range append([]string{dir}, names...) {
		if p != dir {
			p = filepath.Join(dir, p)
		}
		if _, err := os.Stat(p); err != nil {
			t.Skipf("dati reali assenti (%s): test saltato", p)
		}
	}
	return dir
}

// SheetRows reads a sheet back as stored: raw values, formulas' cached
// results, no recalculation.
func SheetRows(t testing.TB, path, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s, sheet %s: %v", path, sheet, err)
	}
	return rows
}

// Cents reads a number cell written by the exporter back into cents.
func Cents(t testing.TB, s string) funding.Amount {
	t.Helper()
	if s == "" {
		return 0
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("not a number: %q", s)
	}
	r.Mul(r, big.NewRat(100, 1))
	f, _ := r.Float64()
	if f < 0 {
		return funding.Amount(f - 0.5)
	}
	return funding.Amount(f + 0.5)
}

// ReadCSV reads a whole CSV file.
func ReadCSV(t testing.TB, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// Riepilogo maps ISTAT code -> column header -> cents of the Riepilogo
// sheet of a CST workbook, and returns its TOTALE row and its header.
func Summary(t testing.TB, path string) (map[string]map[string]funding.Amount, map[string]funding.Amount, []string) {
	t.Helper()
	rows := SheetRows(t, path, exporter.SheetSummary)
	header := rows[0]
	out := map[string]map[string]funding.Amount{}
	var total map[string]funding.Amount
	for _, r := range rows[1:] {
		if len(r) < 3 {
			continue
		}
		m := map[string]funding.Amount{}
		for i := 3; i < len(header) && i < len(r); i++ {
			m[header[i]] = Cents(t, r[i])
		}
		if r[1] == "TOTALE" {
			total = m
			break
		}
		out[r[0]] = m
	}
	return out, total, header
}

// Write writes a file into dir and returns its path.
func Write(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Copy copies files into dir.
func Copy(t testing.TB, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		Write(t, dir, filepath.Base(f), string(b))
	}
}

// Samples are the sample inputs of the module (samples/*.csv, *.xlsx).
func Samples(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.csv", "*.xlsx"} {
		m, err := filepath.Glob(Path("samples", pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) != 3 {
		t.Fatalf("samples: %v", out)
	}
	return out
}

// ComuniList writes a small ISTAT list of comuni in the layout of
// "Elenco-comuni-italiani.csv": one line per comune, as
// "ISTAT;name;sigla;catastale;province name".
func ComuniList(t testing.TB, dir string, comuni ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("Codice Comune formato alfanumerico;Denominazione (Italiana e straniera);Denominazione in italiano;" +
		"Denominazione altra lingua;Sigla automobilistica;Codice Catastale del comune;Denominazione regione;" +
		"Codice Provincia (Storico)(1);Denominazione dell'Unità territoriale sovracomunale (valida a fini statistici)\n")
	for _, c := range comuni {
		f := strings.Split(c, ";")
		b.WriteString(strings.Join([]string{f[0], f[1], f[1], "", f[2], f[3], "Lombardia", f[0][:3], f[4]}, ";") + "\n")
	}
	return Write(t, dir, "Elenco-comuni-italiani.csv", b.String())
}

var reTime = regexp.MustCompile(`\b\d\d:\d\d(:\d\d)?\b`)

// Dump is the sheet dump (internal/sheetdump) of every workbook and CSV
// under dir, with the times of day masked.
func Dump(t testing.TB, dir string) map[string]string {
	t.Helper()
	d, err := sheetdump.Tree(dir, sheetdump.Options{Volatile: func(s string) string { return reTime.ReplaceAllString(s, "hh:mm") }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// SameDump fails the test at the first difference between two dumps.
func SameDump(t testing.TB, want, got map[string]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d output files, then %d", len(want), len(got))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Fatalf("%s is missing", name)
		}
		if g == w {
			continue
		}
		a, b := strings.Split(w, "\n"), strings.Split(g, "\n")
		for i := range a {
			if i >= len(b) || a[i] != b[i] {
				t.Fatalf("%s differs at line %d:\n%q\n%q", name, i+1, a[i], b[min(i, len(b)-1)])
			}
		}
		t.Fatalf("%s differs", name)
	}
}
