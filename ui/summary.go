package ui

import (
	"fmt"
	"io"
	"path/filepath"

	"consolida/exporter"
	"consolida/funding"
	"consolida/pipeline"
)

// Count writes a count with the Italian thousands separator: 7.157.
func Count(n int) string { return funding.FormatCount(int64(n)) }

// WriteRun writes the summary of a run.
func WriteRun(w io.Writer, r *pipeline.RunResult) {
	writeSummary(w, r.Dir, r.Month, r.Result)
}

func writeSummary(w io.Writer, dir, month string, res *funding.Result) {
	c := res.Conservation
	fmt.Fprintf(w, "Prospetti scritti in %s (mese %s)\n", dir, month)
	fmt.Fprintf(w, "  righe lette %s: consolidate %s, duplicati %s, altri enti %s, fuori selezione %s, scartate %s\n",
		Count(c.Read.Rows), Count(c.Outcomes.Consolidated.Rows), Count(c.Outcomes.Duplicates.Rows),
		Count(c.Outcomes.AltriEnti.Rows), Count(c.Outcomes.OutOfScope.Rows), Count(c.Outcomes.Rejected.Rows))
	fmt.Fprintf(w, "  comuni %s, candidature %s, totale finanziato (A+E) %s €\n",
		Count(len(res.Comuni)), Count(len(res.Candidature)), res.Total)
	fmt.Fprintf(w, "  anomalie %s (foglio Anomalie); conservazione delle righe e degli importi: rispettata\n", Count(len(res.Anomalies)))
}

// WriteExport writes the summary of an export, with its Novità.
func WriteExport(w io.Writer, r *pipeline.ExportResult) {
	writeSummary(w, r.Dir, r.Month, r.Result)
	e := r.Export
	since := "primo prospetto del registro: tutte le candidature sono nuove"
	if b := r.Baseline; b != nil {
		since = "rispetto al prospetto " + exporter.SinceLabel(exporter.Baseline{ID: b.ID, Generated: b.Generated, Month: b.Month})
	}
	fmt.Fprintf(w, "  novità (%s): nuove candidature %s, cambi di stato %s, cambi di importo %s\n",
		since, Count(e.Added), Count(e.StatusChanges), Count(e.AmountChanges))
}

// WriteImport writes what an import did.
func WriteImport(w io.Writer, r *pipeline.ImportResult) {
	n, known, rows := r.Counts()
	fmt.Fprintf(w, "Registro %s: importati %s file (%s righe), già presenti %s, non importati %s\n",
		r.Ledger, Count(n), Count(rows), Count(known), Count(len(r.Failed)))
	writeFiles(w, r)
}

// writeFiles tells what happened to each file.
func writeFiles(w io.Writer, r *pipeline.ImportResult) {
	for _, f := range r.Files {
		switch {
		case f.Known:
			fmt.Fprintf(w, "  già nel registro, saltato: %s (stesso contenuto di %s, importato il %s)\n",
				f.Path, f.File.Name, date(f.File.ImportedAt))
		case f.File.Skipped != "":
			fmt.Fprintf(w, "  importato senza righe: %s (%s)\n", f.Path, f.File.Skipped)
		default:
			fmt.Fprintf(w, "  importato: %s come %s, %s righe, %s anomalie\n", f.Path, f.File.Name,
				Count(f.File.Read.Rows), Count(f.File.Anomalies))
		}
	}
	for _, fe := range r.Failed {
		fmt.Fprintf(w, "  NON importato: %s\n", Message(fe))
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "  ignorato: %s (%s)\n", s.Path, s.Why())
	}
}

// WriteMonthly writes the summary of a monthly batch.
func WriteMonthly(w io.Writer, r *pipeline.MonthlyResult) {
	n, known, rows := r.Import.Counts()
	fmt.Fprintf(w, "Lavoro mensile %s (registro %s)\n", r.Month, r.Ledger)
	fmt.Fprintf(w, "  cartella inbox: %s file; importati %s (%s righe), già nel registro %s, non importati %s\n",
		Count(r.Found), Count(n), Count(rows), Count(known), Count(len(r.Import.Failed)))
	writeFiles(w, r.Import)
	if len(r.Moved) > 0 {
		fmt.Fprintf(w, "  spostati in %s: %s file\n", r.Archive, Count(len(r.Moved)))
	}
	for _, f := range r.NotMoved {
		why := detail(f.Err, f.Path)
		if inUse(f.Err) {
			why = "aperto in un altro programma"
		}
		fmt.Fprintf(w, "  NON spostato in archivio, rimasto in inbox: %s (%s)\n", f.Path, why)
	}
	if len(r.Import.Failed) > 0 {
		fmt.Fprintf(w, "  i file non importati sono rimasti in %s: correggerli o rimuoverli e rieseguire\n", r.Inbox)
	}
	WriteExport(w, r.Export)
}

// WriteInit tells what init prepared and how to run the monthly batch:
// the command with its paths quoted (a folder "Documenti CST" has a
// space), and the batch file for a double click.
func WriteInit(w io.Writer, r *pipeline.InitResult) {
	sep := string(filepath.Separator)
	cmd := quote(r.Program) + " run --config " + quote(r.Config)
	if r.Existed {
		fmt.Fprintf(w, "%s esiste già: lasciato com'è. Cartelle inbox, archivio e uscita pronte in %s\n", r.Config, r.Dir)
	} else {
		fmt.Fprintf(w, "Preparata la cartella %s:\n", r.Dir)
		fmt.Fprintf(w, "  %-24s la configurazione, da rivedere (province, comuni soci)\n", filepath.Base(r.Config))
		fmt.Fprintf(w, "  %-24s il lavoro mensile con un doppio clic\n", filepath.Base(r.Batch))
		fmt.Fprintf(w, "  %-24s i file ricevuti da leggere\n", "inbox"+sep)
		fmt.Fprintf(w, "  %-24s i file già letti, per mese\n", "archivio"+sep)
		fmt.Fprintf(w, "  %-24s i prospetti\n", "uscita"+sep)
	}
	fmt.Fprintf(w, "Ogni mese: copiare i file ricevuti in inbox e fare doppio clic su %s, oppure eseguire:\n  %s\n",
		filepath.Base(r.Batch), cmd)
}

// quote writes a path between double quotes, which the command prompt of
// Windows and the shells of Linux both read: a folder such as
// "Documenti CST" has a space.
func quote(p string) string { return `"` + p + `"` }
