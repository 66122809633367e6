package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"consolida/internal/testkit"
)

var when = time.Date(2026, 11, 27, 10, 30, 0, 0, time.Local)

// runInto runs the samples (or one file of them) into out for month.
func runInto(t *testing.T, out, month string, o Output, inputs ...string) error {
	t.Helper()
	if len(inputs) == 0 {
		inputs = []string{testkit.Path("samples")}
	}
	o.Dir = out
	_, err := Run(context.Background(), RunOptions{Inputs: inputs, Scope: Scope{Month: month}, Output: o, Now: when}, nil)
	return err
}

func mustRunInto(t *testing.T, out, month string, o Output, inputs ...string) {
	t.Helper()
	if err := runInto(t, out, month, o, inputs...); err != nil {
		t.Fatalf("run %s into %s: %v", month, out, err)
	}
}

// tree lists the entries under dir (hidden ones too), one a line.
func tree(t *testing.T, dir string) string {
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

// copyTree copies dir to dst, as a kill would leave it on disk.
func copyTree(dir, dst string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// previous makes the outputs that the killed run replaces: a council set
// of October, then November's CST, CSV and Italian-Excel CSV from one file
// without council workbooks.
func previous(t *testing.T, out string) {
	mustRunInto(t, out, "2026-10", Output{Council: true})
	mustRunInto(t, out, "2026-11", Output{ExcelCSV: true}, testkit.Path("samples", "candidature_comuni_lecco.csv"))
}

// TestKilledAtEveryPoint: the output folder is copied at every point of
// a run where a kill leaves a different state (while writing, around
// each rename of the swap); on each copy, the same run again gives
// exactly the outputs of the run that was not killed, and another run
// (another month) gives what it gives after a complete run when the
// killed run had its set complete (journal), and after no run otherwise.
func TestKilledAtEveryPoint(t *testing.T) {
	base := t.TempDir()
	out := filepath.Join(base, "uscita")
	previous(t, out)

	var mu sync.Mutex
	var points []string
	snaps := map[string]string{}
	pausePoint = func(p string) {
		mu.Lock()
		defer mu.Unlock()
		snap := filepath.Join(base, fmt.Sprintf("kill%02d", len(points)))
		if err := copyTree(out, snap); err != nil {
			t.Errorf("copy at %s: %v", p, err)
		}
		points = append(points, p)
		snaps[p] = snap
	}
	mustRunInto(t, out, "2026-11", Output{Council: true})
	pausePoint = func(string) {}
	t.Cleanup(func() { pausePoint = func(string) {} })
	clean, cleanDump := tree(t, out), testkit.Dump(t, out)
	if !strings.Contains(clean, "consiglio_precedenti/2026-10/097058_Olgiate_Molgora.xlsx") || strings.Contains(clean, "_excel.csv") ||
		strings.Contains(clean, ".consolida-nuovo") {
		t.Fatalf("the complete run left:\n%s", clean)
	}
	want := []string{"preparato", "cst", "consiglio:1", "consiglio:7", "pronto", "scostato:CST_2026-11.xlsx",
		"scostato:dettaglio_2026-11_excel.csv", "installato:.consolida-consiglio", "storico", "fatto"}
	for _, w := range want {
		if snaps[w] == "" {
			t.Fatalf("no point %s among %v", w, points)
		}
	}

	// the other month, after the killed run complete or not at all
	other := func(dir string) (string, map[string]string) {
		mustRunInto(t, dir, "2026-12", Output{Council: true}, testkit.Path("samples", "ufficio_ragioneria_olgiate.csv"))
		return tree(t, dir), testkit.Dump(t, dir)
	}
	withA, withADump := other(out)
	withoutA := filepath.Join(base, "senza")
	previous(t, withoutA)
	noA, noADump := other(withoutA)

	complete := false
	for _, p := range points {
		snap := snaps[p]
		// a kill leaves no lock held: the copies hold none
		twin := snap + "-altro"
		if err := copyTree(snap, twin); err != nil {
			t.Fatal(err)
		}
		if p == "pronto" {
			complete = true
		}
		mustRunInto(t, snap, "2026-11", Output{Council: true})
		if got := tree(t, snap); got != clean {
			t.Errorf("killed at %s, then the same run:\n%s\nwant:\n%s", p, got, clean)
		} else {
			testkit.SameDump(t, cleanDump, testkit.Dump(t, snap))
		}
		if !slices.Contains([]string{"cst", "consiglio:7", "pronto", "scostato:CST_2026-11.xlsx", "installato:consiglio", "storico", "fatto"}, p) {
			continue // the other month after the points that tell the two cases apart
		}
		got, gotDump := other(twin)
		wantTree, wantDump := noA, noADump
		if complete {
			wantTree, wantDump = withA, withADump
		}
		if got != wantTree {
			t.Errorf("killed at %s, then December:\n%s\nwant:\n%s", p, got, wantTree)
		} else {
			testkit.SameDump(t, wantDump, gotDump)
		}
	}
}

// TestSwapFailureRollsBack: when a rename of the swap fails (on Windows:
// a workbook open in Excel), whichever it is, the entries already moved
// go back, the previous outputs are whole and nothing of the new set
// stays; when the way back fails too, the next run completes the swap.
func TestSwapFailureRollsBack(t *testing.T) {
	base := t.TempDir()
	ref := filepath.Join(base, "ref")
	previous(t, ref)
	prev, prevDump := tree(t, ref), testkit.Dump(t, ref)
	fresh := func(out string) {
		if err := copyTree(ref, out); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	countRenames := func(from, to string) error { n++; return os.Rename(from, to) }
	rename = countRenames
	t.Cleanup(func() { rename = os.Rename })
	done := filepath.Join(base, "done")
	fresh(done)
	n = 0
	mustRunInto(t, done, "2026-11", Output{Council: true})
	renames := n
	if renames < 8 {
		t.Fatalf("%d renames in a swap", renames)
	}
	clean, cleanDump := tree(t, done), testkit.Dump(t, done)
	busy := &os.LinkError{Op: "rename", Err: syscall.EBUSY}
	for k := 1; k <= renames; k++ {
		out := filepath.Join(base, fmt.Sprint("k", k))
		fresh(out)
		n = 0
		rename = func(from, to string) error {
			if n++; n == k {
				busy.Old, busy.New = from, to
				return busy
			}
			return os.Rename(from, to)
		}
		err := runInto(t, out, "2026-11", Output{Council: true})
		var se *SwapError
		var ae *ActionError
		switch {
		case err == nil:
			// the rename that sets the previous entries apart once the
			// swap is done: they are removed all the same
			if got := tree(t, out); got != clean {
				t.Fatalf("rename %d failed after the swap:\n%s\nwant:\n%s", k, got, clean)
			}
		case errors.As(err, &se):
			if !se.RolledBack || !errors.Is(err, syscall.EBUSY) {
				t.Fatalf("rename %d: %v", k, err)
			}
			if got := tree(t, out); got != prev {
				t.Fatalf("rename %d failed; the folder holds:\n%s\nwant:\n%s", k, got, prev)
			}
			testkit.SameDump(t, prevDump, testkit.Dump(t, out))
		case errors.As(err, &ae) && ae.Action == KeepCouncil:
			// the new set is in; the previous council set is moved by
			// the next run
		default:
			t.Fatalf("rename %d: %v", k, err)
		}
		rename = os.Rename
		mustRunInto(t, out, "2026-11", Output{Council: true})
		if got := tree(t, out); got != clean {
			t.Fatalf("rename %d failed, then again:\n%s\nwant:\n%s", k, got, clean)
		}
		testkit.SameDump(t, cleanDump, testkit.Dump(t, out))
	}

	// the way back fails too: the journal stays, the next run completes
	out := filepath.Join(base, "senza-ritorno")
	fresh(out)
	n = 0
	rename = func(from, to string) error {
		if n++; n >= 3 {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EBUSY}
		}
		return os.Rename(from, to)
	}
	err := runInto(t, out, "2026-11", Output{Council: true})
	var se *SwapError
	if !errors.As(err, &se) || se.RolledBack {
		t.Fatalf("no way back: %v", err)
	}
	rename = os.Rename
	mustRunInto(t, out, "2026-11", Output{Council: true})
	if got := tree(t, out); got != clean {
		t.Fatalf("after a swap left half done:\n%s\nwant:\n%s", got, clean)
	}
}

// TestCouncilHistory: the council set of a month is kept under
// consiglio_precedenti/<mese> when a run of another month replaces it; a
// run of the same month replaces its own.
func TestCouncilHistory(t *testing.T) {
	out := t.TempDir()
	lecco := testkit.Path("samples", "candidature_comuni_lecco.csv")
	olgiate := testkit.Path("samples", "ufficio_ragioneria_olgiate.csv")
	mustRunInto(t, out, "2026-10", Output{Council: true}, lecco)
	oct := testkit.Dump(t, filepath.Join(out, CouncilDir))
	mustRunInto(t, out, "2026-11", Output{Council: true}, olgiate)
	nov := testkit.Dump(t, filepath.Join(out, CouncilDir))
	hist := filepath.Join(out, CouncilHistoryDir)
	testkit.SameDump(t, oct, testkit.Dump(t, filepath.Join(hist, "2026-10")))

	// November again, from other files: it replaces November
	mustRunInto(t, out, "2026-11", Output{Council: true})
	nov2 := testkit.Dump(t, filepath.Join(out, CouncilDir))
	if len(nov2) == len(nov) {
		t.Fatalf("the second November run has %d workbooks like the first", len(nov2))
	}
	if got := tree(t, hist); got != "./\n2026-10/\n"+strings.Join(names(oct, "2026-10/"), "\n") {
		t.Errorf("history after November twice:\n%s", got)
	}
	// without council workbooks, a run leaves the set alone
	mustRunInto(t, out, "2026-12", Output{}, lecco)
	testkit.SameDump(t, nov2, testkit.Dump(t, filepath.Join(out, CouncilDir)))

	// back to October: November is kept, the old October stays as it was
	mustRunInto(t, out, "2026-10", Output{Council: true}, olgiate)
	testkit.SameDump(t, nov2, testkit.Dump(t, filepath.Join(hist, "2026-11")))
	testkit.SameDump(t, oct, testkit.Dump(t, filepath.Join(hist, "2026-10")))
	oct2 := testkit.Dump(t, filepath.Join(out, CouncilDir))
	// November again: the newer October replaces the older one there
	mustRunInto(t, out, "2026-11", Output{Council: true})
	testkit.SameDump(t, oct2, testkit.Dump(t, filepath.Join(hist, "2026-10")))

	// a set written by an older consolida (no month file) is kept, under
	// the month it was written, never dropped
	if err := os.Remove(filepath.Join(out, councilMonthFile)); err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2026, 7, 3, 12, 0, 0, 0, time.Local)
	if err := os.Chtimes(filepath.Join(out, CouncilDir), stamp, stamp); err != nil {
		t.Fatal(err)
	}
	cur := testkit.Dump(t, filepath.Join(out, CouncilDir))
	mustRunInto(t, out, "2026-11", Output{Council: true})
	testkit.SameDump(t, cur, testkit.Dump(t, filepath.Join(hist, "2026-07")))
}

func names(d map[string]string, prefix string) []string {
	var out []string
	for k := range d {
		out = append(out, prefix+k)
	}
	sort.Strings(out)
	return out
}

// TestLeftoversOfOlderVersions: what an older consolida left when killed
// (temporary files, a council set moved aside) is removed, or put back.
func TestLeftoversOfOlderVersions(t *testing.T) {
	out := t.TempDir()
	mustRunInto(t, out, "2026-11", Output{Council: true})
	clean := tree(t, out)
	// killed between moving the old council set aside and moving the
	// new one in
	if err := os.Rename(filepath.Join(out, CouncilDir), filepath.Join(out, ".consiglio-123.tmp.old")); err != nil {
		t.Fatal(err)
	}
	testkit.Write(t, out, ".consiglio-124.tmp/001_X.xlsx", "mezzo")
	testkit.Write(t, out, ".consolida-CST_2026-11.xlsx.new", "mezzo")
	testkit.Write(t, out, ".consolida-99.tmp", "mezzo")
	if err := recoverOutputs(out); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, out); got != clean {
		t.Fatalf("after the recovery:\n%s\nwant:\n%s", got, clean)
	}
}

// TestOutputsBusy: a staging folder held by a live run is left alone, and
// the second run refuses to write into the same folder, naming the holder.
func TestOutputsBusy(t *testing.T) {
	out := t.TempDir()
	mustRunInto(t, out, "2026-11", Output{Council: true})
	before := testkit.Dump(t, out)
	set, err := openOutputs(out)
	if err != nil {
		t.Fatal(err)
	}
	err = runInto(t, out, "2026-11", Output{Council: true})
	var busy *OutputsBusyError
	if !errors.As(err, &busy) || busy.Holder == nil || busy.Holder.PID != os.Getpid() {
		t.Fatalf("second run: %v", err)
	}
	if _, err := os.Stat(set.staging); err != nil {
		t.Fatalf("the live staging folder was touched: %v", err)
	}
	testkit.SameDump(t, before, testkit.Dump(t, out))
	set.abort()
	mustRunInto(t, out, "2026-11", Output{Council: true})
	if strings.Contains(tree(t, out), stagingPrefix) {
		t.Fatal("a staging folder is left")
	}
	// a staging folder whose lock is free (its run was killed) is removed
	st := filepath.Join(out, stagingPrefix+"1")
	testkit.Write(t, st, "CST_2026-11.xlsx", "mezzo")
	lk := flock.New(filepath.Join(st, lockName))
	if ok, err := lk.TryLock(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	lk.Close()
	if err := recoverOutputs(out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(st); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dead staging folder: %v", err)
	}
}

// TestMergeOptions: in the monthly batch the command line wins over the
// configuration for the heading and the signature; the Italian-Excel CSV
// is written when either asks for it; council false in the configuration
// wins.
func TestMergeOptions(t *testing.T) {
	no := false
	cfg := &Config{Out: "/u", Ledger: "/r.db", Council: &no, ExcelCSV: true, Heading: "CST Brianza", Signature: "Il Segretario"}
	_, out, ledger := MonthlyOptions{Output: Output{Council: true}}.merge(cfg)
	if out != (Output{Dir: "/u", ExcelCSV: true, Heading: "CST Brianza", Signature: "Il Segretario"}) || ledger != "/r.db" {
		t.Errorf("from the configuration: %+v %s", out, ledger)
	}
	_, out, _ = MonthlyOptions{Output: Output{Dir: "/v", Heading: "Comune di Merate", Signature: "Il Sindaco"}}.merge(&Config{Out: "/u"})
	if out != (Output{Dir: "/v", Heading: "Comune di Merate", Signature: "Il Sindaco"}) {
		t.Errorf("from the command line: %+v", out)
	}
}

// TestExcelCSVInTheSet: the Italian-Excel CSV is part of the output set:
// written when asked, removed by a later run of the same month that does
// not ask for it (it would no longer match), kept for other months.
func TestExcelCSVInTheSet(t *testing.T) {
	out := t.TempDir()
	mustRunInto(t, out, "2026-10", Output{ExcelCSV: true})
	mustRunInto(t, out, "2026-11", Output{ExcelCSV: true})
	for _, m := range []string{"2026-10", "2026-11"} {
		b, err := os.ReadFile(filepath.Join(out, ExcelCSVName(m)))
		if err != nil || !strings.HasPrefix(string(b), "\ufeffCodice ISTAT;") {
			t.Fatalf("%s: %v %.40q", m, err, b)
		}
	}
	mustRunInto(t, out, "2026-11", Output{})
	if _, err := os.Stat(filepath.Join(out, ExcelCSVName("2026-11"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the November Excel CSV outlived a November run without it: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, ExcelCSVName("2026-10"))); err != nil {
		t.Errorf("the October Excel CSV: %v", err)
	}
}
