package ledger

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofrs/flock"

	"consolida/internal/lockfile"
)

// Holder describes the process that holds the lock of a ledger.
type Holder = lockfile.Holder

// LockedError: another process holds the lock. Holder is nil when its
// description could not be read.
type LockedError struct {
	Path   string
	Holder *Holder
}

func (e *LockedError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("ledger %s is locked by another process", e.Path)
	}
	return fmt.Sprintf("ledger %s is locked by process %d on %s since %s", e.Path, e.Holder.PID, e.Holder.Host,
		e.Holder.Start.Format(time.RFC3339))
}

// ErrLocked matches every *LockedError with errors.Is.
var ErrLocked = errors.New("ledger locked")

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Lock is the exclusive lock of a ledger, held on "<ledger>.lock" so that
// two batches on one ledger never interleave. The operating system
// releases it when the process ends, even on kill -9.
type Lock struct {
	fl   *flock.Flock
	path string
}

// LockPath is the lock file of a ledger.
func LockPath(ledgerPath string) string { return ledgerPath + ".lock" }

// Acquire takes the lock of the ledger at ledgerPath without waiting. If
// another process holds it, it returns a *LockedError naming the holder.
func Acquire(ledgerPath string) (*Lock, error) {
	p := LockPath(ledgerPath)
	fl, ok, err := lockfile.TryLock(p)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	if !ok {
		return nil, &LockedError{Path: ledgerPath, Holder: lockfile.ReadHolder(p)}
	}
	if err := lockfile.WriteHolder(p); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	return &Lock{fl: fl, path: p}, nil
}

// Release frees the lock. The lock file stays (removing it would race
// with a process about to lock it).
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	lockfile.ClearHolder(l.path)
	return l.fl.Unlock()
}
