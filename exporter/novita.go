package exporter

import (
	"fmt"
	"time"

	"consolida/funding"
)

// ChangeList lists what changed since the previous export (filled from the
// ledger by the monthly batch).
type ChangeList struct {
	// Base is the export the changes are relative to; nil when there is
	// none (the first export of a ledger: every candidatura is new).
	Base  *Baseline
	Items []ChangeRow
}

// The kinds of ChangeRow.Kind.
const (
	LabelNew                = "Nuova candidatura"
	LabelStatusChange       = "Cambio stato"
	LabelAmountChange       = "Cambio importo"
	LabelStatusAmountChange = "Cambio stato e importo"
)

// ChangeRow is one candidatura that changed: one row of the Novità, so
// that the amounts before and after add up.
type ChangeRow struct {
	Kind    string // LabelNew, LabelStatusChange, LabelAmountChange, LabelStatusAmountChange
	ISTAT   string
	Comune  string
	Measure string // the measure's label
	CUP     string
	// Before is the candidatura as the earlier export had it; nil for a
	// new one. After is the candidatura now.
	Before *ChangeState
	After  ChangeState
	Source string
	// ComuneID is the funding.Comune.ID of the candidatura in the result
	// being written: it puts the item in that comune's council workbook.
	ComuneID int32
}

// ChangeState is the status of a candidatura, its date and its amount.
type ChangeState struct {
	Status     funding.Status
	StatusDate funding.Date // 0 when the files give none
	Amount     funding.Amount
}

// statusText is "E - erogata dal 13/08/2025", or the label alone when the
// date is unknown.
func (s ChangeState) statusText() string {
	if s.StatusDate == 0 {
		return s.Status.Label()
	}
	return s.Status.Label() + " dal " + s.StatusDate.String()
}

// ChangesHeader is the header of the Novità sheet.
var ChangesHeader = []string{"Tipo", "Codice ISTAT", "Comune", "Misura", "CUP", "Stato prima", "Data stato prima",
	"Stato dopo", "Data stato dopo", "Importo prima", "Importo dopo", "Differenza", "Fonte"}

// Baseline is the earlier export the Novità are relative to.
type Baseline struct {
	ID        int64
	Generated time.Time // the generation time printed in its workbooks
	Month     string
}

// SinceLabel names a baseline for the summary on the terminal: "n. 3 del
// 12/03/2026 10:04, marzo 2026".
func SinceLabel(b Baseline) string {
	return fmt.Sprintf("n. %d del %s, %s", b.ID, b.Generated.Local().Format("02/01/2006 15:04"), Meta{Month: b.Month}.MonthLabel())
}

// since names the baseline in the workbooks, without the ledger's
// numbers: "rispetto al prospetto di ottobre 2026 (generato il
// 15/10/2026)"; "" for none.
func (nov *ChangeList) since() string {
	if nov.Base == nil {
		return ""
	}
	return fmt.Sprintf("rispetto al prospetto di %s (generato il %s)", Meta{Month: nov.Base.Month}.MonthLabel(),
		nov.Base.Generated.Local().Format("02/01/2006"))
}

// NewChangeList turns the changes into the rows of the Novità sheet and of
// the council workbooks' Novità section, one row per candidatura (a status
// change and an amount change of one candidatura make one row); base is
// nil for the first export of a ledger.
func NewChangeList(base *Baseline, changes []funding.Change) *ChangeList {
	nov := &ChangeList{Base: base, Items: make([]ChangeRow, 0, len(changes))}
	for i, ch := range changes {
		c, w := ch.Cand, ch.Cand.Winner
		if i > 0 && changes[i-1].Cand == c && ch.Kind == funding.ChangeAmount && changes[i-1].Kind == funding.ChangeStatus {
			nov.Items[len(nov.Items)-1].Kind = LabelStatusAmountChange
			continue
		}
		it := ChangeRow{
			ISTAT: c.Comune.ISTAT, Comune: c.Comune.Name, Measure: c.Measure.Label, CUP: w.CUP,
			After:  ChangeState{Status: w.Status, StatusDate: w.StatusDate, Amount: w.Amount},
			Source: w.Pos.Ref(), ComuneID: c.Comune.ID,
		}
		switch ch.Kind {
		case funding.ChangeNew:
			it.Kind = LabelNew
		case funding.ChangeStatus:
			it.Kind = LabelStatusChange
		case funding.ChangeAmount:
			it.Kind = LabelAmountChange
		}
		if ch.Kind != funding.ChangeNew {
			it.Before = &ChangeState{Status: ch.Before.Status, StatusDate: ch.Before.StatusDate, Amount: ch.Before.Amount}
		}
		nov.Items = append(nov.Items, it)
	}
	return nov
}

// ChangesNote is the sentence that says what the Novità compare.
func ChangesNote(nov *ChangeList) string {
	if nov.Base == nil {
		return "Primo prospetto prodotto dal registro: non c'è un prospetto precedente, quindi ogni candidatura è elencata come \"Nuova candidatura\"."
	}
	return "Novità " + nov.since() + ": candidature nuove, cambi di stato (A = assegnata, E = erogata, R = rinuncia) e cambi di importo, " +
		"una riga per candidatura. Importo prima e Importo dopo sono gli importi delle candidature, qualunque sia lo stato; " +
		"Differenza = Importo dopo - Importo prima. " +
		"Se dopo quel prospetto non sono stati importati file nuovi, l'elenco ripete le novità del prospetto più recente."
}

func changesSheet(nov *ChangeList, meta Meta, res *funding.Result) *sheet {
	n := len(nov.Items)
	what := "novità " + nov.since()
	if nov.Base == nil {
		what = "novità (primo prospetto: tutte le candidature sono nuove)"
	}
	ncol := len(ChangesHeader)
	last := n + 1 // the last item's row
	body := func(yield func(row) bool) {
		cells := make([]cell, 0, ncol)
		var before, after, diff funding.Amount
		for _, it := range nov.Items {
			stBefore, dBefore, amBefore := blank(sText), blank(sDate), blank(sMoney)
			if b := it.Before; b != nil {
				stBefore, dBefore, amBefore = text(sText, b.Status.Label()), date(sDate, b.StatusDate), money(sMoney, b.Amount)
				before += b.Amount
				diff -= b.Amount
			}
			after += it.After.Amount
			diff += it.After.Amount
			d := it.After.Amount
			if it.Before != nil {
				d -= it.Before.Amount
			}
			cells = append(cells[:0], text(sText, it.Kind), text(sText, it.ISTAT), text(sText, it.Comune), text(sText, it.Measure),
				text(sText, it.CUP), stBefore, dBefore, text(sText, it.After.Status.Label()), date(sDate, it.After.StatusDate),
				amBefore, money(sMoney, it.After.Amount), money(sMoney, d), text(sText, it.Source))
			if !yield(row{cells: cells}) {
				return
			}
		}
		if n == 0 {
			if !yield(noteRow(sNote, "Nessuna novità: nessuna candidatura nuova, nessun cambio di stato o di importo.", ncol)) {
				return
			}
		} else {
			r := func(col string) string { return fmt.Sprintf("%s2:%s%d", col, col, last) }
			tot := []cell{text(sTotalLabel, "TOTALE")}
			for range 8 {
				tot = append(tot, text(sTotalLabel, ""))
			}
			tot = append(tot, sum(money(sMoneyBold, before), r("J")), sum(money(sMoneyBold, after), r("K")),
				sum(money(sMoneyBold, diff), r("L")), text(sTotalLabel, ""))
			if !yield(row{cells: tot}) {
				return
			}
		}
		if yield(row{}) {
			yield(noteRow(sNote, ChangesNote(nov), ncol))
		}
	}
	return &sheet{
		name: SheetChanges, page: cstPage(meta, res, what),
		cols: []col{{12, 22}, colISTAT, {10, 26}, {12, 26}, colCUP, {10, 14}, colDate, {10, 14}, colDate,
			colMoney, colMoney, colMoney, {12, 36}},
		freeze:     freeze{rows: 1},
		header:     ChangesHeader,
		autoFilter: true, dataRows: n,
		body: body,
	}
}
