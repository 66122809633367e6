package funding

import (
	"errors"
	"testing"
)

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Date
		err  error
	}{
		{"2022-09-23", 20220923, nil},
		{"2022-09-23T11:06:35.000+0000", 20220923, nil},
		{"2022-09-23 11:06:35", 20220923, nil},
		{"23/09/2022", 20220923, nil},
		{"23-09-2022", 20220923, nil},
		{"23.09.2022", 20220923, nil},
		{"3/9/22", 20220903, nil},
		{"29/02/2024", 20240229, nil},
		{"", 0, nil},
		{"31/02/2023", 0, ErrImpossibleDate},
		{"2023-13-01", 0, ErrImpossibleDate},
		{"29/02/2023", 0, ErrImpossibleDate},
		{"ieri", 0, ErrBadDate},
		{"2022/09", 0, ErrBadDate},
	} {
		got, err := ParseDate(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestDateFromSerial(t *testing.T) {
	for _, tc := range []struct {
		in       string
		date1904 bool
		want     Date
	}{
		{"44827", false, 20220923},
		{"44827.4632", false, 20220923},
		{"43365", true, 20220923}, // 1904 system: 1462 days less
		{"1", false, 19000101},
		{"59", false, 19000228},
		{"61", false, 19000301},
	} {
		got, err := DateFromSerial(tc.in, tc.date1904)
		if err != nil || got != tc.want {
			t.Errorf("DateFromSerial(%q, %v) = %v, %v; want %v", tc.in, tc.date1904, got, err, tc.want)
		}
	}
	if _, err := DateFromSerial("60", false); err == nil {
		t.Error("serial 60 (the fictitious 29/02/1900) must be an error")
	}
	// a bare 5-digit number in a date column is read as a serial
	if d, err := ParseDateCell("44827", false, false); err != nil || d != 20220923 {
		t.Errorf("ParseDateCell(44827) = %v, %v", d, err)
	}
}

func TestDateFormat(t *testing.T) {
	d := Date(20230103)
	if d.String() != "03/01/2023" || d.ISO() != "2023-01-03" {
		t.Errorf("got %q and %q", d.String(), d.ISO())
	}
	if Date(0).String() != "" || Date(0).ISO() != "" {
		t.Error("zero date must format empty")
	}
}

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]Status{
		"A": StatusAssigned, "e": StatusErogata, "R": StatusRenounced,
		"Assegnato": StatusAssigned, "Ammessa": StatusAssigned, "FINANZIATO": StatusAssigned,
		"Erogata": StatusErogata, "Liquidato": StatusErogata,
		"Rinuncia": StatusRenounced, "rinunciato": StatusRenounced,
		"Revoca": StatusRevoked, "Revocata": StatusRevoked,
	} {
		got, err := ParseStatus(in)
		if err != nil || got != want {
			t.Errorf("ParseStatus(%q) = %c, %v; want %c", in, got, err, want)
		}
	}
	if _, err := ParseStatus("in corso"); !errors.Is(err, ErrBadStatus) {
		t.Errorf("unknown status: %v", err)
	}
	if _, err := ParseStatus(" "); !errors.Is(err, ErrEmptyStatus) {
		t.Errorf("empty status: %v", err)
	}
	if !StatusAssigned.Funded() || !StatusErogata.Funded() || StatusRenounced.Funded() || StatusRevoked.Funded() {
		t.Error("Funded: only A and E count")
	}
}
