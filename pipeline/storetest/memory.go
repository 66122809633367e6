package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"consolida/funding"
	"consolida/ledger"
	"consolida/pipeline"
)

// Memory is a pipeline.Store that keeps everything in memory: a second
// implementation of the contract, so that Run provably tests the
// contract and not SQLite, and so that the use cases can be tested
// without a file. Close keeps the content: the same Memory can be opened
// again (see Opener). It is safe for concurrent use.
type Memory struct {
	mu      sync.Mutex
	files   []memFile
	exports []memExport
}

type memFile struct {
	file      ledger.File
	records   []funding.Record
	anomalies []funding.Anomaly
}

type memExport struct {
	export      ledger.Export
	snap        funding.Snapshot
	hasSnapshot bool
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{} }

// Opener opens m for the use cases, whatever the ledger path.
func (m *Memory) Opener() pipeline.StoreOpener {
	return func(string, bool) (pipeline.Store, error) { return m, nil }
}

var _ pipeline.Store = (*Memory)(nil)

func copyFile(f ledger.File) ledger.File {
	f.Notes = slices.Clone(f.Notes)
	return f
}

func copyExport(e ledger.Export) *ledger.Export { return &e }

func copySnapshot(s funding.Snapshot) funding.Snapshot {
	out := make(funding.Snapshot, len(s))
	for i, it := range s {
		it.Keys = slices.Clone(it.Keys)
		out[i] = it
	}
	return out
}

// FileBySHA implements pipeline.Store.
func (m *Memory) FileBySHA(ctx context.Context, sha string) (*ledger.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.files {
		if f.file.SHA256 == strings.ToLower(sha) {
			c := copyFile(f.file)
			return &c, nil
		}
	}
	return nil, nil
}

// UniqueName implements pipeline.Store.
func (m *Memory) UniqueName(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	cand := name
	for n := 2; slices.ContainsFunc(m.files, func(f memFile) bool { return f.file.Name == cand }); n++ {
		cand = fmt.Sprintf("%s (%d)%s", stem, n, ext)
	}
	return cand, nil
}

// AddFile implements pipeline.Store.
func (m *Memory) AddFile(ctx context.Context, in ledger.Import, onRows func(done int)) (ledger.File, error) {
	src := in.Source
	f := ledger.File{
		SHA256: strings.ToLower(src.SHA256), Name: src.Name, Path: src.Path, Size: src.Size,
		ImportedAt: in.At, Format: src.Format, Skipped: src.Skipped, Notes: slices.Clone(src.Notes), Read: src.Read,
		Records: len(in.Records), Anomalies: len(in.Anomalies),
	}
	if f.SHA256 == "" {
		return f, fmt.Errorf("file %s without SHA-256", src.Name)
	}
	if err := ctx.Err(); err != nil {
		return f, err
	}
	if known, _ := m.FileBySHA(ctx, f.SHA256); known != nil {
		return f, ledger.ErrKnownFile
	}
	recs := make([]funding.Record, len(in.Records))
	for i, r := range in.Records {
		if r.Rejected {
			f.Rejected++
		}
		recs[i] = r
		if onRows != nil && (i+1)%2000 == 0 {
			onRows(i + 1)
			if err := ctx.Err(); err != nil {
				return f, err
			}
		}
	}
	m.mu.Lock()
	if slices.ContainsFunc(m.files, func(x memFile) bool { return x.file.SHA256 == f.SHA256 }) {
		m.mu.Unlock()
		return f, ledger.ErrKnownFile
	}
	f.ID = int64(len(m.files) + 1)
	m.files = append(m.files, memFile{file: f, records: recs, anomalies: slices.Clone(in.Anomalies)})
	m.mu.Unlock()
	if onRows != nil {
		onRows(len(in.Records))
	}
	return copyFile(f), nil
}

// SetPath implements pipeline.Store.
func (m *Memory) SetPath(ctx context.Context, id int64, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.files {
		if m.files[i].file.ID == id {
			m.files[i].file.Path = path
		}
	}
	return nil
}

// Files implements pipeline.Store.
func (m *Memory) Files(ctx context.Context) ([]ledger.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ledger.File
	for _, f := range m.files {
		out = append(out, copyFile(f.file))
	}
	return out, nil
}

// Load implements pipeline.Store.
func (m *Memory) Load(ctx context.Context, onRows func(done int)) (*ledger.Content, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &ledger.Content{}
	for i, mf := range m.files {
		f := copyFile(mf.file)
		c.Files = append(c.Files, f)
		c.Sources = append(c.Sources, funding.Source{
			Name: f.Name, Path: f.Path, SHA256: f.SHA256, Size: f.Size, Format: f.Format,
			Skipped: f.Skipped, Notes: slices.Clone(f.Notes), Read: f.Read,
		})
		c.LastFile = f.ID
		for _, r := range mf.records {
			r.Pos.File, r.FileIdx = f.Name, int32(i)
			c.Records = append(c.Records, r)
			if onRows != nil && len(c.Records)%5000 == 0 {
				onRows(len(c.Records))
			}
		}
		for _, a := range mf.anomalies {
			a.Pos.File = f.Name
			c.Anomalies = append(c.Anomalies, a)
		}
	}
	if onRows != nil {
		onRows(len(c.Records))
	}
	return c, nil
}

// Exports implements pipeline.Store.
func (m *Memory) Exports(ctx context.Context) ([]ledger.Export, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ledger.Export
	for _, e := range m.exports {
		out = append(out, e.export)
	}
	return out, nil
}

// Baseline implements pipeline.Store.
func (m *Memory) Baseline(ctx context.Context, lastFile int64) (*ledger.Export, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.exports) - 1; i >= 0; i-- {
		if e := m.exports[i]; e.export.LastFile < lastFile && e.hasSnapshot {
			return copyExport(e.export), nil
		}
	}
	return nil, nil
}

// Snapshot implements pipeline.Store: a snapshot kept in memory is always
// under the rules of this program.
func (m *Memory) Snapshot(ctx context.Context, id int64) (funding.Snapshot, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.exports {
		if e.export.ID == id && e.hasSnapshot {
			return copySnapshot(e.snap), true, nil
		}
	}
	return nil, false, nil
}

// SetSnapshot implements pipeline.Store.
func (m *Memory) SetSnapshot(ctx context.Context, id int64, snap funding.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.exports {
		if m.exports[i].export.ID == id {
			m.exports[i].snap, m.exports[i].hasSnapshot = copySnapshot(snap), true
			return nil
		}
	}
	return fmt.Errorf("export %d not in the store", id)
}

// SameContent implements pipeline.Store.
func (m *Memory) SameContent(ctx context.Context, lastFile int64, month string) (*ledger.Export, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.exports {
		if e.export.LastFile == lastFile && e.export.Month == month {
			return copyExport(e.export), nil
		}
	}
	return nil, nil
}

// AddExport implements pipeline.Store.
func (m *Memory) AddExport(ctx context.Context, e ledger.Export, snap funding.Snapshot) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.exports {
		if m.exports[i].export.LastFile == e.LastFile {
			m.exports[i].snap, m.exports[i].hasSnapshot = nil, false
		}
	}
	e.ID = int64(len(m.exports) + 1)
	m.exports = append(m.exports, memExport{export: e, snap: copySnapshot(snap), hasSnapshot: true})
	return e.ID, nil
}

// Close implements pipeline.Store; the content stays.
func (m *Memory) Close() error { return nil }
