package gen

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteXLSX writes the same rows as WriteCSV as an Excel workbook the way
// Excel saves one: one sheet "candidature", strings in the shared-strings
// table, amounts as numbers, the two decree/status dates as date serials
// with a date format.
func WriteXLSX(w io.Writer, opt Options) error {
	z := zip.NewWriter(w)
	put := func(name, body string) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, body)
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rns = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	fixed := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
			`</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<workbook ` + ns + ` ` + rns + `><sheets><sheet name="candidature" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
			`</Relationships>`},
		{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<styleSheet ` + ns + `><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
			`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
			`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
			`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
			`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
			`<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>` +
			`</styleSheet>`},
	}
	for _, p := range fixed {
		if err := put(p.name, p.body); err != nil {
			return err
		}
	}
	sheet, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(sheet, 1<<16)
	sst := map[string]int{}
	var strs []string
	index := func(s string) int {
		i, ok := sst[s]
		if !ok {
			i = len(strs)
			sst[s] = i
			strs = append(strs, s)
		}
		return i
	}
	uses := 0
	cellRef := func(col, row int) string { return string(rune('A'+col)) + strconv.Itoa(row) }
	writeRow := func(n int, x []string) {
		fmt.Fprintf(bw, `<row r="%d">`, n)
		for j, v := range x {
			if v == "" {
				continue
			}
			ref := cellRef(j, n)
			if n > 1 {
				switch j {
				case colAmount:
					if f, err := strconv.ParseFloat(v, 64); err == nil {
						fmt.Fprintf(bw, `<c r="%s"><v>%s</v></c>`, ref, strconv.FormatFloat(f, 'f', -1, 64))
						continue
					}
				case colFunded, colStateDate:
					if t, err := time.Parse("2006-01-02", v); err == nil {
						serial := int(t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
						fmt.Fprintf(bw, `<c r="%s" s="1"><v>%d</v></c>`, ref, serial)
						continue
					}
				}
			}
			uses++
			fmt.Fprintf(bw, `<c r="%s" t="s"><v>%d</v></c>`, ref, index(v))
		}
		bw.WriteString(`</row>`)
	}
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet ` + ns + ` ` + rns + `>`)
	fmt.Fprintf(bw, `<dimension ref="A1:T%d"/><sheetData>`, opt.Rows+1)
	writeRow(1, Header)
	g := newGenerator(opt)
	for i := 0; i < opt.Rows; i++ {
		x := g.next()
		writeRow(i+2, x[:])
	}
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	ss, err := z.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bs := bufio.NewWriterSize(ss, 1<<16)
	fmt.Fprintf(bs, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst %s count="%d" uniqueCount="%d">`, ns, uses, len(strs))
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	for _, s := range strs {
		bs.WriteString("<si><t")
		if strings.TrimSpace(s) != s || strings.Contains(s, "  ") {
			bs.WriteString(` xml:space="preserve"`)
		}
		bs.WriteString(">" + esc.Replace(s) + "</t></si>")
	}
	bs.WriteString("</sst>")
	if err := bs.Flush(); err != nil {
		return err
	}
	return z.Close()
}
