package funding

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Amount
		err  error
	}{
		{"121999.0", 12199900, nil},
		{"4326.4", 432640, nil},
		{"18990.54", 1899054, nil},
		{"14000", 1400000, nil},
		{"121.999,00", 12199900, nil},
		{"121.999", 12199900, nil}, // Italian thousands
		{"3.430", 343000, nil},
		{"€ 3.430", 343000, nil},
		{"3.430 €", 343000, nil},
		{"€3.430,50", 343050, nil},
		{"EUR 1,234.56", 123456, nil},
		{"1,234.56", 123456, nil},
		{"1.234.567,89", 123456789, nil},
		{"1,234,567", 123456700, nil},
		{"121 999,00", 12199900, nil},
		{"121\u00a0999,00", 12199900, nil},
		{"121\u202f999,00", 12199900, nil},
		{"1'234.50", 123450, nil},
		{"2791997197.7000003", 279199719770, nil},
		{"4326.3999999999996", 432640, nil},
		{"0.005", 0, ErrBadAmount}, // three decimals: ambiguous
		{"1234,5", 123450, nil},
		{"0,50", 50, nil},
		{"1.5e6", 150000000, nil},
		{"0.0", 0, nil},
		{"0", 0, nil},
		{"", 0, ErrEmptyAmount},
		{"  ", 0, ErrEmptyAmount},
		{"-", 0, ErrEmptyAmount},
		{"n.d.", 0, ErrEmptyAmount},
		{"N/D", 0, ErrEmptyAmount},
		{"-100", -10000, ErrNegativeAmount},
		{"(1.000,00)", -100000, ErrNegativeAmount},
		{"1.000,00-", -100000, ErrNegativeAmount},
		{"abc", 0, ErrBadAmount},
		{"12,34,56", 0, ErrBadAmount},
		{"1.23.456", 0, ErrBadAmount},
		{"1,234.567,8", 0, ErrBadAmount},
		{"99999999999999999999", 0, ErrAmountTooLarge},
	} {
		got, err := ParseAmount(tc.in)
		if !errors.Is(err, tc.err) || (tc.err == nil || errors.Is(tc.err, ErrNegativeAmount)) && got != tc.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Amount
	}{
		{"121999", 12199900},
		{"121.999", 12200}, // a number cell holding 121.999 euro
		{"4326.3999999999996", 432640},
		{"0.005", 1},
		{"0.0049", 0},
		{"1.5E+6", 150000000},
		{"1E-2", 1},
		{"0", 0},
	} {
		got, err := ParseNumber(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseNumber(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestAmountFormat(t *testing.T) {
	for _, tc := range []struct {
		a       Amount
		it, dot string
	}{
		{12199900, "121.999,00", "121999.00"},
		{432640, "4.326,40", "4326.40"},
		{5, "0,05", "0.05"},
		{0, "0,00", "0.00"},
		{-123456789, "-1.234.567,89", "-1234567.89"},
	} {
		if got := tc.a.String(); got != tc.it {
			t.Errorf("%d.String() = %q, want %q", tc.a, got, tc.it)
		}
		if got := tc.a.Dot(); got != tc.dot {
			t.Errorf("%d.Dot() = %q, want %q", tc.a, got, tc.dot)
		}
	}
}

// FuzzParseAmount: no panic, and what Format writes ParseAmount reads back.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"121.999,00", "€ 3.430", "4326.4", "1,234.56", "(1.000,00)", "-", "", "2791997197.7000003", "1e5", "12 345,6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		if err != nil {
			return
		}
		if a < 0 {
			t.Fatalf("ParseAmount(%q) = %d without error", s, a)
		}
		for _, out := range []string{a.String(), a.Dot()} {
			b, err := ParseAmount(out)
			if err != nil || b != a {
				t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, a, out, b, err)
			}
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"121999", "4326.3999999999996", "1.5E+6", "-3", "1e-30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseNumber(s)
		if err == nil {
			if b, err := ParseNumber(a.Dot()); err != nil || b != a {
				t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, a, a.Dot(), b, err)
			}
		}
	})
}

func TestAddAmounts(t *testing.T) {
	for _, tc := range []struct {
		a, b Amount
		ok   bool
	}{
		{1, 2, true},
		{MaxSum - 1, 1, true},
		{MaxSum, 1, false},
		{MaxSum, MaxSum, false},
		{-MaxSum, -1, true},
		{-MaxSum - 1, -1, false},
		{MaxSum, -MaxSum, true},
		{0, 0, true},
	} {
		s, ok := AddAmounts(tc.a, tc.b)
		if ok != tc.ok || ok && s != tc.a+tc.b {
			t.Errorf("AddAmounts(%d, %d) = %d, %v; want ok %v", tc.a, tc.b, s, ok, tc.ok)
		}
	}
}

// 93 rows at the bound of one amount used to wrap to a negative total.
func TestTallyOverflow(t *testing.T) {
	var tl Tally
	for i := 0; i < 93; i++ {
		tl.Add(maxAmount)
	}
	if !tl.Overflow || tl.Rows != 93 || tl.Amount < 0 {
		t.Fatalf("93 rows at the bound: %+v", tl)
	}
	var ok Tally
	for i := 0; i < 92; i++ {
		ok.Add(maxAmount)
	}
	if ok.Overflow || ok.Amount != 92*maxAmount {
		t.Fatalf("92 rows at the bound: %+v", ok)
	}
	if p := ok.Plus(ok); !p.Overflow || p.Rows != 184 {
		t.Fatalf("Plus: %+v", p)
	}
	if p := ok.Plus(Tally{Rows: 1, Amount: 5}); p.Overflow || p.Amount != 92*maxAmount+5 {
		t.Fatalf("Plus: %+v", p)
	}
	if p := (Tally{Overflow: true}).Plus(Tally{}); !p.Overflow {
		t.Fatal("Plus forgot an overflow")
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1.000", 7157: "7.157", 113359: "113.359",
		1234567: "1.234.567", -123: "-123", -1234: "-1.234", -1234567: "-1.234.567"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
}
