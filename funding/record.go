package funding

import (
	"fmt"
	"strconv"
	"strings"
)

// Pos locates a row (and optionally a column) of an input file. Rows count
// from 1 as the user sees them (Excel row, CSV line); Col is an Excel
// column letter ("F"), empty for the whole row.
type Pos struct {
	File  string // file name as shown to the user
	Sheet string // "" for CSV
	Row   int
	Col   string
}

// Fonte is the provenance written in outputs: "file:foglio:riga", or
// "file:riga" for a CSV.
func (p Pos) Ref() string {
	if p.Sheet == "" {
		return p.File + ":" + strconv.Itoa(p.Row)
	}
	return p.File + ":" + p.Sheet + ":" + strconv.Itoa(p.Row)
}

// String describes the position in Italian:
// «bandi.xlsx, foglio "Dati", riga 128, colonna F».
func (p Pos) String() string {
	s := p.File
	if p.Sheet != "" {
		s += fmt.Sprintf(", foglio %q", p.Sheet)
	}
	if p.Row > 0 {
		s += fmt.Sprintf(", riga %d", p.Row)
	}
	if p.Col != "" {
		s += ", colonna " + p.Col
	}
	return s
}

// Owner says whose money a row is.
type Owner uint8

const (
	// OwnerComune: the beneficiary is the comune itself.
	OwnerComune Owner = iota
	// OwnerOther: another body located in a comune (province, ASL, school,
	// union of comuni...): kept out of comune totals.
	OwnerOther
	// OwnerIfNamed: the file has an ente column but no tipologia, and the
	// ente is not written "Comune di ...": the row is the comune's only if
	// the ente is exactly the name of the comune it resolves to.
	OwnerIfNamed
)

// OwnerOf applies the rule of DESIGN.md: tipologia_ente "Comuni"/"Comune"
// where that column exists; otherwise an ente written "Comune di ...";
// a file with neither column is a list of comuni.
func OwnerOf(hasBodyType bool, bodyType string, hasEnte bool, body string) Owner {
	if hasBodyType {
		switch Fold(bodyType) {
		case "comuni", "comune":
			return OwnerComune
		}
		return OwnerOther
	}
	if hasEnte {
		f := Fold(body)
		if strings.HasPrefix(f, "comune di ") || strings.HasPrefix(f, "comune d ") || strings.HasPrefix(f, "comune de ") {
			return OwnerComune
		}
		if f == "" {
			return OwnerComune // the comune column alone identifies it
		}
		return OwnerIfNamed
	}
	return OwnerComune
}

// ComuneName returns the comune's name as written in an ente name:
// "Comune di Olgiate Molgora" -> "Olgiate Molgora".
func ComuneName(body string) string {
	e := CleanSpaces(body)
	low := strings.ToLower(e)
	for _, p := range []string{"comune di ", "comune de ", "comune d'", "comune d’"} {
		if strings.HasPrefix(low, p) {
			return strings.TrimSpace(e[len(p):])
		}
	}
	return e
}

// Record is one data row of an input, parsed into canonical fields. A row
// that could not be parsed carries Rejected with the first reason; its
// amount still counts in the conservation check when it was readable.
// Consolidate only reads records: what it derives (the comune, the
// outcome) is in Result.ComuneOf and Result.Outcome.
type Record struct {
	Pos     Pos
	FileIdx int32 // index in the list of input files, for ordering

	Owner    Owner
	Body     string // beneficiary name, as written
	BodyType string

	// where the row says the comune is
	Comune       string
	ISTAT        string // 6 digits, leading zeros restored; "" if missing or N/D
	Province     string // sigla, upper case
	ProvinceCode string
	Region       string
	IPA          string
	Belfiore     string // upper case, e.g. G026

	Avviso      string
	MeasureText string
	Measure     string // catalog id
	CUP         string // upper case
	Decreto     string
	Window      string
	SubmittedAt string
	FundingDate Date
	StatusDate  Date
	Status      Status

	Amount   Amount
	AmountOK bool // Amount was read (a rejected row may still have one)

	Rejected bool // rejected when read; the reason is among the anomalies
}

// StatusDate is the date that orders the statuses of one candidatura: the
// status date, else the funding decree date.
func (r *Record) EffectiveDate() Date {
	if r.StatusDate != 0 {
		return r.StatusDate
	}
	return r.FundingDate
}

// Anomaly is something wrong or doubtful found in an input row. Rejected
// anomalies put the row out of the totals; the others are warnings.
type Anomaly struct {
	Pos        Pos
	Field      string // canonical field name (Italian), e.g. "importo"
	Value      string
	Reason     string // Italian, for the user
	Suggestion string
	Rejected   bool
	Err        error // sentinel, for errors.Is in tests; may be nil
	// Comune is the comune of the anomaly's row, set by Consolidate when
	// the row names one that the registry knows (for another body's row:
	// the comune it is located in); nil when the anomaly cannot be tied
	// to a comune (an unknown or ambiguous comune, a file-level note, a
	// line of the members' list).
	Comune *Comune
}

// OutcomeLabel is the Italian outcome label of the anomaly.
func (a Anomaly) OutcomeLabel() string {
	if a.Rejected {
		return "riga scartata"
	}
	return "segnalazione"
}
