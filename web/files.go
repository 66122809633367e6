package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"consolida/importer"
	"consolida/pipeline"
	"consolida/ui"
)

// dropped is a file waiting in the inbox (or the session folder).
type dropped struct {
	Name  string       `json:"name"`
	Size  int64        `json:"size"`
	Check *checkReport `json:"check,omitempty"` // nil until checked
}

// checkReport is what pipeline.Check understood of a file, in the words
// of consolida check.
type checkReport struct {
	OK       bool   `json:"ok"`              // readable
	Error    string `json:"error,omitempty"` // why not, as the command line says it
	Format   string `json:"format,omitempty"`
	Header   string `json:"header,omitempty"` // "riga 3", "righe 2-3", several sheets: "foglio Dati, riga 3"
	Skipped  string `json:"skipped,omitempty"`
	Read     int    `json:"read"`
	Valid    int    `json:"valid"`
	Rejected int    `json:"rejected"`
	Anomaly  int    `json:"anomalies"`
	Total    string `json:"total,omitempty"` // funded (A+E) in the file, "1.234,56"
	Text     string `json:"text"`            // the report of consolida check
}

// checked caches the check of a file, valid while its size and time stay.
type checked struct {
	size   int64
	mod    time.Time
	report *checkReport
}

// listFiles lists the files dropped (those a run would read: hidden and
// Office lock files left out), by name.
func (s *Server) listFiles() ([]dropped, error) {
	entries, err := os.ReadDir(s.inbox)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dropped
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "~$") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		d := dropped{Name: n, Size: info.Size()}
		if c := s.checks[n]; c != nil && c.size == info.Size() && c.mod.Equal(info.ModTime()) {
			d.Check = c.report
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// state is what the page shows when it opens: the files and the run.
func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	files, err := s.listFiles()
	if err != nil {
		fail(w, http.StatusInternalServerError, ui.Message(err))
		return
	}
	reply(w, http.StatusOK, map[string]any{"files": files, "run": s.runView()})
}

// accepted are the extensions the page takes.
var accepted = map[string]bool{".csv": true, ".txt": true, ".tsv": true, ".xlsx": true, ".xlsm": true, ".xls": true, ".ods": true}

// CleanName turns the name a browser sends for an uploaded file into a
// plain file name that stays inside the inbox: the last element of any
// path ("../../x.csv" is "x.csv", also with backslashes), without control
// characters or characters Windows refuses, not hidden, not a device name
// of Windows, at most 150 bytes. "" when nothing usable is left.
func CleanName(raw string) string {
	raw = strings.ReplaceAll(raw, `\`, "/")
	name := path.Base(raw)
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
		case strings.ContainsRune(`<>:"/|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(b.String(), ". ")
	if len(name) > 150 {
		ext := filepath.Ext(name)
		if len(ext) > 10 {
			ext = ""
		}
		stem := name[:150-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = strings.TrimRight(stem, ". ") + ext
	}
	stem := strings.ToUpper(strings.TrimSuffix(name, filepath.Ext(name)))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		name = "_" + name
	}
	return name
}

// refusal is a file of an upload that was not saved, and why.
type refusal struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// received is a file of an upload, written under a hidden temporary name
// until the whole upload is in.
type received struct {
	name, tmp string
}

// upload receives files (multipart, field "file"). Within the limits the
// files are written under hidden names and renamed only when the whole
// upload is in: an upload over a limit writes nothing. A name taken by
// another file gets " (2)", " (3)"...; the same content again is not
// written twice. Files of other formats are refused one by one.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if s.running() {
		fail(w, http.StatusConflict, msgBusyFiles)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.lim.Upload+1<<20) // the multipart envelope
	mr, err := r.MultipartReader()
	if err != nil {
		fail(w, http.StatusBadRequest, msgUploadBroken)
		return
	}
	var got []received
	defer func() {
		for _, f := range got {
			os.Remove(f.tmp) // no-op once renamed
		}
	}()
	var refused []refusal
	var total int64
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.uploadFailed(w, err, "")
			return
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		raw := part.FileName()
		name := CleanName(raw)
		switch {
		case name == "":
			refused = append(refused, refusal{Name: raw, Reason: msgBadName})
			part.Close()
			continue
		case strings.HasPrefix(name, "~$"):
			refused = append(refused, refusal{Name: name, Reason: msgOfficeLock})
			part.Close()
			continue
		case !accepted[strings.ToLower(filepath.Ext(name))]:
			refused = append(refused, refusal{Name: name, Reason: msgNotAccepted})
			part.Close()
			continue
		}
		if len(got) == s.lim.Files {
			fail(w, http.StatusRequestEntityTooLarge, msgTooManyFiles(s.lim.Files))
			return
		}
		tmp, n, err := s.receive(part)
		if tmp != "" {
			got = append(got, received{name: name, tmp: tmp})
		}
		if err != nil {
			s.uploadFailed(w, err, name)
			return
		}
		if total += n; total > s.lim.Upload {
			fail(w, http.StatusRequestEntityTooLarge, msgUploadTooBig(s.lim.Upload))
			return
		}
	}
	saved, err := s.place(got)
	if err != nil {
		fail(w, http.StatusInternalServerError, ui.Message(err))
		return
	}
	reply(w, http.StatusOK, map[string]any{"saved": saved, "refused": refused})
}

// errFileTooBig: a file of an upload is over the limit for one file.
var errFileTooBig = errors.New("file too big")

// receive writes one part into a hidden temporary file of the inbox.
func (s *Server) receive(part *multipart.Part) (string, int64, error) {
	defer part.Close()
	f, err := os.CreateTemp(s.inbox, ".consolida-invio-*")
	if err != nil {
		return "", 0, err
	}
	n, err := io.Copy(f, io.LimitReader(part, s.lim.FileSize+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > s.lim.FileSize {
		err = errFileTooBig
	}
	return f.Name(), n, err
}

// uploadFailed answers an upload that stopped: over a limit, or broken.
func (s *Server) uploadFailed(w http.ResponseWriter, err error, name string) {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, errFileTooBig):
		fail(w, http.StatusRequestEntityTooLarge, msgFileTooBig(name, s.lim.FileSize))
	case errors.As(err, &mbe):
		fail(w, http.StatusRequestEntityTooLarge, msgUploadTooBig(s.lim.Upload))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		fail(w, http.StatusBadRequest, msgUploadBroken)
	default:
		var pe *os.PathError
		if errors.As(err, &pe) {
			fail(w, http.StatusInternalServerError, ui.Message(err))
			return
		}
		fail(w, http.StatusBadRequest, msgUploadBroken)
	}
}

// place renames the received files to their names, never over another
// file: a name taken by a different content gets " (2)", " (3)"...
func (s *Server) place(got []received) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var saved []string
	for _, f := range got {
		name, same, err := s.freeName(f.name, f.tmp)
		if err != nil {
			return saved, err
		}
		if same {
			saved = append(saved, name+" ("+msgAlreadyThere+")")
			continue
		}
		if err := os.Rename(f.tmp, filepath.Join(s.inbox, name)); err != nil {
			return saved, err
		}
		delete(s.checks, name)
		saved = append(saved, name)
	}
	return saved, nil
}

// freeName is the first of name, "stem (2).ext"... that no file of the
// inbox holds, or the name of a file with the same content as tmp.
func (s *Server) freeName(name, tmp string) (string, bool, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 1; ; n++ {
		try := name
		if n > 1 {
			try = fmt.Sprintf("%s (%d)%s", stem, n, ext)
		}
		p := filepath.Join(s.inbox, try)
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return try, false, nil
		} else if err != nil {
			return "", false, err
		}
		if sameContent(p, tmp) {
			return try, true, nil
		}
	}
}

func sameContent(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil || sa.Size() != sb.Size() || !sa.Mode().IsRegular() {
		return false
	}
	fa, err1 := os.Open(a)
	fb, err2 := os.Open(b)
	if err1 != nil || err2 != nil {
		if fa != nil {
			fa.Close()
		}
		if fb != nil {
			fb.Close()
		}
		return false
	}
	defer fa.Close()
	defer fb.Close()
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, _ := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil { // the sizes are equal: both ended
			return ea == io.EOF || ea == io.ErrUnexpectedEOF
		}
	}
}

// droppedPath is the path of the dropped file name, or "" when no such
// file waits in the inbox (a name is never a path).
func (s *Server) droppedPath(name string) string {
	if name == "" || name != CleanName(name) {
		return ""
	}
	p := filepath.Join(s.inbox, name)
	if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	return p
}

// check tells what consolida check understands of a dropped file; the
// answer is kept until the file changes.
func (s *Server) check(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	p := s.droppedPath(name)
	if p == "" {
		fail(w, http.StatusNotFound, msgNoSuchFile)
		return
	}
	st, err := os.Stat(p)
	if err != nil {
		fail(w, http.StatusNotFound, msgNoSuchFile)
		return
	}
	s.mu.Lock()
	c := s.checks[name]
	s.mu.Unlock()
	if c != nil && c.size == st.Size() && c.mod.Equal(st.ModTime()) {
		reply(w, http.StatusOK, c.report)
		return
	}
	comuni := s.opt.Scope.ComuniList
	if comuni == "" && s.cfg != nil {
		comuni = s.cfg.ComuniList
	}
	res, err := pipeline.Check(r.Context(), pipeline.CheckOptions{Inputs: []string{p}, ComuniList: comuni}, nil)
	if res == nil || len(res.Files) != 1 {
		if err == nil {
			err = errors.New("check: no result")
		}
		fail(w, http.StatusInternalServerError, Message(err))
		return
	}
	rep := reportOf(res, name, s.inbox)
	s.mu.Lock()
	s.checks[name] = &checked{size: st.Size(), mod: st.ModTime(), report: rep}
	s.mu.Unlock()
	reply(w, http.StatusOK, rep)
}

// reportOf turns the check of one file into the page's report; the text
// is that of consolida check, with the file's name instead of its path.
func reportOf(res *pipeline.CheckResult, name, dir string) *checkReport {
	f := res.Files[0]
	var b strings.Builder
	ui.WriteCheck(&b, res, 10)
	text := strings.ReplaceAll(b.String(), f.Path, name)
	text = strings.ReplaceAll(text, dir+string(filepath.Separator), "")
	if f.Err != nil {
		return &checkReport{Error: ui.Message(importer.FileError{Path: name, Err: f.Err}), Text: text}
	}
	rep := f.File.Report
	out := &checkReport{OK: true, Format: fmt.Sprint(rep.Format), Skipped: f.File.Source.Skipped, Text: text}
	if rep.Detail != "" {
		out.Format += ", " + rep.Detail
	}
	var heads []string
	for _, sh := range rep.Sheets {
		if sh.Skipped != "" || len(sh.HeaderRows) == 0 {
			continue
		}
		rows := make([]string, len(sh.HeaderRows))
		for i, n := range sh.HeaderRows {
			rows[i] = fmt.Sprint(n)
		}
		h := "riga " + strings.Join(rows, "-")
		if len(rows) > 1 {
			h = "righe " + strings.Join(rows, "-")
		}
		if sh.Name != "" {
			h = fmt.Sprintf("foglio %q, %s", sh.Name, h)
		}
		heads = append(heads, h)
	}
	out.Header = strings.Join(heads, "; ")
	if c := f.Result; c != nil {
		o := c.Conservation.Outcomes
		out.Read = c.Conservation.Read.Rows
		out.Rejected = o.Rejected.Rows
		out.Valid = out.Read - out.Rejected
		out.Anomaly = len(c.Anomalies)
		out.Total = c.Total.String()
	}
	return out
}

// remove takes a dropped file away from the inbox (before a run).
func (s *Server) remove(w http.ResponseWriter, r *http.Request) {
	if s.running() {
		fail(w, http.StatusConflict, msgBusyFiles)
		return
	}
	name := r.PathValue("name")
	p := s.droppedPath(name)
	if p == "" {
		fail(w, http.StatusNotFound, msgNoSuchFile)
		return
	}
	if err := os.Remove(p); err != nil {
		fail(w, http.StatusInternalServerError, ui.Message(err))
		return
	}
	s.mu.Lock()
	delete(s.checks, name)
	s.mu.Unlock()
	reply(w, http.StatusOK, map[string]string{"removed": name})
}
