package exporter

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Novita lists what changed since the previous export (filled from the
// ledger by the monthly batch).
type Novita struct {
	// Since describes the export the changes are relative to, as shown
	// to the user ("n. 3 del 12/03/2026, marzo 2026"); "" when there is
	// none (first export: every candidatura is new).
	Since string
	Items []NovitaItem
}

// The kinds of NovitaItem.Tipo.
const (
	TipoNuova         = "Nuova candidatura"
	TipoCambioStato   = "Cambio stato"
	TipoCambioImporto = "Cambio importo"
)

// NovitaItem is one change.
type NovitaItem struct {
	Tipo   string // TipoNuova, TipoCambioStato, TipoCambioImporto
	ISTAT  string
	Comune string
	Misura string
	CUP    string
	Prima  string
	Dopo   string
	Fonte  string
	// ComuneID is the funding.Comune.ID of the candidatura in the result
	// being written: it puts the item in that comune's council workbook.
	ComuneID int32
}

// NovitaHeader is the header of the Novità sheet.
var NovitaHeader = []string{"Tipo", "Codice ISTAT", "Comune", "Misura", "CUP", "Prima", "Dopo", "Fonte"}

// NovitaNote is the sentence that says what the Novità compare.
func NovitaNote(nov *Novita) string {
	if nov.Since == "" {
		return "Primo prospetto prodotto dal registro: non c'è un prospetto precedente, quindi ogni candidatura è elencata come \"Nuova candidatura\"."
	}
	return "Novità rispetto al prospetto " + nov.Since + ": candidature nuove, cambi di stato (A = assegnata, E = erogata, R = rinuncia) e cambi di importo. " +
		"Se dopo quel prospetto non sono stati importati file nuovi, l'elenco ripete le novità del prospetto più recente."
}

func writeNovita(f *excelize.File, st *styles, nov *Novita, meta Meta) error {
	name := SheetNovita
	if err := newSheet(f, name); err != nil {
		return err
	}
	n := len(nov.Items)
	what := "novità rispetto al prospetto precedente"
	if nov.Since == "" {
		what = "novità (primo prospetto: tutte le candidature sono nuove)"
	}
	if err := setupSheet(f, name, page{
		landscape: true, titleRows: "$1:$1", header: heading(meta, what),
		autoFilter: fmt.Sprintf("A1:H%d", n+1),
	}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	widths := []float64{18, 10, 24, 22, 17, 24, 30, 40}
	if err := setWidths(sw, widths); err != nil {
		return err
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	hdr := make([]any, len(NovitaHeader))
	for i, h := range NovitaHeader {
		hdr[i] = cell(st.header, h)
	}
	if err := sw.SetRow("A1", hdr, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	for i, it := range nov.Items {
		row := []any{cell(st.text, it.Tipo), cell(st.text, it.ISTAT), cell(st.text, it.Comune), cell(st.wrap, it.Misura),
			cell(st.text, it.CUP), cell(st.wrap, it.Prima), cell(st.wrap, it.Dopo), cell(st.wrap, it.Fonte)}
		h := fitHeight(widths, "", "", "", it.Misura, "", it.Prima, it.Dopo, it.Fonte)
		if err := sw.SetRow(colRef(1, i+2), row, excelize.RowOpts{Height: h}); err != nil {
			return err
		}
	}
	next := n + 2
	if n == 0 {
		if err := noteRow(sw, next, len(NovitaHeader), st.note, "Nessuna novità: nessuna candidatura nuova, nessun cambio di stato o di importo.", 20); err != nil {
			return err
		}
		next++
	}
	note := NovitaNote(nov)
	if err := noteRow(sw, next+1, len(NovitaHeader), st.note, note, fitHeight([]float64{185}, note)); err != nil {
		return err
	}
	return sw.Flush()
}
