package exporter

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"consolida/funding"
)

// ScopeLabel describes the comuni a report covers, for its headings and
// the ledger's history: "provincia LC", "comuni di membri.csv", both
// joined by "e", or "" for every comune.
func ScopeLabel(provinces []string, membersFile string) string {
	var parts []string
	if len(provinces) > 0 {
		parts = append(parts, "provincia "+strings.ToUpper(strings.Join(provinces, ", ")))
	}
	if membersFile != "" {
		parts = append(parts, "comuni di "+filepath.Base(membersFile))
	}
	return strings.Join(parts, " e ")
}

// Baseline is the earlier export the Novità are relative to.
type Baseline struct {
	ID        int64
	Generated time.Time // the generation time printed in its workbooks
	Mese      string
}

// SinceLabel names a baseline as the user sees it: "n. 3 del 12/03/2026
// 10:04, marzo 2026".
func SinceLabel(b Baseline) string {
	return fmt.Sprintf("n. %d del %s, %s", b.ID, b.Generated.Local().Format("02/01/2006 15:04"), Meta{Mese: b.Mese}.MeseLabel())
}

// NewNovita turns the changes into the rows of the Novità sheet and of
// the council workbooks' Novità section; base is nil for the first
// export of a ledger.
func NewNovita(base *Baseline, changes []funding.Change) *Novita {
	nov := &Novita{Items: make([]NovitaItem, 0, len(changes))}
	if base != nil {
		nov.Since = SinceLabel(*base)
	}
	for _, ch := range changes {
		c, w := ch.Cand, ch.Cand.Winner
		it := NovitaItem{
			ISTAT: c.Comune.ISTAT, Comune: c.Comune.Name, Misura: c.Measure.Label, CUP: w.CUP,
			Fonte: w.Pos.Fonte(), ComuneID: c.Comune.ID,
		}
		switch ch.Kind {
		case funding.ChangeNew:
			it.Tipo = TipoNuova
			it.Dopo = statusText(w.Status, w.DataStato) + ", " + w.Amount.String() + " €"
		case funding.ChangeStatus:
			it.Tipo = TipoCambioStato
			it.Prima = ch.Before.Status.Label()
			it.Dopo = statusText(w.Status, w.DataStato)
		case funding.ChangeAmount:
			it.Tipo = TipoCambioImporto
			it.Prima = ch.Before.Amount.String() + " €"
			it.Dopo = w.Amount.String() + " €"
		}
		nov.Items = append(nov.Items, it)
	}
	return nov
}

func statusText(s funding.Status, d funding.Date) string {
	if d == 0 {
		return s.Label()
	}
	return s.Label() + " dal " + d.String()
}
