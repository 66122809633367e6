package funding

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Comune is one municipality as the registry knows it. It keeps its
// identity when its ISTAT code changes: Codes holds every code seen,
// ISTAT the newest.
type Comune struct {
	ID       int32
	ISTAT    string // newest code seen ("" when the newest source says N/D)
	Name     string
	Province string
	Region   string
	Belfiore string
	IPA      string
	Codes    []string
}

// Label is "Olgiate Molgora (LC)".
func (c *Comune) Label() string {
	if c.Province == "" {
		return c.Name
	}
	return c.Name + " (" + c.Province + ")"
}

// Errors of the registry lookups.
var (
	ErrUnknownComune   = errors.New("comune sconosciuto")
	ErrAmbiguousComune = errors.New("comune ambiguo")
	ErrNoComune        = errors.New("comune mancante")
)

// Observation is what one source says about a comune.
type Observation struct {
	ISTAT, Name, Province, ProvinceCode, Region string
	IPA, Belfiore                               string
	AltNames                                    []string // other spellings (ente name...)
	Own                                         bool     // the row's beneficiary is the comune itself
	Date                                        Date     // how recent the source is
	Order                                       int      // tie-break: later wins
}

// Registry knows the comuni seen in the inputs and in the ISTAT list and
// resolves the ways rows name them. Build it with Observe, then Build.
type Registry struct {
	Comuni []*Comune

	obs    []Observation
	seen   map[obsKey]int // identical observations are kept once, with the newest date
	byKey  map[string]int32
	byBody map[string]int32 // beneficiary key -> comune of its newest observation
	byName map[string][]int32
	names  []string          // distinct name keys, for suggestions
	provOf map[string]string // province code or folded name -> sigla
	built  bool
	sugg   *suggestions // similarity search over names (suggest)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byKey: map[string]int32{}, byName: map[string][]int32{}, provOf: map[string]string{}, seen: map[obsKey]int{}}
}

// clone returns a registry with the same observations and province
// names, that Build and Observe can change without touching r. A nil r
// gives an empty registry.
func (r *Registry) clone() *Registry {
	if r == nil {
		return NewRegistry()
	}
	c := NewRegistry()
	c.obs = append([]Observation(nil), r.obs...)
	for k, v := range r.seen {
		c.seen[k] = v
	}
	for k, v := range r.provOf {
		c.provOf[k] = v
	}
	return c
}

// obsKey identifies observations that say the same thing.
type obsKey struct {
	istat, name, prov, codProv, regione, ipa, cat string
	own                                           bool
}

var (
	reBelfioreIPA = regexp.MustCompile(`^[cC]_([a-zA-Z][0-9]{3})$`)
	reBelfiore    = regexp.MustCompile(`^[A-Za-z][0-9]{3}$`)
)

// NormISTAT restores a 6-digit ISTAT code ("97058" -> "097058", "97058.0"
// -> "097058"); it returns "" for anything that is not a code ("N/D").
func NormISTAT(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".0")
	if s == "" || len(s) > 6 || !allDigits(s) {
		return ""
	}
	return strings.Repeat("0", 6-len(s)) + s
}

// BelfioreFromIPA extracts the codice catastale from an IPA code of the
// usual form c_g026; "" otherwise.
// It is reBelfioreIPA, matched by hand: it runs for every row.
func BelfioreFromIPA(ipa string) string {
	s := strings.TrimSpace(ipa)
	if len(s) != 6 || s[0] != 'c' && s[0] != 'C' || s[1] != '_' || !allDigits(s[3:]) {
		return ""
	}
	if c := s[2] | 0x20; c < 'a' || c > 'z' {
		return ""
	}
	return strings.ToUpper(s[2:])
}

// NameKey folds a comune name for lookups: no "Comune di", no accents,
// apostrophes and hyphens as spaces. "COMUNE DI SANTA MARIA HOE'" and
// "Santa Maria Hoè" give the same key.
var nameKeyReplacer = strings.NewReplacer(".", " ", "(", " ", ")", " ")

func NameKey(s string) string {
	f := Fold(s)
	f = nameKeyReplacer.Replace(f)
	f = strings.Join(strings.Fields(f), " ")
	for _, p := range []string{"comune di ", "comune de ", "comune d ", "citta di ", "municipio di "} {
		if strings.HasPrefix(f, p) && len(f) > len(p) {
			f = f[len(p):]
			break
		}
	}
	return f
}

// SplitName separates a province written after the name: "Olgiate
// Molgora (LC)" -> "Olgiate Molgora", "LC".
//
// It reads the name from its end, in one pass: a regular expression took
// a third of a second for a name of 1 MB, at every lookup.
func SplitName(s string) (name, prov string) {
	const space = "\t\n\f\r " // what \s matches in a Go regexp
	letter := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	t := strings.TrimRight(s, space)
	if t == "" || t[len(t)-1] != ')' && t[len(t)-1] != ']' {
		return s, ""
	}
	t = strings.TrimRight(t[:len(t)-1], space)
	if len(t) < 2 || !letter(t[len(t)-1]) || !letter(t[len(t)-2]) {
		return s, ""
	}
	code := t[len(t)-2:]
	t = strings.TrimRight(t[:len(t)-2], space)
	if t == "" || t[len(t)-1] != '(' && t[len(t)-1] != '[' {
		return s, ""
	}
	name = strings.TrimRight(t[:len(t)-1], space)
	if strings.IndexByte(name, '\n') >= 0 {
		return s, "" // a name is one line
	}
	return name, strings.ToUpper(code)
}

// nameKeys gives the lookup keys of a name: the whole name and, for
// bilingual names, each half ("San Candido/Innichen").
func nameKeys(s string) []string {
	s, _ = SplitName(s)
	keys := []string{NameKey(s)}
	if strings.Contains(s, "/") {
		for _, half := range strings.Split(s, "/") {
			if k := NameKey(half); k != "" {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// Observe records what a source says about a comune.
func (r *Registry) Observe(o Observation) {
	o.Order = len(r.obs)
	o.ISTAT = NormISTAT(o.ISTAT)
	o.Province = strings.ToUpper(strings.TrimSpace(o.Province))
	o.Name = CleanSpaces(o.Name)
	if o.Belfiore == "" && o.Own {
		o.Belfiore = BelfioreFromIPA(o.IPA)
	}
	o.Belfiore = strings.ToUpper(o.Belfiore)
	r.built = false
	if len(o.AltNames) == 0 {
		k := obsKey{o.ISTAT, o.Name, o.Province, o.ProvinceCode, o.Region, o.IPA, o.Belfiore, o.Own}
		if i, ok := r.seen[k]; ok {
			// the same statement again: keep it once, as its newest
			if o.Date >= r.obs[i].Date {
				r.obs[i].Date = o.Date
				r.obs[i].Order = o.Order
			}
			return
		}
		r.seen[k] = len(r.obs)
	}
	r.obs = append(r.obs, o)
}

// beneficiaryKey is the code of the body itself: its codice catastale, or
// its IPA code when that is not of the c_xxxx form.
func (o *Observation) beneficiaryKey() string {
	if !o.Own {
		return ""
	}
	if o.Belfiore != "" {
		return "cat:" + o.Belfiore
	}
	if ipa := strings.ToLower(strings.TrimSpace(o.IPA)); ipa != "" {
		return "ipa:" + ipa
	}
	return ""
}

// keys are the identities that make two observations one comune: the
// ISTAT code; the body's own code together with the comune's name (so a
// code that changed, as in Sardinia in 2025, keeps the comune, while a row
// that puts a body in the wrong comune does not merge two comuni); and,
// for a comune without code (N/D), its name and province.
func (o *Observation) keys() []string {
	var ks []string
	if o.ISTAT != "" {
		ks = append(ks, "istat:"+o.ISTAT)
	}
	if !o.Own || o.Name == "" {
		return ks
	}
	name := NameKey(o.Name)
	if b := o.beneficiaryKey(); b != "" {
		ks = append(ks, b+"|"+name)
	}
	if o.ISTAT == "" {
		ks = append(ks, "nome:"+name+"|"+o.Province)
	}
	return ks
}

// Build groups the observations into comuni. Two observations are the
// same comune when they share an ISTAT code, or (for a comune's own rows)
// a codice catastale or IPA code, or (without a code) name and province.
func (r *Registry) Build() {
	parent := map[string]string{}
	var find func(string) string
	find = func(k string) string {
		p, ok := parent[k]
		if !ok {
			parent[k] = k
			return k
		}
		if p == k {
			return k
		}
		root := find(p)
		parent[k] = root
		return root
	}
	for i := range r.obs {
		ks := r.obs[i].keys()
		for _, k := range ks {
			a, b := find(ks[0]), find(k)
			if a != b {
				parent[b] = a
			}
		}
	}
	// group observations by root
	groups := map[string][]int{}
	var roots []string
	for i := range r.obs {
		ks := r.obs[i].keys()
		if len(ks) == 0 {
			continue
		}
		root := find(ks[0])
		if _, ok := groups[root]; !ok {
			roots = append(roots, root)
		}
		groups[root] = append(groups[root], i)
	}
	r.Comuni = r.Comuni[:0]
	r.byKey = map[string]int32{}
	r.byBody = map[string]int32{}
	bodyObs := map[string]int{}
	r.byName = map[string][]int32{}
	for _, root := range roots {
		idx := groups[root]
		// newest first
		sort.SliceStable(idx, func(a, b int) bool {
			oa, ob := &r.obs[idx[a]], &r.obs[idx[b]]
			if oa.Date != ob.Date {
				return oa.Date > ob.Date
			}
			return oa.Order > ob.Order
		})
		c := &Comune{ID: int32(len(r.Comuni))}
		seenCode := map[string]bool{}
		names := map[string]bool{}
		for _, i := range idx {
			o := &r.obs[i]
			if c.Name == "" && o.Name != "" {
				c.Name = o.Name
			}
			if c.Province == "" && o.Province != "" {
				c.Province = o.Province
			}
			if c.Region == "" && o.Region != "" {
				c.Region = o.Region
			}
			if c.Belfiore == "" && o.Belfiore != "" {
				c.Belfiore = o.Belfiore
			}
			if c.IPA == "" && o.Own && o.IPA != "" {
				c.IPA = o.IPA
			}
			if o.ISTAT != "" && !seenCode[o.ISTAT] {
				if c.ISTAT == "" {
					c.ISTAT = o.ISTAT // the newest code known
				}
				seenCode[o.ISTAT] = true
				c.Codes = append(c.Codes, o.ISTAT)
			}
			if b := o.beneficiaryKey(); b != "" {
				if j, ok := bodyObs[b]; !ok || newerObs(o, &r.obs[j]) {
					bodyObs[b] = i
					r.byBody[b] = c.ID
				}
			}
			for _, n := range append([]string{o.Name}, o.AltNames...) {
				if n == "" {
					continue
				}
				for _, k := range nameKeys(n) {
					names[k] = true
				}
			}
			if code := NormISTAT(o.ProvinceCode); code != "" && o.Province != "" {
				r.provOf[code[3:]] = o.Province
			} else if o.ISTAT != "" && o.Province != "" {
				r.provOf[o.ISTAT[:3]] = o.Province // an ISTAT code starts with its province's
			}
			if o.Province != "" {
				r.provOf[strings.ToLower(o.Province)] = o.Province
			}
			for _, k := range o.keys() {
				r.byKey[k] = c.ID
			}
		}
		for k := range names {
			r.byName[k] = appendUnique(r.byName[k], c.ID)
		}
		r.Comuni = append(r.Comuni, c)
	}
	r.names = r.names[:0]
	for k := range r.byName {
		r.names = append(r.names, k)
	}
	sort.Strings(r.names)
	r.sugg = nil
	r.built = true
}

func newerObs(a, b *Observation) bool {
	if a.Date != b.Date {
		return a.Date > b.Date
	}
	return a.Order > b.Order
}

func appendUnique(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// ProvinceAbbrev turns a province as written (sigla, ISTAT code, name) into
// its sigla; "" when unknown.
func (r *Registry) ProvinceAbbrev(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) == 2 && !allDigits(s) {
		return strings.ToUpper(s)
	}
	if allDigits(s) && len(s) <= 3 {
		return r.provOf[strings.Repeat("0", 3-len(s))+s]
	}
	return r.provOf[NameKey(s)]
}

// AddProvinceName teaches a province name ("Lecco") for its sigla.
func (r *Registry) AddProvinceName(name, abbrev string) {
	if name != "" && abbrev != "" {
		r.provOf[NameKey(name)] = strings.ToUpper(abbrev)
	}
}

// Query is what a row says to identify its comune.
type Query struct {
	ISTAT, Belfiore, IPA string
	Name                 string // comune name, or ente name ("Comune di ...")
	Province             string // sigla, code or name
}

// LookupError explains a failed lookup: the sentinel, the candidates of an
// ambiguous name and suggestions for an unknown one.
type LookupError struct {
	Err         error
	Candidates  []*Comune
	Suggestions []*Comune
	// SuggestionsCut: no similar names were looked for, the registry's
	// budget for that search being spent (thousands of unknown names)
	SuggestionsCut bool
}

func (e *LookupError) Error() string { return e.Err.Error() }
func (e *LookupError) Unwrap() error { return e.Err }

// Resolve finds the comune of a row: by ISTAT code, codice catastale, IPA
// code, then by name (with the province to tell homonyms apart). A fuzzy
// match is never applied: it only fills Suggestions.
func (r *Registry) Resolve(q Query) (*Comune, error) { return r.resolve(q, true) }

// resolve is Resolve; without suggest, an unknown name gets no suggestions
// (and spends nothing of the search's budget).
func (r *Registry) resolve(q Query, suggest bool) (*Comune, error) {
	if !r.built {
		r.Build()
	}
	// the body's own code first: it follows a comune through mergers and
	// is right where a row puts the body in the wrong comune
	cat := strings.ToUpper(strings.TrimSpace(q.Belfiore))
	if cat == "" {
		cat = BelfioreFromIPA(q.IPA)
	}
	if cat != "" {
		if id, ok := r.byBody["cat:"+cat]; ok {
			return r.Comuni[id], nil
		}
	} else if ipa := strings.ToLower(strings.TrimSpace(q.IPA)); ipa != "" {
		if id, ok := r.byBody["ipa:"+ipa]; ok {
			return r.Comuni[id], nil
		}
	}
	if code := NormISTAT(q.ISTAT); code != "" {
		if id, ok := r.byKey["istat:"+code]; ok {
			return r.Comuni[id], nil
		}
	}
	name, prov := SplitName(CleanSpaces(q.Name))
	if p := r.ProvinceAbbrev(q.Province); p != "" {
		prov = p
	} else if q.Province != "" && prov == "" {
		prov = strings.ToUpper(strings.TrimSpace(q.Province))
	}
	if name == "" {
		if NormISTAT(q.ISTAT) != "" {
			return nil, &LookupError{Err: ErrUnknownComune}
		}
		return nil, &LookupError{Err: ErrNoComune}
	}
	var cands []int32
	for _, k := range nameKeys(name) {
		for _, id := range r.byName[k] {
			cands = appendUnique(cands, id)
		}
		if len(cands) > 0 {
			break
		}
	}
	if len(cands) > 1 && prov != "" {
		var in []int32
		for _, id := range cands {
			if r.Comuni[id].Province == prov {
				in = append(in, id)
			}
		}
		cands = in
	} else if len(cands) == 1 && prov != "" && r.Comuni[cands[0]].Province != "" && r.Comuni[cands[0]].Province != prov {
		return nil, &LookupError{Err: ErrUnknownComune, Suggestions: []*Comune{r.Comuni[cands[0]]}}
	}
	switch len(cands) {
	case 1:
		return r.Comuni[cands[0]], nil
	case 0:
		if !suggest {
			return nil, &LookupError{Err: ErrUnknownComune}
		}
		sugg, cut := r.suggest(NameKey(name), 3)
		return nil, &LookupError{Err: ErrUnknownComune, Suggestions: sugg, SuggestionsCut: cut}
	}
	le := &LookupError{Err: ErrAmbiguousComune}
	for _, id := range cands {
		le.Candidates = append(le.Candidates, r.Comuni[id])
	}
	sort.Slice(le.Candidates, func(i, j int) bool { return le.Candidates[i].Province < le.Candidates[j].Province })
	return nil, le
}

// suggestBudget bounds the work of the similarity search over one
// registry (one consolidation), in units of about a nanosecond: a name
// looked at costs bagSize units, a distance computed the product of the
// two lengths. Real inputs use a small part of it (each unknown name
// costs some hundred thousand units against the 8,000 comuni); a file
// made of thousands of distinct unknown or huge names stops getting
// suggestions after a few seconds instead of running for hours.
var suggestBudget int64 = 2_000_000_000

// bagSize is the number of letter classes in a name's letter count: a
// to z, and everything else.
const bagSize = 27

// nameShape is what the similarity search knows of a name key without
// computing a distance: its length in runes and its letter count.
type nameShape struct {
	key   string
	runes int
	bag   [bagSize]int32
}

func shapeOf(key string) nameShape {
	s := nameShape{key: key}
	for _, c := range key {
		s.runes++
		if c >= 'a' && c <= 'z' {
			s.bag[c-'a']++
		} else {
			s.bag[bagSize-1]++
		}
	}
	return s
}

// bagDistance is a lower bound of the edit distance of two names: the
// letters one has in excess of the other (each needs an edit), the
// larger of the two counts.
func bagDistance(a, b *nameShape) int {
	var more, less int
	for i := range a.bag {
		if d := int(a.bag[i] - b.bag[i]); d > 0 {
			more += d
		} else {
			less -= d
		}
	}
	return max(more, less)
}

// suggestions is the state of the similarity search of a built registry.
type suggestions struct {
	shapes []nameShape          // of r.names
	done   map[string][]*Comune // per name key searched
	budget int64                // work left
	cut    bool                 // the budget ran out: later searches give nothing
}

// suggest returns up to n comuni whose names are closest to key: within
// an edit distance of a third of its length (at least 2), or one name a
// prefix of the other; closest first. cut is true when the search was
// not done because the work budget of the registry ran out.
//
// No input can make it slow: a name whose length or letters differ from
// key by more than the limit cannot be within it, and is passed over
// without computing the distance (the distance to a name that is a
// prefix, or has key as its prefix, is the difference in length); the
// answer is remembered per key; and the work over the registry has a
// budget (suggestBudget). Before these bounds a 1 MB unknown name took
// 441 s.
func (r *Registry) suggest(key string, n int) (out []*Comune, cut bool) {
	if key == "" {
		return nil, false
	}
	sg := r.sugg
	if sg == nil {
		sg = &suggestions{done: map[string][]*Comune{}, budget: suggestBudget}
		sg.shapes = make([]nameShape, len(r.names))
		for i, nm := range r.names {
			sg.shapes[i] = shapeOf(nm)
		}
		r.sugg = sg
	}
	if out, ok := sg.done[key]; ok {
		return out, false
	}
	// spend: charge cost, or give up for good when the budget is short
	spend := func(cost int64) bool {
		if sg.budget < cost {
			sg.budget, sg.cut = 0, true
			return false
		}
		sg.budget -= cost
		return true
	}
	if sg.cut || !spend(int64(len(key))) {
		return nil, true
	}
	type cand struct {
		name string
		d    int
	}
	k := shapeOf(key)
	limit := max(k.runes/3+1, 2)
	var cs []cand
	for i := range sg.shapes {
		nm := &sg.shapes[i]
		if !spend(bagSize + int64(min(len(nm.key), len(key)))) {
			return nil, true
		}
		if strings.HasPrefix(nm.key, key) || strings.HasPrefix(key, nm.key) {
			cs = append(cs, cand{nm.key, abs(nm.runes - k.runes)})
			continue
		}
		if abs(nm.runes-k.runes) > limit || bagDistance(&k, nm) > limit {
			continue
		}
		if !spend(int64(k.runes) * int64(nm.runes)) {
			return nil, true
		}
		if d := levenshtein.ComputeDistance(key, nm.key); d <= limit {
			cs = append(cs, cand{nm.key, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	for _, c := range cs {
		for _, id := range r.byName[c.name] {
			if len(out) == n {
				break
			}
			dup := false
			for _, o := range out {
				dup = dup || o.ID == id
			}
			if !dup {
				out = append(out, r.Comuni[id])
			}
		}
	}
	sg.done[key] = out
	return out, false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Describe is "Olgiate Molgora (LC, 097058)", for candidates and suggestions.
func (c *Comune) Describe() string {
	parts := []string{}
	if c.Province != "" {
		parts = append(parts, c.Province)
	}
	if c.ISTAT != "" {
		parts = append(parts, c.ISTAT)
	}
	if len(parts) == 0 {
		return c.Name
	}
	return fmt.Sprintf("%s (%s)", c.Name, strings.Join(parts, ", "))
}
