//go:build !linux

package testkit

// watchPeak is not needed outside Linux: the rusage of the child is its
// own.
func watchPeak(pid int, bin string) (stop func() int64) { return func() int64 { return 0 } }
