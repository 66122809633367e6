package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"consolida/exporter"
	"consolida/funding"
)

const realData = "../shared/data/padigitale2026"

func needRealData(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realData); err != nil {
		t.Skipf("dati reali assenti (%s): test saltato", realData)
	}
}

// runCLI runs the command line in-process and returns status and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"consolida"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// sheetRows reads a sheet back as stored: raw values, formulas' cached
// results, no recalculation.
func sheetRows(t *testing.T, path, sheet string) [][]string {
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

// cents reads a number cell written by the exporter back into cents.
func cents(t *testing.T, s string) funding.Amount {
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

func readCSV(t *testing.T, path string) [][]string {
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

// riepilogo maps ISTAT code -> column header -> cents, and returns the
// TOTALE row too.
func riepilogo(t *testing.T, path string) (map[string]map[string]funding.Amount, map[string]funding.Amount, []string) {
	rows := sheetRows(t, path, exporter.SheetRiepilogo)
	header := rows[0]
	out := map[string]map[string]funding.Amount{}
	var total map[string]funding.Amount
	for _, r := range rows[1:] {
		if len(r) < 3 {
			continue
		}
		m := map[string]funding.Amount{}
		for i := 3; i < len(header) && i < len(r); i++ {
			m[header[i]] = cents(t, r[i])
		}
		if r[1] == "TOTALE" {
			total = m
			break
		}
		out[r[0]] = m
	}
	return out, total, header
}

func TestRunSamples(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "samples/", "--out", out, "--mese", "2026-11", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	cst := filepath.Join(out, "CST_2026-11.xlsx")
	f, err := excelize.OpenFile(cst)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Riepilogo", "Dettaglio", "Per misura", "Anomalie", "Fonti"}
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sheets %v, want %v", got, want)
	}
	f.Close()

	// the seed case: Olgiate Molgora's seven measures
	byComune, total, header := riepilogo(t, cst)
	if strings.Join(header[:3], "|") != "Codice ISTAT|Comune|Provincia" || header[len(header)-1] != "Totale" {
		t.Errorf("Riepilogo header %v", header)
	}
	olg := byComune["097058"]
	seed := map[string]funding.Amount{
		"1.2 Abilitazione al cloud": 12199900, "1.4.1 Esperienza del cittadino": 15523400, "1.4.3 App IO": 343000,
		"1.4.4 SPID CIE": 1400000, "1.4.5 Notifiche digitali": 3258900, "1.3.1 PDND": 2034400, "1.4.3 pagoPA": 7284500,
		"Totale": 42044100,
	}
	for col, want := range seed {
		if olg[col] != want {
			t.Errorf("Olgiate Molgora, %s = %s, want %s", col, olg[col], want)
		}
	}
	// the TOTALE row carries numbers, and they are the column sums
	var sum funding.Amount
	for _, m := range byComune {
		sum += m["Totale"]
	}
	if total["Totale"] != sum || sum == 0 {
		t.Errorf("TOTALE %s, sum of rows %s", total["Totale"], sum)
	}

	// every sheet has content
	for _, sh := range want {
		if rows := sheetRows(t, cst, sh); len(rows) < 2 {
			t.Errorf("sheet %s is empty", sh)
		}
	}
	// rejected rows are in Anomalie with file, row, field, reason
	anom := sheetRows(t, cst, exporter.SheetAnomalie)
	if strings.Join(anom[0][:7], "|") != "File|Foglio|Riga|Campo|Valore|Motivo|Suggerimento" {
		t.Errorf("Anomalie header %v", anom[0])
	}
	found := false
	for _, r := range anom[1:] {
		if r[0] == "ufficio_ragioneria_olgiate.csv" && r[2] == "6" && r[3] == "importo" && r[4] == "n.d." && r[5] != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("the n.d. amount of ufficio_ragioneria_olgiate.csv row 6 is not in Anomalie: %v", anom)
	}
	// conservation is stated in Fonti
	fonti := sheetRows(t, cst, exporter.SheetFonti)
	text := ""
	for _, r := range fonti {
		text += strings.Join(r, " ") + "\n"
	}
	if !strings.Contains(text, "Conservazione delle righe") || strings.Contains(text, "NON RISPETTATA") {
		t.Errorf("Fonti without a holding conservation line:\n%s", text)
	}

	// the CSV: contract header, dot decimals, the same money as Riepilogo
	rows := readCSV(t, filepath.Join(out, "dettaglio_2026-11.csv"))
	if strings.Join(rows[0], ",") != strings.Join(exporter.CSVHeader, ",") {
		t.Errorf("CSV header %v", rows[0])
	}
	var olgCSV funding.Amount
	for _, r := range rows[1:] {
		a, err := funding.ParseNumber(r[12])
		if err != nil || !strings.Contains(r[12], ".") || len(r[12])-strings.Index(r[12], ".") != 3 {
			t.Errorf("importo %q not a dot-decimal with two places", r[12])
		}
		if r[0] == "097058" && (r[10] == "A" || r[10] == "E") {
			olgCSV += a
		}
	}
	if olgCSV != 42044100 {
		t.Errorf("CSV: Olgiate Molgora A+E = %s, want 420.441,00", olgCSV)
	}

	// one council workbook per comune of Riepilogo, with a safe name
	entries, err := os.ReadDir(filepath.Join(out, "consiglio"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(byComune) {
		t.Errorf("%d council workbooks for %d comuni", len(entries), len(byComune))
	}
	for _, e := range entries {
		if strings.ContainsAny(e.Name(), `/\:*?"<>| '`) || !strings.HasSuffix(e.Name(), ".xlsx") {
			t.Errorf("unsafe file name %q", e.Name())
		}
	}
	council := sheetRows(t, filepath.Join(out, "consiglio", "097058_Olgiate_Molgora.xlsx"), "Finanziamenti")
	var councilTotal funding.Amount
	for _, r := range council {
		if len(r) >= 7 && r[0] == "TOTALE FINANZIATO" {
			councilTotal = cents(t, r[6])
		}
	}
	if councilTotal != 42044100 {
		t.Errorf("council workbook total %s, want 420.441,00", councilTotal)
	}
}

// TestRunRealData runs on every real file together and checks the figures
// of issue 2 for Olgiate Molgora, conservation, and that Riepilogo and the
// CSV agree for every comune and measure.
func TestRunRealData(t *testing.T) {
	needRealData(t)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", realData, "--out", out, "--mese", "2026-11", "--consiglio=false", "-q")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	cst := filepath.Join(out, "CST_2026-11.xlsx")
	byComune, total, header := riepilogo(t, cst)
	want := map[string]funding.Amount{
		"1.1 Infrastrutture digitali": 0, "1.2 Abilitazione al cloud": 12199200, "1.3.1 PDND": 2034400,
		"1.3.1 PDND - ANNCSU": 432640, "1.4.1 Esperienza del cittadino": 15523400, "1.4.3 pagoPA": 0,
		"1.4.3 App IO": 1715000, "1.4.4 SPID CIE": 1400000, "1.4.4 ANPR ANSC": 0, "1.4.5 Notifiche digitali": 3258900,
		"Totale": 36563540,
	}
	olg := byComune["097058"]
	for col, w := range want {
		if olg[col] != w {
			t.Errorf("Olgiate Molgora, %s = %s, want %s", col, olg[col], w)
		}
	}
	// CSV and Riepilogo: the same money for every comune and measure
	label := map[string]string{}
	for _, r := range sheetRows(t, cst, exporter.SheetDettaglio)[1:] {
		label[r[4]] = r[5]
	}
	fromCSV := map[string]map[string]funding.Amount{}
	for _, r := range readCSV(t, filepath.Join(out, "dettaglio_2026-11.csv"))[1:] {
		if r[10] != "A" && r[10] != "E" {
			continue
		}
		a, err := funding.ParseNumber(r[12])
		if err != nil {
			t.Fatal(err)
		}
		if fromCSV[r[0]] == nil {
			fromCSV[r[0]] = map[string]funding.Amount{}
		}
		fromCSV[r[0]][r[5]] += a
		fromCSV[r[0]]["Totale"] += a
	}
	mismatch := 0
	for istat, m := range byComune {
		for _, col := range header[3:] {
			if m[col] != fromCSV[istat][col] {
				mismatch++
				if mismatch < 5 {
					t.Errorf("%s %s: Riepilogo %s, CSV %s", istat, col, m[col], fromCSV[istat][col])
				}
			}
		}
	}
	var grand funding.Amount
	for _, m := range fromCSV {
		grand += m["Totale"]
	}
	if grand != total["Totale"] {
		t.Errorf("grand total: Riepilogo %s, CSV %s", total["Totale"], grand)
	}
	// Fonti: conservation holds, avvisi.csv is listed as skipped
	fonti := sheetRows(t, cst, exporter.SheetFonti)
	var text strings.Builder
	skipped := false
	for _, r := range fonti {
		text.WriteString(strings.Join(r, " ") + "\n")
		if len(r) > 15 && r[0] == "avvisi.csv" && strings.Contains(r[15], "non letto") {
			skipped = true
		}
	}
	if !strings.Contains(text.String(), "lette 113.359") || strings.Contains(text.String(), "NON RISPETTATA") {
		t.Errorf("conservation line missing or broken:\n%s", text.String())
	}
	if !skipped {
		t.Error("avvisi.csv is not listed as skipped in Fonti")
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	pdf := filepath.Join(dir, "prospetto.xlsx")
	os.WriteFile(pdf, []byte("%PDF-1.4\n%fake\n"), 0o644)
	empty := filepath.Join(dir, "vuoto.csv")
	os.WriteFile(empty, nil, 0o644)
	enc := filepath.Join(dir, "protetto.xlsx")
	ef := excelize.NewFile()
	ef.SetCellValue("Sheet1", "A1", "Comune")
	if err := ef.SaveAs(enc, excelize.Options{Password: "segreta"}); err != nil {
		t.Fatal(err)
	}
	ef.Close()
	headerOnly := filepath.Join(dir, "intestazione.csv")
	os.WriteFile(headerOnly, []byte("Comune;Importo;Avviso\n"), 0o644)
	docs := filepath.Join(dir, "cartella")
	os.Mkdir(docs, 0o755)
	os.WriteFile(filepath.Join(docs, "decreto.pdf"), []byte("%PDF-1.4\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no inputs", []string{"run", "--out", dir}, exitUsage, "indicare almeno un file"},
		{"no out", []string{"run", "samples/"}, exitUsage, "--out"},
		{"bad mese", []string{"run", "samples/", "--out", dir, "--mese", "11-2026"}, exitUsage, "--mese"},
		{"unknown flag", []string{"run", "samples/", "--out", dir, "--boh"}, exitUsage, "opzione sconosciuta"},
		{"ledger without config", []string{"run", "samples/", "--out", dir, "--ledger", "x.db"}, exitUsage, "--ledger si usa con --config"},
		{"missing input", []string{"run", filepath.Join(dir, "nessuno"), "--out", dir}, exitFailed, "inesistente"},
		{"pdf renamed xlsx", []string{"run", pdf, "--out", dir, "-q"}, exitFailed, "prospetto.xlsx: il file è un PDF"},
		{"empty file", []string{"run", empty, "--out", dir, "-q"}, exitFailed, "vuoto.csv: il file è vuoto"},
		{"encrypted xlsx", []string{"run", enc, "--out", dir, "-q"}, exitFailed, "protetto.xlsx: il file è protetto da password"},
		{"strict with rejected rows", []string{"run", "samples/", "--out", dir, "--strict", "-q"}, exitRejected, "--strict"},
		{"header only", []string{"run", headerOnly, "--out", dir, "-q"}, exitOK, ""},
		{"a pdf in a folder is listed, not fatal", []string{"run", docs, "--out", dir, "-q"}, exitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.msg)
			}
			if strings.Contains(stderr, "goroutine") || strings.Count(strings.TrimSpace(stderr), "\n") > 3 {
				t.Errorf("not a short message: %q", stderr)
			}
		})
	}
}

func TestCheckPrintsMapping(t *testing.T) {
	code, out, stderr := runCLI(t, "check", "samples/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"codifica Windows-1252, separatore ';'",
		`"Importo finanziato (€)"`, "-> importo",
		`"Note"`, "ignorata",
		"intestazione alla riga 5",
		"riga di totale",
		"righe lette 6",
		"riga 6, colonna F, importo \"n.d.\": importo mancante",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckRealFiles(t *testing.T) {
	needRealData(t)
	code, out, stderr := runCLI(t, "check", realData, filepath.Join(realData, "KPI"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"candidature_finanziate_145.csv", "-> cup", "righe lette 7.707",
		"avvisi.csv", "non è un elenco di finanziamenti",
		"importi_per_comune.csv",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q", want)
		}
	}
}

// TestAmountsBeyondAnyTotal: a file whose amounts, each within the bound
// of one amount, add up to more than int64 cents hold. `run` used to
// write a negative total with "conservazione rispettata"; now it writes
// nothing and says why (exit 1), and the ledger refuses the file.
func TestAmountsBeyondAnyTotal(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("codice_ipa,ente,tipologia_ente,comune,cod_comune,provincia,importo_finanziamento,avviso,codice_cup,stato_candidatura,data_stato_candidatura\n")
	for i := 0; i < 93; i++ {
		fmt.Fprintf(&b, "c_g026,Comune di Olgiate Molgora,Comuni,Olgiate Molgora,097058,LC,1000000000000000,1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022),D81F22%09d,A,2023-01-03\n", i)
	}
	in := filepath.Join(dir, "enormi.csv")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "uscita")
	code, stdout, stderr := runCLI(t, "run", in, "--out", out, "--mese", "2026-11", "-q")
	if code != 1 || !strings.Contains(stdout+stderr, "massimo rappresentabile") || !strings.Contains(stderr, "nessun prospetto scritto") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "CST_2026-11.xlsx")); !os.IsNotExist(err) {
		t.Fatalf("a workbook was written: %v", err)
	}
	db := filepath.Join(dir, "consolida.db")
	code, stdout, stderr = runCLI(t, "import", in, "--ledger", db, "-q")
	if code != 1 || !strings.Contains(stdout, "NON importato") || !strings.Contains(stdout, "massimo rappresentabile") {
		t.Fatalf("import: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
