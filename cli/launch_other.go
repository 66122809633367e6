//go:build !windows

package cli

import (
	"os"
	"runtime"

	"github.com/mattn/go-isatty"
)

// withoutTerminal: see unixWithoutTerminal.
func withoutTerminal() bool {
	fd := os.Stdin.Fd()
	return unixWithoutTerminal(runtime.GOOS, isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd), os.Getenv)
}
