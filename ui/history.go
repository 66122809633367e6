package ui

import (
	"fmt"
	"io"
	"text/tabwriter"

	"consolida/pipeline"
)

// WriteHistory writes the exports of a ledger as a table, and with
// withFiles the imported files too.
func WriteHistory(w io.Writer, r *pipeline.HistoryResult, withFiles bool) error {
	fmt.Fprintf(w, "Registro %s: %s file importati (%s righe lette), %s prospetti\n\n",
		r.Ledger, Count(len(r.Files)), Count(r.Rows()), Count(len(r.Exports)))
	if len(r.Exports) == 0 {
		fmt.Fprintln(w, "Nessun prospetto ancora prodotto (consolida export oppure consolida run --config).")
	} else {
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "N.\tData\tComando\tMese\tFile\tFile nuovi\tRighe lette\tCandidature\tComuni\tFinanziato (A+E) €\tdi cui erogato €\tNuove\tCambi stato\tCambi importo\tRispetto al n.\t")
		for _, e := range r.Exports {
			base := "-"
			if e.Baseline != 0 {
				base = fmt.Sprint(e.Baseline)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", e.ID, date(e.At),
				e.Kind, e.Month, Count(e.Files), Count(e.NewFiles), Count(e.Read.Rows), Count(e.Candidature),
				Count(e.Comuni), e.Total, e.Erogato, Count(e.Added), Count(e.StatusChanges), Count(e.AmountChanges), base)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
		for _, e := range r.Exports {
			scope := ""
			if e.Scope != "" {
				scope = " (" + e.Scope + ")"
			}
			fmt.Fprintf(w, "  n. %d: prospetti in %s%s\n", e.ID, e.Out, scope)
		}
	}
	if withFiles && len(r.Files) > 0 {
		fmt.Fprintln(w, "\nFile importati:")
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "N.\tImportato il\tNome\tRighe\tAnomalie\tSHA-256\tPercorso")
		for _, f := range r.Files {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", f.ID, date(f.ImportedAt), f.Name,
				Count(f.Read.Rows), Count(f.Anomalies), f.SHA256[:12], f.Path)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
