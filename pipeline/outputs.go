package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"consolida/internal/lockfile"
	"consolida/internal/testhook"
)

// The outputs of a run are replaced as a set: the CST workbook, the CSV
// files and the council folder are written into a staging folder beside
// them (DIR/.consolida-nuovo-*), and swapped in only when all are
// complete. The swap moves the previous entries aside into the staging
// folder, moves the new ones in, and then drops the previous ones (the
// council set of another month is kept in DIR/consiglio_precedenti/<mese>).
//
// A journal (.pronto) is written into the staging folder once the new set
// is complete, before the first rename. A run that finds a staging folder
// left by a killed run completes the swap when the journal is there
// (every rename is idempotent: an entry already moved is not moved again)
// and removes the folder otherwise; the previous set is then untouched.
// A live run holds a lock in its staging folder, so that another run on
// the same output folder neither touches its work nor interleaves with it.

// The entries of an output folder.
const (
	CouncilDir        = "consiglio"            // the current council set
	CouncilHistoryDir = "consiglio_precedenti" // the council sets of the previous months, by month
	councilMonthFile  = ".consolida-consiglio" // the month of the current council set
	stagingPrefix     = ".consolida-nuovo-"
	journalName       = ".pronto"
	lockName          = ".lock"
	asideName         = ".precedenti"
)

// CSTName, CSVName and ExcelCSVName are the files of a month's outputs.
func CSTName(month string) string      { return "CST_" + month + ".xlsx" }
func CSVName(month string) string      { return "dettaglio_" + month + ".csv" }
func ExcelCSVName(month string) string { return "dettaglio_" + month + "_excel.csv" }

// journal is what a complete staging folder installs.
type journal struct {
	Month   string   `json:"mese"`
	Install []string `json:"nuovi"`       // entries of the staging folder, installed in this order
	Remove  []string `json:"da_togliere"` // previous entries that this set replaces by nothing
}

// outputSet is a set of outputs being written into its staging folder.
type outputSet struct {
	dir, staging string
	lock         *flock.Flock
}

// openOutputs prepares the output folder: it creates it, completes or
// removes what killed runs left there, and makes a staging folder for a
// new set, locked by this process.
func openOutputs(dir string) (*outputSet, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &ActionError{Action: MakeOutputDir, Path: dir, Err: err}
	}
	if err := recoverOutputs(dir); err != nil {
		return nil, err
	}
	st, err := os.MkdirTemp(dir, stagingPrefix+"*")
	if err != nil {
		return nil, &ActionError{Action: MakeOutputDir, Path: dir, Err: err}
	}
	lk, err := lockStaging(st)
	if err != nil {
		removeAll(st)
		return nil, &ActionError{Action: MakeOutputDir, Path: dir, Err: err}
	}
	if err := os.Chmod(st, 0o755); err != nil {
		lk.Close()
		removeAll(st)
		return nil, &ActionError{Action: MakeOutputDir, Path: dir, Err: err}
	}
	return &outputSet{dir: dir, staging: st, lock: lk}, nil
}

// path is where an entry of the set is written before the swap.
func (s *outputSet) path(name string) string { return filepath.Join(s.staging, name) }

// abort drops a set that was not committed; the previous outputs were
// not touched. A folder that cannot be removed now is removed by the next
// run (it has no journal).
func (s *outputSet) abort() {
	if s == nil || s.lock == nil {
		return
	}
	s.lock.Close()
	s.lock = nil
	removeAll(s.staging)
}

// commit swaps the complete set in: install are the entries of the
// staging folder, remove the previous entries that the set replaces by
// nothing. Once commit starts it is not interrupted: a swap is a few
// renames. When a rename fails (a file open in another program), the
// entries already moved are moved back and the error is a *SwapError with
// RolledBack set: the previous set is whole.
func (s *outputSet) commit(month string, install, remove []string) error {
	j := journal{Month: month, Install: install, Remove: remove}
	if err := writeJournal(s.staging, j); err != nil {
		return &ActionError{Action: WriteFile, Path: s.dir, Err: err}
	}
	pausePoint("pronto")
	var undo []move
	if err := swapIn(s.dir, s.staging, j, &undo); err != nil {
		se := err.(*SwapError)
		if rollback(undo) {
			se.RolledBack = true
			os.Remove(filepath.Join(s.staging, journalName))
			s.abort()
		} else {
			// the journal stays: the next run completes the swap
			s.lock.Close()
			s.lock = nil
		}
		return se
	}
	keepErr := keepCouncil(s.dir, s.staging, month)
	if keepErr != nil {
		// the new set is in place; the next run moves the previous
		// council set again (the journal stays)
		s.lock.Close()
		s.lock = nil
		return keepErr
	}
	finish(s.staging)
	pausePoint("fatto")
	s.abort()
	return nil
}

// finish ends a swap: the previous entries are set apart for removal
// first (one rename), then the journal goes. Without a journal a staging
// folder is only removed, so the previous entries must not be where a
// swap takes them from.
func finish(st string) {
	if err := rename(filepath.Join(st, asideName), filepath.Join(st, ".scarto")); err != nil && !errors.Is(err, os.ErrNotExist) {
		removeAll(filepath.Join(st, asideName))
	}
	os.Remove(filepath.Join(st, journalName))
}

// A move is a rename done by a swap, to undo it.
type move struct{ from, to string }

// rename is os.Rename; the tests replace it to make it fail.
var rename = os.Rename

// pausePoint marks the points of the writing and of the swap where a
// kill leaves a different state (testhook.Pause: a binary built for the
// tests stops there; the tests of this package copy the folder there).
var pausePoint = testhook.Pause

func rollback(undo []move) bool {
	ok := true
	for i := len(undo) - 1; i >= 0; i-- {
		if err := rename(undo[i].to, undo[i].from); err != nil {
			ok = false
		}
	}
	return ok
}

// SwapError: an output of the previous set could not be moved aside, or
// a new one moved in (on Windows, typically a workbook open in Excel).
// With RolledBack the previous set is whole and the new one was dropped;
// without, the next run completes the swap.
type SwapError struct {
	Dir        string // the output folder
	Path       string // the entry that could not be moved
	Err        error
	RolledBack bool
}

func (e *SwapError) Error() string {
	s := "replace outputs in " + e.Dir + ": " + e.Path + ": " + e.Err.Error()
	if e.RolledBack {
		return s + " (previous outputs restored)"
	}
	return s + " (to be completed by the next run)"
}

func (e *SwapError) Unwrap() error { return e.Err }

// swapIn moves the previous entries of dir aside into the staging folder
// and the new ones in. It is idempotent: run again on a staging folder
// whose swap was interrupted, it does what is left. undo, if not nil,
// receives each rename done.
func swapIn(dir, st string, j journal, undo *[]move) error {
	aside := filepath.Join(st, asideName)
	if err := os.MkdirAll(aside, 0o755); err != nil {
		return &SwapError{Dir: dir, Path: aside, Err: err}
	}
	move1 := func(from, to, point string) error {
		if err := rename(from, to); err != nil {
			return err
		}
		if undo != nil {
			*undo = append(*undo, move{from, to})
		}
		pausePoint(point)
		return nil
	}
	for _, n := range append(slices.Clone(j.Install), j.Remove...) {
		if slices.Contains(j.Install, n) && !exists(filepath.Join(st, n)) {
			continue // already installed
		}
		cur := filepath.Join(dir, n)
		if exists(cur) && !exists(filepath.Join(aside, n)) {
			if err := move1(cur, filepath.Join(aside, n), "scostato:"+n); err != nil {
				return &SwapError{Dir: dir, Path: cur, Err: err}
			}
		}
	}
	for _, n := range j.Install {
		if src := filepath.Join(st, n); exists(src) {
			if err := move1(src, filepath.Join(dir, n), "installato:"+n); err != nil {
				return &SwapError{Dir: dir, Path: filepath.Join(dir, n), Err: err}
			}
		}
	}
	return nil
}

// keepCouncil keeps the previous council set, moved aside by the swap,
// when it is of another month: it goes to consiglio_precedenti/<mese>,
// replacing an older set of that month there. A set of the same month is
// dropped with the staging folder. A set whose month is unknown (written
// by an older consolida) is always kept, under the month it was last
// modified, with " (2)"... when that name is taken.
func keepCouncil(dir, st, month string) error {
	aside := filepath.Join(st, asideName)
	old := filepath.Join(aside, CouncilDir)
	if !exists(old) {
		return nil
	}
	m, known := councilMonth(aside, old)
	if known && m == month {
		return nil
	}
	hist := filepath.Join(dir, CouncilHistoryDir)
	if err := os.MkdirAll(hist, 0o755); err != nil {
		return &ActionError{Action: KeepCouncil, Path: old, Target: hist, Err: err}
	}
	target := filepath.Join(hist, m)
	if known && exists(target) {
		if err := rename(target, filepath.Join(aside, CouncilHistoryDir+"-"+m)); err != nil {
			return &ActionError{Action: KeepCouncil, Path: old, Target: target, Err: err}
		}
	}
	for n := 2; exists(target); n++ {
		target = filepath.Join(hist, fmt.Sprintf("%s (%d)", m, n))
	}
	if err := rename(old, target); err != nil {
		return &ActionError{Action: KeepCouncil, Path: old, Target: target, Err: err}
	}
	pausePoint("storico")
	return nil
}

// councilMonth is the month of a council set moved aside: the one its
// month file says, or (unknown) the month it was last modified.
func councilMonth(aside, set string) (string, bool) {
	if b, err := os.ReadFile(filepath.Join(aside, councilMonthFile)); err == nil {
		m := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(b)), "mese="))
		if reMonth.MatchString(m) {
			return m, true
		}
	}
	t := time.Now()
	if info, err := os.Stat(set); err == nil {
		t = info.ModTime()
	}
	return t.Format("2006-01"), false
}

// writeCouncilMonth writes the month file of a council set.
func writeCouncilMonth(path, month string) error {
	return os.WriteFile(path, []byte("mese="+month+"\n"), 0o644)
}

// writeJournal writes the journal of a complete staging folder: to a
// temporary name, synced, then renamed, so that it is whole or absent.
func writeJournal(st string, j journal) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := filepath.Join(st, journalName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(st, journalName)); err != nil {
		return err
	}
	syncDir(st)
	return nil
}

func readJournal(st string) (journal, bool, error) {
	var j journal
	b, err := os.ReadFile(filepath.Join(st, journalName))
	if errors.Is(err, os.ErrNotExist) {
		return j, false, nil
	}
	if err != nil {
		return j, false, err
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return j, false, err
	}
	return j, true, nil
}

// syncDir makes the renames inside a folder durable where the system
// allows it (not on Windows, where opening a folder fails).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// recoverOutputs completes or removes what killed or failed runs left in
// an output folder: staging folders of this version (completed when
// their journal is there, removed otherwise) and the temporary files and
// folders of older versions. A staging folder locked by a live run is a
// *OutputsBusyError.
func recoverOutputs(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return &ActionError{Action: MakeOutputDir, Path: dir, Err: err}
	}
	for _, e := range ents {
		name, p := e.Name(), filepath.Join(dir, e.Name())
		switch {
		case strings.HasPrefix(name, stagingPrefix) && e.IsDir():
			if err := recoverStaging(dir, p); err != nil {
				return err
			}
		case !e.IsDir() && strings.HasPrefix(name, ".consolida-") &&
			(strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".new")):
			// a half-written output of an older version
			os.Remove(p)
		case e.IsDir() && strings.HasPrefix(name, ".consiglio-") && strings.HasSuffix(name, ".tmp.old"):
			// an older version moved the council set aside and was
			// killed before moving the new one in: put it back
			if cur := filepath.Join(dir, CouncilDir); !exists(cur) {
				if os.Rename(p, cur) == nil {
					continue
				}
			}
			removeAll(p)
		case e.IsDir() && strings.HasPrefix(name, ".consiglio-") && strings.HasSuffix(name, ".tmp"):
			removeAll(p)
		}
	}
	return nil
}

// recoverStaging completes (journal) or removes (no journal) the staging
// folder st left by a run that is no longer running.
func recoverStaging(dir, st string) error {
	lockPath := filepath.Join(st, lockName)
	if info, err := os.Stat(st); err == nil && !exists(lockPath) && time.Since(info.ModTime()) < 10*time.Second {
		return nil // a run is creating it right now
	}
	lk := flock.New(lockPath)
	ok, err := lk.TryLock()
	if err != nil && exists(lockPath) {
		return &ActionError{Action: MakeOutputDir, Path: dir, Err: err}
	}
	if err == nil && !ok {
		return &OutputsBusyError{Dir: dir, Holder: lockfile.ReadHolder(lockPath)}
	}
	defer lk.Close()
	j, complete, err := readJournal(st)
	if err != nil {
		return &ActionError{Action: RecoverOutputs, Path: st, Err: err}
	}
	if complete {
		if err := swapIn(dir, st, j, nil); err != nil {
			return err
		}
		if err := keepCouncil(dir, st, j.Month); err != nil {
			return err
		}
		finish(st)
	}
	lk.Close()
	removeAll(st)
	return nil
}

// OutputsBusyError: another consolida is writing into the same output
// folder.
type OutputsBusyError struct {
	Dir    string
	Holder *Holder // nil when unknown
}

func (e *OutputsBusyError) Error() string {
	return "output folder " + e.Dir + " is being written by another run"
}

// Holder describes the process that holds a lock.
type Holder = lockfile.Holder

// lockStaging locks a new staging folder for this process and writes who
// holds it (from byte 1: on Windows the lock covers byte 0).
func lockStaging(st string) (*flock.Flock, error) {
	p := filepath.Join(st, lockName)
	lk, ok, err := lockfile.TryLock(p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("lock %s: taken", p)
	}
	lockfile.WriteHolder(p) // only a description: the lock is taken
	return lk, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// removeAll is os.RemoveAll, followed, when that fails, by a removal
// entry by entry (files first, then the folders from the deepest): Wine's
// Windows layer refuses the system call os.RemoveAll uses ("unlinkat:
// Invalid function") but not a plain delete, and a folder that a program
// keeps open on Windows blocks only its own entries. What still cannot
// be removed is removed by the next run.
func removeAll(path string) error {
	err := os.RemoveAll(path)
	if err == nil {
		return nil
	}
	var dirs []string
	filepath.WalkDir(path, func(p string, d fs.DirEntry, werr error) error {
		switch {
		case werr != nil:
		case d.IsDir():
			dirs = append(dirs, p)
		default:
			os.Remove(p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(dirs[i])
	}
	if _, serr := os.Lstat(path); errors.Is(serr, os.ErrNotExist) {
		return nil
	}
	return err
}
