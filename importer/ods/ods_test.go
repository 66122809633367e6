package ods

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

	"consolida/importer/grid"
	"consolida/importer/grid/gridtest"
)

// fixture is the path of a file of importer/testdata.
func fixture(name string) string { return filepath.Join("..", "testdata", name) }

// readFixture opens a fixture with Open and reads it whole.
func readFixture(t *testing.T, name string) []gridtest.Sheet {
	t.Helper()
	data, err := os.ReadFile(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), grid.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sheets, err := gridtest.ReadBook(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return sheets
}

var (
	num         = gridtest.Num
	str         = gridtest.Str
	rowByNumber = gridtest.RowByNumber
	magicZip    = []byte("PK\x03\x04")
)

// gotRow is a gridtest.Row written without field names.
type gotRow struct {
	N     int
	Cells []grid.Cell
}

func assertRows(t *testing.T, where string, got []gridtest.Row, want []gotRow) {
	t.Helper()
	w := make([]gridtest.Row, len(want))
	for i, r := range want {
		w[i] = gridtest.Row{N: r.N, Cells: r.Cells}
	}
	gridtest.AssertRows(t, where, got, w)
}

func TestODSCellTypes(t *testing.T) {
	sheets := readFixture(t, "tipi.ods")
	if len(sheets) != 1 || sheets[0].Name != "Tipi" || sheets[0].Hidden || sheets[0].Date1904 {
		t.Fatalf("sheets = %+v", sheets)
	}
	// LibreOffice has no boolean cells: TRUE() is the number 1 shown as
	// TRUE; the error of =1/0 is kept as its text
	assertRows(t, "tipi.ods", sheets[0].Rows, []gotRow{
		{1, []grid.Cell{str("testo"), num("1.5"), num("1"), str("#DIV/0!"), str("testo!"), num("6"), num("0")}},
		{2, []grid.Cell{str("riga uno\nriga due"), num("-2"), num("0.1"), num("100000000000000000000"), num("123456789012"), num("0.25"), num("3430")}},
		{3, []grid.Cell{str("doppio  spazio"), str("tab\tqui"), num("4326.4"), num("18990.54"), num("121999"), str("2022-09-23"), str("  ")}},
		{5, []grid.Cell{str("dopo la riga vuota")}},
	})
}

func TestODSProspetto(t *testing.T) {
	iso := map[string]string{"44827": "2022-09-23", "44900": "2022-12-05"}
	gridtest.CheckProspetto(t, "prospetto.ods", readFixture(t, "prospetto.ods"), func(serial string) grid.Cell { return str(iso[serial]) })
}

func TestODSDate1904(t *testing.T) {
	sheets := readFixture(t, "data1904.ods")
	if len(sheets) != 1 || !sheets[0].Date1904 {
		t.Fatalf("sheets = %+v, want one sheet in the 1904 date system", sheets)
	}
	if c := rowByNumber(t, sheets[0], 2)[4]; c != str("2022-09-23") {
		t.Fatalf("date cell = %v", c)
	}
}

func TestODSLongStrings(t *testing.T) {
	gridtest.CheckSST(t, "sst.ods", readFixture(t, "sst.ods"))
}

const odsHead = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">
<office:automatic-styles>
<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>
<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>
<style:style style:name="ta3" style:family="table-cell"><style:table-properties table:display="false"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>
`

const odsTail = `<table:named-expressions/></office:spreadsheet></office:body></office:document-content>`

// odsFile builds an .ods archive around a content.xml.
func odsFile(tb testing.TB, content string, extra ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := append([]string{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, extra...)
	if content != "" {
		files = append(files, "content.xml", content)
	}
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: zip.Deflate})
		if err != nil {
			tb.Fatal(err)
		}
		io.WriteString(w, files[i+1])
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func readODSBytes(data []byte) ([]gridtest.Sheet, error) {
	b, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), grid.Limits{})
	if err != nil {
		return nil, err
	}
	return gridtest.ReadBook(b)
}

func TestODSContent(t *testing.T) {
	content := odsHead + `<table:calculation-settings><table:null-date table:date-value="1904-01-01"/></table:calculation-settings>
<table:table table:name="Dati" table:style-name="ta1">
<table:table-column table:number-columns-repeated="16384"/>
<table:table-header-rows><table:table-row><table:table-cell office:value-type="string"><text:p>Intestazione</text:p></table:table-cell></table:table-row></table:table-header-rows>
<table:table-row>
 <table:table-cell office:value-type="float" office:value="4326.4"><text:p>4.326,40</text:p></table:table-cell>
 <table:table-cell office:value-type="float" office:value="1E+020"/>
 <table:table-cell office:value-type="currency" office:currency="EUR" office:value="3430"><text:p>3.430,00 €</text:p></table:table-cell>
 <table:table-cell office:value-type="percentage" office:value="0.25"><text:p>25%</text:p></table:table-cell>
 <table:table-cell office:value-type="date" office:date-value="2022-09-23"><text:p>23/09/22</text:p></table:table-cell>
 <table:table-cell office:value-type="date" office:date-value="2022-09-23T11:06:35"><text:p>23/09/22 11:06</text:p></table:table-cell>
 <table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>VERO</text:p></table:table-cell>
 <table:table-cell office:value-type="string" office:string-value="valore"><text:p>mostrato</text:p></table:table-cell>
 <table:table-cell office:value-type="float" office:value="0" calcext:value-type="error"><text:p>#VALORE!</text:p></table:table-cell>
 <table:table-cell office:value-type="float" office:value="non un numero"><text:p>testo</text:p></table:table-cell>
</table:table-row>
<table:table-row>
 <table:table-cell office:value-type="string"><text:p>uno</text:p><text:p>due <text:span>tre</text:span></text:p></table:table-cell>
 <table:table-cell><text:p>a<text:s text:c="3"/>b<text:s/>c<text:tab/>d<text:line-break/>e</text:p></table:table-cell>
 <table:table-cell><office:annotation><dc:creator>X</dc:creator><text:p>commento</text:p></office:annotation><text:p><text:a xlink:href="http://example.org">collegamento</text:a><text:note><text:note-body><text:p>nota</text:p></text:note-body></text:note></text:p></table:table-cell>
 <table:table-cell><text:list><text:list-item><text:p>voce</text:p></text:list-item></text:list></table:table-cell>
 <table:table-cell office:value-type="string"><text:p> </text:p></table:table-cell>
</table:table-row>
<table:table-row-group><table:table-row><table:table-cell office:value-type="string" table:number-columns-spanned="3"><text:p>unito</text:p></table:table-cell><table:covered-table-cell table:number-columns-repeated="2"><text:p>nascosto</text:p></table:covered-table-cell><table:table-cell office:value-type="float" office:value="7"/></table:table-row></table:table-row-group>
<table:table-row table:number-rows-repeated="5"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="3"/><table:table-cell table:number-columns-repeated="16379"/></table:table-row>
<table:table-row><table:covered-table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string"><text:p>dopo</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048560"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table>
<table:table table:name="Nascosto" table:style-name="ta2"><table:table-row><table:table-cell office:value-type="float" office:value="72845"/></table:table-row></table:table>
<table:table table:name="Vuoto" table:style-name="ta3"/>
` + odsTail
	sheets, err := readODSBytes(odsFile(t, content))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sheets {
		names = append(names, fmt.Sprintf("%s %v %v", s.Name, s.Hidden, s.Date1904))
	}
	if want := "[Dati false true Nascosto true true Vuoto false true]"; fmt.Sprint(names) != want {
		t.Fatalf("sheets %v, want %s", names, want)
	}
	one := []grid.Cell{{}, {}, num("1"), num("1"), num("1")}
	assertRows(t, "Dati", sheets[0].Rows, []gotRow{
		{1, []grid.Cell{str("Intestazione")}},
		{2, []grid.Cell{num("4326.4"), num("100000000000000000000"), num("3430"), num("0.25"), str("2022-09-23"), str("2022-09-23T11:06:35"),
			str("TRUE"), str("valore"), str("#VALORE!"), str("testo")}},
		{3, []grid.Cell{str("uno\ndue tre"), str("a   b c\td\ne"), str("collegamento"), str("voce"), str(" ")}},
		{4, []grid.Cell{str("unito"), {}, {}, num("7")}},
		{10, one}, {11, one}, {12, one},
		{13, []grid.Cell{{}, {}, str("dopo")}},
	})
	assertRows(t, "Nascosto", sheets[1].Rows, []gotRow{{1, []grid.Cell{num("72845")}}})
	assertRows(t, "Vuoto", sheets[2].Rows, nil)
}

func TestODSRepeatsBounded(t *testing.T) {
	// a value repeated up to the sheet's limits is expanded; the empty
	// repeats cost nothing
	content := odsHead + `<table:table table:name="S">
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row table:number-rows-repeated="6"><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value-type="float" office:value="1"/></table:table-row>
<table:table-row table:number-rows-repeated="1000000000"><table:table-cell table:number-columns-repeated="1000000000"/></table:table-row>
</table:table>` + odsTail
	data := odsFile(t, content)
	z, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	b, err := odsBook(context.Background(), z, grid.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	it, err := b.Sheets[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	rows, first, last, width := 0, 0, 0, 0
	for it.Next() {
		n, cells := it.Row()
		if rows == 0 {
			first = n
		}
		rows, last, width = rows+1, n, len(cells)
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if first != 1048571 || last != maxODSRows || rows != maxODSRows-1048570 || width != maxODSCols {
		t.Errorf("rows %d (%d..%d), width %d", rows, first, last, width)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}

	// a value that a repeat carries beyond the sheet's last row or
	// column is damage (Calc cannot write it), not a place to stop
	// reading as if the data had ended
	for _, c := range []struct{ name, rows string }{
		{"rows", `<table:table-row table:number-rows-repeated="1048570"><table:table-cell/></table:table-row>
<table:table-row table:number-rows-repeated="1000000000"><table:table-cell office:value-type="float" office:value="1"/></table:table-row>`},
		{"columns", `<table:table-row><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000000000"/></table:table-row>`},
		{"row after the last", `<table:table-row table:number-rows-repeated="1048576"><table:table-cell/></table:table-row>
<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>`},
	} {
		_, err := readODSBytes(odsFile(t, odsHead+`<table:table table:name="S">`+c.rows+`</table:table>`+odsTail))
		var ce *grid.CorruptError
		if !errors.As(err, &ce) || ce.Sheet != "S" || ce.Row < 1048571 && c.name != "columns" || c.name == "columns" && ce.Row != 1 {
			t.Errorf("%s: err = %v, want a *grid.CorruptError in sheet S at the row", c.name, err)
		}
	}

	// a full row repeated a million times is refused, not expanded
	content = odsHead + `<table:table table:name="S">
<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>
</table:table>` + odsTail
	data = odsFile(t, content)
	z, _ = zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if b, err = odsBook(context.Background(), z, grid.DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	var le *grid.LimitError
	if err := gridtest.Drain(b); !errors.As(err, &le) || le.Budget != grid.BudgetCells || le.Sheet != "S" {
		t.Errorf("err = %v, want a *grid.LimitError on the cells of sheet S", err)
	}
}

func TestODSBadArchives(t *testing.T) {
	good, err := os.ReadFile(fixture("prospetto.ods"))
	if err != nil {
		t.Fatal(err)
	}
	z, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	var content string
	for _, f := range z.File {
		if f.Name == "content.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			content = string(b)
		}
	}
	for _, c := range []struct {
		name      string
		data      []byte
		encrypted bool
	}{
		{"no content", odsFile(t, ""), false},
		{"not xml", odsFile(t, "ciao, non sono XML"), false},
		{"other root", odsFile(t, `<?xml version="1.0"?><html/>`), false},
		{"cut in styles", odsFile(t, content[:len(content)/10]), false},
		{"cut in a table", odsFile(t, content[:len(content)*3/4]), false},
		{"encrypted", odsFile(t, "\x8f\x12binary", "META-INF/manifest.xml",
			`<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>`),
			true},
		{"truncated zip", good[:len(good)/2], false},
		{"random after magic", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0x5A, 0x13, 0x00, 0xFF}, 200)...), false},
	} {
		if z, err := zip.NewReader(bytes.NewReader(c.data), int64(len(c.data))); err == nil && Encrypted(z) != c.encrypted {
			t.Errorf("%s: Encrypted = %v", c.name, !c.encrypted)
		}
		_, err := readODSBytes(c.data)
		if !errors.Is(err, grid.ErrCorrupt) {
			t.Errorf("%s: err = %v, want grid.ErrCorrupt", c.name, err)
		}
	}
	if z, _ := zip.NewReader(bytes.NewReader(good), int64(len(good))); Encrypted(z) {
		t.Errorf("prospetto.ods: Encrypted")
	}
}

func TestODSTruncatedContent(t *testing.T) {
	// every cut of content.xml is refused, never a panic
	content := odsHead + `<table:table table:name="S"><table:table-row><table:table-cell office:value-type="float" office:value="4326.4"/><table:table-cell><text:p>a<text:s text:c="2"/>b</text:p></table:table-cell></table:table-row></table:table>` + odsTail
	for n := 0; n < len(content); n++ {
		_, err := readODSBytes(odsFile(t, content[:n]))
		if err == nil {
			t.Errorf("cut at %d: no error", n)
		} else if strings.Contains(err.Error(), "internal error") {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
}

// fuzzLimits keep each execution small: a repeat of a million rows is
// refused at 100,000 cells, a part at 4 MiB.
var fuzzLimits = grid.Limits{PartBytes: 4 << 20, TotalBytes: 16 << 20, TokenBytes: 1 << 16, Cells: 100000}.WithDefaults()

// FuzzODS fuzzes whole archives and the content.xml inside one, under
// small limits, and checks the decoders' contract (gridtest.Contract):
// typed errors, rows in order and never blank, numbers that are numbers,
// the budget kept, the same rows when read again.
func FuzzODS(f *testing.F) {
	for _, name := range []string{"tipi.ods", "prospetto.ods", "data1904.ods", "sst.ods"} {
		b, err := os.ReadFile(fixture(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		z, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		for _, zf := range z.File {
			if zf.Name == "content.xml" {
				rc, _ := zf.Open()
				content, _ := io.ReadAll(rc)
				f.Add(content)
			}
		}
	}
	f.Add([]byte(odsHead + `<table:table table:name="S"><table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="4"/><table:covered-table-cell/><table:table-cell><text:p>a<text:s text:c="2"/><text:tab/><text:line-break/></text:p><text:p>b</text:p></table:table-cell></table:table-row></table:table>` + odsTail))
	f.Add([]byte(manySheets(3)))
	f.Add([]byte(odsHead + `<table:table table:name="S"><table:table-row table:number-rows-repeated="1048575"><table:table-cell/></table:table-row><table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>` + odsTail))
	f.Fuzz(func(t *testing.T, data []byte) {
		// a whole archive, or a content.xml to put in one (mutations of
		// a deflated archive rarely get past its checksums)
		if !bytes.HasPrefix(data, magicZip) {
			data = odsFile(t, string(data))
		}
		z, zerr := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if zerr != nil {
			return
		}
		b, err := odsBook(context.Background(), z, fuzzLimits)
		if err != nil {
			if breach := gridtest.Typed(err); breach != nil {
				t.Fatal(breach)
			}
			return
		}
		if _, breach := gridtest.Contract(b, fuzzLimits.Cells); breach != nil {
			t.Fatal(breach)
		}
	})
}

func TestODSDeclarationRefused(t *testing.T) {
	// encoding/xml passes over a DOCTYPE; OpenDocument has none, and what
	// it hides (entities, the rest of a row) must not be read as data
	row := `<table:table-row><table:table-cell><text:p>a</text:p></table:table-cell>%s<table:table-cell office:value-type="float" office:value="3"/></table:table-row>`
	for _, c := range []struct{ name, content string }{
		{"before the root", `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]>` + strings.TrimPrefix(odsHead, `<?xml version="1.0" encoding="UTF-8"?>`) +
			`<table:table table:name="S">` + fmt.Sprintf(row, "") + `</table:table>` + odsTail},
		{"in a row", odsHead + `<table:table table:name="S">` + fmt.Sprintf(row, `<!DOCTYPE x [<!ENTITY y "z">]>`) + `</table:table>` + odsTail},
		{"in a cell", odsHead + `<table:table table:name="S">` + fmt.Sprintf(row, `<table:table-cell><!DOCTYPE x><text:p>b</text:p></table:table-cell>`) + `</table:table>` + odsTail},
		{"between sheets", odsHead + `<table:table table:name="S">` + fmt.Sprintf(row, "") + `</table:table><!ENTITY e "x">` + odsTail},
	} {
		sheets, err := readODSBytes(odsFile(t, c.content))
		if !errors.Is(err, grid.ErrCorrupt) {
			t.Errorf("%s: sheets %+v, err = %v, want grid.ErrCorrupt", c.name, sheets, err)
		}
	}
}

// manySheets is a content.xml of n sheets of one row each.
func manySheets(n int) string {
	var b strings.Builder
	b.WriteString(odsHead)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<table:table table:name="S%d"><table:table-row><table:table-cell office:value-type="float" office:value="%d"/></table:table-row></table:table>`, i, i)
	}
	b.WriteString(odsTail)
	return b.String()
}

func TestODSSheetsReadInOnePass(t *testing.T) {
	// sheets read in order go on from where the previous one ended:
	// content.xml is inflated a bounded number of times, not once per
	// sheet (20,000 sheets took a minute)
	content := manySheets(3000)
	data := odsFile(t, content)
	z, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	b, err := odsBook(context.Background(), z, grid.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sheets, err := gridtest.ReadBook(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 3000 || sheets[2999].Name != "S2999" || len(sheets[2999].Rows) != 1 || sheets[2999].Rows[0].Cells[0] != num("2999") {
		t.Fatalf("%d sheets, last %+v", len(sheets), sheets[len(sheets)-1])
	}
	inflated := bookOf(t, b).total
	if inflated > 4*int64(len(content)) {
		t.Errorf("content.xml of %d bytes inflated to %d bytes for 3000 sheets", len(content), inflated)
	}
	// a sheet opened again, or out of order, is read from a new stream
	it, err := b.Sheets[5].Open()
	if err != nil {
		t.Fatal(err)
	}
	if !it.Next() {
		t.Fatalf("sheet 5 again: no row, %v", it.Err())
	}
	if _, cells := it.Row(); cells[0] != num("5") {
		t.Errorf("sheet 5 again: %v", cells)
	}
	it.Close()
	b.Close()
}

// bookOf finds the book behind a grid.Book's sheets (tests only).
func bookOf(t *testing.T, b *grid.Book) *book {
	t.Helper()
	it, err := b.Sheets[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	return it.(*odsIter).b
}

func BenchmarkODSManySheets(b *testing.B) {
	data := odsFile(b, manySheets(20000))
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		bk, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), grid.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if err := gridtest.Drain(bk); err != nil {
			b.Fatal(err)
		}
	}
}

func TestODSBudget(t *testing.T) {
	long := strings.Repeat("x", 5000)
	content := odsHead + `<table:table table:name="S"><table:table-row><table:table-cell><text:p>` + long + `</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="50"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="20"/></table:table-row></table:table>` + odsTail
	data := odsFile(t, content)
	for _, c := range []struct {
		name   string
		lim    grid.Limits
		budget grid.Budget
	}{
		{"inflated bytes", grid.Limits{TotalBytes: int64(len(content))}, grid.BudgetBytes}, // the scans and the sheet read it 3 times
		{"declared part", grid.Limits{PartBytes: int64(len(content)) - 1}, grid.BudgetBytes},
		{"token", grid.Limits{TokenBytes: 4096}, grid.BudgetElements},
		{"cells", grid.Limits{Cells: 500}, grid.BudgetCells},
		{"sheets", grid.Limits{Sheets: 1}, 0},
	} {
		b, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), c.lim)
		if err == nil {
			err = gridtest.Drain(b)
		}
		var le *grid.LimitError
		if c.budget == 0 {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.As(err, &le) || le.Budget != c.budget {
			t.Errorf("%s: err = %v, want a *grid.LimitError of budget %d", c.name, err, c.budget)
		}
	}
	sheets := manySheets(3)
	data = odsFile(t, sheets)
	if _, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), grid.Limits{Sheets: 2}); !errors.Is(err, grid.ErrTooBig) {
		t.Errorf("3 sheets, 2 allowed: err = %v", err)
	}
}

func TestODSCancel(t *testing.T) {
	data := odsFile(t, manySheets(2000))
	ctx, cancel := context.WithCancel(context.Background())
	b, err := Open(ctx, bytes.NewReader(data), int64(len(data)), grid.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	// the stream of the first sheet may hold its bytes already: the
	// cancellation is seen at the next read from the archive
	if err := gridtest.Drain(b); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestODSDamageLocated(t *testing.T) {
	// damage met by the first scan names the sheet and the row too
	var rows strings.Builder
	rows.WriteString(`<table:table table:name="Primo"><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row></table:table><table:table table:name="Dati">`)
	rows.WriteString(`<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>`)
	for r := 3; r <= 101; r++ {
		fmt.Fprintf(&rows, `<table:table-row><table:table-cell><text:p>Lecco %d</text:p></table:table-cell></table:table-row>`, r)
	}
	rows.WriteString(`</table:table>`)
	full := odsHead + rows.String() + odsTail
	at := strings.Index(full, "Lecco 52")
	for _, c := range []struct{ name, content string }{
		{"cut short", full[:at]},
		{"DOCTYPE", full[:at] + `<!DOCTYPE x>` + full[at:]},
		{"invalid XML", full[:at] + `</text:x>` + full[at:]},
	} {
		_, err := readODSBytes(odsFile(t, c.content))
		var ce *grid.CorruptError
		if !errors.As(err, &ce) || ce.Sheet != "Dati" || ce.Row != 52 {
			t.Errorf("%s: err = %v, want a *grid.CorruptError at sheet Dati, row 52", c.name, err)
		}
	}
}
