package importer

import (
	"fmt"
	"strings"
)

// Cell is one cell as read. Num is true when the cell is known to hold a
// number (then V is its canonical text, e.g. "4326.3999999999996"):
// spreadsheet readers set it, CSV never does.
type Cell struct {
	V   string
	Num bool
}

// rowIter yields the non-empty rows of a sheet in order.
type rowIter interface {
	Next() bool
	Row() (n int, cells []Cell) // n counts from 1 as the user sees it
	Err() error
	Close() error
}

// sheet is one table of a book; a CSV file is a book of one sheet
// with an empty name.
type sheet struct {
	Name     string
	Hidden   bool
	Date1904 bool
	open     func() (rowIter, error)
	// numeric resolves the type of a cell whose text is ambiguous
	// ("121.999"): true when the cell holds a number. May be nil.
	numeric func(row int, col int) bool
	// estimate guesses the number of rows (to size memory); may be nil.
	estimate func() int
}

// book is an opened input.
type book struct {
	Format   Format
	Detail   string // encoding and delimiter for CSV
	Sheets   []sheet
	closeFns []func() error
}

func (b *book) Close() error {
	var first error
	for _, f := range b.closeFns {
		if err := f(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// openBook opens a file as the format its content says.
func openBook(path string) (*book, error) {
	f, err := Sniff(path)
	if err != nil {
		return nil, err
	}
	opener, ok := openers[f]
	if !ok {
		return nil, fmt.Errorf("formato %s: lettura non disponibile", f)
	}
	return opener(path)
}

// openers maps each format to its reader; readers register themselves.
var openers = map[Format]func(path string) (*book, error){}

// ColName converts a 0-based column index into Excel letters: 0 -> A,
// 27 -> AB.
func ColName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// sliceIter is a rowIter over rows held in memory.
type sliceIter struct {
	rows []int
	data [][]Cell
	i    int
}

func (s *sliceIter) Next() bool {
	s.i++
	return s.i <= len(s.rows)
}
func (s *sliceIter) Row() (int, []Cell) { return s.rows[s.i-1], s.data[s.i-1] }
func (s *sliceIter) Err() error         { return nil }
func (s *sliceIter) Close() error       { return nil }

func blank(cells []Cell) bool {
	for _, c := range cells {
		if strings.TrimSpace(c.V) != "" {
			return false
		}
	}
	return true
}
