package exporter

import (
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// Sheet names of the CST workbook (the output contract).
const (
	SheetSummary   = "Riepilogo"
	SheetDetail    = "Dettaglio"
	SheetMeasures  = "Per misura"
	SheetAnomalies = "Anomalie"
	SheetSources   = "Fonti"
	SheetChanges   = "Novità"
)

// DetailHeader is the header of the Dettaglio sheet.
var DetailHeader = []string{"Codice ISTAT", "Comune", "Provincia", "Codice IPA", "Misura (id)", "Misura",
	"Avviso", "CUP", "Decreto", "Data finanziamento", "Stato", "Data stato", "Importo", "Fonte"}

// AnomaliesHeader is the header of the Anomalie sheet: the contract's
// columns, then the comune each anomaly is tied to.
var AnomaliesHeader = []string{"File", "Foglio", "Riga", "Campo", "Valore", "Motivo", "Suggerimento", "Esito", "Colonna",
	"Codice ISTAT", "Comune"}

// WriteCST writes the CST workbook of the report to path. Its sheets
// without a chart are streamed into the file (fastRenderer): Dettaglio
// may hold a million rows.
func WriteCST(path string, r *Report) error {
	b := cstBook(r, maxDataRows)
	return WriteFileAtomic(path, func(w io.Writer) error { return fastRenderer{}.render(w, b) })
}

// cstBook describes the CST workbook, laid out; Dettaglio and Anomalie go
// on as many sheets as needed with at most limit rows under each header.
func cstBook(r *Report, limit int) *book {
	res, meta := r.Result, r.Meta
	b := newBook(meta, "Finanziamenti PNRR PA digitale 2026 - "+meta.MonthLabel(),
		"Prospetto consolidato dei finanziamenti PNRR Missione 1 Componente 1 per i comuni del CST")
	b.sheets = append(b.sheets, summarySheet(res, meta))
	if r.Changes != nil {
		b.sheets = append(b.sheets, changesSheet(r.Changes, meta, res))
	}
	b.sheets = append(b.sheets, detailSheets(res.Candidature, meta, res, limit)...)
	b.sheets = append(b.sheets, measuresSheet(res, meta))
	b.sheets = append(b.sheets, anomaliesSheets(res, meta, limit)...)
	b.sheets = append(b.sheets, sourcesSheet(res, meta))
	b.layout()
	return b
}

// heading is the page header of a CST sheet: what it shows, the month,
// the date the data are up to, the comuni it covers.
func heading(meta Meta, res *funding.Result, what string) string {
	h := "Finanziamenti PNRR PA digitale 2026 - " + what + " - " + meta.MonthLabel()
	if u := updated(res, meta); u != "" {
		h += " (" + u + ")"
	}
	if meta.Scope != "" {
		h += " - " + meta.Scope
	}
	return h
}

// cstPage is the print setup of a CST sheet: landscape, the heading at
// the top, who issues the document at the bottom.
func cstPage(meta Meta, res *funding.Result, what string) page {
	return a4(true, heading(meta, res, what), meta.Heading)
}

// Widths of the kinds of columns, in units.
var (
	colISTAT    = col{8, 9}
	colProvince = col{5, 9}
	colMoney    = col{10, 22} // up to 999.999.999.999,99 €
	colCount    = col{7, 12}
	colDate     = col{10.5, 12}   // wider for a header word such as "erogazione"
	colDateWide = col{10.5, 14.5} // or "finanziamento"
	colCUP      = col{10, 18}
)

func summarySheet(res *funding.Result, meta Meta) *sheet {
	ms := res.Catalog.Measures
	ncol := 3 + len(ms) + 1
	hdr := []string{"Codice ISTAT", "Comune", "Provincia"}
	cols := []col{colISTAT, {12, 34}, colProvince}
	for _, m := range ms {
		hdr = append(hdr, m.Label)
		cols = append(cols, colMoney)
	}
	hdr = append(hdr, "Totale")
	cols = append(cols, colMoney)
	last := len(res.Comuni) + 2 // header + rows + TOTALE
	body := func(yield func(row) bool) {
		cells := make([]cell, 0, ncol)
		for i, t := range res.Comuni {
			n := i + 2
			cells = append(cells[:0], text(sText, t.Comune.ISTAT), text(sText, t.Comune.Name), text(sText, t.Comune.Province))
			for mi := range ms {
				cells = append(cells, money(sMoney, t.Funded[mi]))
			}
			cells = append(cells, sum(money(sMoney, t.Total), fmt.Sprintf("D%d:%s%d", n, colLetter(3+len(ms)), n)))
			if !yield(row{cells: cells}) {
				return
			}
		}
		tot := []cell{text(sTotalLabel, ""), text(sTotalLabel, "TOTALE"), text(sTotalLabel, "")}
		for mi := range ms {
			c := colLetter(4 + mi)
			tot = append(tot, sum(money(sMoneyBold, res.GrandTotal[mi]), fmt.Sprintf("%s2:%s%d", c, c, last-1)))
		}
		c := colLetter(ncol)
		tot = append(tot, sum(money(sMoneyBold, res.Total), fmt.Sprintf("%s2:%s%d", c, c, last-1)))
		note := "Importi in euro delle candidature assegnate (A) o erogate (E), dopo aver tolto i duplicati; rinunce e revoche escluse."
		if u := updated(res, meta); u != "" {
			note += " Dati aggiornati al " + strings.TrimPrefix(u, "dati aggiornati al ") + " (la data più recente nei file letti)."
		}
		note += " Generato il " + meta.Generated.Format("02/01/2006") + "."
		if yield(row{cells: tot}) && yield(row{}) {
			yield(noteRow(sNote, note, ncol))
		}
	}
	return &sheet{
		name: SheetSummary, page: cstPage(meta, res, "riepilogo per comune"),
		cols: cols, freeze: freeze{cols: 3, rows: 1},
		header:     hdr,
		autoFilter: true, dataRows: len(res.Comuni),
		body: body,
	}
}

// maxDataRows is how many rows fit under the header of one sheet.
const maxDataRows = excelize.TotalRows - 1

// parts splits n rows into sheets of at most limit rows: "Dettaglio",
// "Dettaglio 2", ...; no rows still make one sheet.
func parts(base string, n, limit int) (names []string, bounds [][2]int) {
	for from := 0; from < n || from == 0; from += limit {
		to := min(from+limit, n)
		name := base
		if from > 0 {
			name = fmt.Sprintf("%s %d", base, len(names)+1)
		}
		names = append(names, name)
		bounds = append(bounds, [2]int{from, to})
		if n == 0 {
			break
		}
	}
	return names, bounds
}

func detailSheets(cands []*funding.Candidatura, meta Meta, res *funding.Result, limit int) []*sheet {
	names, bounds := parts(SheetDetail, len(cands), limit)
	sheets := make([]*sheet, len(names))
	for p, name := range names {
		sheets[p] = detailSheet(name, cands[bounds[p][0]:bounds[p][1]], meta, res)
	}
	return sheets
}

func detailSheet(name string, cands []*funding.Candidatura, meta Meta, res *funding.Result) *sheet {
	body := func(yield func(row) bool) {
		cells := make([]cell, 0, len(DetailHeader))
		for _, c := range cands {
			w := c.Winner
			st := sMoney
			if !w.Status.Funded() {
				st = sMutedMoney
			}
			cells = append(cells[:0],
				text(sText, c.Comune.ISTAT), text(sText, c.Comune.Name), text(sText, c.Comune.Province),
				text(sText, w.IPA), text(sText, c.Measure.ID), text(sText, c.Measure.Label),
				text(sText, w.Avviso), text(sText, w.CUP), text(sText, w.Decreto),
				date(sDate, w.FundingDate), text(sText, w.Status.Label()), date(sDate, w.StatusDate),
				money(st, w.Amount), text(sText, w.Pos.Ref()),
			)
			if !yield(row{cells: cells}) {
				return
			}
		}
	}
	return &sheet{
		name: name, page: cstPage(meta, res, "dettaglio delle candidature"),
		cols: []col{colISTAT, {10, 26}, colProvince, {8, 12}, {7, 12}, {10, 26}, {16, 50}, colCUP, {10, 32},
			colDateWide, {9, 14}, colDate, colMoney, {12, 50}},
		freeze: freeze{rows: 1}, header: DetailHeader,
		autoFilter: true, dataRows: len(cands),
		body: body,
	}
}

func measuresSheet(res *funding.Result, meta Meta) *sheet {
	name := SheetMeasures
	n := len(res.Measures)
	last := n + 2
	body := func(yield func(row) bool) {
		var tot funding.MeasureStats
		for _, m := range res.Measures {
			tot.Candidature += m.Candidature
			tot.Funded += m.Funded
			tot.Erogato += m.Erogato
			tot.Renunciations += m.Renunciations
			tot.RenouncedAmount += m.RenouncedAmount
			tot.Revocations += m.Revocations
			tot.RevokedAmount += m.RevokedAmount
			if !yield(row{cells: []cell{text(sText, m.Measure.Label), intCell(sInt, m.Comuni), intCell(sInt, m.Candidature),
				money(sMoney, m.Funded), money(sMoney, m.Erogato), intCell(sInt, m.Renunciations),
				money(sMoney, m.RenouncedAmount), intCell(sInt, m.Revocations), money(sMoney, m.RevokedAmount)}}) {
				return
			}
		}
		comuni := 0
		for _, c := range res.Comuni {
			if c.Total > 0 {
				comuni++
			}
		}
		r := func(col string) string { return fmt.Sprintf("%s2:%s%d", col, col, last-1) }
		total := row{cells: []cell{text(sTotalLabel, "TOTALE"), intCell(sIntBold, comuni), sum(intCell(sIntBold, tot.Candidature), r("C")),
			sum(money(sMoneyBold, tot.Funded), r("D")), sum(money(sMoneyBold, tot.Erogato), r("E")),
			sum(intCell(sIntBold, tot.Renunciations), r("F")), sum(money(sMoneyBold, tot.RenouncedAmount), r("G")),
			sum(intCell(sIntBold, tot.Revocations), r("H")), sum(money(sMoneyBold, tot.RevokedAmount), r("I"))}}
		if yield(total) {
			yield(noteRow(sNote, "Comuni finanziati: comuni con almeno una candidatura assegnata o erogata nella misura (nella riga TOTALE: comuni con almeno un finanziamento).", 9))
		}
	}
	s := &sheet{
		name: name, page: cstPage(meta, res, "sintesi per misura"),
		cols:   []col{{16, 30}, colCount, colCount, colMoney, colMoney, colCount, colMoney, colCount, colMoney},
		freeze: freeze{rows: 1},
		header: []string{"Misura", "Comuni finanziati", "Candidature finanziate", "Importo finanziato (A+E)",
			"di cui erogato (E)", "Rinunce", "Importo rinunce", "Revoche", "Importo revoche"},
		body: body,
	}
	if n == 0 {
		return s
	}
	q := quoteSheet(name)
	s.chart = &chart{at: fmt.Sprintf("A%d", last+3), spec: &excelize.Chart{
		Type: excelize.Bar,
		Series: []excelize.ChartSeries{
			{Name: q + "!$D$1", Categories: fmt.Sprintf("%s!$A$2:$A$%d", q, last-1), Values: fmt.Sprintf("%s!$D$2:$D$%d", q, last-1)},
			{Name: q + "!$E$1", Categories: fmt.Sprintf("%s!$A$2:$A$%d", q, last-1), Values: fmt.Sprintf("%s!$E$2:$E$%d", q, last-1)},
		},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Importi finanziati ed erogati per misura (euro)", Font: &excelize.Font{Family: fontFamily, Size: 12, Bold: true}}}},
		Legend:    excelize.ChartLegend{Position: "bottom", Font: &excelize.Font{Family: fontFamily, Size: 9}},
		Dimension: excelize.ChartDimension{Width: 900, Height: 420},
		YAxis:     excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, MajorGridLines: true, Font: excelize.Font{Family: fontFamily, Color: "404040", Size: 9}},
		XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Family: fontFamily, Color: "000000", Size: 9}},
		PlotArea:  excelize.ChartPlotArea{ShowVal: false},
	}}
	return s
}

func anomaliesSheets(res *funding.Result, meta Meta, limit int) []*sheet {
	anomalies := res.Anomalies
	names, bounds := parts(SheetAnomalies, len(anomalies), limit)
	sheets := make([]*sheet, len(names))
	for p, name := range names {
		s := anomaliesSheet(name, anomalies[bounds[p][0]:bounds[p][1]], meta, res)
		if p == len(names)-1 {
			// the last part says what is not listed
			s.body = withNotes(s.body, len(AnomaliesHeader), anomaliesNotes(res)...)
		}
		sheets[p] = s
	}
	return sheets
}

// anomaliesNotes are the notes under the Anomalie: none listed, or the
// anomalies of comuni outside the report.
func anomaliesNotes(res *funding.Result) []string {
	var notes []string
	if len(res.Anomalies) == 0 {
		notes = append(notes, "Nessuna anomalia: ogni riga letta è stata riconosciuta.")
	}
	if n := res.OtherAnomalies; n > 0 {
		s := fmt.Sprintf("Non sono elencate %s anomalie di righe di comuni non compresi in questo prospetto", fmtInt(n))
		if n == 1 {
			s = "Non è elencata 1 anomalia di una riga di un comune non compreso in questo prospetto"
		}
		if res.OtherRejected > 0 {
			s += fmt.Sprintf(" (righe scartate: %s, contate nel foglio Fonti)", fmtInt(res.OtherRejected))
		}
		notes = append(notes, s+".")
	}
	return notes
}

// withNotes follows body with a blank row and a note row per note.
func withNotes(body iter.Seq[row], ncol int, notes ...string) iter.Seq[row] {
	if len(notes) == 0 {
		return body
	}
	return func(yield func(row) bool) {
		for rw := range body {
			if !yield(rw) {
				return
			}
		}
		if !yield(row{}) {
			return
		}
		for _, n := range notes {
			if !yield(noteRow(sNote, n, ncol)) {
				return
			}
		}
	}
}

func anomaliesSheet(name string, anomalies []funding.Anomaly, meta Meta, res *funding.Result) *sheet {
	body := func(yield func(row) bool) {
		cells := make([]cell, 0, len(AnomaliesHeader))
		for _, a := range anomalies {
			rowN := blank(sText)
			if a.Pos.Row > 0 {
				rowN = intCell(sText, a.Pos.Row)
			}
			istat, comune := blank(sText), blank(sText)
			if a.Comune != nil {
				istat, comune = text(sText, a.Comune.ISTAT), text(sWrap, a.Comune.Name)
			}
			cells = append(cells[:0], text(sWrap, a.Pos.File), text(sText, a.Pos.Sheet), rowN, text(sText, a.Field),
				text(sWrap, truncate(a.Value, 200)), text(sWrap, a.Reason), text(sWrap, a.Suggestion), text(sText, a.OutcomeLabel()), text(sText, a.Pos.Col),
				istat, comune)
			if !yield(row{cells: cells}) {
				return
			}
		}
	}
	return &sheet{
		name: name, page: cstPage(meta, res, "anomalie nei file ricevuti"),
		cols:   []col{{10, 28}, {6, 14}, {5, 8}, {6, 14}, {10, 28}, {16, 40}, {16, 36}, {10, 13}, {7, 8}, colISTAT, {10, 24}},
		freeze: freeze{rows: 1}, header: AnomaliesHeader,
		autoFilter: true, dataRows: len(anomalies),
		body: body,
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func sourcesSheet(res *funding.Result, meta Meta) *sheet {
	headers := []string{"File", "Formato", "SHA-256", "Righe lette", "Consolidate", "Duplicati", "Altri enti",
		"Fuori selezione", "Scartate", "Importo letto", "Importo consolidato", "Importo duplicati",
		"Importo altri enti", "Importo fuori selezione", "Importo scartato", "Note"}
	cols := []col{{14, 34}, {10, 22}, fixed(20), colCount, colCount, colCount, colCount, colCount, colCount,
		colMoney, colMoney, colMoney, colMoney, colMoney, colMoney, {20, 45}}
	last := len(res.Sources) + 2
	body := func(yield func(row) bool) {
		for _, s := range res.Sources {
			o := s.Outcomes
			notes := s.Notes
			if s.Skipped != "" {
				notes = append([]string{"non letto: " + s.Skipped}, notes...)
			}
			noteText := truncate(strings.Join(notes, "\n"), 3000)
			if !yield(row{cells: []cell{text(sWrap, s.Name), text(sWrap, s.Format), text(sText, s.SHA256),
				intCell(sInt, s.Read.Rows), intCell(sInt, o.Consolidated.Rows), intCell(sInt, o.Duplicates.Rows),
				intCell(sInt, o.AltriEnti.Rows), intCell(sInt, o.OutOfScope.Rows), intCell(sInt, o.Rejected.Rows),
				money(sMoney, s.Read.Amount), money(sMoney, o.Consolidated.Amount), money(sMoney, o.Duplicates.Amount),
				money(sMoney, o.AltriEnti.Amount), money(sMoney, o.OutOfScope.Amount), money(sMoney, o.Rejected.Amount),
				text(sWrap, noteText)}}) {
				return
			}
		}
		c := res.Conservation
		o := c.Outcomes
		r := func(col string) string { return fmt.Sprintf("%s2:%s%d", col, col, last-1) }
		count := func(col string, v int) cell { return sum(intCell(sIntBold, v), r(col)) }
		amount := func(col string, v funding.Amount) cell { return sum(money(sMoneyBold, v), r(col)) }
		if !yield(row{cells: []cell{text(sTotalLabel, "TOTALE"), text(sTotalLabel, ""), text(sTotalLabel, ""),
			count("D", c.Read.Rows), count("E", o.Consolidated.Rows), count("F", o.Duplicates.Rows), count("G", o.AltriEnti.Rows),
			count("H", o.OutOfScope.Rows), count("I", o.Rejected.Rows),
			amount("J", c.Read.Amount), amount("K", o.Consolidated.Amount), amount("L", o.Duplicates.Amount),
			amount("M", o.AltriEnti.Amount), amount("N", o.OutOfScope.Amount), amount("O", o.Rejected.Amount),
			text(sTotalLabel, "")}}) || !yield(row{}) {
			return
		}
		for _, line := range ConservationLines(res) {
			if !yield(noteRow(sBoldWrap, line, len(headers))) {
				return
			}
		}
	}
	return &sheet{
		name: SheetSources, page: cstPage(meta, res, "file letti e conservazione"),
		cols: cols, freeze: freeze{cols: 1, rows: 1},
		header: headers,
		body:   body,
	}
}

// ConservationLines are the Italian sentences that state the check.
func ConservationLines(res *funding.Result) []string {
	c := res.Conservation
	o := c.Outcomes
	verdict := "RISPETTATA"
	if !c.OK {
		verdict = "NON RISPETTATA"
	}
	lines := []string{
		fmt.Sprintf("Conservazione delle righe: lette %s = consolidate %s + duplicati %s + altri enti %s + fuori selezione %s + scartate %s: %s",
			fmtInt(c.Read.Rows), fmtInt(o.Consolidated.Rows), fmtInt(o.Duplicates.Rows), fmtInt(o.AltriEnti.Rows),
			fmtInt(o.OutOfScope.Rows), fmtInt(o.Rejected.Rows), verdict),
		fmt.Sprintf("Conservazione degli importi: letti %s € = consolidati %s € + duplicati %s € + altri enti %s € + fuori selezione %s € + scartati %s €: %s",
			c.Read.Amount, o.Consolidated.Amount, o.Duplicates.Amount, o.AltriEnti.Amount, o.OutOfScope.Amount, o.Rejected.Amount, verdict),
	}
	lines = append(lines, fmt.Sprintf("Dei consolidati: finanziati (A+E) %s € nel Riepilogo, rinunce e revoche %s € elencate e non sommate.", c.Funded, c.NotFunded))
	for _, p := range c.Problems {
		lines = append(lines, "Problema: "+p)
	}
	return lines
}
