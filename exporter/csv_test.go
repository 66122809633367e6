package exporter

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"consolida/funding"
)

func TestNeutralize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Lecco", "Lecco"},
		{"=1+1", "'=1+1"},
		{"+39 0341", "'+39 0341"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{" =1", " =1"},
	} {
		if got := Neutralize(tc.in); got != tc.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestWriteCSV(t *testing.T) {
	recs := []funding.Record{
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "D81F22003430006", avPND, funding.StatusErogata, 20250813, centsOlgiate),
		rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, centsLecco),
		rec(0, 4, "097042", "Lecco", "LC", "E41F22001110006", avIO, funding.StatusRenounced, 20231005, 5),
		rec(1, 3, "090064", "Sassari", "SS", "B81F22002220006", avPND, funding.StatusAssigned, 0, centsSassari),
	}
	// what a hostile file could put in free-text fields
	recs[0].Decreto = `=HYPERLINK("http://x","y")`
	recs[1].IPA = "+c_e507"
	recs[2].Decreto = "@SUM(1)"
	recs[3].Decreto = "\tDecreto"
	recs[3].IPA = "\r"
	recs[3].Pos.File = "-b.csv"
	res := consolidated(t, recs, nil)
	p := filepath.Join(t.TempDir(), "dettaglio_2026-11.csv")
	if err := WriteCSV(p, &Report{Result: res, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	got := readCSV(t, p)
	if !reflect.DeepEqual(got[0], CSVHeader) {
		t.Fatalf("header %q", got[0])
	}
	if len(got) != 5 {
		t.Fatalf("%d lines, want header + 4", len(got))
	}
	col := map[string]int{}
	for i, h := range CSVHeader {
		col[h] = i
	}
	byCUP := map[string][]string{}
	for _, r := range got[1:] {
		if len(r) != len(CSVHeader) {
			t.Fatalf("line %q has %d fields", r, len(r))
		}
		byCUP[r[col["cup"]]] = r
	}
	for _, tc := range []struct {
		cup, field, want string
	}{
		{"D81F22003430006", "importo", "32589.00"},
		{"E41F22001100006", "importo", "10000.50"},
		{"E41F22001110006", "importo", "0.05"},
		{"B81F22002220006", "importo", "50123.45"},
		{"D81F22003430006", "decreto", `'=HYPERLINK("http://x","y")`},
		{"E41F22001100006", "codice_ipa", "'+c_e507"},
		{"E41F22001110006", "decreto", "'@SUM(1)"},
		{"B81F22002220006", "decreto", "'\tDecreto"},
		{"B81F22002220006", "codice_ipa", "'\r"},
		{"B81F22002220006", "fonte", "'-b.csv:3"},
		{"D81F22003430006", "stato", "E"},
		{"D81F22003430006", "data_stato", "2025-08-13"},
		{"B81F22002220006", "data_stato", ""},
		{"D81F22003430006", "data_finanziamento", "2022-08-01"},
		{"D81F22003430006", "cod_istat", "097058"},
		{"D81F22003430006", "misura", "1.4.5"},
	} {
		r, ok := byCUP[tc.cup]
		if !ok {
			t.Fatalf("no line for CUP %s", tc.cup)
		}
		if v := r[col[tc.field]]; v != tc.want {
			t.Errorf("CUP %s %s = %q, want %q", tc.cup, tc.field, v, tc.want)
		}
	}
}

func TestWriteCSVNoRows(t *testing.T) {
	res := consolidated(t, nil, nil)
	p := filepath.Join(t.TempDir(), "dettaglio.csv")
	if err := WriteCSV(p, &Report{Result: res, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := "cod_istat,comune,provincia,codice_ipa,misura,misura_label,avviso,cup,decreto,data_finanziamento,stato,data_stato,importo,fonte\n"
	if string(b) != want {
		t.Errorf("file %q, want the header alone", b)
	}
}
