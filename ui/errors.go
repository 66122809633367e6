// Package ui is the Italian face of consolida, shared by the command line
// and the web page: the messages of the errors, the progress of a run
// (a bar on a terminal, plain lines in a log), the summaries of the use
// cases, the check report and the history tables. It renders what
// package pipeline returns: typed results, events and errors.
package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"consolida/funding"
	"consolida/importer"
	"consolida/importer/grid"
	"consolida/ledger"
	"consolida/pipeline"
)

// Message is the one-line Italian message of an error (the command line
// prints it after "consolida: "). It is the only place where errors
// become Italian text; the anomaly reasons of the packages are already
// Italian.
func Message(err error) string {
	if s, ok := usage(err); ok {
		return s + " (vedere: consolida COMANDO --aiuto)"
	}
	var fe importer.FileError
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s: %s", fe.Path, Cause(fe.Err))
	}
	return Cause(err)
}

// IsUsage tells whether err is a wrong command line or wrong options
// (the command line's exit status 2).
func IsUsage(err error) bool {
	_, ok := usage(err)
	return ok
}

// Cause describes an error in Italian, without the file it concerns when
// that is said elsewhere.
func Cause(err error) string {
	if s, ok := own(err); ok {
		return s
	}
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if errors.As(err, &pe) {
			return fmt.Sprintf("%s: file o cartella inesistente", pe.Path)
		}
		return "file o cartella inesistente"
	case errors.Is(err, fs.ErrPermission):
		if errors.As(err, &pe) {
			return fmt.Sprintf("%s: permesso negato", pe.Path)
		}
		return "permesso negato"
	case errors.Is(err, os.ErrExist):
		return "esiste già"
	}
	msg := err.Error()
	var ae *pipeline.ActionError
	if errors.As(err, &ae) {
		msg = action(ae) + ": " + fmt.Sprint(ae.Err)
	}
	// excelize and the standard library speak English: keep their words
	// as a detail after an Italian lead
	if strings.Contains(msg, "zip: not a valid zip file") {
		return "il file è danneggiato o non è un foglio di calcolo (archivio non valido)"
	}
	if strings.Contains(msg, "unexpected EOF") {
		return "il file è troncato o danneggiato"
	}
	return msg
}

// own renders the errors that carry their whole meaning.
func own(err error) (string, bool) {
	var (
		list  *pipeline.ListError
		cons  *pipeline.ConservationError
		rej   *pipeline.RejectedError
		none  *pipeline.NoFilesError
		notim *pipeline.NotImportedError
		empty *pipeline.EmptyStoreError
		nost  *pipeline.NoStoreError
		inbox *pipeline.InboxMissingError
		lock  *ledger.LockedError
		ae    *pipeline.ActionError
	)
	var (
		corrupt *grid.CorruptError
		limit   *grid.LimitError
	)
	switch {
	case errors.As(err, &corrupt):
		lead, advice, _ := strings.Cut(grid.ErrCorrupt.Error(), ": ")
		if w := where(corrupt.Sheet, corrupt.Row); w != "" {
			lead += " (" + w + ")"
		}
		return lead + ": " + advice, true
	case errors.As(err, &limit):
		return limitMessage(limit), true
	case errors.As(err, &list):
		what := "comuni"
		if list.List == pipeline.MembersList {
			what = "membri"
		}
		return fmt.Sprintf("elenco dei %s %s: %s", what, list.Path, Cause(list.Err)), true
	case errors.As(err, &cons):
		if cons.Result != nil && cons.Result.Conservation.Overflow {
			return "conservazione non rispettata: " + funding.ErrSumOverflow.Error() + "; nessun prospetto scritto", true
		}
		return "conservazione non rispettata: righe o importi persi o contati due volte; nessun prospetto scritto", true
	case errors.As(err, &rej):
		return fmt.Sprintf("modalità --strict: %d righe scartate (vedere il foglio Anomalie)", rej.Rows), true
	case errors.As(err, &none):
		verb := "leggere"
		if none.Op == pipeline.OpImport {
			verb = "importare"
		}
		return fmt.Sprintf("nessun file da %s in %s", verb, strings.Join(none.Inputs, ", ")), true
	case errors.As(err, &notim):
		return fmt.Sprintf("%d file non importati (vedere l'elenco sopra)", len(notim.Files)), true
	case errors.As(err, &empty):
		return fmt.Sprintf("il registro %s è vuoto: importare prima i file (consolida import, o la cartella inbox con consolida run --config)", empty.Ledger), true
	case errors.As(err, &nost):
		return fmt.Sprintf("registro %s inesistente: indicarlo con --ledger", nost.Ledger), true
	case errors.As(err, &inbox):
		return fmt.Sprintf("cartella inbox %s inesistente: crearla (consolida init) o correggere %s", inbox.Inbox, inbox.Config), true
	case errors.As(err, &lock):
		msg := "il registro " + lock.Path + " è in uso da un'altra esecuzione di consolida"
		if h := lock.Holder; h != nil {
			msg += fmt.Sprintf(" (processo %d sul computer %s, avviata il %s alle %s)", h.PID, h.Host,
				h.Start.Format("02/01/2006"), h.Start.Format("15:04:05"))
		}
		return msg + ": attendere che termini e riprovare", true
	case errors.As(err, &ae) && ae.Action == pipeline.OpenLedger && errors.Is(err, ledger.ErrNotLedger):
		return fmt.Sprintf("il file %s non è un registro di consolida (non è un database SQLite)", ae.Path), true
	case errors.As(err, &ae) && ae.Action == pipeline.OpenLedger && errors.Is(err, ledger.ErrNewerSchema):
		return fmt.Sprintf("il registro %s è stato scritto da una versione più recente di consolida: aggiornare il programma", ae.Path), true
	}
	return "", false
}

// where names a sheet and a row: «foglio "Dati", riga 51»; a CSV has no
// sheet, an unknown row is 0.
func where(sheet string, row int) string {
	var parts []string
	if sheet != "" {
		parts = append(parts, fmt.Sprintf("foglio %q", sheet))
	}
	if row > 0 {
		parts = append(parts, fmt.Sprintf("riga %d", row))
	}
	return strings.Join(parts, ", ")
}

// limitMessage says which budget a file exceeded, and where.
func limitMessage(e *grid.LimitError) string {
	lead, advice, _ := strings.Cut(grid.ErrTooBig.Error(), " (")
	_, advice, _ = strings.Cut(advice, ": ")
	what := "troppi dati una volta decompresso"
	switch e.Budget {
	case grid.BudgetCells:
		what = "troppe celle"
	case grid.BudgetRows:
		what = "troppe righe per la dimensione del file"
	case grid.BudgetText:
		what = "troppo testo per la dimensione del file"
	case grid.BudgetRowBytes:
		if e.Sheet == "" {
			// a CSV line: most likely a quote opened and never closed
			return fmt.Sprintf("la riga %d supera %s byte: probabilmente un campo ha le virgolette aperte e mai chiuse",
				e.Row, Count(int(e.Limit)))
		}
		what = fmt.Sprintf("una riga di oltre %s byte", Count(int(e.Limit)))
	case grid.BudgetStrings:
		what = "troppi testi condivisi"
	case grid.BudgetElements:
		what = "troppi elementi XML"
	case grid.BudgetSheets:
		what = fmt.Sprintf("più di %s fogli", Count(int(e.Limit)))
	}
	if w := where(e.Sheet, e.Row); w != "" {
		what += ", " + w
	}
	return lead + " (" + what + "): " + advice
}

// action is what was being done, for an ActionError.
func action(e *pipeline.ActionError) string {
	switch e.Action {
	case pipeline.MakeOutputDir:
		return "cartella di uscita " + e.Path
	case pipeline.WriteFile:
		return "scrittura di " + e.Path
	case pipeline.WriteCouncil:
		return "scrittura dei prospetti in " + e.Path
	case pipeline.MakeLedgerDir:
		return "cartella del registro " + e.Path
	case pipeline.OpenLedger:
		return "registro " + e.Path
	case pipeline.ReadLedger:
		return "lettura del registro " + e.Path
	case pipeline.StoreFile:
		return "scrittura nel registro " + e.Path + " di " + e.Target
	case pipeline.RecordExport:
		return "registrazione del prospetto nel registro " + e.Path
	case pipeline.ReadInbox:
		return "cartella inbox " + e.Path
	case pipeline.ArchiveFile:
		return "archiviazione di " + e.Path + " in " + e.Target
	case pipeline.MakeDir:
		return "creazione della cartella " + e.Path
	}
	return e.Path
}

// CommandLineError is a command line that the commands refuse before any
// use case runs (exit status 2).
type CommandLineError struct {
	Problem CommandLineProblem
	Args    []string // the arguments refused
	Err     error    // FlagProblem: the parser's error
}

// CommandLineProblem is what is wrong in a CommandLineError.
type CommandLineProblem uint8

// The problems of a CommandLineError.
const (
	FlagProblem      CommandLineProblem = iota + 1 // unknown option, missing or invalid value
	ExportWithFiles                                // export reads the ledger, not files
	MonthlyWithFiles                               // run --config reads the inbox, not files
	InitFolder                                     // init wants exactly one folder
)

func (e *CommandLineError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("command line problem %d: %s", e.Problem, strings.Join(e.Args, " "))
}

func (e *CommandLineError) Unwrap() error { return e.Err }

func usage(err error) (string, bool) {
	var c *CommandLineError
	if errors.As(err, &c) {
		switch c.Problem {
		case FlagProblem:
			return translateFlagError(c.Err), true
		case ExportWithFiles:
			return fmt.Sprintf("export legge dal registro: non indicare file (%s); per aggiungerli usare consolida import", strings.Join(c.Args, " ")), true
		case MonthlyWithFiles:
			return fmt.Sprintf("con --config i file da leggere sono quelli della cartella inbox: non indicare file o cartelle (%s)", strings.Join(c.Args, " ")), true
		case InitFolder:
			return "indicare una cartella (ad es. consolida init . oppure consolida init C:\\CST\\pnrr)", true
		}
		return c.Error(), true
	}
	var u *pipeline.UsageError
	if !errors.As(err, &u) {
		return "", false
	}
	cfg := "file di configurazione " + u.Path
	switch u.Problem {
	case pipeline.BadMonth:
		return fmt.Sprintf("--mese %q non valido: scrivere anno e mese come 2026-11", u.Value), true
	case pipeline.EmptyProvince:
		return "--provincia vuota", true
	case pipeline.LedgerWithoutConfig:
		return "--ledger si usa con --config (lavoro mensile) o con i comandi import ed export; run sui file non usa il registro", true
	case pipeline.MissingInputs:
		switch u.Op {
		case pipeline.OpCheck:
			return "indicare almeno un file da controllare", true
		case pipeline.OpImport:
			return "indicare almeno un file o una cartella da importare", true
		}
		return "indicare almeno un file o una cartella da leggere", true
	case pipeline.MissingOut:
		return "indicare la cartella di uscita con --out", true
	case pipeline.ConfigMissing:
		return cfg + " inesistente: crearlo con consolida init CARTELLA", true
	case pipeline.ConfigSyntax:
		return fmt.Sprintf("%s, riga %d: %s", cfg, u.Line, u.Detail), true
	case pipeline.ConfigProvinceList:
		return fmt.Sprintf("%s, riga %d: atteso un elenco di sigle tra virgolette, ad es. [\"LC\", \"CO\"]", cfg, u.Line), true
	case pipeline.ConfigInvalid:
		return cfg + ": " + u.Detail, true
	case pipeline.ConfigUnknownKeys:
		return fmt.Sprintf("%s: chiave sconosciuta %s (le chiavi sono %s)", cfg, strings.Join(u.Keys, ", "),
			strings.Join(pipeline.ConfigKeys, ", ")), true
	}
	return u.Error(), true
}

// translateFlagError translates the command-line parser's errors.
func translateFlagError(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		return "opzione sconosciuta " + strings.TrimPrefix(msg, "flag provided but not defined: ")
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return "l'opzione " + strings.TrimPrefix(msg, "flag needs an argument: ") + " richiede un valore"
	case strings.Contains(msg, "invalid value"):
		return "valore non valido: " + msg
	}
	return msg
}

// UnknownCommand is the message for a command that does not exist.
func UnknownCommand(name string) string {
	return fmt.Sprintf("comando sconosciuto %q; i comandi sono: run, check, import, export, init, storico", name)
}

// Interrupted is the message of a run stopped by the user (Ctrl-C).
const Interrupted = "interrotto; i prospetti precedenti sono rimasti intatti"

// date writes a moment for the user: 12/03/2026 10:04, local time.
func date(t time.Time) string { return t.Local().Format("02/01/2006 15:04") }
