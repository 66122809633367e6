package funding

import (
	"errors"
	"strings"
)

// Status of a candidatura.
type Status byte

// The statuses. Funded = Assegnata + Erogata; Rinuncia and Revoca are
// listed, never added to totals.
const (
	StatusUnknown   Status = 0
	StatusAssigned  Status = 'A'
	StatusErogata   Status = 'E'
	StatusRenounced Status = 'R'
	StatusRevoked   Status = 'V'
)

// ErrBadStatus: a status text that is none of the known ones.
var (
	ErrBadStatus   = errors.New("stato non riconosciuto")
	ErrEmptyStatus = errors.New("stato mancante")
)

// Funded tells whether the status counts in totals.
func (s Status) Funded() bool { return s == StatusAssigned || s == StatusErogata }

// Code is the short code written in the CSV: A, E, R, or REVOCA.
func (s Status) Code() string {
	switch s {
	case StatusAssigned, StatusErogata, StatusRenounced:
		return string(rune(s))
	case StatusRevoked:
		return "REVOCA"
	}
	return ""
}

// Label is the Italian description shown in workbooks.
func (s Status) Label() string {
	switch s {
	case StatusAssigned:
		return "A - assegnata"
	case StatusErogata:
		return "E - erogata"
	case StatusRenounced:
		return "R - rinuncia"
	case StatusRevoked:
		return "Revoca"
	}
	return ""
}

// ParseStatus reads A/E/R codes and the words offices write:
// "Assegnato/a", "Ammesso/a", "Finanziato/a" (A); "Erogato/a",
// "Liquidato/a" (E); "Rinuncia", "Rinunciato/a" (R); "Revoca",
// "Revocato/a" (revoca).
func ParseStatus(s string) (Status, error) {
	if len(s) == 1 { // the open data's one letter, without folding it
		switch s[0] | 0x20 {
		case 'a':
			return StatusAssigned, nil
		case 'e':
			return StatusErogata, nil
		case 'r':
			return StatusRenounced, nil
		}
	}
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
