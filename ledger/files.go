package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"consolida/funding"
)

// File is one imported input file.
type File struct {
	ID         int64 // import order
	SHA256     string
	Name       string // as shown in Fonte
	Path       string // where it was read, or where it was archived
	Size       int64
	ImportedAt time.Time
	Format     string
	Skipped    string
	Notes      []string
	Read       funding.Tally
	Records    int
	Anomalies  int
	Rejected   int
}

// ErrKnownFile: a file with the same SHA-256 is already in the ledger.
var ErrKnownFile = errors.New("file already imported")

const timeFmt = time.RFC3339Nano

const fileCols = `id, sha256, name, path, size, imported_at, format, skipped, notes, rows_read, amount_read, records, anomalies, rejected`

func scanFile(sc interface{ Scan(...any) error }) (File, error) {
	var f File
	var at, notes string
	err := sc.Scan(&f.ID, &f.SHA256, &f.Name, &f.Path, &f.Size, &at, &f.Format, &f.Skipped, &notes,
		&f.Read.Rows, &f.Read.Amount, &f.Records, &f.Anomalies, &f.Rejected)
	if err != nil {
		return f, err
	}
	f.ImportedAt, _ = time.Parse(timeFmt, at)
	if notes != "" {
		f.Notes = strings.Split(notes, "\n")
	}
	return f, nil
}

// FileBySHA returns the imported file with that SHA-256, or nil.
func (l *Ledger) FileBySHA(ctx context.Context, sha string) (*File, error) {
	f, err := scanFile(l.db.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE sha256 = ?`, strings.ToLower(sha)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// Files lists the imported files in import order.
func (l *Ledger) Files(ctx context.Context) ([]File, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+fileCols+` FROM files ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// SetPath records where a file now is (after it was archived).
func (l *Ledger) SetPath(ctx context.Context, id int64, path string) error {
	_, err := l.db.ExecContext(ctx, `UPDATE files SET path = ? WHERE id = ?`, path, id)
	return err
}

// UniqueName returns name, or "name (2).ext", "name (3).ext"... when
// another file of the ledger is already shown with that name, so that
// every Fonte stays unambiguous across months.
func (l *Ledger) UniqueName(ctx context.Context, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	cand := name
	for n := 2; ; n++ {
		var x int
		err := l.db.QueryRowContext(ctx, `SELECT 1 FROM files WHERE name = ?`, cand).Scan(&x)
		if errors.Is(err, sql.ErrNoRows) {
			return cand, nil
		}
		if err != nil {
			return "", err
		}
		cand = fmt.Sprintf("%s (%d)%s", stem, n, ext)
	}
}

// Import is one file as the importer read it.
type Import struct {
	Source    funding.Source
	Records   []funding.Record
	Anomalies []funding.Anomaly
	At        time.Time
}

// AddFile stores a file with its records and anomalies in one
// transaction. A file whose SHA-256 is already stored gives ErrKnownFile
// and changes nothing; so does a file whose amounts cannot be added up,
// alone or with those of the ledger (funding.ErrSumOverflow). onRows, if not nil, is called with the number of
// records stored so far, every few thousand (progress); it runs inside
// the transaction.
func (l *Ledger) AddFile(ctx context.Context, in Import, onRows func(done int)) (File, error) {
	src := in.Source
	f := File{
		SHA256: strings.ToLower(src.SHA256), Name: src.Name, Path: src.Path, Size: src.Size,
		ImportedAt: in.At, Format: src.Format, Skipped: src.Skipped, Notes: src.Notes, Read: src.Read,
		Records: len(in.Records), Anomalies: len(in.Anomalies),
	}
	if f.SHA256 == "" {
		return f, fmt.Errorf("file %s without SHA-256", src.Name)
	}
	if src.Read.Overflow {
		return f, funding.ErrSumOverflow
	}
	for i := range in.Records {
		if in.Records[i].Rejected {
			f.Rejected++
		}
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return f, err
	}
	defer tx.Rollback()
	var x int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM files WHERE sha256 = ?`, f.SHA256).Scan(&x); {
	case err == nil:
		return f, ErrKnownFile
	case !errors.Is(err, sql.ErrNoRows):
		return f, err
	}
	// every export adds up the amounts of every file: a file that would
	// make that sum overflow would make every later export fail
	if err := checkSum(ctx, tx, f.Read); err != nil {
		return f, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO files (sha256, name, path, size, imported_at, format, skipped, notes,
		rows_read, amount_read, records, anomalies, rejected) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		f.SHA256, f.Name, f.Path, f.Size, f.ImportedAt.Format(timeFmt), f.Format, f.Skipped, strings.Join(f.Notes, "\n"),
		f.Read.Rows, int64(f.Read.Amount), f.Records, f.Anomalies, f.Rejected)
	if err != nil {
		return f, err
	}
	if f.ID, err = res.LastInsertId(); err != nil {
		return f, err
	}
	rs, err := tx.PrepareContext(ctx, `INSERT INTO records (file_id, seq, sheet, row, col, owner, ente, tipologia, comune, istat,
		provincia, cod_provincia, regione, ipa, catastale, avviso, misura_text, measure, cup, decreto, finestra, data_invio,
		data_fin, data_stato, status, amount, amount_ok, rejected) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return f, err
	}
	defer rs.Close()
	for i := range in.Records {
		r := &in.Records[i]
		if _, err := rs.ExecContext(ctx, f.ID, i, r.Pos.Sheet, r.Pos.Row, r.Pos.Col, int(r.Owner), r.Body, r.BodyType, r.Comune,
			r.ISTAT, r.Province, r.ProvinceCode, r.Region, r.IPA, r.Belfiore, r.Avviso, r.MeasureText, r.Measure, r.CUP,
			r.Decreto, r.Window, r.SubmittedAt, int32(r.FundingDate), int32(r.StatusDate), int(r.Status), int64(r.Amount),
			r.AmountOK, r.Rejected); err != nil {
			return f, err
		}
		if onRows != nil && (i+1)%2000 == 0 {
			onRows(i + 1)
		}
	}
	as, err := tx.PrepareContext(ctx, `INSERT INTO anomalies (file_id, seq, sheet, row, col, field, value, reason, suggestion,
		rejected, err) VALUES (?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return f, err
	}
	defer as.Close()
	for i := range in.Anomalies {
		a := &in.Anomalies[i]
		if _, err := as.ExecContext(ctx, f.ID, i, a.Pos.Sheet, a.Pos.Row, a.Pos.Col, a.Field, a.Value, a.Reason,
			a.Suggestion, a.Rejected, sentinelName(a.Err)); err != nil {
			return f, err
		}
	}
	if err := tx.Commit(); err != nil {
		return f, err
	}
	if onRows != nil {
		onRows(len(in.Records))
	}
	return f, nil
}

// checkSum returns funding.ErrSumOverflow when the amounts read from the
// files of the ledger and from one more file cannot be added up.
func checkSum(ctx context.Context, tx *sql.Tx, more funding.Tally) error {
	rows, err := tx.QueryContext(ctx, `SELECT amount_read FROM files`)
	if err != nil {
		return err
	}
	defer rows.Close()
	sum := more
	for rows.Next() {
		var a funding.Amount
		if err := rows.Scan(&a); err != nil {
			return err
		}
		sum = sum.Plus(funding.Tally{Amount: a})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if sum.Overflow {
		return funding.ErrSumOverflow
	}
	return nil
}

// sentinels are the funding errors an anomaly may carry; the ledger keeps
// their name so that errors.Is still works on reloaded anomalies.
var sentinels = []struct {
	name string
	err  error
}{
	{"ErrEmptyAmount", funding.ErrEmptyAmount}, {"ErrBadAmount", funding.ErrBadAmount},
	{"ErrNegativeAmount", funding.ErrNegativeAmount}, {"ErrAmountTooLarge", funding.ErrAmountTooLarge},
	{"ErrBadDate", funding.ErrBadDate}, {"ErrImpossibleDate", funding.ErrImpossibleDate},
	{"ErrBadStatus", funding.ErrBadStatus}, {"ErrEmptyStatus", funding.ErrEmptyStatus},
	{"ErrNoMeasure", funding.ErrNoMeasure}, {"ErrAmbiguousMeasure", funding.ErrAmbiguousMeasure},
	{"ErrUnknownComune", funding.ErrUnknownComune}, {"ErrAmbiguousComune", funding.ErrAmbiguousComune},
	{"ErrNoComune", funding.ErrNoComune},
}

func sentinelName(err error) string {
	if err == nil {
		return ""
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return ""
}

func sentinelErr(name string) error {
	for _, s := range sentinels {
		if s.name == name {
			return s.err
		}
	}
	return nil
}

// Content is everything imported, ready for funding.Consolidate: the
// files in import order (Records[i].FileIdx indexes Sources), their
// records and import anomalies.
type Content struct {
	Files     []File
	Sources   []funding.Source
	Records   []funding.Record
	Anomalies []funding.Anomaly
	LastFile  int64 // highest file id; 0 for an empty ledger
}

// Load reads the whole ledger in import order. onRows, if not nil, is
// called with the number of records read so far (progress).
func (l *Ledger) Load(ctx context.Context, onRows func(done int)) (*Content, error) {
	return l.LoadUpTo(ctx, math.MaxInt64, onRows)
}

// UpTo returns the part of c that the ledger held when lastFile was its
// last file: the ledger only grows, so it is a prefix of c (the records
// are shared, not copied), what an export of that content consolidated.
func (c *Content) UpTo(lastFile int64) *Content {
	n := sort.Search(len(c.Files), func(i int) bool { return c.Files[i].ID > lastFile })
	if n == len(c.Files) {
		return c
	}
	out := &Content{Files: c.Files[:n:n], Sources: c.Sources[:n:n]}
	if n > 0 {
		out.LastFile = c.Files[n-1].ID
	}
	r := sort.Search(len(c.Records), func(i int) bool { return int(c.Records[i].FileIdx) >= n })
	out.Records = c.Records[:r:r]
	names := make(map[string]bool, n)
	for _, f := range out.Files {
		names[f.Name] = true
	}
	for _, a := range c.Anomalies {
		if names[a.Pos.File] {
			out.Anomalies = append(out.Anomalies, a)
		}
	}
	return out
}

// LoadUpTo reads the ledger as it was when lastFile was its last file:
// the files up to that id, in import order, with their records and
// anomalies (the content an export with that LastFile consolidated).
func (l *Ledger) LoadUpTo(ctx context.Context, lastFile int64, onRows func(done int)) (*Content, error) {
	// one read transaction: a consistent picture even if another process
	// could write (the batch lock prevents it anyway)
	tx, err := l.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c := &Content{}
	rows, err := tx.QueryContext(ctx, `SELECT `+fileCols+` FROM files WHERE id <= ? ORDER BY id`, lastFile)
	if err != nil {
		return nil, err
	}
	idx := map[int64]int32{}
	total := 0
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		idx[f.ID] = int32(len(c.Files))
		c.Files = append(c.Files, f)
		c.Sources = append(c.Sources, funding.Source{
			Name: f.Name, Path: f.Path, SHA256: f.SHA256, Size: f.Size, Format: f.Format,
			Skipped: f.Skipped, Notes: f.Notes, Read: f.Read,
		})
		total += f.Records
		c.LastFile = f.ID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	in := interner{}
	c.Records = make([]funding.Record, 0, total)
	rows, err = tx.QueryContext(ctx, `SELECT file_id, sheet, row, col, owner, ente, tipologia, comune, istat, provincia,
		cod_provincia, regione, ipa, catastale, avviso, misura_text, measure, cup, decreto, finestra, data_invio,
		data_fin, data_stato, status, amount, amount_ok, rejected FROM records WHERE file_id <= ? ORDER BY file_id, seq`, lastFile)
	if err != nil {
		return nil, err
	}
	var (
		fileID                                                        int64
		sheet, col, body, bodyType, com, istat, prov, provCode, reg   sql.RawBytes
		ipa, cat, avv, measureText, meas, cup, dec, window, submitted sql.RawBytes
		owner, status                                                 int
		fundingDate, statusDate                                       int32
		amount                                                        int64
		amountOK, rejected                                            bool
		row                                                           int
	)
	for rows.Next() {
		if err := rows.Scan(&fileID, &sheet, &row, &col, &owner, &body, &bodyType, &com, &istat, &prov, &provCode, &reg, &ipa,
			&cat, &avv, &measureText, &meas, &cup, &dec, &window, &submitted, &fundingDate, &statusDate, &status, &amount, &amountOK, &rejected); err != nil {
			rows.Close()
			return nil, err
		}
		fi := idx[fileID]
		c.Records = append(c.Records, funding.Record{
			Pos:     funding.Pos{File: c.Files[fi].Name, Sheet: in.s(sheet), Row: row, Col: in.s(col)},
			FileIdx: fi, Owner: funding.Owner(owner), Body: in.s(body), BodyType: in.s(bodyType),
			Comune: in.s(com), ISTAT: in.s(istat), Province: in.s(prov), ProvinceCode: in.s(provCode),
			Region: in.s(reg), IPA: in.s(ipa), Belfiore: in.s(cat), Avviso: in.s(avv), MeasureText: in.s(measureText),
			Measure: in.s(meas), CUP: in.s(cup), Decreto: in.s(dec), Window: in.s(window), SubmittedAt: in.s(submitted),
			FundingDate: funding.Date(fundingDate), StatusDate: funding.Date(statusDate), Status: funding.Status(status),
			Amount: funding.Amount(amount), AmountOK: amountOK, Rejected: rejected,
		})
		if onRows != nil && len(c.Records)%5000 == 0 {
			onRows(len(c.Records))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if onRows != nil {
		onRows(len(c.Records))
	}
	rows, err = tx.QueryContext(ctx, `SELECT file_id, sheet, row, col, field, value, reason, suggestion, rejected, err
		FROM anomalies WHERE file_id <= ? ORDER BY file_id, seq`, lastFile)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a funding.Anomaly
		var errName string
		if err := rows.Scan(&fileID, &a.Pos.Sheet, &a.Pos.Row, &a.Pos.Col, &a.Field, &a.Value, &a.Reason,
			&a.Suggestion, &a.Rejected, &errName); err != nil {
			return nil, err
		}
		a.Pos.File = c.Files[idx[fileID]].Name
		a.Err = sentinelErr(errName)
		c.Anomalies = append(c.Anomalies, a)
	}
	return c, rows.Err()
}

// interner shares the storage of repeated strings (avviso titles, names
// of regions...) among the records.
type interner map[string]string

func (in interner) s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if v, ok := in[string(b)]; ok {
		return v
	}
	v := string(b)
	in[v] = v
	return v
}
