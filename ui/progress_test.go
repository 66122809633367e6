package ui

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"consolida/funding"
	"consolida/importer"
	"consolida/pipeline"
)

// events are those of a run that reads three files (one unreadable) and
// writes seven council workbooks.
func events() []pipeline.Event {
	res := &funding.Result{Conservation: funding.Conservation{Read: funding.Tally{Rows: 3}}}
	return []pipeline.Event{
		pipeline.ComuniListLoaded{Path: "elenco.csv", Comuni: 7896},
		pipeline.StepStarted{Step: pipeline.StepRead, Total: 3},
		pipeline.StepItem{Step: pipeline.StepRead, Index: 0, Total: 3, Path: "in/a.csv"},
		pipeline.StepAdvanced{Step: pipeline.StepRead, Units: 1},
		pipeline.StepItem{Step: pipeline.StepRead, Index: 1, Total: 3, Path: "in/b.xlsx"},
		pipeline.StepAdvanced{Step: pipeline.StepRead, Units: 2},
		pipeline.StepDone{Step: pipeline.StepRead},
		pipeline.FileUnreadable{Err: importer.FileError{Path: "in/c.xlsx", Err: importer.ErrPDF}},
		pipeline.WritingCST{Path: "u/CST_2026-11.xlsx", Candidature: 1234, Anomalies: 5},
		pipeline.StepStarted{Step: pipeline.StepCouncil, Total: 7},
		pipeline.StepAdvanced{Step: pipeline.StepCouncil, Units: 7},
		pipeline.StepDone{Step: pipeline.StepCouncil},
		pipeline.CouncilWritten{Dir: "u/consiglio", Workbooks: 7},
		pipeline.StepStarted{Step: pipeline.StepLoad},
		pipeline.StepDone{Step: pipeline.StepLoad},
		pipeline.LedgerOpened{Path: "r.db"},
		pipeline.ConservationFailed{Result: res},
	}
}

func render(quiet bool) string {
	var b bytes.Buffer
	p := NewProgress(&b, quiet)
	for _, e := range events() {
		p.Report(e)
	}
	return b.String()
}

// TestProgressLog: in a log, each step, file and output is one line.
func TestProgressLog(t *testing.T) {
	got := strings.Split(render(false), "\n")
	want := []string{
		"Elenco ISTAT: 7.896 comuni da elenco.csv",
		"Lettura dei file: 0/3",
		"Lettura 1/3: in/a.csv",
		"Lettura 2/3: in/b.xlsx",
		"Lettura dei file: 3/3 (", // seconds follow
		"consolida: in/c.xlsx: il file è un PDF, non un foglio di calcolo: chiedere all'ufficio il prospetto in Excel, ODS o CSV",
		"Scrittura di u/CST_2026-11.xlsx (1.234 candidature, 5 anomalie)",
		"Prospetti per i consigli comunali: 0/7",
		"Prospetti per i consigli comunali: 7/7 (",
		"Scritti 7 prospetti in u/consiglio",
		"Conservazione delle righe: lette 3 = consolidate 0 + duplicati 0 + altri enti 0 + fuori selezione 0 + scartate 0: NON RISPETTATA",
	}
	for i, w := range want {
		if i >= len(got) || got[i] != w && !(strings.HasSuffix(w, "(") && strings.HasPrefix(got[i], w) && strings.HasSuffix(got[i], " s)")) {
			t.Fatalf("line %d: %q, want %q\n%s", i+1, got[min(i, len(got)-1)], w, strings.Join(got, "\n"))
		}
	}
}

// TestProgressQuiet: with --quiet only the unreadable files are told.
func TestProgressQuiet(t *testing.T) {
	if got := render(true); got != "consolida: in/c.xlsx: il file è un PDF, non un foglio di calcolo: chiedere all'ufficio il prospetto in Excel, ODS o CSV\n" {
		t.Fatalf("quiet: %q", got)
	}
}

// TestProgressBar: on a terminal the steps are bars that name the file
// and clear themselves; concurrent reports are safe.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, false)
	p.tty = true
	p.Report(pipeline.StepStarted{Step: pipeline.StepImport, Total: 2})
	p.Report(pipeline.StepItem{Step: pipeline.StepImport, Index: 0, Total: 2, Path: "inbox/dati.csv"})
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); p.Report(pipeline.StepAdvanced{Step: pipeline.StepImport, Units: 1}) }()
	}
	wg.Wait()
	p.Report(pipeline.StepDone{Step: pipeline.StepImport})
	out := b.String()
	if !strings.Contains(out, "dati.csv") || strings.Contains(out, "inbox/") || !strings.Contains(out, "\r") {
		t.Errorf("bar output %q", out)
	}
}

// TestLongLog: a long step is logged every tenth, at most every two
// seconds; events of a step not started are ignored.
func TestLongLog(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, false)
	p.Report(pipeline.StepAdvanced{Step: pipeline.StepLoad, Units: 1})
	p.Report(pipeline.StepStarted{Step: pipeline.StepLoad, Total: 100})
	p.tasks[pipeline.StepLoad].lastLog = p.tasks[pipeline.StepLoad].lastLog.Add(-3e9)
	p.Report(pipeline.StepAdvanced{Step: pipeline.StepLoad, Units: 50})
	p.Report(pipeline.StepAdvanced{Step: pipeline.StepLoad, Units: 10})
	if got := b.String(); got != "Lettura del registro: 0/100\nLettura del registro: 50/100\n" {
		t.Errorf("log %q", got)
	}
}
