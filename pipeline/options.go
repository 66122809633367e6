// Package pipeline holds the use cases of consolida: Run (files ->
// workbooks), Check (what is understood of each file), and the monthly
// batch over a ledger: Import, Export, Monthly (import the inbox, export,
// archive), Init and History.
//
// Each use case takes a context, an options struct and a Progress, and
// returns a typed result and a typed error (errors.go). It knows no flag,
// prints nothing and holds no user text: the command line (cli) and the
// web page render results, events and errors through ui, in Italian.
// The ledger is reached through the Store interface (store.go), whose
// conformance suite is pipeline/storetest.
package pipeline

import (
	"regexp"
	"strings"
	"time"

	"consolida/exporter"
	"consolida/funding"
	"consolida/importer"
	"consolida/templates"
)

// Scope is what a report covers.
type Scope struct {
	// Month of the report, AAAA-MM, in file names and headings; empty:
	// the month of Now.
	Month string
	// Provinces restricts the report to the comuni of these provinces
	// (sigla, ISTAT code or, with ComuniList, name).
	Provinces []string
	// Members restricts the report to the comuni listed in this file.
	Members string
	// ComuniList is the ISTAT list of comuni, to resolve files that name
	// comuni only by name.
	ComuniList string
}

// Output is where and how the outputs are written.
type Output struct {
	Dir     string // the output folder (created if needed)
	Council bool   // also write one workbook per comune into Dir/consiglio
	// Strict fails the use case with a *RejectedError when any row was
	// rejected; the outputs are written all the same.
	Strict bool
	// ExcelCSV also writes dettaglio_<mese>_excel.csv, the detail for
	// Italian Excel (exporter.WriteCSVExcel).
	ExcelCSV bool
	// Heading names who issues the documents (exporter.Meta.Heading);
	// Signature is the role of the signature line of a council document
	// (exporter.Meta.Signature). Empty: the defaults.
	Heading, Signature string
}

var reMonth = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// normalize checks the scope and fills its defaults; it returns a copy.
func (s Scope) normalize(now time.Time) (Scope, error) {
	if s.Month == "" {
		s.Month = now.Format("2006-01")
	}
	if !reMonth.MatchString(s.Month) {
		return s, &UsageError{Problem: BadMonth, Value: s.Month}
	}
	provinces := make([]string, len(s.Provinces))
	for i, p := range s.Provinces {
		p = strings.TrimSpace(p)
		if p == "" {
			return s, &UsageError{Problem: EmptyProvince}
		}
		if sigla := ProvinceAbbrev(p); sigla != "" {
			p = sigla // "Lecco", "097", "lc": LC
		}
		provinces[i] = p
	}
	if s.Provinces != nil {
		s.Provinces = provinces
	}
	return s, nil
}

// label describes the scope in the workbooks and the ledger's history.
func (s Scope) label() string { return exporter.ScopeLabel(s.Provinces, s.Members) }

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// loadTemplates reads the embedded catalog and header synonyms.
func loadTemplates() (*funding.Catalog, *importer.Synonyms, error) {
	cat, err := funding.LoadCatalog(templates.Measures, templates.MeasureRules)
	if err != nil {
		return nil, nil, err
	}
	syn, err := importer.LoadSynonyms(templates.HeaderSynonyms)
	if err != nil {
		return nil, nil, err
	}
	return cat, syn, nil
}

// reference loads the ISTAT list and the members of the scope. The list
// is announced on p (pass Discard to load it silently).
func reference(s Scope, p Progress) (*funding.Registry, funding.Selection, error) {
	reg := funding.NewRegistry()
	sel := funding.Selection{Provinces: s.Provinces}
	if s.ComuniList != "" {
		refs, err := importer.ReadComuniList(s.ComuniList)
		if err != nil {
			return nil, sel, &ListError{List: ComuniList, Path: s.ComuniList, Err: err}
		}
		observe(reg, refs)
		p.Report(ComuniListLoaded{Path: s.ComuniList, Comuni: len(refs)})
	}
	if s.Members != "" {
		m, err := importer.ReadMembers(s.Members)
		if err != nil {
			return nil, sel, &ListError{List: MembersList, Path: s.Members, Err: err}
		}
		sel.Members = m
	}
	return reg, sel, nil
}

func observe(reg *funding.Registry, refs []importer.ComuneRef) {
	for _, r := range refs {
		reg.Observe(r.Obs)
		reg.AddProvinceName(r.ProvinceName, r.Obs.Province)
	}
}
