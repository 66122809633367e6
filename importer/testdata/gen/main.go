// Command gen writes the spreadsheet fixtures of the importer tests: it
// builds the source workbooks with excelize and the same data as CSV, then
// has LibreOffice save each workbook as .xlsx, .xls (BIFF8) and .ods, the
// way an office re-saving a file would.
//
// Run from the repository root (needs soffice on PATH):
//
//	go run ./importer/testdata/gen
package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

type (
	date    float64 // a date serial stored as a number with a date format
	formula string  // a formula; LibreOffice computes and caches its result
	boolean bool
	pct     float64 // a number with a percentage format
	euro    float64 // a number with a currency format
)

const dir = "importer/testdata"

// The data sheet: a title block, a header, amounts as numbers and as
// Italian text, dates as serials and as text, a TOTALE row, a note.
var fundingRows = [][]any{
	{"Comune di Olgiate Molgora - Centro Servizi Territoriali"},
	{"Prospetto dei finanziamenti PNRR - PA digitale 2026"},
	{},
	{"Codice ISTAT", "Comune", "Provincia", "Avviso", "CUP", "Importo finanziato (€)", "Stato", "Data finanziamento", "Note"},
	{"097058", "Olgiate Molgora", "LC", "1.2 Abilitazione e facilitazione migrazione al Cloud per i Comuni", "D31C22000100006", 121999.0, "A", date(44827), formula(`CONCATENATE("CUP ",E5)`)},
	{"097058", "Olgiate Molgora", "LC", "1.4.1 Esperienza del Cittadino nei servizi pubblici", "D31C22000200006", "155.234,00", "Finanziato", date(44827)},
	{97058.0, "OLGIATE MOLGORA", "LC", "1.4.3 - app IO - Comuni", "D31C22000300006", "€ 3.430", "E", date(44827)},
	{"097058", "Olgiate Molgora", "LC", "1.4.4 Adozione SPID CIE - Comuni", "D31C22000400006", 14000.0, "A", "23/09/2022"},
	{"097058", "Olgiate Molgora", "LC", "1.4.5 'Piattaforma Notifiche Digitali' - Comuni", "D31C22000500006", 32589.0, "Erogato", date(44827)},
	{"097001", "Abbadia Lariana", "LC", "1.4.3 - pagoPA - Comuni", "J71F22000100006", 4326.4, "A", date(44900)},
	{"097002", "Airuno", "LC", "1.3.1 Piattaforma Digitale Nazionale Dati - Comuni", "J71F22000200006", 18990.54, "A", "2022-12-05"},
	{"097003", "Annone di Brianza", "LC", "1.2 Abilitazione e facilitazione migrazione al Cloud per i Comuni", "J71F22000300006", "121.999,00", "A", date(44900)},
	{"", "TOTALE", "", "", "", formula("SUM(F5:F12)+155234+3430+121999"), "", "", ""},
	{"Fonte: decreti di finanziamento del Dipartimento per la trasformazione digitale"},
}

// The second sheet: another layout (columns in another order, header on
// the first row).
var otherBodies = [][]any{
	{"Comune", "Importo", "Avviso", "Codice ISTAT", "Stato"},
	{"Calco", "18.990,54", "1.4.1 Esperienza del Cittadino nei servizi pubblici", "097011", "A"},
	{"Cernusco Lombardone", 4326.4, "1.4.3 - pagoPA - Comuni", "097021", "A"},
}

// A hidden sheet with one funding row.
var hiddenSheet = [][]any{
	{"Codice ISTAT", "Comune", "Avviso", "Importo"},
	{"097058", "Olgiate Molgora", "1.4.3 - pagoPA - Comuni", 72845.0},
}

// Every kind of cell, for the cell-level tests.
var cellTypes = [][]any{
	{"testo", 1.5, boolean(true), formula("1/0"), formula(`A1&"!"`), formula("2*3"), boolean(false)},
	{"riga uno\nriga due", -2.0, 0.1, 1e20, 123456789012.0, pct(0.25), euro(3430)},
	{"doppio  spazio", "tab\tqui", 4326.4, 18990.54, 121999.0, date(44827), "  "},
	{},
	{"dopo la riga vuota"},
}

// The 1904 workbook: dates stored as serials of the 1904 date system.
var data1904 = [][]any{
	{"Codice ISTAT", "Comune", "Avviso", "Importo", "Data finanziamento"},
	{"097058", "Olgiate Molgora", "1.4.4 Adozione SPID CIE - Comuni", 14000.0, date(44827 - 1462)},
}

func main() {
	log.SetFlags(0)
	tmp, err := os.MkdirTemp("", "consolida-gen")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	src := filepath.Join(tmp, "prospetto.xlsx")
	must(writeBook(src, false, []sheetSpec{
		{"Finanziamenti", fundingRows, false, "A1:I1"},
		{"Altri comuni", otherBodies, false, ""},
		{"Nascosto", hiddenSheet, true, ""},
	}))
	convert(src)
	must(os.WriteFile(filepath.Join(dir, "prospetto.csv"), []byte(toCSV(fundingRows)), 0o644))

	src = filepath.Join(tmp, "tipi.xlsx")
	must(writeBook(src, false, []sheetSpec{{"Tipi", cellTypes, false, ""}}))
	convert(src)

	src = filepath.Join(tmp, "data1904.xlsx")
	must(writeBook(src, true, []sheetSpec{{"Dati", data1904, false, ""}}))
	convert(src)

	// Long strings force the shared-string table of the .xls over one
	// record, into CONTINUE records, splitting strings across them.
	src = filepath.Join(tmp, "sst.xlsx")
	must(writeBook(src, false, []sheetSpec{{"Testi", sstRows(), false, ""}}))
	convert(src)
	must(os.Remove(filepath.Join(dir, "sst.xlsx")))

	for _, name := range []string{"prospetto", "tipi", "data1904", "sst"} {
		must(slimODS(filepath.Join(dir, name+".ods")))
	}
}

// sstRows returns strings that fill more than two BIFF records: one
// 9000-character ASCII string, one 4500-character string that needs
// UTF-16, and 40 short distinct strings.
func sstRows() [][]any {
	rows := [][]any{
		{strings.Repeat("abcdefghij", 900)},
		{strings.Repeat("€uro àèìòù ", 410)},
	}
	for i := 1; i <= 40; i++ {
		rows = append(rows, []any{fmt.Sprintf("Voce %03d", i), fmt.Sprintf("città n. %d €", i)})
	}
	return rows
}

type sheetSpec struct {
	name   string
	rows   [][]any
	hidden bool
	merge  string
}

func writeBook(path string, date1904 bool, sheets []sheetSpec) error {
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
			return err
		}
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	pctStyle, err := f.NewStyle(&excelize.Style{NumFmt: 9})
	if err != nil {
		return err
	}
	euroFmt := `#,##0.00 [$€-410]`
	euroStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &euroFmt})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true}})
	if err != nil {
		return err
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			return err
		}
		for r, row := range s.rows {
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				var err error
				switch v := v.(type) {
				case string:
					err = f.SetCellStr(s.name, ref, v)
					if err == nil && strings.Contains(v, "\n") {
						err = f.SetCellStyle(s.name, ref, ref, wrap)
					}
				case float64:
					err = f.SetCellFloat(s.name, ref, v, -1, 64)
				case date:
					err = f.SetCellFloat(s.name, ref, float64(v), -1, 64)
					if err == nil {
						err = f.SetCellStyle(s.name, ref, ref, dateStyle)
					}
				case pct:
					err = f.SetCellFloat(s.name, ref, float64(v), -1, 64)
					if err == nil {
						err = f.SetCellStyle(s.name, ref, ref, pctStyle)
					}
				case euro:
					err = f.SetCellFloat(s.name, ref, float64(v), -1, 64)
					if err == nil {
						err = f.SetCellStyle(s.name, ref, ref, euroStyle)
					}
				case boolean:
					err = f.SetCellBool(s.name, ref, bool(v))
				case formula:
					err = f.SetCellFormula(s.name, ref, string(v))
				default:
					err = fmt.Errorf("cell %s: type %T", ref, v)
				}
				if err != nil {
					return err
				}
			}
		}
		if s.merge != "" {
			from, to, _ := strings.Cut(s.merge, ":")
			if err := f.MergeCell(s.name, from, to); err != nil {
				return err
			}
		}
		if s.hidden {
			if err := f.SetSheetVisible(s.name, false); err != nil {
				return err
			}
		}
	}
	return f.SaveAs(path)
}

// convert has LibreOffice save the workbook as .xlsx, .xls and .ods in
// the fixture directory. LibreOffice recalculates the formulas that
// excelize left without a cached result.
func convert(src string) {
	profile, err := os.MkdirTemp("", "consolida-lo")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(profile)
	for _, to := range []string{"xlsx:Calc MS Excel 2007 XML", "xls:MS Excel 97", "ods:calc8"} {
		cmd := exec.Command("soffice", "-env:UserInstallation=file://"+profile, "--headless",
			"--convert-to", to, "--outdir", dir, src)
		if out, err := cmd.CombinedOutput(); err != nil {
			log.Fatalf("soffice %s: %v\n%s", to, err, out)
		}
	}
}

// slimODS drops the thumbnail and the empty configuration folders that
// LibreOffice adds, to keep the fixtures small; content.xml, styles.xml
// and the manifest's other entries stay as LibreOffice wrote them.
func slimODS(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "Thumbnails/") || strings.HasPrefix(f.Name, "Configurations2/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if f.Name == "META-INF/manifest.xml" {
			var keep []string
			for _, line := range strings.SplitAfter(string(data), ">") {
				if strings.Contains(line, "Thumbnails/") || strings.Contains(line, "Configurations2/") {
					continue
				}
				keep = append(keep, line)
			}
			data = []byte(strings.Join(keep, ""))
		}
		hdr := f.FileHeader
		hdr.CompressedSize64, hdr.UncompressedSize64, hdr.CRC32 = 0, 0, 0
		w, err := zw.CreateHeader(&hdr)
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	zr.Close()
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// toCSV writes the rows the way an office exports them: semicolons, text
// as shown, dates as dd/mm/yyyy, formulas as their value.
func toCSV(rows [][]any) string {
	var b strings.Builder
	for _, row := range rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte(';')
			}
			switch v := v.(type) {
			case string:
				if strings.ContainsAny(v, ";\"\n") {
					v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
				}
				b.WriteString(v)
			case float64:
				b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
			case date:
				b.WriteString(excelDate(float64(v)))
			case formula:
				if strings.HasPrefix(string(v), "SUM(") {
					b.WriteString("472567.94")
				}
			}
		}
		b.WriteString("\r\n")
	}
	return b.String()
}

func excelDate(serial float64) string {
	t, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		log.Fatal(err)
	}
	return t.Format("02/01/2006")
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
