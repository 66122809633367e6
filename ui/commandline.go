package ui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/agnivade/levenshtein"

	"consolida/pipeline"
)

// CommandLineError is a command line that the commands refuse before any
// use case runs (exit status 2).
type CommandLineError struct {
	Problem CommandLineProblem
	Args    []string // the arguments refused
	Err     error    // FlagProblem: the parser's error
	// Known are the options of the command (FlagProblem) or the commands
	// (UnknownCommand), to suggest the one meant.
	Known []string
	// IsPath: the unknown command is a file or folder that exists (the
	// command was forgotten: "consolida ricevuti --out uscita").
	IsPath bool
}

// CommandLineProblem is what is wrong in a CommandLineError.
type CommandLineProblem uint8

// The problems of a CommandLineError.
const (
	FlagProblem      CommandLineProblem = iota + 1 // unknown option, missing or invalid value (the parser's words)
	ExportWithFiles                                // export reads the ledger, not files
	MonthlyWithFiles                               // run --config reads the inbox, not files
	InitFolder                                     // init wants exactly one folder
	UnknownCommand                                 // Args[0] is no command
	MissingValue                                   // Args[0], an option that needs a value, is last or followed by another option
	BoolWithValue                                  // Args: a yes/no option followed by a separate true or false
	UnexpectedArgs                                 // Args: arguments a command does not take
)

func (e *CommandLineError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("command line problem %d: %s", e.Problem, strings.Join(e.Args, " "))
}

func (e *CommandLineError) Unwrap() error { return e.Err }

// commands are the commands the help lists.
const commands = "run, check, import, export, init, storico, serve, versione, aiuto"

// valueExamples show a value for each option, in the message of an option
// given without one.
var valueExamples = map[string]string{
	"out": "uscita", "o": "uscita", "mese": "2026-11", "provincia": "LC", "membri": "membri.csv",
	"comuni": "Elenco-comuni-italiani.csv", "config": "consolida.toml", "registro": "consolida.db", "ledger": "consolida.db",
	"intestazione": `"CST Brianza"`, "firma": `"Il Segretario comunale"`, "anomalie": "50",
}

func usage(err error) (string, bool) {
	var c *CommandLineError
	if errors.As(err, &c) {
		return commandLineMessage(c), true
	}
	var u *pipeline.UsageError
	if !errors.As(err, &u) {
		return "", false
	}
	cfg := "file di configurazione " + u.Path
	key := ""
	if len(u.Keys) > 0 {
		key = u.Keys[0]
	}
	switch u.Problem {
	case pipeline.BadMonth:
		return fmt.Sprintf("--mese %q non valido: scrivere anno e mese come 2026-11", u.Value), true
	case pipeline.EmptyProvince:
		return "--provincia vuota", true
	case pipeline.LedgerWithoutConfig:
		return "--registro si usa con --config (lavoro mensile) o con i comandi import, export e storico; run sui file non usa il registro", true
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
		return fmt.Sprintf("%s, riga %d: %s", cfg, u.Line, syntaxMessage(u.Syntax, key)), true
	case pipeline.ConfigBackslash:
		fixed := strings.ReplaceAll(strings.Trim(u.Value, `"`), "'", "")
		return fmt.Sprintf("%s, riga %d: il percorso %s è scritto tra virgolette doppie, dove \\ introduce un carattere speciale "+
			"(\\t diventa una tabulazione, \\n un a capo): scriverlo tra apici singoli, %s = '%s'", cfg, u.Line, u.Value, orKey(key), fixed), true
	case pipeline.ConfigProvinceList:
		return fmt.Sprintf("%s, riga %d: atteso un elenco di sigle tra virgolette, ad es. [\"LC\", \"CO\"]", cfg, u.Line), true
	case pipeline.ConfigInvalid:
		switch {
		case key != "" && (u.Value == "bool" || u.Value == "boolean"):
			return fmt.Sprintf("%s, riga %d: %s vuole true (sì) o false (no), senza virgolette", cfg, u.Line, key), true
		case key != "" && u.Value == "string":
			return fmt.Sprintf("%s, riga %d: %s vuole un testo tra apici, ad es. %s = 'testo'", cfg, u.Line, key, key), true
		case key != "":
			return fmt.Sprintf("%s, riga %d: valore di %s non valido", cfg, u.Line, key), true
		}
		return cfg + ": valore non valido (" + u.Detail + ")", true
	case pipeline.ProvinceNotFound:
		return provinceNotFound(u), true
	case pipeline.ConfigUnknownKeys:
		return fmt.Sprintf("%s: chiave sconosciuta %s (le chiavi sono %s)", cfg, strings.Join(u.Keys, ", "),
			strings.Join(pipeline.ConfigKeys, ", ")), true
	}
	return u.Error(), true
}

func orKey(k string) string {
	if k == "" {
		return "chiave"
	}
	return k
}

// syntaxMessage says what is wrong on a line of the configuration.
func syntaxMessage(p pipeline.SyntaxProblem, key string) string {
	switch p {
	case pipeline.SyntaxUnclosedString:
		return "virgolette non chiuse: un testo va tra apici sulla stessa riga, ad es. uscita = 'uscita'"
	case pipeline.SyntaxMissingValue:
		return "manca il valore dopo = o non è tra apici: i testi vanno tra apici (uscita = 'uscita'), sì e no si scrivono true e false"
	case pipeline.SyntaxMissingEquals:
		return "manca il segno = tra il nome e il valore (ad es. uscita = 'uscita')"
	case pipeline.SyntaxDuplicateKey:
		if key != "" {
			return key + " è scritto due volte: lasciarne uno"
		}
		return "un nome è scritto due volte: lasciarne uno"
	case pipeline.SyntaxUnclosedList:
		return "elenco non chiuso: le voci vanno tra parentesi quadre e separate da virgole, ad es. provincia = ['LC', 'CO']"
	case pipeline.SyntaxBlankKey:
		return "manca il nome prima del segno ="
	case pipeline.SyntaxTrailing:
		return "testo in più dopo il valore (un commento deve iniziare con #)"
	case pipeline.SyntaxBadEscape:
		return "una \\ tra virgolette doppie: scrivere i percorsi tra apici singoli, ad es. comuni = 'C:\\dati\\comuni.csv'"
	}
	return "errore di scrittura: controllare apici, parentesi e il segno = (le righe di commento iniziano con #)"
}

// commandLineMessage says what is wrong in a command line and how to
// write it.
func commandLineMessage(c *CommandLineError) string {
	arg := func(i int) string {
		if i < len(c.Args) {
			return c.Args[i]
		}
		return ""
	}
	switch c.Problem {
	case FlagProblem:
		return translateFlagError(c.Err, c.Known)
	case ExportWithFiles:
		return fmt.Sprintf("export legge dal registro: non indicare file (%s); per aggiungerli usare consolida import", strings.Join(c.Args, " "))
	case MonthlyWithFiles:
		return fmt.Sprintf("con --config i file da leggere sono quelli della cartella inbox: non indicare file o cartelle (%s)", strings.Join(c.Args, " "))
	case InitFolder:
		return "indicare una cartella (ad es. consolida init . oppure consolida init C:\\CST\\pnrr)"
	case UnknownCommand:
		if c.IsPath {
			return fmt.Sprintf("%q non è un comando: per leggere file o cartelle scrivere consolida run %s --out CARTELLA; i comandi sono: %s",
				arg(0), arg(0), commands)
		}
		msg := fmt.Sprintf("comando sconosciuto %q", arg(0))
		if s := closest(arg(0), c.Known); s != "" {
			msg += " (forse " + s + "?)"
		}
		return msg + "; i comandi sono: " + commands
	case MissingValue:
		name := strings.TrimLeft(arg(0), "-")
		msg := "l'opzione --" + name + " richiede un valore"
		if ex := valueExamples[name]; ex != "" {
			msg += " (ad es. --" + name + " " + ex + ")"
		}
		return msg
	case BoolWithValue:
		name := strings.TrimLeft(arg(0), "-")
		return fmt.Sprintf("scrivere --%s=%s, con il segno = (%s %s leggerebbe %q come un file)", name, strings.ToLower(arg(1)), arg(0), arg(1), arg(1))
	case UnexpectedArgs:
		if c.Err != nil { // the command says why it takes none
			return c.Err.Error()
		}
		return "argomenti non previsti: " + strings.Join(c.Args, " ")
	}
	return c.Error()
}

var (
	reUnknownFlag = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	reNeedsArg    = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	reBadValue    = regexp.MustCompile(`^invalid (boolean )?value "(.*)" for (?:flag )?-+([^:]+)`)
)

// translateFlagError translates the command-line parser's errors.
func translateFlagError(err error, known []string) string {
	msg := err.Error()
	if m := reUnknownFlag.FindStringSubmatch(msg); m != nil {
		out := "opzione sconosciuta --" + m[1]
		if s := closest(m[1], known); s != "" {
			out += " (forse --" + s + "?)"
		}
		return out
	}
	if m := reNeedsArg.FindStringSubmatch(msg); m != nil {
		return commandLineMessage(&CommandLineError{Problem: MissingValue, Args: []string{"--" + m[1]}})
	}
	if m := reBadValue.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			return fmt.Sprintf("valore non valido per --%s: %q (scrivere --%s=true oppure --%s=false)", m[3], m[2], m[3], m[3])
		}
		return fmt.Sprintf("valore non valido per --%s: %q (serve un numero)", m[3], m[2])
	}
	return "opzioni non valide (" + msg + ")"
}

// closest is the name among known nearest to s, if near enough to be the
// one meant ("rn" -> "run", "provinica" -> "provincia").
func closest(s string, known []string) string {
	s = strings.ToLower(s)
	limit := max(1, len(s)/3)
	best, bestD := "", limit+1
	for _, k := range known {
		if d := levenshtein.ComputeDistance(s, k); len(k) > 1 && d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// Interrupted is the message of a run stopped by the user (Ctrl-C)
// before the outputs were touched.
const Interrupted = "interrotto; i prospetti precedenti sono rimasti intatti"

// InterruptedTooLate is said when the interrupt came while the new
// outputs were being put in place: that is never interrupted, and the
// work was completed.
const InterruptedTooLate = "interruzione ricevuta mentre i nuovi prospetti venivano messi al loro posto: il lavoro è stato completato"
