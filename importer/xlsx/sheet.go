package xlsx

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"consolida/importer/grid"
)

// rows streams one sheet. Rows and cells are numbered as excelize numbers
// them: a row without r= follows the previous one, a cell without r= takes
// the column after the previous cell; references must increase.
type rows struct {
	b  *book
	sp *sheetPart
	rc io.ReadCloser
	s  *scanner

	state      int
	row        int // number of the row being read, or of the last one read
	inRow      bool
	cells      []grid.Cell
	arena      []byte // this row's values, turned into one string at its end
	spans      []span
	blank      bool
	nrows      int   // rows yielded
	ncells     int64 // cells counted, not yet added to the book's total
	cellsInRow int
	err        error
	closed     bool
	scratch    []byte
}

const (
	stStart = iota // before the root element
	stSheet        // in the root, before sheetData
	stData         // in sheetData
	stAfter        // after sheetData
)

type span struct{ cell, from, to int }

type cellType uint8

const (
	tNumber cellType = iota
	tShared
	tStr
	tInline
	tBool
	tError
	tDate
)

func (b *book) openSheet(sp *sheetPart) (grid.Rows, error) {
	rc, onRead, err := b.part(sp.file, sp.name)
	if err != nil {
		return nil, partError(err, sp.file.Name, sp.name, 0)
	}
	r := &rows{b: b, sp: sp, rc: rc, blank: true}
	r.s = newScanner(rc, bufFor(sp.file), b.lim, onRead)
	sp.last.Store(r)
	return r, nil
}

// estimate guesses the rows of the sheet from the part's size and the
// bytes the last reader of the sheet needed for the rows it has read.
func (sp *sheetPart) estimate() int {
	r := sp.last.Load()
	if r == nil || r.nrows == 0 {
		return 0
	}
	used := r.s.base + int64(r.s.pos)
	if used <= 0 {
		return 0
	}
	n := int64(sp.file.UncompressedSize64) * int64(r.nrows) / used
	n = n*21/20 + 16
	return int(min(n, maxRows))
}

func (r *rows) Row() (int, []grid.Cell) { return r.row, r.cells }

func (r *rows) Err() error {
	if r.err == io.EOF {
		return nil
	}
	return r.err
}

func (r *rows) Close() error {
	if !r.closed {
		r.closed = true
		r.rc.Close()
	}
	return nil
}

func (r *rows) Next() bool {
	if r.err != nil {
		return false
	}
	if r.closed || r.b.closed.Load() {
		r.err = errors.New("xlsx: rows read after Close")
		r.Close()
		return false
	}
	for {
		ok, err := r.readRow()
		if err == nil && !ok {
			err = r.finish()
		}
		if err != nil {
			r.fail(err)
			return false
		}
		if !r.blank {
			r.nrows++
			return true
		}
	}
}

// fail records err with the sheet and the row it concerns: the row being
// read, the one after the last when between rows.
func (r *rows) fail(err error) {
	if err == io.EOF {
		r.err = io.EOF
		r.Close()
		return
	}
	row := 0
	switch {
	case r.inRow:
		row = r.row
	case r.state == stData:
		row = min(r.row+1, maxRows)
	}
	r.err = partError(err, r.sp.file.Name, r.sp.name, row)
	r.Close()
}

// finish reads the part to its end after sheetData (to check it whole and
// verify its checksum); a second sheetData, or rows and cells out of it,
// are refused.
func (r *rows) finish() error {
	for {
		k, err := r.s.next()
		if err != nil {
			return err
		}
		if k == tokStart {
			switch string(r.s.local) {
			case "row", "c", "sheetData":
				return r.s.corruptf("element <%s> out of place", r.s.qname)
			}
		}
	}
}

// readRow reads up to the end of the next row; false at the end of
// sheetData.
func (r *rows) readRow() (bool, error) {
	s := r.s
	r.cells = r.cells[:0]
	r.arena = r.arena[:0]
	r.spans = r.spans[:0]
	r.blank = true
	for {
		switch r.state {
		case stStart:
			if err := root(s, []string{"worksheet", "chartsheet", "dialogsheet", "macrosheet"}, nil); err != nil {
				return false, err
			}
			r.state = stSheet
			continue
		case stAfter:
			return false, nil
		}
		k, err := s.next()
		if err != nil {
			return false, err
		}
		if k != tokStart {
			if k == tokEnd && s.depth() < 2 {
				if r.state == stData {
					r.state = stAfter
					return false, nil
				}
				return false, nil // a sheet without sheetData
			}
			continue
		}
		if r.state == stSheet {
			if s.depth() == 2 && string(s.local) == "sheetData" {
				r.state = stData
				continue
			}
			if err := skipChecked(s); err != nil {
				return false, err
			}
			continue
		}
		// in sheetData
		if string(s.local) != "row" {
			return false, s.corruptf("element <%s> in sheetData", s.qname)
		}
		return true, r.readCells()
	}
}

// readCells reads the row whose start tag was just read.
func (r *rows) readCells() error {
	s := r.s
	n := r.row + 1
	seen := false
	for _, a := range s.attrs {
		if string(a.local) != "r" {
			continue
		}
		if a.prefix != nil || seen {
			return s.corruptf("row with attributes %s", attrNames(s.attrs))
		}
		seen = true
		v, ok := atoi(a.value)
		if !ok || v < 1 {
			return s.corruptf("row number %q", a.value)
		}
		n = v
	}
	r.inRow = true
	if n > maxRows {
		r.row = maxRows
		return s.corruptf("row %d beyond row 1048576", n)
	}
	if n <= r.row {
		err := s.corruptf("row %d after row %d", n, r.row)
		r.row = n
		return err
	}
	r.row = n
	r.cellsInRow = 0
	col := 0
	for {
		if len(r.arena) > r.b.lim.RowBytes {
			return &grid.LimitError{Budget: grid.BudgetRowBytes, What: "bytes of one row", Limit: int64(r.b.lim.RowBytes)}
		}
		if !s.pendEnd {
			c, res, err := r.fastCell(col)
			if err != nil {
				return err
			}
			if res == fastOK {
				col = c
				continue
			}
			if res == fastMore {
				ok, err := s.more()
				if err != nil {
					return err
				}
				if ok {
					continue
				}
			}
		}
		k, err := s.next()
		if err != nil {
			return err
		}
		if k == tokEnd {
			break // the row's end: cells are never self-closing tokens here
		}
		if k != tokStart {
			continue
		}
		switch string(s.local) {
		case "c":
		case "extLst":
			if err := skipChecked(s); err != nil {
				return err
			}
			continue
		default:
			return s.corruptf("element <%s> in a row", s.qname)
		}
		if r.cellsInRow++; r.cellsInRow > r.b.lim.CellsPerRow {
			return &grid.LimitError{Budget: grid.BudgetCells, What: "cells of one row", Limit: int64(r.b.lim.CellsPerRow)}
		}
		r.ncells++
		if col, err = r.readCell(col); err != nil {
			return err
		}
	}
	if r.b.cells.Add(r.ncells) > r.b.lim.Cells {
		return &grid.LimitError{Budget: grid.BudgetCells, What: "cells of the workbook", Limit: r.b.lim.Cells}
	}
	r.ncells = 0
	r.inRow = false
	if len(r.spans) > 0 {
		all := string(r.arena)
		for _, sp := range r.spans {
			r.cells[sp.cell].V = all[sp.from:sp.to]
		}
	}
	return nil
}

// readCell reads the cell whose start tag was just read; prev is the
// column (from 1) of the previous cell of the row.
func (r *rows) readCell(prev int) (int, error) {
	s := r.s
	col := prev + 1
	typ := tNumber
	var seen [3]bool
	for _, a := range s.attrs {
		k := strings.IndexByte("rts", a.local[0])
		if len(a.local) != 1 || k < 0 {
			continue
		}
		// excelize takes r, t and s by local name whatever the prefix
		// (even xmlns:r): such a cell, or one with an attribute twice,
		// is refused rather than read one way or the other
		if a.prefix != nil || seen[k] {
			return col, s.corruptf("cell with attributes %s", attrNames(s.attrs))
		}
		seen[k] = true
		switch string(a.local) {
		case "r":
			c, row, ok := cellRef(a.value)
			if !ok {
				return col, s.corruptf("cell reference %q", a.value)
			}
			if c > maxCols {
				return col, s.corruptf("cell %s beyond column XFD", a.value)
			}
			if row != r.row {
				return col, s.corruptf("cell %s in row %d", a.value, r.row)
			}
			if c <= prev {
				return col, s.corruptf("cell %s after column %s", a.value, colName(prev))
			}
			col = c
		case "t":
			v := a.value
			if a.esc {
				var err error
				if r.scratch, err = appendText(r.scratch[:0], v, false); err != nil {
					return col, s.corruptf("%v", err)
				}
				v = r.scratch
			}
			switch string(v) {
			case "n":
				typ = tNumber
			case "s":
				typ = tShared
			case "str":
				typ = tStr
			case "inlineStr":
				typ = tInline
			case "b":
				typ = tBool
			case "e":
				typ = tError
			case "d":
				typ = tDate
			default:
				return col, s.corruptf("cell type %q", v)
			}
		case "s":
			if _, ok := atoi(a.value); !ok {
				return col, s.corruptf("cell style %q", a.value)
			}
		}
	}
	if col > maxCols {
		return col, s.corruptf("cell beyond column XFD")
	}
	if s.selfClose {
		_, err := s.next()
		return col, err
	}
	hasF, hasV, hasIS := false, false, false
	var v0, v1, is0, is1 int
	for {
		k, err := s.next()
		if err != nil {
			return col, err
		}
		if k == tokEnd {
			break
		}
		if k != tokStart {
			continue
		}
		switch string(s.local) {
		case "v":
			if hasV {
				return col, s.corruptf("cell with two values")
			}
			hasV = true
			v0 = len(r.arena)
			if r.arena, err = textElem(s, r.arena, int64(r.b.lim.TokenBytes)); err != nil {
				return col, err
			}
			v1 = len(r.arena)
		case "is":
			if hasIS {
				return col, s.corruptf("cell with two inline strings")
			}
			hasIS = true
			is0 = len(r.arena)
			if r.arena, err = richText(s, r.arena, int64(r.b.lim.TokenBytes)); err != nil {
				return col, err
			}
			is1 = len(r.arena)
		case "f":
			if hasF {
				return col, s.corruptf("cell with two formulas")
			}
			hasF = true
			if err := s.skip(); err != nil {
				return col, err
			}
		case "extLst":
			if err := skipChecked(s); err != nil {
				return col, err
			}
		default:
			return col, s.corruptf("element <%s> in a cell", s.qname)
		}
	}
	return col, r.value(col, typ, hasF, hasV, hasIS, v0, v1, is0, is1)
}

// value places the value of a cell read whole: v0:v1 is its v and is0:is1
// its inline string in the row arena.
func (r *rows) value(col int, typ cellType, hasF, hasV, hasIS bool, v0, v1, is0, is1 int) error {
	s := r.s
	from, to := v0, v1
	num := false
	switch typ {
	case tNumber:
		if to > from {
			if !validNumber(r.arena[from:to]) {
				return s.corruptf("number cell holding %q", r.arena[from:to])
			}
			num = true
		}
	case tShared:
		if to > from {
			i, ok := atoi(r.arena[from:to])
			if !ok || r.b.sst == nil || i >= r.b.sst.len() {
				return s.corruptf("shared string index %q out of range (%d strings)", r.arena[from:to], r.sstLen())
			}
			r.arena = r.arena[:from]
			r.putShared(col, i, hasF)
			return nil
		}
	case tInline:
		if hasIS {
			from, to = is0, is1
		}
	}
	if to == from {
		if hasF {
			r.put(col, "", false, true)
		}
		return nil
	}
	r.place(col)
	r.spans = append(r.spans, span{len(r.cells), from, to})
	r.cells = append(r.cells, grid.Cell{Num: num})
	if r.blank && !blankBytes(r.arena[from:to]) {
		r.blank = false
	}
	return nil
}

func (r *rows) sstLen() int {
	if r.b.sst == nil {
		return 0
	}
	return r.b.sst.len()
}

// place pads the row with empty cells up to column col (from 1).
func (r *rows) place(col int) {
	for len(r.cells) < col-1 {
		r.cells = append(r.cells, grid.Cell{})
	}
}

// put sets a cell whose value is already a string; an empty value is kept
// only for a formula, as excelize does.
func (r *rows) put(col int, v string, num, formula bool) {
	if v == "" && !formula {
		return
	}
	r.place(col)
	r.cells = append(r.cells, grid.Cell{V: v, Num: num})
	if r.blank && !blankString(v) {
		r.blank = false
	}
}

// putShared sets a cell to shared string i, as put does.
func (r *rows) putShared(col, i int, formula bool) {
	v := r.b.sst.get(i)
	if v == "" && !formula {
		return
	}
	r.place(col)
	r.cells = append(r.cells, grid.Cell{V: v})
	if r.blank && !r.b.sst.isBlank(i) {
		r.blank = false
	}
}

func blankBytes(b []byte) bool {
	if c := b[0]; c > ' ' && c < utf8.RuneSelf {
		return false
	}
	return len(bytes.TrimSpace(b)) == 0
}

func blankString(v string) bool {
	if v == "" {
		return true
	}
	if c := v[0]; c > ' ' && c < utf8.RuneSelf {
		return false
	}
	return strings.TrimSpace(v) == ""
}

// skipChecked skips the element whose start was just read, refusing the
// elements that excelize would take as rows or cells wherever they are.
func skipChecked(s *scanner) error {
	if s.selfClose {
		_, err := s.next()
		return err
	}
	d := s.depth()
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		switch k {
		case tokStart:
			switch string(s.local) {
			case "row", "c", "v", "f", "is", "sheetData":
				return s.corruptf("element <%s> out of place", s.qname)
			}
		case tokEnd:
			if s.depth() < d {
				return nil
			}
		}
	}
}

// atoi reads a decimal number of at most 9 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// cellRef reads a reference like "AB12" (letters of either case).
func cellRef(b []byte) (col, row int, ok bool) {
	i := 0
	for i < len(b) && i < 4 {
		c := b[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		i++
	}
	if i == 0 || i == 4 {
		return 0, 0, false
	}
	row, ok = atoi(b[i:])
	return col, row, ok && row >= 1
}

func colName(c int) string {
	var b []byte
	for ; c > 0; c = (c - 1) / 26 {
		b = append([]byte{byte('A' + (c-1)%26)}, b...)
	}
	return string(b)
}

func attrNames(attrs []attr) string {
	var b strings.Builder
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a.prefix != nil {
			b.Write(a.prefix)
			b.WriteByte(':')
		}
		b.Write(a.local)
	}
	return b.String()
}
