package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"consolida/funding"
	"consolida/internal/testkit"
	"consolida/web"
)

// chromiumPath finds the browser of the end-to-end tests: $CONSOLIDA_CHROMIUM,
// or Debian's chromium (which .ci/run installs), or a Chrome on the PATH.
// Without one the test is skipped, saying so; in CI (CI set) it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CONSOLIDA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nessun browser Chromium o Chrome installato: .ci/run deve installare chromium")
	}
	t.Skip("nessun browser Chromium o Chrome installato (apt-get install chromium; .ci/run lo installa): test nel browser saltato")
	return ""
}

// headless starts a headless Chromium that may reach only origin: every
// other URL is blocked (no CDN, no font, no telemetry), and every request
// the page makes is recorded.
func headless(t *testing.T, origin string) (context.Context, func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("chromium: %v", err)
	}
	var mu sync.Mutex
	var requests []string
	reqs := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range reqs {
			if err != nil {
				return
			}
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	}()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{
			{URLPattern: origin + "/*", Block: false},
			{URLPattern: "*://*:*/*", Block: true},
		}})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), requests...)
	}
}

// screenshot saves the whole page as name.png into $CONSOLIDA_SCREENSHOTS
// (to look at, or for the README: name.jpg too), else into a temporary
// folder.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CONSOLIDA_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	shots := map[string]int{".png": 100}
	if os.Getenv("CONSOLIDA_SCREENSHOTS") != "" {
		shots[".jpg"] = 80
	}
	for ext, quality := range shots {
		img, err := chromedp.Run(ctx, chromedp.FullScreenshot(quality))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+ext), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// poll waits until the JavaScript expression is true.
func poll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(2*time.Minute))); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// elaborateInBrowser presses Elabora and waits for the download links;
// it returns the time between the two.
func elaborateInBrowser(t *testing.T, ctx context.Context) time.Duration {
	t.Helper()
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("elabora")), chromedp.WaitVisible(chromedp.CSS("#scarica a"))); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// downloadInBrowser clicks the link and waits for the browser to save
// the file into dir; it returns its path.
func downloadInBrowser(t *testing.T, ctx context.Context, sel, dir string) string {
	t.Helper()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	yes := true
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes})
		return err
	}), chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatal(err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatal(err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			return filepath.Join(dir, ev.GUID)
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("download of %s canceled", sel)
		}
	}
	t.Fatal("no download")
	return ""
}

// TestBrowser drives the page in a real headless Chromium, as a clerk
// would: the files of samples/ through the file picker, their checks,
// Elabora, the download of the CST workbook (checked: totals, the Olgiate
// Molgora row, and cell for cell equal to consolida run samples/), the
// search of a council workbook and the filter of the anomalies; with
// every URL but the page's own blocked.
func TestBrowser(t *testing.T) {
	p := serve(t, web.Options{Council: true})
	ctx, requests := headless(t, p.url)
	if err := chromedp.Do(ctx, chromedp.Navigate(p.open), chromedp.WaitVisible(chromedp.ID("drop"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("scegli"), testkit.Samples(t))); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the checks of the three files", `document.querySelectorAll("li.file.ok, li.file.warn, li.file.bad, li.file.skip").length === 3`)
	sums, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("li.file .sum")].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3 || !strings.Contains(sums[1], "righe lette 14, valide 14, scartate 0") || !strings.Contains(sums[2], "righe lette 6, valide 3, scartate 3") {
		t.Errorf("checks shown: %q", sums)
	}
	screenshot(t, ctx, "pagina-file")

	took := elaborateInBrowser(t, ctx)
	t.Logf("from Elabora to the download links: %v", took)
	poll(t, ctx, "the anomalies", `document.querySelectorAll("#anomalie tbody tr").length === 2`)
	total, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".figure.big .value")))
	if err != nil || total != "1.009.450,80 €" {
		t.Errorf("total shown %q, %v", total, err)
	}
	screenshot(t, ctx, "pagina-risultati")

	dir := t.TempDir()
	cst := downloadInBrowser(t, ctx, `#scarica a[download^="CST_"]`, dir)
	byComune, tot, _ := testkit.Summary(t, cst)
	olg := byComune["097058"]
	for col, want := range map[string]funding.Amount{
		"1.2 Abilitazione al cloud": 12199900, "1.4.1 Esperienza del cittadino": 15523400, "1.4.3 App IO": 343000,
		"1.4.4 SPID CIE": 1400000, "1.4.5 Notifiche digitali": 3258900, "1.3.1 PDND": 2034400, "1.4.3 pagoPA": 7284500,
		"Totale": 42044100,
	} {
		if olg[col] != want {
			t.Errorf("Olgiate Molgora, %s = %s, want %s", col, olg[col], want)
		}
	}
	var sum funding.Amount
	for _, m := range byComune {
		sum += m["Totale"]
	}
	if tot["Totale"] != 100945080 || sum != tot["Totale"] {
		t.Errorf("TOTALE %s, sum of the rows %s, want 1.009.450,80", tot["Totale"], sum)
	}
	want := t.TempDir()
	runCLI(t, "run", testkit.Path("samples"), "--out", want, "-q")
	month := time.Now().Format("2006-01")
	name := "CST_" + month + ".xlsx"
	got := filepath.Join(t.TempDir(), name)
	if err := os.Rename(cst, got); err != nil {
		t.Fatal(err)
	}
	if g, w := testkit.Dump(t, filepath.Dir(got))[name], testkit.Dump(t, want)[name]; g != w || g == "" {
		testkit.SameDump(t, map[string]string{name: w}, map[string]string{name: g})
	}

	// the council workbook of a comune, searched by a part of its name
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("cerca-comune"), "olgiate")); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the council search", `document.querySelectorAll("#consiglio-elenco li").length === 1`)
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#consiglio-elenco a")))
	if err != nil || label != "Olgiate Molgora (LC)" {
		t.Errorf("council search: %q %v", label, err)
	}
	// the anomalies of one comune
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("filtro-comune"), "osnago")); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the anomalies of Osnago", `document.querySelectorAll("#anomalie tbody tr").length === 1 &&
		document.querySelector("#anomalie tbody td").textContent === "Osnago (LC)"`)

	for _, u := range requests() {
		if !strings.HasPrefix(u, p.url+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page asked for %s", u)
		}
	}
	if n := len(requests()); n < 10 {
		t.Errorf("only %d requests recorded: is the recorder working?", n)
	}
}

// TestBrowserRealData: the monthly batch of a CST of the province of
// Lecco on the real open data, through the page: every file of the folder
// dropped at once (the README is refused, avvisi.csv is read and listed as
// not a funding list), Elabora, the links; the outputs are those of
// consolida run --config on the same files, cell for cell. It logs the
// time from Elabora to the download links.
func TestBrowserRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: test nel browser sui dati reali saltato")
	}
	data := testkit.RealData(t)
	chromiumPath(t)
	var files []string
	entries, err := os.ReadDir(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(data, e.Name()))
		}
	}
	lecco := func(dir string) string {
		runCLI(t, "init", dir)
		cfg := filepath.Join(dir, "consolida.toml")
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.Replace(string(b), `# provincia = ['LC', 'CO']`, `provincia = ["LC"]`, 1))
		if !strings.Contains(string(b), "\nprovincia = [\"LC\"]") {
			t.Fatalf("no provincia line to set in:\n%s", b)
		}
		if err := os.WriteFile(cfg, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	dir := t.TempDir()
	p := serve(t, web.Options{Config: lecco(dir), Council: true})
	ctx, requests := headless(t, p.url)
	if err := chromedp.Do(ctx, chromedp.Navigate(p.open), chromedp.WaitVisible(chromedp.ID("drop")),
		chromedp.SetUploadFiles(chromedp.ID("scegli"), files)); err != nil {
		t.Fatal(err)
	}
	n := len(files) - 1 // README.md is refused
	poll(t, ctx, "the checks of the files", fmt.Sprintf(`document.querySelectorAll("li.file.ok, li.file.warn, li.file.bad, li.file.skip").length === %d`, n))
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("invio")))
	if err != nil || !strings.Contains(msg, "README.md: formato non accettato") {
		t.Errorf("upload message %q %v", msg, err)
	}
	screenshot(t, ctx, "mensile-file")

	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("elabora")), chromedp.WaitVisible(chromedp.CSS("#fasi li"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "mensile-in-corso")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#scarica a"))); err != nil {
		t.Fatal(err)
	}
	t.Logf("real data, --provincia LC, monthly batch: from Elabora to the download links %v", time.Since(start))
	poll(t, ctx, "the anomalies", `document.querySelectorAll("#anomalie tbody tr").length > 0`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("storico"))); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "storico", `!document.getElementById("storico-testo").hidden`)
	screenshot(t, ctx, "mensile-risultati")
	for _, u := range requests() {
		if !strings.HasPrefix(u, p.url+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page asked for %s", u)
		}
	}

	other := t.TempDir()
	cfg := lecco(other)
	for _, f := range files {
		if filepath.Ext(f) != ".md" {
			testkit.Copy(t, filepath.Join(other, "inbox"), f)
		}
	}
	runCLI(t, "run", "--config", cfg, "-q")
	testkit.SameDump(t, testkit.Dump(t, filepath.Join(other, "uscita")), testkit.Dump(t, filepath.Join(dir, "uscita")))
}
