package exporter

import (
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func changeRows(t *testing.T, nov *ChangeList) [][]string {
	t.Helper()
	meta := Meta{Month: "2026-03", Generated: time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)}
	p := filepath.Join(t.TempDir(), "n.xlsx")
	b := &book{sheets: []*sheet{changesSheet(nov, meta)}}
	if err := WriteFileAtomic(p, func(w io.Writer) error { return excelizeRenderer{}.render(w, b) }); err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	rows, err := g.GetRows(SheetChanges)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestChangesSheet(t *testing.T) {
	nov := &ChangeList{Since: "n. 2 del 15/02/2026 10:00, febbraio 2026", Items: []ChangeRow{
		{Kind: LabelNew, ISTAT: "097058", Comune: "Olgiate Molgora", Measure: "1.4.5 Notifiche digitali", CUP: "H41F22002740006",
			After: "A - assegnata dal 24/02/2025, 32.589,00 €", Source: "candidature_finanziate_145.csv:12"},
		{Kind: LabelStatusChange, ISTAT: "112050", Comune: "Sassari", Measure: "1.4.5 Notifiche digitali", CUP: "E81F22001230006",
			Before: "A - assegnata", After: "E - erogata dal 03/06/2025", Source: "candidature_finanziate_145.csv:40"},
	}}
	rows := changeRows(t, nov)
	if !reflect.DeepEqual(rows[0], ChangesHeader) {
		t.Fatalf("header %q", rows[0])
	}
	if want := []string{"Tipo", "Codice ISTAT", "Comune", "Misura", "CUP", "Prima", "Dopo", "Fonte"}; !reflect.DeepEqual(ChangesHeader, want) {
		t.Fatalf("NovitaHeader %q", ChangesHeader)
	}
	if got := rows[2]; got[0] != LabelStatusChange || got[1] != "112050" || got[5] != "A - assegnata" || got[7] != "candidature_finanziate_145.csv:40" {
		t.Fatalf("row 3 %q", got)
	}
	if len(rows[1]) < 8 || rows[1][5] != "" || rows[1][6] == "" {
		t.Fatalf("row 2 %q", rows[1])
	}
	last := rows[len(rows)-1]
	if len(last) == 0 || !strings.Contains(last[0], nov.Since) {
		t.Fatalf("note %q does not name the baseline", last)
	}
}

func TestChangesSheetFirstAndEmpty(t *testing.T) {
	rows := changeRows(t, &ChangeList{})
	if !reflect.DeepEqual(rows[0], ChangesHeader) {
		t.Fatalf("header %q", rows[0])
	}
	text := ""
	for _, r := range rows[1:] {
		text += strings.Join(r, " ") + "\n"
	}
	if !strings.Contains(text, "Nessuna novità") || !strings.Contains(text, "Primo prospetto") {
		t.Fatalf("notes %q", text)
	}
}
