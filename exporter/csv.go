package exporter

import (
	"bufio"
	"io"
	"strings"

	"github.com/gocarina/gocsv"

	"consolida/funding"
)

// DetailCSV is one line of dettaglio_<mese>.csv (the output contract).
type DetailCSV struct {
	ISTAT        string `csv:"cod_istat"`
	Comune       string `csv:"comune"`
	Province     string `csv:"provincia"`
	IPA          string `csv:"codice_ipa"`
	Measure      string `csv:"misura"`
	MeasureLabel string `csv:"misura_label"`
	Avviso       string `csv:"avviso"`
	CUP          string `csv:"cup"`
	Decreto      string `csv:"decreto"`
	FundingDate  string `csv:"data_finanziamento"`
	Status       string `csv:"stato"`
	StatusDate   string `csv:"data_stato"`
	Amount       string `csv:"importo"`
	Source       string `csv:"fonte"`
}

// Neutralize defuses text that a spreadsheet would run as a formula
// (starting with = + - @, or a tab or carriage return) by prefixing a '.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// DettaglioRows builds the CSV lines of the reported candidature.
func DetailRows(res *funding.Result) []*DetailCSV {
	rows := make([]*DetailCSV, 0, len(res.Candidature))
	n := Neutralize
	for _, c := range res.Candidature {
		w := c.Winner
		rows = append(rows, &DetailCSV{
			ISTAT: n(c.Comune.ISTAT), Comune: n(c.Comune.Name), Province: n(c.Comune.Province),
			IPA: n(w.IPA), Measure: c.Measure.ID, MeasureLabel: n(c.Measure.Label), Avviso: n(w.Avviso),
			CUP: n(w.CUP), Decreto: n(w.Decreto), FundingDate: w.FundingDate.ISO(), Status: w.Status.Code(),
			StatusDate: w.StatusDate.ISO(), Amount: w.Amount.Dot(), Source: n(w.Pos.Ref()),
		})
	}
	return rows
}

// WriteCSV writes dettaglio_<mese>.csv of the report: UTF-8,
// comma-separated, importo with a dot and two decimals. Written to a
// temporary file, then renamed.
func WriteCSV(path string, r *Report) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		var err error
		if rows := DetailRows(r.Result); len(rows) == 0 {
			// gocsv writes nothing for no rows; the header is still due
			_, err = bw.WriteString(strings.Join(CSVHeader, ",") + "\n")
		} else {
			err = gocsv.Marshal(rows, bw)
		}
		if err != nil {
			return err
		}
		return bw.Flush()
	})
}

// CSVHeader is the header line of the detail CSV.
var CSVHeader = []string{"cod_istat", "comune", "provincia", "codice_ipa", "misura", "misura_label", "avviso", "cup",
	"decreto", "data_finanziamento", "stato", "data_stato", "importo", "fonte"}
