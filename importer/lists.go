package importer

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gocarina/gocsv"

	"consolida/funding"
)

// scannerReader adapts the lenient CSV record scanner to gocsv.CSVReader.
type scannerReader struct {
	sc    *recordScanner
	delim byte
}

func (s *scannerReader) Read() ([]string, error) {
	text, _, err := s.sc.next()
	if err != nil {
		return nil, err
	}
	return splitRecord(text, s.delim, false, nil), nil
}

func (s *scannerReader) ReadAll() ([][]string, error) {
	var out [][]string
	for {
		rec, err := s.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// openText opens a text file decoded to UTF-8 with its delimiter sniffed.
func openText(path string) (*scannerReader, io.Closer, error) {
	enc, err := detectEncoding(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	sample, _ := io.ReadAll(io.LimitReader(decoded(f, enc), 1<<16))
	if len(strings.TrimSpace(string(sample))) == 0 {
		f.Close()
		return nil, nil, ErrEmptyFile
	}
	delim, _ := sniffDelimiter(sample)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return &scannerReader{sc: &recordScanner{br: bufio.NewReader(decoded(f, enc))}, delim: delim}, f, nil
}

// istatRow is one line of the ISTAT "Elenco comuni italiani".
type istatRow struct {
	Codice      string `csv:"Codice Comune formato alfanumerico"`
	Nome        string `csv:"Denominazione (Italiana e straniera)"`
	NomeIT      string `csv:"Denominazione in italiano"`
	NomeAltro   string `csv:"Denominazione altra lingua"`
	Sigla       string `csv:"Sigla automobilistica"`
	Catastale   string `csv:"Codice Catastale del comune"`
	Regione     string `csv:"Denominazione regione"`
	CodProvStor string `csv:"Codice Provincia (Storico)(1)"`
}

// ComuneRef is a comune of the ISTAT list, with the province name the list
// gives (for --provincia Lecco).
type ComuneRef struct {
	Obs           funding.Observation
	NomeProvincia string
}

// ReadComuniList reads the ISTAT list of comuni (semicolon-separated,
// Windows-1252 or UTF-8 with BOM).
func ReadComuniList(path string) ([]ComuneRef, error) {
	r, c, err := openText(path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	// header cells may hold line breaks ("...sovracomunale \n(valida...)")
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("intestazione illeggibile: %w", err)
	}
	provCol := -1
	for i, h := range header {
		header[i] = funding.CleanSpaces(h)
		if strings.HasPrefix(header[i], "Denominazione dell'Unità territoriale sovracomunale") {
			provCol = i
		}
	}
	records, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	all := append([][]string{header}, records...)
	var rows []istatRow
	if err := gocsv.UnmarshalCSV(&sliceReader{rows: all}, &rows); err != nil {
		return nil, fmt.Errorf("non è l'elenco ISTAT dei comuni: %w", err)
	}
	if len(rows) == 0 || rows[0].Codice == "" {
		return nil, fmt.Errorf("non è l'elenco ISTAT dei comuni: manca la colonna \"Codice Comune formato alfanumerico\"")
	}
	out := make([]ComuneRef, 0, len(rows))
	for i, row := range rows {
		name := row.Nome
		if name == "" {
			name = row.NomeIT
		}
		ref := ComuneRef{Obs: funding.Observation{
			ISTAT: row.Codice, Name: name, Provincia: row.Sigla, Regione: row.Regione,
			Catastale: row.Catastale, Own: true, CodProvincia: row.CodProvStor,
		}}
		if row.NomeIT != "" && row.NomeIT != name {
			ref.Obs.AltNames = append(ref.Obs.AltNames, row.NomeIT)
		}
		if row.NomeAltro != "" {
			ref.Obs.AltNames = append(ref.Obs.AltNames, row.NomeAltro)
		}
		if provCol >= 0 && provCol < len(records[i]) {
			ref.NomeProvincia = records[i][provCol]
		}
		out = append(out, ref)
	}
	return out, nil
}

type sliceReader struct {
	rows [][]string
	i    int
}

func (s *sliceReader) Read() ([]string, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	s.i++
	return s.rows[s.i-1], nil
}

func (s *sliceReader) ReadAll() ([][]string, error) {
	rest := s.rows[s.i:]
	s.i = len(s.rows)
	return rest, nil
}

// ReadMembers reads a --membri file: one ISTAT code or comune name a line,
// or a CSV whose header has a comune or ISTAT code column.
func ReadMembers(path string) ([]funding.Member, error) {
	r, c, err := openText(path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	name := DisplayNames([]string{path})[0]
	syn := DefaultSynonyms()
	var out []funding.Member
	col := 0
	line := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line = r.sc.line
		if len(rec) == 0 || strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
			continue
		}
		if line == 1 {
			// a header? take its ISTAT column, else its comune column
			found := false
			for _, want := range []string{FISTAT, FComune, FEnte} {
				for i, h := range rec {
					if f, _ := syn.match(h, false); f == want {
						col, found = i, true
						break
					}
				}
				if found {
					break
				}
			}
			if found {
				continue
			}
		}
		if col >= len(rec) {
			continue
		}
		v := funding.CleanSpaces(rec[col])
		if v == "" {
			continue
		}
		out = append(out, funding.Member{Pos: funding.Pos{File: name, Row: line}, Text: v})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("nessun comune nell'elenco")
	}
	return out, nil
}
