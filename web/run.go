package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"consolida/exporter"
	"consolida/funding"
	"consolida/pipeline"
	"consolida/ui"
)

// job is one run started by "Elabora": its progress, as the events of
// the use case tell it, then its outcome.
type job struct {
	id      int
	started time.Time

	mu         sync.Mutex
	version    int // counts the changes, for the event stream
	steps      []*stepView
	lines      []string
	cst        string // the CST workbook being written (WritingCST)
	councilDir string // where the council workbooks went (CouncilWritten)
	ended      time.Time
	outcome    *outcome // set when the run ended
}

// stepView is the progress of one step of a run.
type stepView struct {
	Step     string `json:"step"`
	Label    string `json:"label"`
	Done     int    `json:"done"`
	Total    int    `json:"total"`
	Item     string `json:"item,omitempty"` // the file it is on
	Finished bool   `json:"finished"`
}

// Report records an event of the use case (a pipeline.Progress; the
// council workbooks report from several goroutines).
func (j *job) Report(e pipeline.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch e := e.(type) {
	case pipeline.StepStarted:
		j.steps = append(j.steps, &stepView{Step: e.Step.String(), Label: ui.StepLabel(e.Step), Total: e.Total})
	case pipeline.StepItem:
		if st := j.step(e.Step); st != nil {
			st.Item = filepath.Base(e.Path)
		}
	case pipeline.StepAdvanced:
		if st := j.step(e.Step); st != nil {
			st.Done += e.Units
		}
	case pipeline.StepDone:
		if st := j.step(e.Step); st != nil {
			st.Finished, st.Item = true, ""
		}
	case pipeline.RecordsStored:
		if st := j.step(pipeline.StepImport); st != nil {
			st.Item = filepath.Base(e.Path) + ": " + ui.Count(e.Records) + " righe"
		}
	case pipeline.WritingCST:
		j.cst = e.Path
	case pipeline.CouncilWritten:
		j.councilDir = e.Dir
	}
	if l := ui.EventLine(e); l != "" {
		j.lines = append(j.lines, l)
	}
	j.version++
}

// step is the last step of that kind started.
func (j *job) step(s pipeline.Step) *stepView {
	name := s.String()
	for i := len(j.steps) - 1; i >= 0; i-- {
		if j.steps[i].Step == name {
			return j.steps[i]
		}
	}
	return nil
}

func (j *job) finished() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.outcome != nil
}

// runView is what the page shows of a run.
type runView struct {
	ID      int        `json:"id"`
	State   string     `json:"state"` // "none", "running", "done"
	Started string     `json:"started,omitempty"`
	Seconds float64    `json:"seconds"`
	Steps   []stepView `json:"steps"`
	Lines   []string   `json:"lines"`
	Outcome *outcome   `json:"outcome,omitempty"`
	version int        // of the job, when the view was taken
}

func (j *job) view() runView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := runView{ID: j.id, State: "running", Started: j.started.Format("02/01/2006 15:04:05"), version: j.version,
		Lines: append([]string{}, j.lines...), Outcome: j.outcome}
	end := time.Now()
	if j.outcome != nil {
		v.State, end = "done", j.ended
	}
	v.Seconds = end.Sub(j.started).Seconds()
	for _, st := range j.steps {
		v.Steps = append(v.Steps, *st)
	}
	return v
}

// outcome is how a run ended: its summary, figures and outputs.
type outcome struct {
	OK        bool       `json:"ok"`              // the run did everything (outputs written, no error)
	Error     string     `json:"error,omitempty"` // what went wrong, as the command line says it
	Summary   string     `json:"summary"`         // the summary the command line prints
	Month     string     `json:"month,omitempty"`
	Figures   *figures   `json:"figures,omitempty"`
	Downloads []download `json:"downloads"`
	Council   int        `json:"council"` // council workbooks written
	Files     []string   `json:"files"`   // the files the anomalies name, for the filter
	Anomalies int        `json:"anomalies"`
	Dir       string     `json:"dir,omitempty"` // the output folder
	paths     map[string]string
	council   []councilEntry
	rows      []anomalyRow
}

// figures are the run's totals and counts.
type figures struct {
	Total        string  `json:"total"` // funded, A+E, "1.009.450,80"
	Erogato      string  `json:"erogato"`
	Comuni       int     `json:"comuni"`
	Candidature  int     `json:"candidature"`
	Anomalies    int     `json:"anomalies"`
	Read         int     `json:"read"`
	Consolidated int     `json:"consolidated"`
	Duplicates   int     `json:"duplicates"`
	AltriEnti    int     `json:"altriEnti"`
	OutOfScope   int     `json:"outOfScope"`
	Rejected     int     `json:"rejected"`
	Conserved    bool    `json:"conserved"`
	Novita       *novita `json:"novita,omitempty"` // the monthly batch
}

// novita counts what changed since the baseline export.
type novita struct {
	Since         string `json:"since"` // "" for the first export of a ledger
	Added         int    `json:"added"`
	StatusChanges int    `json:"statusChanges"`
	AmountChanges int    `json:"amountChanges"`
}

// download is an output the page links to.
type download struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	URL   string `json:"url"`
	Size  int64  `json:"size"`
}

// running tells whether a run is in progress.
func (s *Server) running() bool {
	s.mu.Lock()
	j := s.job
	s.mu.Unlock()
	return j != nil && !j.finished()
}

// startRun is "Elabora": it starts the run on the server's context, so
// that closing the tab neither stops it nor leaves it half done, and
// refuses a second one while the first goes on.
func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	if s.ctx.Err() != nil {
		fail(w, http.StatusServiceUnavailable, msgInterrupted)
		return
	}
	if s.cfg == nil {
		files, err := s.listFiles()
		if err != nil {
			fail(w, http.StatusInternalServerError, ui.Message(err))
			return
		}
		if len(files) == 0 {
			fail(w, http.StatusBadRequest, msgNoFiles)
			return
		}
	}
	s.mu.Lock()
	if s.job != nil && !s.job.finished() {
		s.mu.Unlock()
		fail(w, http.StatusConflict, msgBusy)
		return
	}
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		fail(w, http.StatusServiceUnavailable, msgInterrupted)
		return
	}
	s.jobs++
	j := &job{id: s.jobs, started: time.Now()}
	s.job = j
	s.runs.Add(1)
	s.mu.Unlock()
	go s.run(j)
	reply(w, http.StatusAccepted, map[string]int{"id": j.id})
}

// run runs the use case: the monthly batch with a configuration, a
// one-off run of the dropped files otherwise.
func (s *Server) run(j *job) {
	defer s.runs.Done()
	var p pipeline.Progress = j
	if s.wrapProgress != nil {
		p = s.wrapProgress(p)
	}
	out := pipeline.Output{Dir: s.opt.Out, Council: s.opt.Council}
	var (
		res     *funding.Result
		month   string
		nov     *novita
		summary strings.Builder
		err     error
	)
	if s.cfg != nil {
		var r *pipeline.MonthlyResult
		r, err = pipeline.Monthly(s.ctx, pipeline.MonthlyOptions{Config: s.opt.Config, Scope: s.opt.Scope, Output: out,
			Now: s.opt.Now()}, p)
		if r != nil {
			ui.WriteMonthly(&summary, r)
			res, month = r.Export.Result, r.Month
			e := r.Export.Export
			nov = &novita{Added: e.Added, StatusChanges: e.StatusChanges, AmountChanges: e.AmountChanges}
			if b := r.Export.Baseline; b != nil {
				nov.Since = exporter.SinceLabel(exporter.Baseline{ID: b.ID, Generated: b.Generated, Month: b.Month})
			}
		}
	} else {
		out.Dir = s.out
		var r *pipeline.RunResult
		r, err = pipeline.Run(s.ctx, pipeline.RunOptions{Inputs: []string{s.inbox}, Scope: s.opt.Scope, Output: out,
			Now: s.opt.Now()}, p)
		if r != nil {
			ui.WriteRun(&summary, r)
			res, month = r.Result, r.Month
		}
	}
	o := &outcome{OK: err == nil && res != nil, Summary: summary.String(), Month: month, Downloads: []download{}, Files: []string{}}
	switch {
	case err != nil && s.ctx.Err() != nil:
		o.Error = msgInterrupted
	case err != nil:
		o.Error = Message(err)
	}
	j.mu.Lock()
	cst, councilDir := j.cst, j.councilDir
	j.mu.Unlock()
	if res != nil {
		o.Dir = s.out
		o.Figures = figuresOf(res, nov)
		o.collect(res, s.out, month, cst, councilDir)
	}
	j.mu.Lock()
	j.outcome, j.ended = o, time.Now()
	j.version++
	j.mu.Unlock()
}

func figuresOf(res *funding.Result, nov *novita) *figures {
	c := res.Conservation
	f := &figures{Total: res.Total.String(), Comuni: len(res.Comuni), Candidature: len(res.Candidature),
		Anomalies: len(res.Anomalies), Read: c.Read.Rows, Consolidated: c.Outcomes.Consolidated.Rows,
		Duplicates: c.Outcomes.Duplicates.Rows, AltriEnti: c.Outcomes.AltriEnti.Rows, OutOfScope: c.Outcomes.OutOfScope.Rows,
		Rejected: c.Outcomes.Rejected.Rows, Conserved: c.OK, Novita: nov}
	var erogato funding.Amount
	for _, m := range res.Measures {
		erogato += m.Erogato
	}
	f.Erogato = erogato.String()
	return f
}

// collect finds the outputs of the run: the CST workbook and the CSV
// files of the month in the output folder, the council workbooks; and
// ties each anomaly to its comune.
func (o *outcome) collect(res *funding.Result, dir, month, cst, councilDir string) {
	o.paths = map[string]string{}
	add := func(p, label string) {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			return
		}
		name := filepath.Base(p)
		if _, dup := o.paths[name]; dup {
			return
		}
		o.paths[name] = p
		o.Downloads = append(o.Downloads, download{Name: name, Label: label, URL: "/download/" + pathEscape(name), Size: st.Size()})
	}
	if cst != "" {
		add(cst, "Prospetto del CST (Excel)")
	}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			n := e.Name()
			if strings.HasPrefix(n, ".") || !strings.Contains(n, "_"+month) || !e.Type().IsRegular() {
				continue
			}
			switch strings.ToLower(filepath.Ext(n)) {
			case ".csv":
				add(filepath.Join(dir, n), "Dettaglio delle candidature (CSV)")
			case ".xlsx":
				add(filepath.Join(dir, n), "Prospetto (Excel)")
			}
		}
	}
	if councilDir != "" {
		o.council = councilFiles(res, councilDir)
		o.Council = len(o.council)
	}
	o.rows = anomalyRows(res)
	o.Anomalies = len(o.rows)
	files := map[string]bool{}
	for _, a := range o.rows {
		if a.File != "" && !files[a.File] {
			files[a.File] = true
			o.Files = append(o.Files, a.File)
		}
	}
	sort.Strings(o.Files)
}

// councilEntry is a council workbook and the comune it is for.
type councilEntry struct {
	name, path, label, key string // key: label and name folded, for the search
}

// councilFiles lists the workbooks of the council folder, each named by
// its comune ("Olgiate Molgora (LC)") where the file name tells which.
func councilFiles(res *funding.Result, dir string) []councilEntry {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	labels := map[string]string{}
	for _, t := range res.Comuni {
		labels[exporter.CouncilFileName(t.Comune)] = t.Comune.Label()
	}
	var out []councilEntry
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || !e.Type().IsRegular() || !strings.EqualFold(filepath.Ext(n), ".xlsx") {
			continue
		}
		label := labels[n]
		if label == "" {
			label = strings.ReplaceAll(strings.TrimSuffix(n, filepath.Ext(n)), "_", " ")
		}
		out = append(out, councilEntry{name: n, path: filepath.Join(dir, n), label: label, key: funding.Fold(label + " " + n)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// anomalyRow is one anomaly of the run, with the comune of its row.
type anomalyRow struct {
	File       string `json:"file"`
	Sheet      string `json:"sheet,omitempty"`
	Row        int    `json:"row"`
	Col        string `json:"col,omitempty"`
	Field      string `json:"field"`
	Value      string `json:"value"`
	Reason     string `json:"reason"`
	Suggestion string `json:"suggestion,omitempty"`
	Outcome    string `json:"outcome"`
	Comune     string `json:"comune,omitempty"`
	key        string // the comune folded, for the filter
}

// anomalyRows lists the anomalies of a result, each with its comune: the
// one funding tied it to (Anomaly.Comune, the rule the workbook's
// Anomalie sheet uses too); for an anomaly tied to none, the name its row
// wrote (an unknown comune), so that the filter still finds it.
func anomalyRows(res *funding.Result) []anomalyRow {
	type rowKey struct {
		file, sheet string
		row         int
	}
	written := map[rowKey]string{}
	for _, a := range res.Anomalies {
		if a.Comune == nil {
			written[rowKey{a.Pos.File, a.Pos.Sheet, a.Pos.Row}] = ""
		}
	}
	if len(written) > 0 {
		for i := range res.Records {
			r := &res.Records[i]
			k := rowKey{r.Pos.File, r.Pos.Sheet, r.Pos.Row}
			if _, ok := written[k]; !ok {
				continue
			}
			name := r.Comune
			if name == "" && r.Owner != funding.OwnerOther {
				name = funding.ComuneName(r.Body)
			}
			written[k] = name
		}
	}
	out := make([]anomalyRow, len(res.Anomalies))
	for i, a := range res.Anomalies {
		c := written[rowKey{a.Pos.File, a.Pos.Sheet, a.Pos.Row}]
		if a.Comune != nil {
			c = a.Comune.Label()
		}
		out[i] = anomalyRow{File: a.Pos.File, Sheet: a.Pos.Sheet, Row: a.Pos.Row, Col: a.Pos.Col, Field: a.Field,
			Value: a.Value, Reason: a.Reason, Suggestion: a.Suggestion, Outcome: a.OutcomeLabel(), Comune: c,
			key: funding.Fold(c)}
	}
	return out
}

// current is the current or last run; nil before the first.
func (s *Server) current() *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.job
}

// lastOutcome is the outcome of the last run that ended; nil before.
func (s *Server) lastOutcome() *outcome {
	s.mu.Lock()
	j := s.job
	s.mu.Unlock()
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.outcome
}

func (s *Server) runView() runView {
	if j := s.current(); j != nil {
		return j.view()
	}
	return runView{State: "none", Steps: []stepView{}, Lines: []string{}}
}

// runState is the state of the last run, with its outcome once ended.
func (s *Server) runState(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusOK, s.runView())
}

// events streams the progress of the current run as server-sent events:
// "stato" with the whole state (at most five a second, when it changed),
// then "fine" when the run ended. A page that reconnects gets the state
// again; a page that goes away changes nothing for the run.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	j := s.current()
	if j == nil {
		fail(w, http.StatusNotFound, msgNoRun)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		fail(w, http.StatusInternalServerError, msgServerProblem+"streaming unsupported")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	last, idle := -1, 0
	for {
		v := j.view()
		if v.version != last {
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "event: stato\ndata: %s\n\n", b)
			last, idle = v.version, 0
		} else if idle++; idle%75 == 0 {
			fmt.Fprint(w, ": attesa\n\n") // keeps proxies and the browser from closing a quiet stream
		}
		if v.State == "done" {
			fmt.Fprint(w, "event: fine\ndata: {}\n\n")
		}
		fl.Flush()
		if v.State == "done" {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}
