package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"consolida/pipeline"
	"consolida/ui"
	"consolida/web"
)

// configName is the configuration that serve picks up in the current
// folder, and that a double-click prepares there.
const configName = "consolida.toml"

// openBrowser opens the page (a variable: the tests do not open one).
var openBrowser = web.OpenBrowser

// serveCommand is `consolida serve`: the office's page, in the browser.
func serveCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "apre nel browser la pagina di consolida: si trascinano i file ricevuti, si elabora, si scaricano i prospetti",
		UsageText: "consolida serve [--config consolida.toml] [--porta N] [--out CARTELLA] [--provincia SIGLA]... [--apri=false]\n" +
			"   (con consolida.toml nella cartella corrente, o con --config: lavoro mensile sul registro;\n" +
			"   altrimenti elaborazione singola dei file trascinati)",
		Description: `consolida serve
   apre la pagina nel browser: si trascinano i file ricevuti, si preme Elabora, si scaricano i prospetti
consolida serve --config C:\CST\pnrr\consolida.toml
   la stessa pagina per il lavoro mensile: i file vanno in inbox, i prospetti in uscita`,
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "config", Usage: "lavoro mensile descritto nel `FILE` di configurazione (predefinito: " + configName + " nella cartella corrente, se c'è)"},
			&cli.IntFlag{Name: "porta", Usage: "porta della pagina su 127.0.0.1 (predefinito: una porta libera)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "`CARTELLA` dei prospetti (predefinito: quella della configurazione, o una cartella temporanea)"},
			&cli.BoolFlag{Name: "consiglio", Value: true, Usage: "scrive un prospetto per il consiglio di ogni comune (--consiglio=false per non scriverli)"},
			&cli.BoolFlag{Name: "apri", Value: true, Usage: "apre il browser sulla pagina (--apri=false per non aprirlo)"},
			&cli.BoolFlag{Name: "doppio-clic", Hidden: true, Usage: "avviato con un doppio clic: prepara la cartella corrente come init"},
		),
		Action: func(c *cli.Context) error {
			err := serve(c, stdout, stderr)
			if err != nil && c.Bool("doppio-clic") {
				// the window closes when consolida exits: let the
				// message be read first
				fmt.Fprintln(stderr, "consolida: "+web.Message(err))
				fmt.Fprintln(stderr, "Premere Invio per chiudere questa finestra.")
				bufio.NewReader(os.Stdin).ReadString('\n')
			}
			return err
		},
	}
}

func serve(c *cli.Context, stdout, stderr io.Writer) error {
	if c.Args().Len() > 0 {
		return &ui.CommandLineError{Problem: ui.UnexpectedArgs, Args: c.Args().Slice(),
			Err: errors.New("serve non legge file dalla riga di comando: i file si trascinano nella pagina (" + strings.Join(c.Args().Slice(), " ") + ")")}
	}
	config := c.String("config")
	switch {
	case c.Bool("doppio-clic"):
		dir, err := os.Getwd()
		if err != nil {
			return err
		}
		r, err := pipeline.Init(c.Context, pipeline.InitOptions{Dir: dir}, nil)
		if err != nil {
			return err
		}
		config = r.Config
	case config == "":
		if st, err := os.Stat(configName); err == nil && st.Mode().IsRegular() {
			config = configName
		}
	}
	srv, err := web.New(web.Options{Config: config, Out: c.String("out"), Scope: scope(c), Council: c.Bool("consiglio")})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := web.Listen("127.0.0.1:" + strconv.Itoa(c.Int("porta")))
	if err != nil {
		return serveError{err}
	}
	url := srv.URL(ln)
	web.WriteServing(stdout, srv, url)
	if c.Bool("apri") {
		if err := openBrowser(url); err != nil {
			fmt.Fprintln(stderr, "consolida: "+web.MsgNoBrowser(url))
		}
	}
	if err := srv.Serve(c.Context, ln); err != nil {
		return serveError{err}
	}
	return nil
}

// serveError is an error of the server, said by web.Message (ui does not
// know the server's errors, so it must not see through it).
type serveError struct{ err error }

func (e serveError) Error() string { return web.Message(e.err) }
