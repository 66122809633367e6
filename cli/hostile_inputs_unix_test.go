//go:build unix

package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"consolida/internal/testkit"
)

func init() {
	hostileMoreCases = append(hostileMoreCases, []hostileCase{
		// finding 6: what is not a file is skipped and listed
		{name: "a folder with a FIFO, a socket, /dev/zero, a dangling link, a loop", make: hostileNotFiles, exit: 0, then: func(t *testing.T, out string) {
			f := strings.Join(hostileFlatten(testkit.SheetRows(t, filepath.Join(out, "CST_2026-11.xlsx"), "Fonti")), "|")
			for _, want := range []string{"coda", "pipe con nome (FIFO)", "zero.csv", "dispositivo", "rotto.csv", "collegamento a un file", "giro", "collegamento circolare"} {
				if !strings.Contains(f, want) {
					t.Errorf("Fonti does not say %q", want)
				}
			}
		}},
	}...)
}

// hostileNotFiles is a folder of the samples with a FIFO, a socket, a link to
// /dev/zero, a dangling link and a link to the folder itself.
func hostileNotFiles(t *testing.T, dir string) string {
	testkit.Copy(t, dir, testkit.Samples(t)...)
	if err := syscall.Mkfifo(filepath.Join(dir, "coda"), 0o644); err != nil {
		t.Fatal(err)
	}
	for target, name := range map[string]string{"/dev/zero": "zero.csv", filepath.Join(dir, "manca.csv"): "rotto.csv", dir: "giro"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestFIFOInInbox: a FIFO in a folder or in inbox used to block check,
// run and run --config forever (the last holding the ledger's lock): it
// is listed and the batch goes on.
func TestFIFOInInbox(t *testing.T) {
	testkit.Binary(t)
	dir := t.TempDir()
	if r := testkit.RunBinary(t, dir, time.Minute, "init", dir); r.Code != 0 {
		t.Fatalf("init: %s", r.Stderr)
	}
	inbox := filepath.Join(dir, "inbox")
	testkit.Copy(t, filepath.Join(inbox, "giugno"), testkit.Samples(t)...)
	for _, p := range []string{filepath.Join(inbox, "coda"), filepath.Join(inbox, "giugno", "coda")} {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := testkit.RunBinary(t, dir, time.Minute, "check", inbox)
	if r.Code != 0 || strings.Count(r.Stdout, "IGNORATO: non è un file ma una pipe con nome (FIFO)") != 2 {
		t.Errorf("check: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = testkit.RunBinary(t, dir, time.Minute, "run", "--config", filepath.Join(dir, "consolida.toml"), "--mese", "2026-11", "-q")
	if r.Code != 0 || strings.Count(r.Stdout, "(non è un file ma una pipe con nome (FIFO): ignorata)") != 2 {
		t.Fatalf("run --config: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	// the files of the subfolder are archived in the same subfolder; the
	// FIFOs stay
	for _, f := range testkit.Samples(t) {
		if _, err := os.Stat(filepath.Join(dir, "archivio", "2026-11", "giugno", filepath.Base(f))); err != nil {
			t.Errorf("not archived: %v", err)
		}
	}
	if _, err := os.Lstat(filepath.Join(inbox, "giugno", "coda")); err != nil {
		t.Errorf("the FIFO moved: %v", err)
	}
	// the ledger names the subfolder, and is free for the next run
	r = testkit.RunBinary(t, dir, time.Minute, "storico", "--ledger", filepath.Join(dir, "consolida.db"), "--file")
	if r.Code != 0 || !strings.Contains(r.Stdout, "giugno/"+filepath.Base(testkit.Samples(t)[0])) {
		t.Errorf("storico: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// TestInterruptDuringRead: Ctrl-C during the read of a large file takes
// effect within a second (it took the whole file: 160 s for an XLSX),
// with exit 130 and the previous outputs whole.
func TestInterruptDuringRead(t *testing.T) {
	if testing.Short() {
		t.Skip("writes large inputs; sends SIGINT")
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		rows int
	}{{"grande.xlsx", 400000}, {"grande.csv", 1000000}} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			hostileRows(t, p, c.rows)
			out, before := hostilePrevious(t)()
			run := hostileStart(t, "run", p, "--out", out, "--mese", "2026-11")
			<-run.reading
			time.Sleep(200 * time.Millisecond)
			sent := time.Now()
			run.cmd.Process.Signal(os.Interrupt)
			err, text := run.wait()
			took := time.Since(sent)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(text, "interrotto") {
				t.Fatalf("exit %v after the interrupt: %s", err, text)
			}
			if took > time.Second {
				t.Errorf("stopped %.1f s after the interrupt", took.Seconds())
			}
			if !hostileSame(before, hostileTree(t, out)) {
				t.Errorf("the previous outputs changed")
			}
			t.Logf("%s: stopped %.2f s after the interrupt", c.name, took.Seconds())
		})
	}
}
