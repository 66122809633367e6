package pipeline

import (
	"context"

	"consolida/funding"
	"consolida/importer"
)

// CheckOptions are the options of Check.
type CheckOptions struct {
	Inputs     []string // files and folders to check
	ComuniList string   // the ISTAT list of comuni, as in Scope
}

// CheckedFile is what Check understood of one file.
type CheckedFile struct {
	Path string
	// Err is why the file cannot be read at all; File and Result are nil
	// then.
	Err  error
	File *importer.FileResult
	// Result is the file consolidated on its own (with the ISTAT list if
	// given), so that its counts include the rows whose comune is unknown.
	Result *funding.Result
}

// CheckResult lists the files checked, in order, and the entries of the
// folders that are not files (FIFOs, devices, dangling links...), which a
// run skips and lists in Fonti.
type CheckResult struct {
	Files   []CheckedFile
	Skipped []importer.Skipped
}

// Check reads each file and tells what was understood of it, writing
// nothing. When a file cannot be read, Check goes on with the others and
// returns, with its complete result, the importer.FileError of the last
// such file. When ctx is cancelled it returns the files checked so far
// and the context's error.
func Check(ctx context.Context, opt CheckOptions, p Progress) (*CheckResult, error) {
	p = orDiscard(p)
	if len(opt.Inputs) == 0 {
		return nil, &UsageError{Problem: MissingInputs, Op: OpCheck}
	}
	cat, syn, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	coll, err := importer.Collect(opt.Inputs, importer.CollectOptions{})
	if err != nil {
		return nil, err
	}
	var refs []importer.ComuneRef
	if opt.ComuniList != "" {
		if refs, err = importer.ReadComuniList(opt.ComuniList); err != nil {
			return nil, &ListError{List: ComuniList, Path: opt.ComuniList, Err: err}
		}
	}
	out := &CheckResult{Skipped: coll.Skipped}
	var failed error
	defer func() {
		// the subfolders that could not be listed, after the files
		for _, fe := range coll.Unreadable {
			out.Files = append(out.Files, CheckedFile{Path: fe.Path, Err: fe.Err})
		}
	}()
	if n := len(coll.Unreadable); n > 0 {
		failed = coll.Unreadable[n-1]
	}
	files := coll.Files
	p.Report(StepStarted{Step: StepRead, Total: len(files)})
	defer p.Report(StepDone{Step: StepRead})
	// one Options for all the files: they share the budget of what they
	// may yield, as the files of a run do
	iopt := &importer.Options{Catalog: cat, Synonyms: syn, Context: ctx}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		path := f.Path
		p.Report(StepItem{Step: StepRead, Index: i, Total: len(files), Path: path})
		r, err := importer.ReadFile(path, f.Rel, 0, iopt)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return out, cerr
			}
			out.Files = append(out.Files, CheckedFile{Path: path, Err: err})
			failed = importer.FileError{Path: path, Err: err}
		} else {
			reg := funding.NewRegistry()
			observe(reg, refs)
			res := funding.Consolidate(funding.Input{Catalog: cat, Registry: reg, Records: r.Records,
				Anomalies: r.Anomalies, Sources: []funding.Source{r.Source}})
			out.Files = append(out.Files, CheckedFile{Path: path, File: r, Result: res})
		}
		p.Report(StepAdvanced{Step: StepRead, Units: 1})
	}
	return out, failed
}
