package pipeline

import (
	"consolida/funding"
	"consolida/importer"
	"consolida/ledger"
)

// Progress receives the events of a use case as they happen: a terminal
// draws a progress bar or prints lines from them, a web page streams them
// (server-sent events). The council workbooks are written in parallel, so
// Report may be called from several goroutines at once.
type Progress interface {
	Report(Event)
}

// ProgressFunc adapts a function to Progress.
type ProgressFunc func(Event)

// Report calls f(e).
func (f ProgressFunc) Report(e Event) { f(e) }

// Discard is a Progress that ignores every event (for tests, and callers
// that only want the result).
var Discard Progress = ProgressFunc(func(Event) {})

func orDiscard(p Progress) Progress {
	if p == nil {
		return Discard
	}
	return p
}

// Event is one of the event types below.
type Event interface{ event() }

// Step is a long part of a use case, with a known amount of work.
type Step uint8

// The steps.
const (
	StepRead    Step = iota + 1 // reading the input files (units: files)
	StepImport                  // importing files into the ledger (units: files)
	StepLoad                    // loading the ledger's content (units: records)
	StepCouncil                 // writing the council workbooks (units: workbooks)
)

var stepNames = [...]string{"", "read", "import", "load", "council"}

func (s Step) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return "step"
}

// MarshalText names the step in JSON ("read", "import", "load",
// "council"), for a page that streams the events.
func (s Step) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// StepStarted: a step begins, with Total units of work (0 if unknown).
type StepStarted struct {
	Step  Step
	Total int
}

// StepItem: the step moves on to item Index (from 0) of Total, the file
// at Path.
type StepItem struct {
	Step         Step
	Index, Total int
	Path         string
}

// StepAdvanced: Units more units of the step are done.
type StepAdvanced struct {
	Step  Step
	Units int
}

// StepDone: the step ended (also when it failed or was interrupted).
type StepDone struct {
	Step Step
}

// ComuniListLoaded: the ISTAT list of comuni was read.
type ComuniListLoaded struct {
	Path   string
	Comuni int
}

// WritingCST: the CST workbook is about to be written.
type WritingCST struct {
	Path                   string
	Candidature, Anomalies int
}

// CouncilWritten: the council workbooks were written into Dir.
type CouncilWritten struct {
	Dir       string
	Workbooks int
}

// FileUnreadable: an input file cannot be read. A run reads every file
// before failing, so that all the problems are reported at once: this
// event reports each unreadable file but the last, which is the run's
// error.
type FileUnreadable struct {
	Err importer.FileError
}

// ConservationFailed: the consolidated result does not conserve rows or
// euros; the use case fails with a *ConservationError and writes nothing.
type ConservationFailed struct {
	Result *funding.Result
}

// LedgerOpened: the ledger is open (and locked, for the use cases that
// write into it).
type LedgerOpened struct {
	Path string
}

// RecordsStored: Records records of the file at Path are stored so far,
// inside the transaction that imports it.
type RecordsStored struct {
	Path    string
	Records int
}

// FileImported: the file at Path is now in the ledger (the N-th file
// handled by this import, counting those already known).
type FileImported struct {
	Path string
	File ledger.File
	N    int
}

// OutputsWritten: every output of an export is written into Dir; the
// export is not recorded in the ledger yet.
type OutputsWritten struct {
	Dir string
}

func (StepStarted) event()        {}
func (StepItem) event()           {}
func (StepAdvanced) event()       {}
func (StepDone) event()           {}
func (ComuniListLoaded) event()   {}
func (WritingCST) event()         {}
func (CouncilWritten) event()     {}
func (FileUnreadable) event()     {}
func (ConservationFailed) event() {}
func (LedgerOpened) event()       {}
func (RecordsStored) event()      {}
func (FileImported) event()       {}
func (OutputsWritten) event()     {}
