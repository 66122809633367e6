package exporter

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var errBoom = errors.New("boom")

// leftovers lists the temporary files of the atomic writer left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".consolida-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "CST_2026-11.xlsx")
	if err := WriteFileAtomic(p, writeString("prima")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, writeString("dopo")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "dopo" {
		t.Fatalf("content %q (%v)", b, err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644: the office shares these files", fi.Mode(), err)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("temporary files left: %q", l)
	}
}

// TestWriteFileAtomicFailures: whatever fails, the previous file is
// intact and no temporary file is left.
func TestWriteFileAtomicFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) (target string, write func(io.Writer) error)
		is    error
	}{
		{"the write fails", func(t *testing.T, dir string) (string, func(io.Writer) error) {
			return filepath.Join(dir, "out.xlsx"), func(io.Writer) error { return errBoom }
		}, errBoom},
		{"the write fails half way", func(t *testing.T, dir string) (string, func(io.Writer) error) {
			return filepath.Join(dir, "out.xlsx"), func(w io.Writer) error {
				io.WriteString(w, strings.Repeat("x", 1<<20))
				return errBoom
			}
		}, errBoom},
		{"the folder does not exist", func(t *testing.T, dir string) (string, func(io.Writer) error) {
			return filepath.Join(dir, "manca", "out.xlsx"), writeString("nuovo")
		}, os.ErrNotExist},
		{"the folder is a file", func(t *testing.T, dir string) (string, func(io.Writer) error) {
			return filepath.Join(dir, "out.xlsx", "x.xlsx"), writeString("nuovo")
		}, nil},
		{"the rename fails: the target is a folder", func(t *testing.T, dir string) (string, func(io.Writer) error) {
			target := filepath.Join(dir, "cartella.xlsx")
			if err := os.Mkdir(target, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(target, "dentro"), []byte("resta"), 0o644); err != nil {
				t.Fatal(err)
			}
			return target, writeString("nuovo")
		}, nil},
		{"the folder is not writable", func(t *testing.T, dir string) (string, func(io.Writer) error) {
			if os.Geteuid() == 0 {
				t.Skip("running as root: permissions do not stop writes")
			}
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o755) })
			return filepath.Join(dir, "out.xlsx"), writeString("nuovo")
		}, os.ErrPermission},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			prev := filepath.Join(dir, "out.xlsx")
			if err := os.WriteFile(prev, []byte("prima"), 0o644); err != nil {
				t.Fatal(err)
			}
			target, write := tc.setup(t, dir)
			err := WriteFileAtomic(target, write)
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if b, err := os.ReadFile(prev); err != nil || string(b) != "prima" {
				t.Errorf("previous file %q (%v)", b, err)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "cartella.xlsx", "dentro")); err == nil && string(b) != "resta" {
				t.Errorf("the folder in the way was changed: %q", b)
			}
			if l := leftovers(t, dir); len(l) != 0 {
				t.Errorf("temporary files left: %q", l)
			}
		})
	}
}

func TestSafeFileName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Lecco", "Lecco"},
		{"Olgiate Molgora", "Olgiate_Molgora"},
		{"Sant'Angelo d'Alife", "Sant_Angelo_d_Alife"},
		{"Bolzano/Bozen", "Bolzano-Bozen"},
		{"Cantù", "Cantu"},
		{"Forlì-Cesena", "Forli-Cesena"},
		{`a<b>c:d"e|f?g*h\i`, "a_b_c_d_e_f_g_h_i"},
		{"  ..Aosta.. ", "Aosta"},
		{"-/-", "comune"},
		{"", "comune"},
		{"日本", "comune"},
		{"CON", "CON"},
	} {
		if got := SafeFileName(tc.in); got != tc.want {
			t.Errorf("SafeFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := SafeFileName(strings.Repeat("Castelnuovo ", 30)); len(got) > 80 {
		t.Errorf("%d characters: %q", len(got), got)
	}
}
