package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"consolida/exporter"
	"consolida/funding"
	"consolida/importer"
)

// RunOptions are the options of Run.
type RunOptions struct {
	Inputs []string // files and folders to read (a folder: the files inside it and its subfolders, importer.Collect)
	Scope
	Output
	// Ledger must be empty: Run reads files, not a ledger (the monthly
	// batch does); a ledger given to Run is a *UsageError.
	Ledger string
	Now    time.Time // the generation time of the outputs; zero: now
}

// RunResult is what Run wrote.
type RunResult struct {
	Dir    string // the output folder
	Month  string // AAAA-MM
	Result *funding.Result
}

// Run reads the input files, consolidates them and writes the CST
// workbook, the detail CSV and (with Council) the council workbooks. A
// file that cannot be read fails the run after every file was tried (the
// others are reported as FileUnreadable events); a result that does not
// conserve rows and euros writes nothing. With Strict and rejected rows,
// Run returns its result and a *RejectedError.
func Run(ctx context.Context, opt RunOptions, p Progress) (*RunResult, error) {
	p = orDiscard(p)
	now := nowOr(opt.Now)
	scope, err := opt.Scope.normalize(now)
	if err != nil {
		return nil, err
	}
	if opt.Ledger != "" {
		return nil, &UsageError{Problem: LedgerWithoutConfig}
	}
	if len(opt.Inputs) == 0 {
		return nil, &UsageError{Problem: MissingInputs, Op: OpRun}
	}
	if opt.Dir == "" {
		return nil, &UsageError{Problem: MissingOut}
	}
	cat, syn, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	reg, sel, err := reference(scope, p)
	if err != nil {
		return nil, err
	}
	coll, err := importer.Collect(opt.Inputs, importer.CollectOptions{Exclude: []string{opt.Dir}})
	if err != nil {
		return nil, err
	}
	if len(coll.Files) == 0 && len(coll.Unreadable) == 0 {
		return nil, &NoFilesError{Op: OpRun, Inputs: opt.Inputs}
	}
	batch, err := readFiles(ctx, coll, cat, syn, p)
	if err != nil {
		return nil, err
	}
	res, err := consolidate(funding.Input{
		Catalog: cat, Registry: reg, Records: batch.Records, Anomalies: batch.Anomalies,
		Sources: batch.Sources, Selection: sel,
	}, p)
	if err != nil {
		return nil, err
	}
	if err := checkProvinces(scope, res); err != nil {
		return nil, err
	}
	meta := exporter.Meta{Month: scope.Month, Generated: now, Scope: scope.label()}
	if err := writeOutputs(ctx, opt.Output, scope.Month, res, meta, nil, p); err != nil {
		return nil, err
	}
	out := &RunResult{Dir: opt.Dir, Month: scope.Month, Result: res}
	return out, strict(opt.Output, res)
}

// strict is the error of a Strict run with rejected rows.
func strict(o Output, res *funding.Result) error {
	if n := res.Conservation.Outcomes.Rejected.Rows; o.Strict && n > 0 {
		return &RejectedError{Rows: n}
	}
	return nil
}

// readFiles imports every file of the collection; a file (or subfolder)
// that cannot be read fails the run after all were tried, so that every
// problem is reported at once. The entries that are not files (FIFOs,
// devices, dangling links) are listed in the sources, with their reason.
func readFiles(ctx context.Context, coll *importer.Collection, cat *funding.Catalog, syn *importer.Synonyms, p Progress) (*importer.Batch, error) {
	files := coll.Files
	p.Report(StepStarted{Step: StepRead, Total: len(files)})
	opt := &importer.Options{Catalog: cat, Synonyms: syn, Context: ctx}
	batch := importer.ReadAll(files, opt, func(i int, path string) {
		if i > 0 {
			p.Report(StepAdvanced{Step: StepRead, Units: 1})
		}
		p.Report(StepItem{Step: StepRead, Index: i, Total: len(files), Path: path})
	})
	p.Report(StepAdvanced{Step: StepRead, Units: 1})
	p.Report(StepDone{Step: StepRead})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, s := range coll.Skipped {
		batch.Sources = append(batch.Sources, s.Source())
	}
	batch.Failed = append(batch.Failed, coll.Unreadable...)
	if n := len(batch.Failed); n > 0 {
		for _, fe := range batch.Failed[:n-1] {
			p.Report(FileUnreadable{Err: fe})
		}
		return nil, batch.Failed[n-1]
	}
	return batch, nil
}

// consolidate runs funding.Consolidate and refuses a result where rows or
// euros were lost or counted twice: then nothing is written.
func consolidate(in funding.Input, p Progress) (*funding.Result, error) {
	res := funding.Consolidate(in)
	if !res.Conservation.OK {
		p.Report(ConservationFailed{Result: res})
		return nil, &ConservationError{Result: res}
	}
	return res, nil
}

// writeOutputs writes the CST workbook, the CSV (and, when asked, the
// Italian-Excel CSV) and (unless disabled) the council workbooks into a
// staging folder beside them, and swaps the complete set in (outputs.go):
// an interrupted or failed run leaves the previous outputs as they were.
// Once the swap has begun it is not interrupted.
func writeOutputs(ctx context.Context, o Output, month string, res *funding.Result, meta exporter.Meta, nov *exporter.ChangeList, p Progress) error {
	err := stageOutputs(ctx, o, month, res, meta, nov, p)
	var swap *SwapError
	var busy *OutputsBusyError
	var ae *ActionError
	switch {
	case err == nil, ctx.Err() != nil && errors.Is(err, ctx.Err()), errors.As(err, &swap), errors.As(err, &busy),
		errors.As(err, &ae) && (ae.Action == KeepCouncil || ae.Action == MakeOutputDir || ae.Action == RecoverOutputs):
		return err
	}
	return &OutputsKeptError{Dir: o.Dir, Err: err}
}

func stageOutputs(ctx context.Context, o Output, month string, res *funding.Result, meta exporter.Meta, nov *exporter.ChangeList, p Progress) error {
	cst := filepath.Join(o.Dir, CSTName(month))
	csv := filepath.Join(o.Dir, CSVName(month))
	set, err := openOutputs(o.Dir)
	if err != nil {
		return err
	}
	defer set.abort() // no-op once committed
	pausePoint("preparato")
	p.Report(WritingCST{Path: cst, Candidature: len(res.Candidature), Anomalies: len(res.Anomalies)})
	if err := ctx.Err(); err != nil {
		return err
	}
	meta.Heading, meta.Signature = o.Heading, o.Signature
	report := &exporter.Report{Result: res, Changes: nov, Meta: meta}
	install := []string{CSTName(month), CSVName(month)}
	var remove []string
	if err := exporter.WriteCST(set.path(CSTName(month)), report); err != nil {
		return &ActionError{Action: WriteFile, Path: cst, Err: err}
	}
	pausePoint("cst")
	if err := exporter.WriteCSV(set.path(CSVName(month)), report); err != nil {
		return &ActionError{Action: WriteFile, Path: csv, Err: err}
	}
	if o.ExcelCSV {
		if err := exporter.WriteCSVExcel(set.path(ExcelCSVName(month)), report); err != nil {
			return &ActionError{Action: WriteFile, Path: filepath.Join(o.Dir, ExcelCSVName(month)), Err: err}
		}
		install = append(install, ExcelCSVName(month))
	} else {
		// an Italian-Excel CSV of this month from an earlier run would
		// no longer match the others
		remove = append(remove, ExcelCSVName(month))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.Council {
		dir := filepath.Join(o.Dir, CouncilDir)
		p.Report(StepStarted{Step: StepCouncil, Total: len(res.Comuni)})
		done := 0
		var mu sync.Mutex
		n, err := exporter.WriteCouncil(ctx, set.path(CouncilDir), report, func() {
			p.Report(StepAdvanced{Step: StepCouncil, Units: 1})
			mu.Lock()
			done++
			k := done
			mu.Unlock()
			pausePoint("consiglio:" + strconv.Itoa(k))
		})
		p.Report(StepDone{Step: StepCouncil})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &ActionError{Action: WriteCouncil, Path: dir, Err: err}
		}
		if err := writeCouncilMonth(set.path(councilMonthFile), month); err != nil {
			return &ActionError{Action: WriteCouncil, Path: dir, Err: err}
		}
		install = append(install, CouncilDir, councilMonthFile)
		p.Report(CouncilWritten{Dir: dir, Workbooks: n})
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return set.commit(month, install, remove)
}
