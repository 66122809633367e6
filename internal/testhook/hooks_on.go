//go:build consolida_hooks

package testhook

import (
	"fmt"
	"os"
	"os/signal"
	"time"
)

// CONSOLIDA_PAUSA=<point> stops there until the process is killed, or
// interrupted (SIGINT: the work then goes on, and sees the interrupt as
// it would have at that point); CONSOLIDA_PAUSA=* lists every point
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
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt)
		fmt.Fprintln(os.Stderr, "PAUSA "+point)
		<-ch
		signal.Stop(ch)
		time.Sleep(200 * time.Millisecond) // main's handler cancels the context meanwhile
	}
}
