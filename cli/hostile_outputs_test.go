//go:build linux

package cli

import (
	"bufio"
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"consolida/internal/testkit"
	"consolida/ui"
)

// The output side of issue 8 (and the messages of issue 9), on the real
// binary: what a user sees (exit status, message) and what stays on disk
// when a run is killed, interrupted, refused by a full disk or a file it
// cannot replace, or meets a damaged ledger or hostile texts.

// names lists the entries under dir (hidden ones too), without sizes:
// two runs write workbooks of different bytes (times inside the zip).
func names(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// outputs is the state of an output folder: its entries and the sheet
// dump of every workbook and CSV.
type outputs struct {
	tree string
	dump map[string]string
}

func state(t *testing.T, dir string) outputs {
	t.Helper()
	return outputs{names(t, dir), testkit.Dump(t, dir)}
}

func sameState(t *testing.T, what string, want, got outputs) {
	t.Helper()
	if got.tree != want.tree {
		t.Fatalf("%s: the folder holds\n%s\nwant\n%s", what, got.tree, want.tree)
	}
	testkit.SameDump(t, want.dump, got.dump)
}

// copyDir copies a folder, hidden files too.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// paused starts the binary built with the test hooks, stopped at point
// (it waits there to be killed or interrupted).
type paused struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
	code           int
}

func startPaused(t *testing.T, point string, args ...string) *paused {
	t.Helper()
	cmd := exec.Command(testkit.HookedBinary(t), args...)
	cmd.Env = append(os.Environ(), "CONSOLIDA_PAUSA="+point)
	p := &paused{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		found := false
		for sc.Scan() {
			if !found && sc.Text() == "PAUSA "+point {
				found = true
				reached <- true
				continue
			}
			p.stderr.Write([]byte(sc.Text() + "\n"))
		}
		io.Copy(io.Discard, pipe)
		if !found {
			reached <- false
		}
		cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	select {
	case ok := <-reached:
		if !ok {
			<-p.done
			t.Fatalf("consolida %v ended before %s: exit %d\n%s%s", args, point, p.code, p.stdout, p.stderr)
		}
	case <-time.After(binLimit):
		t.Fatalf("consolida %v did not reach %s", args, point)
	}
	return p
}

// kill ends the process with SIGKILL, as a power cut or the task manager.
func (p *paused) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// interrupt sends SIGINT (Ctrl-C) and waits for the process to end.
func (p *paused) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(binLimit):
		t.Fatalf("still running %s after Ctrl-C", binLimit)
	}
}

// chattr sets or clears the immutable attribute: the Linux stand-in for
// a file that another program holds open (Windows refuses to replace or
// move a workbook open in Excel; Linux refuses an immutable file).
func chattr(t *testing.T, flag, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", flag, path).CombinedOutput(); err != nil {
		t.Skipf("test saltato: chattr %s non disponibile (serve root su ext4): %v %s", flag, err, out)
	}
}

func TestHostileOutputs(t *testing.T) {
	base := t.TempDir()
	// the previous outputs: November from one sample file, the council
	// set of October
	prev := filepath.Join(base, "precedente")
	run := func(dir string, args ...string) testkit.Result {
		return testkit.RunBinary(t, dir, binLimit, args...)
	}
	mustBin := func(args ...string) {
		if r := run(testkit.Root(), args...); r.Code != 0 {
			t.Fatalf("consolida %v: exit %d\n%s%s", args, r.Code, r.Stdout, r.Stderr)
		}
	}
	mustBin("run", "samples/candidature_comuni_lecco.csv", "--out", prev, "--mese", "2026-10", "-q")
	mustBin("run", "samples/candidature_comuni_lecco.csv", "--out", prev, "--mese", "2026-11", "--consiglio=false", "--csv-excel", "-q")
	before := state(t, prev)
	fresh := func(t *testing.T) string {
		out := filepath.Join(t.TempDir(), "uscita")
		copyDir(t, prev, out)
		return out
	}
	// the run the cases break, and its outputs when nothing breaks it
	args := func(out string) []string { return []string{"run", "samples/", "--out", out, "--mese", "2026-11", "-q"} }
	cleanOut := fresh(t)
	mustBin(args(cleanOut)...)
	clean := state(t, cleanOut)
	if !strings.Contains(clean.tree, "consiglio_precedenti/2026-10/097058_Olgiate_Molgora.xlsx") || strings.Contains(clean.tree, "_excel.csv") {
		t.Fatalf("the clean run:\n%s", clean.tree)
	}

	// Ctrl-C before the swap: exit 130, the previous outputs whole; once
	// the swap has begun it is completed, and the message says so
	for _, tc := range []struct {
		point string
		code  int
		msg   string
		want  outputs
	}{
		{"preparato", ExitInterrupted, "consolida: " + ui.Interrupted + "\n", before},
		{"cst", ExitInterrupted, "consolida: " + ui.Interrupted + "\n", before},
		{"consiglio:3", ExitInterrupted, "consolida: " + ui.Interrupted + "\n", before},
		{"pronto", ExitOK, "consolida: " + ui.InterruptedTooLate + "\n", clean},
		{"scostato:consiglio", ExitOK, "consolida: " + ui.InterruptedTooLate + "\n", clean},
		{"installato:dettaglio_2026-11.csv", ExitOK, "consolida: " + ui.InterruptedTooLate + "\n", clean},
	} {
		t.Run("ctrl-c at "+tc.point, func(t *testing.T) {
			out := fresh(t)
			p := startPaused(t, tc.point, args(out)...)
			p.interrupt(t)
			if p.code != tc.code || p.stderr.String() != tc.msg {
				t.Fatalf("exit %d, stderr %q; want %d, %q", p.code, p.stderr.String(), tc.code, tc.msg)
			}
			if tc.code == ExitOK && !strings.Contains(p.stdout.String(), "Prospetti scritti in "+out) {
				t.Errorf("no summary: %q", p.stdout.String())
			}
			sameState(t, "after Ctrl-C", tc.want, state(t, out))
		})
	}

	// kill -9 anywhere: the next run completes and gives the clean outputs
	for _, point := range []string{"preparato", "cst", "consiglio:4", "pronto", "scostato:CST_2026-11.xlsx", "scostato:consiglio",
		"installato:dettaglio_2026-11.csv", "installato:.consolida-consiglio", "fatto"} {
		t.Run("kill -9 at "+point, func(t *testing.T) {
			out := fresh(t)
			startPaused(t, point, args(out)...).kill(t)
			if r := run(testkit.Root(), args(out)...); r.Code != 0 || r.Stderr != "" {
				t.Fatalf("the run after the kill: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
			}
			sameState(t, "after the kill and a new run", clean, state(t, out))
		})
	}

	t.Run("previous workbook cannot be replaced", func(t *testing.T) {
		out := fresh(t)
		cst := filepath.Join(out, "CST_2026-11.xlsx")
		chattr(t, "+i", cst)
		defer chattr(t, "-i", cst)
		r := run(testkit.Root(), args(out)...)
		want := "consolida: impossibile sostituire " + cst + ": permesso negato (è protetto, o aperto in un altro programma): " +
			"chiuderlo o controllarne i permessi e rieseguire; i prospetti precedenti sono rimasti intatti\n"
		if r.Code != ExitFailed || r.Stderr != want || r.Stdout != "" {
			t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant %q", r.Code, r.Stdout, r.Stderr, want)
		}
		sameState(t, "after the refusal", before, state(t, out))
		chattr(t, "-i", cst)
		if r := run(testkit.Root(), args(out)...); r.Code != 0 {
			t.Fatalf("once the file is free: exit %d %s", r.Code, r.Stderr)
		}
		sameState(t, "once the file is free", clean, state(t, out))
	})

	t.Run("disk full", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("test saltato: serve un disco piccolo (mount tmpfs), possibile solo da root")
		}
		disk := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk).CombinedOutput(); err != nil {
			t.Skipf("test saltato: mount tmpfs non riuscito: %v %s", err, out)
		}
		defer exec.Command("umount", disk).Run()
		out := filepath.Join(disk, "uscita")
		copyDir(t, prev, out)
		// leave less room than a new set takes
		var st syscall.Statfs_t
		if err := syscall.Statfs(disk, &st); err != nil {
			t.Fatal(err)
		}
		free := int64(st.Bavail) * st.Bsize
		if err := os.WriteFile(filepath.Join(disk, "riempitivo"), make([]byte, free-12<<10), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(testkit.Root(), args(out)...)
		if r.Code != ExitFailed || !strings.HasPrefix(r.Stderr, "consolida: scrittura di "+filepath.Join(out, "CST_2026-11.xlsx")+": ") ||
			!strings.HasSuffix(r.Stderr, "disco pieno: liberare spazio e rieseguire; i prospetti precedenti sono rimasti intatti\n") {
			t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		sameState(t, "disk full", before, state(t, out))
		os.Remove(filepath.Join(disk, "riempitivo"))
		if r := run(testkit.Root(), args(out)...); r.Code != 0 {
			t.Fatalf("with room again: exit %d %s", r.Code, r.Stderr)
		}
		sameState(t, "with room again", clean, state(t, out))
	})

	t.Run("another run on the same folder", func(t *testing.T) {
		out := fresh(t)
		p := startPaused(t, "cst", args(out)...)
		r := run(testkit.Root(), args(out)...)
		if r.Code != ExitFailed || !strings.Contains(r.Stderr, "la cartella di uscita "+out+" è in uso da un'altra esecuzione di consolida (processo ") {
			t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
		}
		p.kill(t)
		if r := run(testkit.Root(), args(out)...); r.Code != 0 {
			t.Fatalf("after the other run: exit %d %s", r.Code, r.Stderr)
		}
		sameState(t, "after the other run", clean, state(t, out))
	})

	t.Run("leftovers of an older version", func(t *testing.T) {
		out := fresh(t)
		testkit.Write(t, out, ".consolida-CST_2026-11.xlsx.new", "a metà")
		testkit.Write(t, out, ".consolida-4411.tmp", "a metà")
		testkit.Write(t, out, ".consiglio-77.tmp/097058_Olgiate_Molgora.xlsx", "a metà")
		mustBin(args(out)...)
		sameState(t, "leftovers", clean, state(t, out))
	})

	t.Run("province text in the council file names", func(t *testing.T) {
		dir := t.TempDir()
		// comuni without ISTAT code (N/D), known by their IPA code, with
		// the province as a hostile file writes it
		in := testkit.Write(t, dir, "uffici.csv", "codice_ipa,ente,tipologia_ente,comune,cod_comune,provincia,importo_finanziamento,avviso,codice_cup,stato_candidatura\n"+
			"c_z901,Comune di Borgo Fantasma,Comuni,Borgo Fantasma,N/D,*?,1000.0,1.4.4 Adozione SPID CIE,Z11F22000000001,A\n"+
			"c_z902,Comune di Villa Nuova,Comuni,Villa Nuova,N/D,C:,2000.0,1.4.4 Adozione SPID CIE,Z11F22000000002,A\n"+
			"c_z903,Comune di Monte Alto,Comuni,Monte Alto,N/D,..,3000.0,1.4.4 Adozione SPID CIE,Z11F22000000003,A\n"+
			"c_z904,Comune di Ponte Vecchio,Comuni,Ponte Vecchio,N/D,A/,4000.0,1.4.4 Adozione SPID CIE,Z11F22000000004,A\n")
		out := filepath.Join(dir, "uscita")
		r := run(testkit.Root(), "run", in, "--out", out, "--mese", "2026-11", "-q")
		if r.Code != 0 {
			t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		got := names(t, filepath.Join(out, "consiglio"))
		want := "./\nsenza-codice_A_Ponte_Vecchio.xlsx\nsenza-codice_Borgo_Fantasma.xlsx\nsenza-codice_C_Villa_Nuova.xlsx\nsenza-codice_Monte_Alto.xlsx"
		if got != want {
			t.Errorf("council workbooks:\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("damaged ledger", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "consolida.db")
		for _, f := range []string{"samples/candidature_comuni_lecco.csv", "samples/ufficio_ragioneria_olgiate.csv"} {
			mustBin("import", f, "--registro", db, "-q")
		}
		b, err := os.ReadFile(db)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(b) / 2 / 4096 * 4096; i < len(b)/2/4096*4096+4096; i++ {
			b[i] = byte(i*13 + 5)
		}
		if err := os.WriteFile(db, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "uscita")
		want := "consolida: il registro " + db + " è danneggiato (il controllo di integrità non è superato): nulla è stato importato né scritto. " +
			"Sostituirlo con la copia di sicurezza più recente e rieseguire; i file importati dopo quella copia sono in archivio e si possono rimettere in inbox\n"
		for _, a := range [][]string{
			{"import", "samples/allegato_decreto_85_2022_cloud.xlsx", "--registro", db, "-q"},
			{"export", "--out", out, "--registro", db, "-q"},
		} {
			r := run(testkit.Root(), a...)
			if r.Code != ExitFailed || r.Stderr != want || r.Stdout != "" {
				t.Errorf("consolida %v: exit %d\nstdout %q\nstderr %q", a, r.Code, r.Stdout, r.Stderr)
			}
		}
		if after, _ := os.ReadFile(db); !bytes.Equal(after, b) {
			t.Error("the damaged ledger was written")
		}
		if _, err := os.Stat(out); err == nil {
			t.Error("an export from a damaged ledger wrote outputs")
		}
	})

	t.Run("inbox file that cannot be moved", func(t *testing.T) {
		dir := t.TempDir()
		if r := run(dir, "init", dir); r.Code != 0 {
			t.Fatal(r.Stderr)
		}
		testkit.Copy(t, filepath.Join(dir, "inbox"), testkit.Samples(t)...)
		held := filepath.Join(dir, "inbox", "candidature_comuni_lecco.csv")
		chattr(t, "+i", held)
		defer chattr(t, "-i", held)
		cfg := filepath.Join(dir, "consolida.toml")
		r := run(dir, "run", "--config", cfg, "--mese", "2026-11", "-q")
		wantErr := "consolida: il file " + held + " non è stato spostato in archivio (permesso negato: è protetto, o aperto in un altro programma): è rimasto in " +
			filepath.Join(dir, "inbox") + ", già importato; sarà archiviato alla prossima esecuzione (chiuderlo prima)\n"
		if r.Code != ExitFailed || r.Stderr != wantErr || !strings.Contains(r.Stdout, "NON spostato in archivio, rimasto in inbox: "+held) ||
			!strings.Contains(r.Stdout, "spostati in "+filepath.Join(dir, "archivio", "2026-11")+": 2 file") ||
			!strings.Contains(r.Stdout, "totale finanziato (A+E) 1.009.450,80 €") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr %q", r.Code, r.Stdout, r.Stderr)
		}
		if _, err := os.Stat(held); err != nil {
			t.Fatal("the file left the inbox")
		}
		if _, err := os.Stat(filepath.Join(dir, "archivio", "2026-11", "candidature_comuni_lecco.csv")); err == nil {
			t.Fatal("the file is in the inbox and in the archive")
		}
		chattr(t, "-i", held)
		r = run(dir, "run", "--config", cfg, "--mese", "2026-11", "-q")
		if r.Code != 0 || !strings.Contains(r.Stdout, "già nel registro 1") {
			t.Fatalf("the next run: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		if ents, _ := os.ReadDir(filepath.Join(dir, "inbox")); len(ents) != 0 {
			t.Errorf("inbox after the next run: %v", ents)
		}
	})
}
