//go:build linux

package testkit

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// watchPeak follows the peak resident memory (VmHWM) of the program that
// the process pid runs, once it runs bin, until stop is called; stop
// returns it in bytes (0 if never read). The rusage of a finished child
// cannot tell it: on Linux the child is started with vfork, and its
// maxrss counts the memory of the test process that started it.
func watchPeak(pid int, bin string) (stop func() int64) {
	done := make(chan struct{})
	result := make(chan int64, 1)
	want, _ := filepath.EvalSymlinks(bin)
	go func() {
		var peak int64
		defer func() { result <- peak }()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		status := "/proc/" + strconv.Itoa(pid) + "/status"
		exe := "/proc/" + strconv.Itoa(pid) + "/exe"
		for {
			if got, err := os.Readlink(exe); err == nil && got == want {
				if b, err := os.ReadFile(status); err == nil {
					if v := vmHWM(b); v > peak {
						peak = v
					}
				}
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		return <-result
	}
}

// vmHWM reads "VmHWM:   123456 kB" from /proc/PID/status, in bytes.
func vmHWM(status []byte) int64 {
	i := bytes.Index(status, []byte("VmHWM:"))
	if i < 0 {
		return 0
	}
	f := bytes.Fields(status[i+len("VmHWM:"):])
	if len(f) == 0 {
		return 0
	}
	kb, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return 0
	}
	return kb << 10
}
