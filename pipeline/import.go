package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"consolida/funding"
	"consolida/importer"
	"consolida/ledger"
)

// ImportOptions are the options of Import.
type ImportOptions struct {
	Inputs []string // files and folders to import
	Ledger string   // the ledger; empty: DefaultLedger
	// OpenStore opens the ledger; nil: OpenSQLite.
	OpenStore StoreOpener
	Now       time.Time // the import time recorded; zero: now
}

// ImportedFile is an input file the batch handled: imported now, or found
// already in the ledger (same SHA-256).
type ImportedFile struct {
	Path  string
	File  ledger.File
	Known bool
}

// ImportResult is what an import did, file by file.
type ImportResult struct {
	Ledger string
	Files  []ImportedFile
	Failed []importer.FileError // files that could not be read, not imported
	// Skipped are the entries of the folders that are not files (FIFOs,
	// devices, dangling links...): not imported, not an error.
	Skipped []importer.Skipped
}

// Counts tells how many files were imported (with how many rows) and how
// many were already in the ledger.
func (r *ImportResult) Counts() (imported, known, rows int) {
	for _, f := range r.Files {
		if f.Known {
			known++
		} else {
			imported++
			rows += f.File.Read.Rows
		}
	}
	return
}

// failure is the error of an import whose files could not all be read.
func (r *ImportResult) failure() error {
	switch len(r.Failed) {
	case 0:
		return nil
	case 1:
		return r.Failed[0]
	}
	return &NotImportedError{Files: r.Failed}
}

// Import adds files to the ledger, one transaction per file: a file is
// stored whole or not at all. A file already in the ledger is skipped. A
// file that cannot be read is not imported and the others go on: Import
// then returns its complete result and the importer.FileError of that
// file (a *NotImportedError for several).
func Import(ctx context.Context, opt ImportOptions, p Progress) (*ImportResult, error) {
	p = orDiscard(p)
	if len(opt.Inputs) == 0 {
		return nil, &UsageError{Problem: MissingInputs, Op: OpImport}
	}
	coll, err := importer.Collect(opt.Inputs, importer.CollectOptions{})
	if err != nil {
		return nil, err
	}
	if len(coll.Files) == 0 && len(coll.Unreadable) == 0 {
		return nil, &NoFilesError{Op: OpImport, Inputs: opt.Inputs}
	}
	path := ledgerPath(opt.Ledger)
	st, err := openStore(opt.OpenStore, path, true, p)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	res, err := importFiles(ctx, st, path, coll, p, nowOr(opt.Now))
	if err != nil {
		return nil, err
	}
	return res, res.failure()
}

// importFiles adds the files to the store. An error is returned only when
// the store cannot be written or ctx was cancelled; unreadable files are
// listed in the result.
func importFiles(ctx context.Context, st Store, ledgerPath string, coll *importer.Collection, p Progress, now time.Time) (*ImportResult, error) {
	cat, syn, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Ledger: ledgerPath, Skipped: coll.Skipped}
	defer func() { res.Failed = append(res.Failed, coll.Unreadable...) }()
	opt := &importer.Options{Catalog: cat, Synonyms: syn, Context: ctx}
	files := coll.Files
	p.Report(StepStarted{Step: StepImport, Total: len(files)})
	defer p.Report(StepDone{Step: StepImport})
	done := func() { p.Report(StepAdvanced{Step: StepImport, Units: 1}) }
	known := func(path string, f *ledger.File) {
		res.Files = append(res.Files, ImportedFile{Path: path, File: *f, Known: true})
		done()
	}
	for i, entry := range files {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		path := entry.Path
		p.Report(StepItem{Step: StepImport, Index: i, Total: len(files), Path: path})
		// one descriptor: hashed first, parsed only when the store does
		// not hold it yet
		fr, f, err := readUnlessKnown(ctx, st, entry, opt)
		if err != nil && ctx.Err() != nil {
			return res, ctx.Err()
		}
		switch {
		case err != nil && errors.As(err, new(importer.FileError)):
			res.Failed = append(res.Failed, err.(importer.FileError))
			done()
			continue
		case err != nil:
			return res, err
		case f != nil:
			known(path, f)
			continue
		}
		if abs, err := filepath.Abs(path); err == nil {
			fr.Source.Path = abs
		}
		stored, err := st.AddFile(ctx, ledger.Import{Source: fr.Source, Records: fr.Records, Anomalies: fr.Anomalies, At: now},
			func(n int) { p.Report(RecordsStored{Path: path, Records: n}) })
		if errors.Is(err, ledger.ErrKnownFile) {
			// the same content twice in this batch
			f, err := st.FileBySHA(ctx, fr.Source.SHA256)
			if err != nil || f == nil {
				return res, &ActionError{Action: OpenLedger, Path: ledgerPath, Err: err}
			}
			known(path, f)
			continue
		}
		if errors.Is(err, funding.ErrSumOverflow) {
			// amounts that no total can hold: refused, the others go on
			res.Failed = append(res.Failed, importer.FileError{Path: path, Err: err})
			done()
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			return res, &ActionError{Action: StoreFile, Path: ledgerPath, Target: path, Err: err}
		}
		res.Files = append(res.Files, ImportedFile{Path: path, File: stored})
		p.Report(FileImported{Path: path, File: stored, N: len(res.Files)})
		done()
	}
	return res, nil
}

// readUnlessKnown opens the file once: it hashes it, returns the stored
// file when the store already holds that content, and otherwise parses it
// from the same descriptor, under its path from the folder imported
// ("giugno/file.csv") made unique in the store. A file that cannot be
// read, or that changed while read, is an importer.FileError; other
// errors come from the store.
func readUnlessKnown(ctx context.Context, st Store, entry importer.Entry, opt *importer.Options) (*importer.FileResult, *ledger.File, error) {
	path := entry.Path
	in, err := importer.Open(path)
	if err != nil {
		return nil, nil, importer.FileError{Path: path, Err: err}
	}
	defer in.Close()
	sha, err := in.SHA256()
	if err != nil {
		return nil, nil, importer.FileError{Path: path, Err: err}
	}
	f, err := st.FileBySHA(ctx, sha)
	if err != nil || f != nil {
		return nil, f, err
	}
	name, err := st.UniqueName(ctx, entry.Rel)
	if err != nil {
		return nil, nil, err
	}
	fr, err := in.Read(name, 0, opt)
	if err != nil {
		return nil, nil, importer.FileError{Path: path, Err: err}
	}
	return fr, nil, nil
}
