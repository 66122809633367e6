package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"consolida/funding"
	"consolida/ledger"
)

// Store is what the monthly batch needs from a ledger: the imported files
// with their records, and the exports with the snapshot each was compared
// against. *ledger.Ledger (SQLite) is one; storetest.Run is the contract
// every Store must pass, and storetest.Memory a second one.
type Store interface {
	// FileBySHA returns the stored file with that SHA-256 (any case), or
	// nil.
	FileBySHA(ctx context.Context, sha string) (*ledger.File, error)
	// UniqueName returns name, or "name (2).ext", "name (3).ext"... when
	// a stored file already has that name.
	UniqueName(ctx context.Context, name string) (string, error)
	// AddFile stores a file with its records and anomalies, all or
	// nothing (also when ctx is cancelled midway). A file whose SHA-256 is
	// stored gives ledger.ErrKnownFile and changes nothing. onRows, if not
	// nil, is told now and then how many records are stored so far.
	AddFile(ctx context.Context, in ledger.Import, onRows func(done int)) (ledger.File, error)
	// SetPath records where a stored file now is (once archived).
	SetPath(ctx context.Context, id int64, path string) error
	// Files lists the stored files in import order.
	Files(ctx context.Context) ([]ledger.File, error)
	// Load gives the whole content in import order, ready for
	// funding.Consolidate. onRows, if not nil, is told now and then how
	// many records are loaded so far.
	Load(ctx context.Context, onRows func(done int)) (*ledger.Content, error)
	// Exports lists the recorded exports in order.
	Exports(ctx context.Context) ([]ledger.Export, error)
	// Baseline returns the export an export of the content lastFile
	// compares with (the latest export of an older content that kept its
	// snapshot); nil for the first export.
	Baseline(ctx context.Context, lastFile int64) (*ledger.Export, error)
	// Snapshot returns the snapshot stored with export id; ok is false
	// when there is none valid under the current funding.IdentityRules
	// (then the caller derives it again from the content up to the
	// export's LastFile and may store it with SetSnapshot).
	Snapshot(ctx context.Context, id int64) (snap funding.Snapshot, ok bool, err error)
	// SetSnapshot replaces the snapshot of export id.
	SetSnapshot(ctx context.Context, id int64, snap funding.Snapshot) error
	// SameContent returns the first export of the same content and month,
	// or nil.
	SameContent(ctx context.Context, lastFile int64, month string) (*ledger.Export, error)
	// AddExport records an export and its snapshot, and drops the
	// snapshots of the earlier exports of the same content; it returns the
	// export's ID.
	AddExport(ctx context.Context, e ledger.Export, snap funding.Snapshot) (int64, error)
	// Close releases the store.
	Close() error
}

// StoreOpener opens the store of a ledger. With exclusive, the caller
// writes and must be the only one until Close (a store held by another
// process is a *ledger.LockedError); otherwise it only reads, and a store
// that does not exist is a *NoStoreError.
type StoreOpener func(path string, exclusive bool) (Store, error)

// DefaultLedger is the ledger used when none is given.
const DefaultLedger = "consolida.db"

func ledgerPath(p string) string {
	if p == "" {
		return DefaultLedger
	}
	return p
}

// OpenSQLite opens the SQLite ledger at path: exclusively under its lock
// (ledger.Acquire: a second batch on the same ledger fails naming the
// holder), or to read only, without waiting for a running batch.
func OpenSQLite(path string, exclusive bool) (Store, error) {
	if !exclusive {
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, &NoStoreError{Ledger: path}
			}
			return nil, err
		}
		return openLedger(path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, &ActionError{Action: MakeLedgerDir, Path: dir, Err: err}
		}
	}
	lk, err := ledger.Acquire(path)
	if err != nil {
		return nil, err
	}
	lg, err := openLedger(path)
	if err != nil {
		lk.Release()
		return nil, err
	}
	return &lockedLedger{Ledger: lg, lock: lk}, nil
}

// openLedger opens the SQLite ledger and checks it (ledger.Check): a
// damaged ledger is refused before anything is imported or exported.
func openLedger(path string) (*ledger.Ledger, error) {
	lg, err := ledger.Open(path)
	if err != nil {
		return nil, &ActionError{Action: OpenLedger, Path: path, Err: err}
	}
	if err := lg.Check(context.Background()); err != nil {
		lg.Close()
		return nil, &ActionError{Action: OpenLedger, Path: path, Err: err}
	}
	return lg, nil
}

// lockedLedger is a ledger opened under its lock.
type lockedLedger struct {
	*ledger.Ledger
	lock *ledger.Lock
}

func (l *lockedLedger) Close() error {
	err := l.Ledger.Close()
	if rerr := l.lock.Release(); err == nil {
		err = rerr
	}
	return err
}

// openStore opens the ledger at path with opener (OpenSQLite when nil)
// and tells p.
func openStore(opener StoreOpener, path string, exclusive bool, p Progress) (Store, error) {
	if opener == nil {
		opener = OpenSQLite
	}
	st, err := opener(path, exclusive)
	if err != nil {
		return nil, err
	}
	p.Report(LedgerOpened{Path: path})
	return st, nil
}
