package ui

import (
	"errors"
	"runtime"
	"syscall"
)

// Windows errors (winerror.h), tested by number so that the rules below
// are the same code, and tested, on every system.
const (
	winAccessDenied     = syscall.Errno(5)
	winSharingViolation = syscall.Errno(32)
	winLockViolation    = syscall.Errno(33)
	winHandleDiskFull   = syscall.Errno(39)
	winDiskFull         = syscall.Errno(112)
	winInvalidName      = syscall.Errno(123)
	winDirectory        = syscall.Errno(267)
)

func inUse(err error) bool       { return inUseOn(runtime.GOOS, err) }
func diskFull(err error) bool    { return diskFullOn(runtime.GOOS, err) }
func invalidName(err error) bool { return invalidNameOn(runtime.GOOS, err) }

// inUseOn tells, on the system goos, a file that another program holds
// open. Windows refuses to replace, move or write a workbook open in
// Excel: a sharing or lock violation, or access denied for a rename.
// Elsewhere an open file can be replaced, and a refusal is a matter of
// permissions.
func inUseOn(goos string, err error) bool {
	if goos != "windows" {
		return false
	}
	return errors.Is(err, winSharingViolation) || errors.Is(err, winLockViolation) || errors.Is(err, winAccessDenied)
}

func diskFullOn(goos string, err error) bool {
	if goos == "windows" {
		return errors.Is(err, winDiskFull) || errors.Is(err, winHandleDiskFull)
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// invalidNameOn: on Windows "CreateFile ...: The filename, directory
// name, or volume label syntax is incorrect."; elsewhere a name with a
// NUL byte.
func invalidNameOn(goos string, err error) bool {
	if goos == "windows" {
		return errors.Is(err, winInvalidName) || errors.Is(err, winDirectory)
	}
	return errors.Is(err, syscall.EINVAL)
}
