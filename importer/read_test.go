package importer

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"consolida/funding"
)

// End to end: the same data as .csv, .xlsx, .xls and .ods give the same
// records, anomalies and cents.

type readResult struct {
	records   []funding.Record
	anomalies []funding.Anomaly
	notes     []string
	cents     funding.Amount
	sheetOf   []string
}

// readAll reads a fixture with ReadFile and drops what tells the formats
// apart (file name, sheet name of a CSV).
func readAll(t *testing.T, name string, onlySheet string) readResult {
	t.Helper()
	res, err := ReadFile(filepath.Join("testdata", name), name, 0, testOptions(t))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out readResult
	for _, r := range res.Records {
		if onlySheet != "" && r.Pos.Sheet != onlySheet {
			continue
		}
		out.sheetOf = append(out.sheetOf, r.Pos.Sheet)
		r.Pos.File, r.Pos.Sheet = "", ""
		out.records = append(out.records, r)
		out.cents += r.Amount
	}
	for _, a := range res.Anomalies {
		if onlySheet != "" && a.Pos.Sheet != onlySheet {
			continue
		}
		a.Pos.File, a.Pos.Sheet = "", ""
		out.anomalies = append(out.anomalies, a)
	}
	for _, n := range res.Source.Notes {
		n = strings.ReplaceAll(n, name, "FILE")
		if onlySheet != "" {
			if !strings.Contains(n, fmt.Sprintf("foglio %q", onlySheet)) && strings.Contains(n, "foglio") {
				continue
			}
			n = strings.ReplaceAll(n, fmt.Sprintf(", foglio %q", onlySheet), "")
		}
		out.notes = append(out.notes, n)
	}
	return out
}

func TestReadFileSameAcrossFormats(t *testing.T) {
	csv := readAll(t, "prospetto.csv", "")
	if len(csv.records) != 8 || csv.cents != 47256794 {
		t.Fatalf("prospetto.csv: %d records, %d cents; want 8 and 47256794", len(csv.records), csv.cents)
	}
	if len(csv.anomalies) != 0 || len(csv.notes) != 2 {
		t.Fatalf("prospetto.csv: anomalies %v, notes %q", csv.anomalies, csv.notes)
	}
	full := map[string]readResult{}
	for _, name := range []string{"prospetto.xlsx", "prospetto.xls", "prospetto.ods"} {
		got := readAll(t, name, "Finanziamenti")
		if !reflect.DeepEqual(got.records, csv.records) {
			for i := range min(len(got.records), len(csv.records)) {
				if !reflect.DeepEqual(got.records[i], csv.records[i]) {
					t.Errorf("%s: record %d\n got %+v\nwant %+v", name, i, got.records[i], csv.records[i])
				}
			}
			t.Errorf("%s: %d records, csv %d", name, len(got.records), len(csv.records))
		}
		if !reflect.DeepEqual(got.anomalies, csv.anomalies) || !reflect.DeepEqual(got.notes, csv.notes) {
			t.Errorf("%s: anomalies %v notes %q; csv %v %q", name, got.anomalies, got.notes, csv.anomalies, csv.notes)
		}
		if got.cents != csv.cents {
			t.Errorf("%s: %d cents, csv %d", name, got.cents, csv.cents)
		}
		full[name] = readAll(t, name, "")
	}
	// the other sheets, the hidden one included, agree across formats
	want := full["prospetto.xlsx"]
	if len(want.records) != 11 || want.cents != 56872988 {
		t.Fatalf("prospetto.xlsx: %d records, %d cents; want 11 and 56872988", len(want.records), want.cents)
	}
	for _, name := range []string{"prospetto.xls", "prospetto.ods"} {
		got := full[name]
		if !reflect.DeepEqual(got.records, want.records) || !reflect.DeepEqual(got.sheetOf, want.sheetOf) {
			t.Errorf("%s: records differ from the .xlsx", name)
		}
		if !reflect.DeepEqual(got.notes, want.notes) {
			t.Errorf("%s: notes %q, xlsx %q", name, got.notes, want.notes)
		}
		if !slicesContain(got.notes, `foglio nascosto "Nascosto" letto`) {
			t.Errorf("%s: no note of the hidden sheet in %q", name, got.notes)
		}
	}
	// the 1904 date system
	for _, name := range []string{"data1904.xlsx", "data1904.xls", "data1904.ods"} {
		got := readAll(t, name, "")
		if len(got.records) != 1 || got.records[0].FundingDate.String() != "23/09/2022" || got.cents != 1400000 {
			t.Errorf("%s: %+v", name, got.records)
		}
	}
}

func slicesContain(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
