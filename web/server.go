// Package web is the office's page: a small HTTP server on the loopback
// address that lets a clerk drop the files received, see what consolida
// understood of each, run the batch with live progress, read the
// anomalies and download the workbooks, without a terminal.
//
// It calls the same use cases as the command line (package pipeline:
// Check, Run, Monthly, History) and says things in the same Italian words
// (package ui); the page (page/) is embedded with go:embed and loads
// nothing from the internet.
//
// Where the files go: with a configuration (consolida.toml, as init
// writes it) the dropped files go to its inbox and "Elabora" runs the
// monthly batch over its ledger; without one, they go to a temporary
// session folder and "Elabora" runs a one-off run into the output folder
// given (by default one inside the session folder).
//
// Safe by default: it listens on loopback addresses only (Listen), answers
// only requests addressed to the name and port it serves (no DNS
// rebinding), accepts state-changing requests only from its own page
// (Sec-Fetch-Site/Origin, and a per-server token), limits uploads, cleans
// uploaded names, runs one batch at a time, on a context of its own: a
// closed tab neither stops nor corrupts a run.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"consolida/pipeline"
)

// Options are the options of a server.
type Options struct {
	// Config is the configuration of the monthly batch (consolida.toml):
	// dropped files go to its inbox and Elabora runs pipeline.Monthly.
	// Empty: a session; dropped files go to a temporary folder and
	// Elabora runs pipeline.Run.
	Config string
	// Out is the output folder of a session; empty: "uscita" inside the
	// session's temporary folder. With Config, the configuration's (or
	// this, when set).
	Out string
	// Scope and Council are the options of the run, as on the command
	// line; with Config they override the configuration as they do for
	// run --config.
	Scope   pipeline.Scope
	Council bool
	// Limits bound the uploads; zero fields take DefaultLimits'.
	Limits Limits
	// Now is the clock of the runs (the generation time of the outputs);
	// nil: time.Now.
	Now func() time.Time
}

// Limits bound what one upload may bring.
type Limits struct {
	FileSize int64 // bytes of one file
	Files    int   // files in one upload
	Upload   int64 // bytes of one upload request, all files together
}

// DefaultLimits are generous for the files of an office (the real open
// data are 14 files of 4 MB at most) and small for a disk.
var DefaultLimits = Limits{FileSize: 200 << 20, Files: 500, Upload: 1 << 30}

// Server is the office's page. Create it with New, serve it with Serve
// (or mount Handler in a test server) and Close it at the end.
type Server struct {
	opt   Options
	lim   Limits
	cfg   *pipeline.Config // nil in a session
	inbox string           // where dropped files go
	out   string           // the output folder of a session
	tmp   string           // the session's temporary folder, removed by Close
	token string           // the key of the page, and proof that a request comes from it

	// runs are made on ctx, cancelled by Close, never on a request's
	ctx    context.Context
	cancel context.CancelFunc
	runs   sync.WaitGroup

	mu     sync.Mutex
	job    *job                // the current or last run
	jobs   int                 // runs started
	checks map[string]*checked // the check of each dropped file, by name

	// wrapProgress, when set (by the tests), wraps the progress of a run.
	wrapProgress func(pipeline.Progress) pipeline.Progress
}

// New prepares a server: it reads the configuration (whose inbox must
// exist) or makes the session's temporary folder.
func New(opt Options) (*Server, error) {
	s := &Server{opt: opt, lim: opt.Limits, checks: map[string]*checked{}}
	if s.lim.FileSize <= 0 {
		s.lim.FileSize = DefaultLimits.FileSize
	}
	if s.lim.Files <= 0 {
		s.lim.Files = DefaultLimits.Files
	}
	if s.lim.Upload <= 0 {
		s.lim.Upload = DefaultLimits.Upload
	}
	if s.opt.Now == nil {
		s.opt.Now = time.Now
	}
	if opt.Config != "" {
		cfg, err := pipeline.LoadConfig(opt.Config)
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(cfg.Inbox); err != nil || !st.IsDir() {
			return nil, &pipeline.InboxMissingError{Inbox: cfg.Inbox, Config: opt.Config}
		}
		s.cfg, s.inbox, s.out = cfg, cfg.Inbox, cfg.Out
		if opt.Out != "" {
			s.out = opt.Out
		}
	} else {
		tmp, err := os.MkdirTemp("", "consolida-pagina-")
		if err != nil {
			return nil, &pipeline.ActionError{Action: pipeline.MakeDir, Path: os.TempDir(), Err: err}
		}
		s.tmp, s.inbox, s.out = tmp, filepath.Join(tmp, "file"), filepath.Join(tmp, "uscita")
		if opt.Out != "" {
			s.out = opt.Out
		}
		if err := os.Mkdir(s.inbox, 0o700); err != nil {
			os.RemoveAll(tmp)
			return nil, &pipeline.ActionError{Action: pipeline.MakeDir, Path: s.inbox, Err: err}
		}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	s.token = hex.EncodeToString(b)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Monthly tells whether the server runs the monthly batch (a
// configuration was given) rather than one-off runs.
func (s *Server) Monthly() bool { return s.cfg != nil }

// Inbox is the folder the dropped files go to.
func (s *Server) Inbox() string { return s.inbox }

// OutDir is the output folder.
func (s *Server) OutDir() string { return s.out }

// Close stops a run in progress (its previous outputs stay, as after a
// Ctrl-C), waits for it and removes the session's temporary folder.
func (s *Server) Close() error {
	s.cancel()
	s.runs.Wait()
	if s.tmp != "" {
		return os.RemoveAll(s.tmp)
	}
	return nil
}

// ErrNotLoopback: Listen was asked for an address that is not a loopback
// address; the page is for the person at this computer only.
var ErrNotLoopback = errors.New("not a loopback address")

// ListenError: the page cannot listen on Addr.
type ListenError struct {
	Addr string
	Err  error // ErrNotLoopback, or the system's
}

func (e *ListenError) Error() string { return "listen on " + e.Addr + ": " + e.Err.Error() }
func (e *ListenError) Unwrap() error { return e.Err }

// Listen listens on addr ("127.0.0.1:8080"; port 0: a free port). Any
// address but a loopback one (127.0.0.0/8, ::1, localhost) is refused
// with ErrNotLoopback.
func Listen(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &ListenError{Addr: addr, Err: err}
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, &ListenError{Addr: addr, Err: ErrNotLoopback}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), port))
	if err != nil {
		return nil, &ListenError{Addr: addr, Err: err}
	}
	return ln, nil
}

// URL is the address of the page served on ln, with the key that opens
// it ("http://127.0.0.1:8080/?chiave=..."): the browser opened on it
// keeps the key in a cookie; a request without the key is refused, so
// that another user of the same computer (a terminal server) cannot
// reach the page.
func (s *Server) URL(ln net.Listener) string {
	return "http://" + ln.Addr().String() + "/?" + keyParam + "=" + s.token
}

// Serve serves the page on ln until ctx is cancelled, then shuts the
// server down: requests in flight get a few seconds, a run in progress
// is stopped (Close).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(ln.Addr()),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.cancel() // the event streams and a run end now
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	s.runs.Wait()
	if errors.Is(err, context.DeadlineExceeded) {
		err = hs.Close()
	}
	return err
}

// hosts are the Host headers a request may carry to the page served at
// addr: its address and "localhost" with its port.
func hosts(addr net.Addr) map[string]bool {
	_, port, _ := net.SplitHostPort(addr.String())
	return map[string]bool{addr.String(): true, "localhost:" + port: true}
}
