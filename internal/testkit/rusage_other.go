//go:build !unix

package testkit

import (
	"os"
	"time"
)

// peakRSS is unknown outside Unix.
func peakRSS(*os.ProcessState) int64 { return 0 }

// CPUTime is unknown outside Unix: benchmarks report wall time only.
func CPUTime() time.Duration { return 0 }
