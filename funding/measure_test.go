package funding

import (
	"errors"
	"testing"

	"consolida/templates"
)

func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := LoadCatalog(templates.Measures, templates.MeasureRules)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogOrder(t *testing.T) {
	c := testCatalog(t)
	want := []string{"1.1", "1.2", "1.3.1", "1.3.1-anncsu", "1.4.1", "1.4.3-pagopa", "1.4.3-appio", "1.4.4-spid", "1.4.4-anpr", "1.4.5"}
	if len(c.Measures) != len(want) {
		t.Fatalf("catalog has %d measures, want %d", len(c.Measures), len(want))
	}
	for i, id := range want {
		if c.Measures[i].ID != id {
			t.Errorf("measure %d = %s, want %s", i, c.Measures[i].ID, id)
		}
	}
}

// Every avviso title of the real open data, and the words offices use.
func TestClassify(t *testing.T) {
	c := testCatalog(t)
	for _, tc := range []struct{ avviso, misura, want string }{
		{"1.1 Infrastrutture digitali - ASL/AO - giugno 2025 (quota 1.1)", "", "1.1"},
		{"1.1 Infrastrutture digitali - ASL/AO - giugno 2025 (quota 1.2)", "", "1.2"},
		{"1.1 e 1.2 'Infrastrutture digitali e abilitazione al cloud' - ASL/AO -marzo 2023 (quota 1.2)", "1.1 Infrastrutture digitali", "1.2"},
		{"1.1 Infrastrutture digitali - Altre PAC - giugno 2023", "", "1.1"},
		{"1.2 Abilitazione al Cloud - Comuni - Luglio 2022", "", "1.2"},
		{"1.2 Abilitazione al cloud - Comuni - Aprile 2022", "", "1.2"},
		{"1.3.1 Piattaforma Digitale Nazionale Dati - ANNCSU - Comuni - maggio 2025", "1.3.1 Piattaforma Digitale Nazionale Dati", "1.3.1-anncsu"},
		{"1.3.1 Piattaforma Digitale Nazionale Dati - Comuni Ottobre 2022", "", "1.3.1"},
		{"1.4.1 Esperienza del Cittadino - Comuni - Aprile 2022", "", "1.4.1"},
		{"1.4.3 - pagoPA - Comuni - Aprile 2022", "1.4.3 Adozione PagoPA e AppIO", "1.4.3-pagopa"},
		{"1.4.3 - app IO - Comuni - Settembre 2022", "1.4.3 Adozione PagoPA e AppIO", "1.4.3-appio"},
		{"1.4.4 Adozione SPID CIE  - Comuni - Aprile 2022", "1.4.4 Adozione identità digitale", "1.4.4-spid"},
		{"1.4.4 Adozione SPID CIE-Amm.ni diverse da Comuni e Scuole -  Settembre 2022", "", "1.4.4-spid"},
		{"1.4.4 Adozione ANPR ANSC - Comuni - luglio 2024", "1.4.4 Adozione identità digitale", "1.4.4-anpr"},
		{"1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)", "", "1.4.5"},
		{"", "1.4.5 Digitalizzazione degli avvisi pubblici", "1.4.5"},
		{"", "Adozione PagoPA", "1.4.3-pagopa"},
		{"", "Adozione AppIO", "1.4.3-appio"},
		{"", "Misura 1.4.1", "1.4.1"},
		{"", "M1C1 - Cloud", "1.2"},
		{"", "SPID/CIE", "1.4.4-spid"},
		{"", "PDND", "1.3.1"},
		{"", "1.4.3-appio", "1.4.3-appio"},
	} {
		got, err := c.Classify(tc.avviso, tc.misura)
		if err != nil || got != tc.want {
			t.Errorf("Classify(%q, %q) = %q, %v; want %q", tc.avviso, tc.misura, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		avviso, misura string
		err            error
	}{
		{"", "1.4.3 Adozione PagoPA e AppIO", ErrAmbiguousMeasure},
		{"", "1.4.4 Adozione identità digitale", ErrAmbiguousMeasure},
		{"Contributo straordinario", "", ErrNoMeasure},
		{"", "", ErrNoMeasure},
	} {
		if _, err := c.Classify(tc.avviso, tc.misura); !errors.Is(err, tc.err) {
			t.Errorf("Classify(%q, %q) error = %v, want %v", tc.avviso, tc.misura, err, tc.err)
		}
	}
}

func TestLoadCatalogErrors(t *testing.T) {
	if _, err := LoadCatalog([]byte("misura,etichetta\n1.1,A\n"), []byte("modello,misura\ncloud,9.9\n")); err == nil {
		t.Error("a rule naming an unknown measure must fail")
	}
	if _, err := LoadCatalog([]byte("misura,etichetta\n1.1,A\n"), []byte("modello,misura\n(,1.1\n")); err == nil {
		t.Error("a bad regular expression must fail")
	}
}
