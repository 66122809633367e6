package funding

import (
	"errors"
	"fmt"
)

// Reclassify applies the current measure catalog to records read earlier
// (the ledger keeps them from past months): a rule added to
// templates/riconoscimento_misure.csv after the import maps a title that
// was rejected then, without importing the file again. A record whose
// only fault was its measure is put back, and its anomaly dropped; a
// record whose measure the rules now read differently gets the new one.
// It returns the anomalies that still hold.
func Reclassify(cat *Catalog, recs []Record, anomalies []Anomaly) []Anomaly {
	type rowKey struct {
		file, sheet string
		row         int
	}
	measureFault := map[rowKey]int{}
	for i, a := range anomalies {
		if a.Rejected && (errors.Is(a.Err, ErrNoMeasure) || errors.Is(a.Err, ErrAmbiguousMeasure)) {
			measureFault[rowKey{a.Pos.File, a.Pos.Sheet, a.Pos.Row}] = i
		}
	}
	drop := map[int]bool{}
	for i := range recs {
		r := &recs[i]
		id, err := cat.Classify(r.Avviso, r.MeasureText)
		k := rowKey{r.Pos.File, r.Pos.Sheet, r.Pos.Row}
		switch {
		case r.Rejected:
			// the importer records only a row's first fault, and checks the
			// measure after amount and status: a measure fault is the only one
			if j, ok := measureFault[k]; ok && err == nil {
				r.Rejected, r.Measure = false, id
				drop[j] = true
			} else if ok {
				// stored by an older consolida: today's advice
				anomalies[j].Suggestion = AdviceNoMeasure
			}
		case err == nil:
			r.Measure = id
		default:
			r.Rejected = true
			field, value := "avviso", r.Avviso
			if value == "" {
				field, value = "misura", r.MeasureText
			}
			anomalies = append(anomalies, Anomaly{
				Pos: r.Pos, Field: field, Value: value, Rejected: true, Err: err,
				Reason:     fmt.Sprintf("misura non più determinabile con le regole attuali (era %s)", r.Measure),
				Suggestion: AdviceNoMeasure,
			})
		}
	}
	if len(drop) == 0 {
		return anomalies
	}
	kept := anomalies[:0]
	for i, a := range anomalies {
		if !drop[i] {
			kept = append(kept, a)
		}
	}
	return kept
}
