package exporter

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"consolida/funding"
	"consolida/importer"
	"consolida/internal/gen"
	"consolida/templates"
)

// consolidateFiles reads inputs (files and folders) as a run does and
// consolidates them with an empty registry.
func consolidateFiles(t *testing.T, inputs ...string) *funding.Result {
	t.Helper()
	cat, err := funding.LoadCatalog(templates.Measures, templates.MeasureRules)
	if err != nil {
		t.Fatal(err)
	}
	syn, err := importer.LoadSynonyms(templates.HeaderSynonyms)
	if err != nil {
		t.Fatal(err)
	}
	coll, err := importer.Collect(inputs, importer.CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	batch := importer.ReadAll(coll.Files, &importer.Options{Catalog: cat, Synonyms: syn}, nil)
	if len(batch.Failed) > 0 {
		t.Fatal(batch.Failed[0])
	}
	res := funding.Consolidate(funding.Input{Catalog: cat, Registry: funding.NewRegistry(), Records: batch.Records,
		Anomalies: batch.Anomalies, Sources: batch.Sources})
	if !res.Conservation.OK {
		t.Fatalf("conservation: %v", res.Conservation.Problems)
	}
	return res
}

// TestFastRendererRealData: the CST workbook of the real folder, and that
// of a generated national file (comuni of every province, national
// totals), written through excelize alone and through the fast path, are
// the same part by part (the national Dettaglio split over several
// sheets).
func TestFastRendererRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("the real folder's workbook rendered twice: not in -short")
	}
	meta := Meta{Month: "2026-11", Generated: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)}
	t.Run("real folder", func(t *testing.T) {
		dir := filepath.Join("..", "..", "shared", "data", "padigitale2026") // testkit imports exporter
		if _, err := os.Stat(dir); err != nil {
			t.Skipf("dati reali assenti (%s): test saltato", dir)
		}
		res := consolidateFiles(t, dir)
		if len(res.Candidature) < 1000 || len(res.Anomalies) == 0 {
			t.Fatalf("%d candidature, %d anomalies: not the real folder", len(res.Candidature), len(res.Anomalies))
		}
		sameWorkbooks(t, "real folder", cstBook(&Report{Result: res, Meta: meta}, maxDataRows))
	})
	t.Run("national", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "nazionale.csv")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := gen.WriteCSV(f, gen.Options{Rows: 30_000}); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		res := consolidateFiles(t, p)
		var provinces = map[string]bool{}
		for _, c := range res.Comuni {
			provinces[c.Comune.Province] = true
		}
		if len(provinces) < 50 {
			t.Fatalf("%d provinces: not a national file", len(provinces))
		}
		sameWorkbooks(t, "national, 12,000 rows a sheet", cstBook(&Report{Result: res, Meta: meta}, 12_000))
	})
}
