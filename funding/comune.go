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
	ID        int32
	ISTAT     string // newest code seen ("" when the newest source says N/D)
	Name      string
	Provincia string
	Regione   string
	Catastale string
	IPA       string
	Codes     []string
}

// Label is "Olgiate Molgora (LC)".
func (c *Comune) Label() string {
	if c.Provincia == "" {
		return c.Name
	}
	return c.Name + " (" + c.Provincia + ")"
}

// Errors of the registry lookups.
var (
	ErrUnknownComune   = errors.New("comune sconosciuto")
	ErrAmbiguousComune = errors.New("comune ambiguo")
	ErrNoComune        = errors.New("comune mancante")
)

// Observation is what one source says about a comune.
type Observation struct {
	ISTAT, Name, Provincia, CodProvincia, Regione string
	IPA, Catastale                                string
	AltNames                                      []string // other spellings (ente name...)
	Own                                           bool     // the row's beneficiary is the comune itself
	Date                                          Date     // how recent the source is
	Order                                         int      // tie-break: later wins
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
	reCatastaleIPA = regexp.MustCompile(`^[cC]_([a-zA-Z][0-9]{3})$`)
	reCatastale    = regexp.MustCompile(`^[A-Za-z][0-9]{3}$`)
	reProvSuffix   = regexp.MustCompile(`^(.*?)\s*[\(\[]\s*([A-Za-z]{2})\s*[\)\]]\s*$`)
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

// CatastaleFromIPA extracts the codice catastale from an IPA code of the
// usual form c_g026; "" otherwise.
func CatastaleFromIPA(ipa string) string {
	if m := reCatastaleIPA.FindStringSubmatch(strings.TrimSpace(ipa)); m != nil {
		return strings.ToUpper(m[1])
	}
	return ""
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
func SplitName(s string) (name, prov string) {
	if m := reProvSuffix.FindStringSubmatch(s); m != nil {
		return m[1], strings.ToUpper(m[2])
	}
	return s, ""
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
	o.Provincia = strings.ToUpper(strings.TrimSpace(o.Provincia))
	o.Name = CleanSpaces(o.Name)
	if o.Catastale == "" && o.Own {
		o.Catastale = CatastaleFromIPA(o.IPA)
	}
	o.Catastale = strings.ToUpper(o.Catastale)
	r.built = false
	if len(o.AltNames) == 0 {
		k := obsKey{o.ISTAT, o.Name, o.Provincia, o.CodProvincia, o.Regione, o.IPA, o.Catastale, o.Own}
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
	if o.Catastale != "" {
		return "cat:" + o.Catastale
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
		ks = append(ks, "nome:"+name+"|"+o.Provincia)
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
			if c.Provincia == "" && o.Provincia != "" {
				c.Provincia = o.Provincia
			}
			if c.Regione == "" && o.Regione != "" {
				c.Regione = o.Regione
			}
			if c.Catastale == "" && o.Catastale != "" {
				c.Catastale = o.Catastale
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
			if code := NormISTAT(o.CodProvincia); code != "" && o.Provincia != "" {
				r.provOf[code[3:]] = o.Provincia
			} else if o.ISTAT != "" && o.Provincia != "" {
				r.provOf[o.ISTAT[:3]] = o.Provincia // an ISTAT code starts with its province's
			}
			if o.Provincia != "" {
				r.provOf[strings.ToLower(o.Provincia)] = o.Provincia
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

// ProvinceSigla turns a province as written (sigla, ISTAT code, name) into
// its sigla; "" when unknown.
func (r *Registry) ProvinceSigla(s string) string {
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
func (r *Registry) AddProvinceName(name, sigla string) {
	if name != "" && sigla != "" {
		r.provOf[NameKey(name)] = strings.ToUpper(sigla)
	}
}

// Query is what a row says to identify its comune.
type Query struct {
	ISTAT, Catastale, IPA string
	Name                  string // comune name, or ente name ("Comune di ...")
	Provincia             string // sigla, code or name
}

// LookupError explains a failed lookup: the sentinel, the candidates of an
// ambiguous name and suggestions for an unknown one.
type LookupError struct {
	Err         error
	Candidates  []*Comune
	Suggestions []*Comune
}

func (e *LookupError) Error() string { return e.Err.Error() }
func (e *LookupError) Unwrap() error { return e.Err }

// Resolve finds the comune of a row: by ISTAT code, codice catastale, IPA
// code, then by name (with the province to tell homonyms apart). A fuzzy
// match is never applied: it only fills Suggestions.
func (r *Registry) Resolve(q Query) (*Comune, error) {
	if !r.built {
		r.Build()
	}
	// the body's own code first: it follows a comune through mergers and
	// is right where a row puts the body in the wrong comune
	cat := strings.ToUpper(strings.TrimSpace(q.Catastale))
	if cat == "" {
		cat = CatastaleFromIPA(q.IPA)
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
	if p := r.ProvinceSigla(q.Provincia); p != "" {
		prov = p
	} else if q.Provincia != "" && prov == "" {
		prov = strings.ToUpper(strings.TrimSpace(q.Provincia))
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
			if r.Comuni[id].Provincia == prov {
				in = append(in, id)
			}
		}
		cands = in
	} else if len(cands) == 1 && prov != "" && r.Comuni[cands[0]].Provincia != "" && r.Comuni[cands[0]].Provincia != prov {
		return nil, &LookupError{Err: ErrUnknownComune, Suggestions: []*Comune{r.Comuni[cands[0]]}}
	}
	switch len(cands) {
	case 1:
		return r.Comuni[cands[0]], nil
	case 0:
		return nil, &LookupError{Err: ErrUnknownComune, Suggestions: r.suggest(NameKey(name), 3)}
	}
	le := &LookupError{Err: ErrAmbiguousComune}
	for _, id := range cands {
		le.Candidates = append(le.Candidates, r.Comuni[id])
	}
	sort.Slice(le.Candidates, func(i, j int) bool { return le.Candidates[i].Provincia < le.Candidates[j].Provincia })
	return nil, le
}

// suggest returns up to n comuni whose names are closest to key.
func (r *Registry) suggest(key string, n int) []*Comune {
	if key == "" {
		return nil
	}
	type cand struct {
		name string
		d    int
	}
	limit := len([]rune(key))/3 + 1
	if limit < 2 {
		limit = 2
	}
	var cs []cand
	for _, nm := range r.names {
		d := levenshtein.ComputeDistance(key, nm)
		if d <= limit || strings.HasPrefix(nm, key) || strings.HasPrefix(key, nm) {
			cs = append(cs, cand{nm, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []*Comune
	for _, c := range cs {
		for _, id := range r.byName[c.name] {
			if len(out) == n {
				return out
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
	return out
}

// Describe is "Olgiate Molgora (LC, 097058)", for candidates and suggestions.
func (c *Comune) Describe() string {
	parts := []string{}
	if c.Provincia != "" {
		parts = append(parts, c.Provincia)
	}
	if c.ISTAT != "" {
		parts = append(parts, c.ISTAT)
	}
	if len(parts) == 0 {
		return c.Name
	}
	return fmt.Sprintf("%s (%s)", c.Name, strings.Join(parts, ", "))
}
