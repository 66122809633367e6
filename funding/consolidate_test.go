package funding

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// rec builds a comune's record of the open-data kind.
func rec(file int32, row int, istat, name, prov, ipa, cup, avviso string, st Status, date Date, cents Amount) Record {
	return Record{
		Pos: Pos{File: []string{"a.csv", "b.csv", "c.csv"}[file], Row: row}, FileIdx: file,
		Owner: OwnerComune, Body: "Comune di " + name, BodyType: "Comuni",
		Comune: name, ISTAT: istat, Province: prov, IPA: ipa, CUP: cup, Avviso: avviso,
		StatusDate: date, FundingDate: 20220801, Status: st, Amount: cents, AmountOK: true,
	}
}

func consolidate(t *testing.T, recs []Record, sel Selection) *Result {
	t.Helper()
	cat := testCatalog(t)
	srcs := []Source{{Name: "a.csv"}, {Name: "b.csv"}, {Name: "c.csv"}}
	for i := range recs {
		if recs[i].Measure == "" {
			id, err := cat.Classify(recs[i].Avviso, "")
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			recs[i].Measure = id
		}
		srcs[recs[i].FileIdx].Read.Add(recs[i].Amount)
	}
	res := Consolidate(Input{Catalog: cat, Registry: NewRegistry(), Records: recs, Sources: srcs, Selection: sel})
	if !res.Conservation.OK {
		t.Fatalf("conservation broken: %v", res.Conservation.Problems)
	}
	return res
}

const (
	avPago = "1.4.3 - pagoPA - Comuni - Aprile 2022"
	avIO   = "1.4.3 - app IO - Comuni - Aprile 2022"
	avIO2  = "1.4.3 - app IO - Comuni - Settembre 2022"
	avPND  = "1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)"
)

func totalOf(res *Result, istat, measure string) Amount {
	mi := res.Catalog.Order(measure)
	for _, c := range res.Comuni {
		if c.Comune.ISTAT == istat {
			return c.Funded[mi]
		}
	}
	return -1
}

func TestNewestStatusWinsAndIsCountedOnce(t *testing.T) {
	res := consolidate(t, []Record{
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "c_g026", "D81F22003430006", avPND, StatusAssigned, 20230103, 3258900),
		rec(1, 2, "097058", "Olgiate Molgora", "LC", "c_g026", "d81f22003430006", avPND, StatusErogata, 20250813, 3258900),
		rec(2, 7, "097058", "Olgiate Molgora", "LC", "c_g026", "D81F22003430006", avPND, StatusAssigned, 20230103, 3258900),
	}, Selection{})
	if len(res.Candidature) != 1 {
		t.Fatalf("%d candidature, want 1", len(res.Candidature))
	}
	w := res.Candidature[0].Winner
	if w.Status != StatusErogata || w.Pos.File != "b.csv" {
		t.Errorf("winner %c from %s, want E from b.csv", w.Status, w.Pos.File)
	}
	if got := totalOf(res, "097058", "1.4.5"); got != 3258900 {
		t.Errorf("total %s, want 32.589,00", got)
	}
	o := res.Conservation.Outcomes
	if o.Consolidated.Rows != 1 || o.Duplicates.Rows != 2 || o.Duplicates.Amount != 2*3258900 {
		t.Errorf("outcomes %+v", o)
	}
}

func TestRenouncedThenFundedWithOtherAmount(t *testing.T) {
	res := consolidate(t, []Record{
		rec(0, 2, "016016", "Azzano San Paolo", "BG", "C_A528", "D21F22003770006", avPago, StatusRenounced, 20230808, 5399100),
		rec(0, 3, "016016", "Azzano San Paolo", "BG", "C_A528", "D21F22003770006", "1.4.3 - pagoPA - Comuni - maggio 2023", StatusErogata, 20260110, 5000000),
	}, Selection{})
	if got := totalOf(res, "016016", "1.4.3-pagopa"); got != 5000000 {
		t.Errorf("total %s, want 50.000,00", got)
	}
	found := false
	for _, a := range res.Anomalies {
		if a.Field == "importo" && strings.Contains(a.Reason, "importi diversi") && strings.Contains(a.Reason, "50.000,00") && a.Value == "53.991,00" {
			found = true
		}
	}
	if !found {
		t.Errorf("no anomaly showing both amounts: %+v", res.Anomalies)
	}
}

func TestSharedCUPTwoComuniBothCount(t *testing.T) {
	res := consolidate(t, []Record{
		rec(0, 2, "098033", "Maccastorna", "LO", "c_e777", "B51F24001940006", "1.4.4 Adozione ANPR ANSC - Comuni - luglio 2024", StatusAssigned, 20241010, 1000000),
		rec(0, 3, "019001", "Acquanegra Cremonese", "CR", "c_a039", "B51F24001940006", "1.4.4 Adozione ANPR ANSC - Comuni - luglio 2024", StatusAssigned, 20241010, 1000000),
	}, Selection{})
	if len(res.Candidature) != 2 || res.Total != 2000000 {
		t.Errorf("%d candidature, total %s; want 2 and 20.000,00", len(res.Candidature), res.Total)
	}
}

func TestCorrectedCUPIsTheSameApplication(t *testing.T) {
	a := rec(0, 2, "059001", "Aprilia", "LT", "c_a341", "B21F22002310006", avPago, StatusAssigned, 20221111, 2367300)
	b := rec(1, 9, "059001", "Aprilia", "LT", "c_a341", "B21F23000410006", avPago, StatusAssigned, 20221111, 2367300)
	a.Window, b.Window = "4", "4"
	a.SubmittedAt, b.SubmittedAt = "2022-07-21T16:51:53.000+0000", "2022-07-21T16:51:53.000+0000"
	res := consolidate(t, []Record{a, b}, Selection{})
	if len(res.Candidature) != 1 || res.Total != 2367300 {
		t.Errorf("%d candidature, total %s; want 1 and 23.673,00", len(res.Candidature), res.Total)
	}
}

func TestISTATCodeChangeKeepsTheComune(t *testing.T) {
	old := rec(0, 2, "090064", "Sassari", "SS", "c_i452", "J81F22000010006", avPND, StatusAssigned, 20230103, 10000000)
	nw := rec(1, 2, "112050", "Sassari", "SS", "c_i452", "J81F22000010006", avPND, StatusErogata, 20260301, 10000000)
	other := rec(0, 3, "090064", "Sassari", "SS", "c_i452", "J81F22000020006", avIO, StatusAssigned, 20220812, 500000)
	res := consolidate(t, []Record{old, nw, other}, Selection{})
	if len(res.Comuni) != 1 {
		t.Fatalf("%d comuni, want 1 (Sassari)", len(res.Comuni))
	}
	c := res.Comuni[0]
	if c.Comune.ISTAT != "112050" || c.Total != 10500000 {
		t.Errorf("Sassari shown as %s with %s; want 112050 and 105.000,00", c.Comune.ISTAT, c.Total)
	}
}

// A 2022 row put Zenson di Piave's body (c_m163) in Treviso: the two
// comuni must stay apart and the money go to Zenson.
func TestMislocatedBodyDoesNotMergeComuni(t *testing.T) {
	wrong := rec(0, 2, "026086", "Treviso", "TV", "c_m163", "H11F22000010006", avIO, StatusAssigned, 20220812, 400000)
	wrong.Body, wrong.BodyType = "", ""
	right := rec(1, 2, "026094", "Zenson di Piave", "TV", "c_m163", "H11F22000010006", avIO, StatusAssigned, 20220812, 400000)
	treviso := rec(1, 3, "026086", "Treviso", "TV", "c_l407", "E41F22000010006", avIO, StatusAssigned, 20220812, 3640000)
	res := consolidate(t, []Record{wrong, right, treviso}, Selection{})
	if got := totalOf(res, "026086", "1.4.3-appio"); got != 3640000 {
		t.Errorf("Treviso %s, want 36.400,00", got)
	}
	if got := totalOf(res, "026094", "1.4.3-appio"); got != 400000 {
		t.Errorf("Zenson %s, want 4.000,00", got)
	}
}

func TestOwnerRules(t *testing.T) {
	for _, tc := range []struct {
		hasBodyType bool
		tip         string
		hasEnte     bool
		ente        string
		want        Owner
	}{
		{true, "Comuni", true, "Comune di X", OwnerComune},
		{true, "Comune", false, "", OwnerComune},
		{true, "ASL", true, "Comune di X", OwnerOther},
		{true, "Scuole", false, "", OwnerOther},
		{false, "", true, "COMUNE DI SANTA CATERINA D'ESTE", OwnerComune},
		{false, "", true, "Provincia di Lecco", OwnerIfNamed},
		{false, "", false, "", OwnerComune},
	} {
		if got := OwnerOf(tc.hasBodyType, tc.tip, tc.hasEnte, tc.ente); got != tc.want {
			t.Errorf("OwnerOf(%v %q %v %q) = %d, want %d", tc.hasBodyType, tc.tip, tc.hasEnte, tc.ente, got, tc.want)
		}
	}
}

func TestAltriEntiKeptApart(t *testing.T) {
	asl := rec(0, 2, "097042", "Lecco", "LC", "asst_lc", "C11F22000010006", avIO, StatusAssigned, 20220812, 9900000)
	asl.Owner, asl.BodyType, asl.Body = OwnerOther, "ASL", "ASST di Lecco"
	lecco := rec(0, 3, "097042", "Lecco", "LC", "c_e507", "C11F22000020006", avIO, StatusAssigned, 20220812, 1215000)
	res := consolidate(t, []Record{asl, lecco}, Selection{})
	if got := totalOf(res, "097042", "1.4.3-appio"); got != 1215000 {
		t.Errorf("Lecco %s, want 12.150,00", got)
	}
	if o := res.Conservation.Outcomes; o.AltriEnti.Rows != 1 || o.AltriEnti.Amount != 9900000 {
		t.Errorf("altri enti %+v", o.AltriEnti)
	}
}

func registryWith(t *testing.T, obs ...Observation) *Registry {
	t.Helper()
	r := NewRegistry()
	for _, o := range obs {
		o.Own = true
		r.Observe(o)
	}
	r.Build()
	return r
}

func TestResolveNames(t *testing.T) {
	r := registryWith(t,
		Observation{ISTAT: "097058", Name: "Olgiate Molgora", Province: "LC", IPA: "c_g026"},
		Observation{ISTAT: "097074", Name: "Santa Maria Hoè", Province: "LC", IPA: "c_i243"},
		Observation{ISTAT: "021077", Name: "San Candido/Innichen", Province: "BZ"},
		Observation{ISTAT: "016065", Name: "Castro", Province: "BG"},
		Observation{ISTAT: "075096", Name: "Castro", Province: "LE"},
		Observation{ISTAT: "023021", Name: "Castel d'Azzano", Province: "VR"},
	)
	for _, tc := range []struct {
		q    Query
		want string
	}{
		{Query{Name: "OLGIATE MOLGORA"}, "097058"},
		{Query{Name: "Comune di Olgiate Molgora"}, "097058"},
		{Query{Name: "Olgiate Molgora (LC)"}, "097058"},
		{Query{Name: "Santa Maria Hoe'"}, "097074"},
		{Query{Name: "COMUNE DI SANTA MARIA HOE'"}, "097074"},
		{Query{Name: "Innichen"}, "021077"},
		{Query{Name: "San Candido"}, "021077"},
		{Query{ISTAT: "97058"}, "097058"},
		{Query{ISTAT: "97058.0"}, "097058"},
		{Query{IPA: "C_G026"}, "097058"},
		{Query{Name: "Castro", Province: "LE"}, "075096"},
		{Query{Name: "Castro (BG)"}, "016065"},
		{Query{Name: "Castro", Province: "016"}, "016065"},
		{Query{Name: "Castel D'Azzano"}, "023021"},
	} {
		c, err := r.Resolve(tc.q)
		if err != nil || c.ISTAT != tc.want {
			t.Errorf("Resolve(%+v) = %v, %v; want %s", tc.q, c, err, tc.want)
		}
	}
	_, err := r.Resolve(Query{Name: "Castro"})
	var le *LookupError
	if !errors.Is(err, ErrAmbiguousComune) || !errors.As(err, &le) || len(le.Candidates) != 2 {
		t.Errorf("Castro without province: %v", err)
	}
	_, err = r.Resolve(Query{Name: "Olgiate Molgoria"})
	if !errors.Is(err, ErrUnknownComune) || !errors.As(err, &le) || len(le.Suggestions) == 0 || le.Suggestions[0].ISTAT != "097058" {
		t.Errorf("misspelt name: %v %+v", err, le)
	}
	if _, err := r.Resolve(Query{Name: "Olgiate Molgora", Province: "CO"}); !errors.Is(err, ErrUnknownComune) {
		t.Errorf("right name, wrong province must not resolve silently: %v", err)
	}
}

func TestSelection(t *testing.T) {
	recs := []Record{
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "c_g026", "D81F22003430006", avPND, StatusErogata, 20250813, 3258900),
		rec(0, 3, "016016", "Azzano San Paolo", "BG", "C_A528", "D21F22003770006", avPago, StatusAssigned, 20230808, 5399100),
	}
	res := consolidate(t, recs, Selection{Provinces: []string{"lc"}})
	if len(res.Comuni) != 1 || res.Comuni[0].Comune.ISTAT != "097058" || res.Total != 3258900 {
		t.Fatalf("province LC: %d comuni, total %s", len(res.Comuni), res.Total)
	}
	if o := res.Conservation.Outcomes; o.OutOfScope.Rows != 1 || o.OutOfScope.Amount != 5399100 {
		t.Errorf("fuori selezione %+v", o.OutOfScope)
	}
	recs2 := []Record{
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "c_g026", "D81F22003430006", avPND, StatusErogata, 20250813, 3258900),
		rec(0, 3, "016016", "Azzano San Paolo", "BG", "C_A528", "D21F22003770006", avPago, StatusAssigned, 20230808, 5399100),
	}
	res = consolidate(t, recs2, Selection{Members: []Member{{Text: "azzano san paolo"}, {Text: "Paperopoli", Pos: Pos{File: "membri.txt", Row: 2}}}})
	if len(res.Comuni) != 1 || res.Comuni[0].Comune.ISTAT != "016016" {
		t.Fatalf("members: %d comuni", len(res.Comuni))
	}
	if len(res.Anomalies) != 1 || res.Anomalies[0].Pos.File != "membri.txt" {
		t.Errorf("unknown member must be an anomaly: %+v", res.Anomalies)
	}
}

func TestUnknownComuneIsRejectedNotDropped(t *testing.T) {
	r := rec(0, 2, "", "Paperopoli", "", "", "X", avIO, StatusAssigned, 20220812, 100)
	r.IPA = ""
	res := consolidate(t, []Record{r}, Selection{})
	o := res.Conservation.Outcomes
	if o.Rejected.Rows != 1 || len(res.Anomalies) != 1 || !res.Anomalies[0].Rejected || !errors.Is(res.Anomalies[0].Err, ErrUnknownComune) {
		t.Errorf("outcomes %+v anomalies %+v", o, res.Anomalies)
	}
}

// registryState describes everything a registry holds, deterministically,
// so that a test can tell whether it changed.
func registryState(r *Registry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "built %v\nobs %+v\n", r.built, r.obs)
	for _, c := range r.Comuni {
		fmt.Fprintf(&b, "comune %+v\n", *c)
	}
	dump := func(name string, m any) {
		v := reflect.ValueOf(m)
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %v=%v\n", name, k, v.MapIndex(k))
		}
	}
	dump("seen", r.seen)
	dump("byKey", r.byKey)
	dump("byBody", r.byBody)
	dump("byName", r.byName)
	dump("provOf", r.provOf)
	fmt.Fprintf(&b, "names %v\n", r.names)
	return b.String()
}

// untouchedInput has a row of every kind: duplicates across files, a
// row rejected when read, another body's, a body that is its comune, a
// body that is not, an unknown comune, a row outside the selection, an
// unknown member; anomalies out of order.
func untouchedInput(t *testing.T) Input {
	t.Helper()
	cat := testCatalog(t)
	recs := []Record{
		rec(1, 2, "097058", "Olgiate Molgora", "LC", "c_g026", "D81F22003430006", avPND, StatusErogata, 20250813, 3258900),
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "c_g026", "D81F22003430006", avPND, StatusAssigned, 20230103, 3258900),
		rec(0, 3, "016016", "Azzano San Paolo", "BG", "C_A528", "D21F22003770006", avPago, StatusAssigned, 20230808, 5399100),
		rec(0, 4, "", "Paperopoli", "", "", "X1", avIO, StatusAssigned, 20220812, 100),
		rec(2, 2, "097058", "Olgiate Molgora", "LC", "", "", avPago, StatusAssigned, 20230315, 7284500),
		rec(2, 3, "097042", "Lecco", "LC", "asst_lc", "C11F22000010006", avIO, StatusAssigned, 20220812, 9900000),
		rec(2, 4, "097058", "Olgiate Molgora", "LC", "", "D81F22003430007", avIO, StatusAssigned, 20220812, 343000),
		rec(2, 5, "097058", "Olgiate Molgora", "LC", "", "D81F22003430008", avIO2, StatusAssigned, 20220812, 343000),
		rec(1, 3, "097058", "Olgiate Molgora", "LC", "c_g026", "", avPago, StatusAssigned, 20230315, 0),
	}
	recs[3].IPA = ""
	recs[5].Owner, recs[5].BodyType, recs[5].Body = OwnerOther, "ASL", "ASST di Lecco"
	recs[6].Owner, recs[6].BodyType, recs[6].Body = OwnerIfNamed, "", "Olgiate Molgora"
	recs[7].Owner, recs[7].BodyType, recs[7].Body = OwnerIfNamed, "", "Biblioteca civica"
	recs[8].Rejected, recs[8].AmountOK = true, false
	srcs := []Source{{Name: "a.csv", Notes: []string{"nota"}}, {Name: "b.csv"}, {Name: "c.csv"}}
	for i := range recs {
		id, err := cat.Classify(recs[i].Avviso, "")
		if err != nil {
			t.Fatal(err)
		}
		recs[i].Measure = id
		if recs[i].AmountOK {
			srcs[recs[i].FileIdx].Read.Add(recs[i].Amount)
		} else {
			srcs[recs[i].FileIdx].Read.Add(0)
		}
	}
	reg := registryWith(t, Observation{ISTAT: "097058", Name: "Olgiate Molgora", Province: "LC", IPA: "c_g026"})
	reg.AddProvinceName("Lecco", "LC")
	return Input{
		Catalog: cat, Registry: reg, Records: recs, Sources: srcs,
		Anomalies: []Anomaly{
			{Pos: Pos{File: "b.csv", Row: 3}, Field: "importo", Value: "n.d.", Reason: "importo mancante", Rejected: true, Err: ErrEmptyAmount},
			{Pos: Pos{File: "a.csv", Row: 9}, Field: "cup", Value: "X", Reason: "CUP di forma insolita"},
		},
		Selection: Selection{Provinces: []string{"LC"}, Members: []Member{{Text: "Paperopoli", Pos: Pos{File: "membri.txt", Row: 1}}}},
	}
}

func TestConsolidateLeavesInputUntouched(t *testing.T) {
	in := untouchedInput(t)
	recs := append([]Record(nil), in.Records...)
	srcs := append([]Source(nil), in.Sources...)
	anoms := append([]Anomaly(nil), in.Anomalies...)
	reg := registryState(in.Registry)
	res := Consolidate(in)
	if !res.Conservation.OK {
		t.Fatalf("conservation: %v", res.Conservation.Problems)
	}
	// the result is what the rows say (so that the test covers every path)
	o := res.Conservation.Outcomes
	if o.Consolidated.Rows != 3 || o.Duplicates.Rows != 1 || o.AltriEnti.Rows != 2 || o.OutOfScope.Rows != 1 || o.Rejected.Rows != 2 {
		t.Fatalf("outcomes %+v", o)
	}
	if res.Sources[0].RefDate == 0 || res.Sources[1].Outcomes.Total() != res.Sources[1].Read {
		t.Fatalf("sources of the result: %+v", res.Sources)
	}
	if len(res.Anomalies) != len(anoms)+2 || res.Anomalies[0].Pos.File != "a.csv" {
		t.Fatalf("anomalies of the result: %+v", res.Anomalies)
	}
	if !reflect.DeepEqual(in.Records, recs) {
		for i := range recs {
			if !reflect.DeepEqual(in.Records[i], recs[i]) {
				t.Errorf("record %d changed:\n got %+v\nwant %+v", i, in.Records[i], recs[i])
			}
		}
	}
	if !reflect.DeepEqual(in.Sources, srcs) {
		t.Errorf("sources changed:\n got %+v\nwant %+v", in.Sources, srcs)
	}
	if !reflect.DeepEqual(in.Anomalies, anoms) {
		t.Errorf("anomalies changed:\n got %+v\nwant %+v", in.Anomalies, anoms)
	}
	if got := registryState(in.Registry); got != reg {
		t.Errorf("registry changed:\n got %s\nwant %s", got, reg)
	}
	if res.Registry == in.Registry {
		t.Error("the result shares the input's registry: a second consolidation would change it")
	}
}

func TestConsolidateTwiceGivesTheSameResult(t *testing.T) {
	in := untouchedInput(t)
	a := Consolidate(in)
	b := Consolidate(in)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two consolidations of one input differ")
	}
	// the export pattern: the selected report, then every comune for the
	// snapshot, from the same records
	all := in
	all.Selection = Selection{}
	fresh := Consolidate(untouchedInput(t).withSelection(Selection{}))
	if got := Consolidate(all); !reflect.DeepEqual(got, fresh) {
		t.Fatal("a consolidation after another differs from one on fresh records")
	}
	if len(fresh.Candidature) != 4 || len(a.Candidature) != 3 {
		t.Fatalf("%d candidature without selection, %d with", len(fresh.Candidature), len(a.Candidature))
	}
}

func (in Input) withSelection(s Selection) Input {
	in.Selection = s
	return in
}

// The largest amounts a row may carry, many times: the sums cannot be
// represented, and the consolidation must say so instead of reporting a
// wrapped (negative) total with conservation respected.
func TestAmountOverflowFailsConservation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files int32
	}{{"one file", 1}, {"across files", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			cat := testCatalog(t)
			var recs []Record
			srcs := []Source{{Name: "a.csv"}, {Name: "b.csv"}, {Name: "c.csv"}}
			for i := 0; i < 93; i++ {
				r := rec(int32(i)%tc.files, i+2, "097058", "Olgiate Molgora", "LC", "c_g026", fmt.Sprintf("D81F22%09d", i), avPND, StatusAssigned, 20230103, maxAmount)
				r.Measure = "1.4.5"
				recs = append(recs, r)
				srcs[r.FileIdx].Read.Add(r.Amount)
			}
			res := Consolidate(Input{Catalog: cat, Records: recs, Sources: srcs})
			if res.Conservation.OK {
				t.Fatalf("conservation respected with a total of %s", res.Total)
			}
			found := false
			for _, p := range res.Conservation.Problems {
				found = found || strings.Contains(p, "massimo rappresentabile")
			}
			if !found || !res.Conservation.Overflow || res.Total < 0 {
				t.Fatalf("problems %q, total %s", res.Conservation.Problems, res.Total)
			}
			// one row less in each file fits: the same input is then fine
			fine := Consolidate(Input{Catalog: cat, Records: recs[:92], Sources: []Source{{Name: "a.csv", Read: Tally{Rows: 92, Amount: 92 * maxAmount}}}})
			if tc.files == 1 && (!fine.Conservation.OK || fine.Total != 92*maxAmount) {
				t.Fatalf("92 rows: %v %s", fine.Conservation.Problems, fine.Total)
			}
		})
	}
}

// TestAnomaliesOfTheSelection: each anomaly is tied to the comune of its
// row (a duplicate with another amount, a row rejected when read, another
// body's row: the comune it is located in); a report of one province lists
// the anomalies of its comuni and those tied to none, and counts the rest.
func TestAnomaliesOfTheSelection(t *testing.T) {
	input := func() ([]Record, []Anomaly) {
		olgiate := rec(0, 2, "097058", "Olgiate Molgora", "LC", "c_g026", "D81F22003430006", avPND, StatusAssigned, 20230103, 3258900)
		olgiate2 := rec(1, 2, "097058", "Olgiate Molgora", "LC", "c_g026", "D81F22003430006", avPND, StatusErogata, 20250813, 3300000)
		azzano := rec(0, 3, "016016", "Azzano San Paolo", "BG", "C_A528", "D21F22003770006", avPago, StatusAssigned, 20230808, 5399100)
		azzano2 := rec(1, 3, "016016", "Azzano San Paolo", "BG", "C_A528", "D21F22003770006", avPago, StatusAssigned, 20230901, 5400000)
		// rejected when read: no amount; the row still names its comune by name only
		nd := rec(0, 4, "", "Azzano San Paolo", "BG", "", "D21F22003780006", avIO, StatusAssigned, 20230808, 0)
		nd.Rejected, nd.AmountOK = true, false
		unknown := rec(0, 5, "", "Paperopoli", "", "", "X", avIO, StatusAssigned, 20220812, 100)
		school := rec(0, 6, "097058", "Olgiate Molgora", "LC", "istsc_x", "E11F22000000006", avIO, StatusAssigned, 20220812, 700)
		school.Owner, school.Body, school.BodyType = OwnerOther, "Istituto comprensivo", "Scuole"
		return []Record{olgiate, olgiate2, azzano, azzano2, nd, unknown, school}, []Anomaly{
			{Pos: Pos{File: "a.csv", Row: 4, Col: "M"}, Field: "importo", Reason: "importo mancante", Rejected: true},
			{Pos: Pos{File: "a.csv", Row: 6, Col: "C"}, Field: "cup", Value: "E11F22000000006", Reason: "CUP di forma insolita"},
			{Pos: Pos{File: "a.csv"}, Field: "", Reason: "nota del file"},
		}
	}
	run := func(sel Selection) *Result {
		recs, anoms := input()
		cat := testCatalog(t)
		srcs := []Source{{Name: "a.csv"}, {Name: "b.csv"}}
		for i := range recs {
			id, err := cat.Classify(recs[i].Avviso, "")
			if err != nil {
				t.Fatal(err)
			}
			recs[i].Measure = id
			srcs[recs[i].FileIdx].Read.Add(recs[i].Amount)
		}
		res := Consolidate(Input{Catalog: cat, Registry: NewRegistry(), Records: recs, Anomalies: anoms, Sources: srcs, Selection: sel})
		if !res.Conservation.OK {
			t.Fatalf("conservation: %v", res.Conservation.Problems)
		}
		return res
	}
	describe := func(res *Result) []string {
		var out []string
		for _, a := range res.Anomalies {
			c := "-"
			if a.Comune != nil {
				c = a.Comune.ISTAT
			}
			out = append(out, fmt.Sprintf("%s:%d %s %s", a.Pos.File, a.Pos.Row, a.Field, c))
		}
		return out
	}
	all := run(Selection{})
	want := []string{"a.csv:0  -", "a.csv:2 importo 097058", "a.csv:3 importo 016016", "a.csv:4 importo 016016",
		"a.csv:5 comune -", "a.csv:6 cup 097058"}
	if got := describe(all); !reflect.DeepEqual(got, want) {
		t.Fatalf("every comune: anomalies %q, want %q", got, want)
	}
	if all.OtherAnomalies != 0 || all.OtherRejected != 0 {
		t.Errorf("every comune: %d anomalies left out (%d rejected)", all.OtherAnomalies, all.OtherRejected)
	}
	lc := run(Selection{Provinces: []string{"LC"}})
	want = []string{"a.csv:0  -", "a.csv:2 importo 097058", "a.csv:5 comune -", "a.csv:6 cup 097058"}
	if got := describe(lc); !reflect.DeepEqual(got, want) {
		t.Fatalf("province LC: anomalies %q, want %q", got, want)
	}
	if lc.OtherAnomalies != 2 || lc.OtherRejected != 1 {
		t.Errorf("province LC: %d anomalies left out (%d rejected), want 2 (1)", lc.OtherAnomalies, lc.OtherRejected)
	}
	// the rows themselves are counted as before
	if o := lc.Conservation.Outcomes; o.Rejected.Rows != 2 || o.OutOfScope.Rows != 1 {
		t.Errorf("province LC: outcomes %+v", o)
	}
}
