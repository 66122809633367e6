package importer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
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

// openText reads the input as text in the encoding it seems to have,
// decoded to UTF-8, with its delimiter sniffed from the first 64 KiB.
func openText(in *Input) (*scannerReader, error) {
	enc, err := in.textEncoding()
	if err != nil {
		return nil, err
	}
	r, err := in.textPass(enc)
	if err != nil {
		return nil, err
	}
	sample, _ := io.ReadAll(io.LimitReader(r, 1<<16))
	if len(strings.TrimSpace(string(sample))) == 0 {
		return nil, ErrEmptyFile
	}
	delim, _ := sniffDelimiter(sample)
	rest := io.MultiReader(bytes.NewReader(sample), r)
	return &scannerReader{sc: &recordScanner{br: bufio.NewReader(rest)}, delim: delim}, nil
}

// openAndRead opens a text file once and reads it with readText.
func openAndRead[T any](path string, read func(r *scannerReader) (T, error)) (T, error) {
	in, err := Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer in.Close()
	return readText(in, read)
}

// readText reads the input with read; when its bytes turn out not to be
// UTF-8, read runs again over the same descriptor, decoding them as
// Windows-1252.
func readText[T any](in *Input, read func(r *scannerReader) (T, error)) (T, error) {
	var zero T
	for {
		r, err := openText(in)
		var out T
		if err == nil {
			out, err = read(r)
		}
		if retry, rerr := in.textRetry(); retry {
			continue
		} else if rerr != nil && err == nil {
			err = rerr
		}
		if err != nil {
			return zero, err
		}
		return out, nil
	}
}

// istatRow is one line of the ISTAT "Elenco comuni italiani".
type istatRow struct {
	Code         string `csv:"Codice Comune formato alfanumerico"`
	Name         string `csv:"Denominazione (Italiana e straniera)"`
	ItalianName  string `csv:"Denominazione in italiano"`
	OtherName    string `csv:"Denominazione altra lingua"`
	Abbrev       string `csv:"Sigla automobilistica"`
	Belfiore     string `csv:"Codice Catastale del comune"`
	Region       string `csv:"Denominazione regione"`
	ProvinceCode string `csv:"Codice Provincia (Storico)(1)"`
}

// ComuneRef is a comune of the ISTAT list, with the province name the list
// gives (for --provincia Lecco).
type ComuneRef struct {
	Obs          funding.Observation
	ProvinceName string
}

// ReadComuniList reads the ISTAT list of comuni (semicolon-separated,
// Windows-1252 or UTF-8 with BOM).
func ReadComuniList(path string) ([]ComuneRef, error) {
	return openAndRead(path, readComuniList)
}

func readComuniList(r *scannerReader) ([]ComuneRef, error) {
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
	if len(rows) == 0 || rows[0].Code == "" {
		return nil, fmt.Errorf("non è l'elenco ISTAT dei comuni: manca la colonna \"Codice Comune formato alfanumerico\"")
	}
	out := make([]ComuneRef, 0, len(rows))
	for i, row := range rows {
		name := row.Name
		if name == "" {
			name = row.ItalianName
		}
		ref := ComuneRef{Obs: funding.Observation{
			ISTAT: row.Code, Name: name, Province: row.Abbrev, Region: row.Region,
			Belfiore: row.Belfiore, Own: true, ProvinceCode: row.ProvinceCode,
		}}
		if row.ItalianName != "" && row.ItalianName != name {
			ref.Obs.AltNames = append(ref.Obs.AltNames, row.ItalianName)
		}
		if row.OtherName != "" {
			ref.Obs.AltNames = append(ref.Obs.AltNames, row.OtherName)
		}
		if provCol >= 0 && provCol < len(records[i]) {
			ref.ProvinceName = records[i][provCol]
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
	name := DisplayNames([]string{path})[0]
	return openAndRead(path, func(r *scannerReader) ([]funding.Member, error) { return readMembers(r, name) })
}

func readMembers(r *scannerReader, name string) ([]funding.Member, error) {
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
			for _, want := range []string{FISTAT, FComune, FBody} {
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
