//go:build unix

package importer

import (
	"os"
	"syscall"
)

// openNoWait opens a path for reading without waiting: a FIFO without a
// writer would otherwise block the open forever. Reads of a regular file
// are not affected.
func openNoWait(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
