package exporter

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

func TestParts(t *testing.T) {
	for _, tc := range []struct {
		n, limit int
		names    []string
	}{
		{0, 3, []string{"Dettaglio"}},
		{2, 3, []string{"Dettaglio"}},
		{3, 3, []string{"Dettaglio"}},
		{4, 3, []string{"Dettaglio", "Dettaglio 2"}},
		{11, 3, []string{"Dettaglio", "Dettaglio 2", "Dettaglio 3", "Dettaglio 4"}},
		{maxDataRows, maxDataRows, []string{"Dettaglio"}},
		{maxDataRows + 1, maxDataRows, []string{"Dettaglio", "Dettaglio 2"}},
	} {
		names, bounds := parts("Dettaglio", tc.n, tc.limit)
		if !reflect.DeepEqual(names, tc.names) {
			t.Fatalf("n=%d limit=%d: %v, want %v", tc.n, tc.limit, names, tc.names)
		}
		covered := 0
		for i := range names {
			if bounds[i][0] != covered || bounds[i][1]-bounds[i][0] > tc.limit {
				t.Errorf("n=%d part %d: %s %v", tc.n, i, names[i], bounds[i])
			}
			covered = bounds[i][1]
		}
		if covered != tc.n {
			t.Errorf("n=%d: covered %d rows", tc.n, covered)
		}
	}
}

// cellNumber reads a numeric cell: its stored value and its number format.
func cellNumber(t *testing.T, f *excelize.File, sheet, ref string) (float64, string) {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s!%s = %q, not a number", sheet, ref, v)
	}
	sid, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(sid)
	if err != nil {
		t.Fatal(err)
	}
	format := ""
	if st.CustomNumFmt != nil {
		format = *st.CustomNumFmt
	}
	return x, format
}

// moneyAt checks that a cell holds euros with the euro format.
func moneyAt(t *testing.T, f *excelize.File, sheet, ref string, want funding.Amount) {
	t.Helper()
	v, format := cellNumber(t, f, sheet, ref)
	if v != want.Euro() || format != euroFmt {
		t.Errorf("%s!%s = %v format %q, want %v with the euro format", sheet, ref, v, format, want.Euro())
	}
}

func formulaAt(t *testing.T, f *excelize.File, sheet, ref, want string) {
	t.Helper()
	got, err := f.GetCellFormula(sheet, ref)
	if err != nil || got != want {
		t.Errorf("%s!%s formula %q (%v), want %q", sheet, ref, got, err, want)
	}
}

func TestCSTWorkbook(t *testing.T) {
	res := fixture(t)
	p := filepath.Join(t.TempDir(), "CST_2026-11.xlsx")
	if err := WriteCST(p, &Report{Result: res, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	f := open(t, p)
	dump := dumpSheets(t, p)
	if got, want := f.GetSheetList(), []string{SheetSummary, SheetDetail, SheetMeasures, SheetAnomalies, SheetSources}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}

	t.Run("Riepilogo", func(t *testing.T) {
		ms := res.Catalog.Measures
		r := rows(t, f, SheetSummary)
		want := []string{"Codice ISTAT", "Comune", "Provincia"}
		for _, m := range ms {
			want = append(want, m.Label)
		}
		want = append(want, "Totale")
		if !reflect.DeepEqual(r[0], want) {
			t.Fatalf("header %q", r[0])
		}
		tot := colLetter(len(want))
		lastMeasure := colLetter(len(want) - 1)
		comuni := map[string]funding.Amount{"Lecco": centsLecco, "Olgiate Molgora": centsOlgiate, "Sassari": centsSassari}
		for i, name := range []string{"Lecco", "Olgiate Molgora", "Sassari"} { // by name
			n := i + 2
			if r[i+1][1] != name {
				t.Fatalf("row %d is %q, want %s", n, r[i+1][1], name)
			}
			moneyAt(t, f, SheetSummary, fmt.Sprintf("%s%d", tot, n), comuni[name])
			formulaAt(t, f, SheetSummary, fmt.Sprintf("%s%d", tot, n), fmt.Sprintf("SUM(D%d:%s%d)", n, lastMeasure, n))
		}
		// the 1.4.5 column of Olgiate Molgora: a number, not text
		col := colLetter(4 + res.Catalog.Order("1.4.5"))
		moneyAt(t, f, SheetSummary, col+"3", centsOlgiate)
		if r[4][1] != "TOTALE" {
			t.Fatalf("row 5 %q", r[4])
		}
		moneyAt(t, f, SheetSummary, tot+"5", centsFunded)
		formulaAt(t, f, SheetSummary, tot+"5", fmt.Sprintf("SUM(%s2:%s4)", tot, tot))
		moneyAt(t, f, SheetSummary, col+"5", centsOlgiate+centsSassari)
		formulaAt(t, f, SheetSummary, col+"5", fmt.Sprintf("SUM(%s2:%s4)", col, col))
		if note := r[6][0]; !strings.Contains(note, "Generato il 20/11/2026") {
			t.Errorf("note %q", note)
		}

		layout, err := f.GetPageLayout(SheetSummary)
		if err != nil {
			t.Fatal(err)
		}
		if *layout.Orientation != "landscape" || *layout.Size != 9 || *layout.FitToWidth != 1 || *layout.FitToHeight != 0 {
			t.Errorf("page layout %s", dumpLine(dump[SheetSummary], "pagelayout"))
		}
		if props, err := f.GetSheetProps(SheetSummary); err != nil || props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("not fit to page: %s", dumpLine(dump[SheetSummary], "props"))
		}
		hf, err := f.GetHeaderFooter(SheetSummary)
		if err != nil {
			t.Fatal(err)
		}
		if hf.OddHeader != `&L&"Arial,Regular"&9Finanziamenti PNRR PA digitale 2026 - riepilogo per comune - novembre 2026 (dati aggiornati al 13/08/2025) - provincia LC` ||
			hf.OddFooter != `&L&"Arial,Regular"&9&R&"Arial,Regular"&9Pagina &P di &N` {
			t.Errorf("header/footer %q %q", hf.OddHeader, hf.OddFooter)
		}
		panes, err := f.GetPanes(SheetSummary)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.XSplit != 3 || panes.YSplit != 1 || panes.TopLeftCell != "D2" {
			t.Errorf("panes %+v", panes)
		}
		if got := dumpLine(dump[SheetSummary], "autofilter"); got != "$A$1:$"+tot+"$4" {
			t.Errorf("autofilter %q, want the header and the 3 comuni", got)
		}
	})

	t.Run("print titles", func(t *testing.T) {
		titles := map[string]string{}
		for _, n := range f.GetDefinedName() {
			if n.Name == "_xlnm.Print_Titles" {
				titles[n.Scope] = n.RefersTo
			}
		}
		for _, sh := range f.GetSheetList() {
			if want := quoteSheet(sh) + "!$1:$1"; titles[sh] != want {
				t.Errorf("%s: print titles %q, want %q", sh, titles[sh], want)
			}
		}
	})

	t.Run("Dettaglio", func(t *testing.T) {
		r := rows(t, f, SheetDetail)
		if !reflect.DeepEqual(r[0], DetailHeader) || len(r) != 5 {
			t.Fatalf("%d rows, header %q", len(r), r[0])
		}
		var renounced int
		for i, row := range r[1:] {
			if row[10] == funding.StatusRenounced.Label() {
				renounced = i + 2
			}
		}
		if renounced == 0 {
			t.Fatal("the renounced candidatura is not listed")
		}
		// the renounced amount is listed, as a number, struck through
		ref := fmt.Sprintf("M%d", renounced)
		moneyAt(t, f, SheetDetail, ref, 500000)
		sid, _ := f.GetCellStyle(SheetDetail, ref)
		if st, _ := f.GetStyle(sid); st.Font == nil || !st.Font.Strike {
			t.Errorf("%s not struck through", ref)
		}
		// dates are dates
		v, format := cellNumber(t, f, SheetDetail, "J2")
		if d, err := excelize.ExcelDateToTime(v, false); err != nil || !d.Equal(time.Date(2022, 8, 1, 0, 0, 0, 0, time.UTC)) || format != "dd/mm/yyyy" {
			t.Errorf("J2 = %v (%v) format %q, want 01/08/2022", v, d, format)
		}
		if got := dumpLine(dump[SheetDetail], "autofilter"); got != "$A$1:$N$5" {
			t.Errorf("autofilter %q", got)
		}
		if panes, _ := f.GetPanes(SheetDetail); !panes.Freeze || panes.XSplit != 0 || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
			t.Errorf("panes %+v", panes)
		}
	})

	t.Run("Per misura", func(t *testing.T) {
		r := rows(t, f, SheetMeasures)
		last := len(res.Measures) + 2
		if r[last-1][0] != "TOTALE" {
			t.Fatalf("row %d %q", last, r[last-1])
		}
		ref := fmt.Sprintf("C%d", last)
		formulaAt(t, f, SheetMeasures, ref, fmt.Sprintf("SUM(C2:C%d)", last-1))
		if n, _ := cellNumber(t, f, SheetMeasures, ref); n != 3 {
			t.Errorf("%s = %v funded candidature, want 3", ref, n)
		}
		moneyAt(t, f, SheetMeasures, fmt.Sprintf("D%d", last), centsFunded)
		moneyAt(t, f, SheetMeasures, fmt.Sprintf("E%d", last), centsOlgiate)
		moneyAt(t, f, SheetMeasures, fmt.Sprintf("G%d", last), 500000)
		if !strings.Contains(dump[""], "xl/charts/chart1.xml") {
			t.Errorf("no chart:\n%s", dump[""])
		}
	})

	t.Run("Anomalie", func(t *testing.T) {
		r := rows(t, f, SheetAnomalies)
		if !reflect.DeepEqual(r[0], AnomaliesHeader) || len(r) != 2 {
			t.Fatalf("%d rows, header %q", len(r), r[0])
		}
		if got := r[1]; got[0] != "b.csv" || got[2] != "9" || got[3] != "importo" || got[7] != "segnalazione" || got[8] != "F" {
			t.Errorf("row 2 %q", got)
		}
		if got := dumpLine(dump[SheetAnomalies], "autofilter"); got != "$A$1:$K$2" {
			t.Errorf("autofilter %q", got)
		}
	})

	t.Run("Fonti", func(t *testing.T) {
		r := rows(t, f, SheetSources)
		if r[1][0] != "a.csv" || r[2][0] != "b.csv" || r[3][0] != "TOTALE" {
			t.Fatalf("rows %q", r[:4])
		}
		formulaAt(t, f, SheetSources, "D4", "SUM(D2:D3)")
		if n, _ := cellNumber(t, f, SheetSources, "D4"); n != 5 {
			t.Errorf("D4 = %v rows read, want 5", n)
		}
		moneyAt(t, f, SheetSources, "J4", centsFunded+centsOlgiate+500000)
		if !strings.Contains(r[5][0], "RISPETTATA") {
			t.Errorf("conservation line %q", r[5])
		}
		if panes, _ := f.GetPanes(SheetSources); panes.XSplit != 1 || panes.YSplit != 1 || panes.TopLeftCell != "B2" {
			t.Errorf("panes %+v", panes)
		}
		if got := dumpLine(dump[SheetSources], "autofilter"); got != "" {
			t.Errorf("autofilter %q on Fonti", got)
		}
	})
}

func TestCSTWithChanges(t *testing.T) {
	res := fixture(t)
	p := filepath.Join(t.TempDir(), "CST.xlsx")
	nov := &ChangeList{Base: &Baseline{ID: 1, Generated: time.Date(2026, 10, 15, 10, 0, 0, 0, time.UTC), Month: "2026-10"}, Items: []ChangeRow{
		{Kind: LabelNew, ISTAT: "090064", Comune: "Sassari", Measure: "1.4.5", CUP: "B81F22002220006",
			After: ChangeState{Status: funding.StatusAssigned, Amount: centsSassari}, Source: "b.csv:3"},
	}}
	if err := WriteCST(p, &Report{Result: res, Changes: nov, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	f := open(t, p)
	if got, want := f.GetSheetList(), []string{SheetSummary, SheetChanges, SheetDetail, SheetMeasures, SheetAnomalies, SheetSources}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	r := rows(t, f, SheetChanges)
	if !reflect.DeepEqual(r[0], ChangesHeader) || r[1][0] != LabelNew || r[1][1] != "090064" {
		t.Fatalf("rows %q", r[:2])
	}
	if got := dumpLine(dumpSheets(t, p)[SheetChanges], "autofilter"); got != "$A$1:$M$2" {
		t.Errorf("autofilter %q", got)
	}
}

// TestSplitOverSheets writes Dettaglio and Anomalie with a limit of two
// rows per sheet: the parts follow each other, each with its header,
// filter and print setup, and together hold the rows of the unsplit sheet.
func TestSplitOverSheets(t *testing.T) {
	var anomalies []funding.Anomaly
	for i := range 5 {
		anomalies = append(anomalies, funding.Anomaly{Pos: funding.Pos{File: "a.csv", Row: 10 + i}, Field: "cup", Value: fmt.Sprint(i), Reason: "CUP non valido"})
	}
	res := fixture(t)
	res.Anomalies = anomalies
	r := &Report{Result: res, Meta: testMeta}
	whole := open(t, render(t, excelizeRenderer{}, cstBook(r, maxDataRows)))
	p := render(t, excelizeRenderer{}, cstBook(r, 2))
	split := open(t, p)
	dump := dumpSheets(t, p)
	want := []string{SheetSummary, "Dettaglio", "Dettaglio 2", SheetMeasures, "Anomalie", "Anomalie 2", "Anomalie 3", SheetSources}
	if got := split.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	for _, tc := range []struct {
		base   string
		parts  []string
		header []string
		last   string
	}{
		{SheetDetail, []string{"Dettaglio", "Dettaglio 2"}, DetailHeader, "N"},
		{SheetAnomalies, []string{"Anomalie", "Anomalie 2", "Anomalie 3"}, AnomaliesHeader, "K"},
	} {
		all := rows(t, whole, tc.base)
		var joined [][]string
		for i, name := range tc.parts {
			r := rows(t, split, name)
			if !reflect.DeepEqual(r[0], tc.header) {
				t.Errorf("%s: header %q", name, r[0])
			}
			n := len(r) - 1
			if n > 2 || (i < len(tc.parts)-1 && n != 2) {
				t.Errorf("%s: %d rows", name, n)
			}
			joined = append(joined, r[1:]...)
			if got, want := dumpLine(dump[name], "autofilter"), fmt.Sprintf("$A$1:$%s$%d", tc.last, n+1); got != want {
				t.Errorf("%s: autofilter %q, want %q", name, got, want)
			}
			if got := dumpLine(dump[name], "pagelayout"); got != dumpLine(dump[tc.base], "pagelayout") || !strings.Contains(got, "landscape") {
				t.Errorf("%s: page layout %s", name, got)
			}
			if panes, _ := split.GetPanes(name); !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("%s: panes %+v", name, panes)
			}
		}
		if !reflect.DeepEqual(joined, all[1:]) {
			t.Errorf("%s: split rows %q\nwant %q", tc.base, joined, all[1:])
		}
	}
	if rows := rows(t, whole, SheetAnomalies); len(rows) != 6 {
		t.Errorf("unsplit Anomalie has %d rows", len(rows))
	}
}

// sameStorage forgets how a cell is stored where the two excelize paths
// differ without a difference for the user: a string is inline (t=5) in a
// stream and shared (t=7) in normal mode; a formula's cached value is
// untyped (t=0) in a stream and marked as text (t=4, t="str") in normal
// mode, which spreadsheet programs recalculate on opening anyway.
var (
	reFormulaType = regexp.MustCompile(` t=[04] (v="[^"]*" f="[^"])`)
	sameText      = strings.NewReplacer(" t=5 ", " t=text ", " t=7 ", " t=text ")
)

func sameStorage(dump string) string {
	return sameText.Replace(reFormulaType.ReplaceAllString(dump, " t=formula $1"))
}

// TestRenderModesAgree renders the same descriptions through the stream
// writer and through excelize's normal API: the sheet dumps must be equal.
// It is the check a second renderer (issue 11) will have to pass.
func TestRenderModesAgree(t *testing.T) {
	res := fixture(t)
	nov := &ChangeList{Base: &Baseline{ID: 1, Month: "2026-10"}, Items: []ChangeRow{{Kind: LabelStatusChange, ISTAT: "097058", Comune: "Olgiate Molgora", Measure: "1.4.5",
		Before: &ChangeState{Status: funding.StatusAssigned, StatusDate: 20230103, Amount: centsOlgiate},
		After:  ChangeState{Status: funding.StatusErogata, StatusDate: 20250813, Amount: centsOlgiate}, ComuneID: res.Comuni[1].Comune.ID}}}
	r := &Report{Result: res, Changes: nov, Meta: testMeta}
	byComune := map[int32][]*funding.Candidatura{}
	for _, c := range res.Candidature {
		byComune[c.Comune.ID] = append(byComune[c.Comune.ID], c)
	}
	books := map[string]*book{"CST": cstBook(r, 2)}
	for _, c := range res.Comuni {
		books[c.Comune.Name] = councilBook(c, byComune[c.Comune.ID], res, testMeta, nov, nov.Items)
	}
	for name, b := range books {
		stream := dumpSheets(t, render(t, excelizeRenderer{}, b))
		normal := dumpSheets(t, render(t, excelizeRenderer{normal: true}, b))
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range stream {
				if !yield(k) {
					return
				}
			}
		})
		if len(keys) < 2 {
			t.Fatalf("%s: no sheets in the dump", name)
		}
		for _, k := range keys {
			stream[k], normal[k] = sameStorage(stream[k]), sameStorage(normal[k])
			if stream[k] != normal[k] {
				t.Errorf("%s, sheet %q: stream and normal renderings differ:\n%s", name, k, lineDiff(stream[k], normal[k]))
			}
		}
	}
}

// lineDiff lists the lines of a and b that differ, side by side.
func lineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			fmt.Fprintf(&out, "- %s\n+ %s\n", x, y)
		}
	}
	return out.String()
}
