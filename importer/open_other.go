//go:build !unix

package importer

import "os"

// openNoWait opens a path for reading (Windows has no FIFOs in folders).
func openNoWait(path string) (*os.File, error) { return os.Open(path) }
