package funding

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Amount is a sum of money in euro cents. Money is never a float.
type Amount int64

// Errors of ParseAmount; callers test them with errors.Is.
var (
	ErrEmptyAmount    = errors.New("importo mancante")
	ErrBadAmount      = errors.New("importo non valido")
	ErrNegativeAmount = errors.New("importo negativo")
	ErrAmountTooLarge = errors.New("importo troppo grande")
)

// maxAmount bounds one parsed amount, far above any real funding (10^15
// euro; the largest real one is under 10^7). It cannot make sums safe:
// 93 rows at the bound exceed int64 cents. Sums are checked instead
// (AddAmounts, Tally) and one that overflows fails the conservation check.
const maxAmount = Amount(1e15 * 100)

// MaxSum is the largest amount int64 cents hold: 92.233.720.368.547.758,07 euro.
const MaxSum = Amount(math.MaxInt64)

// ErrSumOverflow: amounts whose sum int64 cents cannot hold. They cannot
// be real funding; no total of them would be exact.
var ErrSumOverflow = errors.New("la somma degli importi supera il massimo rappresentabile (" + MaxSum.String() + " euro): importi fuori misura")

// AddAmounts returns a+b; ok is false when the sum overflows int64 cents
// (the result is then meaningless).
func AddAmounts(a, b Amount) (sum Amount, ok bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return s, false
	}
	return s, true
}

// Euro returns the amount as a decimal number of euro for spreadsheet
// cells. It is the one place where cents leave the integer world, for
// display only; nothing is computed on the result.
func (a Amount) Euro() float64 { return float64(a) / 100 }

// String formats the amount the Italian way: "121.999,00".
func (a Amount) String() string {
	neg := a < 0
	if neg {
		a = -a
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(FormatCount(int64(a) / 100))
	fmt.Fprintf(&b, ",%02d", int64(a)%100)
	return b.String()
}

// FormatCount writes a whole number with the Italian thousands
// separator: 7.157, -1.234.
func FormatCount(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	b.Grow(len(sign) + len(digits) + len(digits)/3)
	b.WriteString(sign)
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}

// Dot formats the amount with a decimal point and exactly two decimals,
// as the CSV output wants: "121999.00".
func (a Amount) Dot() string {
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(a)/100, int64(a)%100)
}

// ParseNumber converts the canonical text of a number stored in a
// spreadsheet cell ("121999", "4326.3999999999996", "1.5E+6") to cents,
// rounding half away from zero. The text is handled as decimal digits, so
// no binary float rounding is involved.
func ParseNumber(s string) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrEmptyAmount
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, err := parseInt(s[i+1:])
		if err != nil || e > 30 || e < -30 {
			return 0, ErrBadAmount
		}
		exp = e
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return 0, ErrBadAmount
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	point := len(intPart) - (len(intPart+frac) - len(digits)) + exp // digits before the point
	a, err := roundDigits(digits, point)
	if err != nil {
		return 0, err
	}
	if neg && a != 0 {
		return -a, ErrNegativeAmount
	}
	return a, nil
}

// roundDigits turns the significant digits d with the decimal point after
// `point` digits into cents, rounding half away from zero.
func roundDigits(d string, point int) (Amount, error) {
	if d == "" {
		return 0, nil
	}
	keep := point + 2 // digits that make whole cents
	if keep > 18 {
		return 0, ErrAmountTooLarge
	}
	var v int64
	for i := 0; i < keep; i++ {
		v *= 10
		if i >= 0 && i < len(d) {
			v += int64(d[i] - '0')
		}
	}
	if keep < 0 {
		return 0, nil
	}
	if keep < len(d) && d[keep] >= '5' {
		v++
	}
	if Amount(v) > maxAmount {
		return 0, ErrAmountTooLarge
	}
	return Amount(v), nil
}

// ParseAmount reads an amount as people write it in Italian and English
// files: "121999.0", "4326.4", "121.999,00", "€ 3.430", "3.430 €",
// "121 999,00" (with normal or non-breaking spaces), "EUR 1,234.56".
// A dot (or comma) followed by exactly three digits, with no other
// separator, groups thousands: "121.999" is 121999 euro. Float noise
// ("2791997197.7000003") is rounded to cents. Empty, "n.d.", "-" and
// negative amounts are errors.
func ParseAmount(s string) (Amount, error) {
	s = CleanSpaces(s)
	low := strings.ToLower(s)
	for _, cur := range []string{"€", "eur", "euro"} {
		low = strings.TrimSpace(strings.TrimPrefix(strings.TrimSuffix(low, cur), cur))
	}
	switch low {
	case "", "-", "--", "n.d.", "nd", "n.d", "n/d", "na", "n/a", "null", "none":
		return 0, ErrEmptyAmount
	}
	neg := false
	if strings.HasPrefix(low, "(") && strings.HasSuffix(low, ")") {
		neg, low = true, strings.TrimSpace(low[1:len(low)-1])
	}
	if strings.HasPrefix(low, "-") {
		neg, low = true, strings.TrimSpace(low[1:])
	} else if strings.HasSuffix(low, "-") {
		neg, low = true, strings.TrimSpace(low[:len(low)-1])
	} else if strings.HasPrefix(low, "+") {
		low = strings.TrimSpace(low[1:])
	}
	low = strings.ReplaceAll(low, " ", "")
	low = strings.ReplaceAll(low, "'", "") // Swiss grouping 1'234.50
	if low == "" {
		return 0, ErrEmptyAmount
	}
	if strings.ContainsAny(low, "eE") {
		// scientific notation only as a plain number "1.5e6"
		if strings.Contains(low, ",") {
			return 0, ErrBadAmount
		}
		a, err := ParseNumber(low)
		return applySign(a, err, neg)
	}
	dots, commas := strings.Count(low, "."), strings.Count(low, ",")
	var intPart, frac string
	switch {
	case dots > 0 && commas > 0:
		// the last separator is the decimal one; the other groups thousands
		dec := byte(',')
		if strings.LastIndexByte(low, '.') > strings.LastIndexByte(low, ',') {
			dec = '.'
		}
		grp := map[byte]byte{',': '.', '.': ','}[dec]
		i := strings.LastIndexByte(low, dec)
		intPart, frac = low[:i], low[i+1:]
		if strings.IndexByte(intPart, dec) >= 0 || !validGroups(intPart, grp) {
			return 0, ErrBadAmount
		}
		intPart = strings.ReplaceAll(intPart, string(grp), "")
	case dots+commas == 0:
		intPart = low
	default:
		sep := byte('.')
		if commas > 0 {
			sep = ','
		}
		n := dots + commas
		i := strings.LastIndexByte(low, sep)
		if n > 1 || (len(low)-i-1 == 3 && validGroups(low, sep) && low[0] != '0') {
			// "1.234.567" or "121.999": thousands
			if !validGroups(low, sep) {
				return 0, ErrBadAmount
			}
			intPart = strings.ReplaceAll(low, string(sep), "")
		} else {
			intPart, frac = low[:i], low[i+1:]
		}
	}
	if intPart == "" {
		intPart = "0"
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return 0, ErrBadAmount
	}
	if len(frac) == 3 {
		// three decimals are neither cents nor float noise: ambiguous
		return 0, ErrBadAmount
	}
	a, err := ParseNumber(intPart + "." + frac)
	return applySign(a, err, neg)
}

func applySign(a Amount, err error, neg bool) (Amount, error) {
	if err != nil {
		return a, err
	}
	if neg && a != 0 {
		return -a, ErrNegativeAmount
	}
	return a, nil
}

// validGroups reports whether s is digits grouped by sep in threes:
// "1.234.567" yes, "12.34" no.
func validGroups(s string, sep byte) bool {
	parts := strings.Split(s, string(sep))
	if len(parts[0]) == 0 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseInt(s string) (int, error) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "" || !allDigits(s) || len(s) > 4 {
		return 0, ErrBadAmount
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}
