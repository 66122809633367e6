package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"consolida/funding"
	"consolida/internal/testkit"
	"consolida/pipeline"
)

// totals are the euros of a result per comune and measure, with its
// conservation counts.
func totals(r *funding.Result) []string {
	var out []string
	for _, c := range r.Comuni {
		out = append(out, fmt.Sprintf("%s %v %v %s", c.Comune.ISTAT, c.Funded, c.Erogato, c.Total))
	}
	o := r.Conservation.Outcomes
	return append(out, fmt.Sprintf("total %s, read %d %s, consolidated %d, duplicates %d, rejected %d",
		r.Total, r.Conservation.Read.Rows, r.Conservation.Read.Amount, o.Consolidated.Rows, o.Duplicates.Rows, o.Rejected.Rows))
}

// TestRunSubfolders: the files of a folder's subfolders are read, at
// any depth, as Power Query's "Da cartella" reads them (issue 9): the
// same files one and two levels down give the same totals as at the top,
// and Fonti names the subfolders; consolida's own folders and the output
// folder inside the input folder are not read.
func TestRunSubfolders(t *testing.T) {
	files := testkit.Samples(t)
	flat, nested := t.TempDir(), t.TempDir()
	testkit.Copy(t, flat, files...)
	testkit.Copy(t, filepath.Join(nested, "giugno"), files[0])
	testkit.Copy(t, filepath.Join(nested, "giugno", "2026"), files[1])
	testkit.Copy(t, filepath.Join(nested, "luglio"), files[2])
	// the outputs of an earlier run, and what the monthly batch moved,
	// inside the input folder: never inputs
	testkit.Copy(t, filepath.Join(nested, "archivio", "2026-10"), files...)
	run := func(in, out string) *pipeline.RunResult {
		t.Helper()
		res, err := pipeline.Run(context.Background(), pipeline.RunOptions{Inputs: []string{in}, Now: now,
			Output: pipeline.Output{Dir: out}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a := run(flat, filepath.Join(t.TempDir(), "uscita"))
	b := run(nested, filepath.Join(nested, "risultati"))
	// again, with the outputs of the first run inside the input folder
	c := run(nested, filepath.Join(nested, "risultati"))
	if !reflect.DeepEqual(totals(a.Result), totals(b.Result)) || !reflect.DeepEqual(totals(b.Result), totals(c.Result)) {
		t.Errorf("flat %v\nnested %v\nagain %v", totals(a.Result), totals(b.Result), totals(c.Result))
	}
	var names []string
	for _, s := range c.Result.Sources {
		names = append(names, s.Name)
	}
	want := []string{"giugno/" + filepath.Base(files[0]), "giugno/2026/" + filepath.Base(files[1]), "luglio/" + filepath.Base(files[2])}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("sources %v, want %v", names, want)
	}
	for _, cand := range c.Result.Candidature {
		if w := cand.Winner.Pos.File; !strings.Contains(w, "/") {
			t.Errorf("Fonte %s:%d does not name its subfolder", w, cand.Winner.Pos.Row)
		}
	}
}

// TestRunSkipsWhatIsNotAFile: a link to nothing in an input folder is
// listed in Fonti with its reason and the run goes on (it failed the run).
func TestRunSkipsWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	testkit.Copy(t, dir, testkit.Samples(t)...)
	if err := os.Symlink(filepath.Join(dir, "manca.csv"), filepath.Join(dir, "rotto.csv")); err != nil {
		t.Skipf("symlinks: %v", err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "giro")); err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Run(context.Background(), pipeline.RunOptions{Inputs: []string{dir}, Now: now,
		Output: pipeline.Output{Dir: t.TempDir()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, s := range res.Result.Sources {
		if s.Skipped != "" {
			skipped = append(skipped, s.Name+": "+s.Skipped)
		}
	}
	if len(skipped) != 2 || !strings.HasPrefix(skipped[0], "rotto.csv: collegamento a un file") || !strings.HasPrefix(skipped[1], "giro: collegamento circolare") {
		t.Errorf("skipped %q", skipped)
	}
	if res.Result.Total != 100945080 {
		t.Errorf("total %s", res.Result.Total)
	}
}
