package cli

import (
	"syscall"
	"unsafe"
)

var getConsoleProcessList = syscall.NewLazyDLL("kernel32.dll").NewProc("GetConsoleProcessList")

// withoutTerminal tells whether Windows made a console for this process
// alone: consolida was started from Explorer (a double-click), not from
// a Command Prompt or PowerShell, which share their console with it.
func withoutTerminal() bool {
	var ids [2]uint32
	n, _, _ := getConsoleProcessList.Call(uintptr(unsafe.Pointer(&ids[0])), uintptr(len(ids)))
	return n == 1
}
