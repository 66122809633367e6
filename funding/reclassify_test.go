package funding

import (
	"errors"
	"testing"

	"consolida/templates"
)

func TestReclassifyAfterANewRule(t *testing.T) {
	old := testCatalog(t)
	recs := []Record{
		{Pos: Pos{File: "a.csv", Row: 2}, Avviso: "Avviso Sportello Digitale 2026", Rejected: true},
		{Pos: Pos{File: "a.csv", Row: 3}, Avviso: "1.4.3 - pagoPA - Comuni - Aprile 2022", Measure: "1.4.3-pagopa"},
		{Pos: Pos{File: "a.csv", Row: 4}, Avviso: "Avviso Sportello Digitale 2026", Amount: 5, Rejected: true},
	}
	_, err := old.Classify(recs[0].Avviso, "")
	anomalies := []Anomaly{
		{Pos: Pos{File: "a.csv", Row: 2, Col: "C"}, Field: "avviso", Rejected: true, Err: err},
		{Pos: Pos{File: "a.csv", Row: 4, Col: "D"}, Field: "importo", Rejected: true, Err: ErrBadAmount},
	}
	if !errors.Is(err, ErrNoMeasure) {
		t.Fatalf("the old catalog must not know the title: %v", err)
	}
	rules := append([]byte(nil), templates.MeasureRules...)
	rules = append(rules, []byte("sportello digitale,1.4.1\n")...)
	cat, err := LoadCatalog(templates.Measures, rules)
	if err != nil {
		t.Fatal(err)
	}
	got := Reclassify(cat, recs, anomalies)
	if recs[0].Rejected || recs[0].Measure != "1.4.1" {
		t.Errorf("row 2 not put back: %+v", recs[0])
	}
	if !recs[2].Rejected {
		t.Error("row 4 was rejected for its amount: it stays out")
	}
	if len(got) != 1 || got[0].Pos.Row != 4 {
		t.Errorf("anomalies left %+v, want only row 4's", got)
	}
	if recs[1].Measure != "1.4.3-pagopa" || recs[1].Rejected {
		t.Errorf("row 3 changed: %+v", recs[1])
	}
}
