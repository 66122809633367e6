package ui

import (
	"fmt"
	"io"

	"consolida/internal/version"
)

// WriteVersion writes what `consolida versione` prints: the version, the
// Go version the program was compiled with, and the date of the code it
// was compiled from (with its commit), or that it was not recorded.
func WriteVersion(w io.Writer, in version.Info) {
	fmt.Fprintf(w, "consolida %s\n", in.Version)
	fmt.Fprintf(w, "  compilato con Go %s\n", in.Go)
	switch {
	case !in.BuildDate.IsZero() && in.Commit != "":
		fmt.Fprintf(w, "  dal codice del %s (commit %s)\n", in.BuildDate.Local().Format("02/01/2006 15:04"), in.Commit)
	case !in.BuildDate.IsZero():
		fmt.Fprintf(w, "  dal codice del %s\n", in.BuildDate.Local().Format("02/01/2006 15:04"))
	default:
		fmt.Fprintf(w, "  data di compilazione non registrata (programma compilato senza le informazioni di git)\n")
	}
}
