//go:build unix

package testkit

import (
	"os"
	"syscall"
	"time"
)

// peakRSS is the peak resident memory of a finished process, in bytes
// (Linux reports kilobytes).
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) * 1024
	}
	return 0
}

// CPUTime is the user+system CPU time of this process so far: the
// machines are shared, so the benchmarks report CPU seconds besides wall
// time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
