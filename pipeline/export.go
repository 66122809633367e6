package pipeline

import (
	"context"
	"path/filepath"
	"time"

	"consolida/exporter"
	"consolida/funding"
	"consolida/ledger"
)

// ExportOptions are the options of Export.
type ExportOptions struct {
	Ledger string // the ledger; empty: DefaultLedger
	Scope
	Output
	// OpenStore opens the ledger; nil: OpenSQLite.
	OpenStore StoreOpener
	Now       time.Time // the time of the export; zero: now
}

// ExportResult is what an export wrote and recorded.
type ExportResult struct {
	Dir    string // the output folder
	Month  string
	Result *funding.Result
	// Export is the export as recorded in the ledger (ID, counts, totals,
	// numbers of Novità).
	Export ledger.Export
	// Baseline is the earlier export the Novità compare with; nil for
	// the first export of a ledger.
	Baseline *ledger.Export
}

// Export consolidates everything in the ledger exactly as Run does with
// the same files, writes the outputs with the Novità (what changed since
// the baseline export) and records the export with a snapshot of its
// candidature. With Strict and rejected rows, it returns its result and a
// *RejectedError.
func Export(ctx context.Context, opt ExportOptions, p Progress) (*ExportResult, error) {
	p = orDiscard(p)
	now := nowOr(opt.Now)
	scope, err := opt.Scope.normalize(now)
	if err != nil {
		return nil, err
	}
	if opt.Dir == "" {
		return nil, &UsageError{Problem: MissingOut}
	}
	path := ledgerPath(opt.Ledger)
	st, err := openStore(opt.OpenStore, path, true, p)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	res, err := export(ctx, st, path, exportJob{scope: scope, out: opt.Output, kind: "export", now: now}, p)
	if err != nil {
		return nil, err
	}
	return res, strict(opt.Output, res.Result)
}

// exportJob is an export to make.
type exportJob struct {
	scope Scope // normalized
	out   Output
	kind  string // "export" or "run", as the history lists it
	now   time.Time
}

// export is the export shared by Export and Monthly.
func export(ctx context.Context, st Store, ledgerPath string, job exportJob, p Progress) (*ExportResult, error) {
	cat, _, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	reg, sel, err := reference(job.scope, p)
	if err != nil {
		return nil, err
	}
	content, err := load(ctx, st, ledgerPath, p)
	if err != nil {
		return nil, err
	}
	// the catalog may have learnt avviso titles since the files were imported
	content.Anomalies = funding.Reclassify(cat, content.Records, content.Anomalies)
	in := funding.Input{
		Catalog: cat, Registry: reg, Records: content.Records, Anomalies: content.Anomalies,
		Sources: content.Sources, Selection: sel,
	}
	res, err := consolidate(in, p)
	if err != nil {
		return nil, err
	}
	if err := checkProvinces(job.scope, res); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cur := funding.TakeSnapshot(res)
	snap := cur
	if len(sel.Provinces) > 0 || len(sel.Members) > 0 {
		// the snapshot holds every candidatura, whatever this export
		// selects, so that the next export can compare any comune
		in.Selection = funding.Selection{}
		snap = funding.TakeSnapshot(funding.Consolidate(in))
	}
	base, err := st.Baseline(ctx, content.LastFile)
	if err != nil {
		return nil, err
	}
	var baseSnap funding.Snapshot
	if base != nil {
		if baseSnap, err = baselineSnapshot(ctx, st, base, content, in); err != nil {
			return nil, &ActionError{Action: ReadLedger, Path: ledgerPath, Err: err}
		}
	}
	changes := funding.Diff(baseSnap, cur, res)
	generated := job.now
	if prev, err := st.SameContent(ctx, content.LastFile, job.scope.Month); err != nil {
		return nil, err
	} else if prev != nil {
		generated = prev.Generated // the same data again: the same workbooks
	}
	meta := exporter.Meta{Month: job.scope.Month, Generated: generated, Scope: job.scope.label()}
	if err := writeOutputs(ctx, job.out, job.scope.Month, res, meta, changeList(base, changes), p); err != nil {
		return nil, err
	}
	p.Report(OutputsWritten{Dir: job.out.Dir})
	// the new outputs are in place: the export is recorded even if the
	// user interrupts now (one short transaction), so that what the
	// ledger says matches what the folder holds
	e := record(res, content, job, generated, base)
	e.Added, e.StatusChanges, e.AmountChanges = funding.CountChanges(changes)
	if e.ID, err = st.AddExport(context.WithoutCancel(ctx), e, snap); err != nil {
		return nil, &ActionError{Action: RecordExport, Path: ledgerPath, Err: err}
	}
	return &ExportResult{Dir: job.out.Dir, Month: job.scope.Month, Result: res, Export: e, Baseline: base}, nil
}

// load reads the whole content of the store, telling p.
func load(ctx context.Context, st Store, ledgerPath string, p Progress) (*ledger.Content, error) {
	files, err := st.Files(ctx)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, &EmptyStoreError{Ledger: ledgerPath}
	}
	total := 0
	for _, f := range files {
		total += f.Records
	}
	p.Report(StepStarted{Step: StepLoad, Total: total})
	loaded := 0
	content, err := st.Load(ctx, func(n int) {
		p.Report(StepAdvanced{Step: StepLoad, Units: n - loaded})
		loaded = n
	})
	p.Report(StepDone{Step: StepLoad})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &ActionError{Action: ReadLedger, Path: ledgerPath, Err: err}
	}
	return content, nil
}

// record is the export as the ledger records it, but for its Novità
// counts and ID.
func record(res *funding.Result, content *ledger.Content, job exportJob, generated time.Time, base *ledger.Export) ledger.Export {
	e := ledger.Export{
		At: job.now, Generated: generated, Kind: job.kind, Month: job.scope.Month, Out: absPath(job.out.Dir),
		Scope: job.scope.label(), Files: len(content.Files), LastFile: content.LastFile,
		Outcomes: res.Conservation.Outcomes, Read: res.Conservation.Read, Anomalies: len(res.Anomalies),
		Comuni: len(res.Comuni), Candidature: len(res.Candidature), Total: res.Total,
	}
	for _, m := range res.Measures {
		e.Erogato += m.Erogato
	}
	if base != nil {
		e.Baseline = base.ID
	}
	return e
}

// baselineSnapshot returns the snapshot of the baseline export. One that
// is not valid under the current identity rules (written by an older
// consolida) is derived again with the current rules from the ledger
// content that export consolidated, a prefix of this one, and stored.
func baselineSnapshot(ctx context.Context, st Store, base *ledger.Export, content *ledger.Content, in funding.Input) (funding.Snapshot, error) {
	snap, ok, err := st.Snapshot(ctx, base.ID)
	if err != nil || ok {
		return snap, err
	}
	then := content.UpTo(base.LastFile)
	in.Records, in.Sources, in.Anomalies, in.Selection = then.Records, then.Sources, nil, funding.Selection{}
	snap = funding.TakeSnapshot(funding.Consolidate(in))
	return snap, st.SetSnapshot(ctx, base.ID, snap)
}

// novita turns the changes into the exporter's Novità.
func changeList(base *ledger.Export, changes []funding.Change) *exporter.ChangeList {
	var b *exporter.Baseline
	if base != nil {
		b = &exporter.Baseline{ID: base.ID, Generated: base.Generated, Month: base.Month}
	}
	return exporter.NewChangeList(b, changes)
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
