package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"consolida/funding"
)

// headerScan is how many non-empty rows are searched for the header.
const headerScan = 30

// Options steer the import.
type Options struct {
	Catalog  *funding.Catalog
	Synonyms *Synonyms
	// OnRows is called now and then with the number of data rows read
	// since the previous call (progress). May be nil.
	OnRows func(n int)
	intern map[string]string
}

// SheetReport tells what was understood of one sheet (for `check`).
type SheetReport struct {
	Name       string
	Hidden     bool
	HeaderRows []int
	Columns    []Column
	Skipped    string // why the sheet holds no funding rows
	Read       int
	Rejected   int
	Notes      []string
}

// FileReport tells what was understood of one file.
type FileReport struct {
	Path   string
	Format Format
	Detail string
	Sheets []SheetReport
}

// FileResult is what reading one file gives.
type FileResult struct {
	Source    funding.Source
	Records   []funding.Record
	Anomalies []funding.Anomaly
	Report    FileReport
}

// ReadFile reads every sheet of a file. An error means the file could not
// be read at all (format, encryption, I/O); row problems are anomalies.
func ReadFile(path, name string, fileIdx int, opt *Options) (*FileResult, error) {
	if opt.intern == nil {
		opt.intern = map[string]string{}
	}
	res := &FileResult{Source: funding.Source{Name: name, Path: path}}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("è una cartella")
	}
	res.Source.Size = st.Size()
	if res.Source.SHA256, err = FileSHA256(path); err != nil {
		return nil, err
	}
	if kind, ok := documentExt[strings.ToLower(filepath.Ext(path))]; ok {
		// a document that came with the tables (the decree in PDF, a
		// covering letter): listed, not read
		res.Source.Format = kind
		res.Source.Skipped = "è un documento (" + kind + "), non un prospetto di finanziamenti"
		res.Report = FileReport{Path: path, Format: Format(kind)}
		return res, nil
	}
	b, err := openBook(path)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	res.Report = FileReport{Path: path, Format: b.Format, Detail: b.Detail}
	res.Source.Format = string(b.Format)
	if b.Detail != "" {
		res.Source.Format += " (" + b.Detail + ")"
	}
	for si := range b.Sheets {
		sh := &b.Sheets[si]
		rep, err := readSheet(res, sh, int32(fileIdx), opt)
		if err != nil {
			where := ""
			if sh.Name != "" {
				where = fmt.Sprintf("foglio %q: ", sh.Name)
			}
			return nil, fmt.Errorf("%s%w", where, err)
		}
		res.Report.Sheets = append(res.Report.Sheets, rep)
	}
	var skipped []string
	for _, s := range res.Report.Sheets {
		if s.Hidden && s.Skipped == "" {
			res.Source.Notes = append(res.Source.Notes, fmt.Sprintf("foglio nascosto %q letto", s.Name))
		}
		if s.Skipped != "" {
			label := "il file"
			if s.Name != "" {
				label = fmt.Sprintf("foglio %q", s.Name)
			}
			skipped = append(skipped, label+": "+s.Skipped)
		}
		res.Source.Notes = append(res.Source.Notes, s.Notes...)
	}
	if len(skipped) == len(res.Report.Sheets) {
		res.Source.Skipped = "non è un elenco di finanziamenti: " + strings.Join(skipped, "; ")
	} else {
		for _, s := range skipped {
			res.Source.Notes = append(res.Source.Notes, "ignorato "+s)
		}
	}
	return res, nil
}

// FileSHA256 is the hex SHA-256 of a file's content (how Fonti and the ledger
// recognise a file).
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func readSheet(res *FileResult, sh *sheet, fileIdx int32, opt *Options) (SheetReport, error) {
	rep := SheetReport{Name: sh.Name, Hidden: sh.Hidden}
	it, err := sh.open()
	if err != nil {
		return rep, err
	}
	defer it.Close()
	var rows []int
	var buf [][]Cell
	for len(buf) < headerScan && it.Next() {
		n, cells := it.Row()
		if blank(cells) {
			continue
		}
		rows = append(rows, n)
		buf = append(buf, append([]Cell(nil), cells...))
	}
	if err := it.Err(); err != nil {
		return rep, err
	}
	if len(buf) == 0 {
		rep.Skipped = "vuoto"
		return rep, nil
	}
	if sh.estimate != nil && len(res.Records) == 0 {
		// size the record slice once: a million rows would otherwise be
		// copied and left with up to twice the room they need
		res.Records = make([]funding.Record, 0, sh.estimate())
	}
	h, next, closest := opt.Synonyms.findHeader(rows, buf)
	if h == nil {
		rep.Skipped = "nelle prime 30 righe non c'è un'intestazione con " + closest.missing()
		rep.Columns = closest.cols
		rep.HeaderRows = closest.rows
		return rep, nil
	}
	rep.HeaderRows, rep.Columns = h.rows, h.cols
	m := &mapper{res: res, sh: sh, h: h, fileIdx: fileIdx, opt: opt, rep: &rep}
	var title []string
	for i := 0; i < len(buf) && rows[i] < h.rows[0]; i++ {
		for _, c := range buf[i] {
			if v := funding.CleanSpaces(c.V); v != "" {
				title = append(title, v)
			}
		}
	}
	m.init(strings.Join(title, " "))
	for i := next; i < len(buf); i++ {
		m.row(rows[i], buf[i])
	}
	pending := 0
	for it.Next() {
		n, cells := it.Row()
		m.row(n, cells)
		if pending++; pending == 5000 && opt.OnRows != nil {
			opt.OnRows(pending)
			pending = 0
		}
	}
	if opt.OnRows != nil && pending > 0 {
		opt.OnRows(pending)
	}
	if err := it.Err(); err != nil {
		var pe interface{ Error() string }
		if errors.As(err, &pe) {
			return rep, fmt.Errorf("riga dopo la %d: %w", m.lastRow, err)
		}
		return rep, err
	}
	m.finish()
	return rep, nil
}

// documentExt are extensions of documents that travel with the tables. A
// file with a spreadsheet extension is always read: a PDF renamed .xlsx is
// an error, a .pdf is skipped.
var documentExt = map[string]string{
	".pdf": "PDF", ".p7m": "documento firmato", ".doc": "Word", ".docx": "Word", ".odt": "documento ODT",
	".rtf": "RTF", ".msg": "messaggio di posta", ".eml": "messaggio di posta", ".md": "testo",
	".jpg": "immagine", ".jpeg": "immagine", ".png": "immagine", ".zip": "archivio", ".rar": "archivio", ".7z": "archivio",
}

// DisplayNames gives each path the name shown in Fonte: the base name,
// or the path when two inputs share a base name.
func DisplayNames(paths []string) []string {
	count := map[string]int{}
	for _, p := range paths {
		count[filepath.Base(p)]++
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		if count[filepath.Base(p)] > 1 {
			out[i] = filepath.ToSlash(p)
		} else {
			out[i] = filepath.Base(p)
		}
	}
	return out
}
