package exporter

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// changesBook renders the Novità sheet alone and opens it.
func changesBook(t *testing.T, nov *ChangeList) *excelize.File {
	t.Helper()
	meta := Meta{Month: "2026-03", Generated: time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)}
	b := &book{sheets: []*sheet{changesSheet(nov, meta, fixture(t))}}
	b.layout()
	return open(t, render(t, excelizeRenderer{}, b))
}

var october = &Baseline{ID: 7, Generated: time.Date(2026, 2, 15, 10, 0, 0, 0, time.UTC), Month: "2026-02"}

func TestChangesSheet(t *testing.T) {
	nov := &ChangeList{Base: october, Items: []ChangeRow{
		{Kind: LabelNew, ISTAT: "097058", Comune: "Olgiate Molgora", Measure: "1.4.5 Notifiche digitali", CUP: "H41F22002740006",
			After: ChangeState{Status: funding.StatusAssigned, StatusDate: 20250224, Amount: 3258900}, Source: "candidature_finanziate_145.csv:12"},
		{Kind: LabelStatusChange, ISTAT: "112050", Comune: "Sassari", Measure: "1.4.5 Notifiche digitali", CUP: "E81F22001230006",
			Before: &ChangeState{Status: funding.StatusAssigned, StatusDate: 20230301, Amount: 5012345},
			After:  ChangeState{Status: funding.StatusErogata, StatusDate: 20250603, Amount: 5012345}, Source: "candidature_finanziate_145.csv:40"},
		{Kind: LabelStatusAmountChange, ISTAT: "097042", Comune: "Lecco", Measure: "1.4.3 pagoPA", CUP: "E41F22001100006",
			Before: &ChangeState{Status: funding.StatusAssigned, Amount: 1000050},
			After:  ChangeState{Status: funding.StatusErogata, StatusDate: 20260302, Amount: 123450}, Source: "avviso_ufficio.csv:2"},
	}}
	f := changesBook(t, nov)
	r := rows(t, f, SheetChanges)
	want := []string{"Tipo", "Codice ISTAT", "Comune", "Misura", "CUP", "Stato prima", "Data stato prima", "Stato dopo", "Data stato dopo",
		"Importo prima", "Importo dopo", "Differenza", "Fonte"}
	if !reflect.DeepEqual(r[0], want) || !reflect.DeepEqual(ChangesHeader, want) {
		t.Fatalf("header %q", r[0])
	}
	if got := r[2]; got[0] != LabelStatusChange || got[1] != "112050" || got[5] != "A - assegnata" || got[7] != "E - erogata" || got[12] != "candidature_finanziate_145.csv:40" {
		t.Fatalf("row 3 %q", got)
	}
	// the statuses are dated, with dates
	for ref, want := range map[string]string{"G3": "2023-03-01", "I3": "2025-06-03", "I2": "2025-02-24", "I4": "2026-03-02"} {
		v, format := cellNumber(t, f, SheetChanges, ref)
		d, err := excelize.ExcelDateToTime(v, false)
		if err != nil || d.Format("2006-01-02") != want || format != dateFmt {
			t.Errorf("%s = %v (%v) format %q, want %s", ref, v, d, format, want)
		}
	}
	// a new candidatura has nothing before
	if r[1][5] != "" || r[1][6] != "" || r[1][9] != "" {
		t.Errorf("row 2 %q", r[1])
	}
	// amounts are numbers, and add up
	moneyAt(t, f, SheetChanges, "K2", 3258900)
	moneyAt(t, f, SheetChanges, "L2", 3258900)
	moneyAt(t, f, SheetChanges, "L3", 0)
	moneyAt(t, f, SheetChanges, "J4", 1000050)
	moneyAt(t, f, SheetChanges, "L4", 123450-1000050)
	if r[4][0] != "TOTALE" {
		t.Fatalf("row 5 %q", r[4])
	}
	for col, want := range map[string]funding.Amount{"J": 5012345 + 1000050, "K": 3258900 + 5012345 + 123450, "L": 3258900 + 123450 - 1000050} {
		moneyAt(t, f, SheetChanges, col+"5", want)
		formulaAt(t, f, SheetChanges, col+"5", fmt.Sprintf("SUM(%s2:%s4)", col, col))
	}
	// the baseline is named by its month, without the ledger's numbers
	note := r[len(r)-1][0]
	if !strings.Contains(note, "rispetto al prospetto di febbraio 2026 (generato il 15/02/2026)") || strings.Contains(note, "n. 7") {
		t.Errorf("note %q", note)
	}
	hf, err := f.GetHeaderFooter(SheetChanges)
	if err != nil || !strings.Contains(hf.OddHeader, "novità rispetto al prospetto di febbraio 2026") || strings.Contains(hf.OddHeader, "n. 7") {
		t.Errorf("header %q (%v)", hf.OddHeader, err)
	}
}

func TestChangesSheetFirstAndEmpty(t *testing.T) {
	for _, nov := range []*ChangeList{{}, {Base: october}} {
		r := rows(t, changesBook(t, nov), SheetChanges)
		if !reflect.DeepEqual(r[0], ChangesHeader) {
			t.Fatalf("header %q", r[0])
		}
		text := ""
		for _, row := range r[1:] {
			text += strings.Join(row, " ") + "\n"
		}
		if !strings.Contains(text, "Nessuna novità") || strings.Contains(text, "TOTALE") {
			t.Fatalf("notes %q", text)
		}
		if first := strings.Contains(text, "Primo prospetto"); first != (nov.Base == nil) {
			t.Errorf("base %v, notes %q", nov.Base, text)
		}
	}
}

// TestNewChangeList: one row per candidatura; a status change and an
// amount change of the same candidatura make one row with both.
func TestNewChangeList(t *testing.T) {
	res := fixture(t)
	a, b, c := res.Candidature[0], res.Candidature[1], res.Candidature[2]
	before := funding.Item{Status: funding.StatusAssigned, StatusDate: 20230103, Amount: 100}
	nov := NewChangeList(october, []funding.Change{
		{Kind: funding.ChangeStatus, Cand: a, Before: before},
		{Kind: funding.ChangeAmount, Cand: a, Before: before},
		{Kind: funding.ChangeAmount, Cand: b, Before: before},
		{Kind: funding.ChangeNew, Cand: c},
	})
	var kinds []string
	for _, it := range nov.Items {
		kinds = append(kinds, it.Kind)
	}
	if want := []string{LabelStatusAmountChange, LabelAmountChange, LabelNew}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("kinds %q, want %q", kinds, want)
	}
	if it := nov.Items[0]; it.Before == nil || *it.Before != (ChangeState{funding.StatusAssigned, 20230103, 100}) ||
		it.After.Amount != a.Winner.Amount || it.After.StatusDate != a.Winner.StatusDate {
		t.Errorf("item %+v", it)
	}
	if nov.Items[2].Before != nil {
		t.Errorf("a new candidatura with a before: %+v", nov.Items[2].Before)
	}
	if nov.Base != october {
		t.Errorf("base %+v", nov.Base)
	}
}
