package xls

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"consolida/importer/grid"
	"consolida/importer/grid/gridtest"
)

// The fixtures under importer/testdata/ are written by importer/testdata/gen (excelize for
// the source, LibreOffice for the .xlsx, .xls and .ods that offices send).

// fixture is the path of a file of importer/testdata.
func fixture(name string) string { return filepath.Join("..", "testdata", name) }

// openFile opens a file with Open, as the importer does.
func openFile(t testing.TB, path string) (*grid.Book, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return Open(context.Background(), f, st.Size(), grid.Limits{})
}

// sniffFile runs Sniff on a file.
func sniffFile(t testing.TB, path string) error {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Sniff(bytes.NewReader(b), int64(len(b)))
}

// readFixture opens a fixture and reads it whole.
func readFixture(t *testing.T, name string) []gridtest.Sheet {
	t.Helper()
	b, err := openFile(t, fixture(name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sheets, err := gridtest.ReadBook(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return sheets
}

// workbookStream is the bare Workbook stream of a fixture.
func workbookStream(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(fixture(name))
	if err != nil {
		tb.Fatal(err)
	}
	data, found, _, err := oleStream(bytes.NewReader(b), int64(len(b)), -1, "Workbook")
	if err != nil || !found {
		tb.Fatal(name, found, err)
	}
	return data
}

var (
	num          = gridtest.Num
	str          = gridtest.Str
	rowByNumber  = gridtest.RowByNumber
	magicOLE     = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	checkSSTRows = gridtest.CheckSST
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

func TestXLSCellTypes(t *testing.T) {
	sheets := readFixture(t, "tipi.xls")
	if len(sheets) != 1 || sheets[0].Name != "Tipi" || sheets[0].Hidden || sheets[0].Date1904 {
		t.Fatalf("sheets = %+v", sheets)
	}
	assertRows(t, "tipi.xls", sheets[0].Rows, []gotRow{
		{1, []grid.Cell{str("testo"), num("1.5"), str("TRUE"), str("#DIV/0!"), str("testo!"), num("6"), str("FALSE")}},
		{2, []grid.Cell{str("riga uno\nriga due"), num("-2"), num("0.1"), num("100000000000000000000"), num("123456789012"), num("0.25"), num("3430")}},
		{3, []grid.Cell{str("doppio  spazio"), str("tab\tqui"), num("4326.4"), num("18990.54"), num("121999"), num("44827"), str("  ")}},
		{5, []grid.Cell{str("dopo la riga vuota")}},
	})
}

func TestXLSProspetto(t *testing.T) {
	gridtest.CheckProspetto(t, "prospetto.xls", readFixture(t, "prospetto.xls"), num)
}

func TestXLSDate1904(t *testing.T) {
	sheets := readFixture(t, "data1904.xls")
	if len(sheets) != 1 || !sheets[0].Date1904 {
		t.Fatalf("sheets = %+v, want one sheet in the 1904 date system", sheets)
	}
	c := rowByNumber(t, sheets[0], 2)[4]
	if c != num("43365") {
		t.Fatalf("date cell = %v, want the 1904 serial 43365 (23/09/2022)", c)
	}
}

func TestXLSSharedStringsContinue(t *testing.T) {
	// the fixture must really exercise CONTINUE: check its records
	r := &biffRecords{b: workbookStream(t, "sst.xls")}
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
	checkSSTRows(t, "sst.xls", readFixture(t, "sst.xls"))
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

func readStream(tb testing.TB, data []byte) ([]gridtest.Sheet, error) {
	b, err := xlsBook(context.Background(), data, true, false, grid.DefaultLimits())
	if err != nil {
		return nil, err
	}
	return gridtest.ReadBook(b)
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
	assertRows(t, "sst", sheets[0].Rows, []gotRow{{1, []grid.Cell{str("abc"), str("ciao€è"), str("fine"), str("ok")}}})

	// an index past the table is a damaged file
	stream = biffStream(biff8, [][]byte{sst, cont1, cont2, cont3}, []synthSheet{{name: "S", recs: [][]byte{
		rec(recLabelSST, cellHdr(0, 0), le32(4)),
	}}})
	if _, err := readStream(t, stream); !errors.Is(err, grid.ErrCorrupt) {
		t.Fatalf("err = %v, want grid.ErrCorrupt", err)
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
		if got := grid.Number(rkValue(c.rk)); got != num(c.want) {
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
		{1, []grid.Cell{num("4326.4"), num("121999"), num("-2"), num("4326.4"), num("0.5"), {}, {}, {}, {}, str("€ 1")}},
		{2, []grid.Cell{str("abcdèf"), num("472567.94"), str("TRUE"), str("#DIV/0!"), {}, {}, str("FALSE"), str("#N/A"), str("#NUM!")}},
		{4, []grid.Cell{num("0.0000001")}},
		{65536, append(make([]grid.Cell, 255), num("0"))},
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
		{1, []grid.Cell{num("1"), num("1.5")}},
		{2, []grid.Cell{num("2"), num("2.5")}},
		{3, []grid.Cell{num("3")}},
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
	b, err := xlsBook(context.Background(), stream, true, false, grid.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if b.Detail != "Excel 5.0/95" {
		t.Errorf("detail = %q", b.Detail)
	}
	sheets, err := gridtest.ReadBook(b)
	if err != nil {
		t.Fatal(err)
	}
	if sheets[0].Name != "Entrate è" {
		t.Errorf("name = %q", sheets[0].Name)
	}
	assertRows(t, "biff5", sheets[0].Rows, []gotRow{{1, []grid.Cell{str("Città"), str("LC"), num("18990.54"), str("€ 12")}}})
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
		{"encrypted", biffStream(biff8, [][]byte{rec(recFilePass, make([]byte, 6))}, nil), grid.ErrEncrypted},
		{"no BOF", good[4:], grid.ErrCorrupt},
		{"empty", nil, grid.ErrCorrupt},
		{"no EOF", good[:len(good)-30], grid.ErrCorrupt},
		{"sheet outside", biffStream(biff8, nil, []synthSheet{{name: "S"}})[:60], grid.ErrCorrupt},
	} {
		_, err := readStream(t, c.data)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := readStream(t, biffStream(0x0400, nil, nil)); err == nil || errors.Is(err, grid.ErrCorrupt) {
		t.Errorf("BIFF4: err = %v, want an unsupported version", err)
	}
	// every truncation of a valid stream is read or refused, never a panic
	for n := range len(good) {
		_, err := readStream(t, good[:n])
		if err == nil {
			t.Errorf("cut at %d: no error", n)
		}
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
}

// patched writes a copy of a fixture with old replaced by new (once).
func patched(t *testing.T, name string, old, new []byte) string {
	t.Helper()
	b, err := os.ReadFile(fixture(name))
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
	if err := sniffFile(t, fixture("prospetto.xls")); err != nil {
		t.Fatalf("Sniff = %v", err)
	}
	// the globals start with BOF and INTERFACEHDR (0x00E1): make the
	// latter a FILEPASS, as in a workbook saved with a password
	bof := []byte{0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00}
	b, _ := os.ReadFile(fixture("prospetto.xls"))
	i := bytes.Index(b, bof)
	if i < 0 || b[i+20] != 0xE1 {
		t.Fatalf("no BOF + INTERFACEHDR in prospetto.xls")
	}
	enc := patched(t, "prospetto.xls", b[i:i+22], append(bytes.Clone(b[i:i+20]), 0x2F, 0x00))
	if err := sniffFile(t, enc); !errors.Is(err, grid.ErrEncrypted) {
		t.Errorf("encrypted: Sniff err = %v", err)
	}
	if _, err := openFile(t, enc); !errors.Is(err, grid.ErrEncrypted) {
		t.Errorf("encrypted: Open err = %v", err)
	}
	// an OLE file without a Workbook stream (a Word document, say)
	noWB := patched(t, "prospetto.xls", wide("Workbook"), wide("Document"))
	if err := sniffFile(t, noWB); !errors.Is(err, ErrNotWorkbook) {
		t.Errorf("no Workbook: Sniff err = %v", err)
	}
	if _, err := openFile(t, noWB); !errors.Is(err, ErrNotWorkbook) {
		t.Errorf("no Workbook: Open err = %v", err)
	}
	// a damaged container: Sniff says so without detail, Open with it
	cut := patched(t, "prospetto.xls", b[:512], append(bytes.Clone(b[:0x1E]), 0x07, 0x00))
	if err := sniffFile(t, cut); err != grid.ErrCorrupt {
		t.Errorf("bad sector shift: Sniff err = %v, want the bare grid.ErrCorrupt", err)
	}
	if _, err := openFile(t, cut); !errors.Is(err, grid.ErrCorrupt) || err == grid.ErrCorrupt {
		t.Errorf("bad sector shift: Open err = %v, want grid.ErrCorrupt with a detail", err)
	}
}

func TestXLSTruncatedFile(t *testing.T) {
	b, err := os.ReadFile(fixture("prospetto.xls"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{8, 100, 512, 1024, 2048, len(b) / 2, len(b) - 512, len(b) - 1} {
		ra := bytes.NewReader(b[:n])
		serr := Sniff(ra, int64(n))
		bk, err := Open(context.Background(), ra, int64(n), grid.Limits{})
		if err == nil {
			_, err = gridtest.ReadBook(bk)
		}
		if serr == nil && err == nil {
			t.Errorf("cut at %d of %d: read without error", n, len(b))
		}
		for _, e := range []error{serr, err} {
			if e != nil && strings.Contains(e.Error(), "internal error") {
				t.Errorf("cut at %d: %v", n, e)
			}
		}
	}
}

// fuzzLimits keep each execution small.
var fuzzLimits = grid.Limits{TotalBytes: 16 << 20, Cells: 100000}.WithDefaults()

// FuzzXLS fuzzes whole OLE files and bare Workbook streams, under small
// limits, and checks the decoders' contract (gridtest.Contract): typed
// errors, rows in order and never blank, numbers that are numbers, the
// budget kept, the same rows when read again.
func FuzzXLS(f *testing.F) {
	for _, name := range []string{"tipi.xls", "prospetto.xls", "data1904.xls", "sst.xls"} {
		b, err := os.ReadFile(fixture(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		// the bare Workbook stream lets the fuzzer reach the BIFF decoder
		f.Add(workbookStream(f, name))
	}
	f.Add(sameDataSheets(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b *grid.Book
		var err error
		if bytes.HasPrefix(data, magicOLE) {
			var found, enc bool
			var stream []byte
			stream, found, enc, err = oleStream(bytes.NewReader(data), int64(len(data)), -1, "Workbook", "Book")
			if err == nil {
				b, err = xlsBook(context.Background(), stream, found, enc, fuzzLimits)
			}
		} else {
			b, err = xlsBook(context.Background(), data, true, false, fuzzLimits)
		}
		if err != nil {
			// a workbook of another kind, or of an Excel too old, is said so
			if breach := gridtest.Typed(err); breach != nil && !errors.Is(err, ErrNotWorkbook) && !strings.Contains(err.Error(), "BIFF") {
				t.Fatal(breach)
			}
			return
		}
		if _, breach := gridtest.Contract(b, fuzzLimits.Cells); breach != nil {
			t.Fatal(breach)
		}
	})
}

// sameDataSheets is a stream whose n BOUNDSHEET records all point at the
// first sheet's substream, as a hostile file would to read it n times.
func sameDataSheets(n int) []byte {
	cells := [][]byte{}
	for r := 0; r < 10; r++ {
		cells = append(cells, rec(recRK, cellHdr(r, 0), le32(rkInt(int32(r), false))))
	}
	sheets := []synthSheet{{name: "S0", recs: cells}}
	for i := 1; i < n; i++ {
		sheets = append(sheets, synthSheet{name: fmt.Sprintf("S%d", i)})
	}
	data := biffStream(biff8, nil, sheets)
	// point every BOUNDSHEET at the first substream
	first := -1
	for i := 0; i+4 <= len(data); {
		typ := binary.LittleEndian.Uint16(data[i:])
		size := int(binary.LittleEndian.Uint16(data[i+2:]))
		if typ == recBoundSheet {
			if first < 0 {
				first = int(binary.LittleEndian.Uint32(data[i+4:]))
			}
			binary.LittleEndian.PutUint32(data[i+4:], uint32(first))
		}
		if typ == recEOF {
			break
		}
		i += 4 + size
	}
	return data
}

func TestXLSSheetsOnTheSameData(t *testing.T) {
	// 2,000 sheets on one substream would yield its rows 2,000 times
	_, err := readStream(t, sameDataSheets(2000))
	var ce *grid.CorruptError
	if !errors.As(err, &ce) || ce.Sheet != "S1" {
		t.Errorf("err = %v, want a *grid.CorruptError naming sheet S1", err)
	}
}

func TestXLSBudget(t *testing.T) {
	var cells [][]byte
	for r := 0; r < 100; r++ {
		cells = append(cells, rec(recRK, cellHdr(r, 0), le32(rkInt(int32(r), false))), rec(recRK, cellHdr(r, 1), le32(rkInt(1, false))))
	}
	data := biffStream(biff8, nil, []synthSheet{{name: "A", recs: cells}, {name: "B", recs: cells}})
	for _, c := range []struct {
		name   string
		lim    grid.Limits
		budget grid.Budget
		sheet  string
	}{
		{"bytes walked", grid.Limits{TotalBytes: int64(len(data))}, grid.BudgetBytes, "B"}, // each sheet is walked twice
		{"cells", grid.Limits{Cells: 250}, grid.BudgetCells, "B"},
		{"sheets", grid.Limits{Sheets: 1}, grid.BudgetSheets, ""},
	} {
		b, err := xlsBook(context.Background(), data, true, false, c.lim.WithDefaults())
		if err == nil {
			err = gridtest.Drain(b)
		}
		var le *grid.LimitError
		if !errors.As(err, &le) || le.Budget != c.budget || le.Sheet != c.sheet {
			t.Errorf("%s: err = %v, want a *grid.LimitError of budget %d in sheet %q", c.name, err, c.budget, c.sheet)
		}
	}
	if _, err := readStream(t, data); err != nil {
		t.Errorf("within the defaults: %v", err)
	}
}

func TestXLSDamageLocated(t *testing.T) {
	// a sheet cut short names the sheet and the row after the last read
	var cells [][]byte
	for r := 0; r < 100; r++ {
		cells = append(cells, rec(recNumber, cellHdr(r, 0), f64(1000)))
	}
	data := biffStream(biff8, nil, []synthSheet{{name: "Dati", recs: cells}})
	cut := data[:len(data)-4-18*49-5] // inside the record of row 51
	sheets, err := readStream(t, cut)
	var ce *grid.CorruptError
	if !errors.As(err, &ce) || ce.Sheet != "Dati" || ce.Row != 51 {
		t.Errorf("err = %v, want a *grid.CorruptError at sheet Dati, row 51", err)
	}
	if len(sheets) == 1 && len(sheets[0].Rows) > 50 {
		t.Errorf("%d rows read from a sheet cut at row 51", len(sheets[0].Rows))
	}
}

func TestXLSCancel(t *testing.T) {
	var cells [][]byte
	for r := 0; r < 20000; r++ {
		cells = append(cells, rec(recRK, cellHdr(r%65536, 0), le32(rkInt(1, false))))
	}
	data := biffStream(biff8, nil, []synthSheet{{name: "A", recs: cells}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := xlsBook(ctx, data, true, false, grid.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	it, err := b.Sheets[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for it.Next() {
		if rows++; rows == 10 {
			cancel()
		}
	}
	if !errors.Is(it.Err(), context.Canceled) || rows > 10+4096 {
		t.Errorf("after %d rows: err = %v, want context.Canceled within 4096 records", rows, it.Err())
	}
}
