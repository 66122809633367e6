package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"consolida/internal/testkit"
)

func TestCheckPrintsMapping(t *testing.T) {
	code, out, stderr := runCLI(t, "check", "samples/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"codifica Windows-1252, separatore ';'",
		`"Importo finanziato (€)"`, "-> importo",
		`"Note"`, "ignorata",
		"intestazione alla riga 5",
		"riga di totale",
		"righe lette 6",
		"riga 6, colonna F, importo \"n.d.\": importo mancante",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckRealFiles(t *testing.T) {
	real := testkit.RealData(t)
	code, out, stderr := runCLI(t, "check", real, filepath.Join(real, "KPI"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"candidature_finanziate_145.csv", "-> cup", "righe lette 7.707",
		"avvisi.csv", "non è un elenco di finanziamenti",
		"importi_per_comune.csv",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q", want)
		}
	}
}
