package funding

import (
	"testing"
)

// handResult makes a consolidated result by hand: one candidatura per
// record, all of comune c.
func handResult(c *Comune, recs []Record) *Result {
	res := &Result{Records: recs}
	for i := range recs {
		res.Candidature = append(res.Candidature, &Candidatura{
			Comune: c, Measure: Measure{ID: recs[i].Measure, Label: recs[i].Measure},
			Winner: &res.Records[i], Rows: []int32{int32(i)},
		})
	}
	return res
}

func diffRec(cup, avviso, submitted string, st Status, amount Amount) Record {
	return Record{Measure: "1.4.5", CUP: cup, Avviso: avviso, Window: "1", SubmittedAt: submitted, Status: st, Amount: amount}
}

func TestDiffFollowsIdentityNotISTAT(t *testing.T) {
	before := &Comune{ID: 0, ISTAT: "090064", Name: "Sassari", Province: "SS", Belfiore: "I452", IPA: "c_i452"}
	after := &Comune{ID: 3, ISTAT: "112050", Name: "Sassari", Province: "SS", Belfiore: "I452", IPA: "c_i452"}
	av := "1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)"
	base := TakeSnapshot(handResult(before, []Record{
		diffRec("CUPA00000000001", av, "2022-09-21T09:35:39", 'A', 100),
		diffRec("CUPB00000000001", av, "2022-09-22T10:00:00", 'A', 200), // its CUP is corrected later
		diffRec("CUPC00000000001", av, "2022-09-23T10:00:00", 'A', 50),
		diffRec("", av+" bis", "", 'R', 10), // no CUP
	}))
	cur := handResult(after, []Record{
		diffRec("CUPA00000000001", av, "2022-09-21T09:35:39", 'E', 100),
		diffRec("CUPB00000000009", av, "2022-09-22T10:00:00", 'A', 200),
		diffRec("CUPC00000000001", av, "2022-09-23T10:00:00", 'R', 60),
		diffRec("", av+" bis", "", 'R', 10),
		diffRec("CUPD00000000001", av, "2024-05-01T10:00:00", 'A', 70),
	})
	ch := Diff(base, TakeSnapshot(cur), cur)
	type got struct {
		kind ChangeKind
		cup  string
	}
	want := []got{{ChangeStatus, "CUPA00000000001"}, {ChangeStatus, "CUPC00000000001"}, {ChangeAmount, "CUPC00000000001"}, {ChangeNew, "CUPD00000000001"}}
	if len(ch) != len(want) {
		t.Fatalf("%d changes, want %d: %+v", len(ch), len(want), ch)
	}
	for i, w := range want {
		if ch[i].Kind != w.kind || ch[i].Cand.Winner.CUP != w.cup {
			t.Errorf("change %d: kind %d CUP %s, want %d %s", i, ch[i].Kind, ch[i].Cand.Winner.CUP, w.kind, w.cup)
		}
	}
	if ch[1].Before.Status != 'A' || ch[2].Before.Amount != 50 {
		t.Errorf("before values: %+v %+v", ch[1].Before, ch[2].Before)
	}
	if n, s, a := CountChanges(ch); n != 1 || s != 2 || a != 1 {
		t.Errorf("CountChanges = %d %d %d", n, s, a)
	}
}

func TestDiffMatchesByNameWhenCodesAppear(t *testing.T) {
	// a first file named the comune only; a later one taught its codes
	before := &Comune{Name: "Olgiate Molgora", Province: "LC"}
	after := &Comune{ISTAT: "097058", Name: "Olgiate Molgora", Province: "LC", Belfiore: "G026", IPA: "c_g026"}
	base := TakeSnapshot(handResult(before, []Record{diffRec("F31F22003320006", "", "", 'A', 100)}))
	now := handResult(after, []Record{diffRec("F31F22003320006", "", "", 'A', 100)})
	if ch := Diff(base, TakeSnapshot(now), now); len(ch) != 0 {
		t.Fatalf("changes %+v", ch)
	}
	// another comune with the same CUP is another candidatura
	other := &Comune{ISTAT: "019002", Name: "Acquanegra Cremonese", Province: "CR", Belfiore: "A039"}
	now = handResult(other, []Record{diffRec("F31F22003320006", "", "", 'A', 100)})
	if ch := Diff(base, TakeSnapshot(now), now); len(ch) != 1 || ch[0].Kind != ChangeNew {
		t.Fatalf("changes %+v", ch)
	}
	// the same CUP under another measure is another candidatura
	m := diffRec("F31F22003320006", "", "", 'A', 100)
	m.Measure = "1.2"
	now = handResult(after, []Record{m})
	if ch := Diff(base, TakeSnapshot(now), now); len(ch) != 1 || ch[0].Kind != ChangeNew {
		t.Fatalf("changes %+v", ch)
	}
}

func TestDiffWithoutBaseline(t *testing.T) {
	c := &Comune{Name: "Olgiate Molgora", Belfiore: "G026"}
	now := handResult(c, []Record{diffRec("A", "", "", 'A', 1), diffRec("B", "", "", 'E', 2)})
	ch := Diff(nil, TakeSnapshot(now), now)
	if n, s, a := CountChanges(ch); n != 2 || s != 0 || a != 0 {
		t.Fatalf("CountChanges = %d %d %d", n, s, a)
	}
}

// Every clause of the identity rule, applied by the consolidation (rows
// of one run) and by the Novità (an export of the ledger before the second
// row's file against one after it: the ledger only grows) must agree: the
// second row is new in the Novità exactly when the consolidation keeps it
// apart, and a row already exported is never new nor changed.
func TestIdentityRuleAgreesInConsolidationAndChanges(t *testing.T) {
	const (
		olg, ipa = "097058", "c_g026"
		cup1     = "D81F22003430006"
		cup2     = "D81F22003430007"
		invio1   = "2022-09-21T09:35:39.000+0000"
		invio2   = "2022-09-22T10:00:00.000+0000"
	)
	row := func(file int32, istat, cup, avviso, submitted string, st Status) Record {
		r := rec(file, 2+int(file), istat, "Olgiate Molgora", "LC", ipa, cup, avviso, st, 20230101+Date(file), 100)
		r.Window, r.SubmittedAt = "1", submitted
		return r
	}
	for _, tc := range []struct {
		name string
		a, b Record
		same bool // one candidatura
	}{
		{"same CUP", row(0, olg, cup1, avPND, invio1, 'A'), row(1, olg, cup1, avPND, invio1, 'E'), true},
		{"same CUP in lower case", row(0, olg, cup1, avPND, "", 'A'), row(1, olg, "d81f22003430006", avPND, "", 'E'), true},
		{"another CUP, another submission", row(0, olg, cup1, avPND, invio1, 'A'), row(1, olg, cup2, avPND, invio2, 'A'), false},
		{"CUP corrected between files", row(0, olg, cup1, avPND, invio1, 'A'), row(1, olg, cup2, avPND, invio1, 'E'), true},
		{"two CUPs in one file, one submission", row(0, olg, cup1, avPND, invio1, 'A'), row(0, olg, cup2, avPND, invio1, 'E'), false},
		{"same CUP, another measure", row(0, olg, cup1, avPND, "", 'A'), row(1, olg, cup1, avIO, "", 'A'), false},
		{"no CUP joins the CUP of its avviso", row(0, olg, cup1, avPND, invio1, 'A'), row(1, olg, "", avPND, "", 'E'), true},
		{"CUP arrives for a row without", row(0, olg, "", avPND, "", 'A'), row(1, olg, cup1, avPND, invio1, 'E'), true},
		{"no CUP, same avviso", row(0, olg, "", avPND, "", 'A'), row(1, olg, "", avPND, "", 'E'), true},
		{"no CUP, another avviso", row(0, olg, "", avIO, "", 'A'), row(1, olg, "", avIO2, "", 'A'), false},
		{"no CUP and no avviso", row(0, olg, "", "", "", 'A'), row(1, olg, "", "", "", 'E'), true},
		{"ISTAT code changed", row(0, olg, cup1, avPND, "", 'A'), row(1, "097999", cup1, avPND, "", 'E'), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tc.a, tc.b
			if a.Avviso == "" {
				a.Measure, b.Measure = "1.4.5", "1.4.5"
			}
			ledger := []Record{a}
			if b.FileIdx == a.FileIdx {
				// one file: the earlier export had both rows
				b.Pos.Row, b.Amount = a.Pos.Row+1, a.Amount+1
				ledger = append(ledger, b)
			}
			before := consolidate(t, ledger, Selection{})
			now := consolidate(t, []Record{a, b}, Selection{})
			if got := len(now.Candidature) == 1; got != tc.same {
				t.Fatalf("consolidation: %d candidature, want one: %v", len(now.Candidature), tc.same)
			}
			ch := Diff(TakeSnapshot(before), TakeSnapshot(now), now)
			want := 0
			if !tc.same && len(ledger) == 1 {
				want = 1
			}
			added, _, _ := CountChanges(ch)
			if added != want {
				t.Fatalf("Novità: %d new candidature, want %d (%+v)", added, want, ch)
			}
			for _, c := range ch {
				if c.Cand.Winner.Pos != b.Pos || c.Kind != ChangeNew && !tc.same {
					t.Fatalf("the Novità tell of a row already exported: %+v", c)
				}
			}
		})
	}
}
