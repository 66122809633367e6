package exporter

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// printMeta is testMeta with who issues the documents.
var printMeta = Meta{Month: "2026-11", Generated: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC), Scope: "provincia LC",
	Heading: "CST Brianza & Lario"}

// outputs writes the CST workbook (with Novità) and the council set of
// res, and returns their paths.
func outputs(t *testing.T, res *funding.Result, meta Meta) []string {
	t.Helper()
	dir := t.TempDir()
	nov := &ChangeList{Base: october}
	for _, c := range res.Candidature {
		w := c.Winner
		nov.Items = append(nov.Items, ChangeRow{Kind: LabelNew, ISTAT: c.Comune.ISTAT, Comune: c.Comune.Name, Measure: c.Measure.Label,
			CUP: w.CUP, After: ChangeState{w.Status, w.StatusDate, w.Amount}, Source: w.Pos.Ref(), ComuneID: c.Comune.ID})
	}
	r := &Report{Result: res, Changes: nov, Meta: meta}
	cst := filepath.Join(dir, "CST.xlsx")
	if err := WriteCST(cst, r); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteCouncil(context.Background(), filepath.Join(dir, "consiglio"), r, nil); err != nil {
		t.Fatal(err)
	}
	paths := []string{cst}
	for _, n := range fileNames(t, filepath.Join(dir, "consiglio")) {
		paths = append(paths, filepath.Join(dir, "consiglio", n))
	}
	return paths
}

// zipPart reads one part of a workbook.
func zipPart(t *testing.T, path, name string) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	return ""
}

// usedRange is the range from A1 to the last cell with a value or a style,
// or merged, as read back.
func usedRange(t *testing.T, f *excelize.File, sheet string) string {
	t.Helper()
	r, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	lastRow, lastCol := 1, 1
	for i, row := range r {
		if len(row) > 0 {
			lastRow = max(lastRow, i+1)
			lastCol = max(lastCol, len(row))
		}
	}
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range merged {
		c, n, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
		lastRow, lastCol = max(lastRow, n), max(lastCol, c)
	}
	return "A1:" + colRef(lastCol, lastRow)
}

// TestPrintSetup: every sheet of every workbook prints inside the paper
// (header and footer 0.3" from the edge), in one named font family, with
// the heading of who issues it, a correct used range, and the document
// properties of the program that made it and when.
func TestPrintSetup(t *testing.T) {
	for _, p := range outputs(t, fixture(t), printMeta) {
		f := open(t, p)
		name := filepath.Base(p)
		if props, err := f.GetDocProps(); err != nil || props.Created != "2026-11-20T09:30:00Z" || props.Creator != "consolida" || props.Language != "it-IT" {
			t.Errorf("%s: document properties %+v (%v)", name, props, err)
		}
		if app, err := f.GetAppProps(); err != nil || !strings.HasPrefix(app.Application, "consolida ") || app.AppVersion != "" || app.Company != printMeta.Heading {
			t.Errorf("%s: application properties %+v (%v)", name, app, err)
		}
		if font, err := f.GetDefaultFont(); err != nil || font != "Arial" {
			t.Errorf("%s: default font %q (%v)", name, font, err)
		}
		styles := zipPart(t, p, "xl/styles.xml")
		fonts := regexp.MustCompile(`(?s)<font>.*?</font>`).FindAllString(styles, -1)
		if len(fonts) < 3 {
			t.Fatalf("%s: %d fonts in the styles", name, len(fonts))
		}
		for _, fo := range fonts {
			if !strings.Contains(fo, `<name val="Arial">`) && !strings.Contains(fo, `<name val="Arial"/>`) || strings.Contains(fo, "<scheme") {
				t.Errorf("%s: a font not named Arial (or in the theme's scheme): %s", name, fo)
			}
		}
		if chart := zipPart(t, p, "xl/charts/chart1.xml"); chart != "" {
			// the title's paragraph defaults name the theme's font; its run,
			// the axes and the legend name Arial
			title := regexp.MustCompile(`(?s)<title><tx><rich>.*?<a:pPr>.*?</a:pPr>`)
			chart = title.ReplaceAllString(chart, "")
			if regexp.MustCompile(`typeface="[^A"]`).MatchString(chart) || strings.Count(chart, `typeface="Arial"`) < 9 {
				t.Errorf("%s: a chart font other than Arial", name)
			}
		}
		for _, sh := range f.GetSheetList() {
			m, err := f.GetPageMargins(sh)
			if err != nil || m.Header == nil || *m.Header < 0.3 || m.Footer == nil || *m.Footer < 0.3 || *m.Top < *m.Header+0.3 || *m.Bottom < *m.Footer+0.3 {
				t.Errorf("%s, %s: margins %+v (%v)", name, sh, m, err)
			}
			hf, err := f.GetHeaderFooter(sh)
			if err != nil {
				t.Fatal(err)
			}
			for _, code := range []string{hf.OddHeader, hf.OddFooter} {
				if !strings.HasPrefix(code, `&L&"Arial,Regular"&9`) || len(utf16.Encode([]rune(code))) > 255 {
					t.Errorf("%s, %s: header or footer %q", name, sh, code)
				}
			}
			if !strings.Contains(hf.OddFooter, "CST Brianza && Lario") || strings.Contains(hf.OddFooter, "consolida") {
				t.Errorf("%s, %s: footer %q, want the heading instead of the program", name, sh, hf.OddFooter)
			}
			dim, err := f.GetSheetDimension(sh)
			if want := usedRange(t, f, sh); err != nil || dim != want {
				t.Errorf("%s, %s: dimension %q (%v), want %q", name, sh, dim, err, want)
			}
		}
	}
}

// TestNumbersFitAndAreNumbers: every number of every sheet (money, counts,
// totals, dates) is stored as a number, a count shows thousands
// separators, and its column is wide enough for it as formatted, also
// with the amounts of a national run, so that no cell shows ###.
func TestNumbersFitAndAreNumbers(t *testing.T) {
	res := fixture(t)
	// a national run: billions in the totals
	big := []funding.Record{}
	for i := range 40 {
		r := rec(0, 10+i, fmt.Sprintf("0%05d", 1000+i), fmt.Sprintf("Comune %d", i), "RM", fmt.Sprintf("J%014d", i), avPND, funding.StatusAssigned, 20230301, 98765432112)
		big = append(big, r)
	}
	res = consolidated(t, big, nil)
	for _, p := range outputs(t, res, printMeta) {
		f := open(t, p)
		for _, sh := range f.GetSheetList() {
			r := rows(t, f, sh)
			for i, row := range r {
				for j, v := range row {
					ref := colRef(j+1, i+1)
					formula, _ := f.GetCellFormula(sh, ref)
					x, perr := strconv.ParseFloat(v, 64)
					if perr != nil {
						if formula != "" {
							t.Errorf("%s!%s: formula %s with the value %q", sh, ref, formula, v)
						}
						continue
					}
					switch typ, _ := f.GetCellType(sh, ref); typ {
					case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
						continue // a code written as text ("097042")
					case excelize.CellTypeFormula:
						t.Errorf("%s!%s: the value of %s stored as text", sh, ref, formula)
					}
					sid, _ := f.GetCellStyle(sh, ref)
					st, _ := f.GetStyle(sid)
					format := ""
					if st != nil && st.CustomNumFmt != nil {
						format = *st.CustomNumFmt
					}
					var shown string
					switch format {
					case euroFmt:
						shown = funding.Amount(int64(x*100+0.5*sign(x))).String() + " €"
					case intFmt:
						shown = fmtInt(int(x))
					case dateFmt:
						shown = "00/00/0000"
					default:
						if sh == SheetAnomalies && j == 2 {
							continue // the row number of a file, not a count
						}
						t.Errorf("%s, %s!%s: the number %v has no number format", filepath.Base(p), sh, ref, v)
						continue
					}
					// at most 7.5 pixels a digit or €, 4 for the rest, 10 around
					px := 10.0
					for _, c := range shown {
						if c >= '0' && c <= '9' || c == '€' {
							px += 7.5
						} else {
							px += 4
						}
					}
					if w := widthOf(f, sh, j+1); w*unitPx < px {
						t.Errorf("%s, %s!%s: %q needs %.0f pixels, the column has %.0f", filepath.Base(p), sh, ref, shown, px, w*unitPx)
					}
				}
			}
		}
	}
	// a formula's cached value is a number, not text (excelize's normal
	// API stores it as t="str")
	p := outputs(t, fixture(t), printMeta)[0]
	sheetXML := zipPart(t, p, "xl/worksheets/sheet4.xml") // Per misura
	if !strings.Contains(sheetXML, "<f>SUM(C2:C11)</f>") || strings.Contains(sheetXML, `t="str"`) {
		t.Errorf("Per misura: formulas stored as text")
	}
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

func widthOf(f *excelize.File, sheet string, col int) float64 {
	w, err := f.GetColWidth(sheet, colLetter(col))
	if err != nil {
		return 0
	}
	return w
}

// TestCouncilPrintsAtNinePoints: whatever the content (long measure
// labels, decrees, CUPs, amounts in the millions), the council table fits
// A4 portrait at a scale that prints its body at 9 points or more.
func TestCouncilPrintsAtNinePoints(t *testing.T) {
	r := rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusErogata, 20230215, 99999999999)
	r.Decreto = strings.Repeat("Decreto n. 123/2022 del 12/12/2022 ", 3)
	r.CUP = "WWWWWWWWWWWWWWWWWWWW"
	res := consolidated(t, []funding.Record{r}, nil)
	b := councilBook(res.Comuni[0], res.Candidature, res, printMeta, &ChangeList{Base: october, Items: []ChangeRow{{
		Kind: LabelStatusAmountChange, Measure: res.Candidature[0].Measure.Label, CUP: r.CUP,
		Before: &ChangeState{funding.StatusAssigned, 20230101, 1}, After: ChangeState{funding.StatusErogata, 20230215, 99999999999}}}},
		nil)
	s := b.sheets[0]
	if s.page.landscape || s.page.paper != 9 || !s.page.fitWidth {
		t.Fatalf("page %+v", s.page)
	}
	total := 0.0
	for _, w := range s.widths {
		total += w
	}
	scale := min(1, s.page.printableWidth()/total)
	smallest := 100.0
	for rw := range s.rows {
		for _, c := range rw.cells {
			if c.kind != kindBlank || c.style != noStyle {
				smallest = min(smallest, styleInfo[c.style].size)
			}
		}
	}
	if smallest*scale < 9 {
		t.Errorf("widths %v (%.1f units on %.1f): scale %.2f prints %.1f points", s.widths, total, s.page.printableWidth(), scale, smallest*scale)
	}
	// the model's worst case, whatever the content
	worst := 0.0
	for _, c := range councilCols {
		worst += c.max
	}
	if bodySize*s.page.printableWidth()/worst < 9 {
		t.Errorf("the council columns may grow to %.1f units: below 9 points", worst)
	}
}

// TestLongTexts: texts beyond a spreadsheet's limits (issue 8) never stop
// a workbook: headers and footers are cut to 255 units, cells to 32,767,
// sheet names follow Excel's rules.
func TestLongTexts(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  func(r *funding.Record)
		meta func(m *Meta)
	}{
		{"a comune name of 300 characters", func(r *funding.Record) {
			r.Comune = strings.Repeat("Castelnuovo & Monte ", 15)
			r.Body = "Comune di " + r.Comune
		}, nil},
		{"an avviso of 1,100 characters", func(r *funding.Record) { r.Avviso = avPago + strings.Repeat(" avviso lungo", 83) }, nil},
		{"a decree of 700 characters", func(r *funding.Record) { r.Decreto = strings.Repeat("decreto ", 88) }, nil},
		{"an avviso of 40,000 characters", func(r *funding.Record) { r.Avviso = avPago + strings.Repeat("à", 40000) }, nil},
		{"a heading and a scope of 400 characters", nil, func(m *Meta) {
			m.Heading = strings.Repeat("Centro Servizi & ", 24)
			m.Scope = "comuni di " + strings.Repeat("membri_", 56) + ".csv"
			m.Signature = strings.Repeat("Il Segretario comunale ", 20)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, centsLecco)
			if tc.rec != nil {
				tc.rec(&r)
			}
			meta := printMeta
			if tc.meta != nil {
				tc.meta(&meta)
			}
			res := consolidated(t, []funding.Record{r}, nil)
			paths := outputs(t, res, meta) // fails the test on any error
			if len(paths) != 2 {
				t.Fatalf("written %q", paths)
			}
			for _, p := range paths {
				f := open(t, p)
				for _, sh := range f.GetSheetList() {
					hf, _ := f.GetHeaderFooter(sh)
					for _, code := range []string{hf.OddHeader, hf.OddFooter} {
						if n := len(utf16.Encode([]rune(code))); n > 255 {
							t.Errorf("%s: header or footer of %d units", sh, n)
						}
					}
				}
			}
			f := open(t, paths[0])
			avviso, _ := f.GetCellValue(SheetDetail, "G2")
			if n := len(utf16.Encode([]rune(avviso))); n > maxCellText || (len(r.Avviso) > maxCellText && !strings.HasSuffix(avviso, "…")) {
				t.Errorf("avviso of %d units in the cell", n)
			}
		})
	}
}

func TestHeaderFooterCut(t *testing.T) {
	for _, text := range []string{strings.Repeat("a&", 200), strings.Repeat("&", 300), strings.Repeat("è", 300), strings.Repeat("𝔸", 200)} {
		p := page{header: text, footer: text}
		h, f := p.headerFooter()
		for _, code := range []string{h, f} {
			if n := len(utf16.Encode([]rune(code))); n > 255 {
				t.Errorf("%d units: %q", n, code)
			}
			body := strings.TrimSuffix(strings.TrimSuffix(code, "&R"+hfFont+hfSize+"Pagina &P di &N"), "…")
			body = strings.TrimPrefix(body, "&L"+hfFont+hfSize)
			if amps := len(body) - len(strings.TrimRight(body, "&")); amps%2 != 0 {
				t.Errorf("an unpaired & before the cut: %q", code)
			}
		}
	}
	if h, _ := (page{header: "A & B"}).headerFooter(); h != `&L&"Arial,Regular"&9A && B` {
		t.Errorf("header %q", h)
	}
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{}
	for _, tc := range []struct{ in, want string }{
		{"Riepilogo", "Riepilogo"},
		{"riepilogo", "riepilogo (2)"},
		{"a/b:c?d*e[f]g\\h", "a-b-c-d-e-f-g-h"},
		{"'citato'", "citato"},
		{"", "Foglio"},
		{strings.Repeat("Anomalie ", 10), "Anomalie Anomalie Anomalie Ano…"},
		{strings.Repeat("Anomalie ", 10), "Anomalie Anomalie Anomalie (2)"},
	} {
		got := sheetName(tc.in, used)
		if got != tc.want {
			t.Errorf("sheetName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if len(utf16.Encode([]rune(got))) > 31 || strings.ContainsAny(got, `:\/?*[]`) || strings.HasPrefix(got, "'") || strings.HasSuffix(got, "'") {
			t.Errorf("%q breaks Excel's rules", got)
		}
	}
	// a book renders whatever its sheets are called
	b := &book{sheets: []*sheet{{name: "Fonti: dati [2026]", cols: []col{fixed(10)}, header: []string{"a"}}, {name: "FONTI- DATI -2026-", cols: []col{fixed(10)}, header: []string{"b"}}}}
	b.layout()
	f := open(t, render(t, excelizeRenderer{}, b))
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Fonti- dati -2026-" || got[1] != "FONTI- DATI -2026- (2)" {
		t.Errorf("sheets %q", got)
	}
}

// TestCouncilDocument: a council workbook names who issues it, says how
// recent its data are, ends with a signature block, and on the first
// export of a ledger lists each candidatura once.
func TestCouncilDocument(t *testing.T) {
	res := fixture(t)
	first := NewChangeList(nil, nil)
	for _, c := range res.Candidature {
		first.Items = append(first.Items, ChangeRow{Kind: LabelNew, CUP: c.Winner.CUP, Measure: c.Measure.Label, ComuneID: c.Comune.ID,
			After: ChangeState{c.Winner.Status, c.Winner.StatusDate, c.Winner.Amount}})
	}
	for _, signature := range []string{"", "Il Segretario comunale"} {
		meta := printMeta
		meta.Signature = signature
		dir := filepath.Join(t.TempDir(), "consiglio")
		if _, err := WriteCouncil(context.Background(), dir, &Report{Result: res, Changes: first, Meta: meta}, nil); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "097042_Lecco.xlsx")
		f := open(t, p)
		r := rows(t, f, SheetCouncil)
		if r[2][0] != "Situazione di novembre 2026, dati aggiornati al 13/08/2025 - prospetto generato il 20/11/2026" {
			t.Errorf("row 3 %q", r[2])
		}
		text := ""
		for _, row := range r {
			text += strings.Join(row, "|") + "\n"
		}
		for _, cup := range []string{"E41F22001100006", "E41F22001110006"} {
			if n := strings.Count(text, cup); n != 1 {
				t.Errorf("CUP %s listed %d times on the first export:\n%s", cup, n, text)
			}
		}
		if !strings.Contains(text, "primo prospetto prodotto dal registro") {
			t.Errorf("the first export does not say why no Novità are listed:\n%s", text)
		}
		want := signature
		if want == "" {
			want = "Il Responsabile del Servizio Finanziario"
		}
		last := r[len(r)-3]
		if len(last) < 5 || last[0] != "Luogo e data" || last[4] != want || !strings.HasPrefix(r[len(r)-1][4], "____") {
			t.Errorf("signature block %q", r[len(r)-3:])
		}
		for _, sh := range f.GetSheetList() {
			if hf, _ := f.GetHeaderFooter(sh); !strings.Contains(hf.OddFooter, "CST Brianza && Lario") || !strings.Contains(hf.OddHeader, "Comune di Lecco (LC)") {
				t.Errorf("%s: header %q footer %q", sh, hf.OddHeader, hf.OddFooter)
			}
		}
	}
}

// TestAnomaliesSheet: each anomaly with the comune of its row after the
// contract's columns; rows as tall as their wrapped text; a note counts the
// anomalies of comuni outside the report.
func TestAnomaliesSheet(t *testing.T) {
	res := fixture(t)
	lecco := res.Comuni[0].Comune
	long := strings.Repeat("una spiegazione lunga ", 20)
	res.Anomalies = []funding.Anomaly{
		{Pos: funding.Pos{File: "a.csv", Row: 4, Col: "J"}, Field: "importo", Value: "n.d.", Reason: "importo mancante", Suggestion: long, Rejected: true, Comune: lecco},
		{Pos: funding.Pos{File: "b.csv", Row: 9}, Field: "comune", Value: "Paperopoli", Reason: "comune sconosciuto", Rejected: true},
	}
	res.OtherAnomalies, res.OtherRejected = 1234, 2
	p := render(t, excelizeRenderer{}, cstBook(&Report{Result: res, Meta: testMeta}, maxDataRows))
	f := open(t, p)
	r := rows(t, f, SheetAnomalies)
	if got := strings.Join(r[0], "|"); got != "File|Foglio|Riga|Campo|Valore|Motivo|Suggerimento|Esito|Colonna|Codice ISTAT|Comune" {
		t.Fatalf("header %q", got)
	}
	if got := r[1]; got[0] != "a.csv" || got[2] != "4" || got[7] != "riga scartata" || got[8] != "J" || got[9] != "097042" || got[10] != "Lecco" {
		t.Errorf("row 2 %q", got)
	}
	if got := r[2]; len(got) > 9 {
		t.Errorf("row 3, tied to no comune: %q", got)
	}
	if note := r[len(r)-1][0]; note != "Non sono elencate 1.234 anomalie di righe di comuni non compresi in questo prospetto (righe scartate: 2, contate nel foglio Fonti)." {
		t.Errorf("note %q", note)
	}
	// the suggestion wraps over several lines: the row is as tall
	w := widthOf(f, SheetAnomalies, 7)
	lines := int(float64(len(long))*5.5/(w*unitPx-padPx)) + 1 // at least, at 5.5 pixels a letter
	if h, err := f.GetRowHeight(SheetAnomalies, 2); err != nil || h < float64(lines)*12 {
		t.Errorf("row 2: %v points for %d lines or more (%v)", h, lines, err)
	}
	if h, _ := f.GetRowHeight(SheetAnomalies, 3); h > 15 {
		t.Errorf("row 3: %v points for one line", h)
	}
}

// TestLayout: a column is as wide as its widest cell, within its bounds;
// a header label wraps (only its longest word counts), the title block
// and merged cells do not count; the used range covers the last cell.
func TestLayout(t *testing.T) {
	s := &sheet{
		cols:   []col{{5, 40}, {5, 40}, {5, 12}, fixed(8)},
		above:  []row{{cells: []cell{text(sTitle, strings.Repeat("Titolo lungo ", 10))}}},
		header: []string{"Importo finanziato complessivo", "B", "C", "D"},
		body: slices.Values([]row{
			{cells: []cell{money(sMoney, 123456789), text(sText, "Olgiate Molgora")}},
			{cells: []cell{text(sText, strings.Repeat("x", 200))}, merges: []span{{1, 4}}},
			{cells: []cell{{}, {}, text(sText, strings.Repeat("lungo ", 20)), text(sText, "corto")}},
			{},
		}),
	}
	s.layout()
	want := []float64{units("1.234.567,89 €", bodySize, false) + (numPadPx-padPx)/unitPx, units("Olgiate Molgora", bodySize, false), 12, 8}
	if units("complessivo", bodySize, true) > want[0] {
		t.Fatalf("the test's amount is narrower than the header word")
	}
	for i := range want {
		if d := s.widths[i] - want[i]; d > 1e-9 || d < -1e-9 {
			t.Errorf("column %d: width %.2f, want %.2f", i+1, s.widths[i], want[i])
		}
	}
	if s.lastRow != 5 || s.lastCol != 4 {
		t.Errorf("used range to row %d, column %d; want 5, 4", s.lastRow, s.lastCol)
	}
	// the wrapped header makes its row taller; a merged note fits its span
	if h := s.rowHeight(row{cells: headerCells(s.header)}); h < 2*lineHeight(bodySize) {
		t.Errorf("header row %.1f points", h)
	}
	note := noteRow(sNote, strings.Repeat("nota ", 30), 4)
	if h := s.rowHeight(note); h < 2*lineHeight(bodySize) || h > 5*lineHeight(bodySize) {
		t.Errorf("note row %.1f points", h)
	}
}
