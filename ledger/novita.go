package ledger

import (
	"hash/fnv"
	"strings"

	"consolida/funding"
)

// Item is one consolidated candidatura as an export reported it.
type Item struct {
	// Keys identify the candidatura across exports; two items are the
	// same candidatura when they share any key. See Keys.
	Keys    []uint64
	ISTAT   string
	Comune  string
	Measure string
	CUP     string
	Status  funding.Status
	Amount  funding.Amount
}

// Snapshot is the list of candidature of an export.
type Snapshot []Item

// TakeSnapshot records the candidature of a consolidated result.
func TakeSnapshot(res *funding.Result) Snapshot {
	out := make(Snapshot, len(res.Candidature))
	for i, c := range res.Candidature {
		w := c.Winner
		out[i] = Item{
			Keys: Keys(res, c), ISTAT: c.Comune.ISTAT, Comune: c.Comune.Name, Measure: c.Measure.ID,
			CUP: w.CUP, Status: w.Status, Amount: w.Amount,
		}
	}
	return out
}

// Keys are the identity keys of a candidatura, the same rules by which
// funding.Consolidate unites rows, applied to every row of the
// candidatura and to every stable code of its comune:
//   - CUP + measure + body;
//   - body + measure + avviso + window + submission time (survives a CUP
//     corrected between publications);
//   - without CUP: body + measure + avviso + window.
//
// The body is the comune's codice catastale, its IPA code, or its name
// with the province: never the ISTAT code, which changes (the Sardinian
// reform of 2025 renumbered hundreds of comuni). Keys are 64-bit hashes,
// so that a snapshot of 60.000 candidature stays small.
func Keys(res *funding.Result, c *funding.Candidatura) []uint64 {
	var bodies []string
	add := func(kind, v string) {
		if v != "" {
			bodies = append(bodies, kind+strings.ToUpper(v))
		}
	}
	add("K", c.Comune.Catastale)
	add("I", c.Comune.IPA)
	add("N", funding.NameKey(c.Comune.Name)+"|"+c.Comune.Provincia)
	seen := map[uint64]bool{}
	var keys []uint64
	put := func(parts ...string) {
		h := fnv.New64a()
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		k := h.Sum64()
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	recs := []*funding.Record{c.Winner}
	for _, i := range c.Rows {
		recs = append(recs, &res.Records[i])
	}
	for _, r := range recs {
		avviso := funding.Fold(r.Avviso)
		for _, b := range bodies {
			if r.CUP != "" {
				put("C", b, c.Measure.ID, strings.ToUpper(r.CUP))
			} else if r.Avviso != "" {
				put("N", b, c.Measure.ID, avviso, r.Finestra)
			}
			if r.Avviso != "" && r.DataInvio != "" {
				put("S", b, c.Measure.ID, avviso, r.Finestra, r.DataInvio)
			}
		}
	}
	return keys
}

// Kind of a change.
type Kind uint8

// The kinds of change the Novità list.
const (
	New          Kind = iota // a candidatura the baseline did not have
	StatusChange             // A -> E, A -> R, R -> A...
	AmountChange             // same candidatura, another amount
)

// Change is one item of the Novità.
type Change struct {
	Kind   Kind
	Cand   *funding.Candidatura // as it is now
	Before Item                 // as the baseline had it (zero for New)
}

// Diff compares the candidature of res, whose snapshot is cur (from
// TakeSnapshot(res): its keys are not computed twice), with the baseline
// snapshot, in the order of res: a candidatura that matches no baseline
// item by any key is new; one that matches gives a status change and/or
// an amount change. With a nil or empty baseline every candidatura is new.
func Diff(base, cur Snapshot, res *funding.Result) []Change {
	idx := make(map[uint64]int32, len(base)*4)
	for i, it := range base {
		for _, k := range it.Keys {
			if _, ok := idx[k]; !ok {
				idx[k] = int32(i)
			}
		}
	}
	var out []Change
	for i, c := range res.Candidature {
		match := int32(-1)
		for _, k := range cur[i].Keys {
			if j, ok := idx[k]; ok {
				match = j
				break
			}
		}
		if match < 0 {
			out = append(out, Change{Kind: New, Cand: c})
			continue
		}
		b := base[match]
		if b.Status != c.Winner.Status {
			out = append(out, Change{Kind: StatusChange, Cand: c, Before: b})
		}
		if b.Amount != c.Winner.Amount {
			out = append(out, Change{Kind: AmountChange, Cand: c, Before: b})
		}
	}
	return out
}

// Count tallies changes by kind.
func Count(ch []Change) (nuove, stato, importo int) {
	for _, c := range ch {
		switch c.Kind {
		case New:
			nuove++
		case StatusChange:
			stato++
		case AmountChange:
			importo++
		}
	}
	return
}
