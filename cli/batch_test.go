package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"consolida/exporter"
	"consolida/funding"
	"consolida/importer"
	"consolida/internal/testkit"
	"consolida/ledger"
	"consolida/pipeline"
	"consolida/templates"
)

// The batch tests run on the samples and on files they write; the ones
// on the real snapshots of the 1.4.5 list skip when ../shared is absent.
const (
	batch145Feb  = "candidature_finanziate_145_2025-02-11.csv"
	batch145Aug  = "candidature_finanziate_145_2025-08-22.csv"
	batch145Head = "candidature_finanziate_145.csv"
)

func realFiles(t *testing.T, names ...string) []string {
	t.Helper()
	dir := testkit.RealData(t, names...)
	var out []string
	for _, n := range names {
		out = append(out, filepath.Join(dir, n))
	}
	return out
}

// batchSetup prepares a monthly folder with `consolida init` and drops the
// files in its inbox. It returns the folder and the config path.
func batchSetup(t *testing.T, extra string, files ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	mustRun(t, "init", dir)
	cfg := filepath.Join(dir, "consolida.toml")
	if extra != "" {
		// a key of the example is replaced, another one is added
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		key, _, _ := strings.Cut(extra, "=")
		key = strings.TrimSpace(key) + " ="
		replaced := false
		for i, l := range lines {
			if strings.HasPrefix(l, key) {
				lines[i], replaced = extra, true
			}
		}
		if !replaced {
			lines = append(lines, extra)
		}
		if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Copy(t, filepath.Join(dir, "inbox"), files...)
	return dir, cfg
}

// openDataCSV writes a file in the layout of the ministry's open data
// with n candidature of the comuni of the samples (distinct CUPs).
func openDataCSV(t *testing.T, dir, name string, n, seed int) string {
	t.Helper()
	comuni := []string{"c_g026,Comune di Olgiate Molgora,Comuni,Olgiate Molgora,097058", "c_f133,Comune di Merate,Comuni,Merate,097048",
		"c_g161,Comune di Osnago,Comuni,Osnago,097061"}
	var b strings.Builder
	b.WriteString("codice_ipa,ente,tipologia_ente,comune,cod_comune,provincia,cod_provincia,regione,cod_regione,importo_finanziamento,avviso,data_invio_candidatura,data_finanziamento,codice_cup,numero_finestra_temporale,stato_candidatura\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s,LC,097,Lombardia,03,%d.%d,%s,2022-09-%02dT10:00:00.000+0000,2023-01-03,D81F%02d%09d,1,%c\n",
			comuni[i%len(comuni)], 1000+(i*7+seed)%90000, i%10, av145, 1+i%28, seed, i, "AE"[i%2])
	}
	return testkit.Write(t, dir, name, b.String())
}

// TestBatchRunTwiceSameWorkbooks: a second monthly run with nothing new
// imports nothing and writes workbooks with the same cells; a file
// dropped again is recognised and archived beside the first copy; the
// outputs equal those of `run` over the same files; storico lists the
// three runs.
func TestBatchRunTwiceSameWorkbooks(t *testing.T) {
	files := testkit.Samples(t)
	dir, cfg := batchSetup(t, `provincia = ["LC"]`, files...)
	outDir := filepath.Join(dir, "uscita")
	out1 := mustRun(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if !strings.Contains(out1, "cartella inbox: 3 file; importati 3 (25 righe), già nel registro 0, non importati 0") ||
		!strings.Contains(out1, "spostati in "+filepath.Join(dir, "archivio", "2026-08")+": 3 file") ||
		!strings.Contains(out1, "novità (primo prospetto del registro: tutte le candidature sono nuove): nuove candidature 19,") {
		t.Fatalf("first run: %s", out1)
	}
	first := testkit.Dump(t, outDir)
	if len(first) != 2+8 || first["CST_2026-08.xlsx"] == "" { // CST, CSV and the 8 comuni of LC
		t.Fatalf("outputs of the first run: %d files", len(first))
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "inbox")); len(ents) != 0 {
		t.Fatalf("inbox not emptied: %v", ents)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, "archivio", "2026-08", filepath.Base(f))); err != nil {
			t.Fatalf("not archived: %v", err)
		}
	}
	// the ledger's export equals `run` over the same files, but for Novità
	direct := filepath.Join(dir, "diretto")
	mustRun(t, "run", "samples/", "--out", direct, "--mese", "2026-08", "--provincia", "LC", "-q")
	a, _ := os.ReadFile(filepath.Join(outDir, "dettaglio_2026-08.csv"))
	b, _ := os.ReadFile(filepath.Join(direct, "dettaglio_2026-08.csv"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("dettaglio from the ledger differs from run over the same files")
	}

	out2 := mustRun(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if !strings.Contains(out2, "importati 0 ") {
		t.Fatalf("second run imported something: %s", out2)
	}
	testkit.SameDump(t, first, testkit.Dump(t, outDir))

	testkit.Copy(t, filepath.Join(dir, "inbox"), files[1])
	out3 := mustRun(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if !strings.Contains(out3, "importati 0 ") || !strings.Contains(out3, "già nel registro 1") ||
		!strings.Contains(out3, "già nel registro, saltato: "+filepath.Join(dir, "inbox", filepath.Base(files[1]))) {
		t.Fatalf("third run: %s", out3)
	}
	stem := strings.TrimSuffix(filepath.Base(files[1]), ".csv")
	if _, err := os.Stat(filepath.Join(dir, "archivio", "2026-08", stem+" (2).csv")); err != nil {
		t.Fatalf("the second copy is not archived beside the first: %v", err)
	}
	testkit.SameDump(t, first, testkit.Dump(t, outDir))

	st := mustRun(t, "storico", "--ledger", filepath.Join(dir, "consolida.db"))
	if strings.Count(st, " run ") != 3 || !strings.Contains(st, "3 file importati (25 righe lette), 3 prospetti") ||
		strings.Contains(st, "File importati:") || !strings.Contains(st, "(provincia LC)") {
		t.Errorf("storico:\n%s", st)
	}
	st = mustRun(t, "storico", "--ledger", filepath.Join(dir, "consolida.db"), "--file")
	if !strings.Contains(st, "File importati:") || !strings.Contains(st, filepath.Join(dir, "archivio", "2026-08", filepath.Base(files[0]))) {
		t.Errorf("storico --file:\n%s", st)
	}
}

// ---- processes killed or running side by side ---------------------------

// TestBatchHelperProcess is not a test: the tests below start the test
// binary again as a consolida process that stops at an event (spec
// "event:n" in CONSOLIDA_BATCH_HELPER), to be killed or to hold the lock.
func TestBatchHelperProcess(t *testing.T) {
	spec := os.Getenv("CONSOLIDA_BATCH_HELPER")
	if spec == "" {
		t.Skip("processo ausiliario dei test del lavoro mensile")
	}
	ev, n, _ := strings.Cut(spec, ":")
	at, _ := strconv.Atoi(n)
	reached := func(e pipeline.Event) bool {
		switch e := e.(type) {
		case pipeline.LedgerOpened:
			return ev == "locked"
		case pipeline.RecordsStored:
			return ev == "import-rows" && e.Records >= at
		case pipeline.FileImported:
			return ev == "imported" && e.N >= at
		case pipeline.OutputsWritten:
			return ev == "exported"
		}
		return false
	}
	wrapProgress = func(p pipeline.Progress) pipeline.Progress {
		return pipeline.ProgressFunc(func(e pipeline.Event) {
			p.Report(e)
			if reached(e) {
				fmt.Println("FERMO")
				time.Sleep(time.Hour)
			}
		})
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(Run(context.Background(), append([]string{"consolida"}, args...), os.Stdout, os.Stderr))
}

// batchStopped starts a consolida process that stops at the event spec
// and returns when it has stopped there.
func batchStopped(t *testing.T, spec string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestBatchHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "CONSOLIDA_BATCH_HELPER="+spec)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	stopped := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "FERMO" {
				stopped <- true
				io.Copy(io.Discard, stdout)
				return
			}
		}
		stopped <- false
	}()
	select {
	case ok := <-stopped:
		if !ok {
			cmd.Wait()
			t.Fatalf("the process ended before %s: %s", spec, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("the process did not reach %s", spec)
	}
	return cmd
}

func batchKill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	cmd.Wait()
}

func batchLedger(t *testing.T, path string) *ledger.Content {
	t.Helper()
	lg, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lg.Close()
	c, err := lg.Load(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBatchKilledImport: an import killed with SIGKILL leaves the ledger
// without that file or with all of it, and the next run completes the
// work with the totals of a clean run.
func TestBatchKilledImport(t *testing.T) {
	big := openDataCSV(t, t.TempDir(), "grande.csv", 5000, 1)

	// killed inside the transaction of a file: nothing of it stays
	db := filepath.Join(t.TempDir(), "consolida.db")
	p := batchStopped(t, "import-rows:2000", "import", big, "--ledger", db, "-q")
	batchKill(t, p)
	if c := batchLedger(t, db); len(c.Files) != 0 || len(c.Records) != 0 || len(c.Anomalies) != 0 {
		t.Fatalf("half an import: %d files, %d records", len(c.Files), len(c.Records))
	}
	mustRun(t, "import", big, "--ledger", db, "-q")
	if c := batchLedger(t, db); len(c.Files) != 1 || len(c.Records) != c.Files[0].Read.Rows || len(c.Records) != 5000 {
		t.Fatalf("after the new import: %d files, %d records", len(c.Files), len(c.Records))
	}

	// a monthly run killed after two files of three: those two are whole,
	// the next run imports the third, exports and archives all three
	files := testkit.Samples(t)
	dir, cfg := batchSetup(t, "", files...)
	p = batchStopped(t, "imported:2", "run", "--config", cfg, "--mese", "2026-08", "--consiglio=false", "-q")
	batchKill(t, p)
	c := batchLedger(t, filepath.Join(dir, "consolida.db"))
	if len(c.Files) != 2 {
		t.Fatalf("%d files in the ledger after the kill, want 2", len(c.Files))
	}
	cat, err := funding.LoadCatalog(templates.Measures, templates.MeasureRules)
	if err != nil {
		t.Fatal(err)
	}
	opt := &importer.Options{Catalog: cat, Synonyms: importer.DefaultSynonyms()}
	n := 0
	for _, f := range c.Files {
		fr, err := importer.ReadFile(filepath.Join(dir, "inbox", f.Name), f.Name, 0, opt)
		if err != nil {
			t.Fatal(err)
		}
		if f.Records != len(fr.Records) {
			t.Errorf("%s: %d records in the ledger, %d in the file", f.Name, f.Records, len(fr.Records))
		}
		n += len(fr.Records)
	}
	if len(c.Records) != n {
		t.Fatalf("%d records in the ledger, the two files have %d", len(c.Records), n)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "inbox")); len(ents) != 3 {
		t.Fatalf("inbox after the kill: %d files", len(ents))
	}

	out := mustRun(t, "run", "--config", cfg, "--mese", "2026-08", "--consiglio=false", "-q")
	if !strings.Contains(out, "importati 1 ") || !strings.Contains(out, "già nel registro 2") {
		t.Fatalf("run after the kill: %s", out)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "archivio", "2026-08")); len(ents) != 3 {
		t.Fatalf("archived %d files", len(ents))
	}
	clean := filepath.Join(t.TempDir(), "pulito")
	cleanOut := mustRun(t, "run", "samples/", "--out", clean, "--mese", "2026-08", "--consiglio=false", "-q")
	total := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "totale finanziato") {
				return l
			}
		}
		return ""
	}
	if total(out) == "" || total(out) != total(cleanOut) {
		t.Errorf("totals after the kill %q, clean run %q", total(out), total(cleanOut))
	}
	a, _ := os.ReadFile(filepath.Join(dir, "uscita", "dettaglio_2026-08.csv"))
	b, _ := os.ReadFile(filepath.Join(clean, "dettaglio_2026-08.csv"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("dettaglio after the kill differs from a clean run")
	}
}

// TestBatchConcurrentRuns: while a run holds the ledger, another one
// exits 1 naming the holder; once the holder is gone (even killed) the
// ledger is free.
func TestBatchConcurrentRuns(t *testing.T) {
	_, cfg := batchSetup(t, "consiglio = false # i prospetti per i consigli non servono qui", testkit.Samples(t)...)
	holder := batchStopped(t, "locked:0", "run", "--config", cfg, "--mese", "2026-08", "-q")
	code, _, errs := runCLI(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if code != ExitFailed || !strings.Contains(errs, "è in uso da un'altra esecuzione di consolida (processo "+
		strconv.Itoa(holder.Process.Pid)+" sul computer ") || !strings.HasSuffix(errs, ": attendere che termini e riprovare\n") {
		t.Fatalf("second run: exit %d, %s", code, errs)
	}
	// storico only reads: it does not wait for the holder
	if out := mustRun(t, "storico", "--ledger", filepath.Join(filepath.Dir(cfg), "consolida.db")); !strings.Contains(out, "Nessun prospetto ancora prodotto") {
		t.Errorf("storico while a run holds the ledger: %s", out)
	}
	batchKill(t, holder)
	out := mustRun(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if !strings.Contains(out, "importati 3 ") {
		t.Fatalf("run after the holder ended: %s", out)
	}
}

func TestBatchUsage(t *testing.T) {
	dir := t.TempDir()
	cfg := testkit.Write(t, dir, "consolida.toml", "inbox = \"in\"\nprovince = [\"LC\"]\n")
	notDB := testkit.Write(t, dir, "falso.db", strings.Repeat("non sono un database SQLite. ", 10))
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run", "--config", cfg}, ExitUsage, "file di configurazione " + cfg + ": chiave sconosciuta province (le chiavi sono inbox, archivio, uscita, registro, comuni, membri, provincia, consiglio, csv_excel, intestazione, firma) (vedere: consolida COMANDO --aiuto)"},
		{[]string{"run", "--config", filepath.Join(dir, "manca.toml")}, ExitUsage, "inesistente: crearlo con consolida init CARTELLA"},
		{[]string{"run", "--config", testkit.Write(t, dir, "p.toml", "provincia = 3\n")}, ExitUsage, `p.toml, riga 1: atteso un elenco di sigle tra virgolette, ad es. ["LC", "CO"]`},
		{[]string{"run", "--config", testkit.Write(t, dir, "q.toml", "provincia = [\"LC\", 3]\n")}, ExitUsage, `q.toml, riga 1: atteso un elenco di sigle`},
		{[]string{"run", "--config", testkit.Write(t, dir, "s.toml", "provincia = \n")}, ExitUsage, `s.toml, riga 1: manca il valore dopo = o non è tra apici`},
		{[]string{"run", "--config", testkit.Write(t, dir, "c.toml", "consiglio = \"x\"\n")}, ExitUsage, `c.toml, riga 1: consiglio vuole true (sì) o false (no), senza virgolette`},
		{[]string{"run", "--config", testkit.Write(t, dir, "w.toml", "inbox = \"C:\\temp\\nuovi\"\n")}, ExitUsage,
			`w.toml, riga 1: il percorso "C:\temp\nuovi" è scritto tra virgolette doppie, dove \ introduce un carattere speciale (\t diventa una tabulazione, \n un a capo): scriverlo tra apici singoli, inbox = 'C:\temp\nuovi'`},
		{[]string{"run", "--config", testkit.Write(t, dir, "i.toml", "inbox = \"nessuna\"\n")}, ExitFailed,
			"cartella inbox " + filepath.Join(dir, "nessuna") + " inesistente: crearla (consolida init) o correggere " + filepath.Join(dir, "i.toml")},
		{[]string{"run", "--config", cfg, "altro.csv"}, ExitUsage, "con --config i file da leggere sono quelli della cartella inbox: non indicare file o cartelle (altro.csv)"},
		{[]string{"init"}, ExitUsage, "indicare una cartella (ad es. consolida init . oppure consolida init C:\\CST\\pnrr)"},
		{[]string{"import", "--ledger", filepath.Join(dir, "x.db")}, ExitUsage, "indicare almeno un file o una cartella da importare"},
		{[]string{"import", t.TempDir(), "--ledger", filepath.Join(dir, "x.db")}, ExitFailed, "nessun file da importare in "},
		{[]string{"import", "samples/", "--ledger", notDB}, ExitFailed, "il file " + notDB + " non è un registro di consolida (non è un database SQLite)"},
		{[]string{"export", "--ledger", filepath.Join(dir, "x.db")}, ExitUsage, "--out"},
		{[]string{"export", "samples/", "--out", dir}, ExitUsage, "export legge dal registro: non indicare file (samples/); per aggiungerli usare consolida import"},
		{[]string{"export", "--out", filepath.Join(dir, "u"), "--ledger", filepath.Join(dir, "vuoto.db")}, ExitFailed,
			"il registro " + filepath.Join(dir, "vuoto.db") + " è vuoto: importare prima i file (consolida import, o la cartella inbox con consolida run --config)"},
		{[]string{"storico", "--ledger", filepath.Join(dir, "nessuno.db")}, ExitFailed, "registro " + filepath.Join(dir, "nessuno.db") + " inesistente: indicarlo con --registro"},
		{[]string{"storico", "--ledger", notDB}, ExitFailed, "non è un registro di consolida"},
	} {
		code, _, errs := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("consolida %s: exit %d, %q; want %d and %q", strings.Join(tc.args, " "), code, errs, tc.code, tc.msg)
		}
	}
}

func TestBatchImportTwice(t *testing.T) {
	db := filepath.Join(t.TempDir(), "consolida.db")
	out := mustRun(t, "import", "samples/", "--ledger", db, "-q")
	if !strings.HasPrefix(out, "Registro "+db+": importati 3 file (25 righe), già presenti 0, non importati 0\n") ||
		!strings.Contains(out, "  importato: samples/ufficio_ragioneria_olgiate.csv come ufficio_ragioneria_olgiate.csv, 6 righe, 1 anomalie\n") {
		t.Fatalf("first import: %s", out)
	}
	out = mustRun(t, "import", "samples/", "--ledger", db, "-q")
	if !strings.Contains(out, "importati 0 file") || strings.Count(out, "già nel registro, saltato") != 3 {
		t.Fatalf("second import: %s", out)
	}
	if c := batchLedger(t, db); len(c.Files) != 3 || len(c.Records) != 25 {
		t.Fatalf("%d files, %d records", len(c.Files), len(c.Records))
	}
	// an unreadable file among readable ones: the others are imported
	dir := t.TempDir()
	testkit.Write(t, dir, "a.xlsx", "%PDF-1.4\n")
	testkit.Write(t, dir, "b.csv", "")
	openDataCSV(t, dir, "c.csv", 10, 2)
	code, out, errs := runCLI(t, "import", dir, "--ledger", db, "-q")
	if code != ExitFailed || !strings.Contains(out, "importati 1 file (10 righe), già presenti 0, non importati 2") ||
		!strings.Contains(out, "  NON importato: "+filepath.Join(dir, "b.csv")+": il file è vuoto\n") ||
		errs != "consolida: 2 file non importati (vedere l'elenco sopra)\n" {
		t.Fatalf("import with unreadable files: exit %d\n%s%s", code, out, errs)
	}
}

// TestConservationGate: a ledger whose stored counts disagree with its
// records (here altered by hand) does not conserve rows and euros: the
// export writes nothing, says why, and exits 1; the previous outputs
// stay.
func TestConservationGate(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "consolida.db"), filepath.Join(dir, "uscita")
	mustRun(t, "import", "samples/", "--ledger", db, "-q")
	mustRun(t, "export", "--out", out, "--mese", "2026-08", "--ledger", db, "-q")
	before, list := testkit.Dump(t, out), files(t, out)

	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`UPDATE files SET rows_read = rows_read + 1, amount_read = amount_read + 100 WHERE name = 'candidature_comuni_lecco.csv'`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	code, stdout, stderr := runCLI(t, "export", "--out", out, "--mese", "2026-08", "--ledger", db)
	if code != ExitFailed || stdout != "" ||
		!strings.Contains(stderr, "Conservazione delle righe: lette 26 = consolidate 19 + duplicati 2 + altri enti 2 + fuori selezione 0 + scartate 2: NON RISPETTATA\n") ||
		!strings.Contains(stderr, "Problema: candidature_comuni_lecco.csv: lette 15 righe") ||
		!strings.HasSuffix(stderr, "consolida: conservazione non rispettata: righe o importi persi o contati due volte; nessun prospetto scritto\n") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if got := files(t, out); got != list {
		t.Fatalf("files after the refused export:\n%s\nbefore:\n%s", got, list)
	}
	testkit.SameDump(t, before, testkit.Dump(t, out))
	if st := mustRun(t, "storico", "--ledger", db); !strings.Contains(st, "1 prospetti") {
		t.Errorf("the refused export was recorded:\n%s", st)
	}
}

// ---- an independent reading of the 145 snapshots ------------------------

// batchRow is one comune row of an open-data snapshot.
type batchRow struct {
	file, line                          int
	cup, ipa, avviso, window, submitted string
	status, data, istat, prov           string
	cents                               int64
}

func batchReadSnapshot(t *testing.T, path string, file int) []batchRow {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	all, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range all[0] {
		col[h] = i
	}
	var out []batchRow
	for i, r := range all[1:] {
		if r[col["tipologia_ente"]] != "Comuni" {
			continue
		}
		data := r[col["data_stato_candidatura"]]
		if data == "" {
			data = r[col["data_finanziamento"]]
		}
		out = append(out, batchRow{
			file: file, line: i + 2, cup: strings.ToUpper(r[col["codice_cup"]]), ipa: strings.ToLower(r[col["codice_ipa"]]),
			avviso: r[col["avviso"]], window: r[col["numero_finestra_temporale"]], submitted: r[col["data_invio_candidatura"]],
			status: r[col["stato_candidatura"]], data: data, istat: r[col["cod_comune"]], prov: r[col["provincia"]],
			cents: batchCents(t, r[col["importo_finanziamento"]]),
		})
	}
	return out
}

// batchCents reads "23147.0" or "4326.4" as cents, digit by digit.
func batchCents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		t.Fatalf("importo %q: %v", s, err)
	}
	return v
}

// batchGroups unites the rows of one candidatura as DESIGN.md defines it:
// same CUP for the same body, or (for a CUP corrected between
// publications) same body, avviso, window and submission time. It returns
// the group of each row and the winner of each group: the newest status
// date, then the later file, then the later line.
func batchGroups(rows []batchRow) (group []int, winners map[int]int) {
	parent := make([]int, len(rows))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			x = parent[x]
		}
		return x
	}
	first := map[string]int{}
	for i, r := range rows {
		for _, k := range []string{"C|" + r.cup + "|" + r.ipa, "S|" + r.ipa + "|" + r.avviso + "|" + r.window + "|" + r.submitted} {
			if j, ok := first[k]; ok {
				a, b := find(i), find(j)
				if a != b {
					parent[a] = b
				}
			} else {
				first[k] = i
			}
		}
	}
	group = make([]int, len(rows))
	winners = map[int]int{}
	for i := range rows {
		g := find(i)
		group[i] = g
		w, ok := winners[g]
		r, o := rows[i], rows[w]
		if !ok || r.data > o.data || r.data == o.data && (r.file > o.file || r.file == o.file && r.line > o.line) {
			winners[g] = i
		}
	}
	return group, winners
}

type batchExpect struct {
	added, status, amount int
	istatChanged          int
	istatNow              map[string]map[string]bool // CUP -> current ISTAT codes
}

// batchExpected derives the Novità of importing the last snapshot after
// the others, from the CSV rows alone; with prov, only for the
// candidature now in that province.
func batchExpected(t *testing.T, snaps [][]batchRow, prov string) batchExpect {
	var all []batchRow
	for _, s := range snaps {
		all = append(all, s...)
	}
	last := len(snaps) - 1
	nBase := len(all) - len(snaps[last])
	group, win := batchGroups(all)
	baseGroup, baseWin := batchGroups(all[:nBase])
	e := batchExpect{istatNow: map[string]map[string]bool{}}
	for g, w := range win {
		cur := all[w]
		if prov != "" && cur.prov != prov {
			continue
		}
		if e.istatNow[cur.cup] == nil {
			e.istatNow[cur.cup] = map[string]bool{}
		}
		e.istatNow[cur.cup][cur.istat] = true
		bases := map[int]bool{}
		for i := 0; i < nBase; i++ {
			if group[i] == g {
				bases[baseGroup[i]] = true
			}
		}
		if len(bases) == 0 {
			e.added++
			continue
		}
		if len(bases) > 1 {
			t.Logf("candidatura %s: %d earlier candidature merged", cur.cup, len(bases))
		}
		var b batchRow
		for bg := range bases {
			if cand := all[baseWin[bg]]; b.cup == "" || cand.cup == cur.cup {
				b = cand
			}
		}
		if b.status != cur.status {
			e.status++
		}
		if b.cents != cur.cents {
			e.amount++
		}
		if b.istat != cur.istat {
			e.istatChanged++
		}
	}
	return e
}

// TestBatchNovita145 is issue 4's first check: the three snapshots of the
// 1.4.5 list imported one after the other, exporting after each, give
// Novità that list exactly the changes the files show.
func TestBatchChanges145(t *testing.T) {
	paths := realFiles(t, batch145Feb, batch145Aug, batch145Head)
	dir := t.TempDir()
	db := filepath.Join(dir, "consolida.db")
	var snaps [][]batchRow
	for k, p := range paths {
		snaps = append(snaps, batchReadSnapshot(t, p, k))
		mustRun(t, "import", p, "--ledger", db, "-q")
		out := filepath.Join(dir, fmt.Sprintf("uscita%d", k+1))
		mustRun(t, "export", "--out", out, "--mese", "2026-08", "--ledger", db, "--consiglio=false", "-q")

		want := batchExpected(t, snaps, "")
		rows := testkit.SheetRows(t, filepath.Join(out, "CST_2026-08.xlsx"), exporter.SheetChanges)
		if strings.Join(rows[0], "|") != strings.Join(exporter.ChangesHeader, "|") || rows[0][4] != "CUP" {
			t.Fatalf("Novità header %q", rows[0])
		}
		got := map[string]int{}
		for _, r := range rows[1:] {
			if len(r) < 8 || r[0] == "TOTALE" {
				continue // notes and total under the table
			}
			got[r[0]]++
			if k == 2 && !want.istatNow[r[4]][r[1]] && !want.istatNow[r[4]]["N/D"] {
				t.Errorf("Novità row %q: ISTAT %s is not the current code of CUP %s", r, r[1], r[4])
			}
		}
		t.Logf("%s: Nuova candidatura %d, Cambio stato %d, Cambio importo %d (from the files: %d, %d, %d; ISTAT changed %d)",
			filepath.Base(p), got[exporter.LabelNew], got[exporter.LabelStatusChange], got[exporter.LabelAmountChange],
			want.added, want.status, want.amount, want.istatChanged)
		if got[exporter.LabelNew] != want.added || got[exporter.LabelStatusChange] != want.status || got[exporter.LabelAmountChange] != want.amount {
			t.Errorf("%s: Novità %v, want nuove %d, cambi stato %d, cambi importo %d", filepath.Base(p), got, want.added, want.status, want.amount)
		}
		if len(got) > 3 {
			t.Errorf("unknown Tipo in %v", got)
		}
		if k == 2 {
			// the Sardinian renumbering is in this step: same candidature
			if want.istatChanged < 300 {
				t.Errorf("only %d candidature changed ISTAT code between the last snapshots; the test data changed?", want.istatChanged)
			}
			if got[exporter.LabelNew] != 0 {
				t.Errorf("%d candidature reported new after the ISTAT renumbering", got[exporter.LabelNew])
			}
		}
	}

	// an export of one province compares with everything the previous
	// export saw: Gallura (OT) comuni were in the province of Sassari (SS)
	// before the 2025 reform
	out := filepath.Join(dir, "gallura")
	mustRun(t, "export", "--out", out, "--mese", "2026-08", "--provincia", "OT", "--ledger", db, "--consiglio=false", "-q")
	want := batchExpected(t, snaps, "OT")
	got := map[string]int{}
	for _, r := range testkit.SheetRows(t, filepath.Join(out, "CST_2026-08.xlsx"), exporter.SheetChanges)[1:] {
		if len(r) >= 8 && r[0] != "TOTALE" {
			got[r[0]]++
		}
	}
	if got[exporter.LabelNew] != 0 || got[exporter.LabelStatusChange] != want.status || got[exporter.LabelAmountChange] != want.amount || want.status == 0 {
		t.Errorf("--provincia OT: Novità %v, want cambi stato %d, cambi importo %d and nothing new", got, want.status, want.amount)
	}

	// `run` over the same files gives the same outputs as import + export
	sorted := append([]string(nil), paths...)
	sort.Strings(sorted) // run and import read in the same order below
	db2 := filepath.Join(dir, "ordinato.db")
	mustRun(t, append([]string{"import", "--ledger", db2, "-q"}, sorted...)...)
	mustRun(t, "export", "--out", filepath.Join(dir, "da_registro"), "--mese", "2026-08", "--ledger", db2, "--consiglio=false", "-q")
	mustRun(t, append([]string{"run", "--out", filepath.Join(dir, "diretto"), "--mese", "2026-08", "--consiglio=false", "-q"}, sorted...)...)
	a, _ := os.ReadFile(filepath.Join(dir, "da_registro", "dettaglio_2026-08.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "diretto", "dettaglio_2026-08.csv"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("dettaglio from the ledger differs from run over the same files (%d and %d bytes)", len(a), len(b))
	}
	ra := testkit.SheetRows(t, filepath.Join(dir, "da_registro", "CST_2026-08.xlsx"), "Riepilogo")
	rb := testkit.SheetRows(t, filepath.Join(dir, "diretto", "CST_2026-08.xlsx"), "Riepilogo")
	if fmt.Sprint(ra[:len(ra)-2]) != fmt.Sprint(rb[:len(rb)-2]) { // the last row is the generation note
		t.Errorf("Riepilogo from the ledger differs from run")
	}
}

// TestBatchAmountChange: an office's later notice of one candidatura with
// another amount and status gives one Cambio importo and one Cambio stato.
func TestBatchAmountChange(t *testing.T) {
	files := []string{"samples/candidature_comuni_lecco.csv"}
	dir := t.TempDir()
	db := filepath.Join(dir, "consolida.db")
	mustRun(t, "import", files[0], "--ledger", db, "-q")
	mustRun(t, "export", "--out", filepath.Join(dir, "u1"), "--mese", "2026-02", "--ledger", db, "--consiglio=false", "-q")

	fh, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(fh).ReadAll()
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var row []string
	for _, r := range rows[1:] {
		if r[col["tipologia_ente"]] == "Comuni" && r[col["stato_candidatura"]] == "A" {
			row = append([]string(nil), r...)
			break
		}
	}
	old := row[col["importo_finanziamento"]]
	row[col["importo_finanziamento"]] = "1234.5"
	row[col["stato_candidatura"]] = "E"
	row[col["data_stato_candidatura"]] = "2026-03-02"
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll([][]string{rows[0], row})
	notice := filepath.Join(dir, "avviso_ufficio.csv")
	if err := os.WriteFile(notice, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "import", notice, "--ledger", db, "-q")
	out := filepath.Join(dir, "u2")
	mustRun(t, "export", "--out", out, "--mese", "2026-03", "--ledger", db, "--consiglio=false", "-q")
	// one row for the candidatura, with both changes and its amounts
	var got []string
	for _, r := range testkit.SheetRows(t, filepath.Join(out, "CST_2026-03.xlsx"), exporter.SheetChanges)[1:] {
		if len(r) >= 8 && r[0] != "TOTALE" {
			got = append(got, fmt.Sprintf("%s: %s -> %s, %s € -> %s €", r[0], r[5], r[7], testkit.Cents(t, r[9]), testkit.Cents(t, r[10])))
			if r[4] != row[col["codice_cup"]] || r[12] != "avviso_ufficio.csv:2" {
				t.Errorf("row %q", r)
			}
		}
	}
	want := fmt.Sprintf("%s: A - assegnata -> E - erogata, %s € -> 1.234,50 €", exporter.LabelStatusAmountChange, funding.Amount(batchCents(t, old)))
	if len(got) != 1 || got[0] != want {
		t.Fatalf("Novità %q, want %q", got, want)
	}
}

// TestBatchSchema1LedgerSameNovita: a ledger written by the consolida of
// schema 1 (its snapshots hold keys of the old identity rules) gives, once
// migrated, the same Novità as a ledger made today from the same files.
// Without the migration's invalidation every candidatura would be new.
func TestBatchSchema1LedgerSameChanges(t *testing.T) {
	first := filepath.Join("samples", "candidature_comuni_lecco.csv")
	// next month: the same list with one candidatura paid and another one
	// with a new amount, and the samples' other files
	b, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	lines[1] = strings.Replace(lines[1], ",A,2023-01-03,", ",E,2026-02-20,", 1)
	lines[2] = strings.Replace(strings.Replace(lines[2], ",20344.0,", ",20500.0,", 1), ",A,2023-01-30,", ",A,2026-02-21,", 1)
	march := filepath.Join(t.TempDir(), "candidature_marzo.csv")
	if err := os.WriteFile(march, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := []string{march, filepath.Join("samples", "ufficio_ragioneria_olgiate.csv"), filepath.Join("samples", "allegato_decreto_85_2022_cloud.xlsx")}
	novita := func(db string, downgrade bool) ([][]string, string) {
		dir := filepath.Dir(db)
		mustRun(t, "import", first, "--ledger", db, "-q")
		mustRun(t, "export", "--out", filepath.Join(dir, "u1"), "--mese", "2026-02", "--ledger", db, "--consiglio=false", "-q")
		if downgrade {
			schema1(t, db)
		}
		mustRun(t, append([]string{"import"}, append(later, "--ledger", db, "-q")...)...)
		out := filepath.Join(dir, "u2")
		stdout := mustRun(t, "export", "--out", out, "--mese", "2026-03", "--ledger", db, "--consiglio=false", "-q")
		var items [][]string
		for _, r := range testkit.SheetRows(t, filepath.Join(out, "CST_2026-03.xlsx"), exporter.SheetChanges)[1:] {
			if len(r) == len(exporter.ChangesHeader) {
				items = append(items, r)
			}
		}
		_, line, _ := strings.Cut(stdout, "novità (")
		_, line, _ = strings.Cut(line, "): ")
		return items, line
	}
	fresh, freshLine := novita(filepath.Join(t.TempDir(), "consolida.db"), false)
	old, oldLine := novita(filepath.Join(t.TempDir(), "consolida.db"), true)
	if !strings.HasPrefix(freshLine, "nuove candidature 7, cambi di stato 1, cambi di importo 1") {
		t.Fatalf("Novità of a fresh ledger: %q", freshLine)
	}
	if oldLine != freshLine || fmt.Sprint(old) != fmt.Sprint(fresh) {
		t.Fatalf("Novità of the migrated ledger:\n%q\n%v\nof a fresh one:\n%q\n%v", oldLine, old, freshLine, fresh)
	}
}

// schema1 turns a ledger into what the consolida of schema 1 wrote: no
// snapshot_rules column, snapshot keys of the old rules (which the
// current rules never produce), version 1.
func schema1(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`ALTER TABLE exports DROP COLUMN snapshot_rules`,
		`ALTER TABLE snapshot DROP COLUMN status_date`,
		`UPDATE snapshot SET keys = randomblob(16)`,
		`UPDATE schema_version SET version = 1`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM snapshot`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("no snapshot to invalidate: %d %v", n, err)
	}
}
