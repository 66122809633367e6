package exporter

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
	"consolida/internal/sheetdump"
	"consolida/templates"
)

// The avvisi of the fixture, as the open data writes them.
const (
	avPago = "1.4.3 - pagoPA - Comuni - Aprile 2022"
	avIO   = "1.4.3 - app IO - Comuni - Aprile 2022"
	avPND  = "1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)"
)

// rec is a comune's row of the open-data kind.
func rec(file int32, row int, istat, name, prov, cup, avviso string, st funding.Status, date funding.Date, cents funding.Amount) funding.Record {
	return funding.Record{
		Pos: funding.Pos{File: []string{"a.csv", "b.csv"}[file], Row: row}, FileIdx: file,
		Owner: funding.OwnerComune, Body: "Comune di " + name, BodyType: "Comuni",
		Comune: name, ISTAT: istat, Province: prov, IPA: "c_" + istat, CUP: cup, Avviso: avviso, Decreto: "Decreto n. 28-2/2022",
		StatusDate: date, FundingDate: 20220801, Status: st, Amount: cents, AmountOK: true,
	}
}

// consolidated runs funding.Consolidate over recs (a.csv and b.csv) and
// the given anomalies, failing the test if conservation breaks.
func consolidated(t *testing.T, recs []funding.Record, anomalies []funding.Anomaly) *funding.Result {
	t.Helper()
	cat, err := funding.LoadCatalog(templates.Measures, templates.MeasureRules)
	if err != nil {
		t.Fatal(err)
	}
	srcs := []funding.Source{{Name: "a.csv", Format: "CSV (UTF-8, separatore ',')"}, {Name: "b.csv", Format: "CSV (UTF-8, separatore ';')"}}
	for i := range recs {
		id, err := cat.Classify(recs[i].Avviso, "")
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		recs[i].Measure = id
		srcs[recs[i].FileIdx].Read.Add(recs[i].Amount)
	}
	res := funding.Consolidate(funding.Input{Catalog: cat, Registry: funding.NewRegistry(), Records: recs, Anomalies: anomalies, Sources: srcs})
	if !res.Conservation.OK {
		t.Fatalf("conservation broken: %v", res.Conservation.Problems)
	}
	return res
}

// Funded amounts of the fixture, in cents (A and E winners only).
const (
	centsOlgiate = 3258900
	centsLecco   = 1000050
	centsSassari = 5012345
	centsFunded  = centsOlgiate + centsLecco + centsSassari
)

// fixture is three comuni of two provinces: Olgiate Molgora read twice
// (assigned, then paid), Lecco with a funded and a renounced candidatura,
// Sassari with one; one anomaly.
func fixture(t *testing.T) *funding.Result {
	t.Helper()
	return consolidated(t, []funding.Record{
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "D81F22003430006", avPND, funding.StatusAssigned, 20230103, centsOlgiate),
		rec(1, 2, "097058", "Olgiate Molgora", "LC", "D81F22003430006", avPND, funding.StatusErogata, 20250813, centsOlgiate),
		rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, centsLecco),
		rec(0, 4, "097042", "Lecco", "LC", "E41F22001110006", avIO, funding.StatusRenounced, 20231005, 500000),
		rec(1, 3, "090064", "Sassari", "SS", "B81F22002220006", avPND, funding.StatusAssigned, 20230301, centsSassari),
	}, []funding.Anomaly{{
		Pos: funding.Pos{File: "b.csv", Row: 9, Col: "F"}, Field: "importo", Value: "dodicimila",
		Reason: "importo non valido", Suggestion: "scrivere l'importo in cifre",
	}})
}

var testMeta = Meta{Month: "2026-11", Generated: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC), Scope: "provincia LC"}

// render writes b with r into a temporary file and returns its path.
func render(t *testing.T, r renderer, b *book) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "book.xlsx")
	if err := WriteFileAtomic(p, func(w io.Writer) error { return r.render(w, b) }); err != nil {
		t.Fatal(err)
	}
	return p
}

func open(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func rows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	r, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// dumpSheets is the sheetdump of a workbook cut at each sheet, keyed by
// sheet name (the workbook-level lines go under "").
func dumpSheets(t *testing.T, path string) map[string]string {
	t.Helper()
	d, err := sheetdump.Workbook(path, sheetdump.Options{})
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]*strings.Builder{} // a dump may have a million lines
	cur := ""
	for _, line := range strings.SplitAfter(d, "\n") {
		if name, ok := strings.CutPrefix(line, "== sheet "); ok {
			cur = strings.Trim(strings.TrimSpace(name), `"`)
		} else if strings.HasPrefix(line, "== ") {
			cur = ""
		}
		if parts[cur] == nil {
			parts[cur] = &strings.Builder{}
		}
		parts[cur].WriteString(line)
	}
	out := map[string]string{}
	for k, b := range parts {
		out[k] = b.String()
	}
	return out
}

// dumpLine is the value of the first line of a sheet's dump that starts
// with key ("autofilter", "panes"...), or "" if there is none.
func dumpLine(dump, key string) string {
	for _, line := range strings.Split(dump, "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			return v
		}
	}
	return ""
}

// fileNames lists the entries of dir.
func fileNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
