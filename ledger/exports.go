package ledger

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"consolida/funding"
)

// Export is one export from the ledger (a `consolida export` or the
// export step of a monthly run), with the counts and totals it wrote.
type Export struct {
	ID        int64
	At        time.Time // when it ran
	Generated time.Time // the generation time printed in its workbooks
	Kind      string    // "export" or "run"
	Month     string
	Out       string
	Scope     string
	Files     int   // files in the ledger
	LastFile  int64 // highest file id: identifies the ledger content
	Baseline  int64 // export the Novità were computed against; 0 none

	Outcomes    funding.Outcomes
	Read        funding.Tally
	Anomalies   int
	Comuni      int
	Candidature int
	Total       funding.Amount // funded, A+E
	Erogato     funding.Amount

	Added, StatusChanges, AmountChanges int
}

const exportCols = `id, at, generated, kind, mese, out, scope, files, last_file, baseline, rows_read, consolidated, duplicates,
	altri_enti, fuori_selezione, rejected, anomalies, comuni, candidature, total, erogato, nuove, cambi_stato, cambi_importo`

func scanExport(sc interface{ Scan(...any) error }) (Export, error) {
	var e Export
	var at, gen string
	var base sql.NullInt64
	err := sc.Scan(&e.ID, &at, &gen, &e.Kind, &e.Month, &e.Out, &e.Scope, &e.Files, &e.LastFile, &base,
		&e.Read.Rows, &e.Outcomes.Consolidated.Rows, &e.Outcomes.Duplicates.Rows, &e.Outcomes.AltriEnti.Rows,
		&e.Outcomes.OutOfScope.Rows, &e.Outcomes.Rejected.Rows, &e.Anomalies, &e.Comuni, &e.Candidature,
		&e.Total, &e.Erogato, &e.Added, &e.StatusChanges, &e.AmountChanges)
	if err != nil {
		return e, err
	}
	e.At, _ = time.Parse(timeFmt, at)
	e.Generated, _ = time.Parse(timeFmt, gen)
	e.Baseline = base.Int64
	return e, nil
}

// Exports lists the exports in order.
func (l *Ledger) Exports(ctx context.Context) ([]Export, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+exportCols+` FROM exports ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Export
	for rows.Next() {
		e, err := scanExport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Baseline returns the export that an export of the ledger content
// lastFile compares with: the most recent earlier export whose content
// differs (the ledger only grows, so: whose last file is older), among
// those that are the latest export of their content. Exporting twice with
// nothing imported in between thus repeats the same Novità. It returns
// nil for the first export of a ledger. Its snapshot is read with
// Snapshot.
func (l *Ledger) Baseline(ctx context.Context, lastFile int64) (*Export, error) {
	e, err := scanExport(l.db.QueryRowContext(ctx, `SELECT `+exportCols+` FROM exports
		WHERE last_file < ? AND has_snapshot = 1
		ORDER BY id DESC LIMIT 1`, lastFile))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// SameContent returns the first export of the same ledger content and
// month, if any: a repeated export reuses its generation time so that the
// workbooks come out identical.
func (l *Ledger) SameContent(ctx context.Context, lastFile int64, month string) (*Export, error) {
	e, err := scanExport(l.db.QueryRowContext(ctx, `SELECT `+exportCols+` FROM exports
		WHERE last_file = ? AND mese = ? ORDER BY id LIMIT 1`, lastFile, month))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Snapshot returns the snapshot stored with export id. ok is false when
// there is none valid under the current funding.IdentityRules (written by
// an older consolida, or dropped by a later export of the same content):
// the caller derives it again from the content up to the export's
// LastFile (Content.UpTo) and may store it with SetSnapshot.
func (l *Ledger) Snapshot(ctx context.Context, id int64) (snap funding.Snapshot, ok bool, err error) {
	tx, err := l.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	var rules, has int
	err = tx.QueryRowContext(ctx, `SELECT snapshot_rules, has_snapshot FROM exports WHERE id = ?`, id).Scan(&rules, &has)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil || rules != funding.IdentityRules || has != 1 {
		return nil, false, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT keys, istat, comune, measure, cup, status, amount, status_date
		FROM snapshot WHERE export_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var it funding.Item
		var keys []byte
		var status int
		if err := rows.Scan(&keys, &it.ISTAT, &it.Comune, &it.Measure, &it.CUP, &status, &it.Amount, &it.StatusDate); err != nil {
			return nil, false, err
		}
		it.Status = funding.Status(status)
		it.Keys = make([]uint64, len(keys)/8)
		for i := range it.Keys {
			it.Keys[i] = binary.LittleEndian.Uint64(keys[i*8:])
		}
		snap = append(snap, it)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return snap, true, nil
}

// SetSnapshot replaces the snapshot of export id with snap, taken under
// the current funding.IdentityRules.
func (l *Ledger) SetSnapshot(ctx context.Context, id int64, snap funding.Snapshot) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE exports SET snapshot_rules = ? WHERE id = ?`, funding.IdentityRules, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("export %d not in the ledger", id)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM snapshot WHERE export_id = ?`, id); err != nil {
		return err
	}
	if err := insertSnapshot(ctx, tx, id, snap); err != nil {
		return err
	}
	return tx.Commit()
}

func insertSnapshot(ctx context.Context, tx *sql.Tx, id int64, snap funding.Snapshot) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO snapshot (export_id, seq, keys, istat, comune, measure, cup, status, amount, status_date)
		VALUES (?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	var buf []byte
	for i, it := range snap {
		buf = buf[:0]
		for _, k := range it.Keys {
			buf = binary.LittleEndian.AppendUint64(buf, k)
		}
		if _, err := st.ExecContext(ctx, id, i, buf, it.ISTAT, it.Comune, it.Measure, it.CUP, int(it.Status), int64(it.Amount), int64(it.StatusDate)); err != nil {
			return err
		}
	}
	return nil
}

// AddExport records an export and its snapshot (taken under the current
// funding.IdentityRules) in one transaction. The
// snapshots of earlier exports of the same content are dropped: only the
// latest export of a content can be a baseline.
func (l *Ledger) AddExport(ctx context.Context, e Export, snap funding.Snapshot) (int64, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var base any
	if e.Baseline != 0 {
		base = e.Baseline
	}
	o := e.Outcomes
	res, err := tx.ExecContext(ctx, `INSERT INTO exports (at, generated, kind, mese, out, scope, files, last_file, baseline,
		rows_read, consolidated, duplicates, altri_enti, fuori_selezione, rejected, anomalies, comuni, candidature, total,
		erogato, nuove, cambi_stato, cambi_importo, has_snapshot, snapshot_rules)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?)`,
		e.At.Format(timeFmt), e.Generated.Format(timeFmt), e.Kind, e.Month, e.Out, e.Scope, e.Files, e.LastFile, base,
		e.Read.Rows, o.Consolidated.Rows, o.Duplicates.Rows, o.AltriEnti.Rows, o.OutOfScope.Rows, o.Rejected.Rows,
		e.Anomalies, e.Comuni, e.Candidature, int64(e.Total), int64(e.Erogato), e.Added, e.StatusChanges, e.AmountChanges,
		funding.IdentityRules)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM snapshot WHERE export_id IN
		(SELECT id FROM exports WHERE last_file = ? AND id < ?)`, e.LastFile, id); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE exports SET has_snapshot = 0 WHERE last_file = ? AND id < ?`, e.LastFile, id); err != nil {
		return 0, err
	}
	if err := insertSnapshot(ctx, tx, id, snap); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}
