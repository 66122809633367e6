package web

import (
	"errors"
	"syscall"
)

// addrInUse tells whether a listen failed because the port is taken
// (WSAEADDRINUSE).
func addrInUse(err error) bool { return errors.Is(err, syscall.Errno(10048)) }
