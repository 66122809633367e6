package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"consolida/funding"
	"consolida/importer"
	"consolida/internal/testkit"
	"consolida/ledger"
	"consolida/pipeline"
	"consolida/pipeline/storetest"
	"consolida/templates"
)

var now = time.Date(2026, 11, 27, 10, 30, 0, 0, time.Local)

// recorder keeps the events of a use case.
type recorder struct {
	mu     sync.Mutex
	events []pipeline.Event
}

func (r *recorder) Report(e pipeline.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// kinds lists the event types in order, without the repeated ones.
func (r *recorder) kinds() []string {
	var out []string
	for _, e := range r.events {
		k := reflect.TypeOf(e).Name()
		if s, ok := e.(pipeline.StepStarted); ok {
			k += "/" + s.Step.String()
		}
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}

func samples(t *testing.T) []string { return []string{testkit.Path("samples")} }

func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "uscita")
	for _, tc := range []struct {
		name string
		call func() error
		want pipeline.UsageError
	}{
		{"month", func() error {
			_, err := pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Output: pipeline.Output{Dir: out}, Scope: pipeline.Scope{Month: "2026-13"}}, nil)
			return err
		}, pipeline.UsageError{Problem: pipeline.BadMonth, Value: "2026-13"}},
		{"province", func() error {
			_, err := pipeline.Export(ctx, pipeline.ExportOptions{Output: pipeline.Output{Dir: out}, Scope: pipeline.Scope{Provinces: []string{"LC", " "}}}, nil)
			return err
		}, pipeline.UsageError{Problem: pipeline.EmptyProvince}},
		{"ledger", func() error {
			_, err := pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Output: pipeline.Output{Dir: out}, Ledger: "x.db"}, nil)
			return err
		}, pipeline.UsageError{Problem: pipeline.LedgerWithoutConfig}},
		{"run inputs", func() error {
			_, err := pipeline.Run(ctx, pipeline.RunOptions{Output: pipeline.Output{Dir: out}}, nil)
			return err
		}, pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpRun}},
		{"check inputs", func() error { _, err := pipeline.Check(ctx, pipeline.CheckOptions{}, nil); return err },
			pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpCheck}},
		{"import inputs", func() error { _, err := pipeline.Import(ctx, pipeline.ImportOptions{}, nil); return err },
			pipeline.UsageError{Problem: pipeline.MissingInputs, Op: pipeline.OpImport}},
		{"run out", func() error { _, err := pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t)}, nil); return err },
			pipeline.UsageError{Problem: pipeline.MissingOut}},
		{"export out", func() error { _, err := pipeline.Export(ctx, pipeline.ExportOptions{}, nil); return err },
			pipeline.UsageError{Problem: pipeline.MissingOut}},
		{"config", func() error {
			_, err := pipeline.Monthly(ctx, pipeline.MonthlyOptions{Config: filepath.Join(dir, "manca.toml")}, nil)
			return err
		}, pipeline.UsageError{Problem: pipeline.ConfigMissing, Path: filepath.Join(dir, "manca.toml")}},
		{"monthly month", func() error {
			cfg := testkit.Write(t, dir, "ok.toml", "")
			_, err := pipeline.Monthly(ctx, pipeline.MonthlyOptions{Config: cfg, Scope: pipeline.Scope{Month: "2026"}}, nil)
			return err
		}, pipeline.UsageError{Problem: pipeline.BadMonth, Value: "2026"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var u *pipeline.UsageError
			if !errors.As(err, &u) || !reflect.DeepEqual(*u, tc.want) || u.Error() == "" {
				t.Fatalf("got %#v, want %+v", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused use case wrote %s", out)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg, err := pipeline.LoadConfig(testkit.Write(t, dir, "a.toml", "inbox = \"ricevuti\"\nuscita = \"/prospetti\"\nprovincia = \"LC\"\nconsiglio = false\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := pipeline.Config{Inbox: filepath.Join(dir, "ricevuti"), Archive: filepath.Join(dir, "archivio"), Out: "/prospetti",
		Ledger: filepath.Join(dir, "consolida.db"), Provinces: []string{"LC"}}
	if *cfg.Council || cfg.Inbox != want.Inbox || cfg.Archive != want.Archive || cfg.Out != want.Out ||
		cfg.Ledger != want.Ledger || !reflect.DeepEqual([]string(cfg.Provinces), []string(want.Provinces)) || cfg.ComuniList != "" || cfg.Members != "" {
		t.Errorf("config %+v", cfg)
	}
	for _, tc := range []struct {
		text string
		want pipeline.UsageError
	}{
		{"\nprovincia = 3\n", pipeline.UsageError{Problem: pipeline.ConfigProvinceList, Line: 2}},
		{"provincia = [\"LC\", [1]]\n", pipeline.UsageError{Problem: pipeline.ConfigProvinceList, Line: 1}},
		{"provincia = \n", pipeline.UsageError{Problem: pipeline.ConfigSyntax, Line: 1, Detail: "expected value but found '\\n' instead",
			Syntax: pipeline.SyntaxMissingValue, Keys: []string{"provincia"}}},
		{"inbox = 1\n", pipeline.UsageError{Problem: pipeline.ConfigInvalid, Line: 1, Keys: []string{"inbox"}, Value: "string",
			Detail: "toml: line 1 (last key \"inbox\"): incompatible types: TOML value has type int64; destination has type string"}},
		{"x = 1\ny = 2\n", pipeline.UsageError{Problem: pipeline.ConfigUnknownKeys, Keys: []string{"x", "y"}}},
		// a Windows path between double quotes: \t would be a tab, \n a new line
		{"# comuni = \"C:\\x\"\ninbox = 'C:\\in'\ncomuni = \"C:\\temp\\nomi.csv\" # elenco\n", pipeline.UsageError{Problem: pipeline.ConfigBackslash, Line: 3,
			Keys: []string{"comuni"}, Value: `"C:\temp\nomi.csv"`}},
		{"membri = \"\\\\server\\soci.txt\"\n", pipeline.UsageError{Problem: pipeline.ConfigBackslash, Line: 1,
			Keys: []string{"membri"}, Value: `"\\server\soci.txt"`}},
		{"inbox = 'a'\ninbox = 'b'\n", pipeline.UsageError{Problem: pipeline.ConfigSyntax, Line: 2, Detail: "Key 'inbox' has already been defined.",
			Syntax: pipeline.SyntaxDuplicateKey, Keys: []string{"inbox"}}},
		{"uscita = \"abc\n", pipeline.UsageError{Problem: pipeline.ConfigSyntax, Line: 1, Detail: "strings cannot contain newlines",
			Syntax: pipeline.SyntaxUnclosedString, Keys: []string{"uscita"}}},
	} {
		p := testkit.Write(t, dir, "b.toml", tc.text)
		tc.want.Path = p
		_, err := pipeline.LoadConfig(p)
		var u *pipeline.UsageError
		if !errors.As(err, &u) || !reflect.DeepEqual(*u, tc.want) {
			t.Errorf("%q: got %#v, want %+v", tc.text, err, tc.want)
		}
	}
	// escaped backslashes are right TOML; single quotes keep a path as
	// written; the keys of this version and the older "ledger"
	cfg, err = pipeline.LoadConfig(testkit.Write(t, dir, "c.toml", "comuni = \"C:\\\\dati\\\\comuni.csv\"\nmembri = 'C:\\CST\\nuovi\\soci.txt'\n"+
		"ledger = 'vecchio.db'\ncsv_excel = true\nintestazione = 'CST Brianza'\nfirma = \"Il Segretario comunale\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ComuniList != filepath.Join(dir, `C:\dati\comuni.csv`) || cfg.Members != filepath.Join(dir, `C:\CST\nuovi\soci.txt`) ||
		cfg.Ledger != filepath.Join(dir, "vecchio.db") || !cfg.ExcelCSV || cfg.Heading != "CST Brianza" || cfg.Signature != "Il Segretario comunale" {
		t.Errorf("config %+v", cfg)
	}
	cfg, err = pipeline.LoadConfig(testkit.Write(t, dir, "d.toml", "registro = 'nuovo.db'\n"))
	if err != nil || cfg.Ledger != filepath.Join(dir, "nuovo.db") {
		t.Errorf("registro: %+v %v", cfg, err)
	}
}

// TestExampleConfig: consolida.toml as init writes it loads, and so does
// every commented example in it once uncommented (the Windows path in
// single quotes stays as written).
func TestExampleConfig(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for _, l := range strings.Split(string(templates.ExampleConfig), "\n") {
		if k, _, ok := strings.Cut(strings.TrimPrefix(l, "# "), " = "); ok && !strings.Contains(k, " ") && strings.HasPrefix(l, "# ") {
			l = strings.TrimPrefix(l, "# ")
			if strings.HasPrefix(l, "comuni = 'Elenco") {
				continue // the second example of the same key
			}
		}
		lines = append(lines, l)
	}
	cfg, err := pipeline.LoadConfig(testkit.Write(t, dir, "consolida.toml", strings.Join(lines, "\n")))
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(lines, "\n"))
	}
	if cfg.ComuniList != `C:\CST\pnrr\Elenco-comuni-italiani.csv` && cfg.ComuniList != filepath.Join(dir, `C:\CST\pnrr\Elenco-comuni-italiani.csv`) ||
		!reflect.DeepEqual([]string(cfg.Provinces), []string{"LC", "CO"}) || !cfg.ExcelCSV || cfg.Heading == "" || cfg.Signature == "" ||
		cfg.Ledger != filepath.Join(dir, "consolida.db") {
		t.Errorf("config %+v", cfg)
	}
}

// TestProvinces: a province written as its name, code or sigla selects
// the same comuni; one that selects no comune of the files is refused
// with the provinces present.
func TestProvinces(t *testing.T) {
	for in, want := range map[string]string{"LC": "LC", "lc": "LC", "Lecco": "LC", "LECCO": "LC", "097": "LC", "97": "LC",
		"Reggio Emilia": "RE", "Bolzano": "BZ", "Forlì-Cesena": "FC", "forli cesena": "FC", "Valle d'Aosta": "AO", "Sud Sardegna": "SU",
		"Gallura Nord-Est Sardegna": "OT", "113": "OT", "Monza": "MB", "XX": "", "Leco": "", "": ""} {
		if got := pipeline.ProvinceAbbrev(in); got != want {
			t.Errorf("ProvinceAbbrev(%q) = %q, want %q", in, got, want)
		}
	}
	if pipeline.ProvinceName("LC") != "Lecco" || pipeline.ProvinceName("XX") != "" {
		t.Error("ProvinceName")
	}
	ctx := context.Background()
	var sums []string
	for _, p := range []string{"LC", "Lecco", "097"} {
		out := t.TempDir()
		res, err := pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Scope: pipeline.Scope{Month: "2026-11", Provinces: []string{p}},
			Output: pipeline.Output{Dir: out}, Now: now}, nil)
		if err != nil {
			t.Fatal(p, err)
		}
		sums = append(sums, fmt.Sprint(len(res.Result.Comuni), res.Result.Total))
		if d := testkit.Dump(t, out)["CST_2026-11.xlsx"]; !strings.Contains(d, "provincia LC") {
			t.Errorf("%s: the heading does not say provincia LC", p)
		}
	}
	if sums[0] != sums[1] || sums[0] != sums[2] {
		t.Errorf("LC, Lecco, 097: %v", sums)
	}
	for _, p := range [][]string{{"XX"}, {"RM"}, {"Leco", "CO"}} {
		out := filepath.Join(t.TempDir(), "uscita")
		_, err := pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Scope: pipeline.Scope{Provinces: p}, Output: pipeline.Output{Dir: out}}, nil)
		var u *pipeline.UsageError
		if !errors.As(err, &u) || u.Problem != pipeline.ProvinceNotFound || !reflect.DeepEqual(u.Present, []string{"LC"}) {
			t.Errorf("%v: %#v", p, err)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v: outputs written", p)
		}
	}
	// one of two provinces present is enough (a CST across two provinces)
	if _, err := pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Scope: pipeline.Scope{Provinces: []string{"CO", "Lecco"}},
		Output: pipeline.Output{Dir: t.TempDir()}}, nil); err != nil {
		t.Error(err)
	}
}

// TestRun: the samples give the seed figures; the events tell the steps
// in order; the outputs are in place and nothing temporary is left.
func TestRun(t *testing.T) {
	out := t.TempDir()
	rec := &recorder{}
	res, err := pipeline.Run(context.Background(), pipeline.RunOptions{Inputs: samples(t), Now: now,
		Scope: pipeline.Scope{Provinces: []string{" lc"}}, Output: pipeline.Output{Dir: out, Council: true}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dir != out || res.Month != "2026-11" || res.Result.Total != 100945080 || len(res.Result.Comuni) != 8 {
		t.Fatalf("result %s %s %s, %d comuni", res.Dir, res.Month, res.Result.Total, len(res.Result.Comuni))
	}
	for _, c := range res.Result.Comuni {
		if c.Comune.ISTAT == "097058" && c.Total != 42044100 {
			t.Errorf("Olgiate Molgora %s, want 420.441,00", c.Total)
		}
	}
	want := []string{"StepStarted/read", "StepItem", "StepAdvanced", "StepItem", "StepAdvanced", "StepItem", "StepAdvanced", "StepDone",
		"WritingCST", "StepStarted/council", "StepAdvanced", "StepDone", "CouncilWritten"}
	if got := rec.kinds(); !reflect.DeepEqual(got, want) {
		t.Errorf("events %v\nwant %v", got, want)
	}
	if w, ok := rec.events[len(rec.events)-1].(pipeline.CouncilWritten); !ok || w.Workbooks != 8 || w.Dir != filepath.Join(out, "consiglio") {
		t.Errorf("last event %+v", rec.events[len(rec.events)-1])
	}
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != ".consolida-consiglio CST_2026-11.xlsx consiglio dettaglio_2026-11.csv" {
		t.Errorf("outputs %v", names)
	}
	if d := testkit.Dump(t, out)["CST_2026-11.xlsx"]; !regexp.MustCompile(`riepilogo per comune - novembre 2026 \(dati aggiornati al [0-9/]+\) - provincia LC`).MatchString(d) {
		t.Errorf("the scope is not in the page heading:\n%s", d[:min(len(d), 2000)])
	}
}

// TestRunFailures: unreadable files are all reported, the last as the
// error; --strict gives the result and a *RejectedError; an output folder
// that cannot be made is an *ActionError.
func TestRunFailures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := testkit.Write(t, dir, "a.xlsx", "%PDF-1.4\n")
	b := testkit.Write(t, dir, "b.csv", "")
	c := testkit.Write(t, dir, "c.csv", "Comune;Importo\n")
	rec := &recorder{}
	out := filepath.Join(dir, "uscita")
	res, err := pipeline.Run(ctx, pipeline.RunOptions{Inputs: []string{a, b, c}, Output: pipeline.Output{Dir: out}}, rec)
	var fe importer.FileError
	if res != nil || !errors.As(err, &fe) || fe.Path != b || !errors.Is(err, importer.ErrEmptyFile) {
		t.Fatalf("got %v, %#v", res, err)
	}
	var unreadable []string
	for _, e := range rec.events {
		if u, ok := e.(pipeline.FileUnreadable); ok {
			unreadable = append(unreadable, u.Err.Path)
		}
	}
	if !reflect.DeepEqual(unreadable, []string{a}) {
		t.Errorf("FileUnreadable events for %v", unreadable)
	}

	res, err = pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Output: pipeline.Output{Dir: out, Strict: true}}, nil)
	var rej *pipeline.RejectedError
	if res == nil || !errors.As(err, &rej) || rej.Rows != 2 || err.Error() != "strict: 2 rows rejected" {
		t.Fatalf("strict: %v, %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(out, "dettaglio_"+res.Month+".csv")); err != nil {
		t.Errorf("strict wrote no CSV: %v", err)
	}

	var ae *pipeline.ActionError
	_, err = pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Output: pipeline.Output{Dir: filepath.Join(c, "sotto")}}, nil)
	if !errors.As(err, &ae) || ae.Action != pipeline.MakeOutputDir || ae.Path != filepath.Join(c, "sotto") {
		t.Fatalf("output under a file: %#v", err)
	}
	var nf *pipeline.NoFilesError
	if _, err = pipeline.Run(ctx, pipeline.RunOptions{Inputs: []string{t.TempDir()}, Output: pipeline.Output{Dir: out}}, nil); !errors.As(err, &nf) || nf.Op != pipeline.OpRun {
		t.Fatalf("empty folder: %#v", err)
	}
	var le *pipeline.ListError
	_, err = pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Output: pipeline.Output{Dir: out}, Scope: pipeline.Scope{Members: c}}, nil)
	if !errors.As(err, &le) || le.List != pipeline.MembersList || le.Path != c {
		t.Fatalf("members: %#v", err)
	}
}

// TestRunInterrupted: a cancelled run stops and writes nothing.
func TestRunInterrupted(t *testing.T) {
	for _, stop := range []string{"StepItem", "WritingCST"} {
		t.Run(stop, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := filepath.Join(t.TempDir(), "uscita")
			p := pipeline.ProgressFunc(func(e pipeline.Event) {
				if reflect.TypeOf(e).Name() == stop {
					cancel()
				}
			})
			res, err := pipeline.Run(ctx, pipeline.RunOptions{Inputs: samples(t), Output: pipeline.Output{Dir: out, Council: true}}, p)
			if res != nil || !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, %v", res, err)
			}
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Fatalf("an interrupted run wrote %v", ents)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	bad := testkit.Write(t, t.TempDir(), "rotto.xlsx", "%PDF-1.4\n")
	res, err := pipeline.Check(context.Background(), pipeline.CheckOptions{Inputs: []string{bad, testkit.Path("samples")}}, nil)
	var fe importer.FileError
	if !errors.As(err, &fe) || fe.Path != bad || res == nil || len(res.Files) != 4 {
		t.Fatalf("got %+v, %v", res, err)
	}
	if f := res.Files[0]; f.Err == nil || f.File != nil || f.Result != nil {
		t.Errorf("unreadable file %+v", f)
	}
	for _, f := range res.Files[1:] {
		if f.Err != nil || f.File == nil || f.Result == nil || f.Result.Conservation.Read.Rows != f.File.Source.Read.Rows {
			t.Errorf("%s: %+v", f.Path, f)
		}
	}
	if olg := res.Files[3]; filepath.Base(olg.Path) != "ufficio_ragioneria_olgiate.csv" || len(olg.Result.Anomalies) != 3 {
		t.Errorf("%s: %d anomalies", olg.Path, len(olg.Result.Anomalies))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res, err := pipeline.Check(ctx, pipeline.CheckOptions{Inputs: samples(t)}, nil); !errors.Is(err, context.Canceled) || len(res.Files) != 0 {
		t.Errorf("cancelled check: %+v, %v", res, err)
	}
}

// monthlyFolder prepares a folder with Init and the samples in its inbox.
func monthlyFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	r, err := pipeline.Init(context.Background(), pipeline.InitOptions{Dir: dir}, nil)
	if err != nil || r.Existed || r.Config != filepath.Join(dir, "consolida.toml") {
		t.Fatalf("init: %+v %v", r, err)
	}
	testkit.Copy(t, filepath.Join(dir, "inbox"), testkit.Samples(t)...)
	return r.Config
}

// TestMonthlyOnAnyStore: the monthly batch gives the same outputs on the
// SQLite ledger and on the in-memory store: the use cases depend on the
// Store contract only.
func TestMonthlyOnAnyStore(t *testing.T) {
	ctx := context.Background()
	mem := storetest.NewMemory()
	run := func(cfg string, opener pipeline.StoreOpener) *pipeline.MonthlyResult {
		t.Helper()
		res, err := pipeline.Monthly(ctx, pipeline.MonthlyOptions{Config: cfg, OpenStore: opener, Now: now,
			Scope: pipeline.Scope{Month: "2026-11"}, Output: pipeline.Output{Council: true}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	sqlCfg, memCfg := monthlyFolder(t), monthlyFolder(t)
	a, b := run(sqlCfg, nil), run(memCfg, mem.Opener())
	if a.Found != 3 || len(a.Moved) != 3 || a.Export.Export.Added != 19 || b.Export.Export.Added != 19 || a.Export.Baseline != nil {
		t.Fatalf("monthly: %+v %+v", a, b.Export.Export)
	}
	if imported, known, rows := b.Import.Counts(); imported != 3 || known != 0 || rows != 25 {
		t.Errorf("counts %d %d %d", imported, known, rows)
	}
	csvA, _ := os.ReadFile(filepath.Join(a.Export.Dir, "dettaglio_2026-11.csv"))
	csvB, _ := os.ReadFile(filepath.Join(b.Export.Dir, "dettaglio_2026-11.csv"))
	if len(csvA) == 0 || !bytes.Equal(csvA, csvB) {
		t.Error("the CSV from the memory store differs from the SQLite one")
	}
	testkit.SameDump(t, testkit.Dump(t, a.Export.Dir), testkit.Dump(t, b.Export.Dir))

	// a second month on the memory store: an office's notice changes a
	// status; the Novità compare with the first export
	notice := testkit.Write(t, filepath.Join(filepath.Dir(memCfg), "inbox"), "avviso.csv",
		"comune,cod_comune,provincia,tipologia_ente,ente,importo_finanziamento,avviso,codice_cup,stato_candidatura,data_stato_candidatura\n"+
			"Merate,097048,LC,Comuni,Comune di Merate,86114.0,1.4.3 - pagoPA - Comuni - Aprile 2022,E71F22900120006,E,2026-11-02\n")
	c, err := pipeline.Monthly(ctx, pipeline.MonthlyOptions{Config: memCfg, OpenStore: mem.Opener(), Now: now.Add(time.Hour),
		Scope: pipeline.Scope{Month: "2026-12"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := c.Export.Export
	if c.Export.Baseline == nil || c.Export.Baseline.ID != 1 || e.Added != 0 || e.StatusChanges != 1 || e.AmountChanges != 0 || e.Kind != "run" {
		t.Fatalf("second month: %+v, baseline %+v", e, c.Export.Baseline)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(memCfg), "archivio", "2026-12", filepath.Base(notice))); err != nil {
		t.Errorf("notice not archived: %v", err)
	}
	files, _ := mem.Files(ctx)
	if len(files) != 4 || files[3].Path != filepath.Join(filepath.Dir(memCfg), "archivio", "2026-12", "avviso.csv") {
		t.Errorf("files of the store: %+v", files)
	}
	h, err := pipeline.History(ctx, pipeline.HistoryOptions{OpenStore: mem.Opener()}, nil)
	if err != nil || len(h.Exports) != 2 || h.Exports[0].NewFiles != 3 || h.Exports[1].NewFiles != 1 || h.Rows() != 26 || h.Ledger != pipeline.DefaultLedger {
		t.Fatalf("history %+v %v", h, err)
	}
}

// tampered is a store whose first file claims one row more than it holds.
type tampered struct{ pipeline.Store }

func (s tampered) Load(ctx context.Context, onRows func(int)) (*ledger.Content, error) {
	c, err := s.Store.Load(ctx, onRows)
	if err == nil {
		c.Sources[0].Read.Rows++
	}
	return c, err
}

// TestConservationGate: a content that does not conserve rows is refused:
// the event shows the result, the error is a *ConservationError, nothing
// is written and no export is recorded.
func TestConservationGate(t *testing.T) {
	ctx := context.Background()
	mem := storetest.NewMemory()
	if _, err := pipeline.Import(ctx, pipeline.ImportOptions{Inputs: samples(t), OpenStore: mem.Opener()}, nil); err != nil {
		t.Fatal(err)
	}
	open := func(string, bool) (pipeline.Store, error) { return tampered{mem}, nil }
	out := filepath.Join(t.TempDir(), "uscita")
	rec := &recorder{}
	res, err := pipeline.Export(ctx, pipeline.ExportOptions{OpenStore: open, Output: pipeline.Output{Dir: out, Council: true}}, rec)
	var ce *pipeline.ConservationError
	if res != nil || !errors.As(err, &ce) || ce.Result.Conservation.OK || ce.Result.Conservation.Read.Rows != 26 {
		t.Fatalf("got %v, %#v", res, err)
	}
	var failed *funding.Result
	for _, e := range rec.events {
		if f, ok := e.(pipeline.ConservationFailed); ok {
			failed = f.Result
		}
	}
	if failed != ce.Result {
		t.Error("no ConservationFailed event with the result")
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused export wrote %s", out)
	}
	if es, _ := mem.Exports(ctx); len(es) != 0 {
		t.Errorf("the refused export was recorded: %+v", es)
	}
}

func TestImportExportErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "consolida.db")
	var empty *pipeline.EmptyStoreError
	if _, err := pipeline.Export(ctx, pipeline.ExportOptions{Ledger: db, Output: pipeline.Output{Dir: dir}}, nil); !errors.As(err, &empty) || empty.Ledger != db {
		t.Fatalf("export of an empty ledger: %#v", err)
	}
	// while a batch holds the ledger, another one is refused; History reads
	st, err := pipeline.OpenSQLite(db, true)
	if err != nil {
		t.Fatal(err)
	}
	var locked *ledger.LockedError
	if _, err := pipeline.Import(ctx, pipeline.ImportOptions{Inputs: samples(t), Ledger: db}, nil); !errors.As(err, &locked) || locked.Holder.PID != os.Getpid() {
		t.Fatalf("second batch: %#v", err)
	}
	if h, err := pipeline.History(ctx, pipeline.HistoryOptions{Ledger: db}, nil); err != nil || len(h.Files) != 0 {
		t.Fatalf("history while locked: %+v %v", h, err)
	}
	st.Close()
	var nost *pipeline.NoStoreError
	if _, err := pipeline.History(ctx, pipeline.HistoryOptions{Ledger: filepath.Join(dir, "manca.db")}, nil); !errors.As(err, &nost) {
		t.Fatalf("history of a missing ledger: %#v", err)
	}
	notDB := testkit.Write(t, dir, "falso.db", strings.Repeat("testo, non SQLite. ", 20))
	var ae *pipeline.ActionError
	if _, err := pipeline.History(ctx, pipeline.HistoryOptions{Ledger: notDB}, nil); !errors.As(err, &ae) || ae.Action != pipeline.OpenLedger || !errors.Is(err, ledger.ErrNotLedger) {
		t.Fatalf("history of a non-ledger: %#v", err)
	}
	// two unreadable files: the others are imported, the error counts them
	testkit.Write(t, dir, "in/a.xlsx", "%PDF-1.4\n")
	testkit.Write(t, dir, "in/b.csv", "")
	testkit.Copy(t, filepath.Join(dir, "in"), testkit.Path("samples", "candidature_comuni_lecco.csv"))
	res, err := pipeline.Import(ctx, pipeline.ImportOptions{Inputs: []string{filepath.Join(dir, "in")}, Ledger: db}, nil)
	var ni *pipeline.NotImportedError
	if !errors.As(err, &ni) || len(ni.Files) != 2 || res == nil || len(res.Files) != 1 || res.Ledger != db {
		t.Fatalf("import: %+v, %#v", res, err)
	}
	// the same content twice in one import: stored once
	twice := filepath.Join(dir, "twice")
	testkit.Copy(t, twice, testkit.Path("samples", "ufficio_ragioneria_olgiate.csv"))
	testkit.Write(t, twice, "copia.csv", string(must(os.ReadFile(testkit.Path("samples", "ufficio_ragioneria_olgiate.csv")))))
	res, err = pipeline.Import(ctx, pipeline.ImportOptions{Inputs: []string{twice}, Ledger: db}, nil)
	if err != nil || len(res.Files) != 2 || res.Files[0].Known || !res.Files[1].Known {
		t.Fatalf("twice: %+v %v", res, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestInitKeepsConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cst")
	r, err := pipeline.Init(context.Background(), pipeline.InitOptions{Dir: dir}, nil)
	if err != nil || r.Existed {
		t.Fatal(r, err)
	}
	b, _ := os.ReadFile(r.Config)
	if !strings.HasPrefix(string(b), "# consolida.toml: configurazione del lavoro mensile") {
		t.Errorf("config %q", b[:40])
	}
	if _, err := pipeline.LoadConfig(r.Config); err != nil {
		t.Errorf("the example config does not load: %v", err)
	}
	os.WriteFile(r.Config, []byte("# mia\n"), 0o644)
	r, err = pipeline.Init(context.Background(), pipeline.InitOptions{Dir: dir}, nil)
	if b, _ := os.ReadFile(r.Config); err != nil || !r.Existed || string(b) != "# mia\n" {
		t.Errorf("init over a config: %+v %v %q", r, err, b)
	}
	var ae *pipeline.ActionError
	if _, err := pipeline.Init(context.Background(), pipeline.InitOptions{Dir: filepath.Join(r.Config, "x")}, nil); !errors.As(err, &ae) || ae.Action != pipeline.MakeDir {
		t.Errorf("init under a file: %#v", err)
	}
}

// TestInitBatch: init writes consolida-mensile.bat for a double click:
// CRLF lines, the program quoted, the config beside the batch file, the
// window kept open by pause; an edited one is left alone.
func TestInitBatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Documenti CST")
	r, err := pipeline.Init(context.Background(), pipeline.InitOptions{Dir: dir, Program: `C:\Program Files\consolida\consolida.exe`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := string(must(os.ReadFile(r.Batch)))
	lines := strings.Split(strings.TrimSuffix(b, "\r\n"), "\r\n")
	if r.Batch != filepath.Join(dir, "consolida-mensile.bat") || strings.Count(b, "\n") != strings.Count(b, "\r\n") || lines[len(lines)-1] != "pause" ||
		!strings.Contains(b, "\r\n\"C:\\Program Files\\consolida\\consolida.exe\" run --config \"%~dp0consolida.toml\"\r\n") ||
		!strings.Contains(b, "cd /d \"%~dp0\"") || !filepath.IsAbs(r.Config) {
		t.Errorf("%+v\n%s", r, b)
	}
	os.WriteFile(r.Batch, []byte("rem mio\r\n"), 0o644)
	if _, err := pipeline.Init(context.Background(), pipeline.InitOptions{Dir: dir}, nil); err != nil || string(must(os.ReadFile(r.Batch))) != "rem mio\r\n" {
		t.Errorf("init over a batch file: %v", err)
	}
}

// TestDamagedLedgerRefused: a ledger with garbage in the middle is
// refused before anything is imported or exported (it used to accept
// imports and fail at the export, in English); the file stays as it was.
func TestDamagedLedgerRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "consolida.db")
	for _, f := range []string{"candidature_comuni_lecco.csv", "ufficio_ragioneria_olgiate.csv"} {
		if _, err := pipeline.Import(ctx, pipeline.ImportOptions{Inputs: []string{testkit.Path("samples", f)}, Ledger: db}, nil); err != nil {
			t.Fatal(err)
		}
	}
	b := must(os.ReadFile(db))
	for i := len(b) / 2 / 4096 * 4096; i < len(b)/2/4096*4096+4096; i++ {
		b[i] = byte(i * 7)
	}
	if err := os.WriteFile(db, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "uscita")
	for name, call := range map[string]func() error{
		"import": func() error {
			_, err := pipeline.Import(ctx, pipeline.ImportOptions{Inputs: []string{testkit.Path("samples", "allegato_decreto_85_2022_cloud.xlsx")}, Ledger: db}, nil)
			return err
		},
		"export": func() error {
			_, err := pipeline.Export(ctx, pipeline.ExportOptions{Ledger: db, Output: pipeline.Output{Dir: out}}, nil)
			return err
		},
		"history": func() error { _, err := pipeline.History(ctx, pipeline.HistoryOptions{Ledger: db}, nil); return err },
	} {
		var ae *pipeline.ActionError
		if err := call(); !errors.As(err, &ae) || ae.Action != pipeline.OpenLedger || !errors.Is(err, ledger.ErrDamaged) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !bytes.Equal(b, must(os.ReadFile(db))) {
		t.Error("the damaged ledger was written")
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Error("an export from a damaged ledger wrote outputs")
	}
}
