package ui

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"consolida/funding"
	"consolida/importer"
	"consolida/internal/version"
	"consolida/ledger"
	"consolida/pipeline"
)

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1.000", 7157: "7.157", 1234567: "1.234.567"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

var when = time.Date(2026, 11, 27, 9, 5, 0, 0, time.Local)

func result() *funding.Result {
	return &funding.Result{
		Comuni: make([]*funding.ComuneTotals, 7), Candidature: make([]*funding.Candidatura, 19), Anomalies: make([]funding.Anomaly, 2),
		Total: 100945080,
		Conservation: funding.Conservation{Read: funding.Tally{Rows: 25}, Outcomes: funding.Outcomes{
			Consolidated: funding.Tally{Rows: 19}, Duplicates: funding.Tally{Rows: 2}, AltriEnti: funding.Tally{Rows: 2}, Rejected: funding.Tally{Rows: 2}}},
	}
}

func TestWriteMonthly(t *testing.T) {
	imp := &pipeline.ImportResult{Ledger: "r.db",
		Files: []pipeline.ImportedFile{
			{Path: "inbox/a.csv", File: ledger.File{Name: "a.csv", Read: funding.Tally{Rows: 14}}},
			{Path: "inbox/b.csv", File: ledger.File{Name: "b.csv", Skipped: "non è un elenco di finanziamenti"}},
			{Path: "inbox/c.csv", Known: true, File: ledger.File{Name: "c (2).csv", ImportedAt: when}},
		},
		Failed: []importer.FileError{{Path: "inbox/d.xlsx", Err: importer.ErrEncrypted}},
	}
	var b bytes.Buffer
	WriteMonthly(&b, &pipeline.MonthlyResult{Month: "2026-11", Ledger: "r.db", Inbox: "inbox", Found: 4, Import: imp,
		Archive: "archivio/2026-11", Moved: []string{"x", "y", "z"},
		Export: &pipeline.ExportResult{Dir: "uscita", Month: "2026-11", Result: result(),
			Export:   ledger.Export{Added: 1234, StatusChanges: 5},
			Baseline: &ledger.Export{ID: 2, Generated: when, Month: "2026-10"}}})
	want := `Lavoro mensile 2026-11 (registro r.db)
  cartella inbox: 4 file; importati 2 (14 righe), già nel registro 1, non importati 1
  importato: inbox/a.csv come a.csv, 14 righe, 0 anomalie
  importato senza righe: inbox/b.csv (non è un elenco di finanziamenti)
  già nel registro, saltato: inbox/c.csv (stesso contenuto di c (2).csv, importato il 27/11/2026 09:05)
  NON importato: inbox/d.xlsx: il file è protetto da password: salvarlo senza password e riprovare
  spostati in archivio/2026-11: 3 file
  i file non importati sono rimasti in inbox: correggerli o rimuoverli e rieseguire
Prospetti scritti in uscita (mese 2026-11)
  righe lette 25: consolidate 19, duplicati 2, altri enti 2, fuori selezione 0, scartate 2
  comuni 7, candidature 19, totale finanziato (A+E) 1.009.450,80 €
  anomalie 2 (foglio Anomalie); conservazione delle righe e degli importi: rispettata
  novità (rispetto al prospetto n. 2 del 27/11/2026 09:05, ottobre 2026): nuove candidature 1.234, cambi di stato 5, cambi di importo 0
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	WriteImport(&b, imp)
	if !strings.HasPrefix(b.String(), "Registro r.db: importati 2 file (14 righe), già presenti 1, non importati 1\n  importato: inbox/a.csv") {
		t.Errorf("import:\n%s", b.String())
	}
}

func TestWriteHistory(t *testing.T) {
	h := &pipeline.HistoryResult{Ledger: "r.db",
		Files: []ledger.File{{ID: 1, ImportedAt: when, Name: "a.csv", Read: funding.Tally{Rows: 7157}, SHA256: strings.Repeat("ab", 32), Path: "/archivio/a.csv"}},
		Exports: []pipeline.HistoryExport{{NewFiles: 1, Export: ledger.Export{ID: 1, At: when, Kind: "run", Month: "2026-11", Files: 1, LastFile: 1,
			Read: funding.Tally{Rows: 7157}, Candidature: 7046, Comuni: 6699, Total: 18409654700, Erogato: 9427778400, Added: 7046,
			Out: "/uscita", Scope: "provincia LC"}}},
	}
	var b bytes.Buffer
	if err := WriteHistory(&b, h, true); err != nil {
		t.Fatal(err)
	}
	want := `Registro r.db: 1 file importati (7.157 righe lette), 1 prospetti

  N.              Data  Comando     Mese  File  File nuovi  Righe lette  Candidature  Comuni  Finanziato (A+E) €  di cui erogato €  Nuove  Cambi stato  Cambi importo  Rispetto al n.
   1  27/11/2026 09:05      run  2026-11     1           1        7.157        7.046   6.699      184.096.547,00     94.277.784,00  7.046            0              0               -

  n. 1: prospetti in /uscita (provincia LC)

File importati:
N.  Importato il      Nome   Righe  Anomalie  SHA-256       Percorso
1   27/11/2026 09:05  a.csv  7.157  0         abababababab  /archivio/a.csv
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	WriteHistory(&b, &pipeline.HistoryResult{Ledger: "r.db"}, true)
	if b.String() != "Registro r.db: 0 file importati (0 righe lette), 0 prospetti\n\nNessun prospetto ancora prodotto (consolida export oppure consolida run --config).\n" {
		t.Errorf("empty history: %q", b.String())
	}
}

func TestWriteInit(t *testing.T) {
	var b bytes.Buffer
	r := &pipeline.InitResult{Dir: "/m/Documenti CST", Config: "/m/Documenti CST/consolida.toml", Batch: "/m/Documenti CST/consolida-mensile.bat",
		Program: "/opt/consolida/consolida"}
	WriteInit(&b, r)
	r.Existed = true
	WriteInit(&b, r)
	want := "Preparata la cartella /m/Documenti CST:\n" +
		"  consolida.toml           la configurazione, da rivedere (province, comuni soci)\n" +
		"  consolida-mensile.bat    il lavoro mensile con un doppio clic\n" +
		"  inbox/                   i file ricevuti da leggere\n" +
		"  archivio/                i file già letti, per mese\n" +
		"  uscita/                  i prospetti\n" +
		"Ogni mese: copiare i file ricevuti in inbox e fare doppio clic su consolida-mensile.bat, oppure eseguire:\n" +
		"  \"/opt/consolida/consolida\" run --config \"/m/Documenti CST/consolida.toml\"\n" +
		"/m/Documenti CST/consolida.toml esiste già: lasciato com'è. Cartelle inbox, archivio e uscita pronte in /m/Documenti CST\n" +
		"Ogni mese: copiare i file ricevuti in inbox e fare doppio clic su consolida-mensile.bat, oppure eseguire:\n" +
		"  \"/opt/consolida/consolida\" run --config \"/m/Documenti CST/consolida.toml\"\n"
	if filepath.Separator != '/' {
		t.Skip("the folders are written with the system's separator")
	}
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	for _, tc := range []struct{ in, want string }{
		{`C:\Programmi\consolida.exe`, `"C:\Programmi\consolida.exe"`},
		{"/usr/bin/consolida", `"/usr/bin/consolida"`},
		{"", `""`},
		{`C:\CST (2026)\consolida.toml`, `"C:\CST (2026)\consolida.toml"`},
	} {
		if got := quote(tc.in); got != tc.want {
			t.Errorf("quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriteVersion(t *testing.T) {
	var b bytes.Buffer
	WriteVersion(&b, version.Info{Version: "v1.2.0", Commit: "e115524abcde", Go: "go1.26.8",
		BuildDate: time.Date(2026, 11, 20, 9, 30, 0, 0, time.Local)})
	WriteVersion(&b, version.Info{Version: "dev", Go: "go1.26.8"})
	want := "consolida v1.2.0\n  compilato con Go go1.26.8\n  dal codice del 20/11/2026 09:30 (commit e115524abcde)\n" +
		"consolida dev\n  compilato con Go go1.26.8\n  data di compilazione non registrata (programma compilato senza le informazioni di git)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
