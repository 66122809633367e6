package ledger

import (
	"testing"

	"consolida/funding"
)

// build makes a consolidated result by hand: one candidatura per record.
func build(c *funding.Comune, recs []funding.Record) *funding.Result {
	res := &funding.Result{Records: recs}
	for i := range recs {
		res.Candidature = append(res.Candidature, &funding.Candidatura{
			Comune: c, Measure: funding.Measure{ID: recs[i].Measure, Label: recs[i].Measure},
			Winner: &res.Records[i], Rows: []int32{int32(i)},
		})
	}
	return res
}

func rec(cup, avviso, invio string, st funding.Status, amount funding.Amount) funding.Record {
	return funding.Record{Measure: "1.4.5", CUP: cup, Avviso: avviso, Finestra: "1", DataInvio: invio, Status: st, Amount: amount}
}

func TestDiffFollowsIdentityNotISTAT(t *testing.T) {
	before := &funding.Comune{ID: 0, ISTAT: "090064", Name: "Sassari", Provincia: "SS", Catastale: "I452", IPA: "c_i452"}
	after := &funding.Comune{ID: 3, ISTAT: "112050", Name: "Sassari", Provincia: "SS", Catastale: "I452", IPA: "c_i452"}
	av := "1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)"
	base := TakeSnapshot(build(before, []funding.Record{
		rec("CUPA00000000001", av, "2022-09-21T09:35:39", 'A', 100),
		rec("CUPB00000000001", av, "2022-09-22T10:00:00", 'A', 200), // its CUP is corrected later
		rec("CUPC00000000001", av, "2022-09-23T10:00:00", 'A', 50),
		rec("", av+" bis", "", 'R', 10), // no CUP
	}))
	cur := build(after, []funding.Record{
		rec("CUPA00000000001", av, "2022-09-21T09:35:39", 'E', 100),
		rec("CUPB00000000009", av, "2022-09-22T10:00:00", 'A', 200),
		rec("CUPC00000000001", av, "2022-09-23T10:00:00", 'R', 60),
		rec("", av+" bis", "", 'R', 10),
		rec("CUPD00000000001", av, "2024-05-01T10:00:00", 'A', 70),
	})
	ch := Diff(base, TakeSnapshot(cur), cur)
	type got struct {
		kind Kind
		cup  string
	}
	want := []got{{StatusChange, "CUPA00000000001"}, {StatusChange, "CUPC00000000001"}, {AmountChange, "CUPC00000000001"}, {New, "CUPD00000000001"}}
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
	if n, s, a := Count(ch); n != 1 || s != 2 || a != 1 {
		t.Errorf("Count = %d %d %d", n, s, a)
	}
}

func TestDiffMatchesByNameWhenCodesAppear(t *testing.T) {
	// a first file named the comune only; a later one taught its codes
	before := &funding.Comune{Name: "Olgiate Molgora", Provincia: "LC"}
	after := &funding.Comune{ISTAT: "097058", Name: "Olgiate Molgora", Provincia: "LC", Catastale: "G026", IPA: "c_g026"}
	base := TakeSnapshot(build(before, []funding.Record{rec("F31F22003320006", "", "", 'A', 100)}))
	now := build(after, []funding.Record{rec("F31F22003320006", "", "", 'A', 100)})
	if ch := Diff(base, TakeSnapshot(now), now); len(ch) != 0 {
		t.Fatalf("changes %+v", ch)
	}
	// another comune with the same CUP is another candidatura
	other := &funding.Comune{ISTAT: "019002", Name: "Acquanegra Cremonese", Provincia: "CR", Catastale: "A039"}
	now = build(other, []funding.Record{rec("F31F22003320006", "", "", 'A', 100)})
	if ch := Diff(base, TakeSnapshot(now), now); len(ch) != 1 || ch[0].Kind != New {
		t.Fatalf("changes %+v", ch)
	}
}

func TestDiffWithoutBaseline(t *testing.T) {
	c := &funding.Comune{Name: "Olgiate Molgora", Catastale: "G026"}
	now := build(c, []funding.Record{rec("A", "", "", 'A', 1), rec("B", "", "", 'E', 2)})
	ch := Diff(nil, TakeSnapshot(now), now)
	if n, s, a := Count(ch); n != 2 || s != 0 || a != 0 {
		t.Fatalf("Count = %d %d %d", n, s, a)
	}
}
