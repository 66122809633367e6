package cli

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"consolida/internal/hostile"
	"consolida/internal/testkit"
)

// The hostile and broken inputs of issue 8, through the real binary: the
// exit status, the Italian message, the previous outputs left as they
// were when the run fails, and the peak memory. testdata/hostile holds
// the small cases (go run ./testdata/hostile/genera writes them); the
// others are made here, in a temporary folder.

// hostileMaxRSS is the most memory any input of at most 10 MB may take.
const hostileMaxRSS = 500 << 20

// hostileTree hashes every file under dir, by path.
func hostileTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hostilePrevious is an output folder holding the outputs of a good run
// of the samples, copied for each case.
func hostilePrevious(t *testing.T) func() (string, map[string]string) {
	t.Helper()
	src := t.TempDir()
	r := testkit.RunBinary(t, testkit.Root(), time.Minute, "run", "samples/", "--out", src, "--mese", "2026-11", "-q")
	if r.Code != 0 {
		t.Fatalf("samples: exit %d\n%s", r.Code, r.Stderr)
	}
	return func() (string, map[string]string) {
		dst := t.TempDir()
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
		return dst, hostileTree(t, dst)
	}
}

// hostileMoreCases are the cases of this system only (FIFOs...).
var hostileMoreCases []hostileCase

type hostileCase struct {
	name string
	file string                                // in testdata/hostile
	make func(t *testing.T, dir string) string // or made here: the input's path
	args []string                              // more arguments of run
	exit int
	msg  string                         // in the standard error (exit != 0) or output
	then func(t *testing.T, out string) // what the outputs hold (exit 0)
}

func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary on every hostile case")
	}
	testkit.Binary(t)
	prev := hostilePrevious(t)
	damaged := "il file è danneggiato o incompleto"
	tooBig := "il file si espande oltre i limiti accettati"
	cases := []hostileCase{
		// finding 1: damage is refused where it is, in every format
		{name: "xlsx cut short in row 52", file: "xlsx_troncato.xlsx", exit: 1, msg: damaged + ` (foglio "Dati", riga 52)`},
		{name: "xlsx invalid UTF-8 in row 52", file: "xlsx_utf8.xlsx", exit: 1, msg: damaged + ` (foglio "Dati", riga 52)`},
		{name: "xlsx XML error in row 52", file: "xlsx_xml.xlsx", exit: 1, msg: damaged + ` (foglio "Dati", riga 52)`},
		{name: "ods cut short in row 52", file: "ods_troncato.ods", exit: 1, msg: damaged + ` (foglio "Dati", riga 52)`},
		{name: "ods DOCTYPE in row 52", file: "ods_doctype.ods", exit: 1, msg: damaged + ` (foglio "Dati", riga 52)`},
		{name: "xls record broken in row 8", file: "xls_troncato.xls", exit: 1, msg: damaged + ` (foglio "Finanziamenti", riga 8)`},
		{name: "csv NUL bytes in row 252", file: "csv_nul.csv", exit: 1, msg: damaged + ` (riga 252)`},
		{name: "csv quote never closed from row 252", file: "csv_virgolette.csv", exit: 1, msg: damaged + ` (riga 252)`},
		// finding 4: one budget, refused with a bounded memory
		{name: "ods one row a million times", file: "ods_bomba_righe.ods", exit: 1, msg: tooBig + ` (troppe righe per la dimensione del file, foglio "Dati"`},
		{name: "ods 16,382 repeated columns", file: "ods_bomba_colonne.ods", exit: 1, msg: tooBig + ` (troppe celle, foglio "Dati"`},
		{name: "ods a long text repeated", file: "ods_bomba_testo.ods", exit: 1, msg: tooBig + ` (troppo testo per la dimensione del file, foglio "Dati"`},
		{name: "ods a hundred sheets of repeated rows", file: "ods_bomba_fogli.ods", exit: 1, msg: tooBig + ` (troppe righe per la dimensione del file, foglio "F1"`},
		{name: "xlsx 40 sheets on one part", file: "xlsx_fogli_stessa_parte.xlsx", exit: 1, msg: tooBig + ` (troppi dati una volta decompresso)`},
		{name: "xls sheets on the same data", file: "xls_stessi_dati.xls", exit: 1, msg: damaged + ` (foglio "Altri comuni")`},
		{name: "xlsx 512 MiB in 1.8 MB", make: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "bomba.xlsx")
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := hostile.WriteXLSXBomb(f); err != nil {
				t.Fatal(err)
			}
			return p
		}, exit: 1, msg: tooBig + ` (troppi dati una volta decompresso)`},
		{name: "csv one line of 2 GiB", make: hostileLongLine, exit: 1, msg: "la riga 2 supera 4.194.304 byte: probabilmente un campo ha le virgolette aperte e mai chiuse"},
		// finding 5: what was quadratic
		{name: "ods 20,000 sheets", file: "ods_20000_fogli.ods", exit: 0, then: func(t *testing.T, out string) {
			rows := testkit.ReadCSV(t, filepath.Join(out, "dettaglio_2026-11.csv"))
			if len(rows) != 2 { // 20,000 sheets of the same candidatura: one
				t.Errorf("%d rows in the CSV", len(rows))
			}
		}},
		{name: "xlsx rows without r= and a text amount", file: "xlsx_senza_r.xlsx", exit: 0},
		// finding 10: cut with an anomaly, three decimals refused
		{name: "csv a decree of 40,000 characters", file: "csv_testo_lungo.csv", exit: 0, then: func(t *testing.T, out string) {
			rows := testkit.ReadCSV(t, filepath.Join(out, "dettaglio_2026-11.csv"))
			if len(rows) != 2 || len([]rune(rows[1][8])) != 32767 {
				t.Errorf("decree of %d characters in the CSV", len([]rune(rows[1][8])))
			}
			if a := strings.Join(hostileFlatten(testkit.SheetRows(t, filepath.Join(out, "CST_2026-11.xlsx"), "Anomalie")), "|"); !strings.Contains(a, "testo di 40000 caratteri, tagliato a 32767") {
				t.Errorf("no anomaly for the cut text: %s", a[:min(len(a), 500)])
			}
		}},
		{name: "ods an amount of 121.999", file: "ods_tre_decimali.ods", exit: 0, then: func(t *testing.T, out string) {
			a := strings.Join(hostileFlatten(testkit.SheetRows(t, filepath.Join(out, "CST_2026-11.xlsx"), "Anomalie")), "|")
			if !strings.Contains(a, "121.999") || !strings.Contains(a, "importo con tre decimali") {
				t.Errorf("no anomaly for 121.999: %s", a[:min(len(a), 500)])
			}
		}},
		{name: "ods an amount of 121.999, --strict", file: "ods_tre_decimali.ods", args: []string{"--strict"}, exit: 3, msg: "modalità --strict: 1 righe scartate"},
	}
	cases = append(cases, hostileMoreCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(testkit.Root(), "testdata", "hostile", c.file)
			if c.make != nil {
				in = c.make(t, t.TempDir())
			}
			size := hostileSize(t, in)
			out, before := prev()
			args := append([]string{"run", in, "--out", out, "--mese", "2026-11", "-q", "--consiglio=false"}, c.args...)
			// the program's temporary files go into a folder of their
			// own, which must be empty when it ends (finding 7)
			tmp := t.TempDir()
			r := testkit.RunBinaryEnv(t, t.TempDir(), 2*time.Minute, []string{"TMPDIR=" + tmp, "TMP=" + tmp, "TEMP=" + tmp}, args...)
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
			if r.Code != c.exit {
				t.Fatalf("exit %d, want %d\n%s%s", r.Code, c.exit, r.Stdout, r.Stderr)
			}
			text := r.Stderr + r.Stdout
			if c.msg != "" && !strings.Contains(text, c.msg) {
				t.Errorf("output %q\nwant %q", text, c.msg)
			}
			if strings.Contains(text, "corrupt input") || strings.Contains(text, "input over limit") || strings.Contains(text, "panic") {
				t.Errorf("English or a panic reached the user: %s", text)
			}
			if c.exit != 0 && c.exit != 3 {
				if after := hostileTree(t, out); !hostileSame(before, after) {
					t.Errorf("the previous outputs changed")
				}
			}
			if c.then != nil {
				c.then(t, out)
			}
			if r.PeakRSS > hostileMaxRSS && size <= 10<<20 || r.PeakRSS > hostileMaxRSS && c.make != nil {
				t.Errorf("peak memory %d MiB for an input of %d KB", r.PeakRSS>>20, size>>10)
			}
			t.Logf("%s: exit %d in %.1f s, peak %d MiB, input %d KB", c.name, r.Code, r.Elapsed.Seconds(), r.PeakRSS>>20, size>>10)
		})
	}
}

func hostileFlatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func hostileSame(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// hostileSize is the size of a file, or of the files of a folder.
func hostileSize(t *testing.T, p string) int64 {
	var n int64
	filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if st, err := d.Info(); err == nil {
				n += st.Size()
			}
		}
		return nil
	})
	return n
}

// hostileLongLine is a CSV whose second line opens a quote and runs for 2 GiB
// (64 MiB with -short): it peaked at 13 GB.
func hostileLongLine(t *testing.T, dir string) string {
	size := 2 << 30
	if testing.Short() {
		size = 64 << 20
	}
	p := filepath.Join(dir, "riga.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("comune,importo\n\"Lecco")
	chunk := bytes.Repeat([]byte("Lecco,1000;"), 1<<16)
	for n := 0; n < size; n += len(chunk) {
		w.Write(chunk)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// hostileRun is the binary running.
type hostileRun struct {
	cmd     *exec.Cmd
	out     bytes.Buffer // standard output
	err     bytes.Buffer // standard error
	reading chan struct{}
	done    chan struct{}
}

// wait waits for the end of the run; the text is its outputs.
func (r *hostileRun) wait() (error, string) {
	<-r.done
	err := r.cmd.Wait()
	return err, r.err.String() + r.out.String()
}

// hostileStart starts the binary (without -q); reading is closed once it
// reports that it reads its first file ("Lettura 1/1: ..." in a log).
func hostileStart(t *testing.T, args ...string) *hostileRun {
	t.Helper()
	r := &hostileRun{cmd: exec.Command(testkit.Binary(t), args...), reading: make(chan struct{}), done: make(chan struct{})}
	r.cmd.Stdout = &r.out
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(pipe)
		seen := false
		for sc.Scan() {
			r.err.WriteString(sc.Text() + "\n")
			if !seen && strings.Contains(sc.Text(), "Lettura 1/1: ") {
				seen = true
				close(r.reading)
			}
		}
		if !seen {
			close(r.reading)
		}
	}()
	return r
}

// hostileRows writes a large input of n rows.
func hostileRows(t *testing.T, p string, n int) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write := hostile.WriteRowsCSV
	if strings.HasSuffix(p, ".xlsx") {
		write = hostile.WriteRowsXLSX
	}
	if err := write(f, n); err != nil {
		t.Fatal(err)
	}
}

// TestFileChangedDuringRun: a file appended to while run reads it (an
// office still copying it) fails the run with a message that says to
// wait and run again; nothing is written.
func TestFileChangedDuringRun(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large input")
	}
	p := filepath.Join(t.TempDir(), "in_copia.csv")
	hostileRows(t, p, 1000000)
	out, before := hostilePrevious(t)()
	run := hostileStart(t, "run", p, "--out", out, "--mese", "2026-11", "--consiglio=false")
	<-run.reading
	time.Sleep(500 * time.Millisecond) // the file is open: reading 1,000,000 rows takes seconds
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("097042,Lecco,J71F99999999999,1000,1.4.1 Esperienza del Cittadino - Comuni - Aprile 2022\n")
	f.Close()
	err, text := run.wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(text, "in_copia.csv: il file è cambiato mentre veniva letto (copia ancora in corso?): attendere che la copia sia finita e rieseguire") {
		t.Fatalf("exit %v: %s", err, text)
	}
	if !hostileSame(before, hostileTree(t, out)) {
		t.Errorf("the previous outputs changed")
	}
}
