package importer

import (
	"errors"
	"regexp"

	"github.com/xuri/excelize/v2"

	"consolida/importer/grid"
)

// unzipLimit guards against zip bombs; it must stay >= excelize's
// UnzipXMLSizeLimit default (16 MiB).
const unzipLimit = 2 << 30

// openXLSX reads a workbook with excelize. excelize has no way to read
// from an open file but OpenReader, which takes the whole file into
// memory: it reads it in one sequential pass, which is hashed.
func openXLSX(in *Input) (*opened, error) {
	p, err := in.newPass(false, false)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(p, excelize.Options{UnzipSizeLimit: unzipLimit})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookPassword) || errors.Is(err, excelize.ErrWorkbookFileFormat) {
			return nil, ErrEncrypted
		}
		return nil, err
	}
	b := &opened{Book: &grid.Book{Close: f.Close}}
	props, _ := f.GetWorkbookProps()
	date1904 := props.Date1904 != nil && *props.Date1904
	names := f.GetSheetList()
	for _, name := range names {
		visible, _ := f.GetSheetVisible(name)
		name := name
		b.Sheets = append(b.Sheets, grid.Sheet{
			Name: name, Hidden: !visible, Date1904: date1904,
			Open: func() (grid.Rows, error) {
				rows, err := f.Rows(name)
				if err != nil {
					return nil, err
				}
				return &xlsxIter{rows: rows}, nil
			},
		})
	}
	b.numeric = func(si, row, col int) bool {
		ref, err := excelize.CoordinatesToCellName(col+1, row)
		if err != nil {
			return false
		}
		t, err := f.GetCellType(names[si], ref)
		return err == nil && (t == excelize.CellTypeNumber || t == excelize.CellTypeUnset)
	}
	return b, nil
}

type xlsxIter struct {
	rows  *excelize.Rows
	n     int
	cells []grid.Cell
	err   error
}

// plainNumber is the canonical text excelize gives for numeric cells.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

func (x *xlsxIter) Next() bool {
	for x.rows.Next() {
		x.n++
		cols, err := x.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			x.err = err
			return false
		}
		if len(cols) == 0 {
			continue
		}
		x.cells = x.cells[:0]
		for _, v := range cols {
			x.cells = append(x.cells, grid.Cell{V: v})
		}
		if grid.Blank(x.cells) {
			continue
		}
		return true
	}
	x.err = x.rows.Error()
	return false
}

func (x *xlsxIter) Row() (int, []grid.Cell) { return x.n, x.cells }
func (x *xlsxIter) Err() error              { return x.err }
func (x *xlsxIter) Close() error            { return x.rows.Close() }
