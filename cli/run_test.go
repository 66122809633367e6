package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"consolida/exporter"
	"consolida/funding"
	"consolida/internal/testkit"
	"consolida/pipeline"
)

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
	byComune, total, header := testkit.Summary(t, cst)
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
		if rows := testkit.SheetRows(t, cst, sh); len(rows) < 2 {
			t.Errorf("sheet %s is empty", sh)
		}
	}
	// rejected rows are in Anomalie with file, row, field, reason
	anom := testkit.SheetRows(t, cst, exporter.SheetAnomalies)
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
	sources := testkit.SheetRows(t, cst, exporter.SheetSources)
	text := ""
	for _, r := range sources {
		text += strings.Join(r, " ") + "\n"
	}
	if !strings.Contains(text, "Conservazione delle righe") || strings.Contains(text, "NON RISPETTATA") {
		t.Errorf("Fonti without a holding conservation line:\n%s", text)
	}

	// the CSV: contract header, dot decimals, the same money as Riepilogo
	rows := testkit.ReadCSV(t, filepath.Join(out, "dettaglio_2026-11.csv"))
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
	council := testkit.SheetRows(t, filepath.Join(out, "consiglio", "097058_Olgiate_Molgora.xlsx"), "Finanziamenti")
	var councilTotal funding.Amount
	for _, r := range council {
		if len(r) >= 7 && r[0] == "TOTALE FINANZIATO" {
			councilTotal = testkit.Cents(t, r[6])
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
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", testkit.RealData(t), "--out", out, "--mese", "2026-11", "--consiglio=false", "-q")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	cst := filepath.Join(out, "CST_2026-11.xlsx")
	byComune, total, header := testkit.Summary(t, cst)
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
	for _, r := range testkit.SheetRows(t, cst, exporter.SheetDetail)[1:] {
		label[r[4]] = r[5]
	}
	fromCSV := map[string]map[string]funding.Amount{}
	for _, r := range testkit.ReadCSV(t, filepath.Join(out, "dettaglio_2026-11.csv"))[1:] {
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
	sources := testkit.SheetRows(t, cst, exporter.SheetSources)
	var text strings.Builder
	skipped := false
	for _, r := range sources {
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

const av145 = "1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)"

// TestFormulaInjectionNeutralised: text that a spreadsheet would run as a
// formula reaches the CSV defused with a leading ' and the workbook as
// plain text, never as a formula.
func TestFormulaInjectionNeutralised(t *testing.T) {
	in := t.TempDir()
	testkit.Write(t, in, "=prospetto.csv", "ente,tipologia_ente,comune,cod_comune,provincia,importo_finanziamento,avviso,codice_cup,decreto_finanziamento,stato_candidatura\n"+
		"Comune di Olgiate Molgora,Comuni,Olgiate Molgora,097058,LC,32589.0,"+av145+",D81F22900430006,=SOMMA(A1:A9),A\n"+
		"Comune di Merate,Comuni,Merate,097048,LC,59966.0,"+av145+",E71F22900110006,+39 decreto,A\n"+
		"Comune di Osnago,Comuni,Osnago,097061,LC,5346.0,"+av145+",B41F22900210006,-1/2022,A\n"+
		"Comune di Robbiate,Comuni,Robbiate,097071,LC,14000.0,"+av145+",F71F22900220006,@SUM(A1),A\n")
	out := t.TempDir()
	mustRun(t, "run", in, "--out", out, "--mese", "2026-11", "--consiglio=false", "-q")
	want := map[string]string{ // CUP -> decreto as written
		"D81F22900430006": "=SOMMA(A1:A9)", "E71F22900110006": "+39 decreto", "B41F22900210006": "-1/2022", "F71F22900220006": "@SUM(A1)",
	}
	rows := testkit.ReadCSV(t, filepath.Join(out, "dettaglio_2026-11.csv"))
	if len(rows) != 5 {
		t.Fatalf("CSV rows: %v", rows)
	}
	for _, r := range rows[1:] {
		if r[8] != "'"+want[r[7]] || !strings.HasPrefix(r[13], "'=prospetto.csv:") {
			t.Errorf("CSV row not neutralised: decreto %q, fonte %q", r[8], r[13])
		}
	}
	cst := filepath.Join(out, "CST_2026-11.xlsx")
	f, err := excelize.OpenFile(cst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := 0
	for i, r := range testkit.SheetRows(t, cst, exporter.SheetDetail) {
		if len(r) < 14 || want[r[7]] == "" {
			continue
		}
		found++
		cell, _ := excelize.CoordinatesToCellName(9, i+1)
		formula, err := f.GetCellFormula(exporter.SheetDetail, cell)
		if r[8] != want[r[7]] || formula != "" || err != nil {
			t.Errorf("Dettaglio %s: %q, formula %q (%v)", cell, r[8], formula, err)
		}
	}
	if found != 4 {
		t.Errorf("%d rows in Dettaglio", found)
	}
}

// TestMembers: --membri reports exactly the listed comuni: one known by
// its ISTAT code, one by its name, one without funding (listed with
// zeros, known from the ISTAT list) and an unknown one (an anomaly).
func TestMembers(t *testing.T) {
	dir := t.TempDir()
	list := testkit.ComuniList(t, dir, "097058;Olgiate Molgora;LC;G026;Lecco", "097048;Merate;LC;F133;Lecco",
		"097001;Abbadia Lariana;LC;A005;Lecco", "097074;Santa Maria Hoè;LC;I243;Lecco", "097071;Robbiate;LC;H596;Lecco")
	members := testkit.Write(t, dir, "membri.txt", "097058\nMerate\nAbbadia Lariana\n999999\n")
	all, sel := filepath.Join(dir, "tutti"), filepath.Join(dir, "membri")
	mustRun(t, "run", "samples/", "--out", all, "--mese", "2026-11", "--comuni", list, "--consiglio=false", "-q")
	out := mustRun(t, "run", "samples/", "--out", sel, "--mese", "2026-11", "--comuni", list, "--membri", members, "-q")
	full, _, _ := testkit.Summary(t, filepath.Join(all, "CST_2026-11.xlsx"))
	got, total, header := testkit.Summary(t, filepath.Join(sel, "CST_2026-11.xlsx"))
	if len(got) != 3 {
		t.Fatalf("Riepilogo of the members: %v", got)
	}
	var sum funding.Amount
	for _, istat := range []string{"097058", "097048"} {
		for _, col := range header[3:] {
			if got[istat][col] != full[istat][col] {
				t.Errorf("%s %s: %s, %s without --membri", istat, col, got[istat][col], full[istat][col])
			}
		}
		sum += got[istat]["Totale"]
	}
	if got["097001"] == nil || got["097001"]["Totale"] != 0 || total["Totale"] != sum || sum < 42044100 {
		t.Errorf("Abbadia Lariana %v, TOTALE %s, sum %s", got["097001"], total["Totale"], sum)
	}
	unknown := false
	for _, r := range testkit.SheetRows(t, filepath.Join(sel, "CST_2026-11.xlsx"), exporter.SheetAnomalies)[1:] {
		if len(r) > 4 && r[0] == "membri.txt" && r[4] == "999999" {
			unknown = true
		}
	}
	if !unknown {
		t.Error("the unknown member 999999 is not in Anomalie")
	}
	entries, _ := os.ReadDir(filepath.Join(sel, "consiglio"))
	if len(entries) != 3 {
		t.Errorf("%d council workbooks for 3 members", len(entries))
	}
	if !strings.Contains(out, "comuni 3,") || strings.Contains(out, "fuori selezione 0,") {
		t.Errorf("summary: %s", out)
	}
}

// TestBodyWithoutBodyType: in a file with an ente column and no
// tipologia_ente, a "Comune di X" body (or exactly X) counts for X;
// another body placed in X is altri enti, not X's money.
func TestBodyWithoutBodyType(t *testing.T) {
	in := t.TempDir()
	testkit.Write(t, in, "enti.csv", "Ente beneficiario;Cod. ISTAT;Avviso;CUP;Importo\n"+
		"Comune di Olgiate Molgora;097058;"+av145+";D81F22900430006;32.589,00\n"+
		"Olgiate Molgora;097058;1.4.4 Adozione SPID CIE  - Comuni - Aprile 2022;D81F22900260006;14.000,00\n"+
		"Provincia di Lecco;097042;"+av145+";F61F22900010006;100.000,00\n"+
		"Istituto Comprensivo di Merate;097048;1.2 Abilitazione al Cloud - Scuole - Giugno 2022;E71F22900990006;5.000,00\n")
	out := t.TempDir()
	stdout := mustRun(t, "run", in, "--out", out, "--mese", "2026-11", "--consiglio=false", "-q")
	got, total, _ := testkit.Summary(t, filepath.Join(out, "CST_2026-11.xlsx"))
	if len(got) != 1 || got["097058"]["Totale"] != 4658900 || total["Totale"] != 4658900 {
		t.Errorf("Riepilogo %v, TOTALE %v: want only Olgiate Molgora with 46.589,00", got, total)
	}
	if !strings.Contains(stdout, "consolidate 2, duplicati 0, altri enti 2,") {
		t.Errorf("summary: %s", stdout)
	}
}

// interruptAt makes the commands run by the test cancel ctx (as Ctrl-C
// does) right after the first event that stop accepts.
func interruptAt(t *testing.T, stop func(pipeline.Event) bool) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	wrapProgress = func(p pipeline.Progress) pipeline.Progress {
		return pipeline.ProgressFunc(func(e pipeline.Event) {
			p.Report(e)
			if stop(e) {
				once.Do(cancel)
			}
		})
	}
	t.Cleanup(func() { wrapProgress = nil; cancel() })
	return ctx
}

// files lists every file under dir, hidden ones too, with its size.
func files(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d\n", p, info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestInterrupted: Ctrl-C while the files are read, when the CST
// workbook is about to be written, or while the council workbooks are
// written: exit 130, the message says so, and the previous outputs are
// all there, unchanged, with no temporary file left.
func TestInterrupted(t *testing.T) {
	out := t.TempDir()
	mustRun(t, "run", "samples/", "--out", out, "--mese", "2026-11", "-q")
	before, list := testkit.Dump(t, out), files(t, out)
	for _, tc := range []struct {
		name  string
		procs int
		stop  func(pipeline.Event) bool
	}{
		{"read", 0, func(e pipeline.Event) bool { i, ok := e.(pipeline.StepItem); return ok && i.Step == pipeline.StepRead }},
		{"CST", 0, func(e pipeline.Event) bool { _, ok := e.(pipeline.WritingCST); return ok }},
		{"council", 1, func(e pipeline.Event) bool {
			a, ok := e.(pipeline.StepAdvanced)
			return ok && a.Step == pipeline.StepCouncil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.procs > 0 {
				// one council worker: the interrupt comes while the next
				// workbook waits
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tc.procs))
			}
			ctx := interruptAt(t, tc.stop)
			code, stdout, stderr := runCtx(t, ctx, "run", "samples/candidature_comuni_lecco.csv", "--out", out, "--mese", "2026-11", "-q")
			if code != ExitInterrupted || stdout != "" || stderr != "consolida: interrotto; i prospetti precedenti sono rimasti intatti\n" {
				t.Fatalf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
			}
			if got := files(t, out); got != list {
				t.Fatalf("files after the interrupt:\n%s\nbefore:\n%s", got, list)
			}
			testkit.SameDump(t, before, testkit.Dump(t, out))
		})
	}
	// not interrupted, the same run replaces the outputs
	mustRun(t, "run", "samples/candidature_comuni_lecco.csv", "--out", out, "--mese", "2026-11", "-q")
	if after := testkit.Dump(t, out); after["CST_2026-11.xlsx"] == before["CST_2026-11.xlsx"] {
		t.Error("the run after the interrupts did not replace the CST workbook")
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
