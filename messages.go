package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"consolida/importer"
)

// messaggio turns an error into the one-line Italian message the user
// reads. It is the only place where errors become Italian text for the
// terminal; the packages' anomaly reasons are already Italian.
func messaggio(err error) string {
	var u usageError
	if errors.As(err, &u) {
		return u.msg + " (vedere: consolida COMANDO --aiuto)"
	}
	var fe importer.FileError
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s: %s", fe.Path, causa(fe.Err))
	}
	return causa(err)
}

// causa describes the root cause of an error in Italian.
func causa(err error) string {
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

// traduciUso translates urfave/cli usage errors.
func traduciUso(err error) string {
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
