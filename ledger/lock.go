package ledger

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// Holder describes the process that holds the lock of a ledger.
type Holder struct {
	PID   int
	Host  string
	Start time.Time
}

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
	fl := flock.New(p, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o644))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	if !ok {
		return nil, &LockedError{Path: ledgerPath, Holder: readHolder(p)}
	}
	l := &Lock{fl: fl, path: p}
	host, _ := os.Hostname()
	if err := writeHolder(p, Holder{PID: os.Getpid(), Host: host, Start: time.Now()}); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	return l, nil
}

// Release frees the lock. The lock file stays (removing it would race
// with a process about to lock it).
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	if f, err := os.OpenFile(l.path, os.O_WRONLY, 0); err == nil {
		f.Truncate(1)
		f.Close()
	}
	return l.fl.Unlock()
}

// The holder is written from byte 1 on: on Windows the lock covers byte
// 0, which other processes cannot read, and the rest stays readable.
func writeHolder(p string, h Holder) error {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	s := fmt.Sprintf("\npid=%d\nhost=%s\nstart=%s\n", h.PID, h.Host, h.Start.Format(time.RFC3339))
	if _, err := f.WriteAt([]byte(s), 0); err != nil {
		f.Close()
		return err
	}
	if err := f.Truncate(int64(len(s))); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readHolder(p string) *Holder {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := f.ReadAt(buf, 1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	h := &Holder{}
	for _, line := range strings.Split(string(buf[:n]), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "host":
			h.Host = v
		case "start":
			h.Start, _ = time.Parse(time.RFC3339, v)
		}
	}
	if h.PID == 0 {
		return nil
	}
	return h
}
