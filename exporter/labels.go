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
	Month     string
}

// SinceLabel names a baseline as the user sees it: "n. 3 del 12/03/2026
// 10:04, marzo 2026".
func SinceLabel(b Baseline) string {
	return fmt.Sprintf("n. %d del %s, %s", b.ID, b.Generated.Local().Format("02/01/2006 15:04"), Meta{Month: b.Month}.MonthLabel())
}

// NewNovita turns the changes into the rows of the Novità sheet and of
// the council workbooks' Novità section; base is nil for the first
// export of a ledger.
func NewChangeList(base *Baseline, changes []funding.Change) *ChangeList {
	nov := &ChangeList{Items: make([]ChangeRow, 0, len(changes))}
	if base != nil {
		nov.Since = SinceLabel(*base)
	}
	for _, ch := range changes {
		c, w := ch.Cand, ch.Cand.Winner
		it := ChangeRow{
			ISTAT: c.Comune.ISTAT, Comune: c.Comune.Name, Measure: c.Measure.Label, CUP: w.CUP,
			Source: w.Pos.Ref(), ComuneID: c.Comune.ID,
		}
		switch ch.Kind {
		case funding.ChangeNew:
			it.Kind = LabelNew
			it.After = statusText(w.Status, w.StatusDate) + ", " + w.Amount.String() + " €"
		case funding.ChangeStatus:
			it.Kind = LabelStatusChange
			it.Before = ch.Before.Status.Label()
			it.After = statusText(w.Status, w.StatusDate)
		case funding.ChangeAmount:
			it.Kind = LabelAmountChange
			it.Before = ch.Before.Amount.String() + " €"
			it.After = w.Amount.String() + " €"
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
