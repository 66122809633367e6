package exporter

import (
	"time"

	"consolida/funding"
)

// Report is what the outputs are written from: the consolidated result,
// what changed since the previous export, and the run's metadata.
type Report struct {
	Result *funding.Result
	// Changes is nil outside the monthly batch: then the CST workbook has
	// no Novità sheet and the council workbooks no Novità section.
	Changes *ChangeList
	Meta    Meta
}

// Meta describes a run for the headings of the outputs. What else the
// headings will show (the name of the CST or of the comune, the signature
// block, the date of the newest source) belongs here.
type Meta struct {
	Month     string    // "2026-11"
	Generated time.Time // when the outputs were made
	Scope     string    // "provincia LC", "membri da membri.csv", "" for all
	// Heading names who issues the documents (the CST or the comune),
	// printed instead of the program's name; "" for none.
	Heading string
	// Signature is the role under whose signature line a council
	// document ends; "" for "Il Responsabile del Servizio Finanziario".
	Signature string
}

var monthNames = []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
	"agosto", "settembre", "ottobre", "novembre", "dicembre"}

// MonthLabel is "novembre 2026" for "2026-11".
func (m Meta) MonthLabel() string {
	t, err := time.Parse("2006-01", m.Month)
	if err != nil {
		return m.Month
	}
	return monthNames[t.Month()-1] + " " + t.Format("2006")
}
