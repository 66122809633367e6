package funding

import (
	"hash/fnv"
	"strings"
)

// The identity of a candidatura (DESIGN.md, "Identity of a candidatura";
// README, "One candidatura, counted once"), stated once for the two
// places that need it: Consolidate, which unites the rows of one run into
// candidature, and Diff, which finds a candidatura of this month's export
// among those of an earlier one.
//
// Two rows tell of the same candidatura when they are of the same comune
// and the same measure and
//
//   - they carry the same CUP, compared in upper case (keyCUP);
//   - or both carry a CUP, they come from different files and they have
//     the same avviso, window and submission time: the same application,
//     whose CUP was corrected between two publications (keySubmission).
//     Within one file, two CUPs are two candidature;
//   - or neither carries a CUP and they have the same avviso (possibly
//     empty) and window (keyAvviso);
//   - or one has no CUP and the other is the first row read with a CUP
//     under the same avviso (not empty) and window: a row without CUP
//     joins the candidatura with CUP of its avviso (keyAvvisoOfCUP). Two
//     rows with a CUP are never united by their avviso.
//
// The comune is whatever identifies it where the rule is applied. Within
// one consolidation it is the comune the registry resolved the row to
// (Result.ComuneOf), which already follows a comune through a change of
// its ISTAT code. Across exports it is each stable identity of the comune
// (stableIdentities: codice catastale, IPA code, name with province),
// never the ISTAT code, which changes (the Sardinian reform of 2025
// renumbered hundreds of comuni); two candidature of two exports are the
// same when they share a key under any of them.

// IdentityRules is the version of the identity keys that TakeSnapshot
// derives. A snapshot stored with another version cannot be compared
// with a new one (its keys would match nothing and every candidatura
// would look new): whoever stores snapshots keeps this number beside them
// and derives the snapshot again when it differs. Change it whenever a
// change to this file or to the keys' hashing can change a key, or an
// Item gains a field that older snapshots do not hold.
//
//	1: ledger schema 1 (keys derived in the ledger, no key for a row
//	   without CUP and without avviso)
//	2: keys derived here, for every row of the rule above
//	3: items hold their status date (the Novità show the date of the
//	   earlier status)
const IdentityRules = 3

// keyKind names the clause of the rule a key stands for.
type keyKind uint8

const (
	keyCUP keyKind = iota + 1
	keySubmission
	keyAvviso
	keyAvvisoOfCUP
)

// identityKey is one key of a row. Consolidate fills in the comune; the
// snapshot leaves it zero and hashes the key with each stable identity of
// the comune instead.
type identityKey struct {
	comune    int32
	kind      keyKind
	measure   string
	text      string // the CUP in upper case for keyCUP, else the folded avviso
	window    string
	submitted string
}

// rowKeys appends the identity keys of r to dst, in this order: the CUP
// key (without CUP, the avviso key), the submission key, the key that
// rows without CUP look up. fold folds the avviso (a cache of Fold).
func rowKeys(dst []identityKey, r *Record, fold func(string) string) []identityKey {
	avviso := ""
	if r.Avviso != "" {
		avviso = fold(r.Avviso)
	}
	if r.CUP == "" {
		return append(dst, identityKey{kind: keyAvviso, measure: r.Measure, text: avviso, window: r.Window})
	}
	dst = append(dst, identityKey{kind: keyCUP, measure: r.Measure, text: strings.ToUpper(r.CUP)})
	if avviso == "" {
		return dst
	}
	if r.SubmittedAt != "" {
		dst = append(dst, identityKey{kind: keySubmission, measure: r.Measure, text: avviso, window: r.Window, submitted: r.SubmittedAt})
	}
	return append(dst, identityKey{kind: keyAvvisoOfCUP, measure: r.Measure, text: avviso, window: r.Window})
}

// folder returns a Fold that remembers what it folded: avviso titles
// repeat on thousands of rows.
func folder() func(string) string {
	folded := map[string]string{}
	return func(s string) string {
		f, ok := folded[s]
		if !ok {
			f = Fold(s)
			folded[s] = f
		}
		return f
	}
}

// groupRows unites the rows of one consolidation into candidature by the
// identity rule. comuneOf[i] is the comune of row i, -1 for a row that is
// not a comune's candidatura (rejected, another body's): such rows are in
// no group. Groups come in the order of their first row, each with its
// rows in input order.
func groupRows(recs []Record, comuneOf []int32) [][]int32 {
	parent := make([]int32, len(recs))
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b int32) {
		ra, rb := find(a), find(b)
		if ra != rb {
			if ra < rb {
				parent[rb] = ra
			} else {
				parent[ra] = rb
			}
		}
	}
	// the first row of each key; the keys are structs over strings the
	// records already hold (no allocation per row), CUP keys in a map of
	// their own with a smaller key (most keys are CUP keys)
	type cupKey struct {
		comune       int32
		measure, cup string
	}
	//
	// The maps are sized for the rows at once: growing a map of a million
	// keys rehashes it again and again. A submission key unites rows of
	// different files only, so with one file there are none to keep.
	withCUP, oneFile, file := 0, true, int32(0)
	for i := range recs {
		if comuneOf[i] >= 0 && recs[i].CUP != "" {
			if withCUP == 0 {
				file = recs[i].FileIdx
			}
			oneFile = oneFile && recs[i].FileIdx == file
			withCUP++
		}
	}
	byCUP := make(map[cupKey]int32, withCUP)
	byText := map[identityKey]int32{}
	if !oneFile {
		byText = make(map[identityKey]int32, withCUP)
	}
	fold := folder()
	var keys []identityKey
	// rows with a CUP first, so that a row without CUP finds the first
	// row with a CUP of its avviso wherever it is in the input
	var noCUP []int32
	for i := range recs {
		r := &recs[i]
		if comuneOf[i] < 0 {
			continue
		}
		if r.CUP == "" {
			noCUP = append(noCUP, int32(i))
			continue
		}
		keys = rowKeys(keys[:0], r, fold)
		for _, k := range keys {
			k.comune = comuneOf[i]
			if k.kind == keySubmission && oneFile {
				continue
			}
			switch k.kind {
			case keyCUP:
				ck := cupKey{k.comune, k.measure, k.text}
				if j, ok := byCUP[ck]; ok {
					union(j, int32(i))
				} else {
					byCUP[ck] = int32(i)
				}
			case keySubmission:
				if j, ok := byText[k]; !ok {
					byText[k] = int32(i)
				} else if recs[j].FileIdx != r.FileIdx {
					union(j, int32(i))
				}
			case keyAvvisoOfCUP:
				if _, ok := byText[k]; !ok {
					byText[k] = int32(i)
				}
			}
		}
	}
	for _, i := range noCUP {
		keys = rowKeys(keys[:0], &recs[i], fold)
		k := keys[0] // keyAvviso
		k.comune = comuneOf[i]
		if k.text != "" {
			anchor := k
			anchor.kind = keyAvvisoOfCUP
			if j, ok := byText[anchor]; ok {
				union(j, i)
				continue
			}
		}
		if j, ok := byText[k]; ok {
			union(j, i)
		} else {
			byText[k] = i
		}
	}
	// the groups share one array: count each group's rows, then place them
	idx := make([]int32, len(recs)) // root -> group+1
	var size []int32
	for i := range recs {
		if comuneOf[i] < 0 {
			continue
		}
		root := find(int32(i))
		if idx[root] == 0 {
			size = append(size, 0)
			idx[root] = int32(len(size))
		}
		size[idx[root]-1]++
	}
	all := make([]int32, 0, len(recs))
	groups := make([][]int32, len(size))
	for g, n := range size {
		groups[g] = all[len(all) : len(all) : len(all)+int(n)]
		all = all[:len(all)+int(n)]
	}
	for i := range recs {
		if comuneOf[i] >= 0 {
			g := idx[find(int32(i))] - 1
			groups[g] = append(groups[g], int32(i))
		}
	}
	return groups
}

// stableIdentities are the identities of a comune that survive a change
// of its ISTAT code: codice catastale, IPA code, name with province.
// Each is prefixed with its kind, so that no code can pass for another.
func stableIdentities(c *Comune) []string {
	var ids []string
	add := func(kind, v string) {
		if v != "" {
			ids = append(ids, kind+strings.ToUpper(v))
		}
	}
	add("K", c.Belfiore)
	add("I", c.IPA)
	add("N", NameKey(c.Name)+"|"+c.Province)
	return ids
}

// candidaturaKeys are the keys by which a candidatura of one export is
// found among those of another: the keys of every row that told of it,
// under every stable identity of its comune, hashed to 64 bits so that a
// snapshot of 60,000 candidature stays small. The anchor keys of rows
// with a CUP are left out: they never unite two rows with a CUP, and a
// row without CUP brings its own avviso key.
func candidaturaKeys(res *Result, c *Candidatura, fold func(string) string) []uint64 {
	bodies := stableIdentities(c.Comune)
	seen := map[uint64]bool{}
	var out []uint64
	var keys []identityKey
	h := fnv.New64a()
	add := func(r *Record) {
		keys = rowKeys(keys[:0], r, fold)
		for _, b := range bodies {
			for _, k := range keys {
				if k.kind == keyAvvisoOfCUP {
					continue
				}
				h.Reset()
				h.Write([]byte{byte(k.kind)})
				for _, p := range []string{b, k.measure, k.text, k.window, k.submitted} {
					h.Write([]byte(p))
					h.Write([]byte{0})
				}
				if v := h.Sum64(); !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
			}
		}
	}
	add(c.Winner) // the winner may be a copy that other rows completed
	for _, i := range c.Rows {
		add(&res.Records[i])
	}
	return out
}
