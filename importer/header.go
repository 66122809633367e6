package importer

import (
	"fmt"
	"sort"
	"strings"

	"consolida/funding"
	"consolida/importer/grid"
	"consolida/templates"
)

// Canonical field names (the left column of templates/intestazioni.csv).
const (
	FBody          = "ente"
	FBodyType      = "tipologia_ente"
	FComune        = "comune"
	FISTAT         = "cod_istat"
	FProvince      = "provincia"
	FProvinceCode  = "cod_provincia"
	FRegion        = "regione"
	FIPA           = "codice_ipa"
	FBelfiore      = "codice_catastale"
	FAmount        = "importo"
	FAvviso        = "avviso"
	FMeasure       = "misura"
	FCUP           = "cup"
	FStatus        = "stato"
	FStatusDate    = "data_stato"
	FFundingDate   = "data_finanziamento"
	FDecreto       = "decreto"
	FDecretoNumber = "numero_decreto"
	FWindow        = "finestra"
	FSubmittedAt   = "data_invio"
)

var knownFields = []string{FBody, FBodyType, FComune, FISTAT, FProvince, FProvinceCode, FRegion, FIPA,
	FBelfiore, FAmount, FAvviso, FMeasure, FCUP, FStatus, FStatusDate, FFundingDate, FDecreto, FDecretoNumber,
	FWindow, FSubmittedAt}

// identityFields are the fields that can tell which comune a row is about.
var identityFields = []string{FComune, FISTAT, FBody, FIPA, FBelfiore}

// Synonyms maps folded header texts to fields.
type Synonyms struct {
	exact map[string]string
	byLen []string // synonyms, longest first, for prefix matches
}

// LoadSynonyms parses templates/intestazioni.csv (campo,intestazione).
func LoadSynonyms(data []byte) (*Synonyms, error) {
	s := &Synonyms{exact: map[string]string{}}
	valid := map[string]bool{}
	for _, f := range knownFields {
		valid[f] = true
	}
	header := true
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		field, syn, ok := strings.Cut(line, ",")
		field = strings.TrimSpace(field)
		if !ok || !valid[field] {
			return nil, fmt.Errorf("intestazioni, riga %d: campo %q sconosciuto", n+1, field)
		}
		key := funding.FoldHeader(syn)
		if prev, dup := s.exact[key]; dup && prev != field {
			return nil, fmt.Errorf("intestazioni, riga %d: %q è già sinonimo di %s", n+1, syn, prev)
		}
		s.exact[key] = field
	}
	for k := range s.exact {
		s.byLen = append(s.byLen, k)
	}
	sort.Slice(s.byLen, func(i, j int) bool {
		if len(s.byLen[i]) != len(s.byLen[j]) {
			return len(s.byLen[i]) > len(s.byLen[j])
		}
		return s.byLen[i] < s.byLen[j]
	})
	return s, nil
}

// DefaultSynonyms are the embedded header synonyms.
func DefaultSynonyms() *Synonyms {
	s, err := LoadSynonyms(templates.HeaderSynonyms)
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return s
}

// match returns the field of a header text: exact synonym first, then the
// longest synonym the header starts with ("Importo finanziato PNRR").
func (s *Synonyms) match(text string, allowPrefix bool) (field, how string) {
	return s.matchFolded(funding.FoldHeader(text), allowPrefix)
}

// folds memoises funding.FoldHeader over the rows searched for a header:
// a row of thousands of cells repeating one value folds it once.
type folds map[string]string

func (f folds) fold(text string) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	k, ok := f[text]
	if !ok {
		k = funding.FoldHeader(text)
		f[text] = k
	}
	return k
}

// matchFolded is match on a text already folded.
func (s *Synonyms) matchFolded(k string, allowPrefix bool) (field, how string) {
	if k == "" {
		return "", ""
	}
	if f, ok := s.exact[k]; ok {
		return f, "esatta"
	}
	if !allowPrefix {
		return "", ""
	}
	for _, syn := range s.byLen {
		if len(k) > len(syn) && k[len(syn)] == ' ' && strings.HasPrefix(k, syn) {
			return s.exact[syn], "per somiglianza (" + syn + ")"
		}
	}
	return "", ""
}

// Column describes how one source column was understood.
type Column struct {
	Index  int
	Letter string
	Header string
	Field  string // "" when ignored
	How    string
}

// header is a detected header: the rows it spans and its columns.
type header struct {
	rows  []int // Excel row numbers
	cols  []Column
	field map[string]int // field -> column index
	bonus int
}

func (h *header) valid() bool {
	if _, ok := h.field[FAmount]; !ok {
		return false
	}
	for _, f := range identityFields {
		if _, ok := h.field[f]; ok {
			return true
		}
	}
	return false
}

func (h *header) score() int { return len(h.field)*2 + h.bonus }

// missing names what a header lacks to be a funding list.
func (h *header) missing() string {
	var m []string
	if _, ok := h.field[FAmount]; !ok {
		m = append(m, "importo")
	}
	id := false
	for _, f := range identityFields {
		_, ok := h.field[f]
		id = id || ok
	}
	if !id {
		m = append(m, "comune (o ente, codice ISTAT, codice IPA)")
	}
	return strings.Join(m, " e ")
}

func (s *Synonyms) assign(h *header, i int, text, field, how string) {
	h.cols = append(h.cols, Column{Index: i, Letter: ColName(i), Header: funding.CleanSpaces(text)})
	c := &h.cols[len(h.cols)-1]
	if field == "" {
		return
	}
	if prev, dup := h.field[field]; dup {
		c.How = "ignorata: " + field + " è già nella colonna " + ColName(prev)
		return
	}
	h.field[field] = i
	c.Field, c.How = field, how
}

// single reads one row as a header.
func (s *Synonyms) single(f folds, rowN int, cells []grid.Cell) *header {
	h := &header{rows: []int{rowN}, field: map[string]int{}}
	// exact matches take their field before prefix matches
	fields := make([]string, len(cells))
	hows := make([]string, len(cells))
	for i, c := range cells {
		fields[i], hows[i] = s.matchFolded(f.fold(c.V), false)
	}
	taken := map[string]bool{}
	for _, f := range fields {
		taken[f] = true
	}
	for i, c := range cells {
		if fields[i] == "" {
			if field, how := s.matchFolded(f.fold(c.V), true); field != "" && !taken[field] {
				fields[i], hows[i] = field, how
				taken[field] = true
			}
		}
		s.assign(h, i, c.V, fields[i], hows[i])
	}
	return h
}

// double reads two rows as one header: a top row whose cells may span
// several columns (merged, so only the first holds the text) over a row of
// sub-headers. "Importo" over "finanziato" reads "Importo finanziato".
func (s *Synonyms) double(f folds, rowN int, top, bottom []grid.Cell) *header {
	n := len(top)
	if len(bottom) > n {
		n = len(bottom)
	}
	at := func(cs []grid.Cell, i int) string {
		if i < len(cs) {
			return strings.TrimSpace(cs[i].V)
		}
		return ""
	}
	h := &header{rows: []int{rowN, rowN + 1}, field: map[string]int{}}
	filled := ""
	for i := 0; i < n; i++ {
		t, b := at(top, i), at(bottom, i)
		fill := false
		if t != "" {
			filled = t
		} else if b != "" && filled != "" {
			t, fill = filled, true
		}
		text := strings.TrimSpace(t + " " + b)
		field, how := "", ""
		switch {
		case t != "" && b != "":
			if f.fold(text) != f.fold(t) && f.fold(b) != "" {
				if field, how = s.matchFolded(f.fold(text), false); field != "" {
					how = "su due righe"
					h.bonus++
				}
			}
			if field == "" && !fill {
				field, how = s.matchFolded(f.fold(t), true)
			}
		case b != "":
			field, how = s.matchFolded(f.fold(b), true)
		case t != "" && !fill:
			field, how = s.matchFolded(f.fold(t), true)
		}
		s.assign(h, i, text, field, how)
	}
	return h
}

// findHeader looks for the header within the buffered first rows and
// returns it with the index of the first data row in buf.
func (s *Synonyms) findHeader(rows []int, buf [][]grid.Cell) (*header, int, *header) {
	var best *header
	bestNext := 0
	var closest *header // the best invalid one, to explain a skip
	f := folds{}
	for i := range buf {
		cands := []*header{s.single(f, rows[i], buf[i])}
		if i+1 < len(buf) && rows[i+1] == rows[i]+1 {
			cands = append(cands, s.double(f, rows[i], buf[i], buf[i+1]))
		}
		for k, h := range cands {
			if !h.valid() {
				if closest == nil || h.score() > closest.score() {
					closest = h
				}
				continue
			}
			if k == 1 && h.bonus == 0 {
				continue // a plain header over a data row
			}
			if best == nil || h.score() > best.score() {
				best, bestNext = h, i+1+k
			}
		}
	}
	return best, bestNext, closest
}
