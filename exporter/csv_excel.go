package exporter

import (
	"bufio"
	"encoding/csv"
	"io"
	"strings"

	"consolida/funding"
)

// WriteCSVExcel writes dettaglio_<mese>_excel.csv, the Dettaglio rows for
// an office that opens the file with a double click in Excel set to
// Italian: UTF-8 with a byte order mark (else Excel reads Windows-1252),
// ';' between fields (the Italian list separator), amounts with a decimal
// comma and no thousands separator, dates as 23/09/2022, the headings of
// the Dettaglio sheet, CRLF line ends.
//
// Excel turns a field of digits into a number, so "097058" would show as
// 97058: the ISTAT code and the CUP are written as ="097058", a formula
// whose value is the text itself, which Excel keeps and shows as 097058.
// (A leading apostrophe is not an option: Excel honours it only when
// typed, and shows it when it reads it from a file.) Every other text
// field is cleaned of control characters and neutralised like the
// contract CSV (Neutralize): a text that starts with = + - @ gets a
// leading ', so that Excel never runs it as a formula.
//
// Written to a temporary file, then renamed.
func WriteCSVExcel(path string, r *Report) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		if _, err := bw.WriteString("\ufeff"); err != nil {
			return err
		}
		cw := csv.NewWriter(bw)
		cw.Comma = ';'
		cw.UseCRLF = true
		if err := cw.Write(DetailHeader); err != nil {
			return err
		}
		for _, row := range ExcelRows(r.Result) {
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// ExcelRows are the fields of the Italian-Excel CSV, one slice per
// reported candidatura, in the order of DetailHeader.
func ExcelRows(res *funding.Result) [][]string {
	rows := make([][]string, 0, len(res.Candidature))
	t := excelText
	for _, c := range res.Candidature {
		w := c.Winner
		rows = append(rows, []string{
			excelCode(c.Comune.ISTAT), t(c.Comune.Name), t(c.Comune.Province), t(w.IPA), t(c.Measure.ID),
			t(c.Measure.Label), t(w.Avviso), excelCode(w.CUP), t(w.Decreto), w.FundingDate.String(),
			t(w.Status.Label()), w.StatusDate.String(), excelAmount(w.Amount), t(w.Pos.Ref()),
		})
	}
	return rows
}

// excelCode writes a code that Excel must keep as text, leading zeros
// and all: ="097058". A code with other characters than letters, digits,
// '-' and spaces (it comes from an input file) is written as plain,
// neutralised text instead.
func excelCode(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == ' ') {
			return excelText(s)
		}
	}
	return `="` + s + `"`
}

// excelText is a text field: control characters removed as in the
// contract CSV (removeControls: line breaks and tabs become spaces), and
// a text that a spreadsheet would run as a formula, also after leading
// spaces, is neutralised with a leading '.
func excelText(s string) string {
	s = removeControls(s)
	if t := strings.TrimLeft(s, " "); t != "" && t != s && Neutralize(t) != t {
		return "'" + s
	}
	return Neutralize(s)
}

// excelAmount is an amount with a decimal comma and no thousands
// separator, which Italian Excel reads as a number: 121999,00.
func excelAmount(a funding.Amount) string {
	return strings.Replace(a.Dot(), ".", ",", 1)
}
