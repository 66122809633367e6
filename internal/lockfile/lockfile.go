// Package lockfile is the lock file of a resource that one consolida at a
// time may write (the ledger, an output folder): an operating-system lock
// that is released when the process ends, even on kill -9, and a
// description of the holder that another process can read to say who
// holds it.
package lockfile

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

// Holder describes the process that holds a lock.
type Holder struct {
	PID   int
	Host  string
	Start time.Time
}

// TryLock takes the lock of the file p (created if needed) without
// waiting; ok is false when another process holds it.
func TryLock(p string) (fl *flock.Flock, ok bool, err error) {
	fl = flock.New(p, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o644))
	ok, err = fl.TryLock()
	if err != nil || !ok {
		return nil, ok, err
	}
	return fl, true, nil
}

// WriteHolder describes this process in the lock file p, which it holds.
// The description starts at byte 1: on Windows the lock covers byte 0,
// which other processes cannot read, and the rest stays readable.
func WriteHolder(p string) error {
	host, _ := os.Hostname()
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	s := fmt.Sprintf("\npid=%d\nhost=%s\nstart=%s\n", os.Getpid(), host, time.Now().Format(time.RFC3339))
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

// ClearHolder removes the description from the lock file p before the
// lock is released (the file stays: removing it would race with a
// process about to lock it).
func ClearHolder(p string) {
	if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
		f.Truncate(1)
		f.Close()
	}
}

// ReadHolder reads who holds the lock file p; nil when that cannot be
// told.
func ReadHolder(p string) *Holder {
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
