package xlsx

// Helpers shared by the tests: a dump of what a reader yields, the same
// dump made with excelize (the reference: Rows + Columns with
// RawCellValue, as the importer read XLSX before this package), and a
// builder of small workbooks from hand-written parts.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"consolida/importer/grid"
)

type dumpRow struct {
	N     int
	Cells []grid.Cell
}

type dumpSheet struct {
	Name     string
	Hidden   bool
	Date1904 bool
	Rows     []dumpRow
}

// readAll reads every sheet of a workbook with this package.
func readAll(data []byte, lim Limits) ([]dumpSheet, error) {
	b, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), lim)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var out []dumpSheet
	for _, sh := range b.Sheets {
		d := dumpSheet{Name: sh.Name, Hidden: sh.Hidden, Date1904: sh.Date1904}
		it, err := sh.Open()
		if err != nil {
			return out, err
		}
		for it.Next() {
			n, cells := it.Row()
			d.Rows = append(d.Rows, dumpRow{n, append([]grid.Cell(nil), cells...)})
		}
		it.Close()
		if err := it.Err(); err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

func blankRow(cols []string) bool {
	for _, c := range cols {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readRef reads every sheet with excelize as the importer did: rows
// numbered by Next, empty and blank rows skipped. withTypes asks excelize
// for the type of every non-empty cell (slow on big sheets) to fill Num.
func readRef(data []byte, withTypes bool) ([]dumpSheet, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 2 << 30})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props, err := f.GetWorkbookProps()
	if err != nil {
		return nil, err
	}
	date1904 := props.Date1904 != nil && *props.Date1904
	var out []dumpSheet
	for _, name := range f.GetSheetList() {
		visible, err := f.GetSheetVisible(name)
		if err != nil {
			return nil, err
		}
		d := dumpSheet{Name: name, Hidden: !visible, Date1904: date1904}
		rows, err := f.Rows(name)
		if err != nil {
			return nil, err
		}
		n := 0
		for rows.Next() {
			n++
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return nil, err
			}
			if len(cols) == 0 || blankRow(cols) {
				continue
			}
			r := dumpRow{N: n}
			for i, v := range cols {
				c := grid.Cell{V: v}
				if withTypes && v != "" {
					ref, _ := excelize.CoordinatesToCellName(i+1, n)
					t, err := f.GetCellType(name, ref)
					if err != nil {
						return nil, err
					}
					c.Num = t == excelize.CellTypeNumber || t == excelize.CellTypeUnset
				}
				r.Cells = append(r.Cells, c)
			}
			d.Rows = append(d.Rows, r)
		}
		if err := rows.Error(); err != nil {
			return nil, err
		}
		rows.Close()
		out = append(out, d)
	}
	return out, nil
}

// compare reports the first difference between two dumps; withNum
// compares Num too.
func compare(got, want []dumpSheet, withNum bool) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d sheets, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Hidden != w.Hidden || g.Date1904 != w.Date1904 {
			return fmt.Errorf("sheet %d: %q hidden=%v 1904=%v, want %q hidden=%v 1904=%v", i, g.Name, g.Hidden, g.Date1904, w.Name, w.Hidden, w.Date1904)
		}
		for j := 0; j < len(g.Rows) || j < len(w.Rows); j++ {
			if j >= len(g.Rows) {
				return fmt.Errorf("sheet %q: row %d missing (%d rows, want %d)", g.Name, w.Rows[j].N, len(g.Rows), len(w.Rows))
			}
			if j >= len(w.Rows) {
				return fmt.Errorf("sheet %q: extra row %d (%d rows, want %d)", g.Name, g.Rows[j].N, len(g.Rows), len(w.Rows))
			}
			gr, wr := g.Rows[j], w.Rows[j]
			if gr.N != wr.N || len(gr.Cells) != len(wr.Cells) {
				return fmt.Errorf("sheet %q: row %d with %d cells %v, want row %d with %d cells %v", g.Name, gr.N, len(gr.Cells), gr.Cells, wr.N, len(wr.Cells), wr.Cells)
			}
			for k := range gr.Cells {
				if gr.Cells[k].V != wr.Cells[k].V || withNum && gr.Cells[k].Num != wr.Cells[k].Num {
					return fmt.Errorf("sheet %q row %d column %s: %+v, want %+v", g.Name, gr.N, colName(k+1), gr.Cells[k], wr.Cells[k])
				}
			}
		}
	}
	return nil
}

// wellFormed tells whether encoding/xml reads every XML part of a zip to
// its end: only then is excelize's answer a reference (it stops silently
// at the first decoding error).
func wellFormed(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return false
		}
		d := xml.NewDecoder(rc)
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return false
			}
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			rc.Close()
			return false
		}
		rc.Close()
	}
	return true
}

// part is one file of a hand-made workbook.
type part struct{ name, body string }

const (
	nsMainURI = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRelURI  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
)

// sheetXML wraps rows (the content of sheetData) into a worksheet.
func sheetXML(sheetData string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="` + nsMainURI + `" xmlns:r="` + nsRelURI + `"><dimension ref="A1"/><sheetData>` +
		sheetData + `</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`
}

type tsheet struct {
	name, state, xml string
}

// buildParts lays out the parts of a workbook with the given sheets and,
// if sst is not empty, shared strings (the content of sst).
func buildParts(sheets []tsheet, sst string, date1904 bool) []part {
	ct := `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`
	parts := []part{
		{"[Content_Types].xml", ct},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	}
	var wb, rels strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="` + nsMainURI + `" xmlns:r="` + nsRelURI + `">`)
	if date1904 {
		wb.WriteString(`<workbookPr date1904="1"/>`)
	}
	wb.WriteString(`<sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, s := range sheets {
		state := ""
		if s.state != "" {
			state = ` state="` + s.state + `"`
		}
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, s.name, i+1, state, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		parts = append(parts, part{fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), s.xml})
	}
	wb.WriteString(`</sheets></workbook>`)
	if sst != "" {
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`, len(sheets)+1)
		parts = append(parts, part{"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + nsMainURI + `">` + sst + `</sst>`})
	}
	rels.WriteString(`</Relationships>`)
	parts = append(parts, part{"xl/workbook.xml", wb.String()}, part{"xl/_rels/workbook.xml.rels", rels.String()})
	return parts
}

func zipParts(t testing.TB, parts []part) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// build makes a workbook of one visible sheet "Dati" with the given
// sheetData content and shared strings.
func build(t testing.TB, sheetData, sst string) []byte {
	return zipParts(t, buildParts([]tsheet{{name: "Dati", xml: sheetXML(sheetData)}}, sst, false))
}

// asCorrupt returns err as a *grid.CorruptError or fails.
func asCorrupt(t *testing.T, err error) *grid.CorruptError {
	t.Helper()
	var ce *grid.CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T), want a *grid.CorruptError", err, err)
	}
	if !errors.Is(err, grid.ErrCorrupt) {
		t.Fatalf("errors.Is(%v, grid.ErrCorrupt) is false", err)
	}
	return ce
}
