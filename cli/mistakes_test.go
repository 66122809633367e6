package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"consolida/internal/testkit"
)

// binLimit bounds a run of the real binary in the tests (a hang is a bug).
const binLimit = 2 * time.Minute

// english are words of urfave/cli, Go and the libraries that must not
// reach an Italian user.
var english = regexp.MustCompile(`\b(NAME|USAGE|OPTIONS|COMMANDS|GLOBAL|DESCRIPTION|value|default|flag|provided|defined|needs|argument|invalid|expected|found|instead|error|failed|cannot|unable|permission|denied|such|directory|Key|line|incompatible|context canceled)\b|toml: `)

// TestEverydayMistakes (issue 9): each mistake a new user makes on the
// command line ends with its exit status and an Italian message that
// says what to write, on the real binary; nothing is written.
func TestEverydayMistakes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "uscita")
	cfgDir := filepath.Join(dir, "mensile")
	if r := testkit.RunBinary(t, dir, binLimit, "init", cfgDir); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	cfg := func(name, text string) string { return testkit.Write(t, cfgDir, name, text) }
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string // the whole of stderr but the "consolida: " and the hint
	}{
		{"unknown command", []string{"rn", "samples/", "--out", out}, ExitUsage,
			`comando sconosciuto "rn" (forse run?); i comandi sono: run, check, import, export, init, storico, serve, versione, aiuto`},
		{"command forgotten", []string{"samples/", "--out", out}, ExitUsage,
			`"samples/" non è un comando: per leggere file o cartelle scrivere consolida run samples/ --out CARTELLA; i comandi sono: run, check, import, export, init, storico, serve, versione, aiuto`},
		{"--out without its value", []string{"run", "samples/", "--out"}, ExitUsage, "l'opzione --out richiede un valore (ad es. --out uscita)"},
		{"--out followed by an option", []string{"run", "samples/", "--out", "--mese", "2026-11"}, ExitUsage, "l'opzione --out richiede un valore (ad es. --out uscita)"},
		{"--provincia last", []string{"run", "samples/", "--out", out, "--provincia"}, ExitUsage, "l'opzione --provincia richiede un valore (ad es. --provincia LC)"},
		{"--consiglio false", []string{"run", "samples/", "--out", out, "--consiglio", "false"}, ExitUsage,
			`scrivere --consiglio=false, con il segno = (--consiglio false leggerebbe "false" come un file)`},
		{"mistyped option", []string{"run", "samples/", "--out", out, "--provinica", "LC"}, ExitUsage, "opzione sconosciuta --provinica (forse --provincia?)"},
		{"province of no comune", []string{"run", "samples/", "--out", out, "--provincia", "XX", "-q"}, ExitUsage,
			"--provincia XX: nessun comune dei file è di questa provincia; nei file ci sono: LC (Lecco)"},
		{"province name of no comune", []string{"run", "samples/", "--out", out, "--provincia", "Roma", "-q"}, ExitUsage,
			"--provincia RM (Roma): nessun comune dei file è di questa provincia; nei file ci sono: LC (Lecco)"},
		{"help of an unknown command", []string{"aiuto", "rum"}, ExitUsage,
			`comando sconosciuto "rum" (forse run?); i comandi sono: run, check, import, export, init, storico, serve, versione, aiuto`},
		{"Windows path in double quotes", []string{"run", "--config", cfg("a.toml", "comuni = \"C:\\temp\\nomi.csv\"\n")}, ExitUsage,
			"file di configurazione " + filepath.Join(cfgDir, "a.toml") + `, riga 1: il percorso "C:\temp\nomi.csv" è scritto tra virgolette doppie, dove \ introduce un carattere speciale (\t diventa una tabulazione, \n un a capo): scriverlo tra apici singoli, comuni = 'C:\temp\nomi.csv'`},
		{"TOML syntax", []string{"run", "--config", cfg("b.toml", "uscita = prospetti\n")}, ExitUsage,
			"file di configurazione " + filepath.Join(cfgDir, "b.toml") + ", riga 1: manca il valore dopo = o non è tra apici: i testi vanno tra apici (uscita = 'uscita'), sì e no si scrivono true e false"},
		{"TOML type", []string{"run", "--config", cfg("c.toml", "consiglio = 'no'\n")}, ExitUsage,
			"file di configurazione " + filepath.Join(cfgDir, "c.toml") + ", riga 1: consiglio vuole true (sì) o false (no), senza virgolette"},
		{"ledger on a plain run", []string{"run", "samples/", "--out", out, "--registro", "x.db"}, ExitUsage,
			"--registro si usa con --config (lavoro mensile) o con i comandi import, export e storico; run sui file non usa il registro"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testkit.RunBinary(t, testkit.Root(), binLimit, tc.args...)
			msg := strings.TrimSuffix(strings.TrimPrefix(r.Stderr, "consolida: "), "\n")
			msg = strings.TrimSuffix(msg, " (vedere: consolida COMANDO --aiuto)")
			if r.Code != tc.code || msg != tc.msg || r.Stdout != "" {
				t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant %d %q", r.Code, r.Stdout, r.Stderr, tc.code, tc.msg)
			}
			if english.MatchString(msg) {
				t.Errorf("English in %q", msg)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatalf("outputs written")
			}
		})
	}
	// the mistake of a name in place of the sigla is no mistake
	r := testkit.RunBinary(t, testkit.Root(), binLimit, "run", "samples/", "--out", out, "--provincia", "Lecco", "--mese", "2026-11", "-q")
	r2 := testkit.RunBinary(t, testkit.Root(), binLimit, "run", "samples/", "--out", filepath.Join(dir, "u2"), "--provincia", "LC", "--mese", "2026-11", "-q")
	if r.Code != 0 || strings.Replace(r.Stdout, out, "", 1) != strings.Replace(r2.Stdout, filepath.Join(dir, "u2"), "", 1) {
		t.Errorf("--provincia Lecco: exit %d\n%s%s\n--provincia LC:\n%s", r.Code, r.Stdout, r.Stderr, r2.Stdout)
	}
	testkit.SameDump(t, testkit.Dump(t, filepath.Join(dir, "u2")), testkit.Dump(t, out))
}

// TestHelpItalian: every help page (the program's, each command's, by
// --aiuto, -h, aiuto and help) is Italian: headings, placeholders,
// defaults; each command has its worked examples; the ledger is called
// registro everywhere.
func TestHelpItalian(t *testing.T) {
	pages := [][]string{{"--aiuto"}, {"-h"}, {"help"}, {"aiuto"}, {}}
	for _, c := range []string{"run", "check", "import", "export", "init", "storico", "versione"} {
		pages = append(pages, []string{c, "--aiuto"}, []string{"aiuto", c})
	}
	for _, args := range pages {
		r := testkit.RunBinary(t, testkit.Root(), binLimit, args...)
		if r.Code != 0 || r.Stderr != "" || !strings.HasPrefix(r.Stdout, "NOME:\n") || !strings.Contains(r.Stdout, "\nUSO:\n") {
			t.Errorf("consolida %v: exit %d\n%s%s", args, r.Code, r.Stdout, r.Stderr)
			continue
		}
		if m := english.FindString(r.Stdout); m != "" {
			t.Errorf("consolida %v: English %q in\n%s", args, m, r.Stdout)
		}
		if strings.Contains(r.Stdout, "archivio storico") || strings.Contains(r.Stdout, "ledger FILE") && !strings.Contains(r.Stdout, "--registro FILE, --ledger FILE") {
			t.Errorf("consolida %v: the ledger is not called registro:\n%s", args, r.Stdout)
		}
		if len(args) == 2 && args[0] != "versione" && args[1] != "versione" && !strings.Contains(r.Stdout, "\nESEMPI:\n   consolida ") {
			t.Errorf("consolida %v: no examples:\n%s", args, r.Stdout)
		}
	}
}

// TestVersion: versione, --versione and --version print the version, the
// Go version and the date of the code (or say it was not recorded).
func TestVersion(t *testing.T) {
	var first string
	for _, args := range [][]string{{"versione"}, {"--versione"}, {"--version"}} {
		r := testkit.RunBinary(t, testkit.Root(), binLimit, args...)
		lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
		if r.Code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "consolida ") || !strings.HasPrefix(lines[1], "  compilato con Go go1.") ||
			!(strings.HasPrefix(lines[2], "  dal codice del ") || strings.HasPrefix(lines[2], "  data di compilazione non registrata")) {
			t.Errorf("consolida %v: exit %d\n%s%s", args, r.Code, r.Stdout, r.Stderr)
		}
		if first == "" {
			first = r.Stdout
		} else if r.Stdout != first {
			t.Errorf("consolida %v:\n%s\nwant\n%s", args, r.Stdout, first)
		}
	}
}

// TestInitMonthlyCommand: init prints the monthly command with its paths
// quoted (a folder with a space works when pasted) and writes the batch
// file; the command printed runs.
func TestInitMonthlyCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Documenti CST")
	r := testkit.RunBinary(t, t.TempDir(), binLimit, "init", dir)
	cmd := `"` + testkit.Binary(t) + `" run --config "` + filepath.Join(dir, "consolida.toml") + `"`
	if r.Code != 0 || !strings.HasSuffix(r.Stdout, "oppure eseguire:\n  "+cmd+"\n") {
		t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	bat, err := os.ReadFile(filepath.Join(dir, "consolida-mensile.bat"))
	if err != nil || !strings.HasSuffix(string(bat), "\r\npause\r\n") || !strings.Contains(string(bat), `"`+testkit.Binary(t)+`" run --config "%~dp0consolida.toml"`) {
		t.Fatalf("consolida-mensile.bat: %v\n%s", err, bat)
	}
	testkit.Copy(t, filepath.Join(dir, "inbox"), testkit.Samples(t)...)
	r = testkit.RunBinary(t, dir, binLimit, "run", "--config", filepath.Join(dir, "consolida.toml"), "--mese", "2026-11", "-q")
	if r.Code != 0 || !strings.Contains(r.Stdout, "totale finanziato (A+E) 1.009.450,80 €") {
		t.Fatalf("the monthly command: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}
