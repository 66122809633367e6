package ui

import (
	"os"
	"syscall"
	"testing"

	"consolida/pipeline"
)

// TestInUseMessages (Windows): a workbook open in Excel is named, with
// the remedy, wherever consolida meets it.
func TestInUseMessages(t *testing.T) {
	const cst = `C:\u\CST_2026-11.xlsx`
	sharing := &os.LinkError{Op: "rename", Old: cst, New: `C:\u\.consolida-nuovo-1\.precedenti\CST_2026-11.xlsx`, Err: syscall.Errno(32)}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&pipeline.SwapError{Dir: `C:\u`, Path: cst, Err: sharing, RolledBack: true},
			`il file C:\u\CST_2026-11.xlsx è aperto in un altro programma (Excel?): chiuderlo e rieseguire; i prospetti precedenti sono rimasti intatti`},
		{&pipeline.SwapError{Dir: `C:\u`, Path: `C:\u\consiglio`, Err: syscall.Errno(5), RolledBack: true},
			`la cartella C:\u\consiglio contiene un file aperto in un altro programma (Excel?): chiuderlo e rieseguire; i prospetti precedenti sono rimasti intatti`},
		{&pipeline.NotArchivedError{Inbox: `C:\m\inbox`, Files: []pipeline.ArchiveFailure{{Path: `C:\m\inbox\a.xlsx`, Err: syscall.Errno(32)}}},
			`il file C:\m\inbox\a.xlsx è aperto in un altro programma (Excel?) e non è stato spostato in archivio: è rimasto in C:\m\inbox, già importato; sarà archiviato alla prossima esecuzione (chiuderlo prima)`},
	} {
		if got := Message(tc.err); got != tc.want {
			t.Errorf("%v:\n got %q\nwant %q", tc.err, got, tc.want)
		}
	}
}
