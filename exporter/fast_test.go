package exporter

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"consolida/funding"
)

// parts reads every part of a workbook, uncompressed.
func zipParts(t *testing.T, path string) map[string][]byte {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = b
	}
	return out
}

// sameWorkbooks renders b with excelize alone and with the fast path and
// compares them: every part byte for byte, and, where a part differs, the
// sheet dumps (the same parts make the same workbook for any reader; the
// dumps, slow on a large workbook, say what a difference means).
func sameWorkbooks(t *testing.T, name string, b *book) {
	t.Helper()
	sameAs(t, name, b, fastRenderer{})
}

// sameAs renders b with excelize alone and with r and compares them as
// sameWorkbooks does.
func sameAs(t *testing.T, name string, b *book, r renderer) {
	t.Helper()
	slow, fast := render(t, excelizeRenderer{}, b), render(t, r, b)
	ps, pf := zipParts(t, slow), zipParts(t, fast)
	if got, want := slices.Sorted(maps.Keys(pf)), slices.Sorted(maps.Keys(ps)); !slices.Equal(got, want) {
		t.Fatalf("%s: parts %q, want %q", name, got, want)
	}
	for p, want := range ps {
		got := pf[p]
		if p == "[Content_Types].xml" {
			// excelize writes the extensions in the order of a map
			got, want = sortedElements(got), sortedElements(want)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s, %s: the fast path writes other bytes:\n%s", name, p, byteDiff(got, want))
		}
	}
	if !t.Failed() {
		return
	}
	ds, df := dumpSheets(t, slow), dumpSheets(t, fast)
	for k, want := range ds {
		if df[k] != want {
			t.Errorf("%s, sheet %q: dumps differ:\n%s", name, k, lineDiff(df[k], want))
		}
	}
}

// byteDiff shows where two byte strings part.
func byteDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("at byte %d of %d/%d\n got  %q\n want %q", i, len(got), len(want),
		got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
}

// TestFastRendererAgrees: the CST workbook (split over several sheets, with
// and without Novità) and the council workbooks, through excelize alone
// and through the fast path, are the same part by part.
func TestFastRendererAgrees(t *testing.T) {
	res := fixture(t)
	var anomalies []funding.Anomaly
	for i := range 5 {
		anomalies = append(anomalies, funding.Anomaly{Pos: funding.Pos{File: "a & b.csv", Row: 10 + i, Col: "F"}, Field: "cup",
			Value: fmt.Sprintf("<%d> \"x\"\n", i), Reason: "CUP non valido", Suggestion: " spazio ", Rejected: i%2 == 0})
	}
	res.Anomalies = append(res.Anomalies, anomalies...)
	nov := &ChangeList{Base: &Baseline{ID: 1, Month: "2026-10"}, Items: []ChangeRow{{Kind: LabelStatusChange, ISTAT: "097058", Comune: "Olgiate Molgora", Measure: "1.4.5",
		Before: &ChangeState{Status: funding.StatusAssigned, StatusDate: 20230103, Amount: centsOlgiate},
		After:  ChangeState{Status: funding.StatusErogata, StatusDate: 20250813, Amount: centsOlgiate}, ComuneID: res.Comuni[1].Comune.ID}}}
	for _, limit := range []int{2, maxDataRows} {
		sameWorkbooks(t, fmt.Sprintf("CST, %d rows a sheet", limit), cstBook(&Report{Result: res, Meta: testMeta}, limit))
		sameWorkbooks(t, fmt.Sprintf("CST with Novità, %d rows a sheet", limit), cstBook(&Report{Result: res, Changes: nov, Meta: testMeta}, limit))
	}
	empty := fixture(t)
	empty.Anomalies = nil
	sameWorkbooks(t, "CST without anomalies", cstBook(&Report{Result: empty, Meta: testMeta}, maxDataRows))
	byComune := map[int32][]*funding.Candidatura{}
	for _, c := range res.Candidature {
		byComune[c.Comune.ID] = append(byComune[c.Comune.ID], c)
	}
	for _, c := range res.Comuni {
		sameWorkbooks(t, c.Comune.Name, councilBook(c, byComune[c.Comune.ID], res, testMeta, nov, nov.Items))
	}
}

// TestFastRendererCells renders every kind of cell with the text that
// needs care in XML: escapes, control characters, invalid UTF-8, the
// _xHHHH_ notation, spaces at the ends, texts over the cell limit; numbers
// of every size; dates at the ends of the calendar; formulas; merged
// cells in the body and above the header; heights over the limit.
func TestFastRendererCells(t *testing.T) {
	texts := []string{"", "semplice", "a & b < c > d \"e\" 'f'", " spazi ", "\ttab", "riga\nnuova", "ritorno\r", "ctrl\x01\x08\x1f",
		"non utf8 \xff\xfe fine", "\uFFFD valido", "emoji 😀 e àèìòù", "_x0041_", "_x005F_x0041_", "_x005F_", "a_x00zz_b", "_xD800_",
		"_x005F_x005F_", "=SUM(A1)", "+39", "-1", "@x", "\u2028\u0085", "\uFFFE\uFFFF", "x_X0041_y",
		strings.Repeat("lungo ", 6000), strings.Repeat("è", 40000), strings.Repeat("😀", 20000)}
	amounts := []funding.Amount{0, 1, -1, 12199900, -99, 1<<53 + 1, funding.MaxSum, -funding.MaxSum, 10, 1e17, 123456789012345678}
	dates := []funding.Date{18991230, 18991231, 19000101, 19000228, 19000301, 20220923, 21991231, 99991231}
	body := func(yield func(row) bool) {
		n := 0
		for i, s := range texts {
			cells := []cell{text(sText, s), text(sWrap, s), sum(text(sText, s), "A1:A2"), {}, blank(sText), intCell(sInt, i*1000-3)}
			if !yield(row{cells: cells, height: float64(i * 30)}) {
				return
			}
			n++
		}
		for _, a := range amounts {
			if !yield(row{cells: []cell{money(sMoney, a), sum(money(sMoneyBold, a), "B1:B9"), money(sMutedMoney, -a)}}) {
				return
			}
		}
		for _, d := range dates {
			if !yield(row{cells: []cell{date(sDate, d), sum(date(sDate, d), "C1"), date(sBold, d)}}) {
				return
			}
		}
		if !yield(row{}) || !yield(row{height: 12}) || !yield(row{cells: []cell{{}, {}, text(sText, "terza colonna")}}) {
			return
		}
		if !yield(row{cells: []cell{sum(blank(sTotalLabel), "A1"), sum(intCell(noStyle, 7), "A1")}}) {
			return
		}
		yield(noteRow(sNote, "nota unita "+strings.Repeat("parola ", 80), 6))
		yield(noteRow(sBoldWrap, "seconda nota", 3))
	}
	mk := func(name string, above []row) *sheet {
		return &sheet{name: name, page: a4(true, "intestazione & co", "piè & pagina"),
			cols:   []col{fixed(10), {8, 20}, {8, 30}, fixed(8), fixed(8), {6, 12}},
			freeze: freeze{rows: len(above) + 1}, above: above, header: []string{"A", "B", "C lunga intestazione", "D", "E", "F"},
			autoFilter: true, dataRows: 60, body: body}
	}
	b := &book{sheets: []*sheet{
		mk("Senza titolo", nil),
		mk("Con titolo", []row{noteRow(sTitle, "Titolo", 6), {}, {cells: []cell{text(sSubtitle, "sotto")}, merges: []span{{1, 2}}}}),
		{name: "Solo intestazione", page: a4(false, "", ""), header: []string{"x"}},
		{name: "Vuoto", page: a4(false, "", "")},
	}}
	b.layout()
	sameWorkbooks(t, "cells", b)
}

// sortedElements sorts the elements of a flat XML part.
func sortedElements(b []byte) []byte {
	parts := bytes.SplitAfter(b, []byte(">"))
	slices.SortFunc(parts, bytes.Compare)
	return bytes.Join(parts, nil)
}

// TestFastRendererDateStyle: a date without a style is refused by the
// fast path (excelize would add a style for it, after the styles were
// written), not written differently.
func TestFastRendererDateStyle(t *testing.T) {
	b := &book{sheets: []*sheet{{name: "Date", header: []string{"data"}, body: func(yield func(row) bool) {
		yield(row{cells: []cell{date(noStyle, 20220923)}})
	}}}}
	b.layout()
	err := fastRenderer{}.render(io.Discard, b)
	if err == nil || !strings.Contains(err.Error(), "needs a style") {
		t.Fatalf("err = %v", err)
	}
}
