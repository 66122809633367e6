package xlsx

// The fast path for the cells of a sheet. Nearly every cell a writer
// produces has one of a few shapes: <c r="B2" s="1" t="s"><v>12</v></c>,
// an inline string <c t="inlineStr"><is><t>text</t></is></c>, a formula
// with its cached value. fastCell parses such a cell straight from the
// buffer, with the same checks as the tokenizer; anything else (comments,
// CDATA, prefixes, rich text, a cell cut by the end of the buffer...)
// goes to the general path, token by token.

import (
	"bytes"

	"consolida/importer/grid"
)

type fastResult uint8

const (
	fastNo   fastResult = iota // not a simple cell: use the tokenizer
	fastOK                     // cell read and placed
	fastMore                   // the cell continues past the buffer
)

// fastCell reads the cell at the scanner's position; prev is the column
// of the previous cell of the row.
func (r *rows) fastCell(prev int) (int, fastResult, error) {
	s := r.s
	b := s.buf[s.pos:s.lim]
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if len(b)-i < 4 {
		return prev, r.short(), nil
	}
	if b[i] != '<' || b[i+1] != 'c' || !(isSpace(b[i+2]) || b[i+2] == '>' || b[i+2] == '/') {
		return prev, fastNo, nil
	}
	i += 2
	col := prev + 1
	typ := tNumber
	var seenR, seenT, seenS bool
	self := false
	// attributes
attrs:
	for {
		if len(b)-i < 4 {
			return prev, r.short(), nil
		}
		switch b[i] {
		case '>':
			i++
			break attrs
		case '/':
			if b[i+1] != '>' {
				return prev, fastNo, nil
			}
			i += 2
			self = true
			break attrs
		case ' ':
		default:
			return prev, fastNo, nil // other white space: the tokenizer
		}
		if b[i+2] != '=' || b[i+3] != '"' {
			j, res := skipAttr(b, i)
			if res == fastMore {
				return prev, r.short(), nil
			}
			if res != fastOK {
				return prev, res, nil
			}
			i = j
			continue
		}
		j := i + 4
		switch b[i+1] {
		case 'r':
			if seenR {
				return prev, fastNo, nil
			}
			seenR = true
			c := 0
			for j < len(b) && 'A' <= b[j] && b[j] <= 'Z' && j < i+7 {
				c = c*26 + int(b[j]-'A'+1)
				j++
			}
			n, d := 0, j
			for j < len(b) && '0' <= b[j] && b[j] <= '9' && j < d+7 {
				n = n*10 + int(b[j]-'0')
				j++
			}
			if j >= len(b) {
				return prev, r.short(), nil
			}
			if b[j] != '"' || c == 0 || c > maxCols || j == d || n != r.row || c <= prev {
				return prev, fastNo, nil // the tokenizer names the fault
			}
			col = c
			i = j + 1
		case 't':
			if seenT {
				return prev, fastNo, nil
			}
			seenT = true
			if len(b)-j < 10 {
				return prev, r.short(), nil
			}
			switch {
			case b[j+1] == '"':
				switch b[j] {
				case 's':
					typ = tShared
				case 'n':
					typ = tNumber
				case 'b':
					typ = tBool
				case 'e':
					typ = tError
				case 'd':
					typ = tDate
				default:
					return prev, fastNo, nil
				}
				i = j + 2
			case string(b[j:j+10]) == `inlineStr"`:
				typ = tInline
				i = j + 10
			case string(b[j:j+4]) == `str"`:
				typ = tStr
				i = j + 4
			default:
				return prev, fastNo, nil
			}
		case 's':
			if seenS {
				return prev, fastNo, nil
			}
			seenS = true
			d := j
			for j < len(b) && '0' <= b[j] && b[j] <= '9' && j < d+9 {
				j++
			}
			if j >= len(b) {
				return prev, r.short(), nil
			}
			if b[j] != '"' || j == d {
				return prev, fastNo, nil
			}
			i = j + 1
		default:
			j, res := skipAttr(b, i)
			if res == fastMore {
				return prev, r.short(), nil
			}
			if res != fastOK {
				return prev, res, nil
			}
			i = j
		}
	}
	if col > maxCols {
		return prev, fastNo, nil
	}
	mark := len(r.arena)
	hasF, hasV, hasIS := false, false, false
	var v0, v1, is0, is1 int
	if !self {
		for {
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if len(b)-i < 4 {
				r.arena = r.arena[:mark]
				return prev, r.short(), nil
			}
			if b[i] != '<' {
				r.arena = r.arena[:mark]
				return prev, fastNo, nil
			}
			switch {
			case b[i+1] == '/' && b[i+2] == 'c' && b[i+3] == '>':
				i += 4
			case b[i+1] == 'v' && b[i+2] == '>' && !hasV:
				hasV = true
				v0 = len(r.arena)
				j, res := r.fastText(b, i+3, "</v>")
				if res != fastOK {
					r.arena = r.arena[:mark]
					return prev, res, nil
				}
				i = j
				v1 = len(r.arena)
				continue
			case b[i+1] == 'i' && b[i+2] == 's' && b[i+3] == '>' && !hasIS:
				hasIS = true
				j := i + 4
				var open string
				switch {
				case len(b)-j >= 3 && string(b[j:j+3]) == "<t>":
					open = "<t>"
				case len(b)-j >= 26 && string(b[j:j+26]) == `<t xml:space="preserve">`:
					open = `<t xml:space="preserve">`
				case len(b)-j < 26:
					r.arena = r.arena[:mark]
					return prev, r.short(), nil
				default:
					r.arena = r.arena[:mark]
					return prev, fastNo, nil
				}
				is0 = len(r.arena)
				j, res := r.fastText(b, j+len(open), "</t></is>")
				if res != fastOK {
					r.arena = r.arena[:mark]
					return prev, res, nil
				}
				i = j
				if hasUnderscoreX(r.arena[is0:]) {
					out, _ := unescapeOOXML(nil, r.arena[is0:])
					r.arena = append(r.arena[:is0], out...)
				}
				is1 = len(r.arena)
				continue
			case b[i+1] == 'f' && (b[i+2] == '>' || isSpace(b[i+2]) || b[i+2] == '/') && !hasF:
				hasF = true
				j, res := fastFormula(b, i+2)
				if res != fastOK {
					r.arena = r.arena[:mark]
					if res == fastMore {
						return prev, r.short(), nil
					}
					return prev, res, nil
				}
				i = j
				continue
			default:
				r.arena = r.arena[:mark]
				return prev, fastNo, nil
			}
			break
		}
	}
	// the whole cell is read: count it, consume it, place its value
	if r.cellsInRow >= r.b.lim.CellsPerRow {
		r.arena = r.arena[:mark]
		return prev, fastNo, nil
	}
	r.cellsInRow++
	r.ncells++
	s.pos += i
	// the common cells, placed here; the rest by value
	from, to, num := is0, is1, false
	switch {
	case typ == tInline && hasIS && is1 > is0:
	case typ == tNumber && v1 > v0 && validNumber(r.arena[v0:v1]):
		from, to, num = v0, v1, true
	default:
		if err := r.value(col, typ, hasF, hasV, hasIS, v0, v1, is0, is1); err != nil {
			return col, fastOK, err
		}
		return col, fastOK, nil
	}
	for len(r.cells) < col-1 {
		r.cells = append(r.cells, grid.Cell{})
	}
	r.spans = append(r.spans, span{len(r.cells), from, to})
	r.cells = append(r.cells, grid.Cell{Num: num})
	if r.blank && !blankBytes(r.arena[from:to]) {
		r.blank = false
	}
	return col, fastOK, nil
}

// short tells what to do with a cell cut by the end of the checked bytes:
// read more, unless the buffer is full from its start (the tokenizer then
// grows it token by token) or the part is over.
func (r *rows) short() fastResult {
	s := r.s
	if s.srcEOF || s.pos == 0 && s.end == len(s.buf) {
		return fastNo
	}
	return fastMore
}

// fastText appends the character data from b[i] to the closing tag end
// (which must follow it) to the row arena, decoded; it returns the
// position after end.
func (r *rows) fastText(b []byte, i int, end string) (int, fastResult) {
	k := bytes.IndexByte(b[i:], '<')
	if k < 0 || len(b)-(i+k) < len(end) {
		return i, r.short()
	}
	j := i + k
	esc := r.s.escIn(r.s.pos+i, r.s.pos+j)
	if string(b[j:j+len(end)]) != end {
		return i, fastNo
	}
	if !esc {
		r.arena = append(r.arena, b[i:j]...)
	} else {
		var err error
		mark := len(r.arena)
		if r.arena, err = appendText(r.arena, b[i:j], false); err != nil {
			r.arena = r.arena[:mark]
			return i, fastNo // the tokenizer names the fault
		}
	}
	return j + len(end), fastOK
}

// fastFormula skips a formula element from just after "<f": simple
// attributes, then "/>" or ">" text "</f>"; its text is only checked.
func fastFormula(b []byte, i int) (int, fastResult) {
	for {
		sp := i
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return i, fastMore
		}
		if b[i] == '>' {
			i++
			break
		}
		if b[i] == '/' {
			if i+1 >= len(b) {
				return i, fastMore
			}
			if b[i+1] != '>' {
				return i, fastNo
			}
			return i + 2, fastOK
		}
		if sp == i || !isNameStart[b[i]] || b[i] == ':' {
			return i, fastNo
		}
		for i < len(b) && isNameByte[b[i]] && b[i] != ':' {
			i++
		}
		if i+1 >= len(b) {
			return i, fastMore
		}
		if b[i] != '=' || (b[i+1] != '"' && b[i+1] != '\'') {
			return i, fastNo
		}
		q := b[i+1]
		i += 2
		for i < len(b) && b[i] != q {
			if b[i] == '<' || b[i] == '&' {
				return i, fastNo
			}
			i++
		}
		if i >= len(b) {
			return i, fastMore
		}
		i++
	}
	j := i
	for j < len(b) && b[j] != '<' {
		j++
	}
	if len(b)-j < 4 {
		return i, fastMore
	}
	if string(b[j:j+4]) != "</f>" {
		return i, fastNo
	}
	if err := checkRefs(b[i:j]); err != nil {
		return i, fastNo
	}
	return j + 4, fastOK
}

func hasUnderscoreX(b []byte) bool {
	return bytes.IndexByte(b, '_') >= 0 && bytes.Contains(b, []byte("_x"))
}

// skipAttr skips, from the space before it, an attribute this path does
// not read (cm, vm, ph...), checking its syntax.
func skipAttr(b []byte, i int) (int, fastResult) {
	i++
	if i >= len(b) || !isNameStart[b[i]] || b[i] == ':' {
		return i, fastNo
	}
	for i < len(b) && isNameByte[b[i]] && b[i] != ':' {
		i++
	}
	if i+1 >= len(b) {
		return i, fastMore
	}
	if b[i] != '=' || (b[i+1] != '"' && b[i+1] != '\'') {
		return i, fastNo
	}
	q := b[i+1]
	i += 2
	for i < len(b) && b[i] != q {
		if b[i] == '<' || b[i] == '&' || b[i] == '\r' {
			return i, fastNo
		}
		i++
	}
	if i >= len(b) {
		return i, fastMore
	}
	return i + 1, fastOK
}
