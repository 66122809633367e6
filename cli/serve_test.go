package cli

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"consolida/web"
)

// serveInBackground runs consolida serve in-process and returns the URL
// it prints, the stop function (Ctrl-C) and the channel of its status.
func serveInBackground(t *testing.T, args ...string) (string, func() int, *strings.Builder) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb strings.Builder
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, append([]string{"consolida", "serve"}, args...), pw, &errb)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var url string
	var lines []string
	for sc.Scan() {
		l := sc.Text()
		lines = append(lines, l)
		if u, ok := strings.CutPrefix(l, "Pagina di consolida: "); ok {
			url = u
			break
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("no URL printed: %v, exit %d, %s", lines, <-code, errb.String())
	}
	go io.Copy(io.Discard, pr)
	stop := func() int {
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	return url, stop, &errb
}

// get opens url as a browser does (keeping the cookie of the key).
func get(t *testing.T, url string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	res, err := (&http.Client{Jar: jar}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return string(b)
}

func TestServe(t *testing.T) {
	opened := make(chan string, 1)
	openBrowser = func(url string) error { opened <- url; return nil }
	defer func() { openBrowser = web.OpenBrowser }()
	url, stop, errb := serveInBackground(t, "--porta", "0")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(url, "/?chiave=") {
		t.Fatalf("URL %q", url)
	}
	select {
	case u := <-opened:
		if u != url {
			t.Errorf("browser opened on %s, page at %s", u, url)
		}
	case <-time.After(5 * time.Second):
		t.Error("no browser opened")
	}
	page := get(t, url)
	if !strings.Contains(page, "Elaborazione singola") || !strings.Contains(page, "Trascinare qui i file") {
		t.Errorf("page:\n%s", page)
	}
	if code := stop(); code != ExitOK {
		t.Errorf("exit %d after Ctrl-C: %s", code, errb.String())
	}
	if _, err := http.Get(url); err == nil {
		t.Error("still serving after Ctrl-C")
	}
}

func TestServeRefusals(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().String()[strings.LastIndex(ln.Addr().String(), ":")+1:]
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"serve", "--apri=false", "--porta", port}, ExitFailed, "consolida: l'indirizzo 127.0.0.1:" + port + " è già in uso"},
		{[]string{"serve", "--apri=false", "samples"}, ExitUsage, "consolida: serve non legge file dalla riga di comando: i file si trascinano nella pagina (samples)"},
		{[]string{"serve", "--apri=false", "--config", "nessuno.toml"}, ExitUsage, "consolida: file di configurazione nessuno.toml inesistente"},
		{[]string{"serve", "--apri=false", "--porta", "x"}, ExitUsage, "consolida: valore non valido"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.HasPrefix(stderr, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
}

// TestServeMonthly: serve picks up consolida.toml in the current folder;
// a double-click prepares a folder as init does and serves it.
func TestServeMonthly(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	url, stop, _ := serveInBackground(t, "--apri=false", "--doppio-clic")
	for _, p := range []string{"consolida.toml", "inbox", "archivio", "uscita"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
	if page := get(t, url); !strings.Contains(page, "Lavoro mensile") || !strings.Contains(page, filepath.Join(dir, "inbox")) {
		t.Errorf("page:\n%s", page)
	}
	if code := stop(); code != ExitOK {
		t.Errorf("exit %d", code)
	}
	// again, without the double-click: the configuration is found
	url, stop, _ = serveInBackground(t, "--apri=false")
	if page := get(t, url); !strings.Contains(page, "Lavoro mensile") {
		t.Errorf("page without Lavoro mensile")
	}
	stop()
}

func TestLaunch(t *testing.T) {
	if got := Launch([]string{"consolida", "run", "samples"}); strings.Join(got, " ") != "consolida run samples" {
		t.Errorf("Launch with a command: %v", got)
	}
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		goos string
		tty  bool
		env  func(string) string
		want bool
	}{
		{"linux", false, env("DISPLAY", ":0"), true},
		{"linux", false, env("WAYLAND_DISPLAY", "wayland-0"), true},
		{"linux", true, env("DISPLAY", ":0"), false},   // a terminal in the desktop
		{"linux", false, env(), false},                 // a service, cron, CI
		{"freebsd", false, env("DISPLAY", ":0"), true}, //
		{"darwin", false, env(), true},                 // Finder
		{"darwin", false, env("TERM", "xterm"), false}, // a script in a shell
		{"darwin", true, env(), false},                 //
		{"linux", false, env("TERM", "xterm-256color"), false},
	} {
		if got := unixWithoutTerminal(tc.goos, tc.tty, tc.env); got != tc.want {
			t.Errorf("%s, tty %v: %v, want %v", tc.goos, tc.tty, got, tc.want)
		}
	}
}
