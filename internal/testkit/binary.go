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

// build is one build of the consolida command.
type build struct {
	once sync.Once
	path string
	err  error
}

var builds sync.Map // build tags -> *build

// Binary builds the consolida command once per test process and returns
// its path: the tests that must see what a user sees (exit status, the
// real signal handling, peak memory) run it.
func Binary(t testing.TB) string {
	t.Helper()
	return binary(t, "")
}

// HookedBinary is the consolida command built with the test hooks
// (internal/testhook): with CONSOLIDA_PAUSA=<point> in its environment it
// stops at that point of its work (writing "PAUSA <point>" on stderr)
// until it is killed or interrupted, so that a test can kill it exactly
// there; with CONSOLIDA_PAUSA=* it lists the points it passes.
func HookedBinary(t testing.TB) string {
	t.Helper()
	return binary(t, "consolida_hooks")
}

func binary(t testing.TB, tags string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(tags, &build{})
	b := v.(*build)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "consolida-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "consolida")
		cmd := exec.Command("go", "build", "-tags="+tags, "-o", b.path, ".")
		cmd.Dir = Root()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = errors.New(string(out))
		}
	})
	if b.err != nil {
		t.Fatalf("go build: %v", b.err)
	}
	return b.path
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
	return RunBinaryEnv(t, dir, limit, nil, args...)
}

// RunBinaryEnv is RunBinary with env ("KEY=value") added to the
// environment of the test.
func RunBinaryEnv(t testing.TB, dir string, limit time.Duration, env []string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
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
