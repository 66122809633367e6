package ui

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"consolida/pipeline"
)

// Progress renders the events of a use case for a person watching: a
// progress bar when the writer is a terminal, plain lines otherwise (a
// log), nothing when quiet, except the unreadable files, which are always
// reported. It is a pipeline.Progress, safe for concurrent use.
type Progress struct {
	w     io.Writer
	quiet bool
	tty   bool

	mu    sync.Mutex
	tasks map[pipeline.Step]*task
}

// NewProgress renders events on w.
func NewProgress(w io.Writer, quiet bool) *Progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return &Progress{w: w, quiet: quiet, tty: tty, tasks: map[pipeline.Step]*task{}}
}

// stepLabels name the steps.
var stepLabels = map[pipeline.Step]string{
	pipeline.StepRead:    "Lettura dei file",
	pipeline.StepImport:  "Importazione nel registro",
	pipeline.StepLoad:    "Lettura del registro",
	pipeline.StepCouncil: "Prospetti per i consigli comunali",
}

// itemLabels introduce the file a step is on, in a log.
var itemLabels = map[pipeline.Step]string{
	pipeline.StepRead:   "Lettura",
	pipeline.StepImport: "Importazione",
}

// Report renders one event.
func (p *Progress) Report(e pipeline.Event) {
	switch e := e.(type) {
	case pipeline.FileUnreadable:
		fmt.Fprintln(p.w, "consolida: "+Message(e.Err))
	case pipeline.StepStarted:
		p.mu.Lock()
		p.tasks[e.Step] = p.newTask(stepLabels[e.Step], e.Total)
		p.mu.Unlock()
	case pipeline.StepItem:
		if t := p.task(e.Step); t != nil {
			if p.tty {
				t.describe(filepath.Base(e.Path))
			} else {
				t.describe(fmt.Sprintf("%s %d/%d: %s", itemLabels[e.Step], e.Index+1, e.Total, e.Path))
			}
		}
	case pipeline.StepAdvanced:
		if t := p.task(e.Step); t != nil {
			t.add(e.Units)
		}
	case pipeline.StepDone:
		if t := p.task(e.Step); t != nil {
			t.done()
		}
	default:
		// the lines that are not a step's progress, as the web page shows them
		if l := EventLine(e); l != "" {
			for _, line := range strings.Split(l, "\n") {
				p.printf("%s", line)
			}
		}
	}
}

func (p *Progress) task(s pipeline.Step) *task {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tasks[s]
}

// printf writes one line.
func (p *Progress) printf(format string, a ...any) {
	if p.quiet {
		return
	}
	fmt.Fprintf(p.w, format+"\n", a...)
}

// task tracks the progress of one step.
type task struct {
	p     *Progress
	label string
	total int
	bar   *progressbar.ProgressBar

	mu       sync.Mutex
	count    int
	lastLog  time.Time
	start    time.Time
	lastPerc int
}

func (p *Progress) newTask(label string, total int) *task {
	t := &task{p: p, label: label, total: total, start: time.Now(), lastLog: time.Now()}
	if p.quiet {
		return t
	}
	if p.tty {
		t.bar = progressbar.NewOptions(max(total, -1),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		return t
	}
	if total > 0 {
		fmt.Fprintf(p.w, "%s: 0/%d\n", label, total)
	}
	return t
}

// add counts n units done; in a log, a line every tenth of the work at
// most every two seconds.
func (t *task) add(n int) {
	if t.p.quiet {
		return
	}
	if t.bar != nil {
		t.bar.Add(n)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count += n
	if t.total > 0 {
		perc := t.count * 10 / t.total
		if perc > t.lastPerc && time.Since(t.lastLog) > 2*time.Second && t.count < t.total {
			t.lastPerc, t.lastLog = perc, time.Now()
			fmt.Fprintf(t.p.w, "%s: %d/%d\n", t.label, t.count, t.total)
		}
	}
}

// describe tells what the step is on.
func (t *task) describe(s string) {
	if t.bar != nil {
		t.bar.Describe(s)
	} else if !t.p.quiet {
		fmt.Fprintln(t.p.w, s)
	}
}

// done closes the step.
func (t *task) done() {
	if t.p.quiet {
		return
	}
	if t.bar != nil {
		t.bar.Finish()
		return
	}
	if t.total > 0 {
		fmt.Fprintf(t.p.w, "%s: %d/%d (%.1f s)\n", t.label, t.total, t.total, time.Since(t.start).Seconds())
	}
}
