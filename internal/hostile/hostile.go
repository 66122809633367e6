// Package hostile makes the hostile and broken inputs of issue 8: small
// files, each damaged or built to expand in one way. testdata/hostile
// holds them (go run ./testdata/hostile/genera writes them again) and
// cli/hostile_inputs_test.go runs them through the real binary; the few
// that are too large to commit, and those that cannot be committed
// (FIFOs, a line of 2 GiB), are made by that test.
package hostile

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const avviso = "1.4.1 Esperienza del Cittadino nei servizi pubblici - Comuni - Aprile 2022"

// Files are the inputs of testdata/hostile by name; root is the
// repository (the XLS cases patch importer/testdata/prospetto.xls).
func Files(root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	write := func(name string, data []byte) { out[name] = data }
	xls, err := os.ReadFile(filepath.Join(root, "importer", "testdata", "prospetto.xls"))
	if err != nil {
		return nil, err
	}

	// damage at row 51 of 100 data rows (row 52 of the sheet): every
	// reader must refuse the file there, never stop as if the data ended
	rows := hundredXLSX()
	cut := strings.Index(rows, `<row r="52">`)
	write("xlsx_troncato.xlsx", xlsx(map[string]string{"Dati": sheetXML(rows[:cut+40])}, false)) // the part ends inside row 52
	write("xlsx_utf8.xlsx", xlsx(map[string]string{"Dati": sheetXML(strings.Replace(rows, "Lecco 52", "Lecco \xff52", 1))}, false))
	write("xlsx_xml.xlsx", xlsx(map[string]string{"Dati": sheetXML(strings.Replace(rows, `<v>1000</v></c></row><row r="53">`, `<v>1000</x></c></row><row r="53">`, 1))}, false))
	ods := hundredODS()
	at := strings.Index(ods, "Lecco 52")
	write("ods_troncato.ods", odsFile(odsContent(`<table:table table:name="Dati">`+ods[:at])))
	write("ods_doctype.ods", odsFile(odsContent(`<table:table table:name="Dati">`+strings.Replace(ods, "<text:p>Lecco 52", `<!DOCTYPE x [<!ENTITY e "Lecco">]><text:p>Lecco 52`, 1)+`</table:table>`)))
	write("xls_troncato.xls", xlsDamaged(xls))
	csv := hundredCSV(300)
	lines := strings.SplitAfter(csv, "\n")
	write("csv_nul.csv", []byte(strings.Join(lines[:251], "")+strings.Repeat("\x00", 512)+"\n"+strings.Join(lines[252:], "")))
	write("csv_virgolette.csv", []byte(strings.Join(lines[:251], "")+"097042,\"Lecco 252,1000,"+avviso+"\n"+strings.Join(lines[252:], "")))

	// bombs: a kilobyte that repeats, a part that inflates a
	// thousandfold, sheets that point at the same data
	header := odsRow(odsText("cod_istat"), odsText("comune"), odsText("importo"), odsText("avviso"))
	row := odsRow(odsText("097042"), odsText("Lecco"), `<table:table-cell office:value-type="float" office:value="1000"/>`, odsText(avviso))
	write("ods_bomba_righe.ods", odsFile(odsContent(`<table:table table:name="Dati">`+header+
		strings.Replace(row, "<table:table-row>", `<table:table-row table:number-rows-repeated="1000000">`, 1)+`</table:table>`)))
	write("ods_bomba_colonne.ods", odsFile(odsContent(`<table:table table:name="Dati">`+header+
		`<table:table-row table:number-rows-repeated="1000000">`+odsText("097042")+odsText("Lecco")+
		`<table:table-cell office:value-type="float" office:value="1000" table:number-columns-repeated="16382"/></table:table-row></table:table>`)))
	write("ods_bomba_testo.ods", odsFile(odsContent(`<table:table table:name="Dati">`+header+
		`<table:table-row table:number-rows-repeated="100000">`+odsText("097042")+odsText("Lecco")+
		`<table:table-cell office:value-type="float" office:value="1000"/>`+odsText(strings.Repeat("Esperienza del Cittadino ", 40000))+`</table:table-row></table:table>`)))
	var many strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&many, `<table:table table:name="F%d">%s%s</table:table>`, i, header,
			strings.Replace(row, "<table:table-row>", `<table:table-row table:number-rows-repeated="60000">`, 1))
	}
	write("ods_bomba_fogli.ods", odsFile(odsContent(many.String())))
	write("xlsx_fogli_stessa_parte.xlsx", xlsxSharedPart())
	write("xls_stessi_dati.xls", xlsSameData(xls))

	// what used to take minutes: sheet iteration, rows without r= with a
	// text amount
	var sheets strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&sheets, `<table:table table:name="F%d">%s%s</table:table>`, i, header, row)
	}
	write("ods_20000_fogli.ods", odsFile(odsContent(sheets.String())))
	write("xlsx_senza_r.xlsx", xlsxNoRefs())

	// what the writer cut, or rounded, without an anomaly
	write("csv_testo_lungo.csv", []byte("cod_istat,comune,importo,avviso,decreto\n097042,Lecco,1000,"+avviso+","+strings.Repeat("Decreto ", 5000)+"\n"))
	write("ods_tre_decimali.ods", odsFile(odsContent(`<table:table table:name="Dati">`+header+row+
		strings.Replace(row, `office:value="1000"`, `office:value="121.999"`, 1)+`</table:table>`)))
	return out, nil
}

// hundredXLSX is the sheetData of a header and 100 rows of 1.000 €.
func hundredXLSX() string {
	var b strings.Builder
	b.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>cod_istat</t></is></c><c r="B1" t="inlineStr"><is><t>comune</t></is></c><c r="C1" t="inlineStr"><is><t>avviso</t></is></c><c r="D1" t="inlineStr"><is><t>importo</t></is></c></row>`)
	for r := 2; r <= 101; r++ {
		fmt.Fprintf(&b, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>097042</t></is></c><c r="B%d" t="inlineStr"><is><t>Lecco %d</t></is></c><c r="C%d" t="inlineStr"><is><t>%s</t></is></c><c r="D%d"><v>1000</v></c></row>`, r, r, r, r, r, avviso, r)
	}
	return b.String()
}

func sheetXML(data string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + data + `</sheetData></worksheet>`
}

// xlsx builds a workbook of the sheets (name -> sheet part), sorted by
// name; with shared, every sheet points at the part of the first.
func xlsx(sheets map[string]string, shared bool) []byte {
	return zipOf(xlsxParts(sheets, shared))
}

// xlsxParts are the parts of xlsx.
func xlsxParts(sheets map[string]string, shared bool) [][2]string {
	names := make([]string, 0, len(sheets))
	for n := range sheets {
		names = append(names, n)
	}
	sortStrings(names)
	var wb, rels strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	parts := [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	}
	for i, n := range names {
		target := i + 1
		if shared {
			target = 1
		}
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, n, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, target)
		if !shared || i == 0 {
			parts = append(parts, [2]string{fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), sheets[n]})
		}
	}
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(`</Relationships>`)
	parts = append(parts, [2]string{"xl/workbook.xml", wb.String()}, [2]string{"xl/_rels/workbook.xml.rels", rels.String()})
	return parts
}

func zipOf(parts [][2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p[0], Method: zip.Deflate})
		if err != nil {
			panic(err)
		}
		w.Write([]byte(p[1]))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// WriteXLSXBomb writes a workbook whose sheet of 512 MiB of repeated rows
// deflates to 1.8 MB: refused from the sizes the archive declares (too
// large to commit: the test makes it, streaming, so that its own memory
// stays small).
func WriteXLSXBomb(w io.Writer) error {
	row := `<row><c t="inlineStr"><is><t>097042</t></is></c><c t="inlineStr"><is><t>Lecco</t></is></c><c><v>1000</v></c></row>`
	parts := xlsxParts(map[string]string{"Dati": ""}, false)
	zw := zip.NewWriter(w)
	for _, p := range parts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p[0], Method: zip.Deflate})
		if err != nil {
			return err
		}
		if p[0] != "xl/worksheets/sheet1.xml" {
			io.WriteString(f, p[1])
			continue
		}
		io.WriteString(f, sheetXML("")[:strings.Index(sheetXML(""), "</sheetData>")])
		for i := 0; i < (512<<20)/len(row); i++ {
			if _, err := io.WriteString(f, row); err != nil {
				return err
			}
		}
		io.WriteString(f, "</sheetData></worksheet>")
	}
	return zw.Close()
}

// xlsxSharedPart is 40 sheets pointing at one part of 16 MiB.
func xlsxSharedPart() []byte {
	row := `<row><c t="inlineStr"><is><t>097042</t></is></c><c t="inlineStr"><is><t>Lecco</t></is></c><c><v>1000</v></c></row>`
	head := `<row><c t="inlineStr"><is><t>cod_istat</t></is></c><c t="inlineStr"><is><t>comune</t></is></c><c t="inlineStr"><is><t>importo</t></is></c></row>`
	sheets := map[string]string{"F00": sheetXML(head + strings.Repeat(row, (16<<20)/len(row)))}
	for i := 1; i < 40; i++ {
		sheets[fmt.Sprintf("F%02d", i)] = "" // the part of F00
	}
	return xlsx(sheets, true)
}

// xlsxNoRefs is a list of 2,000 rows without r= and a text amount
// "23.147" (223 KB took 167 s with excelize's GetCellType per cell).
func xlsxNoRefs() []byte {
	var b strings.Builder
	b.WriteString(`<row><c t="inlineStr"><is><t>cod_istat</t></is></c><c t="inlineStr"><is><t>comune</t></is></c><c t="inlineStr"><is><t>importo</t></is></c><c t="inlineStr"><is><t>avviso</t></is></c></row>`)
	for i := 0; i < 2000; i++ {
		amount := `<c><v>23147</v></c>`
		if i == 1000 {
			amount = `<c t="inlineStr"><is><t>23.147</t></is></c>`
		}
		fmt.Fprintf(&b, `<row><c t="inlineStr"><is><t>097042</t></is></c><c t="inlineStr"><is><t>Lecco</t></is></c>%s<c t="inlineStr"><is><t>%s %d</t></is></c></row>`, amount, avviso, i)
	}
	return xlsx(map[string]string{"Dati": sheetXML(b.String())}, false)
}

func hundredCSV(n int) string {
	var b strings.Builder
	b.WriteString("cod_istat,comune,importo,avviso\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "097042,Lecco %d,1000,%s\n", i+1, avviso)
	}
	return b.String()
}

func odsText(s string) string {
	return `<table:table-cell office:value-type="string"><text:p>` + s + `</text:p></table:table-cell>`
}

func odsRow(cells ...string) string {
	return `<table:table-row>` + strings.Join(cells, "") + `</table:table-row>`
}

// hundredODS is a header and 100 rows of 1.000 €, without the table's
// tags.
func hundredODS() string {
	var b strings.Builder
	b.WriteString(odsRow(odsText("cod_istat"), odsText("comune"), odsText("avviso"), odsText("importo")))
	for r := 2; r <= 101; r++ {
		b.WriteString(odsRow(odsText("097042"), odsText(fmt.Sprintf("Lecco %d", r)), odsText(avviso), `<table:table-cell office:value-type="float" office:value="1000"/>`))
	}
	return b.String()
}

func odsContent(tables string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet>` +
		tables + `</office:spreadsheet></office:body></office:document-content>`
}

func odsFile(content string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	w, _ = zw.CreateHeader(&zip.FileHeader{Name: "content.xml", Method: zip.Deflate})
	w.Write([]byte(content))
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// biffRecords calls fn with the offset, type and length of each record of
// the BIFF stream that starts at off in the file (the fixture's Workbook
// stream lies in consecutive sectors), up to the globals' EOF.
func biffRecords(b []byte, off int, fn func(at int, typ uint16, n int) bool) {
	for at := off; at+4 <= len(b); {
		typ := binary.LittleEndian.Uint16(b[at:])
		n := int(binary.LittleEndian.Uint16(b[at+2:]))
		if !fn(at, typ, n) {
			return
		}
		at += 4 + n
	}
}

// prospetto is a copy of the fixture that LibreOffice saved as .xls, and
// the offset of its Workbook stream (its BOF record, BIFF8 globals).
func prospetto(xls []byte) ([]byte, int) {
	bof := []byte{0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00}
	i := bytes.Index(xls, bof)
	if i < 0 {
		panic("prospetto.xls: no BIFF8 globals")
	}
	return bytes.Clone(xls), i
}

// xlsSameData points the second and third sheets of the fixture at the
// first sheet's rows.
func xlsSameData(xls []byte) []byte {
	b, start := prospetto(xls)
	first := -1
	biffRecords(b, start, func(at int, typ uint16, n int) bool {
		if typ == 0x0085 { // BOUNDSHEET
			if first < 0 {
				first = int(binary.LittleEndian.Uint32(b[at+4:]))
			} else {
				binary.LittleEndian.PutUint32(b[at+4:], uint32(first))
			}
		}
		return typ != 0x000A
	})
	return b
}

// xlsDamaged breaks the length of a cell record of the first sheet, in
// the middle of its rows, so that it runs past the end of the stream.
func xlsDamaged(xls []byte) []byte {
	b, start := prospetto(xls)
	sheet := -1
	biffRecords(b, start, func(at int, typ uint16, n int) bool {
		if typ == 0x0085 && sheet < 0 {
			sheet = start + int(binary.LittleEndian.Uint32(b[at+4:]))
		}
		return typ != 0x000A
	})
	done := false
	biffRecords(b, sheet, func(at int, typ uint16, n int) bool {
		switch typ {
		case 0x00FD, 0x0203, 0x027E, 0x00BD: // LABELSST, NUMBER, RK, MULRK
			if binary.LittleEndian.Uint16(b[at+4:]) == 7 { // row 8 of the sheet
				binary.LittleEndian.PutUint16(b[at+2:], 0xFFF0)
				done = true
				return false
			}
		}
		return typ != 0x000A
	})
	if !done {
		panic("prospetto.xls: no cell in row 8")
	}
	return b
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// WriteRowsXLSX writes a plain workbook of n rows of funding (distinct
// CUPs and amounts): large inputs for the tests that interrupt a read or
// change a file while it is read, made in a second rather than a minute.
func WriteRowsXLSX(w io.Writer, n int) error {
	zw := zip.NewWriter(w)
	for _, p := range xlsxParts(map[string]string{"Dati": ""}, false) {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p[0], Method: zip.Deflate})
		if err != nil {
			return err
		}
		if p[0] != "xl/worksheets/sheet1.xml" {
			io.WriteString(f, p[1])
			continue
		}
		bw := bufio.NewWriterSize(f, 1<<16)
		head := sheetXML("")
		bw.WriteString(head[:strings.Index(head, "</sheetData>")])
		bw.WriteString(`<row><c t="inlineStr"><is><t>cod_istat</t></is></c><c t="inlineStr"><is><t>comune</t></is></c><c t="inlineStr"><is><t>cup</t></is></c><c t="inlineStr"><is><t>importo</t></is></c><c t="inlineStr"><is><t>avviso</t></is></c></row>`)
		for i := 0; i < n; i++ {
			fmt.Fprintf(bw, `<row><c t="inlineStr"><is><t>097042</t></is></c><c t="inlineStr"><is><t>Lecco</t></is></c><c t="inlineStr"><is><t>J71F%011d</t></is></c><c><v>%d</v></c><c t="inlineStr"><is><t>%s</t></is></c></row>`, i, 1000+i%5000, avviso)
		}
		bw.WriteString("</sheetData></worksheet>")
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	return zw.Close()
}

// WriteRowsCSV writes the same rows as a CSV.
func WriteRowsCSV(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("cod_istat,comune,cup,importo,avviso\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(bw, "097042,Lecco,J71F%011d,%d,%s\n", i, 1000+i%5000, avviso)
	}
	return bw.Flush()
}
