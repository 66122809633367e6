// Command genera writes the hostile and broken inputs of testdata/hostile
// (issue 8; see internal/hostile). Run from the repository root:
//
//	go run ./testdata/hostile/genera
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"

	"consolida/internal/hostile"
)

func main() {
	files, err := hostile.Files(".")
	if err != nil {
		log.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join("testdata", "hostile", n), files[n], 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-32s %9d byte\n", n, len(files[n]))
	}
}
