package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes files (path -> content) under a new folder.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func names(c *Collection) string {
	var out []string
	for _, f := range c.Files {
		out = append(out, f.Name)
	}
	for _, s := range c.Skipped {
		out = append(out, fmt.Sprintf("[%s: %d]", s.Name, s.Reason))
	}
	return strings.Join(out, " ")
}

func TestCollectSubfolders(t *testing.T) {
	// the files of a folder, then its subfolders at any depth, as Power
	// Query's "Da cartella" reads them; Fonte names the subfolders
	dir := tree(t, map[string]string{
		"b.csv": "x", "a.xlsx": "x", "giugno/c.csv": "x", "giugno/2026/d.ods": "x", "aprile/e.csv": "x",
		".nascosta/f.csv": "x", "giugno/.g.csv": "x", "~$a.xlsx": "x", ".~lock.a.xlsx#": "x",
		"consolida.toml": "x", "consolida.db": "x", "consolida-mensile.bat": "x", "genera/main.go": "x",
		"archivio/2026-10/h.csv": "x", "uscita/CST_2026-10.xlsx": "x", "Uscita/consiglio/i.xlsx": "x",
		"altrove/j.csv": "x",
	})
	c, err := Collect([]string{dir}, CollectOptions{Exclude: []string{filepath.Join(dir, "altrove")}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(c), "a.xlsx b.csv aprile/e.csv giugno/c.csv giugno/2026/d.ods"; got != want {
		t.Errorf("files %q, want %q", got, want)
	}
	for _, f := range c.Files {
		if f.Rel != f.Name || filepath.ToSlash(f.Path) != filepath.ToSlash(filepath.Join(dir, f.Name)) {
			t.Errorf("entry %+v", f)
		}
	}
	// a file given beside its folder is read once; two files that would
	// share a name in Fonte get their paths
	other := tree(t, map[string]string{"giugno/c.csv": "y"})
	c, err = Collect([]string{dir, filepath.Join(dir, "b.csv"), other}, CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := names(c)
	for _, want := range []string{" b.csv ", filepath.ToSlash(filepath.Join(dir, "giugno", "c.csv")), filepath.ToSlash(filepath.Join(other, "giugno", "c.csv"))} {
		if !strings.Contains(" "+got+" ", want) {
			t.Errorf("files %q: %q missing", got, want)
		}
	}
	if strings.Count(got, "b.csv") != 1 || strings.Count(got, "altrove") != 1 {
		t.Errorf("files %q: b.csv twice, or the excluded folder read", got)
	}
	// a folder given as an argument is read even when named like
	// consolida's own: the user asked for it
	c, err = Collect([]string{filepath.Join(dir, "archivio")}, CollectOptions{})
	if err != nil || names(c) != "2026-10/h.csv" {
		t.Errorf("archivio given: %q, %v", names(c), err)
	}
	if _, err := Collect([]string{filepath.Join(dir, "manca")}, CollectOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing argument: %v", err)
	}
}

func TestCollectLinks(t *testing.T) {
	dir := tree(t, map[string]string{"a.csv": "x", "sub/b.csv": "x"})
	link := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	link(filepath.Join(dir, "sub"), filepath.Join("sub", "giro")) // a loop: sub/giro -> sub
	link(dir, filepath.Join("sub", "radice"))                     // a loop to the root
	link(filepath.Join(dir, "manca.csv"), "rotto.csv")            // dangling
	link(filepath.Join(dir, "a.csv"), "stesso.csv")               // the same file again
	link("anello1", "anello2")                                    // links that point at each other
	link("anello2", "anello1")
	outside := tree(t, map[string]string{"c.csv": "x"})
	link(outside, "fuori") // a folder elsewhere: followed
	c, err := Collect([]string{dir}, CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "a.csv fuori/c.csv sub/b.csv [anello1: 6] [anello2: 6] [rotto.csv: 5] [sub/giro: 6] [sub/radice: 6]"
	if got := names(c); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	for _, s := range c.Skipped {
		if src := s.Source(); src.Skipped == "" || src.Name != s.Name {
			t.Errorf("source of %+v: %+v", s, src)
		}
	}
}

func TestCollectUnreadableSubfolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every folder: permissions cannot be tested")
	}
	dir := tree(t, map[string]string{"a.csv": "x", "chiusa/b.csv": "x"})
	if err := os.Chmod(filepath.Join(dir, "chiusa"), 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(dir, "chiusa"), 0o755)
	c, err := Collect([]string{dir}, CollectOptions{})
	if err != nil || names(c) != "a.csv" || len(c.Unreadable) != 1 || !errors.Is(c.Unreadable[0], os.ErrPermission) {
		t.Errorf("%q %+v, %v", names(c), c.Unreadable, err)
	}
}
