package cli

import (
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"consolida/internal/version"
	"consolida/ui"
)

// The help in Italian: urfave/cli's templates with Italian headings, the
// placeholders of the options named (`CARTELLA`, `AAAA-MM`... in the
// usage of each option), "(predefinito: ...)" for "(default: ...)", and a
// section of worked examples for the program and for each command (the
// Description of a command holds its examples).
const (
	appHelp = `NOME:
   {{template "helpNameTemplate" .}}

USO:
   {{wrap .UsageText 3}}{{if .VisibleCommands}}

COMANDI:{{template "visibleCommandCategoryTemplate" .}}{{end}}{{if .VisibleFlags}}

OPZIONI:{{template "visibleFlagTemplate" .}}{{end}}{{if .Description}}

ESEMPI:
   {{template "descriptionTemplate" .}}{{end}}

Per l'aiuto su un comando: consolida aiuto COMANDO (ad es. consolida aiuto run)
`
	commandHelp = `NOME:
   {{template "helpNameTemplate" .}}

USO:
   {{template "usageTemplate" .}}{{if .VisibleFlags}}

OPZIONI:{{template "visibleFlagTemplate" .}}{{end}}{{if .Description}}

ESEMPI:
   {{template "descriptionTemplate" .}}{{end}}
`
)

const appExamples = `consolida run ricevuti --out uscita --mese 2026-11 --provincia LC
   legge i file della cartella "ricevuti" e scrive i prospetti in "uscita"
consolida check ricevuti
   mostra come viene letto ogni file, senza scrivere nulla
consolida init C:\CST\pnrr
   prepara la cartella del lavoro mensile (inbox, archivio, uscita, registro)
consolida run --config C:\CST\pnrr\consolida.toml
   il lavoro mensile: legge i file nuovi di inbox e scrive i prospetti
consolida serve
   apre la pagina nel browser, per chi non usa il terminale`

var setHelp sync.Once

// italianHelp sets urfave/cli's help (package variables) in Italian.
func italianHelp() {
	setHelp.Do(func() {
		cli.AppHelpTemplate = appHelp
		cli.CommandHelpTemplate = commandHelp
		cli.SubcommandHelpTemplate = commandHelp
		cli.HelpFlag = &cli.BoolFlag{Name: "aiuto", Aliases: []string{"h", "help"}, Usage: "mostra l'aiuto"}
		cli.VersionFlag = &cli.BoolFlag{Name: "versione", Aliases: []string{"version"}, Usage: "mostra la versione del programma"}
		cli.VersionPrinter = func(c *cli.Context) { ui.WriteVersion(c.App.Writer, version.Get()) }
		orig := cli.FlagStringer
		cli.FlagStringer = func(f cli.Flag) string {
			s := orig(f)
			s = strings.Replace(s, "(default: ", "(predefinito: ", 1)
			// an option without a named placeholder
			return strings.ReplaceAll(s, " value", " VALORE")
		}
	})
}
