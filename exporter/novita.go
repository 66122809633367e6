package exporter

// ChangeList lists what changed since the previous export (filled from the
// ledger by the monthly batch).
type ChangeList struct {
	// Since describes the export the changes are relative to, as shown
	// to the user ("n. 3 del 12/03/2026, marzo 2026"); "" when there is
	// none (first export: every candidatura is new).
	Since string
	Items []ChangeRow
}

// The kinds of ChangeRow.Kind.
const (
	LabelNew          = "Nuova candidatura"
	LabelStatusChange = "Cambio stato"
	LabelAmountChange = "Cambio importo"
)

// ChangeRow is one change.
type ChangeRow struct {
	Kind    string // LabelNew, LabelStatusChange, LabelAmountChange
	ISTAT   string
	Comune  string
	Measure string
	CUP     string
	Before  string
	After   string
	Source  string
	// ComuneID is the funding.Comune.ID of the candidatura in the result
	// being written: it puts the item in that comune's council workbook.
	ComuneID int32
}

// NovitaHeader is the header of the Novità sheet.
var ChangesHeader = []string{"Tipo", "Codice ISTAT", "Comune", "Misura", "CUP", "Prima", "Dopo", "Fonte"}

// NovitaNote is the sentence that says what the Novità compare.
func ChangesNote(nov *ChangeList) string {
	if nov.Since == "" {
		return "Primo prospetto prodotto dal registro: non c'è un prospetto precedente, quindi ogni candidatura è elencata come \"Nuova candidatura\"."
	}
	return "Novità rispetto al prospetto " + nov.Since + ": candidature nuove, cambi di stato (A = assegnata, E = erogata, R = rinuncia) e cambi di importo. " +
		"Se dopo quel prospetto non sono stati importati file nuovi, l'elenco ripete le novità del prospetto più recente."
}

func changesSheet(nov *ChangeList, meta Meta) *sheet {
	n := len(nov.Items)
	what := "novità rispetto al prospetto precedente"
	if nov.Since == "" {
		what = "novità (primo prospetto: tutte le candidature sono nuove)"
	}
	widths := []float64{18, 10, 24, 22, 17, 24, 30, 40}
	ncol := len(ChangesHeader)
	body := func(yield func(row) bool) {
		cells := make([]cell, 0, ncol)
		for _, it := range nov.Items {
			cells = append(cells[:0], text(sText, it.Kind), text(sText, it.ISTAT), text(sText, it.Comune), text(sWrap, it.Measure),
				text(sText, it.CUP), text(sWrap, it.Before), text(sWrap, it.After), text(sWrap, it.Source))
			h := fitHeight(widths, "", "", "", it.Measure, "", it.Before, it.After, it.Source)
			if !yield(row{cells: cells, height: h}) {
				return
			}
		}
		if n == 0 && !yield(noteRow(sNote, "Nessuna novità: nessuna candidatura nuova, nessun cambio di stato o di importo.", ncol, 20)) {
			return
		}
		note := ChangesNote(nov)
		if yield(row{}) {
			yield(noteRow(sNote, note, ncol, fitHeight([]float64{185}, note)))
		}
	}
	return &sheet{
		name: SheetChanges, page: a4(true, heading(meta, what)),
		widths: widths, freeze: freeze{rows: 1},
		header: ChangesHeader, headerHeight: 20,
		autoFilter: true, dataRows: n,
		body: body,
	}
}
