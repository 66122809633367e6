package pipeline

import (
	"bytes"
	"encoding/csv"
	"sort"
	"strings"
	"sync"

	"consolida/funding"
	"consolida/templates"
)

// provinceList is templates/province.csv, indexed.
var provinceList = sync.OnceValue(func() (idx struct {
	bySigla map[string]string // sigla -> name (the first listed)
	byKey   map[string]string // ISTAT code, folded name -> sigla
}) {
	idx.bySigla, idx.byKey = map[string]string{}, map[string]string{}
	r := csv.NewReader(bytes.NewReader(templates.Provinces))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		panic("templates/province.csv: " + err.Error()) // embedded: a test reads it
	}
	for _, row := range rows[1:] {
		sigla, code, name := row[0], row[1], row[2]
		if _, ok := idx.bySigla[sigla]; !ok {
			idx.bySigla[sigla] = name
		}
		idx.byKey[code] = sigla
		for _, n := range append([]string{name}, strings.Split(row[3], "|")...) {
			if n != "" {
				idx.byKey[funding.NameKey(n)] = sigla
			}
		}
	}
	return idx
})

// ProvinceAbbrev returns the sigla of an Italian province written as its
// sigla ("LC", "lc"), ISTAT code ("097", "97") or name ("Lecco", "Reggio
// Emilia", "Bolzano"); "" when it is none of them.
func ProvinceAbbrev(s string) string {
	s = strings.TrimSpace(s)
	idx := provinceList()
	if u := strings.ToUpper(s); len(u) == 2 {
		if _, ok := idx.bySigla[u]; ok {
			return u
		}
	}
	if s != "" && strings.Trim(s, "0123456789") == "" && len(s) <= 3 {
		return idx.byKey[strings.Repeat("0", 3-len(s))+s]
	}
	return idx.byKey[funding.NameKey(s)]
}

// ProvinceName is the name of the province with that sigla ("Lecco" for
// "LC"); "" when it is not an Italian province.
func ProvinceName(sigla string) string { return provinceList().bySigla[sigla] }

// checkProvinces refuses a selection by province that selects no comune
// of the data: a typo ("XX", "Leco") would give an empty report. The
// error lists the provinces present.
func checkProvinces(s Scope, res *funding.Result) error {
	if len(s.Provinces) == 0 {
		return nil
	}
	present := map[string]bool{}
	for _, id := range res.ComuneOf {
		if id >= 0 {
			if p := res.Registry.Comuni[id].Province; p != "" {
				present[p] = true
			}
		}
	}
	for _, p := range s.Provinces {
		sigla := res.Registry.ProvinceAbbrev(p)
		if sigla == "" {
			sigla = strings.ToUpper(strings.TrimSpace(p))
		}
		if present[sigla] {
			return nil
		}
	}
	list := make([]string, 0, len(present))
	for p := range present {
		list = append(list, p)
	}
	sort.Strings(list)
	return &UsageError{Problem: ProvinceNotFound, Provinces: s.Provinces, Present: list}
}
