package funding

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day packed as yyyymmdd; 0 means unknown. It orders
// and compares as an integer.
type Date int32

// Errors of ParseDate.
var (
	ErrBadDate        = errors.New("data non valida")
	ErrImpossibleDate = errors.New("data inesistente")
)

// NewDate builds a Date, checking the day exists in that month.
func NewDate(y, m, d int) (Date, error) {
	if y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 {
		return 0, ErrImpossibleDate
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return 0, ErrImpossibleDate
	}
	return Date(y*10000 + m*100 + d), nil
}

// Year, Month and Day of the date.
func (d Date) Year() int  { return int(d) / 10000 }
func (d Date) Month() int { return int(d) / 100 % 100 }
func (d Date) Day() int   { return int(d) % 100 }

// Time returns the date at midnight UTC (zero time for an unknown date).
func (d Date) Time() time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Date(d.Year(), time.Month(d.Month()), d.Day(), 0, 0, 0, 0, time.UTC)
}

// ISO formats as 2022-09-23 ("" when unknown).
func (d Date) ISO() string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year(), d.Month(), d.Day())
}

// String formats the Italian way, 23/09/2022 ("" when unknown).
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day(), d.Month(), d.Year())
}

// ParseDate reads "2022-09-23", "2022-09-23T11:06:35.000+0000",
// "2022-09-23 11:06:35", "23/09/2022", "23-09-2022", "23.09.2022",
// "23/9/22". An empty text is the zero Date without error.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if i := strings.IndexAny(s, "T "); i >= 0 {
		s = s[:i]
	}
	var parts []string
	var split [3]string // parts, without allocating: a date on every row
	for _, sep := range []string{"-", "/", "."} {
		if strings.Count(s, sep) == 2 {
			i := strings.Index(s, sep)
			j := i + 1 + strings.Index(s[i+1:], sep)
			split = [3]string{s[:i], s[i+1 : j], s[j+1:]}
			parts = split[:]
			break
		}
	}
	if len(parts) != 3 {
		return 0, ErrBadDate
	}
	n := [3]int{}
	for i, p := range parts {
		if p == "" || len(p) > 4 || !allDigits(p) {
			return 0, ErrBadDate
		}
		for _, c := range p {
			n[i] = n[i]*10 + int(c-'0')
		}
	}
	if len(parts[0]) == 4 { // y-m-d
		return NewDate(n[0], n[1], n[2])
	}
	if len(parts[2]) == 2 {
		n[2] += 2000
	} else if len(parts[2]) != 4 {
		return 0, ErrBadDate
	}
	return NewDate(n[2], n[1], n[0]) // d/m/y, Italian order
}

// DateFromSerial converts an Excel date serial (as the canonical text of
// the cell number) to a Date, in the 1900 or the 1904 date system.
func DateFromSerial(s string, date1904 bool) (Date, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i] // time of day is irrelevant
	}
	if s == "" || !allDigits(s) || len(s) > 6 {
		return 0, ErrBadDate
	}
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC) // serial 60 is the fictitious 29/02/1900
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if n < 61 {
		if n == 60 || n == 0 {
			return 0, ErrImpossibleDate
		}
		n++ // serials before the fictitious leap day are one day off
	}
	t := base.AddDate(0, 0, n)
	return NewDate(t.Year(), int(t.Month()), t.Day())
}

// looksLikeSerial tells a bare number that can only be an Excel serial
// (between 1950 and 2150) from a date written as text.
func looksLikeSerial(s string) bool {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if !allDigits(s[i+1:]) {
			return false
		}
		s = s[:i]
	}
	if s == "" || !allDigits(s) || len(s) != 5 {
		return false
	}
	return s >= "18264" && s <= "91310"
}

// ParseDateCell reads a date that may be text or, when the cell is
// numeric (or the text is a bare 5-digit number), an Excel serial.
func ParseDateCell(s string, numeric, date1904 bool) (Date, error) {
	if numeric || looksLikeSerial(s) {
		return DateFromSerial(s, date1904)
	}
	return ParseDate(s)
}
