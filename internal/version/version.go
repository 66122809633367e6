// Package version tells which consolida is running: the version, the
// commit and its date as the Go toolchain recorded them in the binary, and
// the Go version. The help, `consolida versione`, the document properties
// of the workbooks and the web page show it.
package version

import (
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Info describes the running binary.
type Info struct {
	Version   string    // "v1.2.0", or "dev-<commit>" for a build from a work tree
	Commit    string    // vcs.revision, shortened; "" when unknown
	BuildDate time.Time // vcs.time (the commit's date); zero when unknown
	Modified  bool      // built from a work tree with uncommitted changes
	Go        string    // runtime.Version()
}

// stamped may be set at link time: -ldflags "-X consolida/internal/version.stamped=v1.2.0".
var stamped string

// Get reads the build information of the running binary.
func Get() Info {
	in := Info{Version: stamped, Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if in.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			in.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Commit = s.Value
				if len(in.Commit) > 12 {
					in.Commit = in.Commit[:12]
				}
			case "vcs.time":
				in.BuildDate, _ = time.Parse(time.RFC3339, s.Value)
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	if in.Version == "" {
		in.Version = "dev"
		if in.Commit != "" {
			in.Version += "-" + in.Commit
		}
		if in.Modified {
			in.Version += "+modificato"
		}
	}
	return in
}

// Short is "consolida <version>", for document properties and headers.
func Short() string { return "consolida " + strings.TrimSpace(Get().Version) }
