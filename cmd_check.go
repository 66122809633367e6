package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"consolida/funding"
	"consolida/importer"
)

type checkOptions struct {
	Files     []string
	Comuni    string
	Anomalies int
}

func newCheckCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "mostra come vengono letti i file, senza scrivere nulla",
		UsageText: "consolida check FILE|CARTELLA... [--comuni FILE] [--anomalie N]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "comuni", Usage: "elenco ISTAT dei comuni (`FILE`) per riconoscere i comuni scritti solo per nome"},
			&cli.IntFlag{Name: "anomalie", Value: 10, Usage: "quante anomalie mostrare per file"},
		},
		Action: func(c *cli.Context) error {
			return runCheck(c.Context, checkOptions{Files: c.Args().Slice(), Comuni: c.String("comuni"), Anomalies: c.Int("anomalie")}, stdout, newReporter(stderr, true))
		},
	}
}

// runCheck prints, for each file and sheet, what consolida understood.
// Each file is consolidated on its own (with --comuni if given), so the
// counts include the rows whose comune cannot be recognised.
func runCheck(ctx context.Context, opt checkOptions, w io.Writer, rep *reporter) error {
	if len(opt.Files) == 0 {
		return usageErr("indicare almeno un file da controllare")
	}
	cat, syn, err := loadTemplates()
	if err != nil {
		return err
	}
	paths, err := importer.Collect(opt.Files)
	if err != nil {
		return err
	}
	var refs []importer.ComuneRef
	if opt.Comuni != "" {
		if refs, err = importer.ReadComuniList(opt.Comuni); err != nil {
			return fmt.Errorf("elenco dei comuni %s: %s", opt.Comuni, causa(err))
		}
	}
	var failed error
	for i, p := range paths {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := importer.DisplayNames([]string{p})[0]
		r, err := importer.ReadFile(p, name, 0, &importer.Options{Catalog: cat, Synonyms: syn})
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err != nil {
			fe := importer.FileError{Path: p, Err: err}
			fmt.Fprintf(w, "%s\n  ILLEGGIBILE: %s\n", p, causa(err))
			failed = fe
			continue
		}
		reg := funding.NewRegistry()
		for _, ref := range refs {
			reg.Observe(ref.Obs)
			reg.AddProvinceName(ref.NomeProvincia, ref.Obs.Provincia)
		}
		res := funding.Consolidate(funding.Input{Catalog: cat, Registry: reg, Records: r.Records,
			Anomalies: r.Anomalies, Sources: []funding.Source{r.Source}})
		printCheck(w, r, res, opt.Anomalies)
	}
	return failed
}

func printCheck(w io.Writer, r *importer.FileResult, res *funding.Result, maxAnom int) {
	rep := r.Report
	fmt.Fprintf(w, "%s\n", rep.Path)
	fmt.Fprintf(w, "  formato: %s", rep.Format)
	if rep.Detail != "" {
		fmt.Fprintf(w, ", %s", rep.Detail)
	}
	fmt.Fprintf(w, "; %s byte; SHA-256 %s\n", fmtCount(int(r.Source.Size)), r.Source.SHA256)
	for _, sh := range rep.Sheets {
		label := "  tabella"
		if sh.Name != "" {
			label = fmt.Sprintf("  foglio %q", sh.Name)
		}
		if sh.Hidden {
			label += " (nascosto, letto comunque)"
		}
		if sh.Skipped != "" {
			fmt.Fprintf(w, "%s: ignorato, %s\n", label, sh.Skipped)
			continue
		}
		rows := make([]string, len(sh.HeaderRows))
		for i, n := range sh.HeaderRows {
			rows[i] = fmt.Sprint(n)
		}
		fmt.Fprintf(w, "%s: intestazione alla riga %s\n", label, strings.Join(rows, "-"))
		for _, c := range sh.Columns {
			if strings.TrimSpace(c.Header) == "" && c.Field == "" {
				continue
			}
			target := "ignorata"
			if c.Field != "" {
				target = "-> " + c.Field
				if c.How != "" && c.How != "esatta" {
					target += " (" + c.How + ")"
				}
			} else if c.How != "" {
				target = c.How
			}
			fmt.Fprintf(w, "    %-3s %-40q %s\n", c.Letter, truncateText(c.Header, 40), target)
		}
		fmt.Fprintf(w, "    righe lette %s, scartate in lettura %s\n", fmtCount(sh.Read), fmtCount(sh.Rejected))
		for _, n := range sh.Notes {
			fmt.Fprintf(w, "    nota: %s\n", n)
		}
	}
	if r.Source.Skipped != "" {
		fmt.Fprintf(w, "  non è un elenco di finanziamenti: il file sarà elencato in Fonti come ignorato\n")
		return
	}
	o := res.Conservation.Outcomes
	valid := o.Consolidated.Rows + o.Duplicates.Rows + o.AltriEnti.Rows + o.FuoriSelezione.Rows
	fmt.Fprintf(w, "  totale: righe lette %s, valide %s (candidature dei comuni %s, duplicati nel file %s, altri enti %s), scartate %s\n",
		fmtCount(res.Conservation.Read.Rows), fmtCount(valid), fmtCount(o.Consolidated.Rows), fmtCount(o.Duplicates.Rows),
		fmtCount(o.AltriEnti.Rows), fmtCount(o.Rejected.Rows))
	fmt.Fprintf(w, "  importi: letti %s €, dei comuni finanziati (A+E) %s €\n", res.Conservation.Read.Amount, res.Total)
	if len(res.Anomalies) == 0 {
		fmt.Fprintf(w, "  anomalie: nessuna\n")
		return
	}
	fmt.Fprintf(w, "  anomalie: %s", fmtCount(len(res.Anomalies)))
	if len(res.Anomalies) > maxAnom {
		fmt.Fprintf(w, " (le prime %d)", maxAnom)
	}
	fmt.Fprintln(w)
	for i, a := range res.Anomalies {
		if i == maxAnom {
			break
		}
		where := fmt.Sprintf("riga %d", a.Pos.Row)
		if a.Pos.Sheet != "" {
			where = fmt.Sprintf("foglio %q, %s", a.Pos.Sheet, where)
		}
		if a.Pos.Col != "" {
			where += ", colonna " + a.Pos.Col
		}
		line := fmt.Sprintf("    %s, %s %q: %s", where, a.Field, truncateText(a.Value, 60), a.Reason)
		if a.Suggestion != "" {
			line += " (" + a.Suggestion + ")"
		}
		fmt.Fprintf(w, "%s [%s]\n", line, a.Esito())
	}
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
