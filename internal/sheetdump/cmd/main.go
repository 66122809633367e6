// Command sheetdump writes the dump of every workbook and CSV under a
// folder into another folder (one .txt per output), so that two runs can
// be compared with diff -r. Times of day (hh:mm) are masked.
//
//	go run ./internal/sheetdump/cmd OUTPUTS DUMPDIR
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"consolida/internal/sheetdump"
)

var reTime = regexp.MustCompile(`\b\d\d:\d\d(:\d\d)?\b`)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "uso: sheetdump CARTELLA_USCITE CARTELLA_DUMP")
		os.Exit(2)
	}
	dumps, err := sheetdump.Tree(os.Args[1], sheetdump.Options{Volatile: func(s string) string {
		return reTime.ReplaceAllString(s, "hh:mm")
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for rel, d := range dumps {
		p := filepath.Join(os.Args[2], rel+".txt")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(p, []byte(d), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d dump in %s\n", len(dumps), os.Args[2])
}
