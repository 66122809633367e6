package ui

import (
	"fmt"
	"io"
	"strings"

	"consolida/importer"
	"consolida/pipeline"
)

// WriteCheck writes what check understood of each file: format, header,
// column mapping, counts and the first maxAnomalies anomalies.
func WriteCheck(w io.Writer, r *pipeline.CheckResult, maxAnomalies int) {
	for i, f := range r.Files {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if f.Err != nil {
			fmt.Fprintf(w, "%s\n  ILLEGGIBILE: %s\n", f.Path, Cause(f.Err))
			continue
		}
		writeChecked(w, f, maxAnomalies)
	}
	for i, s := range r.Skipped {
		if i > 0 || len(r.Files) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s\n  IGNORATO: %s\n", s.Path, s.Why())
	}
}

// writeChecked tells what was understood of a readable file.
func writeChecked(w io.Writer, f pipeline.CheckedFile, maxAnom int) {
	r, res := f.File, f.Result
	rep := r.Report
	fmt.Fprintf(w, "%s\n", rep.Path)
	fmt.Fprintf(w, "  formato: %s", rep.Format)
	if rep.Detail != "" {
		fmt.Fprintf(w, ", %s", rep.Detail)
	}
	fmt.Fprintf(w, "; %s byte; SHA-256 %s\n", Count(int(r.Source.Size)), r.Source.SHA256)
	for _, sh := range rep.Sheets {
		writeSheet(w, sh)
	}
	if r.Source.Skipped != "" {
		fmt.Fprintf(w, "  non è un elenco di finanziamenti: il file sarà elencato in Fonti come ignorato\n")
		return
	}
	o := res.Conservation.Outcomes
	valid := o.Consolidated.Rows + o.Duplicates.Rows + o.AltriEnti.Rows + o.OutOfScope.Rows
	fmt.Fprintf(w, "  totale: righe lette %s, valide %s (candidature dei comuni %s, duplicati nel file %s, altri enti %s), scartate %s\n",
		Count(res.Conservation.Read.Rows), Count(valid), Count(o.Consolidated.Rows), Count(o.Duplicates.Rows),
		Count(o.AltriEnti.Rows), Count(o.Rejected.Rows))
	fmt.Fprintf(w, "  importi: letti %s €, dei comuni finanziati (A+E) %s €\n", res.Conservation.Read.Amount, res.Total)
	if len(res.Anomalies) == 0 {
		fmt.Fprintf(w, "  anomalie: nessuna\n")
		return
	}
	fmt.Fprintf(w, "  anomalie: %s", Count(len(res.Anomalies)))
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
		line := fmt.Sprintf("    %s, %s %q: %s", where, a.Field, truncate(a.Value, 60), a.Reason)
		if a.Suggestion != "" {
			line += " (" + a.Suggestion + ")"
		}
		fmt.Fprintf(w, "%s [%s]\n", line, a.OutcomeLabel())
	}
}

// writeSheet tells how a sheet was read: header, column mapping, counts.
func writeSheet(w io.Writer, sh importer.SheetReport) {
	label := "  tabella"
	if sh.Name != "" {
		label = fmt.Sprintf("  foglio %q", sh.Name)
	}
	if sh.Hidden {
		label += " (nascosto, letto comunque)"
	}
	if sh.Skipped != "" {
		fmt.Fprintf(w, "%s: ignorato, %s\n", label, sh.Skipped)
		return
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
		fmt.Fprintf(w, "    %-3s %-40q %s\n", c.Letter, truncate(c.Header, 40), target)
	}
	fmt.Fprintf(w, "    righe lette %s, scartate in lettura %s\n", Count(sh.Read), Count(sh.Rejected))
	for _, n := range sh.Notes {
		fmt.Fprintf(w, "    nota: %s\n", n)
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
