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
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"consolida/internal/version"
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
	args, err := commandLine(app, args)
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	if err == nil {
		if ctx.Err() != nil {
			// the interrupt came once the new outputs were being put in
			// place: the work was completed, and the summary says so
			fmt.Fprintln(stderr, "consolida: "+ui.InterruptedTooLate)
		}
		return ExitOK
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// stopped before the outputs were touched: once their swap
		// begins, a use case no longer stops (and says what it did)
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
	italianHelp()
	app := &cli.App{
		Name:            "consolida",
		Usage:           "consolida i finanziamenti PNRR \"PA digitale 2026\" dei comuni in prospetti Excel",
		UsageText:       "consolida COMANDO [opzioni] [file o cartelle...]",
		Description:     appExamples,
		Version:         version.Get().Version,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {}, // exit statuses are decided in Run
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return &ui.CommandLineError{Problem: ui.FlagProblem, Err: err, Known: flagNames(c)}
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

// flagNames are the options of the command being parsed, to suggest one
// for a mistyped option.
func flagNames(c *cli.Context) []string {
	var out []string
	var flags []cli.Flag
	if c.Command != nil && c.Command.Name != "" {
		flags = c.Command.Flags
	} else if c.App != nil {
		flags = c.App.Flags
	}
	for _, f := range flags {
		out = append(out, f.Names()...)
	}
	return out
}

// commandLine checks the command of args before urfave/cli sees it (an
// unknown command used to end silently with status 0), turns
// "consolida aiuto [COMANDO]" into the help, and moves the options of a
// command before its files (interspersed).
func commandLine(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		return args, nil
	}
	unknown := func(name string) error {
		var names []string
		for _, c := range app.VisibleCommands() {
			names = append(names, c.Name)
		}
		_, err := os.Stat(name)
		return &ui.CommandLineError{Problem: ui.UnknownCommand, Args: []string{name}, Known: names, IsPath: err == nil}
	}
	name := args[1]
	if name == "aiuto" || name == "help" {
		switch len(args) {
		case 2:
			return []string{args[0], "--aiuto"}, nil
		case 3:
			if app.Command(args[2]) == nil || args[2] == "aiuto" {
				return nil, unknown(args[2])
			}
			return []string{args[0], args[2], "--aiuto"}, nil
		}
		return nil, &ui.CommandLineError{Problem: ui.UnexpectedArgs, Args: args[3:]}
	}
	if app.Command(name) == nil {
		return nil, unknown(name)
	}
	return interspersed(app, args)
}

// interspersed moves the options of a command before its file arguments,
// so that "consolida run samples/ --out uscita" works as users write it
// (urfave/cli v2 stops reading options at the first argument). An option
// that needs a value and is last, or is followed by another option, is
// refused: "run samples --out" used to write into a folder named "--".
// So is a yes/no option followed by a separate true or false, which would
// be read as a file.
func interspersed(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args, nil
	}
	takesValue := map[string]bool{}
	isFlag := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
			isFlag[n] = true
		}
	}
	option := func(a string) (string, bool) {
		if len(a) < 2 || a[0] != '-' {
			return "", false
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		return name, isFlag[name] || a == "--"
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
		if strings.Contains(name, "=") || !isFlag[name] {
			continue // an unknown option is the parser's to refuse
		}
		var next string
		if i+1 < len(rest) {
			next = rest[i+1]
		}
		if !takesValue[name] {
			if v := strings.ToLower(next); v == "true" || v == "false" {
				return nil, &ui.CommandLineError{Problem: ui.BoolWithValue, Args: []string{a, next}}
			}
			continue
		}
		if _, isOpt := option(next); i+1 >= len(rest) || isOpt {
			return nil, &ui.CommandLineError{Problem: ui.MissingValue, Args: []string{a}}
		}
		flags = append(flags, next)
		i++
	}
	out := append([]string{args[0], args[1]}, flags...)
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out, nil
}
