// Package cli is consolida's command line: urfave/cli commands that map
// their options to the use cases of package pipeline, print what they
// return through package ui, and turn errors into exit statuses (here,
// in one place).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"consolida/pipeline"
	"consolida/ui"
)

// Exit statuses (DESIGN.md).
const (
	ExitOK          = 0
	ExitFailed      = 1 // an input cannot be read, an output cannot be written...
	ExitUsage       = 2 // wrong command line or options
	ExitRejected    = 3 // --strict and rows were rejected
	ExitInterrupted = 130
)

// Run executes the command line args (args[0] is the program's name) and
// returns the exit status. The caller cancels ctx on an interrupt
// (Ctrl-C): the use cases stop and the previous outputs stay.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "consolida: "+ui.Interrupted)
		return ExitInterrupted
	}
	fmt.Fprintln(stderr, "consolida: "+ui.Message(err))
	return exitCode(err)
}

func exitCode(err error) int {
	var rejected *pipeline.RejectedError
	switch {
	case ui.IsUsage(err):
		return ExitUsage
	case errors.As(err, &rejected):
		return ExitRejected
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitFailed
}

func init() {
	// urfave/cli writes "(default: ...)" in the help: say it in Italian
	orig := cli.FlagStringer
	cli.FlagStringer = func(f cli.Flag) string {
		return strings.Replace(orig(f), "(default: ", "(predefinito: ", 1)
	}
}

// wrapProgress, when set (by the tests), wraps the progress of every
// command: the tests stop or interrupt a command at a known event.
var wrapProgress func(pipeline.Progress) pipeline.Progress

// progress renders the events of a command on stderr.
func progress(stderr io.Writer, quiet bool) pipeline.Progress {
	var p pipeline.Progress = ui.NewProgress(stderr, quiet)
	if wrapProgress != nil {
		p = wrapProgress(p)
	}
	return p
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
		ExitErrHandler:  func(*cli.Context, error) {}, // exit statuses are decided in Run
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return &ui.CommandLineError{Problem: ui.FlagProblem, Err: err}
		},
		CommandNotFound: func(c *cli.Context, cmd string) {
			fmt.Fprintln(stderr, "consolida: "+ui.UnknownCommand(cmd))
		},
		Commands: commands(stdout, stderr),
	}
	for _, c := range app.Commands {
		if c.OnUsageError == nil {
			c.OnUsageError = app.OnUsageError
		}
	}
	return app
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
