package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Config is consolida.toml, the description of a monthly batch. Relative
// paths are relative to the folder of the file.
type Config struct {
	Inbox      string    `toml:"inbox"`     // the files to import
	Archive    string    `toml:"archivio"`  // where the files read are moved, by month
	Out        string    `toml:"uscita"`    // the output folder
	Ledger     string    `toml:"registro"`  // the SQLite ledger
	ComuniList string    `toml:"comuni"`    // the ISTAT list of comuni
	Members    string    `toml:"membri"`    // the comuni to report
	Provinces  provinces `toml:"provincia"` // the provinces to report
	Council    *bool     `toml:"consiglio"` // write the council workbooks (default true)
	ExcelCSV   bool      `toml:"csv_excel"` // also write the Italian-Excel CSV
	Heading    string    `toml:"intestazione"`
	Signature  string    `toml:"firma"`

	// OldLedger is the key "ledger" of the configurations written before
	// the key was "registro"; still read.
	OldLedger string `toml:"ledger"`
}

// ConfigKeys are the keys of consolida.toml.
var ConfigKeys = []string{"inbox", "archivio", "uscita", "registro", "comuni", "membri", "provincia", "consiglio", "csv_excel",
	"intestazione", "firma"}

// provinces accepts `provincia = "LC"` as well as `provincia = ["LC", "CO"]`.
type provinces []string

var errProvinceList = errors.New("provincia: expected a quoted code or a list of quoted codes")

func (s *provinces) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		*s = []string{x}
	case []any:
		for _, e := range x {
			str, ok := e.(string)
			if !ok {
				return errProvinceList
			}
			*s = append(*s, str)
		}
	default:
		return errProvinceList
	}
	return nil
}

// SyntaxProblem is what is wrong in a configuration that does not parse
// (UsageError ConfigSyntax), for a message that says how to fix it.
type SyntaxProblem uint8

// The syntax problems.
const (
	SyntaxOther          SyntaxProblem = iota
	SyntaxUnclosedString               // a quoted text not closed on its line
	SyntaxMissingValue                 // nothing, or an unquoted word, after "="
	SyntaxMissingEquals                // a key without "="
	SyntaxDuplicateKey                 // a key written twice
	SyntaxUnclosedList                 // a list without "]" or commas
	SyntaxBlankKey                     // "=" without a key before it
	SyntaxTrailing                     // text after the value
	SyntaxBadEscape                    // a backslash that is not an escape of TOML
)

var syntaxMessages = []struct {
	substr string
	p      SyntaxProblem
}{
	{"strings cannot contain newlines", SyntaxUnclosedString},
	{"unexpected EOF", SyntaxUnclosedString},
	{"expected value but found", SyntaxMissingValue},
	{"expected '.' or '=', but got", SyntaxMissingEquals},
	{"has already been defined", SyntaxDuplicateKey},
	{"array terminator", SyntaxUnclosedList},
	{"to end table name", SyntaxUnclosedList},
	{"key name appears blank", SyntaxBlankKey},
	{"expected a top-level item to end with", SyntaxTrailing},
	{"escape", SyntaxBadEscape},
	{"hexadecimal digits after", SyntaxBadEscape},
}

// LoadConfig reads a configuration and makes its paths absolute or
// relative to the working folder; missing keys take their defaults. A
// Windows path written with backslashes between double quotes
// ("C:\temp\nomi.csv": TOML reads \t as a tab and \n as a new line) is a
// *UsageError ConfigBackslash, not a path silently changed.
func LoadConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &UsageError{Problem: ConfigMissing, Path: path}
		}
		return nil, err
	}
	if line, key, value, ok := backslashInQuotes(string(raw)); ok {
		return nil, &UsageError{Problem: ConfigBackslash, Path: path, Line: line, Keys: []string{key}, Value: value}
	}
	cfg := &Config{}
	md, err := toml.Decode(string(raw), cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.Message == errProvinceList.Error() {
				return nil, &UsageError{Problem: ConfigProvinceList, Path: path, Line: pe.Position.Line}
			}
			u := &UsageError{Problem: ConfigSyntax, Path: path, Line: pe.Position.Line, Detail: pe.Message}
			for _, m := range syntaxMessages {
				if strings.Contains(pe.Message, m.substr) {
					u.Syntax = m.p
					break
				}
			}
			if k := keyOfLine(string(raw), pe.Position.Line); k != "" {
				u.Keys = []string{k}
			}
			return nil, u
		}
		return nil, typeError(path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, &UsageError{Problem: ConfigUnknownKeys, Path: path, Keys: keys}
	}
	if cfg.Ledger == "" {
		cfg.Ledger = cfg.OldLedger
	}
	cfg.OldLedger = ""
	dir := filepath.Dir(path)
	rel := func(p *string, def string) {
		if *p == "" {
			*p = def
		}
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	rel(&cfg.Inbox, "inbox")
	rel(&cfg.Archive, "archivio")
	rel(&cfg.Out, "uscita")
	rel(&cfg.Ledger, DefaultLedger)
	rel(&cfg.ComuniList, "")
	rel(&cfg.Members, "")
	return cfg, nil
}

var reTypeError = regexp.MustCompile(`line (\d+) \(last key "([^"]*)"\): incompatible types: TOML value has type (\S+); destination has type (\S+)`)

// typeError is a value of the wrong kind: `consiglio = "si"`.
func typeError(path string, err error) error {
	u := &UsageError{Problem: ConfigInvalid, Path: path, Detail: err.Error()}
	if m := reTypeError.FindStringSubmatch(err.Error()); m != nil {
		u.Line, _ = strconv.Atoi(m[1])
		u.Keys = []string{m[2]}
		u.Value = m[4] // the kind expected: "boolean", "string"...
	}
	return u
}

// keyOfLine is the key written on a line of a configuration, if any.
func keyOfLine(raw string, n int) string {
	lines := strings.Split(raw, "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	k, _, ok := strings.Cut(lines[n-1], "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t\"'[#") {
		return ""
	}
	return k
}

// backslashInQuotes finds the first text between double quotes that holds
// a backslash other than the escaped one ("\\"): in TOML "C:\temp" is "C:"
// + a tab + "emp", and "C:\Users" is an error. It returns its line (from
// 1), its key and the text as written.
func backslashInQuotes(raw string) (line int, key, value string, found bool) {
	for i, l := range strings.Split(raw, "\n") {
		inLiteral := false
		for j := 0; j < len(l); j++ {
			c := l[j]
			switch {
			case inLiteral:
				if c == '\'' {
					inLiteral = false
				}
			case c == '#':
				j = len(l)
			case c == '\'':
				inLiteral = true
			case c == '"':
				if strings.HasPrefix(l[j:], `"""`) {
					j = len(l) // multi-line strings: left to the parser
					break
				}
				end, bad := j+1, false
				for ; end < len(l) && l[end] != '"'; end++ {
					if l[end] == '\\' && end+1 < len(l) {
						if l[end+1] != '\\' {
							bad = true
						}
						end++
					}
				}
				if bad {
					return i + 1, keyOfLine(raw, i+1), l[j:min(end+1, len(l))], true
				}
				j = end
			}
		}
	}
	return 0, "", "", false
}
