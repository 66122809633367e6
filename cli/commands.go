package cli

import (
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"consolida/pipeline"
	"consolida/ui"
)

func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mese", Usage: "mese del prospetto, AAAA-MM (predefinito: il mese corrente)"},
		&cli.StringSliceFlag{Name: "provincia", Usage: "riporta solo i comuni della provincia (sigla, es. LC); ripetibile"},
		&cli.StringFlag{Name: "membri", Usage: "riporta solo i comuni elencati nel `FILE` (codici ISTAT o nomi, uno per riga o in una colonna CSV)"},
		&cli.StringFlag{Name: "comuni", Usage: "elenco ISTAT dei comuni (`FILE` Elenco-comuni-italiani.csv) per riconoscere i comuni scritti solo per nome"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "nessun messaggio di avanzamento"},
	}
}

// outputFlags are the options of the commands that write the outputs.
func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "`CARTELLA` dove scrivere i prospetti"},
		&cli.BoolFlag{Name: "strict", Usage: "esce con stato 3 se qualche riga è stata scartata"},
		&cli.BoolFlag{Name: "consiglio", Value: true, Usage: "scrive un prospetto per il consiglio di ogni comune (--consiglio=false per non scriverli)"},
	}
}

func ledgerFlag() cli.Flag {
	return &cli.StringFlag{Name: "ledger", Usage: "registro storico SQLite (`FILE`; predefinito: " + pipeline.DefaultLedger + " nella cartella corrente)"}
}

func scope(c *cli.Context) pipeline.Scope {
	return pipeline.Scope{Month: c.String("mese"), Provinces: c.StringSlice("provincia"), Members: c.String("membri"), ComuniList: c.String("comuni")}
}

func output(c *cli.Context) pipeline.Output {
	return pipeline.Output{Dir: c.String("out"), Council: c.Bool("consiglio"), Strict: c.Bool("strict")}
}

func commands(stdout, stderr io.Writer) []*cli.Command {
	return []*cli.Command{runCommand(stdout, stderr), checkCommand(stdout, stderr), importCommand(stdout, stderr),
		exportCommand(stdout, stderr), initCommand(stdout, stderr), historyCommand(stdout, stderr),
		serveCommand(stdout, stderr)}
}

// runCommand is `consolida run`: it reads files and writes the outputs;
// with --config it is the monthly batch.
func runCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "legge i file e le cartelle indicati e scrive i prospetti consolidati",
		UsageText: "consolida run FILE|CARTELLA... --out CARTELLA [--mese AAAA-MM] [--provincia SIGLA]... [--membri FILE] [--comuni FILE] [--consiglio=false] [--strict]\n   consolida run --config consolida.toml",
		Flags: append(append(commonFlags(), outputFlags()...),
			&cli.StringFlag{Name: "config", Usage: "esegue il lavoro mensile descritto nel `FILE` di configurazione (vedere consolida init)"},
			&cli.StringFlag{Name: "ledger", Usage: "archivio storico SQLite (`FILE`) per il lavoro mensile"},
		),
		Action: func(c *cli.Context) error {
			p := progress(stderr, c.Bool("quiet"))
			if cfg := c.String("config"); cfg != "" {
				if c.Args().Len() > 0 {
					return &ui.CommandLineError{Problem: ui.MonthlyWithFiles, Args: c.Args().Slice()}
				}
				r, err := pipeline.Monthly(c.Context, pipeline.MonthlyOptions{Config: cfg, Ledger: c.String("ledger"),
					Scope: scope(c), Output: output(c), Now: time.Now()}, p)
				if r != nil {
					ui.WriteMonthly(stdout, r)
				}
				return err
			}
			r, err := pipeline.Run(c.Context, pipeline.RunOptions{Inputs: c.Args().Slice(), Scope: scope(c), Output: output(c),
				Ledger: c.String("ledger"), Now: time.Now()}, p)
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
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "comuni", Usage: "elenco ISTAT dei comuni (`FILE`) per riconoscere i comuni scritti solo per nome"},
			&cli.IntFlag{Name: "anomalie", Value: 10, Usage: "quante anomalie mostrare per file"},
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
		Usage:     "aggiunge i file al registro storico (un file già importato viene saltato)",
		UsageText: "consolida import FILE|CARTELLA... [--ledger FILE] [--quiet]",
		Flags: []cli.Flag{
			ledgerFlag(),
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "nessun messaggio di avanzamento"},
		},
		Action: func(c *cli.Context) error {
			r, err := pipeline.Import(c.Context, pipeline.ImportOptions{Inputs: c.Args().Slice(), Ledger: c.String("ledger"),
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
		Name:      "export",
		Usage:     "scrive i prospetti da tutto ciò che è nel registro, con le novità rispetto al prospetto precedente",
		UsageText: "consolida export --out CARTELLA [--mese AAAA-MM] [--provincia SIGLA]... [--membri FILE] [--comuni FILE] [--ledger FILE] [--consiglio=false]",
		Flags:     append(append(commonFlags(), outputFlags()...), ledgerFlag()),
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return &ui.CommandLineError{Problem: ui.ExportWithFiles, Args: c.Args().Slice()}
			}
			r, err := pipeline.Export(c.Context, pipeline.ExportOptions{Ledger: c.String("ledger"), Scope: scope(c),
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
		Usage:     "prepara una cartella per il lavoro mensile: consolida.toml di esempio e le cartelle inbox, archivio, uscita",
		UsageText: "consolida init CARTELLA",
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return &ui.CommandLineError{Problem: ui.InitFolder, Args: c.Args().Slice()}
			}
			r, err := pipeline.Init(c.Context, pipeline.InitOptions{Dir: c.Args().First()}, progress(stderr, true))
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
		UsageText: "consolida storico [--ledger FILE] [--file]",
		Flags: []cli.Flag{
			ledgerFlag(),
			&cli.BoolFlag{Name: "file", Usage: "elenca anche i file importati"},
		},
		Action: func(c *cli.Context) error {
			r, err := pipeline.History(c.Context, pipeline.HistoryOptions{Ledger: c.String("ledger")}, progress(stderr, true))
			if err != nil {
				return err
			}
			return ui.WriteHistory(stdout, r, c.Bool("file"))
		},
	}
}
