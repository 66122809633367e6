package exporter

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/gocarina/gocsv"

	"consolida/funding"
)

func TestNeutralize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Lecco", "Lecco"},
		{"=1+1", "'=1+1"},
		{"+39 0341", "'+39 0341"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{" =1", " =1"},
	} {
		if got := Neutralize(tc.in); got != tc.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestWriteCSV(t *testing.T) {
	recs := []funding.Record{
		rec(0, 2, "097058", "Olgiate Molgora", "LC", "D81F22003430006", avPND, funding.StatusErogata, 20250813, centsOlgiate),
		rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, centsLecco),
		rec(0, 4, "097042", "Lecco", "LC", "E41F22001110006", avIO, funding.StatusRenounced, 20231005, 5),
		rec(1, 3, "090064", "Sassari", "SS", "B81F22002220006", avPND, funding.StatusAssigned, 0, centsSassari),
	}
	// what a hostile file could put in free-text fields
	recs[0].Decreto = `=HYPERLINK("http://x","y")`
	recs[1].IPA = "+c_e507"
	recs[2].Decreto = "@SUM(1)"
	recs[3].Decreto = "\tDecreto"
	recs[3].IPA = "\r"
	recs[3].Pos.File = "-b.csv"
	res := consolidated(t, recs, nil)
	p := filepath.Join(t.TempDir(), "dettaglio_2026-11.csv")
	if err := WriteCSV(p, &Report{Result: res, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	got := readCSV(t, p)
	if !reflect.DeepEqual(got[0], CSVHeader) {
		t.Fatalf("header %q", got[0])
	}
	if len(got) != 5 {
		t.Fatalf("%d lines, want header + 4", len(got))
	}
	col := map[string]int{}
	for i, h := range CSVHeader {
		col[h] = i
	}
	byCUP := map[string][]string{}
	for _, r := range got[1:] {
		if len(r) != len(CSVHeader) {
			t.Fatalf("line %q has %d fields", r, len(r))
		}
		byCUP[r[col["cup"]]] = r
	}
	for _, tc := range []struct {
		cup, field, want string
	}{
		{"D81F22003430006", "importo", "32589.00"},
		{"E41F22001100006", "importo", "10000.50"},
		{"E41F22001110006", "importo", "0.05"},
		{"B81F22002220006", "importo", "50123.45"},
		{"D81F22003430006", "decreto", `'=HYPERLINK("http://x","y")`},
		{"E41F22001100006", "codice_ipa", "'+c_e507"},
		{"E41F22001110006", "decreto", "'@SUM(1)"},
		{"B81F22002220006", "decreto", " Decreto"}, // control characters go (cleanCSVText)
		{"B81F22002220006", "codice_ipa", " "},
		{"B81F22002220006", "fonte", "'-b.csv:3"},
		{"D81F22003430006", "stato", "E"},
		{"D81F22003430006", "data_stato", "2025-08-13"},
		{"B81F22002220006", "data_stato", ""},
		{"D81F22003430006", "data_finanziamento", "2022-08-01"},
		{"D81F22003430006", "cod_istat", "097058"},
		{"D81F22003430006", "misura", "1.4.5"},
	} {
		r, ok := byCUP[tc.cup]
		if !ok {
			t.Fatalf("no line for CUP %s", tc.cup)
		}
		if v := r[col[tc.field]]; v != tc.want {
			t.Errorf("CUP %s %s = %q, want %q", tc.cup, tc.field, v, tc.want)
		}
	}
}

func TestWriteCSVNoRows(t *testing.T) {
	res := consolidated(t, nil, nil)
	p := filepath.Join(t.TempDir(), "dettaglio.csv")
	if err := WriteCSV(p, &Report{Result: res, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := "cod_istat,comune,provincia,codice_ipa,misura,misura_label,avviso,cup,decreto,data_finanziamento,stato,data_stato,importo,fonte\n"
	if string(b) != want {
		t.Errorf("file %q, want the header alone", b)
	}
}

func TestCleanCSVText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Lecco", "Lecco"},
		{"Città di Lecco", "Città di Lecco"},
		{"=1+1", "'=1+1"},
		{"a\x00b\x1bc\x7fd", "abcd"},
		{"riga\nnuova\tcolonna\rfine", "riga nuova colonna fine"},
		{"\x01=HYPERLINK(1)", "'=HYPERLINK(1)"},
		{"\x01\x02", ""},
		{"\tx", " x"},
		{"c1\u0085\u0080\u009f fine", "c1  fine"},
		{"nbsp\u00a0© resta", "nbsp\u00a0© resta"},
		{"non utf8 \xff\x01 resta", "non utf8 \uFFFD resta"},
		{"non utf8 \xff resta", "non utf8 \xff resta"},
		{"\xc2\x0e\x8b", "\uFFFD\uFFFD"},
		{"\u2028 non è un controllo", "\u2028 non è un controllo"},
	} {
		if got := cleanCSVText(tc.in); got != tc.want {
			t.Errorf("cleanCSVText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWriteCSVSameAsGocsv: the CSV written line by line is, byte for
// byte, what gocsv marshals from DetailRows, also for text that needs
// quoting or cleaning.
func TestWriteCSVSameAsGocsv(t *testing.T) {
	texts := []string{"semplice", `virgolette "dentro"`, "virgola, dentro", " spazio davanti", "\u00a0nbsp davanti", `\.`,
		"riga\nnuova", "\x1b[31mrosso", "=1+1", "-5", "\r", "\xff\xfe", "ok\u0085", "\u2003em", ""}
	var recs []funding.Record
	for i, s := range texts {
		r := rec(int32(i%2), 10+i, "097042", "Lecco", "LC", fmt.Sprintf("E41F2200110%04d", i), avPago, funding.StatusAssigned, 20230215, funding.Amount(i*100037+i%3))
		r.Decreto, r.IPA = s, s
		r.Pos.File, r.Pos.Sheet = s+".xlsx", s
		if i%3 == 0 {
			r.Pos.File, r.Pos.Sheet = s, ""
		}
		if i%4 == 0 {
			r.StatusDate, r.FundingDate = 0, 0
		}
		recs = append(recs, r)
	}
	res := consolidated(t, recs, nil)
	var want bytes.Buffer
	if err := gocsv.Marshal(DetailRows(res), &want); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "dettaglio.csv")
	if err := WriteCSV(p, &Report{Result: res, Meta: testMeta}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("WriteCSV and gocsv differ:\n%s", lineDiff(string(got), want.String()))
	}
	if strings.IndexFunc(string(got), func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		t.Error("a control character is left in the CSV")
	}
}

// FuzzCSVField: a field is written as encoding/csv writes it, and the
// cleaned text holds no control character.
func FuzzCSVField(f *testing.F) {
	for _, s := range []string{"", "a", `"`, "a,b", " x", "\u00a0x", `\.`, "\r\n", "\x00", "\xc2\x85", "=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		w.Write([]string{s, s})
		w.Flush()
		got := appendCSVField(appendCSVField(nil, s, ','), []byte(s), '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%q: %q, want %q", s, got, want.Bytes())
		}
		c := cleanCSVText(s)
		if strings.IndexFunc(c, unicode.IsControl) >= 0 {
			t.Fatalf("cleanCSVText(%q) = %q keeps a control character", s, c)
		}
		if strings.ContainsAny(c[:min(len(c), 1)], "=+-@") {
			t.Fatalf("cleanCSVText(%q) = %q starts a formula", s, c)
		}
	})
}

// TestAppendDotISO: the numbers and dates written into the CSV are those
// of Amount.Dot and Date.ISO.
func TestAppendDotISO(t *testing.T) {
	for _, a := range []funding.Amount{0, 1, 9, 10, 99, 100, 101, -1, -99, -100, -12345, 12199900, funding.MaxSum, -funding.MaxSum, math.MinInt64} {
		if got, want := string(appendDot(nil, a)), a.Dot()+","; got != want {
			t.Errorf("appendDot(%d) = %q, want %q", a, got, want)
		}
	}
	for _, d := range []funding.Date{0, 19000101, 20220923, 21991231, 99991231, 10101} {
		if got, want := string(appendISO(nil, d)), d.ISO()+","; got != want {
			t.Errorf("appendISO(%d) = %q, want %q", d, got, want)
		}
	}
}
