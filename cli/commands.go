package cli

import (
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"consolida/internal/version"
	"consolida/pipeline"
	"consolida/ui"
)

func quietFlag() cli.Flag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "nessun messaggio di avanzamento"}
}

func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mese", Usage: "mese del prospetto, `AAAA-MM` (predefinito: il mese corrente)"},
		&cli.StringSliceFlag{Name: "provincia", Usage: "riporta solo i comuni della provincia `SIGLA` (o codice ISTAT o nome: LC, 097, Lecco); ripetibile"},
		&cli.StringFlag{Name: "membri", Usage: "riporta solo i comuni elencati nel `FILE` (codici ISTAT o nomi, uno per riga o in una colonna CSV)"},
		&cli.StringFlag{Name: "comuni", Usage: "elenco ISTAT dei comuni (`FILE` Elenco-comuni-italiani.csv) per riconoscere i comuni scritti solo per nome"},
		quietFlag(),
	}
}

// outputFlags are the options of the commands that write the outputs.
func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "`CARTELLA` dove scrivere i prospetti"},
		&cli.BoolFlag{Name: "strict", Usage: "esce con stato 3 se qualche riga è stata scartata"},
		&cli.BoolFlag{Name: "consiglio", Value: true, Usage: "scrive un prospetto per il consiglio di ogni comune (--consiglio=false per non scriverli)"},
		&cli.BoolFlag{Name: "csv-excel", Usage: "scrive anche dettaglio_<mese>_excel.csv, da aprire con Excel in italiano (separatore ';', virgola decimale)"},
		&cli.StringFlag{Name: "intestazione", Usage: "chi emette i prospetti per il consiglio (`TESTO`, ad es. \"CST Brianza\" o \"Comune di Merate\"), stampato in ogni pagina"},
		&cli.StringFlag{Name: "firma", Usage: "il ruolo sotto la riga della firma dei prospetti per il consiglio (`TESTO`; predefinito: Il Responsabile del Servizio Finanziario)"},
	}
}

func ledgerFlag() cli.Flag {
	return &cli.StringFlag{Name: "registro", Aliases: []string{"ledger"}, Usage: "il registro del lavoro mensile (`FILE`; predefinito: " + pipeline.DefaultLedger + " nella cartella corrente)"}
}

func scope(c *cli.Context) pipeline.Scope {
	return pipeline.Scope{Month: c.String("mese"), Provinces: c.StringSlice("provincia"), Members: c.String("membri"), ComuniList: c.String("comuni")}
}

func output(c *cli.Context) pipeline.Output {
	return pipeline.Output{Dir: c.String("out"), Council: c.Bool("consiglio"), Strict: c.Bool("strict"),
		ExcelCSV: c.Bool("csv-excel"), Heading: c.String("intestazione"), Signature: c.String("firma")}
}

// executable is the path of this program, for the monthly command that
// init prints and writes into consolida-mensile.bat; "" when unknown.
func executable() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

func commands(stdout, stderr io.Writer) []*cli.Command {
	return []*cli.Command{runCommand(stdout, stderr), checkCommand(stdout, stderr), importCommand(stdout, stderr),
		exportCommand(stdout, stderr), initCommand(stdout, stderr), historyCommand(stdout, stderr),
		serveCommand(stdout, stderr), versionCommand(stdout), helpCommand()}
}

// runCommand is `consolida run`: it reads files and writes the outputs;
// with --config it is the monthly batch.
func runCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "legge i file e le cartelle indicati e scrive i prospetti consolidati",
		UsageText: "consolida run FILE|CARTELLA... --out CARTELLA [--mese AAAA-MM] [--provincia SIGLA]... [--membri FILE] [--comuni FILE]\n" +
			"              [--consiglio=false] [--csv-excel] [--intestazione TESTO] [--firma TESTO] [--strict]\n" +
			"consolida run --config consolida.toml [--mese AAAA-MM] [altre opzioni]",
		Description: `consolida run ricevuti --out uscita
   legge tutti i file della cartella "ricevuti" e scrive in "uscita" il prospetto del CST
   CST_<mese>.xlsx, il file dettaglio_<mese>.csv e la cartella consiglio con un prospetto per comune
consolida run ricevuti\giugno.xlsx ricevuti\luglio.csv --out uscita --mese 2026-11 --provincia LC
   solo i comuni della provincia di Lecco (anche --provincia Lecco), per il mese di novembre 2026
consolida run ricevuti --out uscita --membri soci.txt --consiglio=false
   solo i comuni elencati in soci.txt, senza i prospetti per i consigli
consolida run ricevuti --out uscita --csv-excel --intestazione "CST Brianza"
   anche il CSV per Excel in italiano; "CST Brianza" in testa ai prospetti per i consigli
consolida run --config C:\CST\pnrr\consolida.toml
   il lavoro mensile (vedere consolida init)`,
		Flags: append(append(commonFlags(), outputFlags()...),
			&cli.StringFlag{Name: "config", Usage: "esegue il lavoro mensile descritto nel `FILE` di configurazione (vedere consolida init)"},
			ledgerFlag(),
		),
		Action: func(c *cli.Context) error {
			p := progress(stderr, c.Bool("quiet"))
			if cfg := c.String("config"); cfg != "" {
				if c.Args().Len() > 0 {
					return &ui.CommandLineError{Problem: ui.MonthlyWithFiles, Args: c.Args().Slice()}
				}
				r, err := pipeline.Monthly(c.Context, pipeline.MonthlyOptions{Config: cfg, Ledger: c.String("registro"),
					Scope: scope(c), Output: output(c), Now: time.Now()}, p)
				if r != nil {
					ui.WriteMonthly(stdout, r)
				}
				return err
			}
			r, err := pipeline.Run(c.Context, pipeline.RunOptions{Inputs: c.Args().Slice(), Scope: scope(c), Output: output(c),
				Ledger: c.String("registro"), Now: time.Now()}, p)
			if r != nil {
				ui.WriteRun(stdout, r)
			}
			return err
		},
	}
}

// checkCommand is `consolida check`: it tells what is understood of each
// file, writing nothing.
func checkCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "mostra come vengono letti i file, senza scrivere nulla",
		UsageText: "consolida check FILE|CARTELLA... [--comuni FILE] [--anomalie N]",
		Description: `consolida check ricevuti\prospetto_ragioneria.xlsx
   per ogni foglio: formato, riga di intestazione, a quale campo va ogni colonna,
   righe lette, valide e scartate, e le prime anomalie con la loro posizione
consolida check ricevuti --anomalie 50
   tutti i file della cartella, con fino a 50 anomalie per file`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "comuni", Usage: "elenco ISTAT dei comuni (`FILE`) per riconoscere i comuni scritti solo per nome"},
			&cli.IntFlag{Name: "anomalie", Value: 10, Usage: "quante anomalie mostrare per file (`N`)"},
		},
		Action: func(c *cli.Context) error {
			r, err := pipeline.Check(c.Context, pipeline.CheckOptions{Inputs: c.Args().Slice(), ComuniList: c.String("comuni")},
				progress(stderr, true))
			if r != nil {
				ui.WriteCheck(stdout, r, c.Int("anomalie"))
			}
			return err
		},
	}
}

// importCommand is `consolida import`: it adds files to the ledger.
func importCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "aggiunge i file al registro (un file già importato viene saltato)",
		UsageText: "consolida import FILE|CARTELLA... [--registro FILE] [--quiet]",
		Description: `consolida import ricevuti --registro C:\CST\pnrr\consolida.db
   aggiunge al registro i file della cartella "ricevuti" (un file già letto viene saltato);
   poi consolida export scrive i prospetti`,
		Flags: []cli.Flag{ledgerFlag(), quietFlag()},
		Action: func(c *cli.Context) error {
			r, err := pipeline.Import(c.Context, pipeline.ImportOptions{Inputs: c.Args().Slice(), Ledger: c.String("registro"),
				Now: time.Now()}, progress(stderr, c.Bool("quiet")))
			if r != nil {
				ui.WriteImport(stdout, r)
			}
			return err
		},
	}
}

// exportCommand is `consolida export`: it writes the outputs from the
// ledger, with the Novità.
func exportCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "scrive i prospetti da tutto ciò che è nel registro, con le novità rispetto al prospetto precedente",
		UsageText: "consolida export --out CARTELLA [--mese AAAA-MM] [--provincia SIGLA]... [--membri FILE] [--comuni FILE]\n" +
			"                 [--registro FILE] [--consiglio=false] [--csv-excel] [--intestazione TESTO] [--firma TESTO]",
		Description: `consolida export --out uscita --registro C:\CST\pnrr\consolida.db --mese 2026-11 --provincia LC
   scrive in "uscita" i prospetti di novembre 2026 per la provincia di Lecco, con il foglio
   Novità (le differenze rispetto al prospetto precedente)`,
		Flags: append(append(commonFlags(), outputFlags()...), ledgerFlag()),
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return &ui.CommandLineError{Problem: ui.ExportWithFiles, Args: c.Args().Slice()}
			}
			r, err := pipeline.Export(c.Context, pipeline.ExportOptions{Ledger: c.String("registro"), Scope: scope(c),
				Output: output(c), Now: time.Now()}, progress(stderr, c.Bool("quiet")))
			if r != nil {
				ui.WriteExport(stdout, r)
			}
			return err
		},
	}
}

// initCommand is `consolida init`: it prepares a folder for the monthly batch.
func initCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "prepara una cartella per il lavoro mensile: consolida.toml di esempio, consolida-mensile.bat e le cartelle inbox, archivio, uscita",
		UsageText: "consolida init CARTELLA",
		Description: `consolida init C:\CST\pnrr
   crea C:\CST\pnrr con consolida.toml (da rivedere), consolida-mensile.bat (doppio clic per il
   lavoro mensile) e le cartelle inbox, archivio e uscita`,
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return &ui.CommandLineError{Problem: ui.InitFolder, Args: c.Args().Slice()}
			}
			r, err := pipeline.Init(c.Context, pipeline.InitOptions{Dir: c.Args().First(), Program: executable()}, progress(stderr, true))
			if r != nil {
				ui.WriteInit(stdout, r)
			}
			return err
		},
	}
}

// historyCommand is `consolida storico`: it lists the exports (and files) of a ledger.
func historyCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "storico",
		Usage:     "elenca i prospetti prodotti dal registro, con conteggi e totali",
		UsageText: "consolida storico [--registro FILE] [--file]",
		Description: `consolida storico --registro C:\CST\pnrr\consolida.db --file
   i prospetti prodotti finora (righe, candidature, comuni, totali, novità) e i file importati`,
		Flags: []cli.Flag{
			ledgerFlag(),
			&cli.BoolFlag{Name: "file", Usage: "elenca anche i file importati"},
		},
		Action: func(c *cli.Context) error {
			r, err := pipeline.History(c.Context, pipeline.HistoryOptions{Ledger: c.String("registro")}, progress(stderr, true))
			if err != nil {
				return err
			}
			return ui.WriteHistory(stdout, r, c.Bool("file"))
		},
	}
}

// versionCommand is `consolida versione` (also --versione, --version).
func versionCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "versione",
		Aliases:   []string{"version"},
		Usage:     "mostra la versione del programma, la versione di Go e la data",
		UsageText: "consolida versione",
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return &ui.CommandLineError{Problem: ui.UnexpectedArgs, Args: c.Args().Slice()}
			}
			ui.WriteVersion(stdout, version.Get())
			return nil
		},
	}
}

// helpCommand is `consolida aiuto [COMANDO]` (also help), listed in
// the help; commandLine turns it into --aiuto.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "aiuto", // "help" too (commandLine)
		Usage:     "mostra l'aiuto (consolida aiuto COMANDO: l'aiuto di un comando)",
		UsageText: "consolida aiuto [COMANDO]",
		Action:    func(c *cli.Context) error { return cli.ShowAppHelp(c) },
	}
}
