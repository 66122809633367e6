package exporter_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"consolida/exporter"
	"consolida/internal/testkit"
	"consolida/pipeline"
)

// anomalyRows runs the real open data (with the given provinces) and
// returns the rows of its Anomalie sheet, keyed by file:riga:campo, and the
// notes under them.
func anomalyRows(t *testing.T, provinces ...string) (map[string][]string, []string) {
	t.Helper()
	out := t.TempDir()
	_, err := pipeline.Run(context.Background(), pipeline.RunOptions{
		Inputs: []string{testkit.RealData(t)},
		Scope:  pipeline.Scope{Month: "2026-11", Provinces: provinces},
		Output: pipeline.Output{Dir: out},
		Now:    time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := testkit.SheetRows(t, filepath.Join(out, "CST_2026-11.xlsx"), exporter.SheetAnomalies)
	if !slices.Equal(r[0], exporter.AnomaliesHeader) || strings.Join(r[0][:7], "|") != "File|Foglio|Riga|Campo|Valore|Motivo|Suggerimento" {
		t.Fatalf("header %q", r[0])
	}
	rows := map[string][]string{}
	var notes []string
	for _, row := range r[1:] {
		switch {
		case len(row) == 0:
		case len(row) == 1:
			notes = append(notes, row[0])
		default:
			rows[row[0]+":"+row[2]+":"+row[3]+":"+row[5]] = row
		}
	}
	return rows, notes
}

// TestLeccoAnomalies is issue 9's check on the real data: the report of
// the province of Lecco lists the anomalies of Lecco's comuni, each with
// its comune, and those tied to no comune; exactly the ones the national
// report ties to a comune of Lecco (ISTAT 097...) or to none.
func TestLeccoAnomalies(t *testing.T) {
	all, _ := anomalyRows(t)
	lecco, notes := anomalyRows(t, "LC")
	want := map[string]bool{}
	for k, row := range all {
		istat := ""
		if len(row) > 9 {
			istat = row[9]
		}
		if istat == "" || strings.HasPrefix(istat, "097") {
			want[k] = true
		}
	}
	for k, row := range lecco {
		if !want[k] {
			t.Errorf("Lecco lists an anomaly of another comune: %q", row)
		}
		if len(row) > 10 && (!strings.HasPrefix(row[9], "097") || row[10] == "") {
			t.Errorf("anomaly without its comune of Lecco: %q", row)
		}
	}
	for k := range want {
		if lecco[k] == nil {
			t.Errorf("Lecco does not list %s", k)
		}
	}
	t.Logf("Lecco: %d anomalies of %d", len(lecco), len(all))
	if len(lecco) == 0 || len(lecco) >= len(all) {
		t.Fatalf("Lecco: %d anomalies of %d", len(lecco), len(all))
	}
	other := len(all) - len(lecco)
	if len(notes) != 1 || !strings.Contains(notes[0], "Non sono elencate "+grouped(other)+" anomalie") {
		t.Errorf("notes %q, want the %d anomalies of other comuni counted", notes, other)
	}
}

// grouped is n with a dot every three digits, as the notes write counts.
func grouped(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}
