package xlsx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// checkRefs checks the entity and character references of raw text: only
// the five predefined entities and references to XML characters.
func checkRefs(t []byte) error {
	for {
		i := bytes.IndexByte(t, '&')
		if i < 0 {
			return nil
		}
		_, n, err := ref(t[i:])
		if err != nil {
			return err
		}
		t = t[i+n:]
	}
}

// ref decodes the reference at the start of t ("&...;") into the rune it
// stands for and the bytes it takes.
func ref(t []byte) (rune, int, error) {
	j := bytes.IndexByte(t, ';')
	if j < 0 || j > 12 {
		return 0, 0, fmt.Errorf("'&' without a valid reference")
	}
	name := t[1:j]
	switch string(name) {
	case "lt":
		return '<', j + 1, nil
	case "gt":
		return '>', j + 1, nil
	case "amp":
		return '&', j + 1, nil
	case "apos":
		return '\'', j + 1, nil
	case "quot":
		return '"', j + 1, nil
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, 0, fmt.Errorf("unknown entity &%s; (only the five XML entities are accepted)", name)
	}
	digits, base := name[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, 0, fmt.Errorf("malformed character reference &%s;", name)
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, 0, fmt.Errorf("malformed character reference &%s;", name)
		}
		r = r*base + d
		if r > utf8.MaxRune {
			return 0, 0, fmt.Errorf("character reference &%s; out of range", name)
		}
	}
	if !xmlChar(r) {
		return 0, 0, fmt.Errorf("character reference &%s; to a character XML does not allow", name)
	}
	return r, j + 1, nil
}

func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || 0x20 <= r && r <= 0xD7FF ||
		0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= utf8.MaxRune
}

// appendText appends the character data t, decoded, to dst: references
// resolved (not in CDATA) and line ends normalised to LF as XML requires
// (a written CR, alone or before LF, becomes LF; &#13; stays CR).
func appendText(dst, t []byte, cdata bool) ([]byte, error) {
	for len(t) > 0 {
		i := 0
		for i < len(t) && t[i] != '\r' && (cdata || t[i] != '&') {
			i++
		}
		dst = append(dst, t[:i]...)
		t = t[i:]
		if len(t) == 0 {
			break
		}
		if t[0] == '\r' {
			dst = append(dst, '\n')
			t = t[1:]
			if len(t) > 0 && t[0] == '\n' {
				t = t[1:]
			}
			continue
		}
		r, n, err := ref(t)
		if err != nil {
			return dst, err
		}
		dst = utf8.AppendRune(dst, r)
		t = t[n:]
	}
	return dst, nil
}

// unescapeOOXML decodes the _xHHHH_ escapes that Office writes for
// characters XML cannot carry, in the text of shared and inline strings,
// exactly as excelize does (its bstrUnmarshal): each _xHHHH_ (hex digits
// of either case) becomes its character, _x005F_ an underscore, and an
// escape of a surrogate disappears. Matches do not overlap and are taken
// from the left. It reports whether b changed.
func unescapeOOXML(dst, b []byte) ([]byte, bool) {
	if bytes.Index(b, []byte("_x")) < 0 {
		return append(dst, b...), false
	}
	changed := false
	for len(b) > 0 {
		i := bytes.Index(b, []byte("_x"))
		if i < 0 || i+7 > len(b) {
			dst = append(dst, b...)
			break
		}
		e := b[i : i+7]
		var r rune
		ok := e[6] == '_'
		for _, c := range e[2:6] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | rune(c-'0')
			case 'a' <= c && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case 'A' <= c && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				ok = false
			}
		}
		if !ok {
			dst = append(dst, b[:i+1]...)
			b = b[i+1:]
			continue
		}
		dst = append(dst, b[:i]...)
		if utf8.ValidRune(r) {
			dst = utf8.AppendRune(dst, r)
		}
		changed = true
		b = b[i+7:]
	}
	return dst, changed
}

// validNumber tells the lexical form of a number a cell may store
// (xsd:double without INF and NaN): [+-]digits[.digits][(e|E)[+-]digits],
// digits before or after the point.
func validNumber(v []byte) bool {
	i := 0
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		i++
	}
	d := 0
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i, d = i+1, d+1
	}
	if i < len(v) && v[i] == '.' {
		i++
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i, d = i+1, d+1
		}
	}
	if d == 0 {
		return false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		e := 0
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i, e = i+1, e+1
		}
		if e == 0 {
			return false
		}
	}
	return i == len(v)
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
