package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"consolida/internal/testkit"
	"consolida/pipeline"
)

// testServer serves s on a loopback test server.
func testServer(t *testing.T, opt Options) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config.Handler = s.Handler(ts.Listener.Addr())
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, ts
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// withKey adds the cookie of a browser that opened the page with its key.
func withKey(s *Server, ts *httptest.Server, req *http.Request) *http.Request {
	req.AddCookie(&http.Cookie{Name: "consolida_" + ts.URL[strings.LastIndex(ts.URL, ":")+1:], Value: s.token})
	return req
}

// call makes a request as the page does (with the token for the
// state-changing ones) and returns status and body.
func call(t *testing.T, s *Server, ts *httptest.Server, method, path string, body io.Reader, contentType string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	withKey(s, ts, req)
	if method != http.MethodGet {
		req.Header.Set(tokenHeader, s.token)
		req.Header.Set("Origin", ts.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// upload sends files (name -> content) in one multipart request.
func upload(t *testing.T, s *Server, ts *httptest.Server, files ...[2]string) (int, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f[0])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f[1])
	}
	mw.Close()
	return call(t, s, ts, http.MethodPost, "/api/files", &b, mw.FormDataContentType())
}

func errorOf(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Error string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	return e.Error
}

// names lists a folder, hidden files included.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestHostRefused(t *testing.T) {
	s, ts := testServer(t, Options{})
	port := ts.Listener.Addr().String()
	port = port[strings.LastIndex(port, ":")+1:]
	for _, tc := range []struct {
		host string
		want int
	}{
		{"evil.example", http.StatusMisdirectedRequest},
		{"evil.example:" + port, http.StatusMisdirectedRequest},
		{"127.0.0.1:1", http.StatusMisdirectedRequest},
		{"127.0.0.1", http.StatusMisdirectedRequest},
		{"localhost:" + port, http.StatusOK},
		{"LOCALHOST:" + port, http.StatusOK},
		{"127.0.0.1:" + port, http.StatusOK},
	} {
		for _, path := range []string{"/", "/api/state", "/download/council.zip"} {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
			req.Host = tc.host
			code, body := do(t, withKey(s, ts, req))
			if tc.want == http.StatusOK {
				if code == http.StatusMisdirectedRequest {
					t.Errorf("Host %s, %s: refused: %s", tc.host, path, body)
				}
				continue
			}
			if code != tc.want || !strings.Contains(string(body), "richiesta rifiutata: l'indirizzo") {
				t.Errorf("Host %s, %s: %d %s", tc.host, path, code, body)
			}
		}
	}
	// a state-changing request with the right token but another Host
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/run", nil)
	req.Host = "evil.example"
	req.Header.Set(tokenHeader, s.token)
	if code, _ := do(t, withKey(s, ts, req)); code != http.StatusMisdirectedRequest || s.current() != nil {
		t.Errorf("POST with Host evil.example: %d, run started: %v", code, s.current() != nil)
	}
}

func TestCrossOriginRefused(t *testing.T) {
	s, ts := testServer(t, Options{})
	testkit.Copy(t, s.inbox, testkit.Samples(t)...)
	post := func(hdr map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/run", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		code, body := do(t, withKey(s, ts, req))
		return code, errorOf(t, body)
	}
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		msg  string
	}{
		{"cross-site, with the token", map[string]string{tokenHeader: s.token, "Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, msgCrossOrigin},
		{"same-site (another port), with the token", map[string]string{tokenHeader: s.token, "Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"}, msgCrossOrigin},
		{"Origin only", map[string]string{tokenHeader: s.token, "Origin": "http://evil.example"}, msgCrossOrigin},
		{"no token", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": ts.URL}, msgBadToken},
		{"wrong token", map[string]string{tokenHeader: strings.Repeat("0", 64), "Sec-Fetch-Site": "same-origin"}, msgBadToken},
		{"no header at all", nil, msgBadToken},
	} {
		code, msg := post(tc.hdr)
		if code != http.StatusForbidden || msg != tc.msg {
			t.Errorf("%s: %d %q, want 403 %q", tc.name, code, msg, tc.msg)
		}
	}
	// a cross-origin upload and delete are refused as well, nothing changes
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, _ := mw.CreateFormFile("file", "x.csv")
	io.WriteString(w, "Comune;Importo\n")
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/files", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set(tokenHeader, s.token)
	if code, _ := do(t, withKey(s, ts, req)); code != http.StatusForbidden {
		t.Errorf("cross-site upload: %d", code)
	}
	req, _ = http.NewRequest(http.MethodDelete, ts.URL+"/api/files/candidature_comuni_lecco.csv", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set(tokenHeader, s.token)
	if code, _ := do(t, withKey(s, ts, req)); code != http.StatusForbidden {
		t.Errorf("cross-site delete: %d", code)
	}
	if s.current() != nil || len(names(t, s.inbox)) != 3 {
		t.Fatalf("refused requests changed something: run %v, inbox %v", s.current() != nil, names(t, s.inbox))
	}
	// the page's own request goes through
	if code, body := call(t, s, ts, http.MethodPost, "/api/run", nil, ""); code != http.StatusAccepted {
		t.Fatalf("same-origin POST: %d %s", code, body)
	}
	waitRun(t, s)
}

func TestSecurityHeaders(t *testing.T) {
	s, ts := testServer(t, Options{})
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
	res, err := noRedirect.Do(withKey(s, ts, req))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(got, "default-src 'self'") {
		t.Errorf("CSP %q", got)
	}
	if res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", res.Header)
	}
	page := string(body)
	if !strings.Contains(page, `content="`+s.token+`"`) || !strings.Contains(page, "Trascinare qui i file") {
		t.Errorf("page without token or text")
	}
	// nothing from elsewhere: every src and href is the page's own
	for _, attr := range []string{"src=\"", "href=\""} {
		for rest := page; strings.Contains(rest, attr); {
			rest = rest[strings.Index(rest, attr)+len(attr):]
			url := rest[:strings.IndexByte(rest, '"')]
			if !strings.HasPrefix(url, "/") && !strings.HasPrefix(url, "data:") {
				t.Errorf("%s%s\" is not the page's own", attr, url)
			}
		}
	}
	for _, path := range []string{"/static/", "/static/index.html", "/static/../web/page"} {
		if code, _ := call(t, s, ts, http.MethodGet, path, nil, ""); code == http.StatusOK {
			t.Errorf("%s: %d", path, code)
		}
	}
	for _, asset := range []string{"/static/app.js", "/static/app.css"} {
		code, b := call(t, s, ts, http.MethodGet, asset, nil, "")
		if code != http.StatusOK || len(b) < 1000 || bytes.Contains(b, []byte("http://")) || bytes.Contains(b, []byte("https://")) {
			t.Errorf("%s: %d, %d bytes, or a URL elsewhere", asset, code, len(b))
		}
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0", "192.168.1.10:0", "10.0.0.1:0", "example.com:0"} {
		ln, err := Listen(addr)
		if err == nil {
			ln.Close()
			t.Errorf("Listen(%s) accepted", addr)
			continue
		}
		if !errors.Is(err, ErrNotLoopback) && addr != "example.com:0" {
			t.Errorf("Listen(%s): %v", addr, err)
		}
		if msg := Message(err); !strings.Contains(msg, "non consentito") || !strings.Contains(msg, "solo da questo computer") {
			t.Errorf("Listen(%s): message %q", addr, msg)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		ln, err := Listen(addr)
		if err != nil {
			t.Fatalf("Listen(%s): %v", addr, err)
		}
		if s := (&Server{token: "abc"}); s.URL(ln) != "http://"+ln.Addr().String()+"/?chiave=abc" || !strings.HasPrefix(s.URL(ln), "http://127.0.0.1:") {
			t.Errorf("URL %s", s.URL(ln))
		}
		// the same port again: taken
		_, err = Listen(ln.Addr().String())
		if msg := Message(err); !strings.Contains(msg, "è già in uso") {
			t.Errorf("port taken: %q", msg)
		}
		ln.Close()
	}
}

func TestUploadLimits(t *testing.T) {
	s, ts := testServer(t, Options{Limits: Limits{FileSize: 1 << 10, Files: 2, Upload: 3 << 10}})
	small := "Comune;Importo\nLecco;10\n"
	big := strings.Repeat("x", 1<<10+1)
	for _, tc := range []struct {
		name  string
		files [][2]string
		msg   string
	}{
		{"one file too big", [][2]string{{"a.csv", small}, {"grande.csv", big}}, "grande.csv: il file supera il limite di 1 KB per file; nessun file è stato salvato"},
		{"too many files", [][2]string{{"a.csv", small}, {"b.csv", small}, {"c.csv", small}}, "troppi file in un solo invio (al massimo 2); nessun file è stato salvato"},
	} {
		code, body := upload(t, s, ts, tc.files...)
		if code != http.StatusRequestEntityTooLarge || !strings.HasPrefix(errorOf(t, body), tc.msg) {
			t.Errorf("%s: %d %s", tc.name, code, body)
		}
		if n := names(t, s.inbox); len(n) != 0 {
			t.Errorf("%s: files written: %v", tc.name, n)
		}
	}
	// all together over the limit of an upload: 2 files of 1 KB + the envelope > 3 KB + 1 MB? no: lower it
	s2, ts2 := testServer(t, Options{Limits: Limits{FileSize: 1 << 10, Files: 10, Upload: 1500}})
	code, body := upload(t, s2, ts2, [2]string{"a.csv", strings.Repeat("y", 1000)}, [2]string{"b.csv", strings.Repeat("z", 1000)})
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(errorOf(t, body), "i file inviati insieme superano il limite di 1 KB") {
		t.Errorf("upload too big: %d %s", code, body)
	}
	if n := names(t, s2.inbox); len(n) != 0 {
		t.Errorf("upload too big: files written: %v", n)
	}
	// within the limits: written
	if code, body := upload(t, s, ts, [2]string{"a.csv", small}, [2]string{"b.csv", small}); code != http.StatusOK {
		t.Fatalf("within limits: %d %s", code, body)
	}
	if n := names(t, s.inbox); !slices.Equal(n, []string{"a.csv", "b.csv"}) {
		t.Errorf("inbox %v", n)
	}
}

func TestUploadNames(t *testing.T) {
	root := t.TempDir()
	inbox := filepath.Join(root, "a", "b", "inbox")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	s, ts := testServer(t, Options{})
	s.inbox = inbox // as deep as a CST's folder: ../../x.csv would land in root
	content := "Comune;Importo\nLecco;10\n"
	code, body := upload(t, s, ts, [2]string{"../../x.csv", content}, [2]string{`..\..\y.csv`, content + "Erba;5\n"},
		[2]string{"C:\\Users\\ufficio\\Desktop\\z.xlsx", "PK"}, [2]string{".nascosto.csv", "a;b\n"},
		[2]string{"documento.pdf", "%PDF-1.4"}, [2]string{"~$aperto.xlsx", "lock"}, [2]string{"..", "a;b\n"})
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var r struct {
		Saved   []string
		Refused []refusal
	}
	json.Unmarshal(body, &r)
	if !slices.Equal(r.Saved, []string{"x.csv", "y.csv", "z.xlsx", "nascosto.csv"}) {
		t.Errorf("saved %v", r.Saved)
	}
	if len(r.Refused) != 3 || r.Refused[0].Reason != msgNotAccepted || r.Refused[1].Reason != msgOfficeLock || r.Refused[2].Reason != msgBadName {
		t.Errorf("refused %+v", r.Refused)
	}
	if n := names(t, inbox); !slices.Equal(n, []string{"nascosto.csv", "x.csv", "y.csv", "z.xlsx"}) {
		t.Errorf("inbox %v", n)
	}
	for _, d := range []string{root, filepath.Join(root, "a"), filepath.Join(root, "a", "b")} {
		for _, n := range names(t, d) {
			if n != "a" && n != "b" && n != "inbox" {
				t.Errorf("%s left the inbox: %s", n, d)
			}
		}
	}
	if b, _ := os.ReadFile(filepath.Join(inbox, "x.csv")); string(b) != content {
		t.Errorf("x.csv holds %q", b)
	}
	// the same name again: a different content is kept beside, the same
	// content is not written twice
	upload(t, s, ts, [2]string{"x.csv", "Comune;Importo\nErba;1\n"}, [2]string{"y.csv", content + "Erba;5\n"})
	if n := names(t, inbox); !slices.Equal(n, []string{"nascosto.csv", "x (2).csv", "x.csv", "y.csv", "z.xlsx"}) {
		t.Errorf("inbox after a second upload %v", n)
	}
	// a name in a request is never a path
	for _, p := range []string{"/api/files/..%2F..%2Fx.csv", "/api/files/%2E%2E/check"} {
		if code, _ := call(t, s, ts, http.MethodDelete, p, nil, ""); code == http.StatusOK {
			t.Errorf("DELETE %s accepted", p)
		}
	}
	if code, _ := call(t, s, ts, http.MethodDelete, "/api/files/x%20%282%29.csv", nil, ""); code != http.StatusOK {
		t.Errorf("DELETE x (2).csv: %d", code)
	}
	if n := names(t, inbox); len(n) != 4 {
		t.Errorf("inbox after delete %v", n)
	}
}

func TestCleanName(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"../../x.csv", "x.csv"},
		{`..\..\x.csv`, "x.csv"},
		{"/etc/passwd", "passwd"},
		{"C:\\dati\\bandi 2026.xlsx", "bandi 2026.xlsx"},
		{"..", ""},
		{".", ""},
		{"", ""},
		{"...csv", "csv"},
		{".bashrc", "bashrc"},
		{"a\x00b\nc.csv", "abc.csv"},
		{`a<b>c:d"e|f?g*h.csv`, "a_b_c_d_e_f_g_h.csv"},
		{"CON.csv", "_CON.csv"},
		{"nul", "_nul"},
		{"dati. ", "dati"},
		{"Comuni – Lecco (àèìòù).ods", "Comuni – Lecco (àèìòù).ods"},
		{strings.Repeat("è", 100) + ".xlsx", strings.Repeat("è", 72) + ".xlsx"},
	} {
		if got := CleanName(tc.raw); got != tc.want {
			t.Errorf("CleanName(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// waitRun waits for the current run to end and returns its view.
func waitRun(t *testing.T, s *Server) runView {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if v := s.runView(); v.State == "done" {
			return v
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the run did not end")
	return runView{}
}

func TestOneRunAtATime(t *testing.T) {
	s, ts := testServer(t, Options{Council: true})
	testkit.Copy(t, s.inbox, testkit.Samples(t)...)
	started, release := make(chan struct{}), make(chan struct{})
	s.wrapProgress = func(p pipeline.Progress) pipeline.Progress {
		first := true
		return pipeline.ProgressFunc(func(e pipeline.Event) {
			if first {
				first = false
				close(started)
				<-release
			}
			p.Report(e)
		})
	}
	if code, body := call(t, s, ts, http.MethodPost, "/api/run", nil, ""); code != http.StatusAccepted {
		t.Fatalf("first Elabora: %d %s", code, body)
	}
	<-started
	code, body := call(t, s, ts, http.MethodPost, "/api/run", nil, "")
	if code != http.StatusConflict || errorOf(t, body) != "elaborazione già in corso: attendere che termini" {
		t.Errorf("second Elabora: %d %s", code, body)
	}
	if code, body := upload(t, s, ts, [2]string{"nuovo.csv", "Comune;Importo\n"}); code != http.StatusConflict || errorOf(t, body) != msgBusyFiles {
		t.Errorf("upload during the run: %d %s", code, body)
	}
	if code, _ := call(t, s, ts, http.MethodDelete, "/api/files/candidature_comuni_lecco.csv", nil, ""); code != http.StatusConflict {
		t.Errorf("delete during the run: %d", code)
	}
	close(release)
	v := waitRun(t, s)
	if !v.Outcome.OK || v.Outcome.Error != "" {
		t.Fatalf("outcome %+v", v.Outcome)
	}
	// then a new run is accepted
	s.wrapProgress = nil
	if code, body := call(t, s, ts, http.MethodPost, "/api/run", nil, ""); code != http.StatusAccepted {
		t.Fatalf("Elabora after the end: %d %s", code, body)
	}
	if v := waitRun(t, s); v.ID != 2 || !v.Outcome.OK {
		t.Fatalf("second run %+v", v)
	}
}

// TestClosedTabKeepsRun: the page that started a run goes away (its
// requests end) while the run is held; the run goes on to its end.
func TestClosedTabKeepsRun(t *testing.T) {
	s, ts := testServer(t, Options{Council: true})
	testkit.Copy(t, s.inbox, testkit.Samples(t)...)
	started, release := make(chan struct{}), make(chan struct{})
	s.wrapProgress = func(p pipeline.Progress) pipeline.Progress {
		first := true
		return pipeline.ProgressFunc(func(e pipeline.Event) {
			if first {
				first = false
				close(started)
				<-release
			}
			p.Report(e)
		})
	}
	if code, body := call(t, s, ts, http.MethodPost, "/api/run", nil, ""); code != http.StatusAccepted {
		t.Fatalf("Elabora: %d %s", code, body)
	}
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/api/run/events", nil)
	res, err := http.DefaultClient.Do(withKey(s, ts, req))
	if err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(res.Body).ReadString('\n')
	if line != "event: stato\n" {
		t.Errorf("first line of the stream %q", line)
	}
	cancel() // the tab is closed
	res.Body.Close()
	ts.CloseClientConnections()
	close(release)
	v := waitRun(t, s)
	if !v.Outcome.OK || v.Outcome.Error != "" || v.Outcome.Council != 7 {
		t.Fatalf("outcome %+v", v.Outcome)
	}
	for _, d := range v.Outcome.Downloads {
		if _, err := os.Stat(v.Outcome.paths[d.Name]); err != nil {
			t.Error(err)
		}
	}
}

// TestCloseStopsRun: closing the server (Ctrl-C) stops a run; it says so
// and the previous outputs stay.
func TestCloseStopsRun(t *testing.T) {
	out := t.TempDir()
	s, ts := testServer(t, Options{Council: true, Out: out})
	testkit.Copy(t, s.inbox, testkit.Samples(t)...)
	call(t, s, ts, http.MethodPost, "/api/run", nil, "")
	first := waitRun(t, s)
	before := testkit.Dump(t, out)
	started := make(chan struct{})
	s.wrapProgress = func(p pipeline.Progress) pipeline.Progress {
		return pipeline.ProgressFunc(func(e pipeline.Event) {
			if _, ok := e.(pipeline.WritingCST); ok {
				close(started)
				<-s.ctx.Done() // held until the server closes
			}
			p.Report(e)
		})
	}
	call(t, s, ts, http.MethodPost, "/api/run", nil, "")
	<-started
	j := s.current()
	s.Close()
	v := j.view()
	if v.State != "done" || v.Outcome.OK || v.Outcome.Error != msgInterrupted {
		t.Fatalf("after Close: %+v", v.Outcome)
	}
	if !first.Outcome.OK {
		t.Fatal(first.Outcome.Error)
	}
	testkit.SameDump(t, before, testkit.Dump(t, out))
	if code, body := call(t, s, ts, http.MethodPost, "/api/run", nil, ""); code != http.StatusServiceUnavailable {
		t.Errorf("Elabora after Close: %d %s", code, body)
	}
}

// TestKeyRequired: the page opens only with its key, which the browser
// keeps in a cookie of this port; without it (another user of the
// computer, an old tab of another run) everything is refused.
func TestKeyRequired(t *testing.T) {
	s, ts := testServer(t, Options{})
	testkit.Copy(t, s.inbox, testkit.Samples(t)...)
	port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]
	get := func(path string, cookie *http.Cookie) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	for _, tc := range []struct {
		path   string
		cookie *http.Cookie
	}{
		{"/", nil},
		{"/api/state", nil},
		{"/download/council.zip", nil},
		{"/static/app.js", nil},
		{"/?chiave=" + strings.Repeat("0", 64), nil},
		{"/", &http.Cookie{Name: "consolida_" + port, Value: strings.Repeat("0", 64)}},
		{"/", &http.Cookie{Name: "consolida_1", Value: s.token}},
	} {
		res, body := get(tc.path, tc.cookie)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, msgNoKey) {
			t.Errorf("%s with %v: %d %s", tc.path, tc.cookie, res.StatusCode, body)
		}
	}
	// a POST with the token but not the key
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/run", nil)
	req.Header.Set(tokenHeader, s.token)
	if code, _ := do(t, req); code != http.StatusForbidden || s.current() != nil {
		t.Errorf("POST without the key: %d", code)
	}
	// the URL with the key: a cookie, and the page without the key in its address
	u := s.URL(ts.Listener)
	res, _ := get(u[len(ts.URL):], nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" || len(res.Cookies()) != 1 {
		t.Fatalf("%s: %d %v", u, res.StatusCode, res.Header)
	}
	c := res.Cookies()[0]
	if c.Name != "consolida_"+port || c.Value != s.token || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie %+v", c)
	}
	if res, body := get("/", c); res.StatusCode != http.StatusOK || !strings.Contains(body, "Trascinare qui i file") {
		t.Errorf("with the cookie: %d", res.StatusCode)
	}
}
