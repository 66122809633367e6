package pipeline

import (
	"fmt"
	"strings"

	"consolida/funding"
	"consolida/importer"
)

// The errors of the use cases are typed, so that each front end (ui
// renders them in Italian for the command line and the web page) can say
// what went wrong and what to do; their Error texts are English and meant
// for logs. Besides the types below, a use case may return:
//   - importer.FileError: an input file that cannot be read;
//   - *ledger.LockedError: another process holds the ledger;
//   - the context's error when ctx was cancelled;
//   - an error of the file system or of a store, unwrapped.

// Op names a use case.
type Op uint8

// The use cases.
const (
	OpRun Op = iota + 1
	OpCheck
	OpImport
	OpExport
	OpMonthly
	OpInit
	OpHistory
)

var opNames = [...]string{"", "run", "check", "import", "export", "monthly", "init", "history"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Problem is what is wrong in a UsageError.
type Problem uint8

// The problems of a UsageError.
const (
	BadMonth            Problem = iota + 1 // Value is not a month written AAAA-MM
	EmptyProvince                          // a province is blank
	LedgerWithoutConfig                    // Run was given a ledger: it reads files, not a ledger
	MissingInputs                          // no file or folder to read (Op: which use case)
	MissingOut                             // no output folder
	ConfigMissing                          // Path: the configuration file does not exist
	ConfigSyntax                           // Path, Line, Detail, Syntax, Keys (the key of the line, if any): the configuration does not parse
	ConfigProvinceList                     // Path, Line: provincia is neither a code nor a list of codes
	ConfigInvalid                          // Path, Detail; Line, Keys, Value (the kind expected) when known: a value of the wrong type
	ConfigUnknownKeys                      // Path, Keys: keys the configuration does not know
	ProvinceNotFound                       // Provinces select no comune of the data; Present: the provinces there
	ConfigBackslash                        // Path, Line, Keys, Value: a path with \ between double quotes
)

// A UsageError is an option that is missing, malformed or contradictory:
// the caller asked for something the use case cannot do (the command
// line's exit status 2). Nothing was read or written.
type UsageError struct {
	Problem Problem
	Op      Op       // MissingInputs: the use case
	Value   string   // BadMonth: the value given
	Path    string   // Config*: the configuration file
	Line    int      // ConfigSyntax, ConfigProvinceList
	Detail  string   // ConfigSyntax, ConfigInvalid: the TOML decoder's words
	Keys    []string // ConfigUnknownKeys; the key concerned
	Syntax  SyntaxProblem
	// ProvinceNotFound: the provinces asked, and the siglas of the
	// provinces of the comuni in the data
	Provinces, Present []string
}

func (e *UsageError) Error() string {
	switch e.Problem {
	case BadMonth:
		return fmt.Sprintf("month %q is not AAAA-MM", e.Value)
	case EmptyProvince:
		return "empty province"
	case LedgerWithoutConfig:
		return "a ledger is used by the monthly batch, import and export, not by run"
	case MissingInputs:
		return e.Op.String() + ": no input files"
	case MissingOut:
		return "no output folder"
	case ConfigMissing:
		return "configuration " + e.Path + " does not exist"
	case ConfigSyntax:
		return fmt.Sprintf("configuration %s, line %d: %s", e.Path, e.Line, e.Detail)
	case ConfigProvinceList:
		return fmt.Sprintf("configuration %s, line %d: provincia must be a list of quoted codes", e.Path, e.Line)
	case ConfigInvalid:
		return "configuration " + e.Path + ": " + e.Detail
	case ConfigUnknownKeys:
		return "configuration " + e.Path + ": unknown keys " + strings.Join(e.Keys, ", ")
	case ConfigBackslash:
		return fmt.Sprintf("configuration %s, line %d: backslash in a double-quoted string %s", e.Path, e.Line, e.Value)
	case ProvinceNotFound:
		return "provinces " + strings.Join(e.Provinces, ", ") + " select no comune; present: " + strings.Join(e.Present, ", ")
	}
	return fmt.Sprintf("usage problem %d", e.Problem)
}

// NoFilesError: the inputs are folders without a file to read.
type NoFilesError struct {
	Op     Op
	Inputs []string
}

func (e *NoFilesError) Error() string {
	return e.Op.String() + ": no files in " + strings.Join(e.Inputs, ", ")
}

// List is a reference list given with the options.
type List uint8

// The reference lists.
const (
	ComuniList  List = iota + 1 // the ISTAT list of comuni
	MembersList                 // the comuni to report
)

// ListError: a reference list cannot be read.
type ListError struct {
	List List
	Path string
	Err  error
}

func (e *ListError) Error() string {
	what := "comuni list"
	if e.List == MembersList {
		what = "members list"
	}
	return what + " " + e.Path + ": " + e.Err.Error()
}

func (e *ListError) Unwrap() error { return e.Err }

// ConservationError: the consolidation lost rows or euros, or counted
// them twice. Nothing was written.
type ConservationError struct {
	Result *funding.Result
}

func (e *ConservationError) Error() string {
	return "conservation does not hold: nothing written"
}

// RejectedError: Strict was asked and rows were rejected. The outputs
// were written all the same.
type RejectedError struct {
	Rows int
}

func (e *RejectedError) Error() string { return fmt.Sprintf("strict: %d rows rejected", e.Rows) }

// NotImportedError: several files could not be read and were not
// imported (one such file is its importer.FileError). The others were.
type NotImportedError struct {
	Files []importer.FileError
}

func (e *NotImportedError) Error() string { return fmt.Sprintf("%d files not imported", len(e.Files)) }

// NotArchivedError: files read by a monthly batch could not be moved to
// the archive; they stay in the inbox, and the next run archives them.
// Everything else was done.
type NotArchivedError struct {
	Files []ArchiveFailure
	Inbox string
}

func (e *NotArchivedError) Error() string {
	return fmt.Sprintf("%d files not archived, left in %s", len(e.Files), e.Inbox)
}

// EmptyStoreError: an export from a ledger that holds no file.
type EmptyStoreError struct {
	Ledger string
}

func (e *EmptyStoreError) Error() string { return "ledger " + e.Ledger + " is empty" }

// NoStoreError: History on a ledger that does not exist.
type NoStoreError struct {
	Ledger string
}

func (e *NoStoreError) Error() string { return "ledger " + e.Ledger + " does not exist" }

// InboxMissingError: the inbox folder of the monthly batch does not
// exist.
type InboxMissingError struct {
	Inbox, Config string
}

func (e *InboxMissingError) Error() string { return "inbox " + e.Inbox + " does not exist" }

// OutputsKeptError: writing the new outputs failed before they replaced
// the previous ones, which are as they were.
type OutputsKeptError struct {
	Dir string
	Err error
}

func (e *OutputsKeptError) Error() string {
	return e.Err.Error() + " (previous outputs in " + e.Dir + " kept)"
}

func (e *OutputsKeptError) Unwrap() error { return e.Err }

// Action is what a use case was doing when an ActionError happened.
type Action uint8

// The actions of an ActionError.
const (
	MakeOutputDir  Action = iota + 1 // creating the output folder Path
	WriteFile                        // writing the file Path (a workbook, the CSV, the configuration)
	WriteCouncil                     // writing the council workbooks into the folder Path
	MakeLedgerDir                    // creating the folder Path of the ledger
	OpenLedger                       // opening or using the ledger Path
	ReadLedger                       // loading the content of the ledger Path
	StoreFile                        // storing the file Target into the ledger Path
	RecordExport                     // recording an export in the ledger Path
	ReadInbox                        // listing the inbox folder Path
	ArchiveFile                      // moving the file Path into the folder Target
	MakeDir                          // creating the folder Path (init)
	KeepCouncil                      // moving the previous council set Path to Target (consiglio_precedenti)
	RecoverOutputs                   // completing what a killed run left in the folder Path
)

var actionNames = [...]string{"", "create output folder", "write", "write council workbooks in", "create ledger folder",
	"ledger", "read ledger", "store into ledger", "record export in ledger", "read inbox", "archive", "create folder",
	"keep previous council set", "recover outputs"}

// An ActionError is a step of a use case that failed on a file or
// folder, with the underlying error.
type ActionError struct {
	Action Action
	Path   string
	Target string
	Err    error
}

func (e *ActionError) Error() string {
	s := actionNames[0]
	if int(e.Action) < len(actionNames) {
		s = actionNames[e.Action]
	}
	s += " " + e.Path
	if e.Target != "" {
		s += " -> " + e.Target
	}
	return s + ": " + fmt.Sprint(e.Err)
}

func (e *ActionError) Unwrap() error { return e.Err }
