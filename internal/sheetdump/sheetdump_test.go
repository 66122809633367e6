package sheetdump

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func write(t *testing.T, path string, bold bool, width float64) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	st, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: bold}})
	f.SetCellValue("Sheet1", "A1", "Comune")
	f.SetCellValue("Sheet1", "B2", 121999.5)
	f.SetCellFormula("Sheet1", "B3", "SUM(B2:B2)")
	f.SetCellStyle("Sheet1", "A1", "A1", st)
	f.SetColWidth("Sheet1", "A", "A", width)
	f.MergeCell("Sheet1", "C1", "D1")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// TestDumpSeesStylesWidthsAndValues: equal workbooks dump equal; a style,
// a width or a value that differs shows in the dump.
func TestDumpSeesStylesWidthsAndValues(t *testing.T) {
	dir := t.TempDir()
	a, b, c, d := filepath.Join(dir, "a.xlsx"), filepath.Join(dir, "b.xlsx"), filepath.Join(dir, "c.xlsx"), filepath.Join(dir, "d.xlsx")
	write(t, a, true, 20)
	write(t, b, true, 20)
	write(t, c, false, 20)
	write(t, d, true, 30)
	da, err := Workbook(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := Workbook(b, Options{})
	dc, _ := Workbook(c, Options{})
	dd, _ := Workbook(d, Options{})
	if da != db {
		t.Error("equal workbooks, different dumps")
	}
	if da == dc || da == dd {
		t.Error("a style or a width change is not in the dump")
	}
	for _, want := range []string{`A1 t=`, `v="121999.5"`, `f="SUM(B2:B2)"`, "merges C1:D1", "A=20"} {
		if !strings.Contains(da, want) {
			t.Errorf("dump lacks %q:\n%s", want, da)
		}
	}
	os.WriteFile(filepath.Join(dir, "x.csv"), []byte("a,b\n12:34,2\n"), 0o644)
	tree, err := Tree(dir, Options{Volatile: func(s string) string { return strings.ReplaceAll(s, "12:34", "hh:mm") }})
	if err != nil {
		t.Fatal(err)
	}
	if len(tree) != 5 || !strings.Contains(tree["x.csv"], "hh:mm") {
		t.Errorf("tree %d entries, csv %q", len(tree), tree["x.csv"])
	}
}
