package exporter

import "testing"

func TestParts(t *testing.T) {
	for _, tc := range []struct {
		n     int
		names []string
	}{
		{0, []string{"Dettaglio"}},
		{10, []string{"Dettaglio"}},
		{maxDataRows, []string{"Dettaglio"}},
		{maxDataRows + 1, []string{"Dettaglio", "Dettaglio 2"}},
		{2*maxDataRows + 5, []string{"Dettaglio", "Dettaglio 2", "Dettaglio 3"}},
	} {
		names, bounds := parts("Dettaglio", tc.n, maxDataRows)
		if len(names) != len(tc.names) {
			t.Fatalf("n=%d: %v", tc.n, names)
		}
		covered := 0
		for i := range names {
			if names[i] != tc.names[i] || bounds[i][0] != covered {
				t.Errorf("n=%d part %d: %s %v", tc.n, i, names[i], bounds[i])
			}
			covered = bounds[i][1]
		}
		if covered != tc.n {
			t.Errorf("n=%d: covered %d rows", tc.n, covered)
		}
	}
}
