package importer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"consolida/funding"
	"consolida/templates"
)

// The fixtures under testdata/ are written by testdata/gen (excelize for
// the source, LibreOffice for the .xlsx, .xls and .ods that offices send).

type gotRow struct {
	N     int
	Cells []Cell
}

type gotSheet struct {
	Name     string
	Hidden   bool
	Date1904 bool
	Rows     []gotRow
}

// readBook reads every row of every sheet of an opened book.
func readBook(tb testing.TB, b *book) ([]gotSheet, error) {
	tb.Helper()
	var out []gotSheet
	for _, s := range b.Sheets {
		g := gotSheet{Name: s.Name, Hidden: s.Hidden, Date1904: s.Date1904}
		it, err := s.open()
		if err != nil {
			return out, err
		}
		for it.Next() {
			n, cells := it.Row()
			g.Rows = append(g.Rows, gotRow{n, append([]Cell(nil), cells...)})
		}
		err = it.Err()
		if cerr := it.Close(); err == nil {
			err = cerr
		}
		out = append(out, g)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// drain reads every row of a book without keeping them (fuzz targets:
// a repeated row may be yielded a million times).
func drain(b *book) error {
	for _, s := range b.Sheets {
		it, err := s.open()
		if err != nil {
			return err
		}
		for it.Next() {
			it.Row()
		}
		err = it.Err()
		it.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readFixture opens a fixture with the opener of its format and reads it.
func readFixture(t *testing.T, name string) []gotSheet {
	t.Helper()
	b, err := openBook(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer b.Close()
	sheets, err := readBook(t, b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return sheets
}

func num(v string) Cell { return Cell{V: v, Num: true} }
func str(v string) Cell { return Cell{V: v} }

func assertRows(t *testing.T, where string, got []gotRow, want []gotRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d: %v", where, len(got), len(want), got)
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: row %d\n got %v\nwant %v", where, i, got[i], want[i])
		}
	}
}

// rowByNumber returns the cells of row n.
func rowByNumber(t *testing.T, s gotSheet, n int) []Cell {
	t.Helper()
	for _, r := range s.Rows {
		if r.N == n {
			return r.Cells
		}
	}
	t.Fatalf("sheet %q: no row %d", s.Name, n)
	return nil
}

func TestXLSCellTypes(t *testing.T) {
	sheets := readFixture(t, "tipi.xls")
	if len(sheets) != 1 || sheets[0].Name != "Tipi" || sheets[0].Hidden || sheets[0].Date1904 {
		t.Fatalf("sheets = %+v", sheets)
	}
	assertRows(t, "tipi.xls", sheets[0].Rows, []gotRow{
		{1, []Cell{str("testo"), num("1.5"), str("TRUE"), str("#DIV/0!"), str("testo!"), num("6"), str("FALSE")}},
		{2, []Cell{str("riga uno\nriga due"), num("-2"), num("0.1"), num("100000000000000000000"), num("123456789012"), num("0.25"), num("3430")}},
		{3, []Cell{str("doppio  spazio"), str("tab\tqui"), num("4326.4"), num("18990.54"), num("121999"), num("44827"), str("  ")}},
		{5, []Cell{str("dopo la riga vuota")}},
	})
}

// prospettoRows are the rows every spreadsheet format of prospetto gives
// for its first sheet, but the date cells (serials or ISO text).
func prospettoRows(date func(serial string) Cell) []gotRow {
	d1, d2 := date("44827"), date("44900")
	return []gotRow{
		{1, []Cell{str("Comune di Olgiate Molgora - Centro Servizi Territoriali")}},
		{2, []Cell{str("Prospetto dei finanziamenti PNRR - PA digitale 2026")}},
		{4, []Cell{str("Codice ISTAT"), str("Comune"), str("Provincia"), str("Avviso"), str("CUP"), str("Importo finanziato (€)"), str("Stato"), str("Data finanziamento"), str("Note")}},
		{5, []Cell{str("097058"), str("Olgiate Molgora"), str("LC"), str("1.2 Abilitazione e facilitazione migrazione al Cloud per i Comuni"), str("D31C22000100006"), num("121999"), str("A"), d1, str("CUP D31C22000100006")}},
		{6, []Cell{str("097058"), str("Olgiate Molgora"), str("LC"), str("1.4.1 Esperienza del Cittadino nei servizi pubblici"), str("D31C22000200006"), str("155.234,00"), str("Finanziato"), d1}},
		{7, []Cell{num("97058"), str("OLGIATE MOLGORA"), str("LC"), str("1.4.3 - app IO - Comuni"), str("D31C22000300006"), str("€ 3.430"), str("E"), d1}},
		{8, []Cell{str("097058"), str("Olgiate Molgora"), str("LC"), str("1.4.4 Adozione SPID CIE - Comuni"), str("D31C22000400006"), num("14000"), str("A"), str("23/09/2022")}},
		{9, []Cell{str("097058"), str("Olgiate Molgora"), str("LC"), str("1.4.5 'Piattaforma Notifiche Digitali' - Comuni"), str("D31C22000500006"), num("32589"), str("Erogato"), d1}},
		{10, []Cell{str("097001"), str("Abbadia Lariana"), str("LC"), str("1.4.3 - pagoPA - Comuni"), str("J71F22000100006"), num("4326.4"), str("A"), d2}},
		{11, []Cell{str("097002"), str("Airuno"), str("LC"), str("1.3.1 Piattaforma Digitale Nazionale Dati - Comuni"), str("J71F22000200006"), num("18990.54"), str("A"), str("2022-12-05")}},
		{12, []Cell{str("097003"), str("Annone di Brianza"), str("LC"), str("1.2 Abilitazione e facilitazione migrazione al Cloud per i Comuni"), str("J71F22000300006"), str("121.999,00"), str("A"), d2}},
		{13, []Cell{{}, str("TOTALE"), {}, {}, {}, num("472567.94")}},
		{14, []Cell{str("Fonte: decreti di finanziamento del Dipartimento per la trasformazione digitale")}},
	}
}

var prospettoOther = map[string][]gotRow{
	"Altri comuni": {
		{1, []Cell{str("Comune"), str("Importo"), str("Avviso"), str("Codice ISTAT"), str("Stato")}},
		{2, []Cell{str("Calco"), str("18.990,54"), str("1.4.1 Esperienza del Cittadino nei servizi pubblici"), str("097011"), str("A")}},
		{3, []Cell{str("Cernusco Lombardone"), num("4326.4"), str("1.4.3 - pagoPA - Comuni"), str("097021"), str("A")}},
	},
	"Nascosto": {
		{1, []Cell{str("Codice ISTAT"), str("Comune"), str("Avviso"), str("Importo")}},
		{2, []Cell{str("097058"), str("Olgiate Molgora"), str("1.4.3 - pagoPA - Comuni"), num("72845")}},
	},
}

func checkProspetto(t *testing.T, name string, date func(string) Cell) {
	sheets := readFixture(t, name)
	var names []string
	for _, s := range sheets {
		names = append(names, fmt.Sprintf("%s hidden=%v 1904=%v", s.Name, s.Hidden, s.Date1904))
	}
	want := []string{"Finanziamenti hidden=false 1904=false", "Altri comuni hidden=false 1904=false", "Nascosto hidden=true 1904=false"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("%s: sheets %q, want %q", name, names, want)
	}
	assertRows(t, name+" Finanziamenti", sheets[0].Rows, prospettoRows(date))
	for _, s := range sheets[1:] {
		assertRows(t, name+" "+s.Name, s.Rows, prospettoOther[s.Name])
	}
}

func TestXLSProspetto(t *testing.T) {
	checkProspetto(t, "prospetto.xls", num)
}

func TestXLSDate1904(t *testing.T) {
	sheets := readFixture(t, "data1904.xls")
	if len(sheets) != 1 || !sheets[0].Date1904 {
		t.Fatalf("sheets = %+v, want one sheet in the 1904 date system", sheets)
	}
	c := rowByNumber(t, sheets[0], 2)[4]
	if c != num("43365") {
		t.Fatalf("date cell = %v, want the 1904 serial 43365", c)
	}
	d, err := funding.ParseDateCell(c.V, c.Num, sheets[0].Date1904)
	if err != nil || d.String() != "23/09/2022" {
		t.Fatalf("date = %v, %v; want 23/09/2022", d, err)
	}
}

// sstStrings are the texts of testdata/sst.*: long enough to spread the
// shared string table of the .xls over CONTINUE records.
func sstStrings() [][]string {
	rows := [][]string{{strings.Repeat("abcdefghij", 900)}, {strings.Repeat("€uro àèìòù ", 410)}}
	for i := 1; i <= 40; i++ {
		rows = append(rows, []string{fmt.Sprintf("Voce %03d", i), fmt.Sprintf("città n. %d €", i)})
	}
	return rows
}

func checkSST(t *testing.T, name string) {
	sheets := readFixture(t, name)
	want := sstStrings()
	rows := sheets[0].Rows
	if len(rows) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(rows), len(want))
	}
	for i, r := range rows {
		var got []string
		for _, c := range r.Cells {
			got = append(got, c.V)
		}
		if r.N != i+1 || !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%s: row %d = %d %.60q..., want %.60q...", name, i+1, r.N, got, want[i])
		}
	}
}

func TestXLSSharedStringsContinue(t *testing.T) {
	// the fixture must really exercise CONTINUE: check its records
	data, found, _, err := oleFileStream("testdata/sst.xls", -1, "Workbook")
	if err != nil || !found {
		t.Fatal(found, err)
	}
	r := &biffRecords{b: data}
	continues := 0
	for inSST := false; ; {
		typ, _, ok, err := r.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok || typ == recEOF {
			break
		}
		switch {
		case typ == recSST:
			inSST = true
		case typ == recContinue && inSST:
			continues++
		default:
			inSST = false
		}
	}
	if continues < 2 {
		t.Fatalf("sst.xls has %d CONTINUE records after SST, want at least 2", continues)
	}
	checkSST(t, "sst.xls")
}

// Synthetic BIFF streams, for the cases LibreOffice does not write.

func le16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func le32(v uint32) []byte {
	return binary.LittleEndian.AppendUint32(nil, v)
}
func f64(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }

func rec(typ uint16, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return append(append(le16(int(typ)), le16(len(body))...), body...)
}

func cellHdr(row, col int) []byte { return bytes.Join([][]byte{le16(row), le16(col), le16(15)}, nil) }

// compressed and wide give the characters of an XLUnicodeString.
func compressed(s string) []byte { return []byte(s) } // ASCII only
func wide(s string) []byte {
	var b []byte
	for _, r := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

// xlString is an XLUnicodeString of ASCII text.
func xlString(s string) []byte {
	return bytes.Join([][]byte{le16(len(s)), {0}, compressed(s)}, nil)
}

type synthSheet struct {
	name string
	vis  byte // 0 visible, 1 hidden, 2 very hidden
	dt   byte // 0 worksheet, 2 chart
	recs [][]byte
}

// biffStream builds a Workbook stream: globals, then one substream per
// sheet, with BOUNDSHEET offsets filled in.
func biffStream(version int, globals [][]byte, sheets []synthSheet) []byte {
	bound := func(s synthSheet, pos int) []byte {
		name := append([]byte{byte(len(s.name)), 0}, s.name...)
		if version == biff5 {
			name = append([]byte{byte(len(s.name))}, s.name...)
		}
		return rec(recBoundSheet, le32(uint32(pos)), []byte{s.vis, s.dt}, name)
	}
	head := rec(recBOF, le16(version), le16(bofGlobals), make([]byte, 12))
	build := func(pos []int) []byte {
		out := append([]byte(nil), head...)
		for _, g := range globals {
			out = append(out, g...)
		}
		for i, s := range sheets {
			out = append(out, bound(s, pos[i])...)
		}
		return append(out, rec(recEOF)...)
	}
	pos := make([]int, len(sheets))
	at := len(build(pos))
	var subs []byte
	for i, s := range sheets {
		pos[i] = at + len(subs)
		subs = append(subs, rec(recBOF, le16(version), le16(bofWorksheet), make([]byte, 12))...)
		for _, r := range s.recs {
			subs = append(subs, r...)
		}
		subs = append(subs, rec(recEOF)...)
	}
	return append(build(pos), subs...)
}

func readStream(tb testing.TB, data []byte) ([]gotSheet, error) {
	b, err := xlsBook(data, true, false)
	if err != nil {
		return nil, err
	}
	return readBook(tb, b)
}

func TestXLSSharedStringsSplit(t *testing.T) {
	// SST: "abc"; a rich string with phonetic data whose characters
	// switch from 8-bit to UTF-16 at a CONTINUE; its runs and phonetic
	// bytes spread over the next CONTINUE; "fine"; a header that ends a
	// record, its characters (UTF-16) in the next one.
	sst := rec(recSST, le32(5), le32(4),
		xlString("abc"),
		le16(6), []byte{0x0C}, le16(1), le32(6), compressed("ciao"))
	cont1 := rec(recContinue, []byte{1}, wide("€è"), []byte{0, 0})
	cont2 := rec(recContinue, []byte{1, 0}, []byte{1, 2, 3, 4, 5, 6}, xlString("fine"), le16(2), []byte{0})
	cont3 := rec(recContinue, []byte{1}, wide("ok"))
	stream := biffStream(biff8, [][]byte{sst, cont1, cont2, cont3}, []synthSheet{{name: "S", recs: [][]byte{
		rec(recLabelSST, cellHdr(0, 0), le32(0)),
		rec(recLabelSST, cellHdr(0, 1), le32(1)),
		rec(recLabelSST, cellHdr(0, 2), le32(2)),
		rec(recLabelSST, cellHdr(0, 3), le32(3)),
	}}})
	sheets, err := readStream(t, stream)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "sst", sheets[0].Rows, []gotRow{{1, []Cell{str("abc"), str("ciao€è"), str("fine"), str("ok")}}})

	// an index past the table is a damaged file
	stream = biffStream(biff8, [][]byte{sst, cont1, cont2, cont3}, []synthSheet{{name: "S", recs: [][]byte{
		rec(recLabelSST, cellHdr(0, 0), le32(4)),
	}}})
	if _, err := readStream(t, stream); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

// rkInt and rkFloat encode RK numbers.
func rkInt(v int32, x100 bool) uint32 {
	rk := uint32(v)<<2 | 2
	if x100 {
		rk |= 1
	}
	return rk
}

func rkFloat(v float64, x100 bool) uint32 {
	rk := uint32(math.Float64bits(v) >> 32)
	if x100 {
		rk |= 1
	}
	return rk
}

func TestRKValue(t *testing.T) {
	for _, c := range []struct {
		rk   uint32
		want string
	}{
		{rkInt(121999, false), "121999"},
		{rkInt(-2, false), "-2"},
		{rkInt(-536870912, false), "-536870912"},
		{rkInt(536870911, false), "536870911"},
		{rkInt(432640, true), "4326.4"},
		{rkInt(-1899054, true), "-18990.54"},
		{rkFloat(1.5, false), "1.5"},
		{rkFloat(-0.5, false), "-0.5"},
		{rkFloat(432640, true), "4326.4"},
		{rkFloat(-1234, true), "-12.34"},
		{rkFloat(44827, false), "44827"},
		{0, "0"},
	} {
		if got := numberCell(rkValue(c.rk)); got != num(c.want) {
			t.Errorf("rk %#x = %v, want %s", c.rk, got, c.want)
		}
	}
}

func TestXLSCellRecords(t *testing.T) {
	formula := func(row, col int, result []byte) []byte {
		return rec(recFormula, cellHdr(row, col), result, le16(0), le32(0), le16(3), []byte{0x1E, 1, 0})
	}
	special := func(kind, v byte) []byte { return []byte{kind, 0, v, 0, 0, 0, 0xFF, 0xFF} }
	sheet := [][]byte{
		rec(0x0200, make([]byte, 14)), // DIMENSION
		rec(0x0208, make([]byte, 16)), // ROW
		rec(recNumber, cellHdr(0, 0), f64(4326.4)),
		rec(recRK, cellHdr(0, 1), le32(rkInt(121999, false))),
		rec(recMulRK, le16(0), le16(2), le16(15), le32(rkInt(-2, false)), le16(15), le32(rkInt(432640, true)), le16(15), le32(rkFloat(0.5, false)), le16(4)),
		rec(recBlank, cellHdr(0, 5)),
		rec(recMulBlank, le16(0), le16(6), le16(15), le16(15), le16(7)),
		rec(recLabel, cellHdr(0, 9), le16(3), []byte{1}, wide("€ 1")),
		// formulas: string (via SHRFMLA then STRING split over a
		// CONTINUE that switches to UTF-16), number, boolean, error,
		// empty string, and a string whose STRING record is missing
		formula(1, 0, special(0, 0)),
		rec(recShrFmla, make([]byte, 10)),
		rec(recString, le16(6), []byte{0}, compressed("abc")),
		rec(recContinue, []byte{1}, wide("dèf")),
		formula(1, 1, f64(472567.94)),
		formula(1, 2, special(1, 1)),
		formula(1, 3, special(2, 0x07)),
		formula(1, 4, special(3, 0)),
		formula(1, 5, special(0, 0)),
		rec(recBoolErr, cellHdr(1, 6), []byte{0, 0}),
		rec(recBoolErr, cellHdr(1, 7), []byte{0x2A, 1}),
		rec(recNumber, cellHdr(1, 8), f64(math.NaN())),
		// an embedded chart: its records are not cells of the sheet
		rec(recBOF, le16(biff8), le16(0x0020), make([]byte, 12)),
		rec(recNumber, cellHdr(2, 0), f64(99)),
		rec(recEOF),
		rec(recNumber, cellHdr(3, 0), f64(1e-7)),
		rec(recNumber, cellHdr(65535, 255), f64(-0.0)),
	}
	stream := biffStream(biff8, [][]byte{rec(recDateMode, le16(1))}, []synthSheet{
		{name: "Dati", recs: sheet},
		{name: "Grafico", dt: 2},
		{name: "Nascosto", vis: 1, recs: [][]byte{rec(recRK, cellHdr(0, 0), le32(rkInt(1, false)))}},
		{name: "Molto nascosto", vis: 2},
	})
	sheets, err := readStream(t, stream)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sheets {
		names = append(names, fmt.Sprintf("%s %v %v", s.Name, s.Hidden, s.Date1904))
	}
	if want := []string{"Dati false true", "Nascosto true true", "Molto nascosto true true"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("sheets %q, want %q", names, want)
	}
	assertRows(t, "Dati", sheets[0].Rows, []gotRow{
		{1, []Cell{num("4326.4"), num("121999"), num("-2"), num("4326.4"), num("0.5"), {}, {}, {}, {}, str("€ 1")}},
		{2, []Cell{str("abcdèf"), num("472567.94"), str("TRUE"), str("#DIV/0!"), {}, {}, str("FALSE"), str("#N/A"), str("#NUM!")}},
		{4, []Cell{num("0.0000001")}},
		{65536, append(make([]Cell, 255), num("0"))},
	})
}

func TestXLSUnorderedRows(t *testing.T) {
	// some generators write cells in the order the program made them
	stream := biffStream(biff8, nil, []synthSheet{{name: "S", recs: [][]byte{
		rec(recNumber, cellHdr(2, 0), f64(3)),
		rec(recNumber, cellHdr(0, 0), f64(1)),
		rec(recNumber, cellHdr(1, 1), f64(2.5)),
		rec(recNumber, cellHdr(1, 0), f64(2)),
		rec(recNumber, cellHdr(0, 1), f64(1.5)),
	}}})
	sheets, err := readStream(t, stream)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "S", sheets[0].Rows, []gotRow{
		{1, []Cell{num("1"), num("1.5")}},
		{2, []Cell{num("2"), num("2.5")}},
		{3, []Cell{num("3")}},
	})
}

func TestXLSBIFF5(t *testing.T) {
	// Excel 5.0/95: byte strings in the workbook's code page, no SST
	stream := biffStream(biff5, [][]byte{rec(recCodePage, le16(1252))}, []synthSheet{{name: "Entrate \xe8", recs: [][]byte{
		rec(recLabel, cellHdr(0, 0), le16(5), []byte("Citt\xe0")),
		rec(recRString, cellHdr(0, 1), le16(2), []byte("LC"), []byte{0}),
		rec(recNumber, cellHdr(0, 2), f64(18990.54)),
		rec(recFormula, cellHdr(0, 3), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, le16(0), le32(0), le16(0)),
		rec(recString, le16(4), []byte("\x80 12")),
	}}})
	b, err := xlsBook(stream, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if b.Detail != "Excel 5.0/95" {
		t.Errorf("detail = %q", b.Detail)
	}
	sheets, err := readBook(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if sheets[0].Name != "Entrate è" {
		t.Errorf("name = %q", sheets[0].Name)
	}
	assertRows(t, "biff5", sheets[0].Rows, []gotRow{{1, []Cell{str("Città"), str("LC"), num("18990.54"), str("€ 12")}}})
}

func TestXLSBadStreams(t *testing.T) {
	good := biffStream(biff8, [][]byte{rec(recSST, le32(1), le32(1), xlString("testo"))}, []synthSheet{{name: "S", recs: [][]byte{
		rec(recLabelSST, cellHdr(0, 0), le32(0)),
		rec(recRK, cellHdr(0, 1), le32(rkInt(7, false))),
	}}})
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"encrypted", biffStream(biff8, [][]byte{rec(recFilePass, make([]byte, 6))}, nil), ErrEncrypted},
		{"no BOF", good[4:], ErrCorrupt},
		{"empty", nil, ErrCorrupt},
		{"no EOF", good[:len(good)-30], ErrCorrupt},
		{"sheet outside", biffStream(biff8, nil, []synthSheet{{name: "S"}})[:60], ErrCorrupt},
	} {
		_, err := readStream(t, c.data)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := readStream(t, biffStream(0x0400, nil, nil)); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("BIFF4: err = %v, want an unsupported version", err)
	}
	// every truncation of a valid stream is read or refused, never a panic
	for n := range len(good) {
		_, err := readStream(t, good[:n])
		if err == nil {
			t.Errorf("cut at %d: no error", n)
		}
		if err != nil && strings.Contains(err.Error(), "errore interno") {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
}

// patched writes a copy of a fixture with old replaced by new (once).
func patched(t *testing.T, name string, old, new []byte) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, old)
	if i < 0 {
		t.Fatalf("%s: % x not found", name, old)
	}
	b = bytes.Clone(b)
	copy(b[i:], new)
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestXLSSniff(t *testing.T) {
	if f, err := Sniff("testdata/prospetto.xls"); f != FormatXLS || err != nil {
		t.Fatalf("Sniff = %v, %v", f, err)
	}
	// the globals start with BOF and INTERFACEHDR (0x00E1): make the
	// latter a FILEPASS, as in a workbook saved with a password
	bof := []byte{0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00}
	b, _ := os.ReadFile("testdata/prospetto.xls")
	i := bytes.Index(b, bof)
	if i < 0 || b[i+20] != 0xE1 {
		t.Fatalf("no BOF + INTERFACEHDR in prospetto.xls")
	}
	enc := patched(t, "prospetto.xls", b[i:i+22], append(bytes.Clone(b[i:i+20]), 0x2F, 0x00))
	if _, err := Sniff(enc); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted: Sniff err = %v", err)
	}
	if _, err := openXLS(enc); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted: openXLS err = %v", err)
	}
	// an OLE file without a Workbook stream (a Word document, say)
	noWB := patched(t, "prospetto.xls", wide("Workbook"), wide("Document"))
	if _, err := Sniff(noWB); !errors.Is(err, ErrUnknownBinary) {
		t.Errorf("no Workbook: Sniff err = %v", err)
	}
	if _, err := openXLS(noWB); !errors.Is(err, ErrUnknownBinary) {
		t.Errorf("no Workbook: openXLS err = %v", err)
	}
}

func TestXLSTruncatedFile(t *testing.T) {
	b, err := os.ReadFile("testdata/prospetto.xls")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, n := range []int{8, 100, 512, 1024, 2048, len(b) / 2, len(b) - 512, len(b) - 1} {
		p := filepath.Join(dir, fmt.Sprintf("cut%d.xls", n))
		if err := os.WriteFile(p, b[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		_, serr := Sniff(p)
		bk, err := openXLS(p)
		if err == nil {
			_, err = readBook(t, bk)
		}
		if serr == nil && err == nil {
			t.Errorf("cut at %d of %d: read without error", n, len(b))
		}
		for _, e := range []error{serr, err} {
			if e != nil && strings.Contains(e.Error(), "errore interno") {
				t.Errorf("cut at %d: %v", n, e)
			}
		}
	}
}

// End to end: the same data as .csv, .xlsx, .xls and .ods give the same
// records, anomalies and cents.

func loadOptions(t *testing.T) *Options {
	t.Helper()
	cat, err := funding.LoadCatalog(templates.Misure, templates.RiconoscimentoMisure)
	if err != nil {
		t.Fatal(err)
	}
	return &Options{Catalog: cat, Synonyms: DefaultSynonyms()}
}

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
	res, err := ReadFile(filepath.Join("testdata", name), name, 0, loadOptions(t))
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
		if len(got.records) != 1 || got.records[0].DataFin.String() != "23/09/2022" || got.cents != 1400000 {
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

func FuzzXLS(f *testing.F) {
	for _, name := range []string{"tipi.xls", "prospetto.xls", "data1904.xls", "sst.xls"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		// the bare Workbook stream lets the fuzzer reach the BIFF decoder
		data, _, _, err := oleFileStream(filepath.Join("testdata", name), -1, "Workbook")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b *book
		var err error
		if bytes.HasPrefix(data, magicOLE) {
			var found, enc bool
			var stream []byte
			stream, found, enc, err = oleStream(bytes.NewReader(data), int64(len(data)), -1, "Workbook", "Book")
			if err == nil {
				b, err = xlsBook(stream, found, enc)
			}
		} else {
			b, err = xlsBook(data, true, false)
		}
		if err == nil {
			err = drain(b)
		}
		if err != nil && strings.Contains(err.Error(), "errore interno") {
			t.Fatalf("recovered panic: %v", err)
		}
	})
}
