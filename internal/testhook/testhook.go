// Package testhook lets the tests stop the real binary at a known point
// of its work, to kill it there (SIGKILL) or interrupt it (SIGINT) and
// check what the user and the next run find. In a normal build Pause does
// nothing; a binary built with -tags consolida_hooks
// (testkit.HookedBinary) reads the environment variable CONSOLIDA_PAUSA:
// a point's name stops it there ("PAUSA <point>" on stderr), "*" lists
// the points it passes ("PUNTO <point>").
package testhook

// Pause marks a point of the work ("pronto", "installato:consiglio"...).
func Pause(point string) {
	if pause != nil {
		pause(point)
	}
}

// pause is set by hooks_on.go in a binary built with the hooks.
var pause func(point string)
