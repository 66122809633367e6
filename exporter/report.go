package exporter

import (
	"time"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
	"consolida/internal/version"
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

// Meta describes a run for the headings of the outputs.
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

// DefaultSignature is the role a council document is signed by when
// Meta.Signature is empty.
const DefaultSignature = "Il Responsabile del Servizio Finanziario"

func (m Meta) signature() string {
	if m.Signature == "" {
		return DefaultSignature
	}
	return m.Signature
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

// DataDate is the date the data are up to: the newest date of a status or
// a decree in the files read (a date after the report was generated is a
// typo in a file, and does not count); 0 when the files give none.
func DataDate(res *funding.Result, generated time.Time) funding.Date {
	limit := funding.Date(99991231)
	if !generated.IsZero() {
		y, m, d := generated.Date()
		limit = funding.Date(y*10000 + int(m)*100 + d)
	}
	var newest funding.Date
	for _, s := range res.Sources {
		if s.RefDate > newest && s.RefDate <= limit {
			newest = s.RefDate
		}
	}
	return newest
}

// updated is "dati aggiornati al 22/08/2025", or "" when no date is known.
func updated(res *funding.Result, meta Meta) string {
	if d := DataDate(res, meta.Generated); d != 0 {
		return "dati aggiornati al " + d.String()
	}
	return ""
}

// newBook is a book with its document properties: the title, the time it
// was made, who issues it, the program and its version.
func newBook(meta Meta, title, description string) *book {
	b := &book{
		props: excelize.DocProperties{
			Title: title, Description: description, Creator: "consolida", LastModifiedBy: "consolida", Language: "it-IT",
		},
		// the version goes in Application (as LibreOffice writes it):
		// Excel refuses an AppVersion not of the form 16.0300
		app: excelize.AppProperties{Application: version.Short(), Company: meta.Heading},
	}
	if !meta.Generated.IsZero() {
		t := meta.Generated.UTC().Format("2006-01-02T15:04:05Z")
		b.props.Created, b.props.Modified = t, t
	}
	return b
}
