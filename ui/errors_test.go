package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"syscall"
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
		{&pipeline.UsageError{Problem: pipeline.LedgerWithoutConfig}, "--registro si usa con --config (lavoro mensile) o con i comandi import, export e storico; run sui file non usa il registro" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpRun}, "indicare almeno un file o una cartella da leggere" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpCheck}, "indicare almeno un file da controllare" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpImport}, "indicare almeno un file o una cartella da importare" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.MissingOut}, "indicare la cartella di uscita con --out" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigMissing, Path: "c.toml"}, "file di configurazione c.toml inesistente: crearlo con consolida init CARTELLA" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigSyntax, Path: "c.toml", Line: 3, Detail: "boh"},
			"file di configurazione c.toml, riga 3: errore di scrittura: controllare apici, parentesi e il segno = (le righe di commento iniziano con #)" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigSyntax, Path: "c.toml", Line: 3, Syntax: pipeline.SyntaxDuplicateKey, Keys: []string{"inbox"}},
			"file di configurazione c.toml, riga 3: inbox è scritto due volte: lasciarne uno" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigBackslash, Path: "c.toml", Line: 4, Keys: []string{"comuni"}, Value: `"C:\temp\nomi.csv"`},
			`file di configurazione c.toml, riga 4: il percorso "C:\temp\nomi.csv" è scritto tra virgolette doppie, dove \ introduce un carattere speciale (\t diventa una tabulazione, \n un a capo): scriverlo tra apici singoli, comuni = 'C:\temp\nomi.csv'` + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ProvinceNotFound, Provinces: []string{"XX"}, Present: []string{"CO", "LC"}},
			"--provincia XX: nessun comune dei file è di questa provincia; nei file ci sono: CO (Como), LC (Lecco)" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigProvinceList, Path: "c.toml", Line: 2}, `file di configurazione c.toml, riga 2: atteso un elenco di sigle tra virgolette, ad es. ["LC", "CO"]` + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigInvalid, Path: "c.toml", Detail: "toml: boh"}, "file di configurazione c.toml: valore non valido (toml: boh)" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigInvalid, Path: "c.toml", Line: 2, Keys: []string{"consiglio"}, Value: "boolean"},
			"file di configurazione c.toml, riga 2: consiglio vuole true (sì) o false (no), senza virgolette" + hint, true},
		{&pipeline.UsageError{Problem: pipeline.ConfigUnknownKeys, Path: "c.toml", Keys: []string{"x", "y"}},
			"file di configurazione c.toml: chiave sconosciuta x, y (le chiavi sono inbox, archivio, uscita, registro, comuni, membri, provincia, consiglio, csv_excel, intestazione, firma)" + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New("flag provided but not defined: -boh")}, "opzione sconosciuta --boh" + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New("flag provided but not defined: -provinica"), Known: []string{"mese", "provincia"}},
			"opzione sconosciuta --provinica (forse --provincia?)" + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New("flag needs an argument: -mese")}, "l'opzione --mese richiede un valore (ad es. --mese 2026-11)" + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New(`invalid value "x" for flag -anomalie: parse error`)}, `valore non valido per --anomalie: "x" (serve un numero)` + hint, true},
		{&CommandLineError{Problem: FlagProblem, Err: errors.New(`invalid boolean value "forse" for -consiglio: parse error`)},
			`valore non valido per --consiglio: "forse" (scrivere --consiglio=true oppure --consiglio=false)` + hint, true},
		{&CommandLineError{Problem: UnknownCommand, Args: []string{"rn"}, Known: []string{"run", "check", "import", "export", "init", "storico", "versione", "aiuto"}},
			`comando sconosciuto "rn" (forse run?); i comandi sono: run, check, import, export, init, storico, serve, versione, aiuto` + hint, true},
		{&CommandLineError{Problem: UnknownCommand, Args: []string{"ricevuti"}, IsPath: true},
			`"ricevuti" non è un comando: per leggere file o cartelle scrivere consolida run ricevuti --out CARTELLA; i comandi sono: run, check, import, export, init, storico, serve, versione, aiuto` + hint, true},
		{&CommandLineError{Problem: MissingValue, Args: []string{"--out"}}, "l'opzione --out richiede un valore (ad es. --out uscita)" + hint, true},
		{&CommandLineError{Problem: BoolWithValue, Args: []string{"--consiglio", "false"}},
			`scrivere --consiglio=false, con il segno = (--consiglio false leggerebbe "false" come un file)` + hint, true},
		{&CommandLineError{Problem: UnexpectedArgs, Args: []string{"a", "b"}}, "argomenti non previsti: a b" + hint, true},
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
		{&pipeline.NoStoreError{Ledger: "r.db"}, "registro r.db inesistente: indicarlo con --registro", false},
		{&pipeline.InboxMissingError{Inbox: "/m/inbox", Config: "/m/c.toml"}, "cartella inbox /m/inbox inesistente: crearla (consolida init) o correggere /m/c.toml", false},
		{&ledger.LockedError{Path: "r.db"}, "il registro r.db è in uso da un'altra esecuzione di consolida: attendere che termini e riprovare", false},
		{&ledger.LockedError{Path: "r.db", Holder: &ledger.Holder{PID: 42, Host: "cst-pc", Start: start}},
			"il registro r.db è in uso da un'altra esecuzione di consolida (processo 42 sul computer cst-pc, avviata il 27/11/2026 alle 09:05:07): attendere che termini e riprovare", false},
		{&pipeline.ActionError{Action: pipeline.OpenLedger, Path: "r.db", Err: fmt.Errorf("%w: boh", ledger.ErrNotLedger)}, "il file r.db non è un registro di consolida (non è un database SQLite)", false},
		{&pipeline.ActionError{Action: pipeline.OpenLedger, Path: "r.db", Err: fmt.Errorf("%w: 3", ledger.ErrNewerSchema)}, "il registro r.db è stato scritto da una versione più recente di consolida: aggiornare il programma", false},
		{&pipeline.ActionError{Action: pipeline.OpenLedger, Path: "r.db", Err: fmt.Errorf("%w: *** in database main ***", ledger.ErrDamaged)},
			"il registro r.db è danneggiato (il controllo di integrità non è superato): nulla è stato importato né scritto. " +
				"Sostituirlo con la copia di sicurezza più recente e rieseguire; i file importati dopo quella copia sono in archivio e si possono rimettere in inbox", false},
		{&pipeline.ActionError{Action: pipeline.OpenLedger, Path: "r.db", Err: errors.New("disk I/O error")}, "registro r.db: errore di lettura o scrittura del disco", false},
		{&pipeline.ActionError{Action: pipeline.OpenLedger, Path: "r.db", Err: errors.New("database disk image is malformed (11)")},
			"registro r.db: il registro è danneggiato: ripristinare la copia di sicurezza", false},
		{&pipeline.ActionError{Action: pipeline.MakeOutputDir, Path: "/u", Err: denied}, "cartella di uscita /u: /x/CST.xlsx: permesso negato", false},
		{&pipeline.SwapError{Dir: "/u", Path: "/u/CST.xlsx", Err: &os.LinkError{Op: "rename", Old: "/u/CST.xlsx", New: "/u/.x", Err: syscall.EACCES}, RolledBack: true},
			"impossibile sostituire /u/CST.xlsx: permesso negato (è protetto, o aperto in un altro programma): chiuderlo o controllarne i permessi e rieseguire; i prospetti precedenti sono rimasti intatti", false},
		{&pipeline.SwapError{Dir: "/u", Path: "/u/CST.xlsx", Err: syscall.EIO},
			"la sostituzione dei prospetti in /u si è interrotta (/u/CST.xlsx: errore di lettura o scrittura del disco): rieseguire consolida, che la completa", false},
		{&pipeline.OutputsBusyError{Dir: "/u", Holder: &pipeline.Holder{PID: 7, Host: "pc", Start: start}},
			"la cartella di uscita /u è in uso da un'altra esecuzione di consolida (processo 7 sul computer pc, avviata il 27/11/2026 alle 09:05:07): attendere che termini e riprovare", false},
		{&pipeline.NotArchivedError{Inbox: "/m/inbox", Files: []pipeline.ArchiveFailure{{Path: "/m/inbox/a.csv", Err: syscall.EIO}}},
			"il file /m/inbox/a.csv non è stato spostato in archivio (errore di lettura o scrittura del disco): è rimasto in /m/inbox, già importato; sarà archiviato alla prossima esecuzione (chiuderlo prima)", false},
		{&pipeline.NotArchivedError{Inbox: "/m/inbox", Files: make([]pipeline.ArchiveFailure, 2)},
			"2 file letti non sono stati spostati in archivio (vedere l'elenco sopra): sono rimasti in /m/inbox, già importati; saranno archiviati alla prossima esecuzione (chiuderli prima)", false},
		{&pipeline.ActionError{Action: pipeline.KeepCouncil, Path: "/u/.consolida-nuovo-1/.precedenti/consiglio", Target: "/u/consiglio_precedenti/2026-10", Err: syscall.EIO},
			"i nuovi prospetti sono stati scritti, ma la cartella dei prospetti per i consigli del mese precedente non è stata spostata in /u/consiglio_precedenti/2026-10 (errore di lettura o scrittura del disco): sarà spostata alla prossima esecuzione", false},
		{errors.New("open x: no such device"), "errore imprevisto (open x: no such device)", false},
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
	if got := Message(context.Canceled); got != Interrupted {
		t.Errorf("canceled: %q", got)
	}
}

// TestUnixErrors: the errors of Linux for a path under a file and a full
// disk (Windows has its own numbers: TestWindowsErrors).
func TestUnixErrors(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("errori di Linux")
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&pipeline.ActionError{Action: pipeline.MakeOutputDir, Path: "/u", Err: &fs.PathError{Op: "mkdir", Path: "/u", Err: syscall.ENOTDIR}},
			"cartella di uscita /u: una parte del percorso è un file, non una cartella"},
		{&pipeline.ActionError{Action: pipeline.WriteFile, Path: "/u/CST.xlsx", Err: &fs.PathError{Op: "write", Path: "/u/.consolida-1.tmp", Err: syscall.ENOSPC}},
			"scrittura di /u/CST.xlsx: /u/.consolida-1.tmp: disco pieno: liberare spazio e rieseguire"},
		{&pipeline.OutputsKeptError{Dir: "/u", Err: &pipeline.ActionError{Action: pipeline.WriteFile, Path: "/u/CST.xlsx", Err: &fs.PathError{Op: "write", Path: "/u/CST.xlsx", Err: syscall.ENOSPC}}},
			"scrittura di /u/CST.xlsx: disco pieno: liberare spazio e rieseguire; i prospetti precedenti sono rimasti intatti"},
	} {
		if got := Message(tc.err); got != tc.want {
			t.Errorf("%#v:\n got %q\nwant %q", tc.err, got, tc.want)
		}
	}
}

// TestWindowsErrors: the errors Windows gives for a workbook open in
// Excel, a full disk and an invalid name are told apart (by number, so
// the rules run here too); elsewhere those numbers mean something else.
func TestWindowsErrors(t *testing.T) {
	rename := func(n syscall.Errno) error {
		return &os.LinkError{Op: "rename", Old: `C:\u\CST_2026-11.xlsx`, New: `C:\u\.x`, Err: n}
	}
	for _, tc := range []struct {
		err                  error
		inUse, full, badName bool
	}{
		{rename(32), true, false, false}, // ERROR_SHARING_VIOLATION
		{rename(33), true, false, false}, // ERROR_LOCK_VIOLATION
		{rename(5), true, false, false},  // ERROR_ACCESS_DENIED
		{rename(112), false, true, false},
		{rename(39), false, true, false},
		{rename(123), false, false, true}, // "CreateFile ...: The filename, directory name, or volume label syntax is incorrect."
		{rename(2), false, false, false},
	} {
		if got := inUseOn("windows", tc.err); got != tc.inUse {
			t.Errorf("%v: in use %v", tc.err, got)
		}
		if got := diskFullOn("windows", tc.err); got != tc.full {
			t.Errorf("%v: disk full %v", tc.err, got)
		}
		if got := invalidNameOn("windows", tc.err); got != tc.badName {
			t.Errorf("%v: invalid name %v", tc.err, got)
		}
		if inUseOn("linux", tc.err) {
			t.Errorf("%v: a Windows number read on Linux", tc.err)
		}
	}
}
