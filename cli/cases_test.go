package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"consolida/exporter"
	"consolida/funding"
	"consolida/internal/testkit"
)

// expected mirrors testdata/genera's atteso.json (whose keys are Italian:
// the corpus is written for the offices too).
type expected struct {
	Description string                       `json:"Descrizione"`
	Args        []string                     `json:"Args"`
	Exit        int                          `json:"Exit"`
	Totals      map[string]map[string]string `json:"Totali"`
	Dates       map[string]string            `json:"Date"`
	Rows        *struct {
		Read         int `json:"Lette"`
		Consolidated int `json:"Consolidate"`
		Duplicates   int `json:"Duplicati"`
		AltriEnti    int `json:"AltriEnti"`
		Rejected     int `json:"Scartate"`
	} `json:"Righe"`
	Anomalies []struct {
		File     string `json:"File"`
		Sheet    string `json:"Foglio"`
		Field    string `json:"Campo"`
		Reason   string `json:"Motivo"`
		Row      int    `json:"Riga"`
		Rejected bool   `json:"Scartata"`
	} `json:"Anomalie"`
	Check []string `json:"Check"`
}

// TestCases runs consolida on every case of the trap corpus
// (testdata/cases, written by testdata/genera) and compares the euros per
// comune and measure, dates, conservation counts and anomalies with the
// case's atteso.json.
func TestCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/cases/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		dir := dir
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var exp expected
			b, err := os.ReadFile(filepath.Join(dir, "atteso.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &exp); err != nil {
				t.Fatal(err)
			}
			for _, a := range exp.Args {
				if strings.HasPrefix(a, "../shared/") {
					if _, err := os.Stat(a); err != nil {
						t.Skipf("%s assente: caso saltato", a)
					}
				}
			}
			out := t.TempDir()
			args := append([]string{"run", dir, "--out", out, "--mese", "2026-11", "--consiglio=false", "-q"}, exp.Args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != exp.Exit {
				t.Fatalf("exit %d, want %d\n%s%s", code, exp.Exit, stdout, stderr)
			}
			checkCaseTotals(t, out, exp)
			checkCaseAnomalies(t, out, exp)
			if len(exp.Check) > 0 {
				_, text, _ := runCLI(t, append([]string{"check", dir}, exp.Args...)...)
				for _, want := range exp.Check {
					if !strings.Contains(text, want) {
						t.Errorf("check does not print %q:\n%s", want, text)
					}
				}
			}
		})
	}
}

func checkCaseTotals(t *testing.T, out string, exp expected) {
	t.Helper()
	got := map[string]map[string]funding.Amount{}
	dates := map[string]string{}
	for _, r := range testkit.ReadCSV(t, filepath.Join(out, "dettaglio_2026-11.csv"))[1:] {
		dates[r[7]] = r[9]
		if r[10] != "A" && r[10] != "E" {
			continue
		}
		a, err := funding.ParseNumber(r[12])
		if err != nil {
			t.Fatal(err)
		}
		if got[r[0]] == nil {
			got[r[0]] = map[string]funding.Amount{}
		}
		got[r[0]][r[4]] += a
	}
	for istat, ms := range exp.Totals {
		for m, euro := range ms {
			want, err := funding.ParseNumber(euro)
			if err != nil {
				t.Fatal(err)
			}
			if got[istat][m] != want {
				t.Errorf("%s %s = %s, want %s", istat, m, got[istat][m], want)
			}
			delete(got[istat], m)
		}
	}
	for istat, ms := range got {
		for m, a := range ms {
			if a != 0 {
				t.Errorf("unexpected money: %s %s = %s", istat, m, a)
			}
		}
	}
	for cup, want := range exp.Dates {
		if d, ok := dates[cup]; !ok || d != want {
			t.Errorf("CUP %s: data_finanziamento %q, want %q", cup, d, want)
		}
	}
	if exp.Rows != nil {
		sources := testkit.SheetRows(t, filepath.Join(out, "CST_2026-11.xlsx"), exporter.SheetSources)
		var tot []string
		for _, r := range sources {
			if len(r) > 8 && r[0] == "TOTALE" {
				tot = r
			}
		}
		if tot == nil {
			t.Fatal("no TOTALE row in Fonti")
		}
		n := func(s string) int { v, _ := strconv.Atoi(s); return v }
		w := exp.Rows
		if n(tot[3]) != w.Read || n(tot[4]) != w.Consolidated || n(tot[5]) != w.Duplicates || n(tot[6]) != w.AltriEnti || n(tot[8]) != w.Rejected {
			t.Errorf("Fonti lette/consolidate/duplicati/altri/scartate = %v, want %+v", tot[3:9], *w)
		}
	}
}

func checkCaseAnomalies(t *testing.T, out string, exp expected) {
	t.Helper()
	rows := testkit.SheetRows(t, filepath.Join(out, "CST_2026-11.xlsx"), exporter.SheetAnomalies)[1:]
	rejected := 0
	for _, r := range rows {
		if len(r) > 7 && r[7] == "riga scartata" {
			rejected++
		}
	}
	wantRejected := 0
	for _, a := range exp.Anomalies {
		if a.Rejected {
			wantRejected++
		}
		found := false
		for _, r := range rows {
			if len(r) < 8 {
				continue
			}
			if (a.File == "" || r[0] == a.File) && r[1] == a.Sheet || a.File == "" && a.Sheet == "" {
				if r[2] == strconv.Itoa(a.Row) && r[3] == a.Field && strings.Contains(r[5], a.Reason) && (r[7] == "riga scartata") == a.Rejected {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("anomaly not found: %+v\nAnomalie: %v", a, rows)
		}
	}
	if rejected != wantRejected {
		t.Errorf("%d rejected rows, want %d: %v", rejected, wantRejected, rows)
	}
}
