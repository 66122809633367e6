//go:build consolida_hooks

package testhook

import (
	"fmt"
	"os"
	"time"
)

// CONSOLIDA_PAUSA=<point> stops there; CONSOLIDA_PAUSA=* lists every point
// reached ("PUNTO <point>" on stderr) without stopping.
func init() {
	at := os.Getenv("CONSOLIDA_PAUSA")
	if at == "" {
		return
	}
	pause = func(point string) {
		if at == "*" {
			fmt.Fprintln(os.Stderr, "PUNTO "+point)
			return
		}
		if point != at {
			return
		}
		fmt.Fprintln(os.Stderr, "PAUSA "+point)
		for {
			time.Sleep(time.Hour)
		}
	}
}
