package funding

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// packageImports returns the non-test imports of the package in dir and
// of every package below it (testdata excepted), keyed by import path.
func packageImports(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	root, err := filepath.Abs("..") // the module
	if err != nil {
		t.Fatal(err)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if d.Name() == "testdata" {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(p, 0)
		if _, ok := err.(*build.NoGoError); ok {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out["consolida/"+filepath.ToSlash(rel)] = pkg.Imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no package under %s", dir)
	}
	return out
}

// The data flows one way (DESIGN.md): files -> importer -> funding ->
// ledger -> exporter. funding is the domain without I/O; importer,
// exporter and ledger depend on funding and never on each other.
func TestImportsFlowOneWay(t *testing.T) {
	forbidden := func(imp string) bool {
		for _, p := range []string{"os", "io/fs", "io/ioutil", "database/sql", "net", "github.com/xuri/excelize",
			"github.com/urfave/cli", "modernc.org/sqlite", "consolida"} {
			if imp == p || strings.HasPrefix(imp, p+"/") {
				return true
			}
		}
		return false
	}
	for pkg, imps := range packageImports(t, ".") {
		for _, imp := range imps {
			if forbidden(imp) {
				t.Errorf("%s imports %s: funding is the domain, without I/O, spreadsheets, SQL, command line or other packages of consolida", pkg, imp)
			}
		}
	}
	sides := []string{"importer", "exporter", "ledger"}
	for _, side := range sides {
		for pkg, imps := range packageImports(t, filepath.Join("..", side)) {
			for _, imp := range imps {
				for _, other := range sides {
					if other != side && (imp == "consolida/"+other || strings.HasPrefix(imp, "consolida/"+other+"/")) {
						t.Errorf("%s imports %s: importer, exporter and ledger meet only in funding", pkg, imp)
					}
				}
			}
		}
	}
}
