package importer

import (
	"errors"
	"regexp"

	"github.com/xuri/excelize/v2"
)

func init() { openers[FormatXLSX] = openXLSX }

// unzipLimit guards against zip bombs; it must stay >= excelize's
// UnzipXMLSizeLimit default (16 MiB).
const unzipLimit = 2 << 30

func openXLSX(path string) (*book, error) {
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: unzipLimit})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookPassword) || errors.Is(err, excelize.ErrWorkbookFileFormat) {
			return nil, ErrEncrypted
		}
		return nil, err
	}
	b := &book{Format: FormatXLSX, closeFns: []func() error{f.Close}}
	props, _ := f.GetWorkbookProps()
	date1904 := props.Date1904 != nil && *props.Date1904
	for _, name := range f.GetSheetList() {
		visible, _ := f.GetSheetVisible(name)
		name := name
		b.Sheets = append(b.Sheets, sheet{
			Name: name, Hidden: !visible, Date1904: date1904,
			open: func() (rowIter, error) {
				rows, err := f.Rows(name)
				if err != nil {
					return nil, err
				}
				return &xlsxIter{rows: rows}, nil
			},
			numeric: func(row, col int) bool {
				ref, err := excelize.CoordinatesToCellName(col+1, row)
				if err != nil {
					return false
				}
				t, err := f.GetCellType(name, ref)
				return err == nil && (t == excelize.CellTypeNumber || t == excelize.CellTypeUnset)
			},
		})
	}
	return b, nil
}

type xlsxIter struct {
	rows  *excelize.Rows
	n     int
	cells []Cell
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
			x.cells = append(x.cells, Cell{V: v})
		}
		if blank(x.cells) {
			continue
		}
		return true
	}
	x.err = x.rows.Error()
	return false
}

func (x *xlsxIter) Row() (int, []Cell) { return x.n, x.cells }
func (x *xlsxIter) Err() error         { return x.err }
func (x *xlsxIter) Close() error       { return x.rows.Close() }
