package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"consolida/cli"
	"consolida/internal/testkit"
	"consolida/web"
)

// page is a web server started as consolida serve starts it (Listen,
// Serve), and the token its page carries.
type page struct {
	srv    *web.Server
	url    string // http://127.0.0.1:port
	open   string // the URL that opens it, with its key
	token  string
	client *http.Client // a browser's: it keeps the cookie of the key
}

func serve(t *testing.T, opt web.Options) *page {
	t.Helper()
	srv, err := web.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := web.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		srv.Close()
	})
	jar, _ := cookiejar.New(nil)
	p := &page{srv: srv, url: "http://" + ln.Addr().String(), open: srv.URL(ln), client: &http.Client{Jar: jar}}
	m := regexp.MustCompile(`name="consolida-token" content="([0-9a-f]{64})"`).FindStringSubmatch(string(p.get(t, p.open[len(p.url):])))
	if m == nil {
		t.Fatal("no token in the page")
	}
	p.token = m[1]
	return p
}

func (p *page) get(t *testing.T, path string) []byte {
	t.Helper()
	res, err := p.client.Get(p.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return b
}

func (p *page) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(p.get(t, path), v); err != nil {
		t.Fatal(err)
	}
}

// post makes a request as the page's script does.
func (p *page) post(t *testing.T, path string, body io.Reader, contentType string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.url+path, body)
	req.Header.Set("X-Consolida-Token", p.token)
	req.Header.Set("Origin", p.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// upload sends files from disk, as the file picker does.
func (p *page) upload(t *testing.T, files ...string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range files {
		w, _ := mw.CreateFormFile("file", filepath.Base(f))
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	mw.Close()
	if code, body := p.post(t, "/api/files", &b, mw.FormDataContentType()); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
}

// run is the page's view of a run.
type run struct {
	ID      int
	State   string
	Lines   []string
	Outcome struct {
		OK        bool
		Error     string
		Summary   string
		Month     string
		Council   int
		Anomalies int
		Files     []string
		Figures   struct {
			Total       string
			Comuni      int
			Candidature int
			Conserved   bool
			Novita      *struct{ Since string }
		}
		Downloads []struct{ Name, Label, URL string }
	}
}

// elabora presses Elabora and follows the event stream to its end.
func (p *page) elabora(t *testing.T) run {
	t.Helper()
	if code, body := p.post(t, "/api/run", nil, ""); code != http.StatusAccepted {
		t.Fatalf("Elabora: %d %s", code, body)
	}
	res, err := p.client.Get(p.url + "/api/run/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("events: %s", ct)
	}
	b, err := io.ReadAll(res.Body) // the stream ends after "fine"
	if err != nil {
		t.Fatal(err)
	}
	events := strings.Split(strings.TrimSpace(string(b)), "\n\n")
	if last := events[len(events)-1]; last != "event: fine\ndata: {}" {
		t.Fatalf("last event %q", last)
	}
	var r run
	state := strings.TrimPrefix(events[len(events)-2], "event: stato\ndata: ")
	if err := json.Unmarshal([]byte(state), &r); err != nil {
		t.Fatalf("%v: %s", err, state)
	}
	if r.State != "done" {
		t.Fatalf("last state %+v", r)
	}
	return r
}

// download fetches an output of the last run into dir.
func (p *page) download(t *testing.T, url, dir, name string) string {
	t.Helper()
	res, err := p.client.Get(p.url + url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, res.Header)
	}
	path := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(path), 0o755)
	b, _ := io.ReadAll(res.Body)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// downloadAll fetches every output of the last run as a user can: the
// CST workbook and the CSV by their links, the council workbooks in the
// zip, into dir laid out as consolida run lays out its folder.
func (p *page) downloadAll(t *testing.T, r run, dir string) {
	t.Helper()
	for _, d := range r.Outcome.Downloads {
		p.download(t, d.URL, dir, d.Name)
	}
	zipPath := p.download(t, "/download/council.zip", t.TempDir(), "consiglio.zip")
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != r.Outcome.Council {
		t.Fatalf("zip of %d workbooks, %d written", len(zr.File), r.Outcome.Council)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		testkit.Write(t, filepath.Join(dir, "consiglio"), f.Name, string(b))
	}
}

// runCLI runs consolida's command line in-process.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), append([]string{"consolida"}, args...), &out, &errb); code != 0 {
		t.Fatalf("consolida %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

// TestSessionSameAsRun: the samples dropped on the page of a session and
// processed give, downloaded, the same workbooks and CSV, cell for cell,
// as consolida run samples/ --out X.
func TestSessionSameAsRun(t *testing.T) {
	p := serve(t, web.Options{Council: true})
	p.upload(t, testkit.Samples(t)...)
	var st struct{ Files []struct{ Name string } }
	p.getJSON(t, "/api/state", &st)
	if len(st.Files) != 3 {
		t.Fatalf("files %+v", st.Files)
	}
	r := p.elabora(t)
	o := r.Outcome
	if !o.OK || o.Error != "" || o.Figures.Total != "1.009.450,80" || o.Council != 7 || !o.Figures.Conserved ||
		len(o.Downloads) != 2 || !strings.HasPrefix(o.Summary, "Prospetti scritti in ") {
		t.Fatalf("outcome %+v", o)
	}
	got := t.TempDir()
	p.downloadAll(t, r, got)

	want := t.TempDir()
	runCLI(t, "run", testkit.Path("samples"), "--out", want, "-q")
	testkit.SameDump(t, testkit.Dump(t, want), testkit.Dump(t, got))

	// the council workbooks are found by the comune's name, also without
	// accents or capitals, and downloaded one by one
	var c struct {
		Total, Matched int
		Items          []struct{ Label, Name, URL string }
	}
	p.getJSON(t, "/api/council?q=OLGIATE", &c)
	if c.Total != 7 || c.Matched != 1 || c.Items[0].Label != "Olgiate Molgora (LC)" || c.Items[0].Name != "097058_Olgiate_Molgora.xlsx" {
		t.Fatalf("council search %+v", c)
	}
	oneDir := t.TempDir()
	p.download(t, c.Items[0].URL, oneDir, c.Items[0].Name)
	if got, want := testkit.Dump(t, oneDir)[c.Items[0].Name], testkit.Dump(t, filepath.Join(want, "consiglio"))[c.Items[0].Name]; got != want || got == "" {
		t.Errorf("Olgiate Molgora's council workbook differs from consolida run's")
	}
}

// TestMonthlySameAsRunConfig: with a configuration, the files dropped go
// to the inbox and Elabora is the monthly batch: the same outputs, cell
// for cell, as consolida run --config on the same files; the files are
// archived, storico lists the export, a second Elabora with nothing new
// writes the same again.
func TestMonthlySameAsRunConfig(t *testing.T) {
	dir := t.TempDir()
	runCLI(t, "init", dir)
	cfg := filepath.Join(dir, "consolida.toml")
	p := serve(t, web.Options{Config: cfg, Council: true})
	if !p.srv.Monthly() || p.srv.Inbox() != filepath.Join(dir, "inbox") || p.srv.OutDir() != filepath.Join(dir, "uscita") {
		t.Fatalf("monthly %v, inbox %s, out %s", p.srv.Monthly(), p.srv.Inbox(), p.srv.OutDir())
	}
	if !bytes.Contains(p.get(t, "/"), []byte("Lavoro mensile")) {
		t.Error("the page does not say it is the monthly batch")
	}
	var h struct{ Message, Text string }
	p.getJSON(t, "/api/history", &h)
	if h.Message == "" || h.Text != "" {
		t.Errorf("history before any run: %+v", h)
	}
	p.upload(t, testkit.Samples(t)...)
	r := p.elabora(t)
	o := r.Outcome
	if !o.OK || o.Figures.Total != "1.009.450,80" || o.Figures.Novita == nil || o.Figures.Novita.Since != "" ||
		!strings.HasPrefix(o.Summary, "Lavoro mensile ") {
		t.Fatalf("outcome %+v", o)
	}
	month := time.Now().Format("2006-01")
	if n, _ := os.ReadDir(filepath.Join(dir, "inbox")); len(n) != 0 {
		t.Errorf("inbox after the run: %v", n)
	}
	if n, _ := os.ReadDir(filepath.Join(dir, "archivio", month)); len(n) != 3 {
		t.Errorf("archivio/%s: %v", month, n)
	}

	other := t.TempDir()
	runCLI(t, "init", other)
	testkit.Copy(t, filepath.Join(other, "inbox"), testkit.Samples(t)...)
	runCLI(t, "run", "--config", filepath.Join(other, "consolida.toml"), "-q")
	testkit.SameDump(t, testkit.Dump(t, filepath.Join(other, "uscita")), testkit.Dump(t, filepath.Join(dir, "uscita")))

	h.Message, h.Text = "", ""
	p.getJSON(t, "/api/history", &h)
	if h.Message != "" || !strings.Contains(h.Text, "3 file importati (") || !strings.Contains(h.Text, ", 1 prospetti") ||
		!strings.Contains(h.Text, "candidature_comuni_lecco.csv") {
		t.Errorf("history:\n%s", h.Text)
	}
	// nothing new: the same workbooks again, with the same Novità
	before := testkit.Dump(t, filepath.Join(dir, "uscita"))
	r = p.elabora(t)
	if !r.Outcome.OK || r.Outcome.Figures.Novita == nil || r.Outcome.Figures.Novita.Since != "" {
		t.Fatalf("second run %+v", r.Outcome)
	}
	testkit.SameDump(t, before, testkit.Dump(t, filepath.Join(dir, "uscita")))
}

// TestCheckAndAnomalies: each dropped file says what check understood of
// it, in the command line's words; the anomalies of a run can be
// filtered by comune and by file.
func TestCheckAndAnomalies(t *testing.T) {
	const spid = "1.4.4 Adozione SPID CIE  - Comuni - Aprile 2022"
	p := serve(t, web.Options{Council: true})
	dir := t.TempDir()
	bad := testkit.Write(t, dir, "prospetto.xlsx", "%PDF-1.4\n%fake\n")
	odd := testkit.Write(t, dir, "ufficio.csv", "Comune;Codice ISTAT;Avviso;CUP;Importo\n"+
		"Merate;097048;"+spid+";D81F22900260097;14.000,00\n"+
		"Comune inventato;999999;"+spid+";D81F22900260099;1.000,00\n"+
		"Merate;097048;"+spid+";D81F22900260098;n.d.\n")
	p.upload(t, append(testkit.Samples(t), bad, odd)...)

	var rep struct {
		OK                    bool
		Error, Format, Header string
		Read, Valid, Rejected int
		Anomalies             int
		Text                  string
	}
	p.getJSON(t, "/api/files/prospetto.xlsx/check", &rep)
	var out, errb bytes.Buffer
	cli.Run(context.Background(), []string{"consolida", "check", bad}, &out, &errb)
	if rep.OK || !strings.HasPrefix(rep.Error, "prospetto.xlsx: il file è un PDF") || !strings.Contains(out.String(), strings.TrimPrefix(rep.Error, "prospetto.xlsx: ")) {
		t.Errorf("unreadable file: %+v\nCLI: %s", rep, out.String())
	}
	p.getJSON(t, "/api/files/ufficio.csv/check", &rep)
	out.Reset()
	cli.Run(context.Background(), []string{"consolida", "check", odd}, &out, &errb)
	if !rep.OK || rep.Read != 3 || rep.Rejected != 1 || rep.Valid != 2 || !strings.HasPrefix(rep.Format, "CSV") ||
		rep.Text != strings.ReplaceAll(out.String(), odd, "ufficio.csv") {
		t.Errorf("check of ufficio.csv: %+v\nCLI:\n%s", rep, out.String())
	}
	// the report is kept: the state lists it
	var st struct {
		Files []struct {
			Name  string
			Check *struct{ Read int }
		}
	}
	p.getJSON(t, "/api/state", &st)
	if len(st.Files) != 5 || st.Files[3].Name != "ufficio.csv" || st.Files[3].Check == nil || st.Files[3].Check.Read != 3 || st.Files[4].Check != nil {
		t.Errorf("state %+v", st.Files)
	}

	// an unreadable file fails the run in the command line's words
	r := p.elabora(t)
	if r.Outcome.OK || !strings.Contains(r.Outcome.Error, "prospetto.xlsx: il file è un PDF") || len(r.Outcome.Downloads) != 0 {
		t.Fatalf("run with a PDF: %+v", r.Outcome)
	}
	req, _ := http.NewRequest(http.MethodDelete, p.url+"/api/files/prospetto.xlsx", nil)
	req.Header.Set("X-Consolida-Token", p.token)
	if res, err := p.client.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("delete: %v %v", res, err)
	}
	r = p.elabora(t)
	if !r.Outcome.OK || r.Outcome.Anomalies == 0 {
		t.Fatalf("run: %+v", r.Outcome)
	}

	type anomalies struct {
		Total, Matched int
		Rows           []struct{ File, Comune, Reason, Outcome, Value string }
	}
	var all, merate, file, unknown, none anomalies
	p.getJSON(t, "/api/anomalies", &all)
	if all.Total != r.Outcome.Anomalies || all.Matched != all.Total || len(all.Rows) != all.Total {
		t.Fatalf("anomalies %d/%d/%d, run %d", all.Total, all.Matched, len(all.Rows), r.Outcome.Anomalies)
	}
	p.getJSON(t, "/api/anomalies?file=ufficio.csv", &file)
	if file.Matched != 1 || file.Rows[0].File != "ufficio.csv" || file.Rows[0].Comune != "Merate (LC)" ||
		file.Rows[0].Outcome != "riga scartata" || file.Rows[0].Value != "n.d." {
		t.Errorf("anomalies of ufficio.csv: %+v", file)
	}
	// Merate's anomalies: the one of ufficio.csv, none of another comune
	p.getJSON(t, "/api/anomalies?comune=MERATE", &merate)
	if merate.Matched == 0 {
		t.Errorf("no anomaly of Merate")
	}
	for _, a := range merate.Rows {
		if a.Comune != "Merate (LC)" {
			t.Errorf("filter by comune: %+v", a)
		}
	}
	// an unknown comune is found by the name the row wrote
	p.getJSON(t, "/api/anomalies?comune=robbiate", &unknown)
	if unknown.Matched != 1 || unknown.Rows[0].Comune != "Comune di Robbiate" || unknown.Rows[0].Reason != "comune sconosciuto" {
		t.Errorf("anomalies of an unknown comune: %+v", unknown)
	}
	p.getJSON(t, "/api/anomalies?comune=robbiate&file=ufficio.csv", &none)
	if none.Matched != 0 || none.Total != all.Total {
		t.Errorf("both filters: %+v", none)
	}
	if !strings.Contains(strings.Join(r.Outcome.Files, ","), "ufficio.csv") {
		t.Errorf("files of the filter %v", r.Outcome.Files)
	}
	// downloads are only the run's outputs, never a path
	for _, path := range []string{"/download/..%2F..%2Fetc%2Fpasswd", "/download/consolida.toml", "/download/council/..%2FCST_" + r.Outcome.Month + ".xlsx"} {
		res, err := p.client.Get(p.url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}
}
