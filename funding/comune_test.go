package funding

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
)

// syntheticRegistry knows n comuni with made-up names of 5 to 25
// letters, plus Olgiate Molgora: about the size of Italy (7,900).
func syntheticRegistry(t testing.TB, n int) *Registry {
	t.Helper()
	r := NewRegistry()
	syl := []string{"san", "ta", "mo", "ri", "ca", "stel", "lo", "ver", "de", "bru", "gna", "po", "len", "za", "fio"}
	for i := 0; i < n; i++ {
		var b strings.Builder
		for x := i; b.Len() < 5 || x > 0; x /= len(syl) {
			b.WriteString(syl[x%len(syl)])
		}
		r.Observe(Observation{ISTAT: fmt.Sprintf("%06d", 100000+i), Name: b.String(), Province: "XX", Own: true})
	}
	r.Observe(Observation{ISTAT: "097058", Name: "Olgiate Molgora", Province: "LC", IPA: "c_g026", Own: true})
	r.Build()
	return r
}

// A comune name of 1 MB used to make the suggestions compute the edit
// distance between it and every known name (441 s for a 1 MB CSV). Now
// the work is linear in the name and the answer is remembered: the
// budget spent is counted, so no timing is involved.
func TestSuggestionsOfAHugeName(t *testing.T) {
	reg := syntheticRegistry(t, 7900)
	huge := "Olgiate Molgora" + strings.Repeat("x", 1<<20)
	recs := []Record{
		rec(0, 2, "", huge, "", "", "D81F22003430006", avPND, StatusAssigned, 20230103, 100),
		rec(0, 3, "", strings.Repeat("k", 1<<20), "", "", "D81F22003430007", avPND, StatusAssigned, 20230103, 100),
	}
	for i := range recs {
		recs[i].IPA, recs[i].Body, recs[i].Measure = "", "", "1.4.5"
	}
	for i := 0; i < 3; i++ { // the same name again: searched once
		r := recs[0]
		r.Pos.Row = 10 + i
		recs = append(recs, r)
	}
	src := Source{Name: "a.csv", Read: Tally{Rows: len(recs), Amount: Amount(100 * len(recs))}}
	res := Consolidate(Input{Catalog: testCatalog(t), Registry: reg, Records: recs, Sources: []Source{src}})
	if o := res.Conservation.Outcomes; o.Rejected.Rows != len(recs) {
		t.Fatalf("outcomes %+v", o)
	}
	a := res.Anomalies[0]
	if a.Reason != "comune sconosciuto" || !strings.HasPrefix(a.Suggestion, "forse: Olgiate Molgora (LC, 097058)") {
		t.Fatalf("anomaly of the huge name: %q, %q", a.Reason, a.Suggestion)
	}
	sg := res.Registry.sugg
	names := 0
	for _, nm := range res.Registry.names {
		names += bagSize + len(nm)
	}
	// two distinct names: each read once, each name of the registry
	// looked at once per search, no distance computed
	if spent := suggestBudget - sg.budget; spent > 2*(1<<20+15)+2*int64(names) {
		t.Fatalf("the search spent %d units for two names of 1 MB (%d names known)", spent, len(res.Registry.names))
	}
	if len(sg.done) != 2 {
		t.Fatalf("%d searches remembered, want 2", len(sg.done))
	}
}

// A file of thousands of distinct unknown names stops getting suggestions
// when the budget runs out, and says so.
func TestSuggestionsBudgetRunsOut(t *testing.T) {
	defer func(b int64) { suggestBudget = b }(suggestBudget)
	suggestBudget = 3_000_000
	reg := syntheticRegistry(t, 2000)
	var recs []Record
	for i := 0; i < 200; i++ {
		r := rec(0, 2+i, "", fmt.Sprintf("Paese%03d di prova", i), "", "", fmt.Sprintf("D81F22%09d", i), avPND, StatusAssigned, 20230103, 1)
		r.IPA, r.Body, r.Measure = "", "", "1.4.5"
		recs = append(recs, r)
	}
	src := Source{Name: "a.csv", Read: Tally{Rows: len(recs), Amount: Amount(len(recs))}}
	res := Consolidate(Input{Catalog: testCatalog(t), Registry: reg, Records: recs, Sources: []Source{src}})
	first, last := res.Anomalies[0], res.Anomalies[len(res.Anomalies)-1]
	if strings.Contains(first.Suggestion, "non cercati") || !strings.Contains(last.Suggestion, "nomi simili non cercati") {
		t.Fatalf("first %q, last %q", first.Suggestion, last.Suggestion)
	}
	if !res.Conservation.OK || res.Conservation.Outcomes.Rejected.Rows != 200 {
		t.Fatalf("conservation %+v", res.Conservation)
	}
}

// The search must find what the plain one found: every name within the
// limit, or a prefix of the key, or having the key as prefix.
func TestSuggestFindsCloseNames(t *testing.T) {
	reg := syntheticRegistry(t, 500)
	for _, tc := range []struct{ key, want string }{
		{"olgiate molgoria", "Olgiate Molgora"},
		{"olgiate", "Olgiate Molgora"},                  // a prefix of the name
		{"olgiate molgora di sopra", "Olgiate Molgora"}, // the name is a prefix
		{"olgaite molgora", "Olgiate Molgora"},          // two edits
	} {
		got, cut := reg.suggest(tc.key, 3)
		if cut || len(got) == 0 || got[0].Name != tc.want {
			t.Errorf("suggest(%q) = %v, %v; want %s first", tc.key, got, cut, tc.want)
		}
	}
	if got, _ := reg.suggest("zzzzzzzzzzzzzzzz", 3); len(got) != 0 {
		t.Errorf("suggestions for nothing alike: %v", got)
	}
}

// FuzzBagDistance: the letter count difference never exceeds the edit
// distance, so that skipping names by it loses no suggestion.
func FuzzBagDistance(f *testing.F) {
	for _, s := range [][2]string{{"olgiate molgora", "olgiate molgoria"}, {"", "abc"}, {"aè/x", "xa"}, {"roma", "amor"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		// the names compared are keys (NameKey): folded text, always valid
		// UTF-8 (Fold drops what is not); a byte prefix that cuts a
		// character in two is not a prefix of runes
		if len(a) > 200 || len(b) > 200 || !utf8.ValidString(a) || !utf8.ValidString(b) {
			return
		}
		sa, sb := shapeOf(a), shapeOf(b)
		if bd, d := bagDistance(&sa, &sb), levenshtein.ComputeDistance(a, b); bd > d {
			t.Fatalf("bag distance %d > edit distance %d for %q, %q", bd, d, a, b)
		}
		if d := abs(sa.runes - sb.runes); strings.HasPrefix(a, b) && levenshtein.ComputeDistance(a, b) != d {
			t.Fatalf("distance to a prefix is not the difference in length for %q, %q", a, b)
		}
	})
}

// reProvSuffix is how SplitName was written: the reference it must agree
// with.
var reProvSuffix = regexp.MustCompile(`^(.*?)\s*[\(\[]\s*([A-Za-z]{2})\s*[\)\]]\s*$`)

func splitNameRegexp(s string) (string, string) {
	if m := reProvSuffix.FindStringSubmatch(s); m != nil {
		return m[1], strings.ToUpper(m[2])
	}
	return s, ""
}

func FuzzSplitName(f *testing.F) {
	for _, s := range []string{"Olgiate Molgora (LC)", "Olgiate Molgora", "Castro [bg] ", "X (ABC)", "A (B) (lc)", "Ol\ngiate (LC)",
		"Olgiate\n (LC)", " (LC)", "(LC)", "Rho ( mi )\t", "Bolzano/Bozen (BZ)", "\xff (LC)", "Città (lc", "x(l1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, p := SplitName(s)
		wn, wp := splitNameRegexp(s)
		if n != wn || p != wp {
			t.Fatalf("SplitName(%q) = %q, %q; the regexp says %q, %q", s, n, p, wn, wp)
		}
	})
}

func BenchmarkSuggestHugeName(b *testing.B) {
	reg := syntheticRegistry(b, 7900)
	huge := "olgiate molgora" + strings.Repeat("x", 1<<20)
	reg.suggest("olgiate", 3) // the shapes of the names, once
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		forget(reg)
		if got, cut := reg.suggest(huge, 3); cut || len(got) == 0 {
			b.Fatal("no suggestion")
		}
	}
}

func BenchmarkSuggestMisspeltName(b *testing.B) {
	reg := syntheticRegistry(b, 7900)
	reg.suggest("olgiate molgoria", 3)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		forget(reg)
		if got, cut := reg.suggest("olgiate molgoria", 3); cut || len(got) == 0 {
			b.Fatal("no suggestion")
		}
	}
}

// forget drops the remembered answers and restores the budget, keeping
// the shapes of the names (computed once per registry).
func forget(r *Registry) {
	r.sugg.done = map[string][]*Comune{}
	r.sugg.budget, r.sugg.cut = suggestBudget, false
}
