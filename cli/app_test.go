package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"consolida/internal/testkit"
)

// The tests run from the module's folder, as a user runs consolida there:
// "samples/", "testdata/cases" and "../shared/data" are where they are.
func TestMain(m *testing.M) {
	if err := os.Chdir(testkit.Root()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// runCLI runs the command line in-process and returns status and output.
func runCLI(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	return runCtx(t, context.Background(), args...)
}

func runCtx(t testing.TB, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(ctx, append([]string{"consolida"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// mustRun runs a command that must succeed and returns its stdout.
func mustRun(t testing.TB, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("consolida %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	pdf := testkit.Write(t, dir, "prospetto.xlsx", "%PDF-1.4\n%fake\n")
	empty := testkit.Write(t, dir, "vuoto.csv", "")
	enc := filepath.Join(dir, "protetto.xlsx")
	ef := excelize.NewFile()
	ef.SetCellValue("Sheet1", "A1", "Comune")
	if err := ef.SaveAs(enc, excelize.Options{Password: "segreta"}); err != nil {
		t.Fatal(err)
	}
	ef.Close()
	headerOnly := testkit.Write(t, dir, "intestazione.csv", "Comune;Importo;Avviso\n")
	docs := filepath.Join(dir, "cartella")
	testkit.Write(t, docs, "decreto.pdf", "%PDF-1.4\n")
	file := testkit.Write(t, dir, "un_file", "")
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no inputs", []string{"run", "--out", dir}, ExitUsage, "indicare almeno un file o una cartella da leggere (vedere: consolida COMANDO --aiuto)"},
		{"no out", []string{"run", "samples/"}, ExitUsage, "indicare la cartella di uscita con --out"},
		{"bad mese", []string{"run", "samples/", "--out", dir, "--mese", "11-2026"}, ExitUsage, `--mese "11-2026" non valido: scrivere anno e mese come 2026-11`},
		{"empty provincia", []string{"run", "samples/", "--out", dir, "--provincia", " "}, ExitUsage, "--provincia vuota"},
		{"unknown flag", []string{"run", "samples/", "--out", dir, "--boh"}, ExitUsage, "opzione sconosciuta --boh"},
		{"flag without value", []string{"check", "--anomalie"}, ExitUsage, "l'opzione --anomalie richiede un valore"},
		{"invalid number", []string{"check", "samples/", "--anomalie", "xx"}, ExitUsage, `valore non valido per --anomalie: "xx"`},
		{"ledger without config", []string{"run", "samples/", "--out", dir, "--ledger", "x.db"}, ExitUsage, "--registro si usa con --config"},
		{"missing input", []string{"run", filepath.Join(dir, "nessuno"), "--out", dir}, ExitFailed, filepath.Join(dir, "nessuno") + ": file o cartella inesistente"},
		{"pdf renamed xlsx", []string{"run", pdf, "--out", dir, "-q"}, ExitFailed, "prospetto.xlsx: il file è un PDF"},
		{"empty file", []string{"run", empty, "--out", dir, "-q"}, ExitFailed, "vuoto.csv: il file è vuoto"},
		{"encrypted xlsx", []string{"run", enc, "--out", dir, "-q"}, ExitFailed, "protetto.xlsx: il file è protetto da password"},
		{"output folder under a file", []string{"run", "samples/", "--out", filepath.Join(file, "sotto"), "-q"}, ExitFailed, "cartella di uscita " + filepath.Join(file, "sotto") + ": " + file + ": una parte del percorso è un file, non una cartella"},
		{"missing comuni list", []string{"run", "samples/", "--out", dir, "--comuni", filepath.Join(dir, "no.csv")}, ExitFailed,
			"elenco dei comuni " + filepath.Join(dir, "no.csv") + ": " + filepath.Join(dir, "no.csv") + ": file o cartella inesistente"},
		{"missing members list", []string{"run", "samples/", "--out", dir, "--membri", filepath.Join(dir, "no.txt")}, ExitFailed, "elenco dei membri "},
		{"empty folder", []string{"run", t.TempDir(), "--out", dir}, ExitFailed, "nessun file da leggere in "},
		{"check without files", []string{"check"}, ExitUsage, "indicare almeno un file da controllare"},
		{"strict with rejected rows", []string{"run", "samples/", "--out", dir, "--strict", "-q"}, ExitRejected, "modalità --strict: 2 righe scartate (vedere il foglio Anomalie)"},
		{"header only", []string{"run", headerOnly, "--out", dir, "-q"}, ExitOK, ""},
		{"a pdf in a folder is listed, not fatal", []string{"run", docs, "--out", dir, "-q"}, ExitOK, ""},
		{"unknown command", []string{"rn", "samples"}, ExitUsage, `comando sconosciuto "rn" (forse run?); i comandi sono: run, check, import, export, init, storico, serve, versione, aiuto`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.msg)
			}
			if tc.msg != "" && !strings.HasPrefix(stderr, "consolida: ") {
				t.Errorf("stderr %q does not start with consolida:", stderr)
			}
			if strings.Contains(stderr, "goroutine") || strings.Count(strings.TrimSpace(stderr), "\n") > 3 {
				t.Errorf("not a short message: %q", stderr)
			}
		})
	}
}

// TestUnreadableFilesAllReported: every unreadable file of a run is named,
// the last one in the final message.
func TestUnreadableFilesAllReported(t *testing.T) {
	dir := t.TempDir()
	testkit.Write(t, dir, "a_prospetto.xlsx", "%PDF-1.4\n")
	testkit.Write(t, dir, "b_vuoto.csv", "")
	testkit.Write(t, dir, "c_intestazione.csv", "Comune;Importo\n")
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", dir, "--out", out, "-q")
	want := "consolida: " + filepath.Join(dir, "a_prospetto.xlsx") + ": il file è un PDF, non un foglio di calcolo: chiedere all'ufficio il prospetto in Excel, ODS o CSV\n" +
		"consolida: " + filepath.Join(dir, "b_vuoto.csv") + ": il file è vuoto\n"
	if code != ExitFailed || stderr != want || stdout != "" {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant %q", code, stdout, stderr, want)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Errorf("a failed run wrote %v", ents)
	}
}

// TestProgressLines: without --quiet and without a terminal, the run is
// logged line by line on stderr.
func TestProgressLines(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "samples/", "--out", out, "--mese", "2026-11")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	want := []string{
		"Lettura dei file: 0/3",
		"Lettura 1/3: samples/allegato_decreto_85_2022_cloud.xlsx",
		"Lettura 2/3: samples/candidature_comuni_lecco.csv",
		"Lettura 3/3: samples/ufficio_ragioneria_olgiate.csv",
		"Lettura dei file: 3/3 (",
		"Scrittura di " + filepath.Join(out, "CST_2026-11.xlsx") + " (19 candidature, 2 anomalie)",
		"Prospetti per i consigli comunali: 0/7",
		"Prospetti per i consigli comunali: 7/7 (",
		"Scritti 7 prospetti in " + filepath.Join(out, "consiglio"),
	}
	if len(lines) != len(want) {
		t.Fatalf("stderr:\n%s", stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], w)
		}
	}
	wantOut := "Prospetti scritti in " + out + " (mese 2026-11)\n" +
		"  righe lette 25: consolidate 19, duplicati 2, altri enti 2, fuori selezione 0, scartate 2\n" +
		"  comuni 7, candidature 19, totale finanziato (A+E) 1.009.450,80 €\n" +
		"  anomalie 2 (foglio Anomalie); conservazione delle righe e degli importi: rispettata\n"
	if stdout != wantOut {
		t.Errorf("summary:\n%s\nwant:\n%s", stdout, wantOut)
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := runCLI(t, "--aiuto")
	if code != 0 || !strings.Contains(out, "consolida COMANDO [opzioni] [file o cartelle...]") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, c := range []string{"run", "check", "import", "export", "init", "storico", "versione", "aiuto"} {
		if !strings.Contains(out, "   "+c+" ") && !strings.Contains(out, "   "+c+", ") {
			t.Errorf("help lacks %s", c)
		}
	}
	for _, args := range [][]string{{"aiuto"}, {"help"}} {
		if code, o, _ := runCLI(t, args...); code != 0 || o != out {
			t.Errorf("consolida %v: exit %d\n%s", args, code, o)
		}
	}
	_, out, _ = runCLI(t, "run", "--aiuto")
	for _, want := range []string{"--consiglio", "(predefinito: true)", "--mese AAAA-MM", "--config FILE", "--out CARTELLA, -o CARTELLA",
		"--registro FILE, --ledger FILE", "--provincia SIGLA", "--csv-excel", "--intestazione TESTO", "--firma TESTO"} {
		if !strings.Contains(out, want) {
			t.Errorf("run --aiuto lacks %q:\n%s", want, out)
		}
	}
	if _, o, _ := runCLI(t, "aiuto", "run"); o != out {
		t.Errorf("consolida aiuto run:\n%s\nwant the help of run", o)
	}
}

func TestInterspersed(t *testing.T) {
	app := newApp(nil, nil)
	for _, tc := range []struct{ in, want string }{
		{"consolida", "consolida"},
		{"consolida boh a --x", "consolida boh a --x"},
		{"consolida run a --out o b -q --mese=2026-11", "consolida run --out o -q --mese=2026-11 -- a b"},
		{"consolida run a -- --out", "consolida run -- a --out"},
		{"consolida run a --out", "error"},
		{"consolida run a --out --mese 2026-11", "error"},
		{"consolida run a --provincia", "error"},
		{"consolida run a --consiglio false --out o", "error"},
		{"consolida run a --consiglio=false --out o", "consolida run --consiglio=false --out o -- a"},
		{"consolida run a --intestazione -x-", "consolida run --intestazione -x- -- a"},
	} {
		args, err := interspersed(app, strings.Fields(tc.in))
		got := strings.Join(args, " ")
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.in, got, tc.want)
		}
	}
}
