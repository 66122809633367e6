package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"consolida/importer/grid"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// copyFixture copies a file of testdata into a temporary folder.
func copyFixture(t *testing.T, name string) (string, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), name, b), b
}

// openRemoved opens a file and removes it: whatever reads it afterwards
// can only use the descriptor Open gave.
func openRemoved(t *testing.T, path string) *Input {
	t.Helper()
	in, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	return in
}

// late1252 is a CSV whose only byte that is not UTF-8 comes after more
// than a megabyte of ASCII rows.
func late1252() []byte {
	var b bytes.Buffer
	b.WriteString("comune,cod_comune,importo_finanziamento,avviso\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("Lecco,097042,100,1.4.4 Adozione SPID CIE - Comuni\n")
	}
	b.WriteString("Santa Maria Ho\xe8,097074,100,1.4.4 Adozione SPID CIE - Comuni\n")
	return b.Bytes()
}

func TestDecoderForEachFormat(t *testing.T) {
	spreadsheet := []string{"Finanziamenti", "Altri comuni", "Nascosto"}
	for _, c := range []struct {
		format  Format
		fixture string
		sheets  []string
		detail  string
	}{
		{FormatCSV, "prospetto.csv", []string{""}, "codifica UTF-8, separatore ';'"},
		{FormatXLSX, "prospetto.xlsx", spreadsheet, ""},
		{FormatXLS, "prospetto.xls", spreadsheet, ""},
		{FormatODS, "prospetto.ods", spreadsheet, ""},
	} {
		in, err := Open(filepath.Join("testdata", c.fixture))
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		if f, err := in.sniff(); f != c.format || err != nil {
			t.Errorf("%s: sniffed %v, %v; want %s", c.fixture, f, err, c.format)
		}
		dec, err := decoderFor(c.format)
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		b, err := dec(in, grid.DefaultLimits())
		if err != nil {
			t.Fatalf("%s decoder on %s: %v", c.format, c.fixture, err)
		}
		var names []string
		for _, s := range b.Sheets {
			names = append(names, s.Name)
		}
		if !reflect.DeepEqual(names, c.sheets) || b.Detail != c.detail {
			t.Errorf("%s decoder on %s: sheets %q detail %q; want %q %q", c.format, c.fixture, names, b.Detail, c.sheets, c.detail)
		}
		// the header row of the table, as every format has it
		it, err := b.Sheets[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		var header []string
		for it.Next() {
			if n, cells := it.Row(); n == 4 {
				for _, c := range cells {
					header = append(header, c.V)
				}
				break
			}
		}
		it.Close()
		if len(header) < 6 || header[0] != "Codice ISTAT" || header[5] != "Importo finanziato (€)" {
			t.Errorf("%s decoder on %s: row 4 = %q", c.format, c.fixture, header)
		}
		b.close()
	}
	// a decoder given another format's bytes refuses them
	in, err := Open(filepath.Join("testdata", "prospetto.ods"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := openXLS(in, grid.DefaultLimits()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("XLS decoder on an .ods: %v, want ErrCorrupt", err)
	}
}

// A CSV sheet opened a second time reads the file again from its first
// byte, through the same descriptor.
func TestCSVSheetOpenedTwice(t *testing.T) {
	p, data := copyFixture(t, "prospetto.csv")
	in := openRemoved(t, p)
	b, err := openCSV(in, grid.Limits{}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	var reads [2][]string
	for k := range reads {
		it, err := b.Sheets[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		for it.Next() {
			n, cells := it.Row()
			reads[k] = append(reads[k], fmt.Sprint(n, cells))
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		it.Close()
	}
	if len(reads[0]) < 10 || !reflect.DeepEqual(reads[0], reads[1]) {
		t.Errorf("first read %d rows, second %d", len(reads[0]), len(reads[1]))
	}
	if sum, err := in.hashPass(); err != nil || sum != sha256Hex(data) {
		t.Errorf("hash of the second read %s, %v", sum, err)
	}
}

func TestDecoderForUnknownFormats(t *testing.T) {
	for _, f := range []Format{"", "XLSB", "PDF", "csv", "Word"} {
		dec, err := decoderFor(f)
		if dec != nil || err == nil || err.Error() != fmt.Sprintf("formato %s: lettura non disponibile", f) {
			t.Errorf("decoderFor(%q) = %v, %v", f, dec != nil, err)
		}
	}
}

// Every format is read from the descriptor that Open gave: the file is
// removed before it is read, and the result is that of ReadFile on an
// intact copy, with the SHA-256 of the bytes.
func TestReadFromRemovedFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "late.csv", late1252())
	pdf := writeFile(t, dir, "decreto.pdf", []byte("%PDF-1.7\nnon un prospetto\n"))
	for _, name := range []string{"prospetto.csv", "prospetto.xlsx", "prospetto.xls", "prospetto.ods", "late.csv", "decreto.pdf"} {
		src := filepath.Join("testdata", name)
		if name == "late.csv" || name == "decreto.pdf" {
			src = filepath.Join(dir, name)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ReadFile(src, name, 0, testOptions(t))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, ledger := range []bool{false, true} {
			p := writeFile(t, t.TempDir(), name, data)
			in := openRemoved(t, p)
			if ledger {
				// the ledger hashes first, then parses the same descriptor
				sum, err := in.SHA256()
				if err != nil || sum != sha256Hex(data) {
					t.Fatalf("%s: SHA256 = %s, %v; want %s", name, sum, err, sha256Hex(data))
				}
			}
			got, err := in.Read(name, 0, testOptions(t))
			if err != nil {
				t.Fatalf("%s (ledger %v): %v", name, ledger, err)
			}
			if got.Source.SHA256 != sha256Hex(data) || got.Source.Size != int64(len(data)) {
				t.Errorf("%s: source %s %d, want %s %d", name, got.Source.SHA256, got.Source.Size, sha256Hex(data), len(data))
			}
			got.Source.Path, got.Report.Path = want.Source.Path, want.Report.Path
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (ledger %v): read from the removed file differs from ReadFile", name, ledger)
			}
		}
	}
	if r, err := ReadFile(pdf, "decreto.pdf", 0, testOptions(t)); err != nil || r.Source.Skipped == "" || r.Source.Format != "PDF" {
		t.Errorf("decreto.pdf: %+v, %v", r, err)
	}
}

// The bytes of a CSV are read once when they are UTF-8, and when a
// Windows-1252 byte shows up in the first 8 KiB; at most twice when it
// comes later. The ledger's hash first costs one more pass.
func TestCSVBytesReadOnceOrTwice(t *testing.T) {
	dir := t.TempDir()
	text := "Comune;Cod. ISTAT;Avviso;Importo\nSanta Maria Hoè;97074;1.4.4 Adozione SPID CIE - Comuni - Aprile 2022;14.000,00\n"
	cp, _ := charmap.Windows1252.NewEncoder().String(text)
	late := late1252()
	big := bytes.Repeat([]byte("Lecco;97042;1.4.1 Esperienza del Cittadino;1.000,00\n"), 20000)
	for _, c := range []struct {
		name      string
		data      []byte
		enc       string
		reads     int // of the whole file by Read
		withHash  int // by SHA256 then Read
		byteRange bool
	}{
		{"utf8.csv", append([]byte(text), big...), EncUTF8, 1, 2, false},
		{"bom.csv", append([]byte("\xef\xbb\xbf"+text), big...), EncUTF8BOM, 1, 2, false},
		{"cp1252.csv", append([]byte(cp), big...), Enc1252, 1, 2, false},
		{"late.csv", late, Enc1252, 2, 2, true},
		{"short.csv", []byte(text), EncUTF8, 1, 2, false},
	} {
		for _, hashFirst := range []bool{false, true} {
			in, err := Open(writeFile(t, dir, c.name, c.data))
			if err != nil {
				t.Fatal(err)
			}
			if hashFirst {
				if _, err := in.SHA256(); err != nil {
					t.Fatal(err)
				}
			}
			r, err := in.Read(c.name, 0, testOptions(t))
			in.Close()
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !strings.Contains(r.Report.Detail, "codifica "+c.enc+",") {
				t.Errorf("%s: detail %q, want %s", c.name, r.Report.Detail, c.enc)
			}
			want := c.reads
			if hashFirst {
				want = c.withHash
			}
			size := int64(len(c.data))
			switch {
			case c.byteRange && !hashFirst:
				// the first pass stops at the byte that is not UTF-8
				if in.bytesRead <= size || in.bytesRead > 2*size {
					t.Errorf("%s: %d bytes read for %d, want more than once and at most twice", c.name, in.bytesRead, size)
				}
			case in.bytesRead != int64(want)*size:
				t.Errorf("%s (hash first %v): %d bytes read for %d, want %d times", c.name, hashFirst, in.bytesRead, size, want)
			}
		}
	}
}

// A second reading of a file, as Windows-1252, counts its rows once in
// the progress, and gives the rows of that encoding only.
func TestRetryAsWindows1252(t *testing.T) {
	progress := func(data []byte) (*FileResult, int) {
		opt := testOptions(t)
		total := 0
		opt.OnRows = func(n int) { total += n }
		r, err := ReadFile(writeFile(t, t.TempDir(), "f.csv", data), "f.csv", 0, opt)
		if err != nil {
			t.Fatal(err)
		}
		return r, total
	}
	// the same rows in ASCII, read once: the rows the progress counts
	// (those after the header scan)
	_, once := progress(bytes.Replace(late1252(), []byte("\xe8"), []byte("e"), 1))
	r, total := progress(late1252())
	if len(r.Records) != 20001 || r.Source.Read.Rows != 20001 || total != once || once < 19900 {
		t.Errorf("%d records, %d rows read, %d rows in the progress; want 20001 and %d", len(r.Records), r.Source.Read.Rows, total, once)
	}
	if last := r.Records[len(r.Records)-1]; last.Comune != "Santa Maria Hoè" || !strings.Contains(r.Source.Format, Enc1252) {
		t.Errorf("last comune %q, format %q", last.Comune, r.Source.Format)
	}
}

// A file changed after the ledger hashed it, before it is parsed, is
// refused: its rows would be a mix of old and new stored under the old
// SHA-256 (issue 8, finding 8).
func TestHashOfTheBytesRead(t *testing.T) {
	for _, name := range []string{"prospetto.csv", "prospetto.xlsx", "prospetto.xls", "prospetto.ods"} {
		p, data := copyFixture(t, name)
		in, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		before, err := in.SHA256()
		if err != nil || before != sha256Hex(data) {
			t.Fatalf("%s: %s, %v", name, before, err)
		}
		// the same file, rewritten in place: the descriptor sees it
		changed := bytes.Clone(data)
		switch filepath.Ext(name) {
		case ".csv":
			changed = bytes.Replace(changed, []byte("121.999,00"), []byte("122.999,00"), 1)
		case ".xls":
			changed = bytes.Replace(changed, []byte("Abbadia"), []byte("Abbadib"), 1)
		default:
			changed[10] ^= 1 // the time of the first zip entry, which no reader checks
		}
		if bytes.Equal(changed, data) {
			t.Fatalf("%s: not changed", name)
		}
		if err := os.WriteFile(p, changed, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := in.Read(name, 0, testOptions(t))
		in.Close()
		if !errors.Is(err, ErrChanged) {
			t.Errorf("%s: %+v, %v; want ErrChanged", name, r, err)
		}
	}
}

func TestUTF8CheckAcrossChunks(t *testing.T) {
	for _, s := range []string{"", "abc", "Hoè €uro 𝄞 àèìòù", "a\xe8b", "\xe2\x82", "x\xf0\x9d\x84", "\xed\xa0\x80", "ok\xff", "\xc3"} {
		want := utf8.ValidString(s)
		for size := 1; size <= len(s)+1; size++ {
			c := &utf8Check{valid: true}
			for i := 0; i < len(s); i += size {
				c.write([]byte(s[i:min(i+size, len(s))]))
			}
			c.end()
			if c.valid != want {
				t.Errorf("%q in chunks of %d: valid %v, want %v", s, size, c.valid, want)
			}
		}
	}
}

// FuzzUTF8Check: the chunked check agrees with utf8.Valid on the whole.
func FuzzUTF8Check(f *testing.F) {
	f.Add([]byte("Hoè €uro 𝄞"), uint8(3))
	f.Add([]byte("a\xe8b"), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, size uint8) {
		step := int(size%16) + 1
		c := &utf8Check{valid: true}
		for i := 0; i < len(b); i += step {
			c.write(b[i:min(i+step, len(b))])
		}
		c.end()
		if c.valid != utf8.Valid(b) {
			t.Fatalf("%q in chunks of %d: valid %v", b, step, c.valid)
		}
	})
}

func TestSniffContainers(t *testing.T) {
	dir := t.TempDir()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	xlsData, odsData := read("prospetto.xls"), read("prospetto.ods")
	replace := func(b []byte, old, new []byte) []byte {
		i := bytes.Index(b, old)
		if i < 0 {
			t.Fatalf("% x not found", old)
		}
		b = bytes.Clone(b)
		copy(b[i:], new)
		return b
	}
	wide := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return b
	}
	// the globals of prospetto.xls start with BOF and INTERFACEHDR:
	// make the latter a FILEPASS, as in a workbook saved with a password
	bof := []byte{0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00}
	i := bytes.Index(xlsData, bof)
	if i < 0 || xlsData[i+20] != 0xE1 {
		t.Fatal("no BOF + INTERFACEHDR in prospetto.xls")
	}
	for _, c := range []struct {
		name   string
		data   []byte
		format Format
		err    error
	}{
		{"prospetto.xls", xlsData, FormatXLS, nil},
		{"prospetto.ods", odsData, FormatODS, nil},
		{"prospetto.xlsx", read("prospetto.xlsx"), FormatXLSX, nil},
		{"password.xls", replace(xlsData, xlsData[i:i+22], append(bytes.Clone(xlsData[i:i+20]), 0x2F, 0x00)), "", ErrEncrypted},
		{"word.xls", replace(xlsData, wide("Workbook"), wide("Document")), "", ErrUnknownBinary},
		{"cut.ods", odsData[:len(odsData)/2], "", ErrCorrupt},
		{"cut.xls", xlsData[:600], "", ErrCorrupt},
		{"garbage.ods", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0x5A, 0x13, 0x00, 0xFF}, 200)...), "", ErrUnknownBinary},
		{"utf16.csv", []byte("\xff\xfeC\x00;\x00"), FormatCSV, nil},
	} {
		f, err := Sniff(writeFile(t, dir, c.name, c.data))
		if f != c.format || err != c.err {
			t.Errorf("%s: Sniff = %q, %v; want %q, %v", c.name, f, err, c.format, c.err)
		}
	}
	// ReadFile says the same of a Word document named .xls
	if _, err := ReadFile(filepath.Join(dir, "word.xls"), "word.xls", 0, testOptions(t)); err != ErrUnknownBinary {
		t.Errorf("ReadFile(word.xls) = %v", err)
	}
	// the importer's errors are the decoders' own
	if ErrCorrupt != grid.ErrCorrupt || ErrEncrypted != grid.ErrEncrypted {
		t.Error("ErrCorrupt or ErrEncrypted is not grid's")
	}
}

func TestReadFileErrorsOfThePath(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadFile(dir, "x", 0, testOptions(t)); err == nil || err.Error() != "è una cartella" {
		t.Errorf("folder: %v", err)
	}
	missing := filepath.Join(dir, "manca.csv")
	_, err := ReadFile(missing, "manca.csv", 0, testOptions(t))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	// the ledger's order: the hash of a folder fails as a read
	in, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := in.SHA256(); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("SHA256 of a folder: %v", err)
	}
}
