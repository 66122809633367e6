// Package storetest is the contract of pipeline.Store, as a test suite
// that every store must pass (restic's internal/backend/test is the
// model): the SQLite ledger passes it (ledger/store_test.go), and so does
// Memory, a second store kept here, which proves that the suite tests the
// contract rather than one implementation. A new store is added by
// calling Run from its tests.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"consolida/funding"
	"consolida/ledger"
	"consolida/pipeline"
)

// Run checks the contract on stores made by open: each subtest opens a
// new, empty store, and closes it.
func Run(t *testing.T, open func(t *testing.T) pipeline.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st pipeline.Store)
	}{
		{"Empty", testEmpty},
		{"AddFileAndLoad", testAddFileAndLoad},
		{"KnownFile", testKnownFile},
		{"InterruptedAddFile", testInterruptedAddFile},
		{"UniqueName", testUniqueName},
		{"SetPath", testSetPath},
		{"Exports", testExports},
		{"Baseline", testBaseline},
		{"Snapshots", testSnapshots},
		{"Copies", testCopies},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			tc.fn(t, st)
			if err := st.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

var at = time.Date(2026, 3, 15, 10, 4, 5, 123456789, time.UTC)

// Import is a file of n records (the second one rejected) and one
// anomaly, as the importer gives it.
func Import(name, sha string, n int) ledger.Import {
	in := ledger.Import{
		Source: funding.Source{Name: name, Path: "/x/" + name, SHA256: sha, Size: 123, Format: "CSV (UTF-8, separatore ',')",
			Notes: []string{"nota uno", "nota due"}},
		At: at,
	}
	for i := 0; i < n; i++ {
		r := funding.Record{
			Pos: funding.Pos{File: name, Sheet: "Dati", Row: i + 2, Col: "J"}, FileIdx: 7, Owner: funding.OwnerComune,
			Body: "Comune di Olgiate Molgora", BodyType: "Comuni", Comune: "Olgiate Molgora", ISTAT: "097058",
			Province: "LC", ProvinceCode: "097", Region: "Lombardia", IPA: "c_g026", Belfiore: "G026",
			Avviso: "1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)", MeasureText: "1.4.5 Digitalizzazione degli avvisi pubblici",
			Measure: "1.4.5", CUP: "H41F22002740006", Decreto: "Decreto n.131 - 1 / 2022 - PNRR", Window: "1",
			SubmittedAt: "2022-09-21T09:35:39.000+0000", FundingDate: 20230103, StatusDate: 20240626, Status: funding.StatusErogata,
			Amount: funding.Amount(3258900 + i), AmountOK: true,
		}
		if i == 1 {
			r.Rejected, r.AmountOK, r.Amount, r.Status = true, false, 0, funding.StatusUnknown
		}
		in.Records = append(in.Records, r)
		in.Source.Read.Add(r.Amount)
	}
	in.Anomalies = []funding.Anomaly{{
		Pos: funding.Pos{File: name, Sheet: "Dati", Row: 3, Col: "J"}, Field: "importo", Value: "n.d.",
		Reason: "importo mancante", Rejected: true, Err: funding.ErrEmptyAmount,
	}}
	return in
}

func add(t *testing.T, st pipeline.Store, in ledger.Import) ledger.File {
	t.Helper()
	f, err := st.AddFile(context.Background(), in, nil)
	if err != nil {
		t.Fatalf("AddFile %s: %v", in.Source.Name, err)
	}
	return f
}

func load(t *testing.T, st pipeline.Store) *ledger.Content {
	t.Helper()
	c, err := st.Load(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testEmpty(t *testing.T, st pipeline.Store) {
	ctx := context.Background()
	if fs, err := st.Files(ctx); err != nil || len(fs) != 0 {
		t.Errorf("Files: %v, %v", fs, err)
	}
	if es, err := st.Exports(ctx); err != nil || len(es) != 0 {
		t.Errorf("Exports: %v, %v", es, err)
	}
	if f, err := st.FileBySHA(ctx, "abcd"); err != nil || f != nil {
		t.Errorf("FileBySHA: %v, %v", f, err)
	}
	c := load(t, st)
	if len(c.Files)+len(c.Sources)+len(c.Records)+len(c.Anomalies) != 0 || c.LastFile != 0 {
		t.Errorf("Load: %+v", c)
	}
	if e, err := st.Baseline(ctx, 1); e != nil || err != nil {
		t.Errorf("Baseline: %v %v", e, err)
	}
	if s, ok, err := st.Snapshot(ctx, 1); s != nil || ok || err != nil {
		t.Errorf("Snapshot: %v %v %v", s, ok, err)
	}
	if e, err := st.SameContent(ctx, 0, "2026-03"); e != nil || err != nil {
		t.Errorf("SameContent: %v %v", e, err)
	}
}

func testAddFileAndLoad(t *testing.T, st pipeline.Store) {
	ctx := context.Background()
	a, b := Import("a.csv", "AAAA", 3), Import("b.xlsx", "bbbb", 2)
	var progress []int
	fa, err := st.AddFile(ctx, a, func(n int) { progress = append(progress, n) })
	if err != nil {
		t.Fatal(err)
	}
	if fa.ID == 0 || fa.SHA256 != "aaaa" || fa.Name != "a.csv" || fa.Path != "/x/a.csv" || fa.Size != 123 ||
		!fa.ImportedAt.Equal(at) || fa.Format != a.Source.Format || fa.Read != a.Source.Read ||
		fa.Records != 3 || fa.Anomalies != 1 || fa.Rejected != 1 || !reflect.DeepEqual(fa.Notes, a.Source.Notes) {
		t.Fatalf("file a: %+v", fa)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 3 {
		t.Errorf("onRows told %v, want the last call with 3", progress)
	}
	fb := add(t, st, b)
	if fb.ID <= fa.ID {
		t.Errorf("IDs %d then %d: not in import order", fa.ID, fb.ID)
	}
	files, err := st.Files(ctx)
	if err != nil || len(files) != 2 || files[0].ID != fa.ID || files[1].Name != "b.xlsx" {
		t.Fatalf("Files: %+v %v", files, err)
	}
	if f, err := st.FileBySHA(ctx, "AaAa"); err != nil || f == nil || f.ID != fa.ID {
		t.Errorf("FileBySHA ignores case: %+v %v", f, err)
	}

	progress = nil
	c, err := st.Load(ctx, func(n int) { progress = append(progress, n) })
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 5 {
		t.Errorf("Load told %v, want the last call with 5", progress)
	}
	if len(c.Files) != 2 || c.LastFile != fb.ID || len(c.Records) != 5 || len(c.Anomalies) != 2 || len(c.Sources) != 2 {
		t.Fatalf("loaded %d files (last %d), %d records, %d anomalies", len(c.Files), c.LastFile, len(c.Records), len(c.Anomalies))
	}
	want := append(append([]funding.Record(nil), a.Records...), b.Records...)
	for i := range want {
		want[i].FileIdx = 0
		if i >= len(a.Records) {
			want[i].FileIdx = 1
		}
	}
	if !reflect.DeepEqual(c.Records, want) {
		t.Fatalf("records differ:\n got %+v\nwant %+v", c.Records[0], want[0])
	}
	if got := c.Anomalies[1]; got.Pos != b.Anomalies[0].Pos || !errors.Is(got.Err, funding.ErrEmptyAmount) ||
		got.Reason != "importo mancante" || got.Field != "importo" || got.Value != "n.d." || !got.Rejected {
		t.Fatalf("anomaly %+v", got)
	}
	src := c.Sources[0]
	if src.Name != "a.csv" || src.Path != "/x/a.csv" || src.SHA256 != "aaaa" || src.Size != 123 || src.Read != a.Source.Read ||
		!reflect.DeepEqual(src.Notes, a.Source.Notes) || src.Format != a.Source.Format {
		t.Fatalf("source %+v", src)
	}
}

func testKnownFile(t *testing.T, st pipeline.Store) {
	ctx := context.Background()
	add(t, st, Import("a.csv", "aaaa", 3))
	if _, err := st.AddFile(ctx, Import("copia.csv", "AAAA", 4), nil); !errors.Is(err, ledger.ErrKnownFile) {
		t.Fatalf("got %v, want ledger.ErrKnownFile", err)
	}
	if c := load(t, st); len(c.Files) != 1 || len(c.Records) != 3 || c.Files[0].Name != "a.csv" {
		t.Fatalf("%d files, %d records", len(c.Files), len(c.Records))
	}
	if _, err := st.AddFile(ctx, Import("senza.csv", "", 1), nil); err == nil {
		t.Error("a file without SHA-256 was stored")
	}
}

func testInterruptedAddFile(t *testing.T, st pipeline.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	_, err := st.AddFile(ctx, Import("big.csv", "cccc", 9000), func(n int) {
		calls++
		if n >= 2000 {
			cancel()
		}
	})
	if err == nil || calls == 0 {
		t.Fatalf("AddFile went on after the cancellation (%d progress calls)", calls)
	}
	if c := load(t, st); len(c.Files) != 0 || len(c.Records) != 0 || len(c.Anomalies) != 0 {
		t.Fatalf("half an import: %d files, %d records", len(c.Files), len(c.Records))
	}
	if f, err := st.FileBySHA(context.Background(), "cccc"); f != nil || err != nil {
		t.Fatalf("the interrupted file is known: %v %v", f, err)
	}
	add(t, st, Import("big.csv", "cccc", 10))
}

func testUniqueName(t *testing.T, st pipeline.Store) {
	for i, sha := range []string{"01", "02", "03"} {
		name, err := st.UniqueName(context.Background(), "candidature.csv")
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"candidature.csv", "candidature (2).csv", "candidature (3).csv"}[i]; name != want {
			t.Fatalf("got %q, want %q", name, want)
		}
		add(t, st, Import(name, sha, 1))
	}
}

func testSetPath(t *testing.T, st pipeline.Store) {
	f := add(t, st, Import("a.csv", "aaaa", 1))
	add(t, st, Import("b.csv", "bbbb", 1))
	if err := st.SetPath(context.Background(), f.ID, "/archivio/2026-03/a.csv"); err != nil {
		t.Fatal(err)
	}
	c := load(t, st)
	if c.Files[0].Path != "/archivio/2026-03/a.csv" || c.Sources[0].Path != "/archivio/2026-03/a.csv" || c.Files[1].Path != "/x/b.csv" {
		t.Fatalf("paths %q %q %q", c.Files[0].Path, c.Sources[0].Path, c.Files[1].Path)
	}
}

func snap(amount funding.Amount) funding.Snapshot {
	return funding.Snapshot{
		{Keys: []uint64{1, 2}, ISTAT: "097058", Comune: "Olgiate Molgora", Measure: "1.4.5", CUP: "H41F22002740006", Status: 'A', Amount: amount, StatusDate: 20230103},
		{Keys: []uint64{3}, ISTAT: "097048", Comune: "Merate", Measure: "1.2", Status: 'E', Amount: 7},
	}
}

func testExports(t *testing.T, st pipeline.Store) {
	ctx := context.Background()
	e := ledger.Export{
		At: at, Generated: at.Add(-time.Hour), Kind: "run", Month: "2026-03", Out: "/uscita", Scope: "provincia LC",
		Files: 2, LastFile: 2, Baseline: 0,
		Outcomes: funding.Outcomes{Consolidated: funding.Tally{Rows: 19}, Duplicates: funding.Tally{Rows: 2},
			AltriEnti: funding.Tally{Rows: 3}, OutOfScope: funding.Tally{Rows: 4}, Rejected: funding.Tally{Rows: 5}},
		Read: funding.Tally{Rows: 33}, Anomalies: 6, Comuni: 7, Candidature: 19, Total: 100945080, Erogato: 12345,
		Added: 19, StatusChanges: 8, AmountChanges: 9,
	}
	id, err := st.AddExport(ctx, e, snap(100))
	if err != nil || id == 0 {
		t.Fatalf("AddExport: %d %v", id, err)
	}
	e2 := e
	e2.LastFile, e2.Baseline, e2.Scope = 3, id, ""
	id2, err := st.AddExport(ctx, e2, snap(200))
	if err != nil || id2 <= id {
		t.Fatalf("AddExport: %d after %d, %v", id2, id, err)
	}
	es, err := st.Exports(ctx)
	if err != nil || len(es) != 2 {
		t.Fatalf("Exports: %v %v", es, err)
	}
	got := es[0]
	if got.ID != id || !got.At.Equal(e.At) || !got.Generated.Equal(e.Generated) {
		t.Errorf("export %+v", got)
	}
	got.ID, got.At, got.Generated = 0, e.At, e.Generated
	if !reflect.DeepEqual(got, e) {
		t.Errorf("export round trip:\n got %+v\nwant %+v", got, e)
	}
	if es[1].ID != id2 || es[1].Baseline != id || es[1].LastFile != 3 {
		t.Errorf("second export %+v", es[1])
	}
}

// baseline is the baseline export of content lastFile with its snapshot.
func baseline(t *testing.T, st pipeline.Store, lastFile int64) (*ledger.Export, funding.Snapshot) {
	t.Helper()
	ctx := context.Background()
	e, err := st.Baseline(ctx, lastFile)
	if err != nil {
		t.Fatal(err)
	}
	if e == nil {
		return nil, nil
	}
	s, ok, err := st.Snapshot(ctx, e.ID)
	if err != nil || !ok {
		t.Fatalf("snapshot of baseline %d: %v %v", e.ID, ok, err)
	}
	return e, s
}

// testBaseline: the baseline of a content is the latest export of an
// older content that kept its snapshot; exporting the same content again
// replaces the snapshot of the earlier exports of that content.
func testBaseline(t *testing.T, st pipeline.Store) {
	ctx := context.Background()
	addExport := func(last int64, month string, amount funding.Amount) int64 {
		id, err := st.AddExport(ctx, ledger.Export{At: at, Generated: at, Kind: "export", Month: month, LastFile: last}, snap(amount))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	e1 := addExport(1, "2026-03", 100)
	e2 := addExport(2, "2026-03", 200)
	// nothing imported since e2: the baseline stays e1
	if e, s := baseline(t, st, 2); e == nil || e.ID != e1 || !reflect.DeepEqual(s, snap(100)) {
		t.Fatalf("baseline of content 2: %+v %+v, want %d", e, s, e1)
	}
	e3 := addExport(2, "2026-04", 300) // same content as e2: e2's snapshot is dropped
	if e, s := baseline(t, st, 2); e == nil || e.ID != e1 || s[0].Amount != 100 {
		t.Fatalf("baseline of content 2 after a repeat: %+v", e)
	}
	if e, s := baseline(t, st, 3); e == nil || e.ID != e3 || !reflect.DeepEqual(s, snap(300)) {
		t.Fatalf("baseline of content 3: %+v %+v, want %d", e, s, e3)
	}
	if p, err := st.SameContent(ctx, 2, "2026-03"); err != nil || p == nil || p.ID != e2 {
		t.Fatalf("SameContent(2, 2026-03): %+v %v, want %d", p, err, e2)
	}
	if p, _ := st.SameContent(ctx, 2, "2026-04"); p == nil || p.ID != e3 {
		t.Fatalf("SameContent(2, 2026-04): %+v, want %d", p, e3)
	}
	if p, _ := st.SameContent(ctx, 3, "2026-03"); p != nil {
		t.Fatalf("SameContent(3): %+v", p)
	}
}

// testSnapshots: the snapshot of an export is given back as stored,
// replaced by SetSnapshot, and gone once a later export of the same
// content replaced it; an unknown export has none and cannot get one.
func testSnapshots(t *testing.T, st pipeline.Store) {
	ctx := context.Background()
	id, err := st.AddExport(ctx, ledger.Export{At: at, Generated: at, Kind: "export", Month: "2026-03", LastFile: 1}, snap(100))
	if err != nil {
		t.Fatal(err)
	}
	if s, ok, err := st.Snapshot(ctx, id); err != nil || !ok || !reflect.DeepEqual(s, snap(100)) {
		t.Fatalf("Snapshot: %+v %v %v", s, ok, err)
	}
	if err := st.SetSnapshot(ctx, id, snap(150)); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := st.Snapshot(ctx, id); err != nil || !ok || !reflect.DeepEqual(s, snap(150)) {
		t.Fatalf("Snapshot after SetSnapshot: %+v %v %v", s, ok, err)
	}
	if err := st.SetSnapshot(ctx, id+100, snap(1)); err == nil {
		t.Error("SetSnapshot of an unknown export: no error")
	}
	if s, ok, err := st.Snapshot(ctx, id+100); s != nil || ok || err != nil {
		t.Errorf("Snapshot of an unknown export: %v %v %v", s, ok, err)
	}
	if _, err := st.AddExport(ctx, ledger.Export{At: at, Generated: at, Kind: "export", Month: "2026-04", LastFile: 1}, snap(200)); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := st.Snapshot(ctx, id); s != nil || ok || err != nil {
		t.Errorf("Snapshot of an export whose content was exported again: %v %v %v", s, ok, err)
	}
}

// testCopies: what a store returns is the caller's to change.
func testCopies(t *testing.T, st pipeline.Store) {
	ctx := context.Background()
	in := Import("a.csv", "aaaa", 2)
	add(t, st, in)
	in.Records[0].Amount, in.Source.Notes[0] = 1, "cambiata"
	c := load(t, st)
	c.Records[0].Amount, c.Files[0].Notes[0], c.Sources[0].Notes[0] = 2, "cambiata", "cambiata"
	c = load(t, st)
	if c.Records[0].Amount != 3258900 || c.Files[0].Notes[0] != "nota uno" || c.Sources[0].Notes[0] != "nota uno" {
		t.Fatalf("the store shares memory with its callers: %v %q %q", c.Records[0].Amount, c.Files[0].Notes[0], c.Sources[0].Notes[0])
	}
	s := snap(100)
	if _, err := st.AddExport(ctx, ledger.Export{At: at, Generated: at, LastFile: 1}, s); err != nil {
		t.Fatal(err)
	}
	s[0].Keys[0], s[0].Amount = 99, 99
	_, got := baseline(t, st, 2)
	if !reflect.DeepEqual(got, snap(100)) {
		t.Fatalf("snapshot shared: %+v", got)
	}
	got[0].Keys[0] = 98
	if _, again := baseline(t, st, 2); !reflect.DeepEqual(again, snap(100)) {
		t.Fatalf("snapshot shared: %+v", again)
	}
}
