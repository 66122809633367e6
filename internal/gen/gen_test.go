package gen

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestSameSeedSameBytes(t *testing.T) {
	var a, b, c bytes.Buffer
	if err := WriteCSV(&a, Options{Rows: 300}); err != nil {
		t.Fatal(err)
	}
	WriteCSV(&b, Options{Rows: 300})
	WriteCSV(&c, Options{Rows: 300, Seed: 7})
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed, different bytes")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("another seed gave the same bytes")
	}
}

// TestCSVShape checks the layout, the unique CUPs of fresh rows and the R
// twins that share a CUP with a later-status row.
func TestCSVShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Options{Rows: 5000}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5001 || len(recs[0]) != len(Header) {
		t.Fatalf("%d lines of %d fields", len(recs), len(recs[0]))
	}
	byCUP := map[string][]string{}
	bodies := map[string]int{}
	for _, r := range recs[1:] {
		byCUP[r[13]] = append(byCUP[r[13]], r[17])
		bodies[r[2]]++
		if _, err := strconv.ParseFloat(r[9], 64); err != nil {
			t.Fatalf("amount %q", r[9])
		}
	}
	twins := 0
	for cup, st := range byCUP {
		switch len(st) {
		case 1:
		case 2:
			twins++
			if st[0] != "R" && st[1] != "R" {
				t.Errorf("CUP %s twice without an R: %v", cup, st)
			}
		default:
			t.Errorf("CUP %s %d times", cup, len(st))
		}
	}
	if twins < 50 || twins > 150 {
		t.Errorf("%d twins in 5000 rows, want about 2%%", twins)
	}
	if bodies["Comuni"] < 3500 || bodies["Scuole"] == 0 || bodies["ASL"] == 0 || bodies["Altri Enti"] == 0 {
		t.Errorf("bodies %v", bodies)
	}
}

// TestXLSXSameRowsAsCSV reads the workbook back with excelize: the same
// text, amounts as numbers, dates as serials.
func TestXLSXSameRowsAsCSV(t *testing.T) {
	var c, x bytes.Buffer
	opt := Options{Rows: 400}
	if err := WriteCSV(&c, opt); err != nil {
		t.Fatal(err)
	}
	if err := WriteXLSX(&x, opt); err != nil {
		t.Fatal(err)
	}
	want, _ := csv.NewReader(&c).ReadAll()
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.GetRows("candidature", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	for i := range want {
		for j := range want[i] {
			w, g := want[i][j], ""
			if j < len(got[i]) {
				g = got[i][j]
			}
			if i > 0 && (j == colFunded || j == colStateDate) {
				n, _ := strconv.Atoi(g)
				g = epoch.AddDate(0, 0, n).Format("2006-01-02")
			}
			if i > 0 && j == colAmount {
				wf, _ := strconv.ParseFloat(w, 64)
				gf, _ := strconv.ParseFloat(g, 64)
				if wf != gf {
					t.Fatalf("row %d amount %q vs %q", i+1, g, w)
				}
				continue
			}
			if g != w {
				t.Fatalf("row %d col %d: %q, want %q", i+1, j+1, g, w)
			}
		}
	}
}
