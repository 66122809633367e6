package funding

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// FoldAccents removes diacritics, keeping case: "Hoè" -> "Hoe", "Città" -> "Citta".
func FoldAccents(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

// Fold normalises free text for matching: lower case, no accents, every
// character other than letters, digits, '.', '(' and ')' turned into a
// space, runs of spaces collapsed. "1.4.5 'Piattaforma Notifiche Digitali'"
// becomes "1.4.5 piattaforma notifiche digitali".
func Fold(s string) string {
	s = strings.ToLower(FoldAccents(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		keep := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '(' || r == ')'
		if !keep {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FoldHeader normalises a column header: text in parentheses is dropped,
// then Fold; '.', '(' and ')' become spaces too. "Importo finanziato (€)"
// and "IMPORTO_FINANZIATO" both give "importo finanziato"; "Cod. ISTAT"
// gives "cod istat".
func FoldHeader(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			if r == '.' || r == '_' || r == '\n' || r == '\r' {
				r = ' '
			}
			b.WriteRune(r)
		}
	}
	f := Fold(b.String())
	return strings.TrimSpace(strings.NewReplacer("(", " ", ")", " ", ".", " ").Replace(f))
}

// CleanSpaces trims and collapses runs of white space (including NBSP) into
// one ordinary space, keeping case and accents: what a person would type.
func CleanSpaces(s string) string {
	if s == "" {
		return s
	}
	clean := s[0] != ' ' && s[len(s)-1] != ' '
	for i := 0; clean && i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80, c < ' ', c == ' ' && i+1 < len(s) && s[i+1] == ' ':
			clean = false
		}
	}
	if clean {
		return s // the common case: nothing to clean, no allocation
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f'
	}), " ")
}
