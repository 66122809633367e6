package web

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"consolida/funding"
	"consolida/pipeline"
	"consolida/ui"
)

func pathEscape(name string) string { return url.PathEscape(name) }

// contentTypes of the outputs.
var contentTypes = map[string]string{
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".csv":  "text/csv; charset=utf-8",
	".zip":  "application/zip",
}

// attachment makes the browser save the answer as name.
func attachment(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if t := contentTypes[strings.ToLower(filepath.Ext(name))]; t != "" {
		w.Header().Set("Content-Type", t)
	}
	w.Header().Set("Cache-Control", "no-store")
}

// serveOutput sends an output file of the last run.
func serveOutput(w http.ResponseWriter, r *http.Request, path, name string) {
	f, err := os.Open(path)
	if err != nil {
		fail(w, http.StatusNotFound, ui.Message(err))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		fail(w, http.StatusInternalServerError, ui.Message(err))
		return
	}
	attachment(w, name)
	http.ServeContent(w, r, name, st.ModTime(), f)
}

// download sends the CST workbook or a CSV of the last run: only the
// names the run listed, never a path.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	o := s.lastOutcome()
	name := r.PathValue("name")
	if o == nil || o.paths[name] == "" {
		fail(w, http.StatusNotFound, msgNoSuchFile)
		return
	}
	serveOutput(w, r, o.paths[name], name)
}

// downloadCouncil sends one council workbook of the last run.
func (s *Server) downloadCouncil(w http.ResponseWriter, r *http.Request) {
	o := s.lastOutcome()
	name := r.PathValue("name")
	if o != nil {
		for _, c := range o.council {
			if c.name == name {
				serveOutput(w, r, c.path, name)
				return
			}
		}
	}
	fail(w, http.StatusNotFound, msgNoSuchFile)
}

// councilZip sends every council workbook of the last run in one zip
// (stored, not compressed again: a workbook is already a zip).
func (s *Server) councilZip(w http.ResponseWriter, r *http.Request) {
	o := s.lastOutcome()
	if o == nil || len(o.council) == 0 {
		fail(w, http.StatusNotFound, msgNothingToZip)
		return
	}
	attachment(w, "consiglio_"+o.Month+".zip")
	zw := zip.NewWriter(w)
	for _, c := range o.council {
		if err := addToZip(zw, c.path, c.name); err != nil {
			// the answer has begun: a broken zip is what the browser
			// gets, and it says the download failed
			panic(http.ErrAbortHandler)
		}
	}
	if err := zw.Close(); err != nil {
		panic(http.ErrAbortHandler)
	}
}

func addToZip(zw *zip.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	hdr, err := zip.FileInfoHeader(st)
	if err != nil {
		return err
	}
	hdr.Name, hdr.Method = name, zip.Store
	zw2, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	_, err = io.Copy(zw2, f)
	return err
}

// council lists the council workbooks of the last run whose comune
// matches q (case and accents ignored); at most 200.
func (s *Server) council(w http.ResponseWriter, r *http.Request) {
	type item struct {
		Label string `json:"label"`
		Name  string `json:"name"`
		URL   string `json:"url"`
	}
	o := s.lastOutcome()
	items := []item{}
	matched := 0
	if o != nil {
		q := funding.Fold(r.URL.Query().Get("q"))
		for _, c := range o.council {
			if q != "" && !strings.Contains(c.key, q) {
				continue
			}
			if matched++; len(items) < 200 {
				items = append(items, item{Label: c.label, Name: c.name, URL: "/download/council/" + pathEscape(c.name)})
			}
		}
	}
	total := 0
	if o != nil {
		total = len(o.council)
	}
	reply(w, http.StatusOK, map[string]any{"total": total, "matched": matched, "items": items})
}

// anomalies lists the anomalies of the last run, filtered by comune
// (part of its name, case and accents ignored) and by file; at most
// limit (default 500, at most 5000).
func (s *Server) anomalies(w http.ResponseWriter, r *http.Request) {
	o := s.lastOutcome()
	q := r.URL.Query()
	comune, file := funding.Fold(q.Get("comune")), q.Get("file")
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 500
	}
	limit = min(limit, 5000)
	rows := []anomalyRow{}
	matched, total := 0, 0
	if o != nil {
		total = len(o.rows)
		for _, a := range o.rows {
			if (file != "" && a.File != file) || (comune != "" && !strings.Contains(a.key, comune)) {
				continue
			}
			if matched++; len(rows) < limit {
				rows = append(rows, a)
			}
		}
	}
	reply(w, http.StatusOK, map[string]any{"total": total, "matched": matched, "rows": rows})
}

// history is storico: the exports and files of the ledger, as the
// command line prints them.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	if s.cfg == nil {
		reply(w, http.StatusOK, map[string]string{"message": msgNoHistory})
		return
	}
	h, err := pipeline.History(r.Context(), pipeline.HistoryOptions{Ledger: s.cfg.Ledger}, nil)
	var nost *pipeline.NoStoreError
	switch {
	case errors.As(err, &nost):
		reply(w, http.StatusOK, map[string]string{"message": msgNoLedgerYet})
		return
	case err != nil:
		fail(w, http.StatusInternalServerError, Message(err))
		return
	}
	var b bytes.Buffer
	if err := ui.WriteHistory(&b, h, true); err != nil {
		fail(w, http.StatusInternalServerError, Message(err))
		return
	}
	reply(w, http.StatusOK, map[string]string{"text": b.String()})
}
