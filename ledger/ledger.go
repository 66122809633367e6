// Package ledger is the memory of the monthly batch: a SQLite file that
// holds every imported file (with its canonical records, provenance and
// import anomalies) and every export with the snapshot of the candidature
// it reported (funding.Snapshot), against which the next export computes
// its Novità (funding.Diff).
//
// The ledger is persistence only: it stores what the importer produced as
// funding types and gives them back in import order for
// funding.Consolidate; the rules (identity of a candidatura, the diff)
// are funding's. It knows nothing of input formats or workbooks.
//
// Every import of a file is one transaction: a process killed at any
// point leaves the file fully imported or not at all.
package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // pure-Go SQLite driver
)

// SchemaVersion is the version of the schema this program writes.
const SchemaVersion = 3

// ErrNewerSchema: the ledger was written by a newer consolida.
var ErrNewerSchema = errors.New("ledger written by a newer version")

// Ledger is an open ledger file.
type Ledger struct {
	db   *sql.DB
	path string
}

// migrations[i] brings the schema from version i to i+1.
var migrations = []string{
	// 0 -> 1
	`
CREATE TABLE files (
	id          INTEGER PRIMARY KEY,
	sha256      TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	path        TEXT NOT NULL,
	size        INTEGER NOT NULL,
	imported_at TEXT NOT NULL,
	format      TEXT NOT NULL,
	skipped     TEXT NOT NULL,
	notes       TEXT NOT NULL,      -- one note per line
	rows_read   INTEGER NOT NULL,
	amount_read INTEGER NOT NULL,   -- cents
	records     INTEGER NOT NULL,
	anomalies   INTEGER NOT NULL,
	rejected    INTEGER NOT NULL
);
CREATE TABLE records (
	file_id       INTEGER NOT NULL REFERENCES files(id),
	seq           INTEGER NOT NULL, -- order in the file
	sheet         TEXT NOT NULL,
	row           INTEGER NOT NULL,
	col           TEXT NOT NULL,
	owner         INTEGER NOT NULL,
	ente          TEXT NOT NULL,
	tipologia     TEXT NOT NULL,
	comune        TEXT NOT NULL,
	istat         TEXT NOT NULL,
	provincia     TEXT NOT NULL,
	cod_provincia TEXT NOT NULL,
	regione       TEXT NOT NULL,
	ipa           TEXT NOT NULL,
	catastale     TEXT NOT NULL,
	avviso        TEXT NOT NULL,
	misura_text   TEXT NOT NULL,
	measure       TEXT NOT NULL,
	cup           TEXT NOT NULL,
	decreto       TEXT NOT NULL,
	finestra      TEXT NOT NULL,
	data_invio    TEXT NOT NULL,
	data_fin      INTEGER NOT NULL, -- yyyymmdd, 0 unknown
	data_stato    INTEGER NOT NULL,
	status        INTEGER NOT NULL, -- funding.Status byte
	amount        INTEGER NOT NULL, -- cents
	amount_ok     INTEGER NOT NULL,
	rejected      INTEGER NOT NULL,
	PRIMARY KEY (file_id, seq)
) WITHOUT ROWID;
CREATE TABLE anomalies (
	file_id    INTEGER NOT NULL REFERENCES files(id),
	seq        INTEGER NOT NULL,
	sheet      TEXT NOT NULL,
	row        INTEGER NOT NULL,
	col        TEXT NOT NULL,
	field      TEXT NOT NULL,
	value      TEXT NOT NULL,
	reason     TEXT NOT NULL,
	suggestion TEXT NOT NULL,
	rejected   INTEGER NOT NULL,
	err        TEXT NOT NULL,       -- name of the funding sentinel, if any
	PRIMARY KEY (file_id, seq)
) WITHOUT ROWID;
CREATE TABLE exports (
	id              INTEGER PRIMARY KEY,
	at              TEXT NOT NULL,
	generated       TEXT NOT NULL,  -- the date printed in the workbooks
	kind            TEXT NOT NULL,  -- "export" or "run"
	mese            TEXT NOT NULL,
	out             TEXT NOT NULL,
	scope           TEXT NOT NULL,
	files           INTEGER NOT NULL, -- files in the ledger
	last_file       INTEGER NOT NULL, -- highest file id: the ledger content
	baseline        INTEGER,          -- export the Novità compare with
	rows_read       INTEGER NOT NULL,
	consolidated    INTEGER NOT NULL,
	duplicates      INTEGER NOT NULL,
	altri_enti      INTEGER NOT NULL,
	fuori_selezione INTEGER NOT NULL,
	rejected        INTEGER NOT NULL,
	anomalies       INTEGER NOT NULL,
	comuni          INTEGER NOT NULL,
	candidature     INTEGER NOT NULL,
	total           INTEGER NOT NULL, -- funded A+E, cents
	erogato         INTEGER NOT NULL,
	nuove           INTEGER NOT NULL,
	cambi_stato     INTEGER NOT NULL,
	cambi_importo   INTEGER NOT NULL,
	has_snapshot    INTEGER NOT NULL  -- 0 once a later export of the same content replaced it
);
CREATE TABLE snapshot (
	export_id INTEGER NOT NULL REFERENCES exports(id),
	seq       INTEGER NOT NULL,
	keys      BLOB NOT NULL,        -- identity keys, 8 bytes each
	istat     TEXT NOT NULL,
	comune    TEXT NOT NULL,
	measure   TEXT NOT NULL,
	cup       TEXT NOT NULL,
	status    INTEGER NOT NULL,
	amount    INTEGER NOT NULL,
	PRIMARY KEY (export_id, seq)
) WITHOUT ROWID;
`,
	// 1 -> 2: a snapshot is derived data, valid only under the identity
	// rules it was taken with (funding.IdentityRules). The snapshots of
	// schema 1 hold keys derived by the ledger's own copy of the rule,
	// which funding's keys never equal: compared with them, every
	// candidatura would be new. They are dropped, and their exports say
	// so (snapshot_rules 0); an export whose baseline has no valid
	// snapshot derives it again from the ledger content the baseline saw.
	`
ALTER TABLE exports ADD COLUMN snapshot_rules INTEGER NOT NULL DEFAULT 0; -- funding.IdentityRules of the stored snapshot; 0 none
DELETE FROM snapshot;
`,
	// 2 -> 3: a snapshot item holds the date of its status, which the
	// Novità show beside the earlier status. The snapshots stored before
	// have none: funding.IdentityRules 3 makes them be derived again.
	`
ALTER TABLE snapshot ADD COLUMN status_date INTEGER NOT NULL DEFAULT 0; -- yyyymmdd, 0 unknown
`,
}

// Open opens the ledger at path, creating it or bringing its schema up to
// date.
func Open(path string) (*Ledger, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	// rollback journal (not WAL): it works on the network shares offices use
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(delete)&_pragma=synchronous(full)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	l := &Ledger{db: db, path: path}
	if err := l.migrate(); err != nil {
		db.Close()
		return nil, damaged(err)
	}
	return l, nil
}

// Path is the file of the ledger.
func (l *Ledger) Path() string { return l.path }

// Close closes the ledger.
func (l *Ledger) Close() error { return l.db.Close() }

// Version returns the schema version of the open ledger.
func (l *Ledger) Version() (int, error) {
	var v int
	err := l.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v)
	return v, err
}

func (l *Ledger) migrate() error {
	// an up-to-date ledger is only read: `storico` must not wait for the
	// write lock of a running import
	var v int
	if err := l.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err == nil && v == len(migrations) {
		return nil
	} else if err != nil && strings.Contains(err.Error(), "not a database") {
		return notALedger(err)
	}
	tx, err := l.db.Begin()
	if err != nil {
		return notALedger(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return notALedger(err)
	}
	switch err := tx.QueryRow(`SELECT version FROM schema_version`).Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		v = 0
		if _, err := tx.Exec(`INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return err
		}
	case err != nil:
		return notALedger(err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w: schema %d, this program knows up to %d", ErrNewerSchema, v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("migrate ledger schema to %d: %w", v+1, err)
		}
	}
	if _, err := tx.Exec(`UPDATE schema_version SET version = ?`, v); err != nil {
		return err
	}
	return tx.Commit()
}

// ErrDamaged: the ledger is a SQLite database whose pages or records
// cannot be read back (garbage written into it, a disk error, a copy cut
// short). It would accept imports and fail later: it is refused first.
var ErrDamaged = errors.New("ledger damaged")

// Check verifies the ledger with SQLite's own check (PRAGMA quick_check:
// every page, record and index can be read back and agree). It returns
// ErrDamaged, with SQLite's first findings, when they do not.
func (l *Ledger) Check(ctx context.Context) error {
	rows, err := l.db.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return damaged(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return damaged(err)
		}
		if s != "ok" && len(problems) < 3 {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return damaged(err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrDamaged, strings.Join(problems, "; "))
	}
	return nil
}

// damaged marks the errors by which SQLite says that a file is damaged.
func damaged(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "malformed") || strings.Contains(msg, "SQLITE_CORRUPT") || strings.Contains(msg, "(11)") {
		return fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return err
}

// ErrNotLedger: the file is not a SQLite database.
var ErrNotLedger = errors.New("not a ledger")

func notALedger(err error) error {
	if strings.Contains(err.Error(), "not a database") || strings.Contains(err.Error(), "SQLITE_NOTADB") {
		return fmt.Errorf("%w: %v", ErrNotLedger, err)
	}
	return err
}
