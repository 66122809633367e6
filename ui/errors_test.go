package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"
	"time"

	"consolida/funding"
	"consolida/importer"
	"consolida/importer/grid"
	"consolida/ledger"
	"consolida/pipeline"
)

// TestMessages: every error a use case returns has its Italian message
// (the command line's words since the first release).
func TestMessages(t *testing.T) {
	notExist := &fs.PathError{Op: "open", Path: "/x/a.csv", Err: fs.ErrNotExist}
	denied := &fs.PathError{Op: "open", Path: "/x/CST.xlsx", Err: fs.ErrPermission}
	start := time.Date(2026, 11, 27, 9, 5, 7, 0, time.Local)
	hint := " (vedere: consolida COMANDO --aiuto)"
	for _, tc := range []struct {
		err   error
		want  string
		usage bool
	}{
		{&pipeline.UsageError{Problem: pipeline.BadMonth, Value: "11-2026"}, `--mese "11-2026" non valido: scrivere anno e mese come 2026-11` + hint, true},
		{&pipeline.UsageError{Problem: pipeline.EmptyProvince}, "--provincia vuota" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.LedgerWithoutConfig}, "--ledger si usa con --config (lavoro mensile) o con i comandi import ed export; run sui file non usa il registro" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpRun}, "indicare almeno un file o una cartella da leggere" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpCheck}, "indicare almeno un file da controllare" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpImport}, "indicare almeno un file o una cartella da importare" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.MissingOut}, "indicare la cartella di uscita con --out" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigMissing, Path: "c.toml"}, "file di configurazione c.toml inesistente: crearlo con consolida init CARTELLA" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigSyntax, Path: "c.toml", Line: 3, Detail: "expected value"}, "file di configurazione c.toml, riga 3: expected value" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigProvinceList, Path: "c.toml", Line: 2}, `file di configurazione c.toml, riga 2: atteso un elenco di sigle tra virgolette, ad es. ["LC", "CO"]` + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigInvalid, Path: "c.toml", Detail: "toml: boh"}, "file di configurazione c.toml: toml: boh" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigUnknownKeys, Path: "c.toml", Keys: []string{"x", "y"}},
			"file di configurazione c.toml: chiave sconosciuta x, y (le chiavi sono inbox, archivio, uscita, ledger, comuni, membri, provincia, consiglio)" + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New("flag provided but not defined: -boh")}, "opzione sconosciuta -boh" + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New("flag needs an argument: -mese")}, "l'opzione -mese richiede un valore" + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New(`invalid value "x" for flag -anomalie: parse error`)}, `valore non valido: invalid value "x" for flag -anomalie: parse error` + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New(`invalid boolean value "forse" for -consiglio: parse error`)}, `invalid boolean value "forse" for -consiglio: parse error` + hint, true},
		{&CommandLineError{Problem: ExportWithFiles, Args: []string{"a.csv", "b"}}, "export legge dal registro: non indicare file (a.csv b); per aggiungerli usare consolida import" + hint, true},
		{&CommandLineError{Problem: MonthlyWithFiles, Args: []string{"a.csv"}}, "con --config i file da leggere sono quelli della cartella inbox: non indicare file o cartelle (a.csv)" + hint, true},
		{&CommandLineError{Problem: InitFolder}, `indicare una cartella (ad es. consolida init . oppure consolida init C:\CST\pnrr)` + hint, true},

		{importer.FileError{Path: "/x/a.xlsx", Err: importer.ErrPDF}, "/x/a.xlsx: il file è un PDF, non un foglio di calcolo: chiedere all'ufficio il prospetto in Excel, ODS o CSV", false},
		{importer.FileError{Path: "/x/a.xlsx", Err: errors.New("zip: not a valid zip file")}, "/x/a.xlsx: il file è danneggiato o non è un foglio di calcolo (archivio non valido)", false},
		{importer.FileError{Path: "/x/a.xlsx", Err: fmt.Errorf("foglio \"A\": %w", errors.New("unexpected EOF"))}, "/x/a.xlsx: il file è troncato o danneggiato", false},
		{importer.FileError{Path: "/x/a.xlsx", Err: &grid.CorruptError{Sheet: "Dati", Row: 51, Detail: "xl/worksheets/sheet1.xml: invalid UTF-8"}},
			`/x/a.xlsx: il file è danneggiato o incompleto (foglio "Dati", riga 51): riaprirlo con il programma che l'ha creato e salvarlo di nuovo, o farselo inviare di nuovo`, false},
		{importer.FileError{Path: "/x/a.csv", Err: fmt.Errorf("wrapped: %w", &grid.CorruptError{Row: 7, Detail: "NUL byte"})},
			`/x/a.csv: il file è danneggiato o incompleto (riga 7): riaprirlo con il programma che l'ha creato e salvarlo di nuovo, o farselo inviare di nuovo`, false},
		{importer.FileError{Path: "/x/a.xls", Err: &grid.CorruptError{Detail: "OLE"}},
			`/x/a.xls: il file è danneggiato o incompleto: riaprirlo con il programma che l'ha creato e salvarlo di nuovo, o farselo inviare di nuovo`, false},
		{importer.FileError{Path: "/x/a.ods", Err: &grid.LimitError{Sheet: "S", Row: 3, Budget: grid.BudgetRows, What: "rows", Limit: 9}},
			`/x/a.ods: il file si espande oltre i limiti accettati (troppe righe per la dimensione del file, foglio "S", riga 3): probabilmente è danneggiato o costruito ad arte`, false},
		{importer.FileError{Path: "/x/a.xlsx", Err: &grid.LimitError{Budget: grid.BudgetBytes, What: "bytes", Limit: 9}},
			`/x/a.xlsx: il file si espande oltre i limiti accettati (troppi dati una volta decompresso): probabilmente è danneggiato o costruito ad arte`, false},
		{importer.FileError{Path: "/x/a.csv", Err: &grid.LimitError{Row: 2, Budget: grid.BudgetRowBytes, What: "bytes of one row", Limit: 4 << 20}},
			`/x/a.csv: la riga 2 supera 4.194.304 byte: probabilmente un campo ha le virgolette aperte e mai chiuse`, false},
		{notExist, "/x/a.csv: file o cartella inesistente", false},
		{fmt.Errorf("x: %w", fs.ErrNotExist), "file o cartella inesistente", false},
		{fmt.Errorf("x: %w", fs.ErrPermission), "permesso negato", false},
		{fmt.Errorf("x: %w", os.ErrExist), "esiste già", false},
		{&pipeline.NoFilesError{Op: pipeline.OpRun, Inputs: []string{"a", "b"}}, "nessun file da leggere in a, b", false},
		{&pipeline.NoFilesError{Op: pipeline.OpImport, Inputs: []string{"a"}}, "nessun file da importare in a", false},
		{&pipeline.ListError{List: pipeline.ComuniList, Path: "/x/a.csv", Err: notExist}, "elenco dei comuni /x/a.csv: /x/a.csv: file o cartella inesistente", false},
		{&pipeline.ListError{List: pipeline.MembersList, Path: "m.txt", Err: errors.New("vuoto")}, "elenco dei membri m.txt: vuoto", false},
		{&pipeline.ConservationError{Result: &funding.Result{}}, "conservazione non rispettata: righe o importi persi o contati due volte; nessun prospetto scritto", false},
		{&pipeline.RejectedError{Rows: 2}, "modalità --strict: 2 righe scartate (vedere il foglio Anomalie)", false},
		{&pipeline.NotImportedError{Files: make([]importer.FileError, 3)}, "3 file non importati (vedere l'elenco sopra)", false},
		{&pipeline.EmptyStoreError{Ledger: "r.db"}, "il registro r.db è vuoto: importare prima i file (consolida import, o la cartella inbox con consolida run --config)", false},
		{&pipeline.NoStoreError{Ledger: "r.db"}, "registro r.db inesistente: indicarlo con --ledger", false},
		{&pipeline.InboxMissingError{Inbox: "/m/inbox", Config: "/m/c.toml"}, "cartella inbox /m/inbox inesistente: crearla (consolida init) o correggere /m/c.toml", false},
		{&ledger.LockedError{Path: "r.db"}, "il registro r.db è in uso da un'altra esecuzione di consolida: attendere che termini e riprovare", false},
		{&ledger.LockedError{Path: "r.db", Holder: &ledger.Holder{PID: 42, Host: "cst-pc", Start: start}},
			"il registro r.db è in uso da un'altra esecuzione di consolida (processo 42 sul computer cst-pc, avviata il 27/11/2026 alle 09:05:07): attendere che termini e riprovare", false},
		{&pipeline.ActionError{Action: pipeline.OpenLedger, Path: "r.db", Err: fmt.Errorf("%w: boh", ledger.ErrNotLedger)}, "il file r.db non è un registro di consolida (non è un database SQLite)", false},
		{&pipeline.ActionError{Action: pipeline.OpenLedger, Path: "r.db", Err: fmt.Errorf("%w: 3", ledger.ErrNewerSchema)}, "il registro r.db è stato scritto da una versione più recente di consolida: aggiornare il programma", false},
		{&pipeline.ActionError{Action: pipeline.OpenLedger, Path: "r.db", Err: errors.New("disk I/O error")}, "registro r.db: disk I/O error", false},
		{&pipeline.ActionError{Action: pipeline.MakeOutputDir, Path: "/u", Err: errors.New("mkdir /u: not a directory")}, "cartella di uscita /u: mkdir /u: not a directory", false},
		{&pipeline.ActionError{Action: pipeline.MakeOutputDir, Path: "/u", Err: denied}, "/x/CST.xlsx: permesso negato", false},
		{&pipeline.ActionError{Action: pipeline.WriteFile, Path: "/u/CST.xlsx", Err: errors.New("no space left on device")}, "scrittura di /u/CST.xlsx: no space left on device", false},
		{&pipeline.ActionError{Action: pipeline.WriteCouncil, Path: "/u/consiglio", Err: errors.New("boh")}, "scrittura dei prospetti in /u/consiglio: boh", false},
		{&pipeline.ActionError{Action: pipeline.MakeLedgerDir, Path: "/r", Err: errors.New("boh")}, "cartella del registro /r: boh", false},
		{&pipeline.ActionError{Action: pipeline.ReadLedger, Path: "r.db", Err: errors.New("boh")}, "lettura del registro r.db: boh", false},
		{&pipeline.ActionError{Action: pipeline.StoreFile, Path: "r.db", Target: "a.csv", Err: errors.New("boh")}, "scrittura nel registro r.db di a.csv: boh", false},
		{&pipeline.ActionError{Action: pipeline.RecordExport, Path: "r.db", Err: errors.New("boh")}, "registrazione del prospetto nel registro r.db: boh", false},
		{&pipeline.ActionError{Action: pipeline.ReadInbox, Path: "/m/inbox", Err: errors.New("boh")}, "cartella inbox /m/inbox: boh", false},
		{&pipeline.ActionError{Action: pipeline.ArchiveFile, Path: "/m/inbox/a.csv", Target: "/m/archivio/2026-11", Err: errors.New("boh")}, "archiviazione di /m/inbox/a.csv in /m/archivio/2026-11: boh", false},
		{&pipeline.ActionError{Action: pipeline.MakeDir, Path: "/m", Err: errors.New("boh")}, "creazione della cartella /m: boh", false},
		{errors.New("qualcosa"), "qualcosa", false},
	} {
		if got := Message(tc.err); got != tc.want {
			t.Errorf("%#v:\n got %q\nwant %q", tc.err, got, tc.want)
		}
		if IsUsage(tc.err) != tc.usage {
			t.Errorf("%#v: IsUsage %v", tc.err, !tc.usage)
		}
		if tc.err.Error() == "" {
			t.Errorf("%#v: empty Error()", tc.err)
		}
	}
	if got := Message(context.Canceled); got != "context canceled" {
		t.Errorf("canceled: %q", got)
	}
	if got := UnknownCommand("rn"); got != `comando sconosciuto "rn"; i comandi sono: run, check, import, export, init, storico` {
		t.Errorf("unknown command: %q", got)
	}
}
