package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"consolida/importer/grid"
)

// hundred is the sheetData of a list of 100 rows after a header: a comune
// (inline string), an amount of 1000 (number) and a measure (shared
// string 0).
func hundred() string {
	var b strings.Builder
	b.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>comune</t></is></c><c r="B1" t="inlineStr"><is><t>importo</t></is></c><c r="C1" t="inlineStr"><is><t>misura</t></is></c></row>`)
	for r := 2; r <= 101; r++ {
		fmt.Fprintf(&b, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>Comune %d</t></is></c><c r="B%d"><v>1000</v></c><c r="C%d" t="s"><v>0</v></c></row>`, r, r, r, r, r)
	}
	return b.String()
}

const hundredSST = `<si><t>1.2 Cloud</t></si>`

// readRows reads the first sheet, returning the numbers of the rows
// yielded and the error that ended them.
func readRows(t *testing.T, data []byte, lim Limits) ([]int, error) {
	t.Helper()
	b, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), lim)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	it, err := b.Sheets[0].Open()
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var got []int
	for it.Next() {
		n, _ := it.Row()
		got = append(got, n)
	}
	return got, it.Err()
}

func TestUndamaged(t *testing.T) {
	got, err := readRows(t, build(t, hundred(), hundredSST), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 101 || got[0] != 1 || got[100] != 101 {
		t.Fatalf("rows %v", got)
	}
}

// TestDamage puts each kind of damage into row 51 of 100 (row 52 of the
// sheet, after the header) and checks that the read fails there, naming
// the sheet and the row, after yielding exactly the rows before it.
func TestDamage(t *testing.T) {
	const target = `<row r="52"><c r="A52" t="inlineStr"><is><t>Comune 52</t></is></c><c r="B52"><v>1000</v></c>`
	cases := []struct {
		name, with, detail string
	}{
		{"invalid UTF-8 byte", `<row r="52"><c r="A52" t="inlineStr"><is><t>Comune ` + "\xff" + `52</t></is></c><c r="B52"><v>1000</v></c>`, "invalid UTF-8"},
		{"control character", `<row r="52"><c r="A52" t="inlineStr"><is><t>Comune ` + "\x01" + `52</t></is></c><c r="B52"><v>1000</v></c>`, "not allowed in XML"},
		{"XML syntax error", `<row r="52"><c r="A52" t="inlineStr"><is><t>Comune 52</t></is></c><c r="B52"><v>1000</x></c>`, "closed by"},
		{"unquoted attribute", `<row r="52"><c r=A52 t="inlineStr"><is><t>Comune 52</t></is></c><c r="B52"><v>1000</v></c>`, "unquoted"},
		{"DOCTYPE inside the sheet", `<row r="52"><!DOCTYPE x [<!ENTITY a "b">]><c r="A52" t="inlineStr"><is><t>Comune 52</t></is></c><c r="B52"><v>1000</v></c>`, "DOCTYPE"},
		{"entity declaration", `<row r="52"><!ENTITY a "b"><c r="A52" t="inlineStr"><is><t>Comune 52</t></is></c><c r="B52"><v>1000</v></c>`, "declaration refused"},
		{"unknown entity", `<row r="52"><c r="A52" t="inlineStr"><is><t>Comune &nbsp;52</t></is></c><c r="B52"><v>1000</v></c>`, "unknown entity"},
		{"shared string index out of range", `<row r="52"><c r="A52" t="s"><v>7</v></c><c r="B52"><v>1000</v></c>`, "out of range"},
		{"shared string index not a number", `<row r="52"><c r="A52" t="s"><v>x</v></c><c r="B52"><v>1000</v></c>`, "out of range"},
		{"number cell holding text", `<row r="52"><c r="A52" t="inlineStr"><is><t>Comune 52</t></is></c><c r="B52"><v>1.000,00</v></c>`, "number cell"},
		{"unknown cell type", `<row r="52"><c r="A52" t="x"><v>1</v></c><c r="B52"><v>1000</v></c>`, "cell type"},
		{"cells out of order", `<row r="52"><c r="B52"><v>1000</v></c><c r="A52" t="inlineStr"><is><t>Comune 52</t></is></c>`, "after column"},
		{"cell of another row", `<row r="52"><c r="A53" t="inlineStr"><is><t>Comune 52</t></is></c><c r="B52"><v>1000</v></c>`, "in row 52"},
		{"cell beyond XFD", `<row r="52"><c r="A52" t="inlineStr"><is><t>Comune 52</t></is></c><c r="XFE52"><v>1000</v></c>`, "beyond column XFD"},
		{"cell without r beyond XFD", `<row r="52"><c r="XFD52"><v>1</v></c><c><v>1000</v></c>`, "beyond column XFD"},
		{"element out of place", `<row r="52"><v>1</v><c r="B52"><v>1000</v></c>`, "in a row"},
		{"two values", `<row r="52"><c r="A52"><v>1</v><v>2</v></c><c r="B52"><v>1000</v></c>`, "two values"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sd := hundred()
			if !strings.Contains(sd, target) {
				t.Fatal("target row not found")
			}
			sd = strings.Replace(sd, target, c.with, 1)
			got, err := readRows(t, build(t, sd, hundredSST), Limits{})
			ce := asCorrupt(t, err)
			if ce.Sheet != "Dati" || ce.Row != 52 {
				t.Errorf("error names sheet %q row %d, want \"Dati\" row 52: %v", ce.Sheet, ce.Row, err)
			}
			if !strings.Contains(ce.Detail, c.detail) {
				t.Errorf("detail %q does not say %q", ce.Detail, c.detail)
			}
			if len(got) != 51 || got[50] != 51 {
				t.Errorf("rows before the damage: %v, want 1..51", got)
			}
		})
	}
}

// TestDamageRows covers damage found between rows or in the row number.
func TestDamageRows(t *testing.T) {
	cases := []struct {
		name, from, to string
		row            int
		detail         string
	}{
		{"rows out of order", `<row r="52">`, `<row r="40">`, 40, "after row 51"},
		{"row repeated", `<row r="52">`, `<row r="51">`, 51, "after row 51"},
		{"row beyond 1048576", `<row r="52">`, `<row r="1048577">`, 1048576, "beyond row 1048576"},
		{"row number not a number", `<row r="52">`, `<row r="5x">`, 52, "row number"},
		{"text markup between rows", `</row><row r="52">`, `</row><foo/><row r="52">`, 52, "in sheetData"},
		{"part cut after row 51", `<row r="52">`, ``, 52, "cut short"},
		{"second sheetData", `</sheetData>`, `</sheetData><sheetData><row r="200"><c r="A200"><v>1</v></c></row></sheetData>`, 0, "out of place"},
		{"row before sheetData", `<sheetData>`, `<cols><row r="1"/></cols><sheetData>`, 0, "out of place"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xml := sheetXML(hundred())
			if c.name == "part cut after row 51" {
				xml = xml[:strings.Index(xml, `<row r="52">`)]
			} else {
				xml = strings.Replace(xml, c.from, c.to, 1)
			}
			data := zipParts(t, buildParts([]tsheet{{name: "Dati", xml: xml}}, hundredSST, false))
			got, err := readRows(t, data, Limits{})
			ce := asCorrupt(t, err)
			if ce.Sheet != "Dati" || ce.Row != c.row || !strings.Contains(ce.Detail, c.detail) {
				t.Errorf("got %v, want sheet Dati row %d saying %q", err, c.row, c.detail)
			}
			switch {
			case c.row == 0 && c.from == `<sheetData>`:
				if len(got) != 0 {
					t.Errorf("rows read before the damage: %v", got)
				}
			case c.row == 0:
				if len(got) != 101 {
					t.Errorf("%d rows before the damage after them, want 101", len(got))
				}
			case len(got) == 0 || got[len(got)-1] != 51:
				t.Errorf("rows before the damage: %v, want up to 51", got)
			}
		})
	}
}

// TestPartCutShort cuts the sheet's compressed data (the zip's directory
// intact): inflating ends early, and the read fails inside the row where
// the data ends.
func TestPartCutShort(t *testing.T) {
	xml := sheetXML(hundred())
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
	io.WriteString(fw, xml)
	fw.Close()
	cut := comp.Bytes()[:comp.Len()*6/10]
	parts := buildParts([]tsheet{{name: "Dati", xml: xml}}, hundredSST, false)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		if p.name != "xl/worksheets/sheet1.xml" {
			w, _ := zw.Create(p.name)
			io.WriteString(w, p.body)
			continue
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE([]byte(xml)),
			CompressedSize64: uint64(len(cut)), UncompressedSize64: uint64(len(xml))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(cut)
	}
	zw.Close()
	got, err := readRows(t, buf.Bytes(), Limits{})
	ce := asCorrupt(t, err)
	if ce.Sheet != "Dati" || ce.Row < 2 || ce.Row > 101 {
		t.Fatalf("error %v, want one in a row of sheet Dati", err)
	}
	if len(got) == 0 || got[len(got)-1] >= ce.Row {
		t.Fatalf("rows %v read up to or past the damaged row %d", got, ce.Row)
	}
	t.Logf("%d rows, then %v", len(got), err)
}

// TestChecksum changes one digit of a stored sheet: the XML stays valid,
// the zip's CRC does not match, and the read fails.
func TestChecksum(t *testing.T) {
	xml := sheetXML(hundred())
	parts := buildParts([]tsheet{{name: "Dati", xml: xml}}, hundredSST, false)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		io.WriteString(w, p.body)
	}
	zw.Close()
	data := buf.Bytes()
	i := bytes.Index(data, []byte(`<c r="B101"><v>1000`))
	data[i+len(`<c r="B101"><v>1`)] = '9'
	_, err := readRows(t, data, Limits{})
	ce := asCorrupt(t, err)
	if ce.Sheet != "Dati" || !strings.Contains(ce.Detail, "checksum") {
		t.Fatalf("error %v, want a checksum error in sheet Dati", err)
	}
}

// TestDamagedWorkbook covers damage outside the sheets: Open fails.
func TestDamagedWorkbook(t *testing.T) {
	good := build(t, hundred(), hundredSST)
	replace := func(name, from, to string) []byte {
		parts := buildParts([]tsheet{{name: "Dati", xml: sheetXML(hundred())}}, hundredSST, false)
		for i := range parts {
			if parts[i].name == name {
				if !strings.Contains(parts[i].body, from) {
					t.Fatalf("%s: %q not found", name, from)
				}
				parts[i].body = strings.Replace(parts[i].body, from, to, 1)
			}
		}
		return zipParts(t, parts)
	}
	cases := []struct {
		name   string
		data   []byte
		detail string
	}{
		{"archive cut in half", good[:len(good)/2], "zip"},
		{"not a zip", []byte("comune;importo\nLecco;1000\n"), "zip"},
		{"DOCTYPE in the workbook", replace("xl/workbook.xml", `<workbook`, `<!DOCTYPE workbook [<!ENTITY x "y">]><workbook`), "DOCTYPE"},
		{"XML error in the shared strings", replace("xl/sharedStrings.xml", `</si>`, `</sj>`), "closed by"},
		{"shared strings cut short", replace("xl/sharedStrings.xml", `</si></sst>`, `</si>`), "cut short"},
		{"sheet part missing", replace("xl/_rels/workbook.xml.rels", `worksheets/sheet1.xml`, `worksheets/sheet9.xml`), "missing"},
		{"two sheets with one name", replace("xl/workbook.xml", `</sheets>`, `<sheet name="dati" sheetId="2" r:id="rId1"/></sheets>`), "two sheets"},
		{"not a workbook", replace("[Content_Types].xml", `sheet.main+xml`, `document.main+xml`), "not a SpreadsheetML"},
		{"workbook without namespace", replace("xl/workbook.xml", `<workbook xmlns=`, `<workbook xmlns:x=`), "namespace"},
		{"encoding not UTF-8", replace("xl/workbook.xml", `encoding="UTF-8"`, `encoding="ISO-8859-1"`), "encoding"},
		{"bad date1904", replace("xl/workbook.xml", `<sheets>`, `<workbookPr date1904="maybe"/><sheets>`), "date1904"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(context.Background(), bytes.NewReader(c.data), int64(len(c.data)), Limits{})
			ce := asCorrupt(t, err)
			if !strings.Contains(ce.Detail, c.detail) {
				t.Errorf("detail %q does not say %q", ce.Detail, c.detail)
			}
		})
	}
}

func asLimit(t *testing.T, err error) *grid.LimitError {
	t.Helper()
	var le *grid.LimitError
	if !errors.As(err, &le) || !errors.Is(err, grid.ErrTooBig) {
		t.Fatalf("error %v (%T), want a *grid.LimitError", err, err)
	}
	return le
}

func TestLimits(t *testing.T) {
	data := build(t, hundred(), hundredSST)
	cases := []struct {
		name string
		lim  Limits
		what string
		row  int
	}{
		{"cells", Limits{Cells: 150}, "cells of the workbook", 51},
		{"cells per row", Limits{CellsPerRow: 2}, "cells of one row", 1},
		{"bytes of a part", Limits{PartBytes: 5000}, "part xl/worksheets/sheet1.xml", 0},
		{"bytes of the workbook", Limits{TotalBytes: 5000}, "of the workbook", 0},
		{"shared strings", Limits{SharedStrings: 1}, "", 0},
		{"token", Limits{TokenBytes: 64}, "one XML token", 0},
		{"elements", Limits{Elements: 150}, "XML elements", 70},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sd, sst := hundred(), hundredSST
			switch c.name {
			case "shared strings":
				sst = hundredSST + `<si><t>x</t></si>`
			case "elements":
				sd = strings.Replace(sd, "<row r=\"70\">", strings.Repeat("<!-- x -->", 100)+"<row r=\"70\">", 1)
			case "token":
				sd = strings.Replace(sd, "Comune 60<", "Comune 60 "+strings.Repeat("x", 100)+"<", 1)
			}
			got, err := readRows(t, build(t, sd, sst), c.lim)
			le := asLimit(t, err)
			if !strings.Contains(le.What, c.what) || le.Row != c.row {
				t.Errorf("got %v (after %d rows), want %q at row %d", err, len(got), c.what, c.row)
			}
		})
	}
	if _, err := readRows(t, data, Limits{Cells: 303}); err != nil {
		t.Errorf("303 cells refused with a budget of 303: %v", err)
	}
}

// TestSharedPartCountsTwice: two sheets pointing at one part count twice,
// and a workbook whose parts say they inflate beyond the budget is refused
// before any byte is inflated.
func TestSharedPartCountsTwice(t *testing.T) {
	xml := sheetXML(hundred())
	parts := buildParts([]tsheet{{name: "Uno", xml: xml}, {name: "Due", xml: "unused"}}, hundredSST, false)
	for i := range parts {
		if parts[i].name == "xl/_rels/workbook.xml.rels" {
			parts[i].body = strings.Replace(parts[i].body, "worksheets/sheet2.xml", "worksheets/sheet1.xml", 1)
		}
	}
	data := zipParts(t, parts)
	size := int64(len(xml)) + int64(len(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="`+nsMainURI+`">`+hundredSST+`</sst>`))
	// workbook parts are read before the check: allow them
	if _, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), Limits{TotalBytes: size + 4000}); err == nil {
		t.Fatal("two sheets on one part fit a budget of one")
	} else {
		asLimit(t, err)
	}
	if _, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), Limits{TotalBytes: 2*size + 4000}); err != nil {
		t.Fatalf("budget for both refused: %v", err)
	}
}

// TestBombDeclared: a part whose central directory says 13 GB is refused
// at once; one that says less than it holds fails when it grows past it.
func TestBombDeclared(t *testing.T) {
	xml := sheetXML(hundred())
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
	io.WriteString(fw, xml)
	fw.Close()
	for _, c := range []struct {
		name string
		size uint64
	}{{"says 13 GB", 13 << 30}, {"says less than it holds", uint64(len(xml) / 2)}} {
		t.Run(c.name, func(t *testing.T) {
			parts := buildParts([]tsheet{{name: "Dati", xml: xml}}, hundredSST, false)
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, p := range parts {
				if p.name != "xl/worksheets/sheet1.xml" {
					w, _ := zw.Create(p.name)
					io.WriteString(w, p.body)
					continue
				}
				w, _ := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE([]byte(xml)),
					CompressedSize64: uint64(comp.Len()), UncompressedSize64: c.size})
				w.Write(comp.Bytes())
			}
			zw.Close()
			_, err := readRows(t, buf.Bytes(), Limits{})
			if c.size > 1<<30 {
				asLimit(t, err)
			} else {
				asCorrupt(t, err)
			}
		})
	}
}

// TestCancel: a cancelled context stops a read within one buffer.
func TestCancel(t *testing.T) {
	var sd strings.Builder
	for r := 1; r <= 20000; r++ {
		fmt.Fprintf(&sd, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>Comune di prova numero %d</t></is></c><c r="B%d"><v>%d</v></c></row>`, r, r, r, r, r)
	}
	data := build(t, sd.String(), "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := Open(ctx, bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	it, err := b.Sheets[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for it.Next() {
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(it.Err(), context.Canceled) {
		t.Fatalf("error %v after %d rows, want context.Canceled", it.Err(), n)
	}
	if n > 5000 {
		t.Fatalf("%d rows read after the cancellation", n)
	}
	if _, err := b.Sheets[0].Open(); !errors.Is(err, context.Canceled) {
		t.Fatalf("open after cancel: %v", err)
	}
	t.Logf("stopped after %d rows", n)
}

// TestEstimate: after a few rows, the estimate is near the sheet's rows.
func TestEstimate(t *testing.T) {
	var sd strings.Builder
	for r := 1; r <= 2000; r++ {
		fmt.Fprintf(&sd, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>Comune %d</t></is></c><c r="B%d"><v>%d</v></c></row>`, r, r, r, r, r)
	}
	data := build(t, sd.String(), "")
	b, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n := b.Sheets[0].Estimate(); n != 0 {
		t.Errorf("estimate %d before reading", n)
	}
	it, _ := b.Sheets[0].Open()
	defer it.Close()
	for i := 0; i < 30 && it.Next(); i++ {
	}
	if n := b.Sheets[0].Estimate(); n < 1500 || n > 4000 {
		t.Errorf("estimate %d for 2000 rows", n)
	}
	b.Close()
	if it.Next() || it.Err() == nil {
		t.Error("rows read after the book was closed")
	}
}
