package exporter

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"consolida/funding"
)

func TestCouncilFileName(t *testing.T) {
	safe := regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]*\.xlsx$`)
	for _, tc := range []struct {
		c    funding.Comune
		want string
	}{
		{funding.Comune{ISTAT: "097042", Name: "Lecco"}, "097042_Lecco.xlsx"},
		{funding.Comune{ISTAT: "061001", Name: "Ailano"}, "061001_Ailano.xlsx"},
		{funding.Comune{ISTAT: "021008", Name: "Bolzano/Bozen"}, "021008_Bolzano-Bozen.xlsx"},
		{funding.Comune{ISTAT: "061076", Name: "Sant'Angelo d'Alife"}, "061076_Sant_Angelo_d_Alife.xlsx"},
		{funding.Comune{Name: "Cantù", Province: "CO"}, "senza-codice_CO_Cantu.xlsx"},
		{funding.Comune{Name: "CON"}, "senza-codice_CON.xlsx"},
		{funding.Comune{Name: `..\..\nul:`}, "senza-codice_nul.xlsx"},
		{funding.Comune{Name: ""}, "senza-codice_comune.xlsx"},
		// the province as the files wrote it (issue 8, finding 9)
		{funding.Comune{Name: "Olgiate", Province: "*?"}, "senza-codice_Olgiate.xlsx"},
		{funding.Comune{Name: "Olgiate", Province: "C:"}, "senza-codice_C_Olgiate.xlsx"},
		{funding.Comune{Name: "Olgiate", Province: ".."}, "senza-codice_Olgiate.xlsx"},
		{funding.Comune{Name: "Olgiate", Province: "A/"}, "senza-codice_A_Olgiate.xlsx"},
		{funding.Comune{Name: "Olgiate", Province: `../..\x`}, "senza-codice_x_Olgiate.xlsx"},
		{funding.Comune{Name: "Olgiate", Province: strings.Repeat("Provincia ", 20)}, "senza-codice_Provincia_Provincia_Olgiate.xlsx"},
		{funding.Comune{ISTAT: "09/058", Name: "Olgiate"}, "09-058_Olgiate.xlsx"},
	} {
		got := CouncilFileName(&tc.c)
		if got != tc.want {
			t.Errorf("CouncilFileName(%q) = %q, want %q", tc.c.Name, got, tc.want)
		}
		if !safe.MatchString(got) {
			t.Errorf("%q is not a safe file name", got)
		}
	}
}

func TestCouncilFileNamesClash(t *testing.T) {
	comuni := []*funding.ComuneTotals{
		{Comune: &funding.Comune{ID: 3, Name: "San Marco", Province: "XX"}},
		{Comune: &funding.Comune{ID: 7, Name: "SAN MARCO", Province: "XX"}},
		{Comune: &funding.Comune{ID: 9, Name: "San Marco", Province: "XX"}},
		{Comune: &funding.Comune{ID: 4, ISTAT: "097042", Name: "Lecco"}},
	}
	names := councilFileNames(comuni)
	want := []string{"senza-codice_XX_San_Marco.xlsx", "senza-codice_XX_SAN_MARCO_7.xlsx", "senza-codice_XX_San_Marco_9.xlsx", "097042_Lecco.xlsx"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names %q, want %q", names, want)
	}
	// the files really are distinct, also where case does not count
	dir := t.TempDir()
	for _, n := range names {
		f, err := os.OpenFile(filepath.Join(dir, strings.ToLower(n)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// writeSet writes the council workbooks of res into dir with r.
func writeSet(t *testing.T, dir string, res *funding.Result, nov *ChangeList) {
	t.Helper()
	n, err := WriteCouncil(context.Background(), dir, &Report{Result: res, Changes: nov, Meta: testMeta}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(res.Comuni) {
		t.Fatalf("%d workbooks, want %d", n, len(res.Comuni))
	}
}

// snapshot maps each file of dir to the hash of its content.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	for _, n := range fileNames(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = sha256.Sum256(b)
	}
	return out
}

func TestWriteCouncil(t *testing.T) {
	res := fixture(t)
	dir := filepath.Join(t.TempDir(), "uscita", "consiglio")
	writeSet(t, dir, res, nil)
	want := []string{"090064_Sassari.xlsx", "097042_Lecco.xlsx", "097058_Olgiate_Molgora.xlsx"}
	if got := fileNames(t, dir); !reflect.DeepEqual(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	if got := fileNames(t, filepath.Dir(dir)); !reflect.DeepEqual(got, []string{"consiglio"}) {
		t.Errorf("beside the set: %q", got)
	}

	p := filepath.Join(dir, "097042_Lecco.xlsx")
	f := open(t, p)
	dump := dumpSheets(t, p)
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Finanziamenti", "Fonti dei dati"}) {
		t.Fatalf("sheets %q", got)
	}
	r := rows(t, f, "Finanziamenti")
	if r[0][0] != "Comune di Lecco (LC)" || r[3][0] != "Codice ISTAT 097042 - Codice IPA c_097042" {
		t.Errorf("title block %q", r[:4])
	}
	if !reflect.DeepEqual(r[5], CouncilHeader) {
		t.Fatalf("row 6 %q, want the header", r[5])
	}
	if r[6][4] != funding.StatusAssigned.Label() || r[7][0] != "TOTALE FINANZIATO" || r[8][0] != "di cui erogato" || !strings.HasPrefix(r[9][0], "da erogare") {
		t.Fatalf("rows 7-10 %q", r[6:10])
	}
	moneyAt(t, f, "Finanziamenti", "G7", centsLecco)
	moneyAt(t, f, "Finanziamenti", "G8", centsLecco)
	formulaAt(t, f, "Finanziamenti", "G8", "SUM(G7:G7)")
	moneyAt(t, f, "Finanziamenti", "G9", 0)
	formulaAt(t, f, "Finanziamenti", "G9", `SUMIF(E7:E7,"E*",G7:G7)`)
	moneyAt(t, f, "Finanziamenti", "G10", centsLecco)
	formulaAt(t, f, "Finanziamenti", "G10", "G8-G9")
	if r[11][0] != "Rinunce e revoche (elencate, non sommate)" || r[12][4] != funding.StatusRenounced.Label() {
		t.Errorf("rows 12-13 %q", r[11:13])
	}
	moneyAt(t, f, "Finanziamenti", "G13", 500000)
	merges := " " + dumpLine(dump["Finanziamenti"], "merges") + " "
	for _, m := range []string{"A1:G1", "A4:G4", "A10:F10", "A12:G12", "A15:G15", "A16:G16"} {
		if !strings.Contains(merges, " "+m+" ") {
			t.Errorf("merges %q, want %s", merges, m)
		}
	}
	layout, err := f.GetPageLayout("Finanziamenti")
	if err != nil || *layout.Orientation != "portrait" || *layout.FitToWidth != 1 {
		t.Errorf("page layout %s", dumpLine(dump["Finanziamenti"], "pagelayout"))
	}
	if layout, err := f.GetPageLayout("Fonti dei dati"); err != nil || *layout.Orientation != "landscape" {
		t.Errorf("Fonti dei dati: page layout %s", dumpLine(dump["Fonti dei dati"], "pagelayout"))
	}
	titles := map[string]string{}
	for _, n := range f.GetDefinedName() {
		titles[n.Scope+" "+n.Name] = n.RefersTo
	}
	if titles["Finanziamenti _xlnm.Print_Titles"] != "'Finanziamenti'!$6:$6" || titles["Fonti dei dati _xlnm.Print_Titles"] != "'Fonti dei dati'!$2:$2" {
		t.Errorf("print titles %q", titles)
	}
	if got := dumpLine(dump["Finanziamenti"], "panes"); !strings.Contains(got, `"Freeze":false`) {
		t.Errorf("panes %s on the council page", got)
	}
	src := rows(t, f, "Fonti dei dati")
	if len(src) != 4 || src[0][0] != "Comune di Lecco (LC) - provenienza degli importi" || src[2][1] != avPago || src[2][5] == "" {
		t.Errorf("sources %q", src)
	}

	// the comune whose candidatura was read twice: paid, with both sources
	p = filepath.Join(dir, "097058_Olgiate_Molgora.xlsx")
	f = open(t, p)
	moneyAt(t, f, "Finanziamenti", "G9", centsOlgiate)
	if paid, _ := cellNumber(t, f, "Finanziamenti", "F7"); paid != 45882 { // 13/08/2025
		t.Errorf("payment date F7 = %v, want 13/08/2025", paid)
	}
	src = rows(t, f, "Fonti dei dati")
	if src[2][5] != "b.csv:2" || src[2][6] != "a.csv:2" {
		t.Errorf("sources %q", src[2])
	}
}

func TestWriteCouncilChanges(t *testing.T) {
	res := fixture(t)
	sassari := res.Comuni[2].Comune
	nov := &ChangeList{Base: &Baseline{ID: 1, Generated: time.Date(2026, 10, 15, 10, 0, 0, 0, time.UTC), Month: "2026-10"}, Items: []ChangeRow{{
		Kind: LabelAmountChange, ISTAT: sassari.ISTAT, Comune: sassari.Name, Measure: "1.4.5 Notifiche digitali", CUP: "B81F22002220006",
		Before:   &ChangeState{Status: funding.StatusAssigned, StatusDate: 20230301, Amount: 4000000},
		After:    ChangeState{Status: funding.StatusAssigned, StatusDate: 20230301, Amount: centsSassari},
		ComuneID: sassari.ID,
	}}}
	dir := filepath.Join(t.TempDir(), "consiglio")
	writeSet(t, dir, res, nov)
	f := open(t, filepath.Join(dir, "090064_Sassari.xlsx"))
	r := rows(t, f, "Finanziamenti")
	i := slices.IndexFunc(r, func(row []string) bool {
		return len(row) > 0 && strings.HasPrefix(row[0], "Novità rispetto al prospetto")
	})
	if i < 0 || r[i][0] != "Novità rispetto al prospetto di ottobre 2026 (generato il 15/10/2026)" {
		t.Fatalf("no Novità heading in %q", r)
	}
	// its own columns
	if got := strings.Join(r[i+1], "|"); got != "Misura|CUP|Novità|Stato prima|Stato dopo|Importo prima|Importo dopo" {
		t.Fatalf("Novità header %q", got)
	}
	if got := r[i+2]; got[1] != "B81F22002220006" || got[2] != LabelAmountChange || got[3] != "A - assegnata dal 01/03/2023" || got[4] != "A - assegnata dal 01/03/2023" {
		t.Errorf("Novità row %q", got)
	}
	n := i + 3
	moneyAt(t, f, "Finanziamenti", fmt.Sprintf("F%d", n), 4000000)
	moneyAt(t, f, "Finanziamenti", fmt.Sprintf("G%d", n), centsSassari)
	// the other comuni say there is nothing new
	r = rows(t, open(t, filepath.Join(dir, "097042_Lecco.xlsx")), "Finanziamenti")
	if !slices.ContainsFunc(r, func(row []string) bool { return len(row) > 0 && row[0] == "Nessuna novità." }) {
		t.Errorf("Lecco: %q", r)
	}
}

// TestWriteCouncilReplacesFolder: a new set replaces the folder as a
// whole; workbooks of comuni no longer reported do not stay behind.
func TestWriteCouncilReplacesFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "consiglio")
	writeSet(t, dir, fixture(t), nil)
	if err := os.WriteFile(filepath.Join(dir, "appunti.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	lecco := consolidated(t, []funding.Record{
		rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, centsLecco),
	}, nil)
	writeSet(t, dir, lecco, nil)
	if got := fileNames(t, dir); !reflect.DeepEqual(got, []string{"097042_Lecco.xlsx"}) {
		t.Errorf("files %q", got)
	}
	if got := fileNames(t, filepath.Dir(dir)); !reflect.DeepEqual(got, []string{"consiglio"}) {
		t.Errorf("beside the set: %q", got)
	}
}

// failAfter renders the first n workbooks and fails the following ones.
type failAfter struct {
	n     int32
	calls atomic.Int32
}

func (r *failAfter) render(w io.Writer, b *book) error {
	if r.calls.Add(1) > r.n {
		return errBoom
	}
	return excelizeRenderer{}.render(w, b)
}

// TestWriteCouncilKeepsPreviousSet: a workbook that fails in the middle
// of the set, or an interruption, leaves the previous folder as it was and
// no temporary folder beside it.
func TestWriteCouncilKeepsPreviousSet(t *testing.T) {
	res := fixture(t)
	for _, tc := range []struct {
		name  string
		write func(dir string) error
		is    error
	}{
		{"a workbook fails", func(dir string) error {
			_, err := writeCouncil(context.Background(), dir, &Report{Result: res, Meta: testMeta}, nil, &failAfter{n: 1})
			return err
		}, errBoom},
		{"cancelled after the first workbook", func(dir string) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := WriteCouncil(ctx, dir, &Report{Result: res, Meta: testMeta}, cancel)
			return err
		}, context.Canceled},
		{"cancelled while the last workbook is written", func(dir string) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var done atomic.Int32
			_, err := WriteCouncil(ctx, dir, &Report{Result: res, Meta: testMeta}, func() {
				if int(done.Add(1)) == len(res.Comuni) {
					cancel()
				}
			})
			return err
		}, context.Canceled},
		{"cancelled before", func(dir string) error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := WriteCouncil(ctx, dir, &Report{Result: res, Meta: testMeta}, nil)
			return err
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "consiglio")
			previous := consolidated(t, []funding.Record{
				rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, 12345),
			}, nil)
			writeSet(t, dir, previous, nil)
			before := snapshot(t, dir)
			err := tc.write(dir)
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if after := snapshot(t, dir); !reflect.DeepEqual(after, before) {
				t.Errorf("the previous set changed: %d files, was %d", len(after), len(before))
			}
			if got := fileNames(t, filepath.Dir(dir)); !reflect.DeepEqual(got, []string{"consiglio"}) {
				t.Errorf("beside the set: %q", got)
			}
		})
	}
}

func TestWriteCouncilFailureNamesTheFile(t *testing.T) {
	res := fixture(t)
	_, err := writeCouncil(context.Background(), filepath.Join(t.TempDir(), "consiglio"), &Report{Result: res, Meta: testMeta}, nil, &failAfter{n: 0})
	if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), ".xlsx") {
		t.Fatalf("err = %v, want the name of the workbook and the cause", err)
	}
}

// TestWriteCouncilLongText: a decreto of a thousand characters (a hostile
// or broken file) makes the tallest row a spreadsheet allows, instead of
// failing the whole council set.
func TestWriteCouncilLongText(t *testing.T) {
	r := rec(0, 3, "097042", "Lecco", "LC", "E41F22001100006", avPago, funding.StatusAssigned, 20230215, centsLecco)
	r.Decreto = strings.Repeat("decreto lungo ", 80)
	dir := filepath.Join(t.TempDir(), "consiglio")
	writeSet(t, dir, consolidated(t, []funding.Record{r}, nil), nil)
	f := open(t, filepath.Join(dir, "097042_Lecco.xlsx"))
	if h, err := f.GetRowHeight("Finanziamenti", 7); err != nil || h != 409 {
		t.Errorf("row 7 height %v (%v), want 409", h, err)
	}
	if v, _ := f.GetCellValue("Finanziamenti", "C7"); v != r.Decreto {
		t.Errorf("decreto %q", v)
	}
}
