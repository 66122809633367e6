package exporter

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"consolida/funding"
)

// councilFixture is the fixture's comuni and more: one without ISTAT
// code, one whose name needs escaping (apostrophe, ampersand, quotes,
// angle brackets, a newline) and is too long for a page header, one with
// only a renunciation, one with a decreto long enough to wrap on many
// lines.
func councilFixture(t *testing.T) *funding.Result {
	t.Helper()
	long := `Sant'Anna & "Co" <x>` + "\n" + strings.Repeat(" molto lungo", 30)
	return consolidated(t, []funding.Record{
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "D81F22003430006", avPND, funding.StatusAssigned, 20230103, centsOlgiate),
		rec(1, 2, "097058", "Olgiate Molgora", "LC", "D81F22003430006", avPND, funding.StatusErogata, 20250813, centsOlgiate),
		rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, centsLecco),
		rec(0, 4, "097042", "Lecco", "LC", "E41F22001110006", avIO, funding.StatusRenounced, 20231005, 500000),
		rec(1, 3, "090064", "Sassari", "SS", "B81F22002220006", avPND, funding.StatusAssigned, 20230301, centsSassari),
		rec(0, 5, "", "Borgo Senza Codice", "ZZ", "F11F22000000006", avPND, funding.StatusAssigned, 20230101, 123456),
		rec(0, 6, "012345", long, "AB", "G11F22000000006", avPago, funding.StatusErogata, 20240101, 99),
		rec(1, 7, "098765", "Solo Rinuncia", "CD", "H11F22000000006", avIO, funding.StatusRenounced, 20230505, 700000),
	}, nil)
}

// TestTemplateRendererAgrees: the council workbooks written from one
// template (the same renderer for all, so the template of the first
// serves the others) are excelize's, part by part: comuni with payments,
// renunciations, none funded, no ISTAT code, names to escape and cut,
// long texts; without Novità, with Novità and with the first export's.
func TestTemplateRendererAgrees(t *testing.T) {
	res := councilFixture(t)
	var ids []int32
	for _, c := range res.Comuni {
		ids = append(ids, c.Comune.ID)
	}
	if len(res.Comuni) != 6 {
		t.Fatalf("%d comuni, want 6", len(res.Comuni))
	}
	for _, c := range res.Candidature {
		if c.Comune.ISTAT == "012345" {
			c.Winner.Decreto = strings.Repeat("Decreto n. 28-2/2022 del Dipartimento & co. ", 12)
		}
	}
	items := []ChangeRow{{Kind: LabelStatusChange, ISTAT: "097058", Comune: "Olgiate Molgora", Measure: "1.4.5",
		Before: &ChangeState{Status: funding.StatusAssigned, StatusDate: 20230103, Amount: centsOlgiate},
		After:  ChangeState{Status: funding.StatusErogata, StatusDate: 20250813, Amount: centsOlgiate}, ComuneID: ids[0]}}
	for _, id := range ids[1:] {
		items = append(items, ChangeRow{Kind: LabelNew, Measure: "1.4.3 \"app IO\" & <altro>", CUP: "X", After: ChangeState{Status: funding.StatusAssigned, Amount: 1}, ComuneID: id})
	}
	byComune := map[int32][]*funding.Candidatura{}
	for _, c := range res.Candidature {
		byComune[c.Comune.ID] = append(byComune[c.Comune.ID], c)
	}
	changes := map[int32][]ChangeRow{}
	for _, it := range items {
		changes[it.ComuneID] = append(changes[it.ComuneID], it)
	}
	metas := []Meta{testMeta, {Month: "2026-02", Generated: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), Heading: "CST & Unione dei comuni \"Lario\"",
		Signature: "Il Segretario"}}
	novs := []*ChangeList{nil, {Base: &Baseline{ID: 2, Month: "2026-10", Generated: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}, Items: items}, {Items: items}}
	rnd := newTemplateRenderer()
	for mi, meta := range metas {
		for ni, nov := range novs {
			for _, c := range res.Comuni {
				var ch []ChangeRow
				if nov != nil {
					ch = changes[c.Comune.ID]
				}
				name := fmt.Sprintf("%s, meta %d, novità %d", c.Comune.Name, mi, ni)
				sameAs(t, name, councilBook(c, byComune[c.Comune.ID], res, meta, nov, ch), rnd)
			}
		}
	}
	if n := len(rnd.cache); n != len(metas) {
		t.Errorf("%d templates, want one per meta (%d)", n, len(metas))
	}
}

// TestTemplateRendererRealData: the council workbooks of a sample of the
// real folder's comuni (every 50th, those with a renunciation, the
// longest names, those without ISTAT code) from one template are
// excelize's, part by part.
func TestTemplateRendererRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("the real folder: not in -short")
	}
	dir := filepath.Join("..", "..", "shared", "data", "padigitale2026") // testkit imports exporter
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("dati reali assenti (%s): test saltato", dir)
	}
	res := consolidateFiles(t, dir)
	byComune := map[int32][]*funding.Candidatura{}
	renounced := map[int32]bool{}
	for _, c := range res.Candidature {
		byComune[c.Comune.ID] = append(byComune[c.Comune.ID], c)
		if !c.Winner.Status.Funded() {
			renounced[c.Comune.ID] = true
		}
	}
	longest := 0
	for _, c := range res.Comuni {
		longest = max(longest, len(c.Comune.Name))
	}
	rnd := newTemplateRenderer()
	n, withRenounced, noISTAT := 0, 0, 0
	for i, c := range res.Comuni {
		pick := i%50 == 0 || len(c.Comune.Name) >= longest-5 || c.Comune.ISTAT == ""
		if !pick && renounced[c.Comune.ID] && withRenounced < 40 {
			pick = true
			withRenounced++
		}
		if !pick {
			continue
		}
		if c.Comune.ISTAT == "" {
			noISTAT++
		}
		n++
		sameAs(t, c.Comune.Name, councilBook(c, byComune[c.Comune.ID], res, testMeta, nil, nil), rnd)
	}
	t.Logf("%d council workbooks compared (%d more with a renunciation, %d without ISTAT code)", n, withRenounced, noISTAT)
	if n < 150 || withRenounced == 0 {
		t.Fatalf("%d workbooks, %d with a renunciation: not the real folder", n, withRenounced)
	}
	if len(rnd.cache) != 1 {
		t.Errorf("%d templates, want 1", len(rnd.cache))
	}
}
