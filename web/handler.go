package web

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strings"

	"consolida/internal/version"
)

//go:embed page
var pageFS embed.FS

var pageTmpl = template.Must(template.ParseFS(pageFS, "page/index.html"))

// tokenHeader carries the per-server token on every state-changing
// request of the page.
const tokenHeader = "X-Consolida-Token"

// csp lets the page load only from its own origin: no CDN, no inline
// script, no frame, no form to elsewhere.
const csp = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler is the page served at addr (the listener's address: requests
// addressed to another host or port are refused). It opens only to a
// browser that came with the page's key (Server.URL).
//
// Routes:
//
//	GET    /                         the page
//	GET    /static/app.js, app.css   its script and style sheet
//	GET    /api/state                mode, folders, dropped files, last run
//	POST   /api/files                upload (multipart, field "file")
//	GET    /api/files/{name}/check   what check understands of a dropped file
//	DELETE /api/files/{name}         take a dropped file away
//	POST   /api/run                  "Elabora"
//	GET    /api/run                  the state and result of the last run
//	GET    /api/run/events           its progress, as server-sent events
//	GET    /api/anomalies            its anomalies (?comune=&file=)
//	GET    /api/council              its council workbooks (?q=)
//	GET    /api/history              storico (monthly batch)
//	GET    /download/{name}          the CST workbook, the CSV
//	GET    /download/council/{name}  one council workbook
//	GET    /download/council.zip     all of them
func (s *Server) Handler(addr net.Addr) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /static/app.js", asset("page/app.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /static/app.css", asset("page/app.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET /api/state", s.state)
	mux.HandleFunc("POST /api/files", s.upload)
	mux.HandleFunc("GET /api/files/{name}/check", s.check)
	mux.HandleFunc("DELETE /api/files/{name}", s.remove)
	mux.HandleFunc("POST /api/run", s.startRun)
	mux.HandleFunc("GET /api/run", s.runState)
	mux.HandleFunc("GET /api/run/events", s.events)
	mux.HandleFunc("GET /api/anomalies", s.anomalies)
	mux.HandleFunc("GET /api/council", s.council)
	mux.HandleFunc("GET /api/history", s.history)
	mux.HandleFunc("GET /download/council.zip", s.councilZip)
	mux.HandleFunc("GET /download/council/{name}", s.downloadCouncil)
	mux.HandleFunc("GET /download/{name}", s.download)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fail(w, http.StatusNotFound, msgNotFoundPage) })

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusForbidden, msgCrossOrigin)
	}))
	_, port, _ := net.SplitHostPort(addr.String())
	return s.guard(hosts(addr), addr.String(), s.requireKey("consolida_"+port, cop.Handler(s.requireToken(mux))))
}

// keyParam is the query parameter of the page's key in its URL.
const keyParam = "chiave"

// requireKey lets through only the requests of a browser that opened the
// page's URL with its key (URL): the key goes into a cookie (named after
// the port: cookies do not tell ports apart) and the browser is sent to
// the same address without it.
func (s *Server) requireKey(cookie string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.URL.Query().Get(keyParam); key != "" && r.Method == http.MethodGet {
			if !s.isToken(key) {
				refuse(w, r, http.StatusForbidden, msgNoKey)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: cookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			q := r.URL.Query()
			q.Del(keyParam)
			u := *r.URL
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
			return
		}
		if c, err := r.Cookie(cookie); err != nil || !s.isToken(c.Value) {
			refuse(w, r, http.StatusForbidden, msgNoKey)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) isToken(v string) bool {
	return subtle.ConstantTimeCompare([]byte(v), []byte(s.token)) == 1
}

// refuse answers a refused request: JSON for the page's script, plain
// text for a person who typed an address.
func refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		fail(w, status, msg)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte("consolida: " + msg + "\n"))
}

// guard sets the security headers of every answer and refuses requests
// addressed to another host: a page of another site that made its name
// resolve to 127.0.0.1 (DNS rebinding) cannot reach this one.
//
// The checks, in order: Host (guard), the page's key (requireKey), same
// origin for state-changing requests (CrossOriginProtection), the token
// in their header (requireToken).
func (s *Server) guard(allowed map[string]bool, addr string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if !allowed[strings.ToLower(r.Host)] {
			refuse(w, r, http.StatusMisdirectedRequest, msgWrongHost(r.Host, "http://"+addr+"/"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireToken refuses a state-changing request without the token of
// this server, which only its own page knows.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if !s.isToken(r.Header.Get(tokenHeader)) {
				fail(w, http.StatusForbidden, msgBadToken)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// page is the page itself, with the token and the folders.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Token, Version, Inbox, Out, Config string
		Monthly                            bool
		MaxFile                            string
		MaxFiles                           int
	}{s.token, version.Short(), s.inbox, s.out, s.opt.Config, s.Monthly(), size(s.lim.FileSize), s.lim.Files}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, data); err != nil {
		fail(w, http.StatusInternalServerError, msgServerProblem+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

// asset serves an embedded file of the page.
func asset(name, contentType string) http.HandlerFunc {
	b, err := fs.ReadFile(pageFS, name)
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}

// reply writes v as JSON.
func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// fail answers with an Italian message: {"error": "..."}.
func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"error": msg})
}
