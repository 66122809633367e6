package ledger_test

import (
	"path/filepath"
	"testing"

	"consolida/ledger"
	"consolida/pipeline"
	"consolida/pipeline/storetest"
)

// TestStoreContract: the SQLite ledger is a pipeline.Store, opened
// directly and through pipeline.OpenSQLite (with its lock).
func TestStoreContract(t *testing.T) {
	t.Run("Ledger", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) pipeline.Store {
			l, err := ledger.Open(filepath.Join(t.TempDir(), "consolida.db"))
			if err != nil {
				t.Fatal(err)
			}
			return l
		})
	})
	t.Run("OpenSQLite", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) pipeline.Store {
			st, err := pipeline.OpenSQLite(filepath.Join(t.TempDir(), "sub", "consolida.db"), true)
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
}
