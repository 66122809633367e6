package importer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"consolida/funding"
	"consolida/importer/grid"
	"consolida/templates"
)

func testOptions(t testing.TB) *Options {
	t.Helper()
	cat, err := funding.LoadCatalog(templates.Measures, templates.MeasureRules)
	if err != nil {
		t.Fatal(err)
	}
	return &Options{Catalog: cat, Synonyms: DefaultSynonyms()}
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSplitRecord(t *testing.T) {
	for _, tc := range []struct {
		in      string
		lenient bool
		want    []string
	}{
		{`a,b,c`, false, []string{"a", "b", "c"}},
		{`"a,1",b`, false, []string{"a,1", "b"}},
		{`"say ""hi""",x`, false, []string{`say "hi"`, "x"}},
		{`a,,`, false, []string{"a", "", ""}},
		{``, false, []string{""}},
		{`"unclosed,x`, false, []string{"unclosed,x"}},
		{`"ab"c,d`, false, []string{`ab"c,d`}}, // a quote not before a delimiter is text
		// the unescaped quotes of the real altri enti file
		{`"x","ISTITUTO "GAETANO BRAGA"","Altri Enti"`, true, []string{"x", `ISTITUTO "GAETANO BRAGA"`, "Altri Enti"}},
		{`"x","ISTITUTO "GAETANO BRAGA"","Altri Enti"`, false, []string{"x", `ISTITUTO "GAETANO BRAGA","Altri Enti`}},
	} {
		got := splitRecord(tc.in, ',', tc.lenient, nil)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("splitRecord(%q, %v) = %q, want %q", tc.in, tc.lenient, got, tc.want)
		}
	}
}

func TestRecordScannerJoinsQuotedLineBreaks(t *testing.T) {
	recs := readRecords(strings.NewReader("a;\"due\r\nrighe\";c\r\nd;e;f\r\n"), ';', 0)
	if len(recs) != 2 || recs[0][1] != "due\nrighe" || recs[1][2] != "f" {
		t.Errorf("got %q", recs)
	}
}

func TestEncodingAndDelimiter(t *testing.T) {
	dir := t.TempDir()
	text := "Comune;Cod. ISTAT;Avviso;Importo\nSanta Maria Hoè;97074;1.4.4 Adozione SPID CIE - Comuni - Aprile 2022;14.000,00\n"
	cp, _ := charmap.Windows1252.NewEncoder().String(text)
	for _, tc := range []struct {
		name, enc string
		data      []byte
	}{
		{"utf8.csv", EncUTF8, []byte(text)},
		{"bom.csv", EncUTF8BOM, append([]byte{0xEF, 0xBB, 0xBF}, text...)},
		{"cp1252.csv", Enc1252, []byte(cp)},
		{"tab.csv", EncUTF8, []byte(strings.ReplaceAll(text, ";", "\t"))},
	} {
		p := writeFile(t, dir, tc.name, tc.data)
		r, err := ReadFile(p, tc.name, 0, testOptions(t))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.Contains(r.Report.Detail, tc.enc) {
			t.Errorf("%s: detail %q, want encoding %s", tc.name, r.Report.Detail, tc.enc)
		}
		if len(r.Records) != 1 {
			t.Fatalf("%s: %d records", tc.name, len(r.Records))
		}
		rec := r.Records[0]
		if rec.Comune != "Santa Maria Hoè" || rec.ISTAT != "097074" || rec.Amount != 1400000 || rec.Measure != "1.4.4-spid" {
			t.Errorf("%s: %+v", tc.name, rec)
		}
	}
}

// A Windows-1252 byte deep in a big file must still switch the encoding.
func TestLateWindows1252Byte(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("comune,cod_comune,importo_finanziamento,avviso\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("Lecco,097042,100,1.4.4 Adozione SPID CIE - Comuni\n")
	}
	b.WriteString("Santa Maria Ho\xe8,097074,100,1.4.4 Adozione SPID CIE - Comuni\n")
	p := writeFile(t, t.TempDir(), "late.csv", b.Bytes())
	r, err := ReadFile(p, "late.csv", 0, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if last := r.Records[len(r.Records)-1]; last.Comune != "Santa Maria Hoè" {
		t.Errorf("last comune %q", last.Comune)
	}
}

func TestHeaderBelowTitleTotalsAndNotes(t *testing.T) {
	csv := strings.Join([]string{
		"Allegato 2 al Decreto n. 131 del 03/01/2023;;;",
		"Avviso 1.4.5 Piattaforma Notifiche Digitali - Comuni;;;",
		";;;",
		"Ente beneficiario;Cod. ISTAT;CUP;Importo finanziato (€)",
		"Comune di Olgiate Molgora;97058;D81F22900430006;32.589,00",
		"Comune di Merate;97048;E71F22900110006;59.966,00",
		"Subtotale;;;92.555,00",
		"Comune di Osnago;97061;B41F22900210006;23.147,00",
		"TOTALE;;;115.702,00",
		"Fonte: elaborazione dell'ufficio;;;",
	}, "\n")
	p := writeFile(t, t.TempDir(), "allegato.csv", []byte(csv))
	r, err := ReadFile(p, "allegato.csv", 0, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	sh := r.Report.Sheets[0]
	if len(sh.HeaderRows) != 1 || sh.HeaderRows[0] != 4 {
		t.Errorf("header rows %v, want [4]", sh.HeaderRows)
	}
	if len(r.Records) != 3 || r.Source.Read.Rows != 3 || r.Source.Read.Amount != 11570200 {
		t.Fatalf("%d records, read %+v", len(r.Records), r.Source.Read)
	}
	for _, rec := range r.Records {
		if rec.Measure != "1.4.5" || rec.Decreto != "Decreto n. 131" || rec.FundingDate != 20230103 || rec.Status != funding.StatusAssigned {
			t.Errorf("record %+v", rec)
		}
	}
	if len(r.Anomalies) != 0 {
		t.Errorf("anomalies %+v", r.Anomalies)
	}
	notes := strings.Join(r.Source.Notes, "\n")
	for _, want := range []string{"riga 7, riga di totale", "riga 9, riga di totale", "riga 10, nota non conteggiata"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

func TestWrongTotalIsAnAnomaly(t *testing.T) {
	csv := "Comune;Importo;Avviso\nLecco;100,00;1.4.1 Esperienza del Cittadino\nTotale;999,00;\n"
	p := writeFile(t, t.TempDir(), "t.csv", []byte(csv))
	r, err := ReadFile(p, "t.csv", 0, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Anomalies) != 1 || r.Anomalies[0].Rejected || !strings.Contains(r.Anomalies[0].Reason, "non coincide") {
		t.Errorf("anomalies %+v", r.Anomalies)
	}
}

func TestTwoRowHeader(t *testing.T) {
	csv := strings.Join([]string{
		"Comune;Misura;Importo;;Stato",
		";;finanziato;erogato;",
		"Lecco;PDND;20.344,00;10.000,00;Finanziato",
	}, "\n")
	p := writeFile(t, t.TempDir(), "due.csv", []byte(csv))
	r, err := ReadFile(p, "due.csv", 0, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	sh := r.Report.Sheets[0]
	if len(sh.HeaderRows) != 2 {
		t.Fatalf("header rows %v, want two", sh.HeaderRows)
	}
	if len(r.Records) != 1 || r.Records[0].Amount != 2034400 || r.Records[0].Measure != "1.3.1" {
		t.Fatalf("records %+v anomalies %+v", r.Records, r.Anomalies)
	}
}

func TestRowAnomaliesArePositioned(t *testing.T) {
	csv := strings.Join([]string{
		"Comune;Cod. ISTAT;Avviso;Importo;Stato;Data decreto",
		"Lecco;97042;1.4.1 Esperienza del Cittadino;-;Ammesso;01/02/2023",
		"Lecco;97042;Contributo generico;1.000,00;Ammesso;01/02/2023",
		"Lecco;97042;1.4.1 Esperienza del Cittadino;1.000,00;In istruttoria;01/02/2023",
		"Lecco;97042;1.4.1 Esperienza del Cittadino;1.000,00;Ammesso;31/02/2023",
		"Lecco;97042;1.4.1 Esperienza del Cittadino;-500;Ammesso;01/02/2023",
	}, "\n")
	p := writeFile(t, t.TempDir(), "bad.csv", []byte(csv))
	r, err := ReadFile(p, "bad.csv", 0, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row      int
		col      string
		field    string
		rejected bool
	}{
		{2, "D", FAmount, true},
		{3, "C", FAvviso, true},
		{4, "E", FStatus, true},
		{5, "F", FFundingDate, false},
		{6, "D", FAmount, true},
	}
	if len(r.Anomalies) != len(want) {
		t.Fatalf("anomalies %+v", r.Anomalies)
	}
	for i, w := range want {
		a := r.Anomalies[i]
		if a.Pos.Row != w.row || a.Pos.Col != w.col || a.Field != w.field || a.Rejected != w.rejected || a.Reason == "" {
			t.Errorf("anomaly %d = %+v, want %+v", i, a, w)
		}
	}
	// the negative amount still counts in the euros read
	if r.Source.Read.Rows != 5 || r.Source.Read.Amount != 300000-50000 {
		t.Errorf("read %+v", r.Source.Read)
	}
}

func TestSniff(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		err  error
	}{
		{"empty.csv", nil, ErrEmptyFile},
		{"fake.xlsx", []byte("%PDF-1.7\n..."), ErrPDF},
		{"bin.csv", []byte{0x00, 0x01, 0x02, 0xFF, 0x00}, ErrUnknownBinary},
		{"zip.xlsx", []byte("PK\x03\x04garbage"), ErrUnknownBinary},
	} {
		p := writeFile(t, dir, tc.name, tc.data)
		if _, err := Sniff(p); err != tc.err {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}

func TestSkippedFileIsNotAnError(t *testing.T) {
	p := writeFile(t, t.TempDir(), "avvisi.csv", []byte("titolo,misura,stato\nA,B,C\n"))
	r, err := ReadFile(p, "avvisi.csv", 0, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.Source.Skipped == "" || !strings.Contains(r.Source.Skipped, "importo") {
		t.Errorf("skipped = %q", r.Source.Skipped)
	}
}

// FuzzCSVSplit: splitting never panics and joining plain fields round-trips.
func FuzzCSVSplit(f *testing.F) {
	for _, s := range []string{`a,b`, `"a,""b""",c`, `"x","ISTITUTO "B"","Y"`, `"`, `,,`} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, lenient bool) {
		for _, d := range []byte{',', ';', '\t'} {
			fields := splitRecord(s, d, lenient, nil)
			if len(fields) == 0 {
				t.Fatalf("no fields for %q", s)
			}
			if !strings.ContainsAny(s, "\"") && strings.Join(fields, string(d)) != s {
				t.Fatalf("unquoted %q split into %q", s, fields)
			}
		}
	})
}

// FuzzCSVImport: any bytes as a CSV file give records or a typed error,
// under small limits, and what is read holds together: the rows read add
// up to the records and their euros, rows come in order, every rejected
// row has its anomaly at its row, no field is over 32,767 characters.
func FuzzCSVImport(f *testing.F) {
	f.Add([]byte("comune;importo;avviso\nLecco;1.000,00;1.4.1 Esperienza\n"))
	f.Add([]byte("Ente beneficiario,Cod. ISTAT,Importo\n\"Comune di X\",97058,\"121.999,00\"\nTOTALE,,1\n"))
	f.Add([]byte("\xef\xbb\xbfcomune\timporto\nA\t-\n"))
	f.Add([]byte("cod_istat,comune,importo,avviso\n097042,\"Lecco\n2,1000,x\n097042,Lecco,1,1.4.1\n"))
	f.Add([]byte("comune|importo|stato|data_stato\nLecco|121.999|R|31/02/2023\n\x00\n"))
	base := testOptions(f)
	base.Limits = grid.Limits{RowBytes: 1 << 16, YieldRows: 20000, YieldCells: 200000, YieldText: 4 << 20}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opt := *base // the budget of one run
		r, err := ReadFile(p, "f.csv", 0, &opt)
		if err != nil {
			for _, ok := range []error{ErrEmptyFile, ErrCorrupt, grid.ErrTooBig, ErrEncrypted, ErrPDF, ErrXLSB, ErrUnknownBinary, ErrZipNotSheet} {
				if errors.Is(err, ok) {
					return
				}
			}
			if strings.Contains(err.Error(), "BIFF") { // an Excel older than 5.0
				return
			}
			t.Fatalf("error %v (%T)", err, err)
		}
		if r.Source.Read.Rows != len(r.Records) {
			t.Fatalf("read %d rows, %d records", r.Source.Read.Rows, len(r.Records))
		}
		var sum funding.Tally
		rejected := map[funding.Pos]bool{}
		for _, a := range r.Anomalies {
			if a.Pos.Row <= 0 {
				t.Fatalf("anomaly without a row: %+v", a)
			}
			if a.Rejected {
				rejected[funding.Pos{File: a.Pos.File, Sheet: a.Pos.Sheet, Row: a.Pos.Row}] = true
			}
		}
		last := map[string]int{}
		for _, rec := range r.Records {
			if rec.AmountOK {
				sum.Add(rec.Amount)
			} else {
				sum.Add(0)
			}
			if rec.Pos.Row <= last[rec.Pos.Sheet] {
				t.Fatalf("record of row %d after row %d", rec.Pos.Row, last[rec.Pos.Sheet])
			}
			last[rec.Pos.Sheet] = rec.Pos.Row
			if rec.Rejected && !rejected[funding.Pos{File: rec.Pos.File, Sheet: rec.Pos.Sheet, Row: rec.Pos.Row}] {
				t.Fatalf("row %d rejected without its anomaly", rec.Pos.Row)
			}
			for _, v := range []string{rec.Body, rec.Comune, rec.Avviso, rec.MeasureText, rec.CUP, rec.Decreto, rec.SubmittedAt} {
				if utf8.RuneCountInString(v) > maxCellChars {
					t.Fatalf("a field of %d characters", utf8.RuneCountInString(v))
				}
			}
		}
		if sum != r.Source.Read {
			t.Fatalf("read %+v, records add up to %+v", r.Source.Read, sum)
		}
	})
}
