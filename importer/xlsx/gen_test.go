package xlsx

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// diffCheck reads data with both readers and compares them cell by cell
// and type by type; it returns the number of cells compared.
func diffCheck(t *testing.T, data []byte) int {
	t.Helper()
	want, err := readRef(data, true)
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	got, err := readAll(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := compare(got, want, true); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range got {
		for _, r := range s.Rows {
			n += len(r.Cells)
		}
	}
	return n
}

func saveExcelize(t *testing.T, f *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return buf.Bytes()
}

// TestExcelizeWorkbooks compares the two readers on workbooks excelize
// writes: shared strings, rich text, numbers with float noise, dates,
// booleans, formulas, hidden sheets, many sheets, gap rows, the 1904
// system, and a few thousand rows through the stream writer.
func TestExcelizeWorkbooks(t *testing.T) {
	t.Run("cells of every kind", func(t *testing.T) {
		f := excelize.NewFile()
		f.SetSheetName("Sheet1", "Dati")
		head := []any{"comune", "importo", "data", "pagato", "formula", "nota"}
		f.SetSheetRow("Dati", "A1", &head)
		style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
		for r := 2; r <= 150; r++ {
			row := []any{
				fmt.Sprintf("Comune %d", r%37),
				float64(r)*0.1 + 0.2,
				time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r),
				r%2 == 0,
				nil,
				strings.Repeat(" ", r%3) + "nota _x000D_ & <tag> " + fmt.Sprint(r%5),
			}
			cell, _ := excelize.CoordinatesToCellName(1, r*2) // gap rows
			f.SetSheetRow("Dati", cell, &row)
			ref, _ := excelize.CoordinatesToCellName(5, r*2)
			f.SetCellFormula("Dati", ref, fmt.Sprintf("B%d*2", r*2))
			ref, _ = excelize.CoordinatesToCellName(3, r*2)
			f.SetCellStyle("Dati", ref, ref, style)
		}
		f.SetCellValue("Dati", "H3", math.Pi)
		f.SetCellValue("Dati", "H4", 1e-7)
		f.SetCellValue("Dati", "H5", 4326.4)
		f.SetCellValue("Dati", "H6", -12345678901234.5)
		f.SetCellValue("Dati", "H7", "   ")
		f.SetCellValue("Dati", "H8", "")
		f.SetCellInt("Dati", "H9", 9007199254740993)
		f.SetCellRichText("Dati", "I2", []excelize.RichTextRun{{Text: "grassetto ", Font: &excelize.Font{Bold: true}}, {Text: "e normale"}})
		f.SetCellValue("Dati", "J10", "riga\ncon a capo\r\ne CR")
		f.SetCellValue("Dati", "K10", "àèìòù € – “virgolette” 中文 😀")
		f.SetCellValue("Dati", "XFD301", "ultima colonna")
		for i := 0; i < 25; i++ {
			name := fmt.Sprintf("Foglio %d", i)
			f.NewSheet(name)
			f.SetCellValue(name, "A1", i)
			f.SetCellValue(name, "B2", name)
			if i%4 == 0 {
				f.SetSheetVisible(name, false)
			}
		}
		t.Logf("%d cells equal", diffCheck(t, saveExcelize(t, f)))
	})
	t.Run("1904 workbook", func(t *testing.T) {
		f := excelize.NewFile()
		date1904 := true
		f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904})
		f.SetCellValue("Sheet1", "A1", "data")
		f.SetCellValue("Sheet1", "A2", time.Date(2023, 9, 23, 0, 0, 0, 0, time.UTC))
		f.SetCellValue("Sheet1", "A3", 1462.5)
		data := saveExcelize(t, f)
		diffCheck(t, data)
		got, _ := readAll(data, Limits{})
		if !got[0].Date1904 {
			t.Fatal("1904 system not read")
		}
	})
	t.Run("stream writer, 3000 rows", func(t *testing.T) {
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		for r := 1; r <= 3000; r++ {
			cell, _ := excelize.CoordinatesToCellName(1, r)
			row := []any{fmt.Sprintf("CUP%09d", r), float64(r) / 3, r, r%7 == 0, excelize.Cell{Formula: "A1"}, time.Date(2024, 1, r%28+1, 0, 0, 0, 0, time.UTC)}
			if r%10 == 0 {
				cell, _ = excelize.CoordinatesToCellName(3, r)
				row = row[:3]
			}
			if err := sw.SetRow(cell, row); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d cells equal", diffCheck(t, saveExcelize(t, f)))
	})
}

// TestHandWritten compares the two readers on the shapes other writers
// produce and excelize does not write: rows and cells without r=, inline
// strings with rich text and phonetic runs, cached values of formulas,
// errors, booleans, ISO dates, references, CDATA, white space, comments,
// prefixed elements, a byte order mark, empty and blank rows.
func TestHandWritten(t *testing.T) {
	sst := `<si><t>primo</t></si>` +
		`<si><r><rPr><b/></rPr><t>ric</t></r><r><t xml:space="preserve"> co</t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh><phoneticPr fontId="1"/></si>` +
		`<si><t xml:space="preserve">  spazi  </t></si>` +
		`<si><t>a &amp; b &lt;c&gt; &#233;&#x20AC; _x0041__x005F_x0042_ _xD800_ _x00e9_</t></si>` +
		`<si><t><![CDATA[<non> & tag]]></t></si>` +
		`<si><t/></si>` +
		`<si><t>riga1` + "\r\n" + `riga2` + "\r" + `riga3&#13;</t></si>`
	cases := []struct{ name, sheetData string }{
		{"without r", `<row><c t="s"><v>0</v></c><c><v>1.5</v></c><c t="s"><v>1</v></c></row><row><c/><c t="b"><v>1</v></c></row><row r="7"><c><v>7</v></c></row><row><c t="s"><v>2</v></c></row>`},
		{"mixed references", `<row r="2"><c r="C2"><v>3</v></c><c><v>4</v></c><c r="F2"><v>6</v></c><c><v>7</v></c></row>`},
		{"types", `<row r="1"><c r="A1" t="str"><f>"x"&amp;"y"</f><v>xy</v></c><c r="B1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C1" t="b"><v>0</v></c><c r="D1" t="d"><v>2023-09-23T00:00:00</v></c><c r="E1" t="n"><v>1.0E-3</v></c><c r="F1"><f>SUM(A2:A3)</f><v>42</v></c><c r="G1"><f>A1</f></c><c r="H1" t="str"><f>A1</f><v></v></c></row>`},
		{"inline strings", `<row r="1"><c r="A1" t="inlineStr"><is><t>semplice</t></is></c><c r="B1" t="inlineStr"><is><r><t>ric</t></r><r><rPr><i/></rPr><t>co</t></r><rPh><t>x</t></rPh></is></c><c r="C1" t="inlineStr"><v>dal v</v></c><c r="D1" t="inlineStr"><is><t>_x0009_tab</t></is></c><c r="E1" t="inlineStr"></c><c r="F1" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c></row>`},
		{"shared strings", `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="s"><v>6</v></c><c r="H1" t="s"></c></row>`},
		{"references and CDATA", `<row r="1"><c r="A1" t="str"><v>&lt;&#65;&#x42;&gt;&apos;&quot;</v></c><c r="B1" t="str"><v><![CDATA[a<b]]>c</v></c><c r="C1"><v><![CDATA[12]]></v></c><c r="D1" t="str"><v>a<!-- nota -->b<?pi x?>c</v></c></row>`},
		{"white space and layout", "\n  <row r=\"1\" spans=\"1:3\" ht=\"15\" customHeight=\"1\">\n    <c r=\"A1\" s=\"0\" t=\"str\">\n      <v> a\tb </v>\n    </c>\n    <c r=\"B1\" s=\"2\" cm=\"1\" vm=\"2\">\r\n<v>5</v></c>\n  </row>\n  <row r=\"2\"/>\n<row r=\"3\"><c r=\"A3\" t=\"str\"><v>   </v></c></row>\n"},
		{"blank rows", `<row r="1"><c r="A1" t="str"><v> </v></c><c r="B1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="str"><v>` + "\u00a0" + `</v></c></row><row r="3"><c r="C3"><f>X</f></c></row><row r="4"><c r="A4" t="s"><v>5</v></c></row><row r="5"><c r="A5"><v>0</v></c></row>`},
		{"last row and column", `<row r="1048576"><c r="XFC1048576"><v>1</v></c><c><v>2</v></c></row>`},
		{"lower-case references", `<row r="3"><c r="b3"><v>1</v></c><c r="aa3"><v>2</v></c></row>`},
		{"row attributes", `<row r="2" x14ac:dyDescent="0.25" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"><c r="A2" x:foo="1" xmlns:x="urn:x"><v>1</v></c></row>`},
		{"extLst", `<row r="1"><c r="A1"><v>1</v><extLst><ext uri="x"><y/></ext></extLst></c><extLst/></row>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("%d cells equal", diffCheck(t, build(t, c.sheetData, sst)))
		})
	}
	t.Run("prefixed elements", func(t *testing.T) {
		xml := `<?xml version="1.0" encoding="utf-8"?><x:worksheet xmlns:x="` + nsMainURI + `"><x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>in</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`
		diffCheck(t, zipParts(t, buildParts([]tsheet{{name: "Dati", xml: xml}}, sst, false)))
	})
	t.Run("byte order mark", func(t *testing.T) {
		parts := buildParts([]tsheet{{name: "Dati", xml: "\xEF\xBB\xBF" + sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`)}}, sst, false)
		diffCheck(t, zipParts(t, parts))
	})
	t.Run("sheet names, states and order", func(t *testing.T) {
		sheets := []tsheet{
			{name: "Z &amp; A", xml: sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`)},
			{name: "nascosto", state: "hidden", xml: sheetXML(`<row r="1"><c r="A1"><v>2</v></c></row>`)},
			{name: "molto nascosto", state: "veryHidden", xml: sheetXML(``)},
			{name: "àccentato", state: "visible", xml: sheetXML(`<row r="1"><c r="A1"><v>3</v></c></row>`)},
		}
		diffCheck(t, zipParts(t, buildParts(sheets, sst, false)))
	})
	t.Run("1904 by hand", func(t *testing.T) {
		diffCheck(t, zipParts(t, buildParts([]tsheet{{name: "Dati", xml: sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`)}}, sst, true)))
	})
}

// TestValues pins the values and types of the cell kinds, so that both
// readers cannot be wrong together unnoticed.
func TestValues(t *testing.T) {
	sd := `<row r="1"><c r="A1" t="str"><f>"x"&amp;"y"</f><v>xy</v></c><c r="B1" t="e"><f>1/0</f><v>#DIV/0!</v></c>` +
		`<c r="C1" t="b"><v>1</v></c><c r="D1" t="d"><v>2023-09-23T00:00:00</v></c><c r="E1" t="n"><v>1.0E-3</v></c>` +
		`<c r="F1"><f>SUM(A2:A3)</f><v>4326.3999999999996</v></c><c r="G1"><f>A1</f></c><c r="I1" t="s"><v>1</v></c>` +
		`<c r="J1" t="inlineStr"><is><r><t>a</t></r><r><t>_x000D_b</t></r><rPh><t>z</t></rPh></is></c><c r="K1" t="s"><v>0</v></c></row>`
	got, err := readAll(build(t, sd, `<si><t>&#233;_x005F_x0041_</t></si><si><r><t>ri</t></r><r><t>cco</t></r><rPh><t>no</t></rPh></si>`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		v   string
		num bool
	}{{"xy", false}, {"#DIV/0!", false}, {"1", false}, {"2023-09-23T00:00:00", false}, {"1.0E-3", true},
		{"4326.3999999999996", true}, {"", false}, {"", false}, {"ricco", false}, {"\rb", false}, {"é_x0041_", false}}
	want[9].v = "a\rb"
	cells := got[0].Rows[0].Cells
	if len(cells) != len(want) {
		t.Fatalf("%d cells %v, want %d", len(cells), cells, len(want))
	}
	for i, w := range want {
		if cells[i].V != w.v || cells[i].Num != w.num {
			t.Errorf("%s1: %+v, want %q num=%v", colName(i+1), cells[i], w.v, w.num)
		}
	}
}
