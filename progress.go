package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// reporter prints progress and summaries on stderr: a progress bar when
// stderr is a terminal, plain log lines otherwise; nothing with --quiet.
type reporter struct {
	w     io.Writer
	quiet bool
	tty   bool
}

func newReporter(w io.Writer, quiet bool) *reporter {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return &reporter{w: w, quiet: quiet, tty: tty}
}

// Printf writes one line.
func (r *reporter) Printf(format string, a ...any) {
	if r.quiet {
		return
	}
	fmt.Fprintf(r.w, format+"\n", a...)
}

// task tracks the progress of one step.
type task struct {
	r     *reporter
	label string
	total int
	bar   *progressbar.ProgressBar

	mu       sync.Mutex
	done     int
	lastLog  time.Time
	start    time.Time
	lastPerc int
}

// Task starts tracking a step of total units (0 if unknown).
func (r *reporter) Task(label string, total int) *task {
	t := &task{r: r, label: label, total: total, start: time.Now(), lastLog: time.Now()}
	if r.quiet {
		return t
	}
	if r.tty {
		t.bar = progressbar.NewOptions(max(total, -1),
			progressbar.OptionSetWriter(r.w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		return t
	}
	if total > 0 {
		fmt.Fprintf(r.w, "%s: 0/%d\n", label, total)
	}
	return t
}

// Add counts n units done.
func (t *task) Add(n int) {
	if t.r.quiet {
		return
	}
	if t.bar != nil {
		t.bar.Add(n)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done += n
	if t.total > 0 {
		perc := t.done * 10 / t.total
		if perc > t.lastPerc && time.Since(t.lastLog) > 2*time.Second && t.done < t.total {
			t.lastPerc, t.lastLog = perc, time.Now()
			fmt.Fprintf(t.r.w, "%s: %d/%d\n", t.label, t.done, t.total)
		}
	}
}

// Describe changes the label (e.g. the file being read).
func (t *task) Describe(s string) {
	if t.bar != nil {
		t.bar.Describe(s)
	} else if !t.r.quiet {
		fmt.Fprintln(t.r.w, s)
	}
}

// Done closes the step.
func (t *task) Done() {
	if t.r.quiet {
		return
	}
	if t.bar != nil {
		t.bar.Finish()
		return
	}
	if t.total > 0 {
		fmt.Fprintf(t.r.w, "%s: %d/%d (%.1f s)\n", t.label, t.total, t.total, time.Since(t.start).Seconds())
	}
}
