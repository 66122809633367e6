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
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
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
	var ae *pipeline.ActionError
	if errors.As(err, &ae) {
		return actionMessage(ae)
	}
	return detail(err, "")
}

// detail describes an error of the system or of a library in Italian:
// "<path>: <what>", without the path when it is known (said before).
func detail(err error, known string) string {
	what, ok := systemWhat(err)
	if !ok {
		return libraryWhat(err)
	}
	if p := errPath(err); p != "" && p != known {
		return p + ": " + what
	}
	return what
}

// errPath is the file an error of the system names.
func errPath(err error) string {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Path
	case errors.As(err, &le):
		return le.Old
	}
	return ""
}

// systemWhat names an error of the operating system.
func systemWhat(err error) (string, bool) {
	switch {
	case inUse(err):
		return "aperto in un altro programma (Excel?): chiuderlo e rieseguire", true
	case diskFull(err):
		return "disco pieno: liberare spazio e rieseguire", true
	case errors.Is(err, fs.ErrNotExist):
		return "file o cartella inesistente", true
	case errors.Is(err, fs.ErrPermission):
		return "permesso negato", true
	case errors.Is(err, os.ErrExist):
		return "esiste già", true
	case invalidName(err):
		return "nome di file o cartella non valido (non sono ammessi i caratteri \\ / : * ? \" < > |)", true
	case errors.Is(err, syscall.ENAMETOOLONG):
		return "nome di file o percorso troppo lungo", true
	case errors.Is(err, syscall.ENOTDIR):
		return "una parte del percorso è un file, non una cartella", true
	case errors.Is(err, syscall.EISDIR):
		return "è una cartella, non un file", true
	case errors.Is(err, syscall.EROFS):
		return "il disco è di sola lettura", true
	case errors.Is(err, syscall.ENOTEMPTY):
		return "la cartella non è vuota", true
	case errors.Is(err, syscall.EIO):
		return "errore di lettura o scrittura del disco", true
	}
	return "", false
}

// libraryWhat describes the errors of the libraries (zip, SQLite...),
// which speak English; an error nobody foresaw keeps its words after an
// Italian lead, for whoever gives support.
func libraryWhat(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "zip: not a valid zip file"):
		return "il file è danneggiato o non è un foglio di calcolo (archivio non valido)"
	case strings.Contains(msg, "zip: "):
		return "il file è danneggiato (archivio compresso non valido)"
	case strings.Contains(msg, "unexpected EOF"):
		return "il file è troncato o danneggiato"
	case strings.Contains(msg, "database disk image is malformed"), strings.Contains(msg, "SQLITE_CORRUPT"):
		return "il registro è danneggiato: ripristinare la copia di sicurezza"
	case strings.Contains(msg, "database or disk is full"), strings.Contains(msg, "SQLITE_FULL"):
		return "disco pieno: liberare spazio e rieseguire"
	case strings.Contains(msg, "readonly database"):
		return "il registro è di sola lettura"
	case strings.Contains(msg, "unable to open database file"):
		return "impossibile aprire il registro"
	case strings.Contains(msg, "disk I/O error"):
		return "errore di lettura o scrittura del disco"
	case strings.Contains(msg, "context canceled"):
		return Interrupted
	}
	if !englishWords.MatchString(msg) {
		return msg // the packages of consolida speak Italian
	}
	return "errore imprevisto (" + msg + ")"
}

// englishWords are words that Go and its libraries use in their errors
// and Italian does not.
var englishWords = regexp.MustCompile(`\b(?i:the|is|not|no|of|file not|invalid|error|failed|cannot|unable|denied|unexpected|expected|found|such|directory|too|unsupported|permission|open|read|write)\b`)

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
		swap  *pipeline.SwapError
		busy  *pipeline.OutputsBusyError
		keep  *pipeline.OutputsKeptError
		narch *pipeline.NotArchivedError
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
	case errors.As(err, &keep):
		return Cause(keep.Err) + kept, true
	case errors.As(err, &swap):
		return swapMessage(swap), true
	case errors.As(err, &busy):
		return "la cartella di uscita " + busy.Dir + " è in uso da un'altra esecuzione di consolida" + holder(busy.Holder) +
			": attendere che termini e riprovare", true
	case errors.As(err, &narch):
		return notArchivedMessage(narch), true
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
		return fmt.Sprintf("registro %s inesistente: indicarlo con --registro", nost.Ledger), true
	case errors.As(err, &inbox):
		return fmt.Sprintf("cartella inbox %s inesistente: crearla (consolida init) o correggere %s", inbox.Inbox, inbox.Config), true
	case errors.As(err, &lock):
		var h *pipeline.Holder
		if lock.Holder != nil {
			h = &pipeline.Holder{PID: lock.Holder.PID, Host: lock.Holder.Host, Start: lock.Holder.Start}
		}
		return "il registro " + lock.Path + " è in uso da un'altra esecuzione di consolida" + holder(h) +
			": attendere che termini e riprovare", true
	case errors.As(err, &ae) && ae.Action == pipeline.OpenLedger && errors.Is(err, ledger.ErrNotLedger):
		return fmt.Sprintf("il file %s non è un registro di consolida (non è un database SQLite)", ae.Path), true
	case errors.As(err, &ae) && ae.Action == pipeline.OpenLedger && errors.Is(err, ledger.ErrDamaged):
		return fmt.Sprintf("il registro %s è danneggiato (il controllo di integrità non è superato): nulla è stato importato né scritto. "+
			"Sostituirlo con la copia di sicurezza più recente e rieseguire; i file importati dopo quella copia sono in archivio "+
			"e si possono rimettere in inbox", ae.Path), true
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

// kept is said after a failure that left the previous outputs as they
// were.
const kept = "; i prospetti precedenti sono rimasti intatti"

// actionMessage is the message of a step that failed on a file or folder.
func actionMessage(e *pipeline.ActionError) string {
	switch {
	case e.Action == pipeline.KeepCouncil:
		return fmt.Sprintf("i nuovi prospetti sono stati scritti, ma la cartella dei prospetti per i consigli del mese precedente "+
			"non è stata spostata in %s (%s): sarà spostata alla prossima esecuzione", e.Target, detail(e.Err, e.Path))
	case e.Action == pipeline.RecoverOutputs:
		return fmt.Sprintf("la cartella %s, lasciata da un'esecuzione interrotta, è illeggibile (%s): spostarla altrove e rieseguire",
			e.Path, detail(e.Err, e.Path))
	case inUse(e.Err) && (e.Action == pipeline.WriteFile || e.Action == pipeline.WriteCouncil):
		return "il file " + fileOf(e) + " è aperto in un altro programma (Excel?): chiuderlo e rieseguire"
	case inUse(e.Err) && (e.Action == pipeline.OpenLedger || e.Action == pipeline.ReadLedger ||
		e.Action == pipeline.StoreFile || e.Action == pipeline.RecordExport):
		return "il registro " + e.Path + " è aperto in un altro programma: chiuderlo e rieseguire"
	}
	return action(e) + ": " + detail(e.Err, e.Path)
}

// fileOf is the file an ActionError is about: the one the system names,
// else the action's path.
func fileOf(e *pipeline.ActionError) string {
	if p := errPath(e.Err); p != "" {
		return p
	}
	return e.Path
}

// holder describes the process that holds a lock.
func holder(h *pipeline.Holder) string {
	if h == nil {
		return ""
	}
	return fmt.Sprintf(" (processo %d sul computer %s, avviata il %s alle %s)", h.PID, h.Host,
		h.Start.Format("02/01/2006"), h.Start.Format("15:04:05"))
}

// swapMessage tells why the new outputs could not replace the previous
// ones, and in which state the folder is.
func swapMessage(e *pipeline.SwapError) string {
	if !e.RolledBack {
		return fmt.Sprintf("la sostituzione dei prospetti in %s si è interrotta (%s: %s): rieseguire consolida, che la completa",
			e.Dir, e.Path, detail(e.Err, e.Path))
	}
	switch {
	case inUse(e.Err) && filepath.Base(e.Path) == pipeline.CouncilDir:
		return "la cartella " + e.Path + " contiene un file aperto in un altro programma (Excel?): chiuderlo e rieseguire" + kept
	case inUse(e.Err):
		return "il file " + e.Path + " è aperto in un altro programma (Excel?): chiuderlo e rieseguire" + kept
	case errors.Is(e.Err, fs.ErrPermission):
		return "impossibile sostituire " + e.Path + ": permesso negato (è protetto, o aperto in un altro programma): " +
			"chiuderlo o controllarne i permessi e rieseguire" + kept
	}
	return "impossibile sostituire " + e.Path + ": " + detail(e.Err, e.Path) + kept
}

// notArchivedMessage tells which files read stayed in the inbox.
func notArchivedMessage(e *pipeline.NotArchivedError) string {
	if len(e.Files) == 1 {
		f := e.Files[0]
		why := "non è stato spostato in archivio (" + detail(f.Err, f.Path) + ")"
		switch {
		case inUse(f.Err):
			why = "è aperto in un altro programma (Excel?) e non è stato spostato in archivio"
		case errors.Is(f.Err, fs.ErrPermission):
			why = "non è stato spostato in archivio (permesso negato: è protetto, o aperto in un altro programma)"
		}
		return "il file " + f.Path + " " + why + ": è rimasto in " + e.Inbox +
			", già importato; sarà archiviato alla prossima esecuzione (chiuderlo prima)"
	}
	return fmt.Sprintf("%d file letti non sono stati spostati in archivio (vedere l'elenco sopra): sono rimasti in %s, già importati; "+
		"saranno archiviati alla prossima esecuzione (chiuderli prima)", len(e.Files), e.Inbox)
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
	case pipeline.KeepCouncil:
		return "spostamento di " + e.Path + " in " + e.Target
	case pipeline.RecoverOutputs:
		return "cartella " + e.Path
	}
	return e.Path
}

// provinceNotFound names the provinces asked and those in the files.
func provinceNotFound(u *pipeline.UsageError) string {
	asked := make([]string, len(u.Provinces))
	for i, p := range u.Provinces {
		asked[i] = p
		if n := pipeline.ProvinceName(p); n != "" && n != p {
			asked[i] += " (" + n + ")"
		}
	}
	msg := "--provincia " + strings.Join(asked, ", ") + ": nessun comune dei file è di "
	if len(asked) == 1 {
		msg += "questa provincia"
	} else {
		msg += "queste province"
	}
	switch n := len(u.Present); {
	case n == 0:
		return msg + " (nei file non ci sono comuni di cui sia indicata la provincia)"
	case n > 12:
		return msg + "; nei file ci sono " + Count(n) + " province: " + strings.Join(u.Present, ", ")
	}
	present := make([]string, len(u.Present))
	for i, p := range u.Present {
		present[i] = p
		if n := pipeline.ProvinceName(p); n != "" {
			present[i] += " (" + n + ")"
		}
	}
	return msg + "; nei file ci sono: " + strings.Join(present, ", ")
}

// date writes a moment for the user: 12/03/2026 10:04, local time.
func date(t time.Time) string { return t.Local().Format("02/01/2006 15:04") }
