package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"consolida/exporter"
	"consolida/funding"
	"consolida/importer"
	"consolida/ledger"
)

// The batch tests read the real open data from ../shared; they are
// skipped when it is not there.
const batchDataDir = "../shared/data/padigitale2026"

const (
	batch145Feb  = "candidature_finanziate_145_2025-02-11.csv"
	batch145Aug  = "candidature_finanziate_145_2025-08-22.csv"
	batch145Head = "candidature_finanziate_145.csv"
)

func batchData(t *testing.T, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		p := filepath.Join(batchDataDir, n)
		if _, err := os.Stat(p); err != nil {
			t.Skipf("dati reali assenti (%s): test del lavoro mensile saltato", p)
		}
		out = append(out, p)
	}
	return out
}

func batchCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"consolida"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func batchMustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := batchCLI(t, args...)
	if code != 0 {
		t.Fatalf("consolida %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func batchCopy(t *testing.T, src, dir string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(src)), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// batchSetup prepares a monthly folder with `consolida init` and drops the
// files in its inbox. It returns the config path.
func batchSetup(t *testing.T, extra string, files ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	batchMustRun(t, "init", dir)
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
	for _, f := range files {
		batchCopy(t, f, filepath.Join(dir, "inbox"))
	}
	return dir, cfg
}

// batchDump reads every workbook (cell values of every sheet, as stored)
// and CSV under dir, keyed by relative path.
func batchDump(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch filepath.Ext(p) {
		case ".csv":
			b, err := os.ReadFile(p)
			out[rel] = string(b)
			return err
		case ".xlsx":
			f, err := excelize.OpenFile(p)
			if err != nil {
				return err
			}
			defer f.Close()
			var b strings.Builder
			for _, sh := range f.GetSheetList() {
				rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, "== %s\n", sh)
				for _, r := range rows {
					b.WriteString(strings.Join(r, "\t") + "\n")
				}
			}
			out[rel] = b.String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func batchSheet(t *testing.T, path, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// ---- an independent reading of the 145 snapshots ------------------------

// batchRow is one comune row of an open-data snapshot.
type batchRow struct {
	file, line                   int
	cup, ipa, avviso, fin, invio string
	stato, data, istat, prov     string
	cents                        int64
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
			avviso: r[col["avviso"]], fin: r[col["numero_finestra_temporale"]], invio: r[col["data_invio_candidatura"]],
			stato: r[col["stato_candidatura"]], data: data, istat: r[col["cod_comune"]], prov: r[col["provincia"]],
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
		for _, k := range []string{"C|" + r.cup + "|" + r.ipa, "S|" + r.ipa + "|" + r.avviso + "|" + r.fin + "|" + r.invio} {
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
	nuove, stato, importo int
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
			e.nuove++
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
		if b.stato != cur.stato {
			e.stato++
		}
		if b.cents != cur.cents {
			e.importo++
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
func TestBatchNovita145(t *testing.T) {
	paths := batchData(t, batch145Feb, batch145Aug, batch145Head)
	dir := t.TempDir()
	db := filepath.Join(dir, "consolida.db")
	var snaps [][]batchRow
	for k, p := range paths {
		snaps = append(snaps, batchReadSnapshot(t, p, k))
		batchMustRun(t, "import", p, "--ledger", db, "-q")
		out := filepath.Join(dir, fmt.Sprintf("uscita%d", k+1))
		batchMustRun(t, "export", "--out", out, "--mese", "2026-08", "--ledger", db, "--consiglio=false", "-q")

		want := batchExpected(t, snaps, "")
		rows := batchSheet(t, filepath.Join(out, "CST_2026-08.xlsx"), exporter.SheetNovita)
		if strings.Join(rows[0], "|") != "Tipo|Codice ISTAT|Comune|Misura|CUP|Prima|Dopo|Fonte" {
			t.Fatalf("Novità header %q", rows[0])
		}
		got := map[string]int{}
		for _, r := range rows[1:] {
			if len(r) < 8 {
				continue // notes under the table
			}
			got[r[0]]++
			if k == 2 && !want.istatNow[r[4]][r[1]] && !want.istatNow[r[4]]["N/D"] {
				t.Errorf("Novità row %q: ISTAT %s is not the current code of CUP %s", r, r[1], r[4])
			}
		}
		t.Logf("%s: Nuova candidatura %d, Cambio stato %d, Cambio importo %d (from the files: %d, %d, %d; ISTAT changed %d)",
			filepath.Base(p), got[exporter.TipoNuova], got[exporter.TipoCambioStato], got[exporter.TipoCambioImporto],
			want.nuove, want.stato, want.importo, want.istatChanged)
		if got[exporter.TipoNuova] != want.nuove || got[exporter.TipoCambioStato] != want.stato || got[exporter.TipoCambioImporto] != want.importo {
			t.Errorf("%s: Novità %v, want nuove %d, cambi stato %d, cambi importo %d", filepath.Base(p), got, want.nuove, want.stato, want.importo)
		}
		if len(got) > 3 {
			t.Errorf("unknown Tipo in %v", got)
		}
		if k == 2 {
			// the Sardinian renumbering is in this step: same candidature
			if want.istatChanged < 300 {
				t.Errorf("only %d candidature changed ISTAT code between the last snapshots; the test data changed?", want.istatChanged)
			}
			if got[exporter.TipoNuova] != 0 {
				t.Errorf("%d candidature reported new after the ISTAT renumbering", got[exporter.TipoNuova])
			}
		}
	}

	// an export of one province compares with everything the previous
	// export saw: Gallura (OT) comuni were in the province of Sassari (SS)
	// before the 2025 reform
	out := filepath.Join(dir, "gallura")
	batchMustRun(t, "export", "--out", out, "--mese", "2026-08", "--provincia", "OT", "--ledger", db, "--consiglio=false", "-q")
	want := batchExpected(t, snaps, "OT")
	got := map[string]int{}
	for _, r := range batchSheet(t, filepath.Join(out, "CST_2026-08.xlsx"), exporter.SheetNovita)[1:] {
		if len(r) >= 8 {
			got[r[0]]++
		}
	}
	if got[exporter.TipoNuova] != 0 || got[exporter.TipoCambioStato] != want.stato || got[exporter.TipoCambioImporto] != want.importo || want.stato == 0 {
		t.Errorf("--provincia OT: Novità %v, want cambi stato %d, cambi importo %d and nothing new", got, want.stato, want.importo)
	}

	// `run` over the same files gives the same outputs as import + export
	sorted := append([]string(nil), paths...)
	sort.Strings(sorted) // run and import read in the same order below
	db2 := filepath.Join(dir, "ordinato.db")
	batchMustRun(t, append([]string{"import", "--ledger", db2, "-q"}, sorted...)...)
	batchMustRun(t, "export", "--out", filepath.Join(dir, "da_registro"), "--mese", "2026-08", "--ledger", db2, "--consiglio=false", "-q")
	batchMustRun(t, append([]string{"run", "--out", filepath.Join(dir, "diretto"), "--mese", "2026-08", "--consiglio=false", "-q"}, sorted...)...)
	a, _ := os.ReadFile(filepath.Join(dir, "da_registro", "dettaglio_2026-08.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "diretto", "dettaglio_2026-08.csv"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("dettaglio from the ledger differs from run over the same files (%d and %d bytes)", len(a), len(b))
	}
	ra := batchSheet(t, filepath.Join(dir, "da_registro", "CST_2026-08.xlsx"), "Riepilogo")
	rb := batchSheet(t, filepath.Join(dir, "diretto", "CST_2026-08.xlsx"), "Riepilogo")
	if fmt.Sprint(ra[:len(ra)-2]) != fmt.Sprint(rb[:len(rb)-2]) { // the last row is the generation note
		t.Errorf("Riepilogo from the ledger differs from run")
	}
}

// TestBatchRunTwiceSameWorkbooks is issue 4's second check: a second
// monthly run with nothing new imports nothing and writes workbooks with
// the same cell contents; a file dropped again is recognised and archived
// beside the first copy.
func TestBatchRunTwiceSameWorkbooks(t *testing.T) {
	files := batchData(t, batch145Feb, batch145Head)
	dir, cfg := batchSetup(t, `provincia = ["LC"]`, files...)
	uscita := filepath.Join(dir, "uscita")
	out1 := batchMustRun(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if !strings.Contains(out1, "importati 2 ") {
		t.Fatalf("first run: %s", out1)
	}
	first := batchDump(t, uscita)
	if len(first) < 10 || first["CST_2026-08.xlsx"] == "" {
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

	out2 := batchMustRun(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if !strings.Contains(out2, "importati 0 ") {
		t.Fatalf("second run imported something: %s", out2)
	}
	batchSameDump(t, first, batchDump(t, uscita))

	batchCopy(t, files[1], filepath.Join(dir, "inbox"))
	out3 := batchMustRun(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if !strings.Contains(out3, "importati 0 ") || !strings.Contains(out3, "già nel registro 1") {
		t.Fatalf("third run: %s", out3)
	}
	if _, err := os.Stat(filepath.Join(dir, "archivio", "2026-08", "candidature_finanziate_145 (2).csv")); err != nil {
		t.Fatalf("the second copy is not archived beside the first: %v", err)
	}
	batchSameDump(t, first, batchDump(t, uscita))

	st := batchMustRun(t, "storico", "--ledger", filepath.Join(dir, "consolida.db"))
	if strings.Count(st, " run ") != 3 || !strings.Contains(st, "2 file importati") {
		t.Errorf("storico:\n%s", st)
	}
}

func batchSameDump(t *testing.T, want, got map[string]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d output files, then %d", len(want), len(got))
	}
	for name, w := range want {
		if got[name] != w {
			a, b := strings.Split(w, "\n"), strings.Split(got[name], "\n")
			for i := range a {
				if i >= len(b) || a[i] != b[i] {
					t.Fatalf("%s differs at line %d:\n%q\n%q", name, i+1, a[i], b[min(i, len(b)-1)])
				}
			}
			t.Fatalf("%s differs", name)
		}
	}
}

// ---- processes killed or running side by side ---------------------------

// TestBatchHelperProcess is not a test: the tests below start the test
// binary again as a consolida process that stops at a batch hook (spec
// "event:n" in CONSOLIDA_BATCH_HELPER), to be killed or to hold the lock.
func TestBatchHelperProcess(t *testing.T) {
	spec := os.Getenv("CONSOLIDA_BATCH_HELPER")
	if spec == "" {
		t.Skip("processo ausiliario dei test del lavoro mensile")
	}
	ev, n, _ := strings.Cut(spec, ":")
	at, _ := strconv.Atoi(n)
	batchHook = func(event string, n int) {
		if event == ev && n >= at {
			fmt.Println("FERMO")
			time.Sleep(time.Hour)
		}
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(append([]string{"consolida"}, args...), os.Stdout, os.Stderr))
}

// batchStopped starts a consolida process that stops at the hook spec and
// returns when it has stopped there.
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

// TestBatchKilledImport is issue 4's third check: an import killed with
// SIGKILL leaves the ledger without that file or with all of it, and the
// next run completes the work with the totals of a clean run.
func TestBatchKilledImport(t *testing.T) {
	files := batchData(t, batch145Feb, batch145Aug, batch145Head)

	// killed inside the transaction of a file: nothing of it stays
	db := filepath.Join(t.TempDir(), "consolida.db")
	p := batchStopped(t, "import-rows:4000", "import", files[0], "--ledger", db, "-q")
	batchKill(t, p)
	if c := batchLedger(t, db); len(c.Files) != 0 || len(c.Records) != 0 || len(c.Anomalies) != 0 {
		t.Fatalf("half an import: %d files, %d records", len(c.Files), len(c.Records))
	}
	batchMustRun(t, "import", files[0], "--ledger", db, "-q")
	if c := batchLedger(t, db); len(c.Files) != 1 || len(c.Records) != c.Files[0].Read.Rows || len(c.Records) < 7000 {
		t.Fatalf("after the new import: %d files, %d records", len(c.Files), len(c.Records))
	}

	// a monthly run killed after two files of three: those two are whole,
	// the next run imports the third, exports and archives all three
	dir, cfg := batchSetup(t, "", files...)
	p = batchStopped(t, "imported:2", "run", "--config", cfg, "--mese", "2026-08", "--consiglio=false", "-q")
	batchKill(t, p)
	c := batchLedger(t, filepath.Join(dir, "consolida.db"))
	if len(c.Files) != 2 {
		t.Fatalf("%d files in the ledger after the kill, want 2", len(c.Files))
	}
	cat, syn, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range c.Files {
		fr, err := importer.ReadFile(filepath.Join(dir, "inbox", f.Name), f.Name, 0, &importer.Options{Catalog: cat, Synonyms: syn})
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

	out := batchMustRun(t, "run", "--config", cfg, "--mese", "2026-08", "--consiglio=false", "-q")
	if !strings.Contains(out, "importati 1 ") || !strings.Contains(out, "già nel registro 2") {
		t.Fatalf("run after the kill: %s", out)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "archivio", "2026-08")); len(ents) != 3 {
		t.Fatalf("archived %d files", len(ents))
	}
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	clean := filepath.Join(t.TempDir(), "pulito")
	cleanOut := batchMustRun(t, append([]string{"run", "--out", clean, "--mese", "2026-08", "--consiglio=false", "-q"}, sorted...)...)
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

// TestBatchConcurrentRuns is issue 4's fourth check: while a run holds the
// ledger, another one exits 1 naming the holder; once the holder is gone
// (even killed) the ledger is free.
func TestBatchConcurrentRuns(t *testing.T) {
	files := batchData(t, batch145Feb)
	_, cfg := batchSetup(t, "consiglio = false # i prospetti per i consigli non servono qui", files...)
	holder := batchStopped(t, "locked:0", "run", "--config", cfg, "--mese", "2026-08", "-q")
	code, _, errs := batchCLI(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if code != exitFailed || !strings.Contains(errs, "è in uso da un'altra esecuzione") ||
		!strings.Contains(errs, fmt.Sprintf("processo %d", holder.Process.Pid)) {
		t.Fatalf("second run: exit %d, %s", code, errs)
	}
	batchKill(t, holder)
	out := batchMustRun(t, "run", "--config", cfg, "--mese", "2026-08", "-q")
	if !strings.Contains(out, "importati 1 ") {
		t.Fatalf("run after the holder ended: %s", out)
	}
}

func TestBatchUsage(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "consolida.toml")
	if err := os.WriteFile(cfg, []byte("inbox = \"in\"\nprovince = [\"LC\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run", "--config", cfg}, exitUsage, "chiave sconosciuta province"},
		{[]string{"run", "--config", filepath.Join(dir, "manca.toml")}, exitUsage, "consolida init"},
		{[]string{"run", "--config", cfg, "altro.csv"}, exitUsage, "cartella inbox"},
		{[]string{"init"}, exitUsage, "indicare una cartella"},
		{[]string{"import", "--ledger", filepath.Join(dir, "x.db")}, exitUsage, "indicare almeno un file"},
		{[]string{"export", "--ledger", filepath.Join(dir, "x.db")}, exitUsage, "--out"},
		{[]string{"export", "--out", filepath.Join(dir, "u"), "--ledger", filepath.Join(dir, "vuoto.db")}, exitFailed, "è vuoto"},
		{[]string{"storico", "--ledger", filepath.Join(dir, "nessuno.db")}, exitFailed, "inesistente"},
	} {
		code, _, errs := batchCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("consolida %s: exit %d, %q; want %d and %q", strings.Join(tc.args, " "), code, errs, tc.code, tc.msg)
		}
	}
}

func TestBatchImportTwice(t *testing.T) {
	files := batchData(t, batch145Feb)
	db := filepath.Join(t.TempDir(), "consolida.db")
	out := batchMustRun(t, "import", files[0], "--ledger", db, "-q")
	if !strings.Contains(out, "importati 1 file (7.157 righe)") {
		t.Fatalf("first import: %s", out)
	}
	out = batchMustRun(t, "import", files[0], "--ledger", db, "-q")
	if !strings.Contains(out, "importati 0 file") || !strings.Contains(out, "già nel registro, saltato") {
		t.Fatalf("second import: %s", out)
	}
	if c := batchLedger(t, db); len(c.Files) != 1 || len(c.Records) != 7157 {
		t.Fatalf("%d files, %d records", len(c.Files), len(c.Records))
	}
}

// TestBatchAmountChange: an office's later notice of one candidatura with
// another amount and status gives one Cambio importo and one Cambio stato.
func TestBatchAmountChange(t *testing.T) {
	files := batchData(t, batch145Feb)
	dir := t.TempDir()
	db := filepath.Join(dir, "consolida.db")
	batchMustRun(t, "import", files[0], "--ledger", db, "-q")
	batchMustRun(t, "export", "--out", filepath.Join(dir, "u1"), "--mese", "2026-02", "--ledger", db, "--consiglio=false", "-q")

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
	batchMustRun(t, "import", notice, "--ledger", db, "-q")
	out := filepath.Join(dir, "u2")
	batchMustRun(t, "export", "--out", out, "--mese", "2026-03", "--ledger", db, "--consiglio=false", "-q")
	var got []string
	for _, r := range batchSheet(t, filepath.Join(out, "CST_2026-03.xlsx"), exporter.SheetNovita)[1:] {
		if len(r) >= 8 {
			got = append(got, r[0]+": "+r[5]+" -> "+r[6])
			if r[4] != row[col["codice_cup"]] || r[7] != "avviso_ufficio.csv:2" {
				t.Errorf("row %q", r)
			}
		}
	}
	wantAmount := fmt.Sprintf("%s: %s € -> 1.234,50 €", exporter.TipoCambioImporto, funding.Amount(batchCents(t, old)))
	if len(got) != 2 || got[0] != exporter.TipoCambioStato+": A - assegnata -> E - erogata dal 02/03/2026" || got[1] != wantAmount {
		t.Fatalf("Novità %q, want a status change and %q", got, wantAmount)
	}
}

// TestBatchSchema1LedgerSameNovita: a ledger written by the consolida of
// schema 1 (its snapshots hold keys of the old identity rules) gives, once
// migrated, the same Novità as a ledger made today from the same files.
// Without the migration's invalidation every candidatura would be new.
func TestBatchSchema1LedgerSameNovita(t *testing.T) {
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
		batchMustRun(t, "import", first, "--ledger", db, "-q")
		batchMustRun(t, "export", "--out", filepath.Join(dir, "u1"), "--mese", "2026-02", "--ledger", db, "--consiglio=false", "-q")
		if downgrade {
			schema1(t, db)
		}
		batchMustRun(t, append([]string{"import"}, append(later, "--ledger", db, "-q")...)...)
		out := filepath.Join(dir, "u2")
		stdout := batchMustRun(t, "export", "--out", out, "--mese", "2026-03", "--ledger", db, "--consiglio=false", "-q")
		var items [][]string
		for _, r := range batchSheet(t, filepath.Join(out, "CST_2026-03.xlsx"), exporter.SheetNovita)[1:] {
			if len(r) == len(exporter.NovitaHeader) {
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
