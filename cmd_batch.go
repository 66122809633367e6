package main

import (
	"context"
	"io"

	"github.com/urfave/cli/v2"
)

// batchCommands are the commands of the monthly batch (ledger).
func batchCommands(stdout, stderr io.Writer) []*cli.Command { return nil }

func runMonthly(ctx context.Context, opt runOptions, stdout io.Writer, rep *reporter) error {
	return usageErr("--config: il lavoro mensile non è ancora disponibile")
}
