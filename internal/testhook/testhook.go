// Package testhook lets the tests stop the real binary at a known point
// of its work, to kill it there (SIGKILL) and check what the next run
// finds. In a normal build Pause does nothing; a binary built with
// -tags consolida_hooks (testkit.HookedBinary) stops at the point named by
// the environment variable CONSOLIDA_PAUSA: it writes "PAUSA <point>" on
// stderr and waits to be killed.
package testhook

// Pause marks a point of the work ("pronto", "installato:2"...).
func Pause(point string) {
	if pause != nil {
		pause(point)
	}
}

// pause is set by hooks_on.go in a binary built with the hooks.
var pause func(point string)
