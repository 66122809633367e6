package exporter

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"consolida/funding"
)

// TestWriteCSVExcel: the Italian-Excel CSV has a BOM, ';', CRLF, the
// Dettaglio headings, amounts with a decimal comma, Italian dates, codes
// Excel keeps as text, and text neutralised and without control
// characters; it holds the same candidature and euros as the contract
// CSV.
func TestWriteCSVExcel(t *testing.T) {
	recs := []funding.Record{
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "D81F22003430006", avPND, funding.StatusErogata, 20250813, centsOlgiate),
		rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, centsLecco),
		rec(0, 4, "097042", "Lecco", "LC", "E41F22001110006", avIO, funding.StatusRenounced, 20231005, 5),
		rec(1, 3, "090064", "Sassari", "SS", `B81"F22`, avPND, funding.StatusAssigned, 0, centsSassari),
	}
	recs[0].Decreto = `=HYPERLINK("http://x","y")`
	recs[1].IPA = "+c_e507"
	recs[1].Decreto = "Decreto n. 85\ndel 14/12/2022"
	recs[2].Decreto = "@SUM(1)"
	recs[3].Decreto = "\t=1+1"
	recs[3].Pos.File = "-b.csv"
	res := consolidated(t, recs, nil)
	dir := t.TempDir()
	p := filepath.Join(dir, "dettaglio_2026-11_excel.csv")
	if err := WriteCSVExcel(p, &Report{Result: res, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbfCodice ISTAT;Comune;Provincia;")) || !bytes.HasSuffix(b, []byte("\r\n")) ||
		bytes.Count(b, []byte("\r\n")) != 5 || bytes.Count(b, []byte("\n")) != 5 {
		t.Fatalf("not BOM, ';' and CRLF lines:\n%q", b)
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.Comma = ';'
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[0], DetailHeader) {
		t.Fatalf("header %q", got[0])
	}
	col := map[string]int{}
	for i, h := range DetailHeader {
		col[h] = i
	}
	byCUP := map[string][]string{}
	for _, r := range got[1:] {
		byCUP[r[col["CUP"]]] = r
	}
	for _, tc := range []struct{ cup, field, want string }{
		{`="D81F22003430006"`, "Codice ISTAT", `="097058"`},
		{`="D81F22003430006"`, "Importo", "32589,00"},
		{`="E41F22001100006"`, "Importo", "10000,50"},
		{`="E41F22001110006"`, "Importo", "0,05"},
		{`="D81F22003430006"`, "Decreto", `'=HYPERLINK("http://x","y")`},
		{`="E41F22001100006"`, "Codice IPA", "'+c_e507"},
		{`="E41F22001100006"`, "Decreto", "Decreto n. 85 del 14/12/2022"},
		{`="E41F22001110006"`, "Decreto", "'@SUM(1)"},
		{`B81"F22`, "Decreto", "' =1+1"},
		{`B81"F22`, "Fonte", "'-b.csv:3"},
		{`B81"F22`, "Codice ISTAT", `="090064"`},
		{`="D81F22003430006"`, "Stato", "E - erogata"},
		{`="D81F22003430006"`, "Data stato", "13/08/2025"},
		{`B81"F22`, "Data stato", ""},
		{`="D81F22003430006"`, "Data finanziamento", "01/08/2022"},
		{`="D81F22003430006"`, "Misura (id)", "1.4.5"},
	} {
		r, ok := byCUP[tc.cup]
		if !ok {
			t.Fatalf("no line for CUP %s among %v", tc.cup, got)
		}
		if v := r[col[tc.field]]; v != tc.want {
			t.Errorf("CUP %s %s = %q, want %q", tc.cup, tc.field, v, tc.want)
		}
	}

	// the same rows and euros as the contract CSV
	c := filepath.Join(dir, "dettaglio_2026-11.csv")
	if err := WriteCSV(c, &Report{Result: res, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	contract := readCSV(t, c)
	if len(contract) != len(got) {
		t.Fatalf("%d lines, the contract CSV %d", len(got), len(contract))
	}
	for i := 1; i < len(got); i++ {
		if strings.Replace(contract[i][12], ".", ",", 1) != got[i][col["Importo"]] || contract[i][0] != strings.Trim(got[i][0], `="`) {
			t.Errorf("line %d: %q, contract %q", i, got[i], contract[i])
		}
	}
}

func TestExcelCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"097058", `="097058"`},
		{" D81F22003430006 ", `="D81F22003430006"`},
		{`1"+"2`, `1"+"2`},
		{"=1+1", "'=1+1"},
	} {
		if got := excelCode(tc.in); got != tc.want {
			t.Errorf("excelCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
