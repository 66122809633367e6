//go:build unix

package importer

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestCollectSkipsWhatIsNotAFile(t *testing.T) {
	// a FIFO would block the read forever, a device (/dev/zero) never
	// end: they are listed, never opened
	dir := tree(t, map[string]string{"a.csv": "comune,importo\nLecco,1\n"})
	if err := syscall.Mkfifo(filepath.Join(dir, "coda"), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "presa")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.csv")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var c *Collection
	go func() {
		defer close(done)
		c, err = Collect([]string{dir, filepath.Join(dir, "coda")}, CollectOptions{})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Collect hangs")
	}
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(c), "a.csv [coda: 1] [presa: 3] [zero.csv: 2]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Open refuses them too, without waiting for a writer
	for _, p := range []string{filepath.Join(dir, "coda"), "/dev/zero"} {
		done := make(chan error)
		go func() {
			_, err := Open(p)
			done <- err
		}()
		select {
		case err := <-done:
			var nr *NotRegularError
			if !errors.As(err, &nr) {
				t.Errorf("Open(%s) = %v, want a *NotRegularError", p, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Open(%s) hangs", p)
		}
	}
}
