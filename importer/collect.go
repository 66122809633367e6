package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"consolida/funding"
)

// Collect expands the arguments into input files: a file is itself, a
// folder gives the files directly inside it (not sub-folders), sorted by
// name. Hidden files, office lock files (~$x.xlsx, .~lock) and consolida's
// own configuration and ledger are left out; documents (PDF, Word...) are
// kept, and ReadFile lists them as skipped.
func Collect(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "~$") {
				continue
			}
			switch strings.ToLower(filepath.Ext(n)) {
			case ".db", ".toml", ".lock", ".sqlite", ".db-journal", ".db-wal", ".db-shm":
				continue // consolida's own configuration and ledger beside the data
			}
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			add(filepath.Join(a, n))
		}
	}
	return out, nil
}

// Batch is the outcome of reading many files.
type Batch struct {
	Records   []funding.Record
	Anomalies []funding.Anomaly
	Sources   []funding.Source
	Reports   []FileReport
	Failed    []FileError
}

// FileError is a file that could not be read at all.
type FileError struct {
	Path string
	Err  error
}

func (e FileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e FileError) Unwrap() error { return e.Err }

// ReadAll reads the files in order. A file that cannot be read is listed
// in Failed (and in Sources, with the reason) and the others go on; the
// caller decides whether that is fatal.
func ReadAll(paths []string, opt *Options, onFile func(i int, path string)) *Batch {
	b := &Batch{}
	names := DisplayNames(paths)
	var parts [][]funding.Record // joined once at the end: no slice of records grown file by file
	rows := 0
	for i, p := range paths {
		if onFile != nil {
			onFile(i, p)
		}
		r, err := ReadFile(p, names[i], i, opt)
		if err != nil {
			b.Failed = append(b.Failed, FileError{Path: p, Err: err})
			b.Sources = append(b.Sources, funding.Source{Name: names[i], Path: p, Skipped: "illeggibile: " + err.Error()})
			b.Reports = append(b.Reports, FileReport{Path: p})
			continue
		}
		parts = append(parts, r.Records)
		rows += len(r.Records)
		b.Anomalies = append(b.Anomalies, r.Anomalies...)
		b.Sources = append(b.Sources, r.Source)
		b.Reports = append(b.Reports, r.Report)
	}
	if len(parts) == 1 {
		b.Records = parts[0] // no copy for the only file
	} else if len(parts) > 1 {
		b.Records = make([]funding.Record, 0, rows)
		for _, p := range parts {
			b.Records = append(b.Records, p...)
		}
	}
	return b
}
