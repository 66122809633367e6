package web

import (
	"errors"
	"fmt"
	"io"

	"consolida/pipeline"
	"consolida/ui"
)

// The Italian of the server itself; the errors of the use cases are said
// by ui.Message, in the same words as on the command line.
const (
	msgBusy          = "elaborazione già in corso: attendere che termini"
	msgBusyFiles     = "elaborazione in corso: attendere che termini prima di aggiungere o togliere file"
	msgNoFiles       = "nessun file da elaborare: trascinare prima qui i file ricevuti"
	msgEmptyLedger   = "il registro è vuoto: trascinare prima qui i file ricevuti"
	msgNoLedgerYet   = "nessun prospetto ancora prodotto: il registro sarà creato alla prima elaborazione"
	msgNoHistory     = "lo storico è tenuto dal lavoro mensile: avviare consolida con una configurazione (consolida init, poi consolida serve --config consolida.toml)"
	msgNoRun         = "nessuna elaborazione ancora eseguita"
	msgNoSuchFile    = "file non trovato: ricaricare la pagina"
	msgUploadBroken  = "invio dei file non riuscito: riprovare"
	msgNotAccepted   = "formato non accettato: sono accettati CSV, Excel (.xlsx, .xls) e LibreOffice (.ods)"
	msgOfficeLock    = "file temporaneo di Office (il file è aperto in Excel): non contiene dati"
	msgBadName       = "nome del file non valido"
	msgAlreadyThere  = "già presente, con lo stesso contenuto"
	msgCrossOrigin   = "richiesta rifiutata: non proviene dalla pagina di consolida"
	msgNoKey         = "pagina riservata: aprirla dall'indirizzo completo (con la chiave) che consolida ha scritto nella sua finestra"
	msgBadToken      = "richiesta rifiutata: la pagina non è più valida (consolida è stato riavviato?): ricaricarla"
	msgInterrupted   = "elaborazione interrotta alla chiusura di consolida; " + ui.Interrupted
	msgRunFailed     = "elaborazione non riuscita"
	msgNothingToZip  = "nessun prospetto per i consigli comunali in questa elaborazione"
	msgNotFoundPage  = "pagina inesistente"
	msgMethod        = "operazione non consentita"
	msgServerProblem = "errore interno: "
)

func msgWrongHost(host, want string) string {
	return fmt.Sprintf("richiesta rifiutata: l'indirizzo %q non è quello della pagina di consolida (aprire %s)", host, want)
}

func msgFileTooBig(name string, limit int64) string {
	return fmt.Sprintf("%s: il file supera il limite di %s per file; nessun file è stato salvato", name, size(limit))
}

func msgTooManyFiles(limit int) string {
	return fmt.Sprintf("troppi file in un solo invio (al massimo %d); nessun file è stato salvato: inviarli in più volte", limit)
}

func msgUploadTooBig(limit int64) string {
	return fmt.Sprintf("i file inviati insieme superano il limite di %s; nessun file è stato salvato: inviarli in più volte", size(limit))
}

// size writes a number of bytes for a person: 200 MB, 1 GB, 12 KB.
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%s MB", ui.Count(int(n>>20)))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d byte", n)
}

// Message is the Italian message of an error of the server or of a use
// case it ran, for the page and for the command line that started it.
func Message(err error) string {
	var le *ListenError
	var empty *pipeline.EmptyStoreError
	switch {
	case errors.As(err, &le) && errors.Is(err, ErrNotLoopback):
		return fmt.Sprintf("indirizzo %s non consentito: la pagina di consolida è raggiungibile solo da questo computer (127.0.0.1)", le.Addr)
	case errors.As(err, &le) && addrInUse(err):
		return fmt.Sprintf("l'indirizzo %s è già in uso (un'altra consolida aperta?): indicare un'altra porta con --porta, o ometterla per una porta libera", le.Addr)
	case errors.As(err, &le):
		return fmt.Sprintf("impossibile aprire la pagina su %s: %s", le.Addr, ui.Cause(le.Err))
	case errors.As(err, &empty):
		return msgEmptyLedger
	}
	return ui.Message(err)
}

// WriteServing tells, on the terminal that started it, where the page is
// and where its files go.
func WriteServing(w io.Writer, s *Server, url string) {
	fmt.Fprintf(w, "Pagina di consolida: %s\n", url)
	if s.Monthly() {
		fmt.Fprintf(w, "  lavoro mensile (%s): i file trascinati vanno in %s, i prospetti in %s\n", s.opt.Config, s.inbox, s.out)
	} else {
		fmt.Fprintf(w, "  i file trascinati vanno in %s (cancellata alla chiusura), i prospetti in %s\n", s.inbox, s.out)
	}
	fmt.Fprintln(w, "Per terminare: Ctrl-C, oppure chiudere questa finestra.")
}

// msgNoBrowser: the default browser could not be opened.
func MsgNoBrowser(url string) string {
	return "browser non aperto: aprire a mano l'indirizzo " + url
}
