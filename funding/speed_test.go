package funding

import (
	"strings"
	"testing"
)

// The readings that the row path made faster are checked against the code
// they replaced, kept here as it was.

// TestBelfioreFromIPAIsTheRegexp: the hand-written match of
// BelfioreFromIPA is reBelfioreIPA.
func TestBelfioreFromIPAIsTheRegexp(t *testing.T) {
	for _, s := range []string{"c_g026", "C_G026", "c_g02", "c_g0266", " c_g026 ", "c_1026", "c__026", "d_g026", "c_g02a",
		"c_@026", "c_[026", "c_`026", "c_{026", "c_é026", "", "c_", "istsc_lcic0001", "c_g026\n", "\tc_z999"} {
		want := ""
		if m := reBelfioreIPA.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
			want = strings.ToUpper(m[1])
		}
		if got := BelfioreFromIPA(s); got != want {
			t.Errorf("BelfioreFromIPA(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzParseDateStatus: the allocation-free ParseDate and the one-letter
// ParseStatus agree with the code before them.
func FuzzParseDateStatus(f *testing.F) {
	for _, s := range []string{"2022-09-23", "23/09/2022", "23.9.22", "2022-09-23T11:06:35.000+0000", "a", "E", "r", "x", "-",
		"1-2-3-4", "//", "Assegnata", "c_g026", " A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		wd, werr := parseDateSplit(s)
		if d != wd || err != werr {
			t.Fatalf("ParseDate(%q) = %v, %v; before %v, %v", s, d, err, wd, werr)
		}
		st, err := ParseStatus(s)
		wst, werr := parseStatusFolded(s)
		if st != wst || err != werr {
			t.Fatalf("ParseStatus(%q) = %v, %v; before %v, %v", s, st, err, wst, werr)
		}
		want := ""
		if m := reBelfioreIPA.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
			want = strings.ToUpper(m[1])
		}
		if got := BelfioreFromIPA(s); got != want {
			t.Fatalf("BelfioreFromIPA(%q) = %q, want %q", s, got, want)
		}
	})
}

func parseDateSplit(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if i := strings.IndexAny(s, "T "); i >= 0 {
		s = s[:i]
	}
	var parts []string
	for _, sep := range []string{"-", "/", "."} {
		if strings.Count(s, sep) == 2 {
			parts = strings.Split(s, sep)
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

func parseStatusFolded(s string) (Status, error) {
	f := Fold(s)
	if f == "" {
		return StatusUnknown, ErrEmptyStatus
	}
	switch f {
	case "a":
		return StatusAssigned, nil
	case "e":
		return StatusErogata, nil
	case "r":
		return StatusRenounced, nil
	}
	for _, p := range []struct {
		prefix string
		st     Status
	}{
		{"assegnat", StatusAssigned}, {"ammess", StatusAssigned}, {"finanziat", StatusAssigned},
		{"decretat", StatusAssigned}, {"concess", StatusAssigned},
		{"erogat", StatusErogata}, {"liquidat", StatusErogata}, {"pagat", StatusErogata},
		{"rinunci", StatusRenounced},
		{"revoc", StatusRevoked},
	} {
		if strings.HasPrefix(f, p.prefix) {
			return p.st, nil
		}
	}
	return StatusUnknown, ErrBadStatus
}
