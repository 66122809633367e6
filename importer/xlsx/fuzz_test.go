package xlsx

// Fuzz targets. FuzzSheet fuzzes the XML of a sheet and of the shared
// strings inside a fixed, stored (uncompressed) workbook, so that an
// execution costs microseconds; FuzzOpen fuzzes whole zip files. Both
// assert, besides the absence of panics, that every error is a
// *grid.CorruptError or *grid.LimitError, that what is read is coherent
// (rows increasing, numbers that are numbers, no blank row), and that
// when this reader accepts a file whose XML encoding/xml reads to the end,
// excelize (the reference) reads the same cells.

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"consolida/importer/grid"
)

// fuzzLimits keep each execution small.
var fuzzLimits = Limits{PartBytes: 1 << 20, TotalBytes: 4 << 20, Cells: 200000, TokenBytes: 1 << 16, SharedStrings: 10000, SharedStringBytes: 1 << 20}

// checkRead applies the invariants to one read.
func checkRead(t *testing.T, data []byte, got []dumpSheet, err error) {
	if err != nil {
		var ce *grid.CorruptError
		var le *grid.LimitError
		if !errors.As(err, &ce) && !errors.As(err, &le) {
			t.Fatalf("error %v (%T) is neither CorruptError nor LimitError", err, err)
		}
		if ce != nil && (ce.Row < 0 || ce.Row > maxRows) || le != nil && (le.Row < 0 || le.Row > maxRows) {
			t.Fatalf("error names row out of range: %v", err)
		}
		return
	}
	for _, s := range got {
		prev := 0
		for _, r := range s.Rows {
			if r.N <= prev || r.N > maxRows {
				t.Fatalf("sheet %q: row %d after %d", s.Name, r.N, prev)
			}
			prev = r.N
			if len(r.Cells) == 0 || len(r.Cells) > maxCols {
				t.Fatalf("sheet %q row %d: %d cells", s.Name, r.N, len(r.Cells))
			}
			blank := true
			for _, c := range r.Cells {
				if c.Num && !validNumber([]byte(c.V)) {
					t.Fatalf("sheet %q row %d: number cell %q", s.Name, r.N, c.V)
				}
				blank = blank && strings.TrimSpace(c.V) == ""
			}
			if blank {
				t.Fatalf("sheet %q: blank row %d yielded", s.Name, r.N)
			}
		}
	}
	if !wellFormed(data) {
		return
	}
	want, rerr := readRef(data, false)
	if rerr != nil {
		return // excelize refuses what this reader reads: no reference
	}
	if err := compare(got, want, false); err != nil {
		t.Fatalf("differs from excelize: %v", err)
	}
}

// storedBook lays a sheet and shared strings into a workbook without
// compression.
func storedBook(sheet, sst []byte) []byte {
	parts := buildParts([]tsheet{{name: "Dati", xml: string(sheet)}}, "", false)
	if len(sst) > 0 {
		parts = buildParts([]tsheet{{name: "Dati", xml: string(sheet)}}, "x", false)
		for i := range parts {
			if parts[i].name == "xl/sharedStrings.xml" {
				parts[i].body = string(sst)
			}
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		io.WriteString(w, p.body)
	}
	zw.Close()
	return buf.Bytes()
}

func FuzzSheet(f *testing.F) {
	sst := `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + nsMainURI + `"><si><t>uno</t></si><si><r><t>d</t></r><r><t>ue</t></r><rPh><t>x</t></rPh></si><si><t xml:space="preserve"> _x0041_ &amp; </t></si></sst>`
	seeds := []string{
		hundred(),
		`<row><c t="s"><v>0</v></c><c><v>1.5</v></c><c t="s"><v>1</v></c></row><row><c/><c t="b"><v>1</v></c></row><row r="7"><c><v>7</v></c></row>`,
		`<row r="1"><c r="A1" t="str"><f>"x"</f><v>xy</v></c><c r="B1" t="e"><v>#N/A</v></c><c r="C1" t="d"><v>2023-09-23T00:00:00</v></c><c r="E1" t="n"><v>1.0E-3</v></c><c r="F1"><f>A1</f></c></row>`,
		`<row r="1"><c r="A1" t="inlineStr"><is><r><t>ric</t></r><r><rPr><i/></rPr><t>co</t></r></is></c><c r="C1" t="inlineStr"><v>v</v></c></row>`,
		`<row r="1"><c r="A1" t="str"><v>&lt;&#65;&#x42;&gt;</v></c><c r="B1" t="str"><v><![CDATA[a<b]]>c</v></c><c r="D1" t="str"><v>a<!-- n -->b</v></c></row>`,
		"\n <row r=\"1\" spans=\"1:3\">\n  <c r=\"A1\" s=\"0\" t=\"str\">\n   <v> a\tb </v>\n  </c>\r\n </row>\n <row r=\"2\"/>\n",
		`<row r="1048576"><c r="XFC1048576"><v>1</v></c><c><v>2</v></c></row>`,
		`<row r="2"><c r="b2"><v>1</v></c><c r="A2"><v>2</v></c></row>`,
	}
	for _, s := range seeds {
		f.Add([]byte(sheetXML(s)), []byte(sst))
	}
	f.Add([]byte(sheetXML(hundred())), []byte(""))
	f.Add([]byte(`<!DOCTYPE x><worksheet/>`), []byte(sst))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		data := storedBook(sheet, sst)
		got, err := readAll(data, fuzzLimits)
		checkRead(t, data, got, err)
	})
}

func FuzzOpen(f *testing.F) {
	// small workbooks, stored so that mutations reach the XML; one
	// deflated; several sheets, hidden ones, the 1904 system
	f.Add(storedBook([]byte(sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>12.5</v></c></row>`)),
		[]byte(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="`+nsMainURI+`"><si><t>x</t></si></sst>`)))
	f.Add(storedBook([]byte(sheetXML(`<row><c t="inlineStr"><is><t>a</t></is></c></row><row r="3"><c r="C3" t="b"><v>1</v></c></row>`)), nil))
	f.Add(build(f, `<row r="1"><c r="A1" t="s"><v>0</v></c></row>`, `<si><t>x</t></si>`))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range buildParts([]tsheet{
		{name: "Uno", xml: sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`)},
		{name: "Due", state: "hidden", xml: sheetXML(`<row r="2"><c r="B2"><v>2</v></c></row>`)},
	}, `<si><t>x</t></si>`, true) {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		io.WriteString(w, p.body)
	}
	zw.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := readAll(data, fuzzLimits)
		checkRead(t, data, got, err)
	})
}
