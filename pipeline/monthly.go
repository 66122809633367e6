package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"consolida/exporter"
	"consolida/importer"
)

// MonthlyOptions are the options of Monthly. Set options win over the
// configuration; Council false in the configuration wins over Council,
// and ExcelCSV is asked by either.
type MonthlyOptions struct {
	Config string // consolida.toml
	Ledger string
	Scope
	Output
	// OpenStore opens the ledger; nil: OpenSQLite.
	OpenStore StoreOpener
	Now       time.Time
}

// MonthlyResult is what a monthly batch did.
type MonthlyResult struct {
	Month  string
	Ledger string
	Inbox  string
	Found  int // files found in the inbox
	Import *ImportResult
	// Archive is the folder the files read were moved to, Moved their
	// new paths.
	Archive string
	Moved   []string
	// NotMoved are the files read that could not be moved to the
	// archive (open in another program): they stay in the inbox.
	NotMoved []ArchiveFailure
	Export   *ExportResult
}

// ArchiveFailure is a file that could not be archived, and why.
type ArchiveFailure struct {
	Path string
	Err  error
}

// Monthly is the monthly batch: it takes the ledger (exclusively),
// imports the new files of the inbox, exports, and moves the files read
// (imported now or before) to archivio/<month>/. A file of the inbox
// that cannot be read stays there: Monthly does the rest and returns its
// complete result with the importer.FileError of that file (a
// *NotImportedError for several); with Strict and rejected rows it
// returns its result and a *RejectedError.
func Monthly(ctx context.Context, opt MonthlyOptions, p Progress) (*MonthlyResult, error) {
	p = orDiscard(p)
	now := nowOr(opt.Now)
	cfg, err := LoadConfig(opt.Config)
	if err != nil {
		return nil, err
	}
	scope, out, ledgerFile := opt.merge(cfg)
	if scope, err = scope.normalize(now); err != nil {
		return nil, err
	}
	if st, err := os.Stat(cfg.Inbox); err != nil || !st.IsDir() {
		return nil, &InboxMissingError{Inbox: cfg.Inbox, Config: opt.Config}
	}
	st, err := openStore(opt.OpenStore, ledgerFile, true, p)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	// the files of the inbox and its subfolders; the archive and the
	// outputs, should they lie inside it, are not inputs
	coll, err := importer.Collect([]string{cfg.Inbox}, importer.CollectOptions{Exclude: []string{cfg.Archive, out.Dir}})
	if err != nil {
		return nil, &ActionError{Action: ReadInbox, Path: cfg.Inbox, Err: err}
	}
	imp, err := importFiles(ctx, st, ledgerFile, coll, p, now)
	if err != nil {
		return nil, err
	}
	exp, err := export(ctx, st, ledgerFile, exportJob{scope: scope, out: out, kind: "run", now: now}, p)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &MonthlyResult{Month: scope.Month, Ledger: ledgerFile, Inbox: cfg.Inbox, Found: len(coll.Files), Import: imp,
		Archive: filepath.Join(cfg.Archive, scope.Month), Export: exp}
	// the new outputs are in place and the export recorded: the files
	// read are archived even if the user interrupts now (a few renames)
	actx := context.WithoutCancel(ctx)
	removeLeftovers(res.Archive)
	for _, f := range imp.Files {
		// a file of a subfolder of the inbox goes to the same subfolder
		// of the archive
		dir := res.Archive
		if rel, err := filepath.Rel(cfg.Inbox, filepath.Dir(f.Path)); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			dir = filepath.Join(res.Archive, rel)
		}
		to, err := archive(f.Path, dir)
		if err != nil {
			// the file stays in the inbox (only there): the next run
			// finds it in the ledger and archives it
			res.NotMoved = append(res.NotMoved, ArchiveFailure{Path: f.Path, Err: err})
			continue
		}
		res.Moved = append(res.Moved, to)
		if !f.Known {
			if err := st.SetPath(actx, f.File.ID, absPath(to)); err != nil {
				return res, &ActionError{Action: OpenLedger, Path: ledgerFile, Err: err}
			}
		}
	}
	if err := imp.failure(); err != nil {
		return res, err
	}
	if len(res.NotMoved) > 0 {
		return res, &NotArchivedError{Files: res.NotMoved, Inbox: cfg.Inbox}
	}
	return res, strict(out, exp.Result)
}

// merge completes the options with the configuration.
func (opt MonthlyOptions) merge(cfg *Config) (Scope, Output, string) {
	scope, out, ledgerFile := opt.Scope, opt.Output, opt.Ledger
	if out.Dir == "" {
		out.Dir = cfg.Out
	}
	if ledgerFile == "" {
		ledgerFile = cfg.Ledger
	}
	if len(scope.Provinces) == 0 {
		scope.Provinces = cfg.Provinces
	}
	if scope.Members == "" {
		scope.Members = cfg.Members
	}
	if scope.ComuniList == "" {
		scope.ComuniList = cfg.ComuniList
	}
	if cfg.Council != nil && !*cfg.Council {
		out.Council = false
	}
	out.ExcelCSV = out.ExcelCSV || cfg.ExcelCSV
	if out.Heading == "" {
		out.Heading = cfg.Heading
	}
	if out.Signature == "" {
		out.Signature = cfg.Signature
	}
	return scope, out, ledgerFile
}

// archive moves a file into dir, never overwriting: a clash gets
// "nome (2).csv", "nome (3).csv"... It returns the new path. A file that
// cannot be moved (open in another program) stays where it was, and only
// there: the copy to another disk is removed when the original cannot be.
func archive(src, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Base(src)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	dst := filepath.Join(dir, base)
	for n := 2; ; n++ {
		if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
			break
		}
		dst = filepath.Join(dir, fmt.Sprintf("%s (%d)%s", stem, n, ext))
	}
	err := os.Rename(src, dst)
	if err == nil {
		return dst, nil
	}
	if !crossDevice(err) {
		return "", err
	}
	// another disk: copy, then remove the original
	if err := copyFile(src, dst); err != nil {
		return "", err
	}
	if err := os.Remove(src); err != nil {
		os.Remove(dst)
		return "", err
	}
	return dst, nil
}

// crossDevice tells a rename that failed because source and target are
// on different disks.
func crossDevice(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	return errno == syscall.EXDEV || runtime.GOOS == "windows" && errno == 17 // ERROR_NOT_SAME_DEVICE
}

// removeLeftovers removes the temporary files that a killed copy left in
// a folder of the archive.
func removeLeftovers(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, ".consolida-") && strings.HasSuffix(n, ".tmp") {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return exporter.WriteFileAtomic(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}
