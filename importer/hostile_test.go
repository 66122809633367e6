package importer

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"consolida/importer/grid"
)

// csvRows is a CSV of n funding rows of Lecco.
func csvRows(n int) []byte {
	var b bytes.Buffer
	b.WriteString("cod_istat,comune,importo,avviso\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "097042,Lecco,%d,1.4.1 Esperienza del Cittadino nei servizi pubblici\n", 1000+i)
	}
	return b.Bytes()
}

func TestCSVDamageIsNotTheEndOfTheData(t *testing.T) {
	dir := t.TempDir()
	rows := csvRows(300) // past the 8 KiB sniffed for binary content
	lines := bytes.SplitAfter(rows, []byte("\n"))
	join := func(at int, line []byte) []byte {
		out := bytes.Join(lines[:at], nil)
		out = append(out, line...)
		return append(out, bytes.Join(lines[at+1:], nil)...)
	}
	for _, c := range []struct {
		name string
		data []byte
		row  int
	}{
		// a block of zeros where a copy was cut short
		{"NUL bytes", join(251, append(bytes.Repeat([]byte{0}, 300), '\n')), 252},
		// a quote opened on line 252 and never closed: the 49 lines
		// after it were joined into one field and lost
		{"quote never closed", join(251, []byte("097042,Lecco,\"1000,1.4.1 Esperienza del Cittadino\n")), 252},
	} {
		p := writeFile(t, dir, "f.csv", c.data)
		_, err := ReadFile(p, "f.csv", 0, testOptions(t))
		var ce *grid.CorruptError
		if !errors.As(err, &ce) || ce.Row != c.row || ce.Sheet != "" {
			t.Errorf("%s: err = %v, want a *grid.CorruptError at row %d", c.name, err, c.row)
		}
	}
	// a quote left open on the last line loses nothing: read as before
	p := writeFile(t, dir, "f.csv", append(bytes.Clone(rows), "097042,Lecco,5,\"1.4.1 Esperienza del Cittadino\n"...))
	r, err := ReadFile(p, "f.csv", 0, testOptions(t))
	if err != nil || r.Source.Read.Rows != 301 {
		t.Errorf("quote open on the last line: %v", err)
	}
}

func TestCSVLongLineBounded(t *testing.T) {
	// one line of 64 MiB: refused at the budget of a row, without the
	// reader growing a buffer for the whole line first (a 2 GiB line
	// peaked at 13 GB)
	dir := t.TempDir()
	p := filepath.Join(dir, "riga.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("comune;importo\nLecco;1\n\"")
	chunk := bytes.Repeat([]byte("x;"), 1<<19)
	for i := 0; i < 64; i++ {
		f.Write(chunk)
	}
	f.Close()
	opt := testOptions(t)
	opt.Limits = grid.Limits{RowBytes: 1 << 20}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = ReadFile(p, "riga.csv", 0, opt)
	runtime.ReadMemStats(&after)
	var le *grid.LimitError
	if !errors.As(err, &le) || le.Budget != grid.BudgetRowBytes || le.Row != 3 {
		t.Errorf("err = %v, want a *grid.LimitError on the bytes of row 3", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d MiB to refuse a line over 1 MiB", alloc>>20)
	}
}

// odsArchive builds an .ods around a content.xml.
func odsArchive(t testing.TB, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, {"content.xml", content}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// odsContent wraps the tables of a content.xml.
func odsContent(tables string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>` +
		tables + `</office:spreadsheet></office:body></office:document-content>`
}

const odsHeaderRow = `<table:table-row><table:table-cell><text:p>comune</text:p></table:table-cell><table:table-cell><text:p>importo</text:p></table:table-cell><table:table-cell><text:p>cup</text:p></table:table-cell></table:table-row>`

func TestYieldBounded(t *testing.T) {
	// a kilobyte that repeats one row a million times, or one long text
	// a hundred thousand times, is refused within the budget instead of
	// becoming a million records
	long := strings.Repeat("Lecco ", 50000)
	for _, c := range []struct {
		name   string
		table  string
		budget grid.Budget
	}{
		{"repeated rows", odsHeaderRow + `<table:table-row table:number-rows-repeated="1000000"><table:table-cell><text:p>Lecco</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1"/></table:table-row>`, grid.BudgetRows},
		{"repeated columns", odsHeaderRow + `<table:table-row table:number-rows-repeated="100000"><table:table-cell><text:p>Lecco</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16000"/></table:table-row>`, grid.BudgetCells},
		{"repeated text", odsHeaderRow + `<table:table-row table:number-rows-repeated="100000"><table:table-cell><text:p>Lecco</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1"/><table:table-cell><text:p>` + long + `</text:p></table:table-cell></table:table-row>`, grid.BudgetText},
		{"sheets", strings.Repeat(`<table:table table:name="S">`+odsHeaderRow+`<table:table-row table:number-rows-repeated="1000"><table:table-cell><text:p>Lecco</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>`, 200), grid.BudgetRows},
	} {
		table := c.table
		if !strings.HasPrefix(table, "<table:table ") {
			table = `<table:table table:name="S">` + table + `</table:table>`
		}
		p := writeFile(t, t.TempDir(), "bomba.ods", odsArchive(t, odsContent(table)))
		r, err := ReadFile(p, "bomba.ods", 0, testOptions(t))
		var le *grid.LimitError
		if !errors.As(err, &le) || le.Budget != c.budget || le.Sheet != "S" || le.Row == 0 {
			rows := 0
			if r != nil {
				rows = len(r.Records)
			}
			t.Errorf("%s: %d records, err = %v, want a *grid.LimitError of budget %d in sheet S at a row", c.name, rows, err, c.budget)
		}
	}
}

func TestYieldBudgetSharedByTheFilesOfARun(t *testing.T) {
	// the allowance grows with the bytes read: many small files cannot
	// each take the whole of it
	dir := t.TempDir()
	opt := testOptions(t)
	opt.Limits = grid.Limits{YieldRows: 150, RowBytesMin: 1 << 20}
	for i := 0; i < 3; i++ {
		p := writeFile(t, dir, fmt.Sprintf("f%d.csv", i), csvRows(60))
		_, err := ReadFile(p, filepath.Base(p), i, opt)
		if i < 2 && err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		if i == 2 && !errors.Is(err, grid.ErrTooBig) {
			t.Errorf("third file: err = %v, want the budget of the run exhausted", err)
		}
	}
	// a CSV of a million rows keeps within the defaults: one row per 64
	// bytes of input is allowed, and real rows are longer
	opt = testOptions(t)
	if lim := opt.Limits; true {
		rows, _, _ := lim.Yield(int64(len(csvRows(1))) * 1_000_000)
		if rows < 1_000_000 {
			t.Errorf("a million rows of %d bytes: %d allowed", len(csvRows(1)), rows)
		}
	}
}

func TestReadStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	data := csvRows(200000)
	p := writeFile(t, dir, "grande.csv", data)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := testOptions(t)
	opt.Context = ctx
	seen := 0
	opt.OnRows = func(n int) {
		if seen += n; seen >= 5000 {
			cancel()
		}
	}
	_, err := ReadFile(p, "grande.csv", 0, opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if seen > 20000 {
		t.Errorf("%d rows read after the cancellation at 5000", seen)
	}
}

func TestLongTextCutWithAnAnomaly(t *testing.T) {
	// a field over 32,767 characters (the most a cell holds) is cut when
	// read, with an anomaly naming file, sheet, row and column; a text of
	// exactly 32,767 is kept whole
	long := strings.Repeat("è", 40000)
	exact := strings.Repeat("a", 32767)
	data := "comune;importo;avviso;note\n" +
		"Lecco;1000;1.4.1 Esperienza del Cittadino " + long + ";" + long + "\n" +
		"Lecco;2000;" + exact + ";x\n"
	p := writeFile(t, t.TempDir(), "lungo.csv", []byte(data))
	r, err := ReadFile(p, "lungo.csv", 0, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(r.Records[0].Avviso); n != 32767 {
		t.Errorf("avviso of %d characters, want 32767", n)
	}
	if r.Records[1].Avviso != exact {
		t.Errorf("a text of 32,767 characters was changed")
	}
	var cut []string
	for _, a := range r.Anomalies {
		if strings.Contains(a.Reason, "tagliato") {
			cut = append(cut, fmt.Sprintf("%s:%d:%s:%s", a.Pos.File, a.Pos.Row, a.Pos.Col, a.Field))
			if a.Rejected || len(a.Value) > 200 {
				t.Errorf("anomaly %+v: rejected, or a value too long to show", a)
			}
		}
	}
	// the unmapped column (note) is never written: not cut, no anomaly
	if want := []string{"lungo.csv:2:C:avviso"}; fmt.Sprint(cut) != fmt.Sprint(want) {
		t.Errorf("cut anomalies %v, want %v", cut, want)
	}
}

func TestThreeDecimalNumberRejected(t *testing.T) {
	// a number cell holding 121.999 (as stored, or with float noise) is
	// ambiguous like the text "1.234,567": the row is rejected, not
	// rounded to 122,00 €; float noise around two decimals is not
	row := func(v string) string {
		return `<table:table-row><table:table-cell><text:p>Lecco</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="` + v + `"/><table:table-cell><text:p>1.4.1 Esperienza del Cittadino</text:p></table:table-cell></table:table-row>`
	}
	header := `<table:table-row><table:table-cell><text:p>comune</text:p></table:table-cell><table:table-cell><text:p>importo</text:p></table:table-cell><table:table-cell><text:p>avviso</text:p></table:table-cell></table:table-row>`
	table := `<table:table table:name="S">` + header + row("121.999") + row("121.99900000000001") + row("4326.3999999999996") + row("0.125") + row("121999") + `</table:table>`
	p := writeFile(t, t.TempDir(), "decimali.ods", odsArchive(t, odsContent(table)))
	r, err := ReadFile(p, "decimali.ods", 0, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range r.Records {
		got = append(got, fmt.Sprintf("%d:%v:%s", rec.Pos.Row, rec.Rejected, rec.Amount))
	}
	if want := "[2:true:0,00 3:true:0,00 4:false:4.326,40 5:true:0,00 6:false:121.999,00]"; fmt.Sprint(got) != want {
		t.Errorf("records %v, want %s", got, want)
	}
	var reasons []string
	for _, a := range r.Anomalies {
		reasons = append(reasons, fmt.Sprintf("%d:%s:%s", a.Pos.Row, a.Value, a.Pos.Col))
		if !strings.Contains(a.Reason, "tre decimali") || !a.Rejected {
			t.Errorf("anomaly %+v", a)
		}
	}
	if want := "[2:121.999:B 3:121.999:B 5:0.125:B]"; fmt.Sprint(reasons) != want {
		t.Errorf("anomalies %v, want %s", reasons, want)
	}
}

func TestFileChangedWhileRead(t *testing.T) {
	// a file that an office is still copying (appended, or rewritten in
	// place with the same size) while it is read is refused, in every
	// format: its rows would be a mix of the old and the new bytes
	defer func() { testHookRead = nil }()
	for _, name := range []string{"prospetto.csv", "prospetto.xlsx", "prospetto.xls", "prospetto.ods"} {
		for _, how := range []string{"appended", "rewritten"} {
			p, data := copyFixture(t, name)
			testHookRead = func(in *Input) {
				switch how {
				case "appended":
					f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					f.Write([]byte("097042,Lecco,1000,1.4.1\n"))
					f.Close()
				case "rewritten":
					// same size; the time of change tells
					changed := bytes.Clone(data)
					changed[len(changed)/2] ^= 0x20
					if err := os.WriteFile(p, changed, 0o644); err != nil {
						t.Fatal(err)
					}
					future := time.Now().Add(time.Minute)
					os.Chtimes(p, future, future)
				}
			}
			_, err := ReadFile(p, name, 0, testOptions(t))
			if !errors.Is(err, ErrChanged) {
				t.Errorf("%s %s while read: err = %v, want ErrChanged", name, how, err)
			}
		}
	}
	// untouched, it reads
	testHookRead = nil
	p, _ := copyFixture(t, "prospetto.xlsx")
	if _, err := ReadFile(p, "prospetto.xlsx", 0, testOptions(t)); err != nil {
		t.Errorf("unchanged: %v", err)
	}
}
