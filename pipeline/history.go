package pipeline

import (
	"context"

	"consolida/ledger"
)

// HistoryOptions are the options of History.
type HistoryOptions struct {
	Ledger string // the ledger; empty: DefaultLedger
	// OpenStore opens the ledger; nil: OpenSQLite.
	OpenStore StoreOpener
}

// HistoryExport is an export with the number of files imported since the
// previous one.
type HistoryExport struct {
	ledger.Export
	NewFiles int
}

// HistoryResult is the content of a ledger: its files and its exports.
type HistoryResult struct {
	Ledger  string
	Files   []ledger.File
	Exports []HistoryExport
}

// Rows is the number of rows read from every file.
func (h *HistoryResult) Rows() int {
	n := 0
	for _, f := range h.Files {
		n += f.Read.Rows
	}
	return n
}

// History lists the files and exports of a ledger. It only reads, so it
// does not wait for a batch that holds the ledger; a ledger that does
// not exist is a *NoStoreError.
func History(ctx context.Context, opt HistoryOptions, p Progress) (*HistoryResult, error) {
	p = orDiscard(p)
	path := ledgerPath(opt.Ledger)
	st, err := openStore(opt.OpenStore, path, false, p)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	files, err := st.Files(ctx)
	if err != nil {
		return nil, err
	}
	exports, err := st.Exports(ctx)
	if err != nil {
		return nil, err
	}
	res := &HistoryResult{Ledger: path, Files: files}
	var prevLast int64
	for _, e := range exports {
		n := 0
		for _, f := range files {
			if f.ID > prevLast && f.ID <= e.LastFile {
				n++
			}
		}
		if e.LastFile > prevLast {
			prevLast = e.LastFile
		}
		res.Exports = append(res.Exports, HistoryExport{Export: e, NewFiles: n})
	}
	return res, nil
}
