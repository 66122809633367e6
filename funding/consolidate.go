package funding

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Tally is a count of rows and the sum of their amounts. The sum is
// checked: when it would overflow int64 cents, Overflow is set and Amount
// keeps the last sum that fitted.
type Tally struct {
	Rows     int
	Amount   Amount
	Overflow bool // the amounts added up to more than MaxSum (or less than -MaxSum)
}

// Add counts one row.
func (t *Tally) Add(a Amount) {
	t.Rows++
	if s, ok := AddAmounts(t.Amount, a); ok && !t.Overflow {
		t.Amount = s
	} else {
		t.Overflow = true
	}
}

// Plus returns the sum of two tallies.
func (t Tally) Plus(o Tally) Tally {
	s, ok := AddAmounts(t.Amount, o.Amount)
	if !ok {
		s = t.Amount
	}
	return Tally{Rows: t.Rows + o.Rows, Amount: s, Overflow: t.Overflow || o.Overflow || !ok}
}

// Source is one input file as the importer read it.
type Source struct {
	Name     string // as shown in Fonte
	Path     string
	SHA256   string
	Size     int64
	Format   string // "CSV (UTF-8, separatore ',')", "XLSX"...
	Skipped  string // why nothing was read: not a funding list, unreadable...
	Notes    []string
	Read     Tally    // data rows read, with the sum of the amounts that could be read
	RefDate  Date     // newest date in the file (in Result.Sources: set by Consolidate)
	Outcomes Outcomes // in Result.Sources: set by Consolidate
}

// Outcomes splits the rows of a source (or of the whole run) by what
// happened to them. Read = Consolidated + Duplicates + AltriEnti +
// OutOfScope + Rejected, for rows and for euros.
type Outcomes struct {
	Consolidated Tally // the row that stands for its candidatura
	Duplicates   Tally // another row of the same candidatura
	AltriEnti    Tally // money of another body, not of a comune
	OutOfScope   Tally // a comune outside --provincia/--membri
	Rejected     Tally // rejected with a reason
}

// Total is the sum of all outcomes.
func (o Outcomes) Total() Tally {
	return o.Consolidated.Plus(o.Duplicates).Plus(o.AltriEnti).Plus(o.OutOfScope).Plus(o.Rejected)
}

func (o *Outcomes) add(k Outcome, a Amount) {
	switch k {
	case OutConsolidated:
		o.Consolidated.Add(a)
	case OutDuplicate:
		o.Duplicates.Add(a)
	case OutAltriEnti:
		o.AltriEnti.Add(a)
	case OutOutOfScope:
		o.OutOfScope.Add(a)
	default:
		o.Rejected.Add(a)
	}
}

// Outcome of one row.
type Outcome uint8

// The outcomes of a row.
const (
	OutRejected Outcome = iota
	OutConsolidated
	OutDuplicate
	OutAltriEnti
	OutOutOfScope
)

// Selection restricts the comuni reported. Empty means every comune.
type Selection struct {
	Provinces []string // sigle
	Members   []Member
}

// Member is one line of a --membri file: an ISTAT code or a name.
type Member struct {
	Pos  Pos
	Text string
}

// Input is everything Consolidate needs. Consolidate only reads it: the
// same Input can be consolidated again (with another Selection, say)
// without copies.
type Input struct {
	Catalog   *Catalog
	Registry  *Registry // may already hold observations from the ISTAT list
	Records   []Record
	Anomalies []Anomaly
	Sources   []Source
	Selection Selection
}

// Candidatura is one application for funding, after de-duplication: the
// newest of its rows (Winner) and every row that told of it.
type Candidatura struct {
	Comune  *Comune
	Measure Measure
	Winner  *Record
	Rows    []int32 // indices into Result.Records, winner included
	others  string
}

// Amount counted in totals: the winner's amount if its status is funded.
func (c *Candidatura) Funded() Amount {
	if c.Winner.Status.Funded() {
		return c.Winner.Amount
	}
	return 0
}

// ComuneTotals are the funded amounts of a comune per measure (catalog
// order), and the part of them already paid (E).
type ComuneTotals struct {
	Comune  *Comune
	Funded  []Amount
	Erogato []Amount
	Total   Amount
}

// MeasureStats summarise one measure over the reported comuni.
type MeasureStats struct {
	Measure         Measure
	Comuni          int // comuni with at least one funded candidatura
	Candidature     int // funded candidature
	Funded          Amount
	Erogato         Amount
	Renunciations   int
	RenouncedAmount Amount
	Revocations     int
	RevokedAmount   Amount
}

// Conservation is the check that nothing was lost or counted twice.
type Conservation struct {
	Read     Tally
	Outcomes Outcomes
	OK       bool
	Overflow bool     // not OK because amounts add up beyond MaxSum (ErrSumOverflow)
	Problems []string // Italian, one per source that does not add up

	// the consolidated candidature: funded (A+E), and renounced or revoked
	// (listed, not added to totals)
	Funded, NotFunded Amount
}

// Result is the consolidated picture. Records is the input's slice, not a
// copy: what Consolidate derived about each record is in the slices
// parallel to it (Outcome, ComuneOf), never written into the records.
type Result struct {
	Catalog  *Catalog
	Registry *Registry // a copy of the input's, that learnt the comuni of the rows
	Records  []Record  // the input's records, read-only
	Outcome  []Outcome // per record: what happened to it
	ComuneOf []int32   // per record: its comune (index in Registry.Comuni), -1 for none
	Sources  []Source  // the input's sources with RefDate and Outcomes set
	// Anomalies are the input's anomalies and those of the consolidation,
	// by position, each tied to its comune where it can be; with a
	// selection, only those of the selected comuni and those tied to no
	// comune.
	Anomalies []Anomaly
	// OtherAnomalies counts the anomalies left out of Anomalies because
	// their rows are of comuni outside the selection; OtherRejected how
	// many of them put their row out (in Fonti, among the rejected rows).
	OtherAnomalies, OtherRejected int
	Comuni                        []*ComuneTotals // reported comuni, by name
	Candidature                   []*Candidatura  // reported candidature, by comune, measure, date
	Measures                      []MeasureStats
	GrandTotal                    []Amount // per measure, over reported comuni
	Total                         Amount
	Conservation                  Conservation

	overflow bool // a total of the report overflowed (total)
	negative bool // a candidatura with a negative amount reached the totals
}

// Consolidate resolves comuni, de-duplicates candidature, keeps the newest
// status of each, adds up the money and checks conservation. It does not
// modify its input (records, sources, anomalies, registry): everything it
// derives is in the Result.
func Consolidate(in Input) *Result {
	n := len(in.Records)
	res := &Result{
		Catalog:  in.Catalog,
		Registry: in.Registry.clone(),
		Records:  in.Records,
		Sources:  append([]Source(nil), in.Sources...),
		Outcome:  make([]Outcome, n),
		ComuneOf: make([]int32, n),
	}
	// the anomalies of the input come first, in their order, then those
	// found here; all sorted by position at the end
	res.Anomalies = make([]Anomaly, len(in.Anomalies), len(in.Anomalies)+len(in.Anomalies)/8+16)
	copy(res.Anomalies, in.Anomalies)
	recs := res.Records
	for i := range res.Sources {
		res.Sources[i].RefDate = 0
		res.Sources[i].Outcomes = Outcomes{}
	}
	for i := range recs {
		r := &recs[i]
		if fi := int(r.FileIdx); fi >= 0 && fi < len(res.Sources) {
			for _, d := range []Date{r.StatusDate, r.FundingDate} {
				if d > res.Sources[fi].RefDate {
					res.Sources[fi].RefDate = d
				}
			}
		}
	}
	res.learnComuni()
	res.resolveComuni()
	selected := res.selection(in.Selection)
	groups := groupRows(res.Records, res.ComuneOf) // identity.go
	res.pickWinners(groups, selected)
	res.total(selected)
	res.checkConservation()
	res.tieAnomalies(selected)
	sortAnomalies(res.Anomalies)
	return res
}

func (res *Result) refDate(r *Record) Date {
	if fi := int(r.FileIdx); fi >= 0 && fi < len(res.Sources) {
		return res.Sources[fi].RefDate
	}
	return 0
}

// learnComuni teaches the registry every comune the rows name with a code.
func (res *Result) learnComuni() {
	for i := range res.Records {
		r := &res.Records[i]
		own := r.Owner != OwnerOther
		name := r.Comune
		if own && name == "" && r.Body != "" {
			name = ComuneName(r.Body)
		}
		prov := r.Province
		if len(prov) != 2 {
			prov = res.Registry.ProvinceAbbrev(prov)
		}
		hasCode := r.ISTAT != "" || (own && (r.Belfiore != "" || r.IPA != ""))
		if !hasCode || name == "" || r.Owner == OwnerIfNamed {
			continue
		}
		res.Registry.Observe(Observation{
			ISTAT: r.ISTAT, Name: name, Province: prov, ProvinceCode: r.ProvinceCode,
			Region: r.Region, IPA: r.IPA, Belfiore: r.Belfiore,
			Own: r.Owner == OwnerComune, Date: res.refDate(r),
		})
	}
	res.Registry.Build()
}

// reject puts record i out, with the reason.
func (res *Result) reject(i int, field, value, reason, suggestion string, err error) {
	r := &res.Records[i]
	res.Outcome[i] = OutRejected
	res.Anomalies = append(res.Anomalies, Anomaly{
		Pos: r.Pos, Field: field, Value: value, Reason: reason, Suggestion: suggestion, Rejected: true, Err: err,
	})
}

// resolveComuni finds the comune of every row that is a comune's. It
// settles the outcome of the rows that are out (rejected when read or
// here, another body's); the rows with a comune get theirs when grouped.
func (res *Result) resolveComuni() {
	reg := res.Registry
	for i := range res.Records {
		r := &res.Records[i]
		res.ComuneOf[i] = -1
		if r.Rejected {
			res.Outcome[i] = OutRejected
			continue
		}
		if r.Owner == OwnerOther {
			res.Outcome[i] = OutAltriEnti
			continue
		}
		q := r.comuneQuery()
		c, err := reg.Resolve(q)
		if r.Owner == OwnerIfNamed && (err != nil || !reg.HasName(c, ComuneName(r.Body))) {
			// a body whose name is not its comune's: another body's money
			res.Outcome[i] = OutAltriEnti
			continue
		}
		if err != nil {
			field, value := "comune", q.Name
			if value == "" && r.ISTAT != "" {
				field, value = "cod_istat", r.ISTAT
			}
			reason, sugg := describeLookup(err, q.Name, r.ISTAT)
			res.reject(i, field, value, reason, sugg, err)
			continue
		}
		res.ComuneOf[i] = c.ID
	}
}

// Advice for the anomalies, in the words of an office: the workbooks are
// read by clerks who know neither the command line nor the program's
// files (the importer uses AdviceNoMeasure too).
const (
	AdviceUnknownComune = "controllare il nome del comune; se è giusto, indicare nel file il codice ISTAT del comune " +
		"oppure caricare l'elenco ufficiale dei comuni italiani dell'ISTAT (Guida rapida: «Se i comuni sono scritti solo per nome»)"
	AdviceNoMeasure = "indicare nel file il titolo dell'avviso; se il titolo c'è ma non è riconosciuto, " +
		"segnalarlo a chi cura consolida perché lo aggiunga alle regole di riconoscimento delle misure"
)

// describeLookup turns a failed lookup into an Italian reason and
// suggestion.
func describeLookup(err error, name, code string) (reason, suggestion string) {
	var le *LookupError
	if !errors.As(err, &le) {
		return err.Error(), ""
	}
	switch {
	case errors.Is(err, ErrAmbiguousComune):
		var cs []string
		for _, c := range le.Candidates {
			cs = append(cs, c.Describe())
		}
		return "comune ambiguo: il nome corrisponde a più comuni e manca una provincia che li distingua",
			"candidati: " + strings.Join(cs, "; ") + ". Aggiungere la provincia o il codice ISTAT"
	case errors.Is(err, ErrNoComune):
		return "comune mancante: la riga non indica né il comune né il suo codice", ""
	default:
		var ss []string
		for _, c := range le.Suggestions {
			ss = append(ss, c.Describe())
		}
		reason = "comune sconosciuto"
		if name == "" && code != "" {
			reason = "codice ISTAT sconosciuto"
		}
		if le.SuggestionsCut {
			return reason, "nomi simili non cercati: troppi comuni sconosciuti nei file. " + AdviceUnknownComune
		}
		if len(ss) == 0 {
			return reason, AdviceUnknownComune
		}
		return reason, "forse: " + strings.Join(ss, "; ")
	}
}

// HasName reports whether name is one of the names of c.
func (r *Registry) HasName(c *Comune, name string) bool {
	for _, k := range nameKeys(name) {
		for _, id := range r.byName[k] {
			if id == c.ID {
				return true
			}
		}
	}
	return false
}

// selection returns the set of reported comuni (nil: all).
func (res *Result) selection(sel Selection) map[int32]bool {
	if len(sel.Provinces) == 0 && len(sel.Members) == 0 {
		return nil
	}
	out := map[int32]bool{}
	provs := map[string]bool{}
	for _, p := range sel.Provinces {
		if s := res.Registry.ProvinceAbbrev(p); s != "" {
			provs[s] = true
		} else {
			provs[strings.ToUpper(strings.TrimSpace(p))] = true
		}
	}
	for _, c := range res.Registry.Comuni {
		if provs[c.Province] {
			out[c.ID] = true
		}
	}
	for _, m := range sel.Members {
		c, err := res.Registry.Resolve(Query{ISTAT: m.Text, Name: m.Text})
		if err != nil {
			reason, sugg := describeLookup(err, m.Text, "")
			res.Anomalies = append(res.Anomalies, Anomaly{
				Pos: m.Pos, Field: "comune", Value: m.Text,
				Reason: "elenco dei membri: " + reason + " (il comune non compare nei prospetti)", Suggestion: sugg, Err: err,
			})
			continue
		}
		out[c.ID] = true
	}
	return out
}

// newer reports whether row a tells a newer status than row b: later
// status date, then the more recent publication, then the later file
// and row.
func (res *Result) newer(a, b *Record) bool {
	if da, db := a.EffectiveDate(), b.EffectiveDate(); da != db {
		return da > db
	}
	if ra, rb := res.refDate(a), res.refDate(b); ra != rb {
		return ra > rb
	}
	if a.FileIdx != b.FileIdx {
		return a.FileIdx > b.FileIdx
	}
	if a.Pos.Sheet != b.Pos.Sheet {
		return a.Pos.Sheet > b.Pos.Sheet
	}
	return a.Pos.Row > b.Pos.Row
}

func (res *Result) pickWinners(groups [][]int32, selected map[int32]bool) {
	recs := res.Records
	for _, g := range groups {
		w := g[0]
		for _, i := range g[1:] {
			if res.newer(&recs[i], &recs[w]) {
				w = i
			}
		}
		win := &recs[w]
		rows := append([]int32{w}, nil...)
		for _, i := range g {
			if i == w {
				continue
			}
			rows = append(rows, i)
			res.Outcome[i] = OutDuplicate
			d := &recs[i]
			if d.Amount != win.Amount {
				res.Anomalies = append(res.Anomalies, Anomaly{
					Pos: d.Pos, Field: "importo", Value: d.Amount.String(),
					Reason: fmt.Sprintf("stessa candidatura (CUP %s) con importi diversi: %s qui, %s in %s (stato %s del %s)",
						orDash(win.CUP), d.Amount, win.Amount, win.Pos.Ref(), win.Status.Code(), win.EffectiveDate()),
					Suggestion: "vale l'importo dello stato più recente (" + win.Amount.String() + "); verificare con il decreto",
				})
			}
		}
		c := res.Registry.Comuni[res.ComuneOf[w]]
		win = res.enrich(win, rows)
		if selected != nil && !selected[c.ID] {
			res.Outcome[w] = OutOutOfScope
			continue
		}
		res.Outcome[w] = OutConsolidated
		m, _ := res.Catalog.Measure(win.Measure)
		var others []string
		for _, i := range rows[1:] {
			if len(others) == 20 {
				others = append(others, fmt.Sprintf("e altre %d", len(rows)-21))
				break
			}
			others = append(others, recs[i].Pos.Ref())
		}
		res.Candidature = append(res.Candidature, &Candidatura{Comune: c, Measure: m, Winner: win, Rows: rows, others: strings.Join(others, "; ")})
	}
}

// enrich returns a copy of the winning row whose empty descriptive fields
// (CUP, IPA, avviso, decree, dates, window) are filled from the newest
// other row of the same candidatura that has them: an office's list
// without decree and the ministry's annex tell one story. Status, status
// date and amount are the winner's own.
func (res *Result) enrich(win *Record, rows []int32) *Record {
	if len(rows) == 1 || (win.CUP != "" && win.IPA != "" && win.Avviso != "" && win.Decreto != "" &&
		win.SubmittedAt != "" && win.Window != "" && win.FundingDate != 0) {
		return win // nothing to fill: no copy
	}
	w := *win
	others := make([]*Record, 0, len(rows)-1)
	for _, i := range rows[1:] {
		others = append(others, &res.Records[i])
	}
	sort.SliceStable(others, func(a, b int) bool { return res.newer(others[a], others[b]) })
	for _, o := range others {
		fill := func(dst *string, src string) {
			if *dst == "" {
				*dst = src
			}
		}
		fill(&w.CUP, o.CUP)
		fill(&w.IPA, o.IPA) // every row of a candidatura is its comune's own
		fill(&w.Avviso, o.Avviso)
		fill(&w.Decreto, o.Decreto)
		fill(&w.SubmittedAt, o.SubmittedAt)
		fill(&w.Window, o.Window)
		if w.FundingDate == 0 {
			w.FundingDate = o.FundingDate
		}
	}
	return &w
}

func orDash(s string) string {
	if s == "" {
		return "senza CUP"
	}
	return s
}

// total adds up the money per comune and per measure, each sum checked.
func (res *Result) total(selected map[int32]bool) {
	nm := len(res.Catalog.Measures)
	byComune := map[int32]*ComuneTotals{}
	get := func(c *Comune) *ComuneTotals {
		t, ok := byComune[c.ID]
		if !ok {
			t = &ComuneTotals{Comune: c, Funded: make([]Amount, nm), Erogato: make([]Amount, nm)}
			byComune[c.ID] = t
		}
		return t
	}
	add := func(a Amount, to ...*Amount) {
		for _, p := range to {
			s, ok := AddAmounts(*p, a)
			if !ok {
				res.overflow = true
				continue // the report will not be written: keep what fitted
			}
			*p = s
		}
	}
	res.GrandTotal = make([]Amount, nm)
	res.Measures = make([]MeasureStats, nm)
	comuniPer := make([]map[int32]bool, nm)
	for i, m := range res.Catalog.Measures {
		res.Measures[i].Measure = m
		comuniPer[i] = map[int32]bool{}
	}
	for _, cand := range res.Candidature {
		t := get(cand.Comune)
		mi := res.Catalog.Order(cand.Measure.ID)
		w := cand.Winner
		ms := &res.Measures[mi]
		if w.Amount < 0 {
			res.negative = true
		}
		switch w.Status {
		case StatusAssigned, StatusErogata:
			add(w.Amount, &t.Funded[mi], &t.Total, &res.GrandTotal[mi], &res.Total, &ms.Funded)
			ms.Candidature++
			comuniPer[mi][cand.Comune.ID] = true
			if w.Status == StatusErogata {
				add(w.Amount, &t.Erogato[mi], &ms.Erogato)
			}
		case StatusRenounced:
			ms.Renunciations++
			add(w.Amount, &ms.RenouncedAmount)
		case StatusRevoked:
			ms.Revocations++
			add(w.Amount, &ms.RevokedAmount)
		}
	}
	for i := range res.Measures {
		res.Measures[i].Comuni = len(comuniPer[i])
	}
	// selected comuni with no candidature are reported too (members of the CST)
	if selected != nil {
		for id := range selected {
			get(res.Registry.Comuni[id])
		}
	}
	for _, t := range byComune {
		res.Comuni = append(res.Comuni, t)
	}
	col := collate.New(language.Italian, collate.IgnoreCase, collate.IgnoreDiacritics)
	less := func(a, b *Comune) bool {
		if c := col.CompareString(a.Name, b.Name); c != 0 {
			return c < 0
		}
		if a.Province != b.Province {
			return a.Province < b.Province
		}
		return a.ISTAT < b.ISTAT
	}
	sort.SliceStable(res.Comuni, func(i, j int) bool { return less(res.Comuni[i].Comune, res.Comuni[j].Comune) })
	rank := make([]int32, len(res.Registry.Comuni))
	for i, t := range res.Comuni {
		rank[t.Comune.ID] = int32(i)
	}
	// sort on precomputed keys: comune (by name), measure (catalog order),
	// decree date, CUP, then input order for a stable result
	type sortKey struct {
		rank, order int32
		date        Date
		cup         string
		seq         int32
		c           *Candidatura
	}
	keys := make([]sortKey, len(res.Candidature))
	for i, c := range res.Candidature {
		keys[i] = sortKey{rank[c.Comune.ID], int32(res.Catalog.Order(c.Measure.ID)), c.Winner.FundingDate, c.Winner.CUP, int32(i), c}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		switch {
		case a.rank != b.rank:
			return cmp.Compare(a.rank, b.rank)
		case a.order != b.order:
			return cmp.Compare(a.order, b.order)
		case a.date != b.date:
			return cmp.Compare(a.date, b.date)
		case a.cup != b.cup:
			return strings.Compare(a.cup, b.cup)
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for i := range keys {
		res.Candidature[i] = keys[i].c
	}
}

// checkConservation verifies, per source and overall, that every row read
// ended in exactly one outcome, with the same euros.
func (res *Result) checkConservation() {
	cons := &res.Conservation
	for i := range res.Sources {
		res.Sources[i].Outcomes = Outcomes{}
	}
	var stray Outcomes
	for i := range res.Records {
		r := &res.Records[i]
		a := Amount(0)
		if r.AmountOK {
			a = r.Amount
		}
		if fi := int(r.FileIdx); fi >= 0 && fi < len(res.Sources) {
			res.Sources[fi].Outcomes.add(res.Outcome[i], a)
		} else {
			stray.add(res.Outcome[i], a)
		}
		cons.Outcomes.add(res.Outcome[i], a)
	}
	cons.OK = true
	overflow := false
	for i := range res.Sources {
		s := &res.Sources[i]
		cons.Read = cons.Read.Plus(s.Read)
		got := s.Outcomes.Total()
		if s.Read.Overflow || got.Overflow {
			cons.OK, overflow = false, true
			cons.Problems = append(cons.Problems, s.Name+": "+ErrSumOverflow.Error())
			continue
		}
		if got != s.Read {
			cons.OK = false
			cons.Problems = append(cons.Problems, fmt.Sprintf("%s: lette %d righe per %s euro, esiti %d righe per %s euro",
				s.Name, s.Read.Rows, s.Read.Amount, got.Rows, got.Amount))
		}
	}
	if stray.Total().Rows > 0 {
		cons.OK = false
		cons.Problems = append(cons.Problems, fmt.Sprintf("%d righe senza file di provenienza", stray.Total().Rows))
	}
	total := cons.Outcomes.Total()
	if total != cons.Read {
		cons.OK = false
	}
	// the funded total must be what the consolidated rows say
	var funded, notFunded Tally
	for _, c := range res.Candidature {
		if c.Winner.Status.Funded() {
			funded.Add(c.Winner.Amount)
		} else {
			notFunded.Add(c.Winner.Amount)
		}
	}
	cons.Funded, cons.NotFunded = funded.Amount, notFunded.Amount
	fundedOK := !funded.Overflow && !notFunded.Overflow
	if !overflow && (total.Overflow || cons.Read.Overflow || res.overflow || !fundedOK) {
		overflow = true
		cons.Problems = append(cons.Problems, "tutti i file: "+ErrSumOverflow.Error())
	}
	if overflow {
		cons.OK, cons.Overflow = false, true
	} else if funded.Amount != res.Total {
		cons.OK = false
		cons.Problems = append(cons.Problems, fmt.Sprintf("totale finanziato %s diverso dalla somma delle candidature %s", res.Total, funded.Amount))
	}
	if res.negative {
		cons.OK = false
		cons.Problems = append(cons.Problems, "una candidatura consolidata ha un importo negativo: le righe con importo negativo vanno scartate")
	}
}

// tieAnomalies ties each anomaly to the comune of its row and, when the
// report selects comuni, keeps only the anomalies of the selected comuni
// and those tied to none: a CST works through its own comuni's rows, and
// one whose row names no known comune could be any comune's. The others
// are counted in OtherAnomalies and OtherRejected.
func (res *Result) tieAnomalies(selected map[int32]bool) {
	type rowKey struct {
		file, sheet string
		row         int
	}
	const none = int32(-1)
	at := make(map[rowKey]int32, len(res.Anomalies))
	for _, a := range res.Anomalies {
		if a.Pos.Row > 0 {
			at[rowKey{a.Pos.File, a.Pos.Sheet, a.Pos.Row}] = none
		}
	}
	if len(at) == 0 {
		return
	}
	for i := range res.Records {
		p := &res.Records[i].Pos
		k := rowKey{p.File, p.Sheet, p.Row}
		if j, ok := at[k]; ok && j == none {
			at[k] = int32(i)
		}
	}
	comuneOf := make(map[int32]*Comune)
	tie := func(i int32) *Comune {
		if c, ok := comuneOf[i]; ok {
			return c
		}
		var c *Comune
		r := &res.Records[i]
		switch {
		case res.ComuneOf[i] >= 0:
			c = res.Registry.Comuni[res.ComuneOf[i]]
		case res.Outcome[i] == OutRejected && !r.Rejected:
			// its comune is the very thing that failed (unknown, ambiguous)
		default:
			// a row rejected when read, or another body's: the comune it
			// names, if that resolves
			if found, err := res.Registry.resolve(r.comuneQuery(), false); err == nil {
				c = found
			}
		}
		comuneOf[i] = c
		return c
	}
	kept := res.Anomalies[:0]
	for _, a := range res.Anomalies {
		if i, ok := at[rowKey{a.Pos.File, a.Pos.Sheet, a.Pos.Row}]; ok && i != none {
			a.Comune = tie(i)
		}
		if selected != nil && a.Comune != nil && !selected[a.Comune.ID] {
			res.OtherAnomalies++
			if a.Rejected {
				res.OtherRejected++
			}
			continue
		}
		kept = append(kept, a)
	}
	clear(res.Anomalies[len(kept):])
	res.Anomalies = kept
}

func sortAnomalies(as []Anomaly) {
	sort.SliceStable(as, func(i, j int) bool {
		a, b := as[i].Pos, as[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Sheet != b.Sheet {
			return a.Sheet < b.Sheet
		}
		return a.Row < b.Row
	})
}

// OtherSources lists where else the candidatura was read (its duplicate
// rows), as "file:foglio:riga" separated by "; ". It needs the result's
// records, so Consolidate fills it.
func (c *Candidatura) OtherSources() string { return c.others }

// comuneQuery is what a record says of its comune: its codes, the name
// written (else the one its body's name holds, "Comune di X"), the
// province, and the IPA code when the body is the comune itself.
func (r *Record) comuneQuery() Query {
	name := r.Comune
	if name == "" {
		name = ComuneName(r.Body)
	}
	q := Query{ISTAT: r.ISTAT, Belfiore: r.Belfiore, Name: name, Province: r.Province}
	if r.Owner == OwnerComune {
		q.IPA = r.IPA
	}
	return q
}
