package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"consolida/funding"
)

func openTemp(tb testing.TB) (*Ledger, string) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "sub", "consolida.db")
	l, err := Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l, p
}

func sampleImport(name, sha string, n int) Import {
	in := Import{
		Source: funding.Source{Name: name, Path: "/x/" + name, SHA256: sha, Size: 123, Format: "CSV (UTF-8, separatore ',')",
			Notes: []string{"nota uno", "nota due"}},
		At: time.Date(2026, 3, 15, 10, 4, 5, 0, time.UTC),
	}
	for i := 0; i < n; i++ {
		r := funding.Record{
			Pos: funding.Pos{File: name, Sheet: "Dati", Row: i + 2}, FileIdx: 7, Owner: funding.OwnerComune,
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

func TestSchemaCreatedAndReopened(t *testing.T) {
	l, p := openTemp(t)
	v, err := l.Version()
	if err != nil || v != SchemaVersion {
		t.Fatalf("version %d, %v; want %d", v, err, SchemaVersion)
	}
	l.Close()
	l2, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if v, _ := l2.Version(); v != SchemaVersion {
		t.Fatalf("reopened version %d", v)
	}
}

func TestNotALedger(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.db")
	if err := os.WriteFile(p, []byte("codice_ipa,ente\nc_g026,Comune di Olgiate Molgora\n"+string(make([]byte, 200))), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); !errors.Is(err, ErrNotLedger) {
		t.Fatalf("got %v, want ErrNotLedger", err)
	}
}

func TestAddFileRoundTrip(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	a, b := sampleImport("a.csv", "AAAA", 3), sampleImport("b.xlsx", "bbbb", 2)
	fa, err := l.AddFile(ctx, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fa.ID != 1 || fa.Rejected != 1 || fa.Records != 3 || fa.SHA256 != "aaaa" {
		t.Fatalf("file a: %+v", fa)
	}
	if _, err := l.AddFile(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	c, err := l.Load(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Files) != 2 || c.LastFile != 2 || len(c.Records) != 5 || len(c.Anomalies) != 2 {
		t.Fatalf("loaded %d files (last %d), %d records, %d anomalies", len(c.Files), c.LastFile, len(c.Records), len(c.Anomalies))
	}
	want := append([]funding.Record(nil), a.Records...)
	want = append(want, b.Records...)
	for i := range want {
		want[i].FileIdx = 0
		if i >= len(a.Records) {
			want[i].FileIdx = 1
		}
	}
	if !reflect.DeepEqual(c.Records, want) {
		t.Fatalf("records differ:\n got %+v\nwant %+v", c.Records[0], want[0])
	}
	if got := c.Anomalies[1]; got.Pos != b.Anomalies[0].Pos || !errors.Is(got.Err, funding.ErrEmptyAmount) || got.Reason != "importo mancante" {
		t.Fatalf("anomaly %+v", got)
	}
	src := c.Sources[0]
	if src.Name != "a.csv" || src.Read != a.Source.Read || !reflect.DeepEqual(src.Notes, a.Source.Notes) || src.Format != a.Source.Format {
		t.Fatalf("source %+v", src)
	}
}

func TestKnownFileChangesNothing(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	if _, err := l.AddFile(ctx, sampleImport("a.csv", "aaaa", 3), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddFile(ctx, sampleImport("copia.csv", "AAAA", 4), nil); !errors.Is(err, ErrKnownFile) {
		t.Fatalf("got %v, want ErrKnownFile", err)
	}
	c, _ := l.Load(ctx, nil)
	if len(c.Files) != 1 || len(c.Records) != 3 {
		t.Fatalf("%d files, %d records", len(c.Files), len(c.Records))
	}
	f, err := l.FileBySHA(ctx, "AAAA")
	if err != nil || f == nil || f.Name != "a.csv" {
		t.Fatalf("FileBySHA: %+v %v", f, err)
	}
}

func TestInterruptedImportLeavesNothing(t *testing.T) {
	l, _ := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := l.AddFile(ctx, sampleImport("big.csv", "cccc", 9000), func(n int) {
		if n >= 4000 {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("import went on after the cancellation")
	}
	c, err := l.Load(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Files) != 0 || len(c.Records) != 0 || len(c.Anomalies) != 0 {
		t.Fatalf("half an import: %d files, %d records", len(c.Files), len(c.Records))
	}
}

func TestUniqueName(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	for i, sha := range []string{"01", "02", "03"} {
		name, err := l.UniqueName(ctx, "candidature.csv")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"candidature.csv", "candidature (2).csv", "candidature (3).csv"}[i]
		if name != want {
			t.Fatalf("got %q, want %q", name, want)
		}
		if _, err := l.AddFile(ctx, sampleImport(name, sha, 1), nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBaselineRule(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	snap := func(amount funding.Amount) funding.Snapshot {
		return funding.Snapshot{{Keys: []uint64{1, 2}, ISTAT: "097058", Comune: "Olgiate Molgora", Measure: "1.4.5", Status: 'A', Amount: amount}}
	}
	add := func(last int64, amount funding.Amount) int64 {
		id, err := l.AddExport(ctx, Export{At: time.Now(), Generated: time.Now(), Kind: "export", Month: "2026-03", LastFile: last}, snap(amount))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	baseline := func(last int64) (*Export, funding.Snapshot) {
		t.Helper()
		e, err := l.Baseline(ctx, last)
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			return nil, nil
		}
		s, ok, err := l.Snapshot(ctx, e.ID)
		if err != nil || !ok {
			t.Fatalf("snapshot of baseline %d: %v %v", e.ID, ok, err)
		}
		return e, s
	}
	if e, s := baseline(1); e != nil || s != nil {
		t.Fatalf("first export has a baseline: %v %v", e, s)
	}
	e1 := add(1, 100)
	e2 := add(2, 200)
	// nothing imported since e2: the baseline stays e1
	if e, _ := baseline(2); e == nil || e.ID != e1 {
		t.Fatalf("baseline of content 2: %+v, want %d", e, e1)
	}
	e3 := add(2, 300) // same content as e2: e2's snapshot is dropped
	if e, s := baseline(2); e == nil || e.ID != e1 || s[0].Amount != 100 {
		t.Fatalf("baseline of content 2 after a repeat: %+v", e)
	}
	if e, s := baseline(3); e == nil || e.ID != e3 || len(s) != 1 || s[0].Amount != 300 || !reflect.DeepEqual(s[0].Keys, []uint64{1, 2}) {
		t.Fatalf("baseline of content 3: %+v %+v", e, s)
	}
	if n, ok, _ := l.Snapshot(ctx, e2); len(n) != 0 || ok {
		t.Fatalf("snapshot of export %d kept", e2)
	}
	if p, _ := l.SameContent(ctx, 2, "2026-03"); p == nil || p.ID != e2 {
		t.Fatalf("SameContent: %+v", p)
	}
	es, err := l.Exports(ctx)
	if err != nil || len(es) != 3 || es[1].Baseline != 0 || es[2].LastFile != 2 {
		t.Fatalf("exports %+v %v", es, err)
	}
}

func TestLockNamesHolder(t *testing.T) {
	p := filepath.Join(t.TempDir(), "consolida.db")
	lk, err := Acquire(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(p)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v", err)
	}
	if le.Holder == nil || le.Holder.PID != os.Getpid() || time.Since(le.Holder.Start) > time.Minute {
		t.Fatalf("holder %+v", le.Holder)
	}
	if err := lk.Release(); err != nil {
		t.Fatal(err)
	}
	lk2, err := Acquire(p)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	lk2.Release()
}

// schema1Ledger writes a ledger as consolida wrote it with schema 1: two
// files, and an export of the first with a snapshot whose keys came from
// the ledger's old copy of the identity rule.
func schema1Ledger(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{migrations[0], `CREATE TABLE schema_version (version INTEGER NOT NULL)`, `INSERT INTO schema_version VALUES (1)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	l := &Ledger{db: db, path: path}
	ctx := context.Background()
	for i, sha := range []string{"aaaa", "bbbb"} {
		if _, err := l.AddFile(ctx, sampleImport(fmt.Sprintf("f%d.csv", i+1), sha, 2), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO exports (id, at, generated, kind, mese, out, scope, files, last_file, baseline, rows_read,
		consolidated, duplicates, altri_enti, fuori_selezione, rejected, anomalies, comuni, candidature, total, erogato, nuove,
		cambi_stato, cambi_importo, has_snapshot) VALUES (1, '2026-02-01T10:00:00Z', '2026-02-01T10:00:00Z', 'run', '2026-02',
		'/out', '', 1, 1, NULL, 2, 1, 0, 0, 0, 1, 1, 1, 1, 3258900, 3258900, 1, 0, 0, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO snapshot VALUES (1, 0, x'0102030405060708', '097058', 'Olgiate Molgora', '1.4.5',
		'H41F22002740006', 69, 3258900)`); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationFromSchema1InvalidatesSnapshots(t *testing.T) {
	p := filepath.Join(t.TempDir(), "consolida.db")
	schema1Ledger(t, p)
	l, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	if v, err := l.Version(); err != nil || v != SchemaVersion {
		t.Fatalf("version %d %v, want %d", v, err, SchemaVersion)
	}
	// what was imported and exported is still there
	c, err := l.Load(ctx, nil)
	if err != nil || len(c.Files) != 2 || len(c.Records) != 4 || len(c.Anomalies) != 2 {
		t.Fatalf("content after the migration: %v", err)
	}
	base, err := l.Baseline(ctx, 2)
	if err != nil || base == nil || base.ID != 1 || base.LastFile != 1 || base.Total != 3258900 || base.Added != 1 {
		t.Fatalf("baseline after the migration: %+v %v", base, err)
	}
	// its snapshot is not: its keys were derived by other rules
	if s, ok, err := l.Snapshot(ctx, base.ID); err != nil || ok || s != nil {
		t.Fatalf("a schema 1 snapshot survived: %v %+v %v", ok, s, err)
	}
	var n int
	if err := l.db.QueryRow(`SELECT count(*) FROM snapshot`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d snapshot rows left, %v", n, err)
	}
	// derived again and stored, it is valid
	snap := funding.Snapshot{{Keys: []uint64{7}, ISTAT: "097058", Comune: "Olgiate Molgora", Measure: "1.4.5", Status: 'E', Amount: 3258900, StatusDate: 20250813}}
	if err := l.SetSnapshot(ctx, base.ID, snap); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := l.Snapshot(ctx, base.ID); err != nil || !ok || !reflect.DeepEqual(s, snap) {
		t.Fatalf("stored snapshot: %v %+v %v", ok, s, err)
	}
	if err := l.SetSnapshot(ctx, 99, snap); err == nil {
		t.Fatal("a snapshot stored for an export that does not exist")
	}
	// a new export records the current rules
	id, err := l.AddExport(ctx, Export{At: time.Now(), Generated: time.Now(), Kind: "export", Month: "2026-03", LastFile: 2, Baseline: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok, err := l.Snapshot(ctx, id); err != nil || !ok || len(s) != 0 {
		t.Fatalf("empty snapshot of a new export: %v %+v %v", ok, s, err)
	}
	l.Close()
	// reopening does not migrate again
	l2, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if s, ok, err := l2.Snapshot(ctx, 1); err != nil || !ok || len(s) != 1 {
		t.Fatalf("after reopening: %v %+v %v", ok, s, err)
	}
}

func TestLoadUpTo(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	for i, sha := range []string{"01", "02", "03"} {
		if _, err := l.AddFile(ctx, sampleImport(fmt.Sprintf("f%d.csv", i+1), sha, i+2), nil); err != nil {
			t.Fatal(err)
		}
	}
	all, err := l.Load(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, last := range []int64{0, 1, 2, 3} {
		c, err := l.LoadUpTo(ctx, last, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Files) != int(last) || c.LastFile != last {
			t.Fatalf("up to %d: %d files, last %d", last, len(c.Files), c.LastFile)
		}
		want := 0
		for i := 0; i < int(last); i++ {
			want += i + 2
		}
		if len(c.Records) != want || len(c.Anomalies) != int(last) {
			t.Fatalf("up to %d: %d records, %d anomalies", last, len(c.Records), len(c.Anomalies))
		}
		// the prefix of the whole content is the same, without reading
		if p := all.UpTo(last); !reflect.DeepEqual(normalized(p), normalized(c)) {
			t.Fatalf("UpTo(%d) differs from LoadUpTo(%d)", last, last)
		}
	}
	if all.UpTo(99) != all {
		t.Fatal("UpTo past the last file is not the whole content")
	}
}

// normalized makes empty and nil slices alike, for DeepEqual.
func normalized(c *Content) Content {
	out := *c
	if len(out.Files) == 0 {
		out.Files, out.Sources, out.Records = nil, nil, nil
	}
	if len(out.Anomalies) == 0 {
		out.Anomalies = nil
	}
	return out
}

func TestAddFileRefusesAmountsThatCannotBeAddedUp(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	huge := func(name, sha string, n int) Import {
		in := sampleImport(name, sha, 0)
		for i := 0; i < n; i++ {
			r := sampleImport(name, sha, 1).Records[0]
			r.Amount = funding.Amount(1e17) // the largest amount one row may carry
			in.Records = append(in.Records, r)
			in.Source.Read.Add(r.Amount)
		}
		return in
	}
	if _, err := l.AddFile(ctx, huge("a.csv", "01", 93), nil); !errors.Is(err, funding.ErrSumOverflow) {
		t.Fatalf("93 rows at the bound: %v", err)
	}
	// each file fits, not both together
	if _, err := l.AddFile(ctx, huge("b.csv", "02", 50), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddFile(ctx, huge("c.csv", "03", 50), nil); !errors.Is(err, funding.ErrSumOverflow) {
		t.Fatalf("two files of 50 rows at the bound: %v", err)
	}
	c, err := l.Load(ctx, nil)
	if err != nil || len(c.Files) != 1 || c.Files[0].Name != "b.csv" || len(c.Records) != 50 {
		t.Fatalf("ledger after the refusals: %v", err)
	}
}

// TestCheckDamaged: a ledger with garbage in the middle (issue 8, finding
// 10) opens and would accept imports; Check finds the damage, and a
// sound ledger passes.
func TestCheckDamaged(t *testing.T) {
	l, p := openTemp(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := l.AddFile(ctx, sampleImport(fmt.Sprint("f", i, ".csv"), fmt.Sprint("sha", i), 400), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Check(ctx); err != nil {
		t.Fatalf("a sound ledger: %v", err)
	}
	l.Close()
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := f.Stat()
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	if _, err := f.WriteAt(garbage, info.Size()/2/4096*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	l2, err := Open(p)
	if err != nil {
		t.Fatalf("the damaged ledger does not even open: %v", err)
	}
	defer l2.Close()
	if err := l2.Check(ctx); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Check: %v, want ErrDamaged", err)
	}
}
