package funding

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Measure is one entry of the catalog.
type Measure struct {
	ID    string // "1.4.3-pagopa"
	Label string // "1.4.3 pagoPA"
}

// Errors of Catalog.Classify.
var (
	ErrNoMeasure        = errors.New("misura non determinabile")
	ErrAmbiguousMeasure = errors.New("misura ambigua: il testo non distingue la sotto-misura")
)

type measureRule struct {
	re *regexp.Regexp
	id string // "?" means ambiguous
}

// Catalog holds the measures in report order and the rules that recognise
// them from text. It is safe for concurrent use.
type Catalog struct {
	Measures []Measure
	index    map[string]int
	rules    []measureRule

	mu    sync.Mutex
	cache map[[2]string]classified // by avviso and measure text
}

type classified struct {
	id  string
	err error
}

// LoadCatalog parses the catalog (misura,etichetta) and the rules
// (modello,misura) files. Lines starting with '#' are comments.
func LoadCatalog(measures, rules []byte) (*Catalog, error) {
	c := &Catalog{index: map[string]int{}, cache: map[[2]string]classified{}}
	err := eachDataLine(measures, func(n int, line string) error {
		id, label, ok := strings.Cut(line, ",")
		if !ok || strings.TrimSpace(id) == "" {
			return fmt.Errorf("riga %d: attese due colonne misura,etichetta", n)
		}
		id = strings.TrimSpace(id)
		if _, dup := c.index[id]; dup {
			return fmt.Errorf("riga %d: misura %q ripetuta", n, id)
		}
		c.index[id] = len(c.Measures)
		c.Measures = append(c.Measures, Measure{ID: id, Label: strings.TrimSpace(label)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalogo misure: %w", err)
	}
	err = eachDataLine(rules, func(n int, line string) error {
		i := strings.LastIndexByte(line, ',')
		if i < 0 {
			return fmt.Errorf("riga %d: attese due colonne modello,misura", n)
		}
		pat, id := strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		if id != "?" {
			if _, ok := c.index[id]; !ok {
				return fmt.Errorf("riga %d: misura %q non presente nel catalogo", n, id)
			}
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return fmt.Errorf("riga %d: modello non valido: %v", n, err)
		}
		c.rules = append(c.rules, measureRule{re: re, id: id})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("regole di riconoscimento delle misure: %w", err)
	}
	return c, nil
}

// eachDataLine calls fn for each non-comment line after the header.
func eachDataLine(data []byte, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	header := true
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Measure returns the catalog entry of id.
func (c *Catalog) Measure(id string) (Measure, bool) {
	i, ok := c.index[id]
	if !ok {
		return Measure{}, false
	}
	return c.Measures[i], true
}

// Order is the position of id in the catalog (-1 if unknown).
func (c *Catalog) Order(id string) int {
	if i, ok := c.index[id]; ok {
		return i
	}
	return -1
}

// Classify determines the measure from the avviso title first and, when
// the title does not decide it, from the misura text. A text that matches
// no rule, or only an ambiguous one, is an error: never a guess.
func (c *Catalog) Classify(avviso, measureText string) (string, error) {
	key := [2]string{avviso, measureText}
	c.mu.Lock()
	r, ok := c.cache[key]
	c.mu.Unlock()
	if ok {
		return r.id, r.err
	}
	id, err := c.classify(avviso, measureText)
	c.mu.Lock()
	c.cache[key] = classified{id, err}
	c.mu.Unlock()
	return id, err
}

func (c *Catalog) classify(avviso, measureText string) (string, error) {
	ambiguous := false
	for _, text := range []string{avviso, measureText} {
		f := Fold(text)
		if f == "" {
			continue
		}
		// a measure id typed as such ("1.4.3-pagopa") is taken at its word
		if _, ok := c.index[strings.TrimSpace(strings.ToLower(text))]; ok {
			return strings.TrimSpace(strings.ToLower(text)), nil
		}
		for _, r := range c.rules {
			if r.re.MatchString(f) {
				if r.id == "?" {
					ambiguous = true
					break
				}
				return r.id, nil
			}
		}
	}
	if ambiguous {
		return "", ErrAmbiguousMeasure
	}
	return "", ErrNoMeasure
}
