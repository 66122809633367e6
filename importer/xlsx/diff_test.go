package xlsx

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the module's root, found from this package's folder.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package")
		}
		dir = parent
	}
}

// repoWorkbooks lists every .xlsx (and .xlsm) in the repository that is a
// zip archive (a CSV renamed .xlsx is a trap case, not a workbook).
func repoWorkbooks(t testing.TB) []string {
	root := repoRoot(t)
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// testdata/hostile holds damaged and hostile files by design:
		// excelize fails on them or takes minutes; their own tests read them
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "fuzz" || d.Name() == "hostile") {
			return filepath.SkipDir
		}
		ext := strings.ToLower(filepath.Ext(p))
		if ext != ".xlsx" && ext != ".xlsm" {
			return nil
		}
		head := make([]byte, 4)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if n, _ := f.Read(head); n == 4 && bytes.Equal(head, []byte("PK\x03\x04")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRepoWorkbooks compares this reader with excelize, cell by cell and
// type by type, on every workbook of the repository.
func TestRepoWorkbooks(t *testing.T) {
	files := repoWorkbooks(t)
	if len(files) < 5 {
		t.Fatalf("only %d workbooks found in the repository", len(files))
	}
	root := repoRoot(t)
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := readRef(data, true)
			if err != nil {
				t.Fatalf("excelize: %v", err)
			}
			got, err := readAll(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if err := compare(got, want, true); err != nil {
				t.Fatal(err)
			}
			cells := 0
			for _, s := range got {
				for _, r := range s.Rows {
					cells += len(r.Cells)
				}
			}
			t.Logf("%d sheets, %d cells equal", len(got), cells)
		})
	}
}
