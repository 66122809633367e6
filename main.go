// Command consolida reads the PNRR "PA digitale 2026" funding notices the
// offices receive (CSV, XLSX, XLS, ODS), reconciles comuni and measures,
// adds up the money exactly and writes consolidated workbooks: one for the
// Centro Servizi Territoriali, one per comune for its council.
//
// The commands are in package cli, the use cases in package pipeline.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"consolida/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.Launch(os.Args), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
