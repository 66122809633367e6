// Package grid is the seam between the format decoders (CSV, XLSX, XLS,
// ODS) and the importer's header mapper: a decoder opens a Book of Sheets,
// and each sheet yields its rows of cells through Rows. The decoders know
// nothing of funding; the mapper knows nothing of formats.
package grid

import (
	"errors"
	"fmt"
)

// Cell is one cell as read. Num is true when the format says the cell holds
// a number (then V is its canonical text, e.g. "4326.3999999999996");
// text formats (CSV) never set it.
type Cell struct {
	V   string
	Num bool
}

// Rows yields the non-empty rows of a sheet in order.
type Rows interface {
	Next() bool
	// Row returns the row number as the user sees it (from 1) and its
	// cells; the slice is reused by the next call to Next.
	Row() (n int, cells []Cell)
	// Err is the error that stopped Next, nil at a clean end.
	Err() error
	Close() error
}

// Sheet is one table of a book; a CSV file is a book of one sheet with an
// empty name.
type Sheet struct {
	Name     string
	Hidden   bool
	Date1904 bool
	Open     func() (Rows, error)
	// Estimate guesses the number of rows, to size memory once; may be nil.
	Estimate func() int
}

// Book is an opened input.
type Book struct {
	Detail string // e.g. encoding and delimiter of a CSV
	Sheets []Sheet
	// Close releases what the book holds; may be nil.
	Close func() error
}

// ErrCorrupt is a file whose bytes do not decode: damaged, cut short, or
// not what its container says. Decoders report it with CorruptError, never
// by stopping early as if the data had ended.
var ErrCorrupt = errors.New("il file è danneggiato o incompleto: riaprirlo con il programma che l'ha creato e salvarlo di nuovo, o farselo inviare di nuovo")

// ErrTooBig is a file that expands beyond what consolida accepts (a zip
// bomb, a sheet of billions of repeated cells, a line of gigabytes).
var ErrTooBig = errors.New("il file si espande oltre i limiti accettati (troppi dati una volta decompresso): probabilmente è danneggiato o costruito ad arte")

// CorruptError locates a decoding failure. Sheet is "" for a CSV or for
// the workbook's own parts; Row is 0 when unknown.
type CorruptError struct {
	Sheet  string
	Row    int
	Detail string // English, for developers and logs
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt input (sheet %q, row %d): %s", e.Sheet, e.Row, e.Detail)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// LimitError locates a budget that was exceeded.
type LimitError struct {
	Sheet  string
	Row    int
	Budget Budget // which budget, for the user's message
	What   string // which budget, English
	Limit  int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("input over limit (sheet %q, row %d): %s > %d", e.Sheet, e.Row, e.What, e.Limit)
}

// Is makes errors.Is(err, ErrTooBig) true.
func (e *LimitError) Is(target error) bool { return target == ErrTooBig }

// Budget names the kinds of Limits, so that a message can say which one
// a file exceeded.
type Budget uint8

// The budgets of a LimitError.
const (
	BudgetBytes    Budget = iota + 1 // decompressed or decoded bytes
	BudgetCells                      // cells of the file, or of one row
	BudgetRows                       // rows yielded, for the file's size
	BudgetText                       // bytes of text yielded, for the file's size
	BudgetRowBytes                   // bytes of one row (a CSV line)
	BudgetStrings                    // the shared strings
	BudgetElements                   // XML elements or one XML token
	BudgetSheets                     // sheets of the workbook
)

// Locate gives the *CorruptError or *LimitError in err the sheet and row
// it concerns where the decoder that raised it could not tell them (Sheet
// "", Row 0). ok is false, and err returned as it is, for other errors.
func Locate(err error, sheet string, row int) (_ error, ok bool) {
	fill := func(s *string, r *int) {
		if *s == "" {
			*s = sheet
		}
		if *r == 0 {
			*r = row
		}
	}
	var ce *CorruptError
	var le *LimitError
	switch {
	case errors.As(err, &ce):
		fill(&ce.Sheet, &ce.Row)
	case errors.As(err, &le):
		fill(&le.Sheet, &le.Row)
	default:
		return err, false
	}
	return err, true
}
