// Command consolida reads the PNRR "PA digitale 2026" funding notices the
// offices receive (CSV, XLSX, XLS, ODS), reconciles comuni and measures,
// adds up the money exactly and writes consolidated workbooks: one for the
// Centro Servizi Territoriali, one per comune for its council.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// Exit statuses (DESIGN.md).
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitRejected    = 3
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status; it is what
// the tests call.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "consolida: interrotto; i prospetti precedenti sono rimasti intatti")
		return exitInterrupted
	}
	fmt.Fprintln(stderr, "consolida: "+messaggio(err))
	return exitCode(err)
}

func init() {
	// urfave/cli writes "(default: ...)" in the help: say it in Italian
	orig := cli.FlagStringer
	cli.FlagStringer = func(f cli.Flag) string {
		return strings.Replace(orig(f), "(default: ", "(predefinito: ", 1)
	}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	cli.HelpFlag = &cli.BoolFlag{Name: "aiuto", Aliases: []string{"h", "help"}, Usage: "mostra l'aiuto"}
	app := &cli.App{
		Name:            "consolida",
		Usage:           "consolida i finanziamenti PNRR \"PA digitale 2026\" dei comuni in prospetti Excel",
		UsageText:       "consolida COMANDO [opzioni] [file o cartelle...]",
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {}, // exit codes are decided in run
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageErr("%s", traduciUso(err))
		},
		CommandNotFound: func(c *cli.Context, cmd string) {
			fmt.Fprintf(stderr, "consolida: comando sconosciuto %q; i comandi sono: run, check, import, export, init, storico\n", cmd)
		},
		Commands: []*cli.Command{
			newRunCommand(stdout, stderr),
			newCheckCommand(stdout, stderr),
		},
	}
	app.Commands = append(app.Commands, batchCommands(stdout, stderr)...)
	for _, c := range app.Commands {
		if c.OnUsageError == nil {
			c.OnUsageError = app.OnUsageError
		}
	}
	return app
}

// usageError is a wrong command line (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usageErr(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// rejectedError is --strict with rejected rows (exit 3).
type rejectedError struct{ n int }

func (e rejectedError) Error() string {
	return fmt.Sprintf("modalità --strict: %d righe scartate (vedere il foglio Anomalie)", e.n)
}

func exitCode(err error) int {
	var u usageError
	var r rejectedError
	switch {
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &r):
		return exitRejected
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitFailed
}

// interspersed moves the options of a command before its file arguments,
// so that "consolida run samples/ --out uscita" works as users write it
// (urfave/cli v2 stops reading options at the first argument).
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, pos []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			pos = append(pos, rest[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] && i+1 < len(rest) {
			flags = append(flags, rest[i+1])
			i++
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out
}
