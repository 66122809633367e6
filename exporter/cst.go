package exporter

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// Sheet names of the CST workbook (the output contract).
const (
	SheetRiepilogo = "Riepilogo"
	SheetDettaglio = "Dettaglio"
	SheetMisure    = "Per misura"
	SheetAnomalie  = "Anomalie"
	SheetFonti     = "Fonti"
	SheetNovita    = "Novità"
)

// DettaglioHeader is the header of the Dettaglio sheet.
var DettaglioHeader = []string{"Codice ISTAT", "Comune", "Provincia", "Codice IPA", "Misura (id)", "Misura",
	"Avviso", "CUP", "Decreto", "Data finanziamento", "Stato", "Data stato", "Importo", "Fonte"}

// AnomalieHeader is the header of the Anomalie sheet.
var AnomalieHeader = []string{"File", "Foglio", "Riga", "Campo", "Valore", "Motivo", "Suggerimento", "Esito", "Colonna"}

// WriteCST writes the CST workbook to path.
func WriteCST(path string, res *funding.Result, meta Meta, nov *Novita) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	f.SetDocProps(&excelize.DocProperties{
		Title:   "Finanziamenti PNRR PA digitale 2026 - " + meta.MeseLabel(),
		Creator: "consolida", Language: "it-IT",
		Description: "Prospetto consolidato dei finanziamenti PNRR Missione 1 Componente 1 per i comuni del CST",
	})
	if err := f.SetSheetName("Sheet1", SheetRiepilogo); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return writeRiepilogo(f, st, res, meta) },
		func() error { return writeDettaglio(f, st, res, meta) },
		func() error { return writeMisure(f, st, res, meta) },
	}
	if nov != nil {
		steps = append(steps, func() error { return writeNovita(f, st, nov, meta) })
	}
	steps = append(steps,
		func() error { return writeAnomalie(f, st, res, meta) },
		func() error { return writeFonti(f, st, res, meta) },
	)
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return saveAtomic(f, path)
}

func heading(meta Meta, what string) string {
	h := "Finanziamenti PNRR PA digitale 2026 - " + what + " - " + meta.MeseLabel()
	if meta.Scope != "" {
		h += " - " + meta.Scope
	}
	return h
}

func newSheet(f *excelize.File, name string) error {
	if idx, _ := f.GetSheetIndex(name); idx >= 0 {
		return nil
	}
	_, err := f.NewSheet(name)
	return err
}

func writeRiepilogo(f *excelize.File, st *styles, res *funding.Result, meta Meta) error {
	name := SheetRiepilogo
	ms := res.Catalog.Measures
	ncol := 3 + len(ms) + 1
	last := len(res.Comuni) + 2 // header + rows + TOTALE
	if err := setupSheet(f, name, page{
		landscape: true, titleRows: "$1:$1", header: heading(meta, "riepilogo per comune"),
		autoFilter: fmt.Sprintf("A1:%s%d", colLetter(ncol), last-1),
	}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	widths := []float64{10, 28, 9}
	for range ms {
		widths = append(widths, 15)
	}
	if err := setWidths(sw, append(widths, 17)); err != nil {
		return err
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 3, YSplit: 1, TopLeftCell: "D2", ActivePane: "bottomRight"})
	hdr := []any{cell(st.header, "Codice ISTAT"), cell(st.header, "Comune"), cell(st.header, "Provincia")}
	for _, m := range ms {
		hdr = append(hdr, cell(st.header, m.Label))
	}
	hdr = append(hdr, cell(st.header, "Totale"))
	if err := sw.SetRow("A1", hdr, excelize.RowOpts{Height: 45}); err != nil {
		return err
	}
	for i, t := range res.Comuni {
		row := i + 2
		vals := []any{cell(st.text, t.Comune.ISTAT), cell(st.text, t.Comune.Name), cell(st.text, t.Comune.Provincia)}
		for mi := range ms {
			vals = append(vals, moneyCell(st.money, t.Funded[mi]))
		}
		vals = append(vals, sumFormula(st.money, fmt.Sprintf("D%d:%s%d", row, colLetter(3+len(ms)), row), t.Total))
		if err := sw.SetRow(colRef(1, row), vals); err != nil {
			return err
		}
	}
	tot := []any{cell(st.totalLabel, ""), cell(st.totalLabel, "TOTALE"), cell(st.totalLabel, "")}
	for mi := range ms {
		c := 4 + mi
		tot = append(tot, sumFormula(st.moneyBold, fmt.Sprintf("%s2:%s%d", colLetter(c), colLetter(c), last-1), res.GrandTotal[mi]))
	}
	tot = append(tot, sumFormula(st.moneyBold, fmt.Sprintf("%s2:%s%d", colLetter(ncol), colLetter(ncol), last-1), res.Total))
	if err := sw.SetRow(colRef(1, last), tot); err != nil {
		return err
	}
	note := fmt.Sprintf("Importi in euro delle candidature assegnate (A) o erogate (E), dopo aver tolto i duplicati; rinunce e revoche escluse. Generato il %s.",
		meta.Generated.Format("02/01/2006"))
	if err := noteRow(sw, last+2, ncol, st.note, note, 28); err != nil {
		return err
	}
	return sw.Flush()
}

// maxDataRows is how many rows fit under the header of one sheet.
const maxDataRows = excelize.TotalRows - 1

// parts splits n rows into sheets: "Dettaglio", "Dettaglio 2", ...
func parts(base string, n int) (names []string, bounds [][2]int) {
	for from := 0; from < n || from == 0; from += maxDataRows {
		to := min(from+maxDataRows, n)
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

func writeDettaglio(f *excelize.File, st *styles, res *funding.Result, meta Meta) error {
	names, bounds := parts(SheetDettaglio, len(res.Candidature))
	for p, name := range names {
		if err := writeDettaglioPart(f, st, res.Candidature[bounds[p][0]:bounds[p][1]], name, meta); err != nil {
			return err
		}
	}
	return nil
}

func writeDettaglioPart(f *excelize.File, st *styles, cands []*funding.Candidatura, name string, meta Meta) error {
	if err := newSheet(f, name); err != nil {
		return err
	}
	n := len(cands)
	if err := setupSheet(f, name, page{
		landscape: true, titleRows: "$1:$1", header: heading(meta, "dettaglio delle candidature"),
		autoFilter: fmt.Sprintf("A1:N%d", n+1),
	}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if err := setWidths(sw, []float64{10, 24, 9, 11, 12, 22, 44, 17, 26, 12, 13, 12, 15, 34}); err != nil {
		return err
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	hdr := make([]any, len(DettaglioHeader))
	for i, h := range DettaglioHeader {
		hdr[i] = cell(st.header, h)
	}
	if err := sw.SetRow("A1", hdr, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	row := make([]any, len(DettaglioHeader))
	for i, c := range cands {
		w := c.Winner
		style := st.money
		if !w.Status.Funded() {
			style = st.mutedMoney
		}
		row = append(row[:0],
			cell(st.text, c.Comune.ISTAT), cell(st.text, c.Comune.Name), cell(st.text, c.Comune.Provincia),
			cell(st.text, w.IPA), cell(st.text, c.Measure.ID), cell(st.text, c.Measure.Label),
			cell(st.text, w.Avviso), cell(st.text, w.CUP), cell(st.text, w.Decreto),
			dateCell(st.date, w.DataFin), cell(st.text, w.Status.Label()), dateCell(st.date, w.DataStato),
			moneyCell(style, w.Amount), cell(st.text, w.Pos.Fonte()),
		)
		if err := sw.SetRow(colRef(1, i+2), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func writeMisure(f *excelize.File, st *styles, res *funding.Result, meta Meta) error {
	name := SheetMisure
	if err := newSheet(f, name); err != nil {
		return err
	}
	n := len(res.Measures)
	if err := setupSheet(f, name, page{landscape: true, titleRows: "$1:$1", header: heading(meta, "sintesi per misura")}); err != nil {
		return err
	}
	// a small sheet with a chart: written in normal mode
	sw := &normalWriter{f: f, sheet: name}
	if err := sw.setWidths([]float64{30, 14, 14, 18, 18, 12, 16, 12, 16}); err != nil {
		return err
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	hdr := []any{}
	for _, h := range []string{"Misura", "Comuni finanziati", "Candidature finanziate", "Importo finanziato (A+E)",
		"di cui erogato (E)", "Rinunce", "Importo rinunce", "Revoche", "Importo revoche"} {
		hdr = append(hdr, cell(st.header, h))
	}
	if err := sw.SetRow("A1", hdr, excelize.RowOpts{Height: 32}); err != nil {
		return err
	}
	var tot funding.MeasureStats
	for i, m := range res.Measures {
		tot.Candidature += m.Candidature
		tot.Funded += m.Funded
		tot.Erogato += m.Erogato
		tot.Rinunce += m.Rinunce
		tot.RinunceAmount += m.RinunceAmount
		tot.Revoche += m.Revoche
		tot.RevocheAmount += m.RevocheAmount
		row := []any{cell(st.text, m.Measure.Label), cell(st.int, m.Comuni), cell(st.int, m.Candidature),
			moneyCell(st.money, m.Funded), moneyCell(st.money, m.Erogato), cell(st.int, m.Rinunce),
			moneyCell(st.money, m.RinunceAmount), cell(st.int, m.Revoche), moneyCell(st.money, m.RevocheAmount)}
		if err := sw.SetRow(colRef(1, i+2), row); err != nil {
			return err
		}
	}
	last := n + 2
	comuni := 0
	for _, c := range res.Comuni {
		if c.Total > 0 {
			comuni++
		}
	}
	r := func(col string) string { return fmt.Sprintf("%s2:%s%d", col, col, last-1) }
	intSum := func(col string, v int) excelize.Cell {
		return excelize.Cell{StyleID: st.totalLabel, Formula: "SUM(" + r(col) + ")", Value: v}
	}
	row := []any{cell(st.totalLabel, "TOTALE"), cell(st.totalLabel, comuni), intSum("C", tot.Candidature),
		sumFormula(st.moneyBold, r("D"), tot.Funded), sumFormula(st.moneyBold, r("E"), tot.Erogato),
		intSum("F", tot.Rinunce), sumFormula(st.moneyBold, r("G"), tot.RinunceAmount),
		intSum("H", tot.Revoche), sumFormula(st.moneyBold, r("I"), tot.RevocheAmount)}
	if err := sw.SetRow(colRef(1, last), row); err != nil {
		return err
	}
	if err := noteRow(sw, last+1, 9, st.note,
		"Comuni finanziati: comuni con almeno una candidatura assegnata o erogata nella misura (nella riga TOTALE: comuni con almeno un finanziamento).", 28); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return f.AddChart(name, fmt.Sprintf("A%d", last+3), &excelize.Chart{
		Type: excelize.Bar,
		Series: []excelize.ChartSeries{
			{Name: quoteSheet(name) + "!$D$1", Categories: fmt.Sprintf("%s!$A$2:$A$%d", quoteSheet(name), last-1), Values: fmt.Sprintf("%s!$D$2:$D$%d", quoteSheet(name), last-1)},
			{Name: quoteSheet(name) + "!$E$1", Categories: fmt.Sprintf("%s!$A$2:$A$%d", quoteSheet(name), last-1), Values: fmt.Sprintf("%s!$E$2:$E$%d", quoteSheet(name), last-1)},
		},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Importi finanziati ed erogati per misura (euro)"}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 900, Height: 420},
		YAxis:     excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, MajorGridLines: true, Font: excelize.Font{Color: "404040", Size: 9}},
		XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Color: "000000", Size: 9}},
		PlotArea:  excelize.ChartPlotArea{ShowVal: false},
	})
}

func writeAnomalie(f *excelize.File, st *styles, res *funding.Result, meta Meta) error {
	names, bounds := parts(SheetAnomalie, len(res.Anomalies))
	for p, name := range names {
		if err := writeAnomaliePart(f, st, res.Anomalies[bounds[p][0]:bounds[p][1]], name, meta); err != nil {
			return err
		}
	}
	return nil
}

func writeAnomaliePart(f *excelize.File, st *styles, anomalies []funding.Anomaly, name string, meta Meta) error {
	if err := newSheet(f, name); err != nil {
		return err
	}
	n := len(anomalies)
	if err := setupSheet(f, name, page{
		landscape: true, titleRows: "$1:$1", header: heading(meta, "anomalie nei file ricevuti"),
		autoFilter: fmt.Sprintf("A1:I%d", n+1),
	}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if err := setWidths(sw, []float64{30, 14, 7, 16, 28, 50, 50, 14, 8}); err != nil {
		return err
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	hdr := make([]any, len(AnomalieHeader))
	for i, h := range AnomalieHeader {
		hdr[i] = cell(st.header, h)
	}
	if err := sw.SetRow("A1", hdr, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	for i, a := range anomalies {
		var rowN any
		if a.Pos.Row > 0 {
			rowN = a.Pos.Row
		}
		row := []any{cell(st.text, a.Pos.File), cell(st.text, a.Pos.Sheet), cell(st.text, rowN), cell(st.text, a.Field),
			cell(st.wrap, truncate(a.Value, 200)), cell(st.wrap, a.Reason), cell(st.wrap, a.Suggestion), cell(st.text, a.Esito()), cell(st.text, a.Pos.Col)}
		if err := sw.SetRow(colRef(1, i+2), row); err != nil {
			return err
		}
	}
	if n == 0 {
		if err := noteRow(sw, 2, 9, st.note, "Nessuna anomalia: ogni riga letta è stata riconosciuta.", 20); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func writeFonti(f *excelize.File, st *styles, res *funding.Result, meta Meta) error {
	name := SheetFonti
	if err := newSheet(f, name); err != nil {
		return err
	}
	n := len(res.Sources)
	if err := setupSheet(f, name, page{landscape: true, titleRows: "$1:$1", header: heading(meta, "file letti e conservazione")}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	headers := []string{"File", "Formato", "SHA-256", "Righe lette", "Consolidate", "Duplicati", "Altri enti",
		"Fuori selezione", "Scartate", "Importo letto", "Importo consolidato", "Importo duplicati",
		"Importo altri enti", "Importo fuori selezione", "Importo scartato", "Note"}
	widths := []float64{34, 22, 20, 10, 11, 10, 10, 10, 9, 17, 17, 17, 17, 17, 15, 45}
	if err := setWidths(sw, widths); err != nil {
		return err
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"})
	hdr := make([]any, len(headers))
	for i, h := range headers {
		hdr[i] = cell(st.header, h)
	}
	if err := sw.SetRow("A1", hdr, excelize.RowOpts{Height: 32}); err != nil {
		return err
	}
	for i, s := range res.Sources {
		o := s.Outcomes
		notes := s.Notes
		if s.Skipped != "" {
			notes = append([]string{"non letto: " + s.Skipped}, notes...)
		}
		row := []any{cell(st.text, s.Name), cell(st.wrap, s.Format), cell(st.text, s.SHA256),
			cell(st.int, s.Read.Rows), cell(st.int, o.Consolidated.Rows), cell(st.int, o.Duplicates.Rows),
			cell(st.int, o.AltriEnti.Rows), cell(st.int, o.FuoriSelezione.Rows), cell(st.int, o.Rejected.Rows),
			moneyCell(st.money, s.Read.Amount), moneyCell(st.money, o.Consolidated.Amount), moneyCell(st.money, o.Duplicates.Amount),
			moneyCell(st.money, o.AltriEnti.Amount), moneyCell(st.money, o.FuoriSelezione.Amount), moneyCell(st.money, o.Rejected.Amount),
			cell(st.wrap, truncate(strings.Join(notes, "\n"), 3000))}
		h := fitHeight(widths, s.Name, s.Format, "", "", "", "", "", "", "", "", "", "", "", "", "", truncate(strings.Join(notes, "\n"), 3000))
		if err := sw.SetRow(colRef(1, i+2), row, excelize.RowOpts{Height: min(h, 409)}); err != nil {
			return err
		}
	}
	last := n + 2
	c := res.Conservation
	o := c.Outcomes
	r := func(col string) string { return fmt.Sprintf("%s2:%s%d", col, col, last-1) }
	intSum := func(col string, v int) excelize.Cell {
		return excelize.Cell{StyleID: st.totalLabel, Formula: "SUM(" + r(col) + ")", Value: v}
	}
	tot := []any{cell(st.totalLabel, "TOTALE"), cell(st.totalLabel, ""), cell(st.totalLabel, ""),
		intSum("D", c.Read.Rows), intSum("E", o.Consolidated.Rows), intSum("F", o.Duplicates.Rows), intSum("G", o.AltriEnti.Rows),
		intSum("H", o.FuoriSelezione.Rows), intSum("I", o.Rejected.Rows),
		sumFormula(st.moneyBold, r("J"), c.Read.Amount), sumFormula(st.moneyBold, r("K"), o.Consolidated.Amount),
		sumFormula(st.moneyBold, r("L"), o.Duplicates.Amount), sumFormula(st.moneyBold, r("M"), o.AltriEnti.Amount),
		sumFormula(st.moneyBold, r("N"), o.FuoriSelezione.Amount), sumFormula(st.moneyBold, r("O"), o.Rejected.Amount),
		cell(st.totalLabel, "")}
	if err := sw.SetRow(colRef(1, last), tot); err != nil {
		return err
	}
	for i, line := range ConservationLines(res) {
		if err := noteRow(sw, last+2+i, 16, st.boldWrap, line, 30); err != nil {
			return err
		}
	}
	return sw.Flush()
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
			fmtInt(o.FuoriSelezione.Rows), fmtInt(o.Rejected.Rows), verdict),
		fmt.Sprintf("Conservazione degli importi: letti %s € = consolidati %s € + duplicati %s € + altri enti %s € + fuori selezione %s € + scartati %s €: %s",
			c.Read.Amount, o.Consolidated.Amount, o.Duplicates.Amount, o.AltriEnti.Amount, o.FuoriSelezione.Amount, o.Rejected.Amount, verdict),
	}
	lines = append(lines, fmt.Sprintf("Dei consolidati: finanziati (A+E) %s € nel Riepilogo, rinunce e revoche %s € elencate e non sommate.", c.Funded, c.NotFunded))
	for _, p := range c.Problems {
		lines = append(lines, "Problema: "+p)
	}
	return lines
}
