package testkit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the consolida command once per test process and returns
// its path: the tests that must see what a user sees (exit status, the
// real signal handling, peak memory) run it.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "consolida-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "consolida")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = Root()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return binPath
}

// Result is what a run of the binary gave.
type Result struct {
	Code           int
	Stdout, Stderr string
	PeakRSS        int64 // bytes: the program's VmHWM (Linux), else the child's rusage
	Elapsed        time.Duration
}

// RunBinary runs the binary in dir with args and a time limit; a run that
// outlives it is killed and fails the test (a hang is a bug).
func RunBinary(t testing.TB, dir string, limit time.Duration, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Start()
	peak := func() int64 { return 0 }
	if err == nil {
		peak = watchPeak(cmd.Process.Pid, cmd.Path)
		err = cmd.Wait()
	}
	r := Result{Stdout: out.String(), Stderr: errb.String(), Elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("consolida %v: still running after %s\n%s%s", args, limit, r.Stdout, r.Stderr)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	default:
		t.Fatalf("consolida %v: %v", args, err)
	}
	if r.PeakRSS = peak(); r.PeakRSS == 0 {
		r.PeakRSS = peakRSS(cmd.ProcessState)
	}
	return r
}
