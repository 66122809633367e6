package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"consolida/funding"
)

// Entry is a file to read and the name it has in Fonte.
type Entry struct {
	Path string
	// Rel is the file's base name when it was given as an argument or
	// lies directly in a folder given as one, its path from that folder
	// (with slashes) when it lies in a subfolder: "giugno/file.csv".
	Rel string
	// Name is Rel, unless two files of the collection have the same Rel:
	// then their paths as given.
	Name string
}

// SkipReason says why an entry of a folder is not read.
type SkipReason uint8

// The reasons of a Skipped entry.
const (
	SkipFIFO      SkipReason = iota + 1 // a named pipe: reading it would wait for a writer forever
	SkipDevice                          // a device (/dev/zero would never end)
	SkipSocket                          // a socket
	SkipIrregular                       // another kind of entry that is not a file
	SkipDangling                        // a link to something that does not exist
	SkipLoop                            // a link to a folder that contains it, or too many links
)

// Skipped is an entry that is not read: it is listed in Fonti and by
// check with its reason, and the run goes on.
type Skipped struct {
	Path   string
	Name   string // as Entry.Name
	Reason SkipReason
}

// Why is the reason in Italian, as Fonti and check show it.
func (s Skipped) Why() string {
	switch s.Reason {
	case SkipFIFO:
		return "non è un file ma una pipe con nome (FIFO): ignorata"
	case SkipDevice:
		return "non è un file ma un dispositivo: ignorato"
	case SkipSocket:
		return "non è un file ma un socket: ignorato"
	case SkipDangling:
		return "collegamento a un file o una cartella che non esiste: ignorato"
	case SkipLoop:
		return "collegamento circolare (porta a una cartella che lo contiene): ignorato"
	}
	return "non è un file ordinario: ignorato"
}

// Source is the skipped entry as Fonti lists it.
func (s Skipped) Source() funding.Source {
	return funding.Source{Name: s.Name, Path: s.Path, Skipped: s.Why()}
}

// Collection is what Collect found in its arguments.
type Collection struct {
	Files   []Entry
	Skipped []Skipped
	// Unreadable are subfolders that could not be listed (permission
	// denied): the files in them are unknown, so a run treats them as it
	// treats a file it cannot read.
	Unreadable []FileError
}

// Paths lists the paths of the files, in order.
func (c *Collection) Paths() []string {
	out := make([]string, len(c.Files))
	for i, f := range c.Files {
		out[i] = f.Path
	}
	return out
}

// CollectOptions steer Collect.
type CollectOptions struct {
	// Exclude are folders that are never read, wherever they appear among
	// the subfolders: the command's own output folder and archive.
	Exclude []string
}

// notInput are the extensions of files that a folder may hold beside the
// data and that are never inputs: consolida's own configuration, ledger
// and batch file, and programs and their sources (the generator of the
// samples lives in samples/genera).
var notInput = map[string]bool{
	".db": true, ".toml": true, ".lock": true, ".sqlite": true, ".db-journal": true, ".db-wal": true, ".db-shm": true,
	".exe": true, ".dll": true, ".bat": true, ".cmd": true, ".ps1": true, ".sh": true, ".go": true,
}

// ownFolders are the folders consolida init makes (and the council folder
// of the outputs): inside an input folder they hold consolida's outputs
// and the files already read, which must not be read again as inputs.
var ownFolders = map[string]bool{"archivio": true, "uscita": true, "consiglio": true}

// Collect expands the arguments into input files, the way Power Query's
// "Da cartella" does: a file is itself; a folder gives the files inside
// it and in its subfolders, at any depth: in each folder its files
// sorted by name, then its subfolders sorted by name. Left out: hidden
// files and folders (a leading dot), office lock files (~$x.xlsx,
// .~lock), consolida's own configuration, ledger and batch file, programs
// (notInput), the folders named archivio, uscita or consiglio, and the
// folders of opt.Exclude. Links
// are followed: to a file or folder read once; a link to nothing, or to
// a folder that contains it, is skipped. Entries that are not regular
// files (FIFOs, devices, sockets) are skipped without being opened.
// Documents (PDF, Word...) are kept, and ReadFile lists them as skipped.
//
// An argument that does not exist, or a folder given as an argument that
// cannot be listed, is an error; a subfolder that cannot be listed is in
// Unreadable.
func Collect(args []string, opt CollectOptions) (*Collection, error) {
	c := &collector{out: &Collection{}, seenFile: map[string]bool{}, seenDir: map[string]bool{}, exclude: map[string]bool{}}
	for _, e := range opt.Exclude {
		if e != "" {
			c.exclude[realPath(e)] = true
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if r, ok := irregular(st.Mode()); ok {
				c.skip(a, "", filepath.Base(a), r)
				continue
			}
			c.file(a, "")
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		real := realPath(a)
		c.seenDir[real] = true
		c.walk(a, "", entries, []string{real})
	}
	c.names()
	return c.out, nil
}

type collector struct {
	out      *Collection
	rel      []string // of each file, from the folder given as an argument ("" for a file given)
	seenFile map[string]bool
	seenDir  map[string]bool
	exclude  map[string]bool
}

// file adds a regular file, once whatever the path it is reached by.
func (c *collector) file(path, rel string) {
	key := realPath(path)
	if c.seenFile[key] {
		return
	}
	c.seenFile[key] = true
	c.out.Files = append(c.out.Files, Entry{Path: path})
	c.rel = append(c.rel, rel)
}

// walk adds the files of the folder dir (whose entries are given), then
// its subfolders; rel is dir's path from the folder given as an argument,
// stack the real paths of dir and its ancestors.
func (c *collector) walk(dir, rel string, entries []fs.DirEntry, stack []string) {
	var dirs []string
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
			continue
		}
		path := filepath.Join(dir, name)
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			st, err := os.Stat(path)
			switch {
			case err == nil:
				mode = st.Mode()
			case errors.Is(err, fs.ErrNotExist):
				c.skip(path, rel, name, SkipDangling)
				continue
			case errors.Is(err, syscall.ELOOP):
				c.skip(path, rel, name, SkipLoop)
				continue
			default:
				c.out.Unreadable = append(c.out.Unreadable, FileError{Path: path, Err: err})
				continue
			}
		}
		switch {
		case mode.IsDir():
			if !ownFolders[strings.ToLower(name)] {
				dirs = append(dirs, name)
			}
		case mode.IsRegular():
			if notInput[strings.ToLower(filepath.Ext(name))] {
				continue
			}
			c.file(path, join(rel, name))
		default:
			r, _ := irregular(mode)
			c.skip(path, rel, name, r)
		}
	}
	for _, name := range dirs {
		path := filepath.Join(dir, name)
		real := realPath(path)
		if c.exclude[real] {
			continue
		}
		if contains(stack, real) {
			c.skip(path, rel, name, SkipLoop)
			continue
		}
		if c.seenDir[real] {
			continue // the same folder by another link: its files are read once
		}
		c.seenDir[real] = true
		entries, err := os.ReadDir(path)
		if err != nil {
			c.out.Unreadable = append(c.out.Unreadable, FileError{Path: path, Err: err})
			continue
		}
		c.walk(path, join(rel, name), entries, append(stack, real))
	}
}

// skip lists an entry that is not read, once.
func (c *collector) skip(path, rel, name string, r SkipReason) {
	key := path
	if a, err := filepath.Abs(path); err == nil {
		key = a
	}
	if c.seenFile[key] {
		return
	}
	c.seenFile[key] = true
	c.out.Skipped = append(c.out.Skipped, Skipped{Path: path, Name: join(rel, name), Reason: r})
}

// names gives each file its name in Fonte; names that two files would
// share become their paths as given.
func (c *collector) names() {
	count := map[string]int{}
	for i, f := range c.out.Files {
		n := c.rel[i]
		if n == "" {
			n = filepath.Base(f.Path)
		}
		c.out.Files[i].Rel, c.out.Files[i].Name = n, n
		count[n]++
	}
	for i, f := range c.out.Files {
		if count[f.Name] > 1 {
			c.out.Files[i].Name = filepath.ToSlash(f.Path)
		}
	}
}

func join(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// realPath is the absolute path of p with its links resolved, or as
// absolute as can be told.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// irregular tells the kind of an entry that is not a regular file or a
// folder; ok is false for those.
func irregular(m fs.FileMode) (SkipReason, bool) {
	switch {
	case m.IsRegular(), m.IsDir():
		return 0, false
	case m&fs.ModeNamedPipe != 0:
		return SkipFIFO, true
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return SkipDevice, true
	case m&fs.ModeSocket != 0:
		return SkipSocket, true
	}
	return SkipIrregular, true
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
// caller decides whether that is fatal. A cancelled Options.Context
// stops it between files or within one: the caller checks the context.
func ReadAll(files []Entry, opt *Options, onFile func(i int, path string)) *Batch {
	b := &Batch{}
	var parts [][]funding.Record // joined once at the end: no slice of records grown file by file
	rows := 0
	for i, f := range files {
		if opt.context().Err() != nil {
			break
		}
		if onFile != nil {
			onFile(i, f.Path)
		}
		r, err := ReadFile(f.Path, f.Name, i, opt)
		if err != nil {
			b.Failed = append(b.Failed, FileError{Path: f.Path, Err: err})
			b.Sources = append(b.Sources, funding.Source{Name: f.Name, Path: f.Path, Skipped: "illeggibile: " + err.Error()})
			b.Reports = append(b.Reports, FileReport{Path: f.Path})
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

// Entries gives paths (files, not folders) their names in Fonte, as
// Collect would.
func Entries(paths []string) []Entry {
	names := DisplayNames(paths)
	out := make([]Entry, len(paths))
	for i, p := range paths {
		out[i] = Entry{Path: p, Rel: filepath.Base(p), Name: names[i]}
	}
	return out
}
