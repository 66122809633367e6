package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"consolida/internal/sheetdump"
)

// TestSamplesAreGenerated: the committed samples are what genera writes,
// byte for byte for the CSVs and cell for cell for the workbook (whose
// zip holds the time it was written).
func TestSamplesAreGenerated(t *testing.T) {
	dir := t.TempDir()
	args := os.Args
	defer func() { os.Args = args }()
	os.Args = []string{"genera", dir}
	main()
	committed := filepath.Join("..")
	for _, name := range []string{"candidature_comuni_lecco.csv", "ufficio_ragioneria_olgiate.csv"} {
		want, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from what genera writes (%v): run go run ./samples/genera", name, err)
		}
	}
	name := "allegato_decreto_85_2022_cloud.xlsx"
	want, err := sheetdump.Workbook(filepath.Join(committed, name), sheetdump.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sheetdump.Workbook(filepath.Join(dir, name), sheetdump.Options{})
	if err != nil || got != want {
		t.Errorf("%s differs from what genera writes (%v): run go run ./samples/genera", name, err)
	}
}
