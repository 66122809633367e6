package funding

// Month to month: what changed between the candidature an export reported
// and those of an earlier export (the Novità). Pure domain code: the
// ledger stores and loads snapshots, and nothing else.

// Item is one consolidated candidatura as an export reported it.
type Item struct {
	// Keys identify the candidatura across exports: two items are the
	// same candidatura when they share any key (identity.go).
	Keys    []uint64
	ISTAT   string
	Comune  string
	Measure string
	CUP     string
	Status  Status
	Amount  Amount
	// StatusDate is the date of the status (0 when the files give none):
	// the Novità show it beside the status of the earlier export.
	StatusDate Date
}

// Snapshot is the list of candidature of an export.
type Snapshot []Item

// TakeSnapshot records the candidature of a consolidated result, in its
// order, with their identity keys (IdentityRules tells their version).
func TakeSnapshot(res *Result) Snapshot {
	out := make(Snapshot, len(res.Candidature))
	fold := folder()
	for i, c := range res.Candidature {
		w := c.Winner
		out[i] = Item{
			Keys: candidaturaKeys(res, c, fold), ISTAT: c.Comune.ISTAT, Comune: c.Comune.Name, Measure: c.Measure.ID,
			CUP: w.CUP, Status: w.Status, Amount: w.Amount, StatusDate: w.StatusDate,
		}
	}
	return out
}

// ChangeKind is the kind of a change.
type ChangeKind uint8

// The kinds of change the Novità list.
const (
	ChangeNew    ChangeKind = iota // a candidatura the baseline did not have
	ChangeStatus                   // A -> E, A -> R, R -> A...
	ChangeAmount                   // same candidatura, another amount
)

// Change is one item of the Novità.
type Change struct {
	Kind   ChangeKind
	Cand   *Candidatura // as it is now
	Before Item         // as the baseline had it (zero for ChangeNew)
}

// Diff compares the candidature of res, whose snapshot is cur (from
// TakeSnapshot(res): its keys are not computed twice), with the baseline
// snapshot, in the order of res: a candidatura that shares no key with a
// baseline item is new; one that does (the first baseline item with its
// first key that matches) gives a status change and/or an amount change.
// With a nil or empty baseline every candidatura is new. Both snapshots
// must have been taken under the same IdentityRules.
func Diff(base, cur Snapshot, res *Result) []Change {
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
			out = append(out, Change{Kind: ChangeNew, Cand: c})
			continue
		}
		b := base[match]
		if b.Status != c.Winner.Status {
			out = append(out, Change{Kind: ChangeStatus, Cand: c, Before: b})
		}
		if b.Amount != c.Winner.Amount {
			out = append(out, Change{Kind: ChangeAmount, Cand: c, Before: b})
		}
	}
	return out
}

// CountChanges tallies changes by kind.
func CountChanges(ch []Change) (added, status, amount int) {
	for _, c := range ch {
		switch c.Kind {
		case ChangeNew:
			added++
		case ChangeStatus:
			status++
		case ChangeAmount:
			amount++
		}
	}
	return
}
