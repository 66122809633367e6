// Package gridtest holds what the tests of the format decoders share:
// reading a grid.Book whole, comparing rows, and the rows that every
// spreadsheet fixture of importer/testdata must give, whatever its format.
package gridtest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"consolida/importer/grid"
)

// Row is one row as a decoder yielded it.
type Row struct {
	N     int
	Cells []grid.Cell
}

// Sheet is one sheet of a book with all its rows.
type Sheet struct {
	Name     string
	Hidden   bool
	Date1904 bool
	Rows     []Row
}

// ReadBook reads every row of every sheet of an opened book; it stops at
// the first error, returning the sheets read so far.
func ReadBook(b *grid.Book) ([]Sheet, error) {
	var out []Sheet
	for _, s := range b.Sheets {
		g := Sheet{Name: s.Name, Hidden: s.Hidden, Date1904: s.Date1904}
		it, err := s.Open()
		if err != nil {
			return out, err
		}
		for it.Next() {
			n, cells := it.Row()
			g.Rows = append(g.Rows, Row{n, append([]grid.Cell(nil), cells...)})
		}
		err = it.Err()
		if cerr := it.Close(); err == nil {
			err = cerr
		}
		out = append(out, g)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Drain reads every row of a book without keeping them (fuzz targets: a
// repeated row may be yielded a million times).
func Drain(b *grid.Book) error {
	for _, s := range b.Sheets {
		it, err := s.Open()
		if err != nil {
			return err
		}
		for it.Next() {
			it.Row()
		}
		err = it.Err()
		it.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Num is a number cell with its canonical text, Str a text cell.
func Num(v string) grid.Cell { return grid.Cell{V: v, Num: true} }

// Str is a text cell.
func Str(v string) grid.Cell { return grid.Cell{V: v} }

// AssertRows compares rows one by one.
func AssertRows(t testing.TB, where string, got []Row, want []Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d: %v", where, len(got), len(want), got)
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: row %d\n got %v\nwant %v", where, i, got[i], want[i])
		}
	}
}

// RowByNumber returns the cells of row n.
func RowByNumber(t testing.TB, s Sheet, n int) []grid.Cell {
	t.Helper()
	for _, r := range s.Rows {
		if r.N == n {
			return r.Cells
		}
	}
	t.Fatalf("sheet %q: no row %d", s.Name, n)
	return nil
}

// ProspettoRows are the rows every spreadsheet format of prospetto gives
// for its first sheet, but the date cells (serials or ISO text).
func ProspettoRows(date func(serial string) grid.Cell) []Row {
	d1, d2 := date("44827"), date("44900")
	num, str := Num, Str
	return []Row{
		{1, []grid.Cell{str("Comune di Olgiate Molgora - Centro Servizi Territoriali")}},
		{2, []grid.Cell{str("Prospetto dei finanziamenti PNRR - PA digitale 2026")}},
		{4, []grid.Cell{str("Codice ISTAT"), str("Comune"), str("Provincia"), str("Avviso"), str("CUP"), str("Importo finanziato (€)"), str("Stato"), str("Data finanziamento"), str("Note")}},
		{5, []grid.Cell{str("097058"), str("Olgiate Molgora"), str("LC"), str("1.2 Abilitazione e facilitazione migrazione al Cloud per i Comuni"), str("D31C22000100006"), num("121999"), str("A"), d1, str("CUP D31C22000100006")}},
		{6, []grid.Cell{str("097058"), str("Olgiate Molgora"), str("LC"), str("1.4.1 Esperienza del Cittadino nei servizi pubblici"), str("D31C22000200006"), str("155.234,00"), str("Finanziato"), d1}},
		{7, []grid.Cell{num("97058"), str("OLGIATE MOLGORA"), str("LC"), str("1.4.3 - app IO - Comuni"), str("D31C22000300006"), str("€ 3.430"), str("E"), d1}},
		{8, []grid.Cell{str("097058"), str("Olgiate Molgora"), str("LC"), str("1.4.4 Adozione SPID CIE - Comuni"), str("D31C22000400006"), num("14000"), str("A"), str("23/09/2022")}},
		{9, []grid.Cell{str("097058"), str("Olgiate Molgora"), str("LC"), str("1.4.5 'Piattaforma Notifiche Digitali' - Comuni"), str("D31C22000500006"), num("32589"), str("Erogato"), d1}},
		{10, []grid.Cell{str("097001"), str("Abbadia Lariana"), str("LC"), str("1.4.3 - pagoPA - Comuni"), str("J71F22000100006"), num("4326.4"), str("A"), d2}},
		{11, []grid.Cell{str("097002"), str("Airuno"), str("LC"), str("1.3.1 Piattaforma Digitale Nazionale Dati - Comuni"), str("J71F22000200006"), num("18990.54"), str("A"), str("2022-12-05")}},
		{12, []grid.Cell{str("097003"), str("Annone di Brianza"), str("LC"), str("1.2 Abilitazione e facilitazione migrazione al Cloud per i Comuni"), str("J71F22000300006"), str("121.999,00"), str("A"), d2}},
		{13, []grid.Cell{{}, str("TOTALE"), {}, {}, {}, num("472567.94")}},
		{14, []grid.Cell{str("Fonte: decreti di finanziamento del Dipartimento per la trasformazione digitale")}},
	}
}

// ProspettoOther are the rows of the other sheets of prospetto.
var ProspettoOther = map[string][]Row{
	"Altri comuni": {
		{1, []grid.Cell{Str("Comune"), Str("Importo"), Str("Avviso"), Str("Codice ISTAT"), Str("Stato")}},
		{2, []grid.Cell{Str("Calco"), Str("18.990,54"), Str("1.4.1 Esperienza del Cittadino nei servizi pubblici"), Str("097011"), Str("A")}},
		{3, []grid.Cell{Str("Cernusco Lombardone"), Num("4326.4"), Str("1.4.3 - pagoPA - Comuni"), Str("097021"), Str("A")}},
	},
	"Nascosto": {
		{1, []grid.Cell{Str("Codice ISTAT"), Str("Comune"), Str("Avviso"), Str("Importo")}},
		{2, []grid.Cell{Str("097058"), Str("Olgiate Molgora"), Str("1.4.3 - pagoPA - Comuni"), Num("72845")}},
	},
}

// CheckProspetto checks the sheets read from a prospetto fixture.
func CheckProspetto(t testing.TB, name string, sheets []Sheet, date func(string) grid.Cell) {
	t.Helper()
	var names []string
	for _, s := range sheets {
		names = append(names, fmt.Sprintf("%s hidden=%v 1904=%v", s.Name, s.Hidden, s.Date1904))
	}
	want := []string{"Finanziamenti hidden=false 1904=false", "Altri comuni hidden=false 1904=false", "Nascosto hidden=true 1904=false"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("%s: sheets %q, want %q", name, names, want)
	}
	AssertRows(t, name+" Finanziamenti", sheets[0].Rows, ProspettoRows(date))
	for _, s := range sheets[1:] {
		AssertRows(t, name+" "+s.Name, s.Rows, ProspettoOther[s.Name])
	}
}

// SSTStrings are the texts of testdata/sst.*: long enough to spread the
// shared string table of the .xls over CONTINUE records.
func SSTStrings() [][]string {
	rows := [][]string{{strings.Repeat("abcdefghij", 900)}, {strings.Repeat("€uro àèìòù ", 410)}}
	for i := 1; i <= 40; i++ {
		rows = append(rows, []string{fmt.Sprintf("Voce %03d", i), fmt.Sprintf("città n. %d €", i)})
	}
	return rows
}

// CheckSST checks the sheets read from an sst fixture.
func CheckSST(t testing.TB, name string, sheets []Sheet) {
	t.Helper()
	want := SSTStrings()
	rows := sheets[0].Rows
	if len(rows) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(rows), len(want))
	}
	for i, r := range rows {
		var got []string
		for _, c := range r.Cells {
			got = append(got, c.V)
		}
		if r.N != i+1 || !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%s: row %d = %d %.60q..., want %.60q...", name, i+1, r.N, got, want[i])
		}
	}
}

// Contract reads a book twice, in order, and checks what every decoder
// owes the importer whatever the bytes (the fuzz targets' invariants): a
// read ends with nil, a *grid.CorruptError, a *grid.LimitError or
// grid.ErrEncrypted, never with another error (an early end disguised
// as the end of the data would be a nil error with rows missing, which
// the decoders' own tests catch); rows come in increasing order within
// 1..MaxRows, never blank, with at most MaxCols cells; a number cell
// holds the text of a finite number; no more than maxCells cells are
// yielded in all; Next after the end stays false; and the second read
// gives what the first gave (unless it exhausts the budget of the file,
// which counts both reads). It returns the read's error and, apart, a
// breach of the contract.
func Contract(b *grid.Book, maxCells int64) (err, breach error) {
	first, err1, breach := contractRead(b, maxCells)
	if breach != nil {
		return err1, breach
	}
	second, err2, breach := contractRead(b, maxCells)
	if breach != nil {
		return err2, breach
	}
	var le *grid.LimitError
	if errors.As(err2, &le) && !errors.As(err1, &le) {
		return err1, nil // the budget of the file counts both reads
	}
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		return err1, fmt.Errorf("read again: error %v, first %v", err2, err1)
	}
	if !reflect.DeepEqual(first, second) {
		return err1, fmt.Errorf("read again: other rows")
	}
	return err1, nil
}

func contractRead(b *grid.Book, maxCells int64) (sheets []Sheet, err, breach error) {
	var cells int64
	for _, s := range b.Sheets {
		g := Sheet{Name: s.Name, Hidden: s.Hidden, Date1904: s.Date1904}
		it, err := s.Open()
		if err != nil {
			return sheets, err, Typed(err)
		}
		prev := 0
		for it.Next() {
			n, row := it.Row()
			if n <= prev || n > grid.MaxRows {
				return sheets, nil, fmt.Errorf("sheet %q: row %d after %d", s.Name, n, prev)
			}
			prev = n
			if len(row) == 0 || len(row) > grid.MaxCols || grid.Blank(row) {
				return sheets, nil, fmt.Errorf("sheet %q row %d: %d cells, blank %v", s.Name, n, len(row), grid.Blank(row))
			}
			for _, c := range row {
				if c.Num {
					if f, err := strconv.ParseFloat(c.V, 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
						return sheets, nil, fmt.Errorf("sheet %q row %d: number cell %q", s.Name, n, c.V)
					}
				}
			}
			if cells += int64(len(row)); cells > maxCells {
				return sheets, nil, fmt.Errorf("%d cells yielded, the budget is %d", cells, maxCells)
			}
			g.Rows = append(g.Rows, Row{n, append([]grid.Cell(nil), row...)})
		}
		err = it.Err()
		if it.Next() {
			return sheets, err, fmt.Errorf("sheet %q: Next true after the end", s.Name)
		}
		it.Close()
		sheets = append(sheets, g)
		if err != nil {
			return sheets, err, Typed(err)
		}
	}
	return sheets, nil, nil
}

// Typed is nil for the errors a decoder may end a read with (or open a
// book with): a *grid.CorruptError that is not a recovered panic, a
// *grid.LimitError naming its budget, grid.ErrEncrypted.
func Typed(err error) error {
	var ce *grid.CorruptError
	var le *grid.LimitError
	switch {
	case errors.As(err, &ce):
		if ce.Row < 0 || ce.Row > grid.MaxRows || strings.Contains(ce.Detail, "internal error") {
			return fmt.Errorf("corrupt error %v", err)
		}
		return nil
	case errors.As(err, &le):
		if le.Row < 0 || le.Row > grid.MaxRows || le.Budget == 0 {
			return fmt.Errorf("limit error %v", err)
		}
		return nil
	case errors.Is(err, grid.ErrEncrypted):
		return nil
	}
	return fmt.Errorf("error %v (%T) is neither a *grid.CorruptError nor a *grid.LimitError", err, err)
}
