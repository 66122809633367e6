package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"consolida/funding"
	"consolida/importer/grid"
)

// headerScan is how many non-empty rows are searched for the header.
const headerScan = 30

// Options steer the import. One Options is meant for the files of one
// run, read one after the other: it carries what they share (the intern
// table of repeated texts, the budget of what they may yield).
type Options struct {
	Catalog  *funding.Catalog
	Synonyms *Synonyms
	// OnRows is called now and then with the number of data rows read
	// since the previous call (progress). May be nil.
	OnRows func(n int)
	// Context stops a read in progress within a fraction of a second
	// (Ctrl-C): every decoder checks it as it reads, and Read then returns
	// its error. nil: never stopped.
	Context context.Context
	// Limits is the budget of what a file may expand to; zero fields take
	// grid.DefaultLimits. Decoders get it scaled to each file's size
	// (grid.Limits.ForSize); the rows, cells and text that the sheets
	// yield are counted across all the files read with these Options.
	Limits grid.Limits
	// intern holds one copy of each text read, a table per field: a
	// field's table stays small (a few regions, dozens of avvisi) and is
	// searched without going through the many codes of the others
	intern map[string]map[string]string
	yield  yieldCount
}

// yieldCount is what the sheets of the files read so far yielded, and
// the size of those files, which sets the allowance (grid.Limits.Yield).
type yieldCount struct {
	size                     int64
	rows, cells, text        int64
	maxRows, maxCells, maxTx int64
}

// add counts one row; a *grid.LimitError when the files have yielded more
// than their size allows.
func (y *yieldCount) add(cells []grid.Cell) error {
	y.rows++
	y.cells += int64(len(cells))
	for i := range cells {
		y.text += int64(len(cells[i].V))
	}
	switch {
	case y.rows > y.maxRows:
		return &grid.LimitError{Budget: grid.BudgetRows, What: "rows yielded for the size of the input", Limit: y.maxRows}
	case y.cells > y.maxCells:
		return &grid.LimitError{Budget: grid.BudgetCells, What: "cells yielded for the size of the input", Limit: y.maxCells}
	case y.text > y.maxTx:
		return &grid.LimitError{Budget: grid.BudgetText, What: "bytes of text yielded for the size of the input", Limit: y.maxTx}
	}
	return nil
}

func (o *Options) context() context.Context {
	if o.Context == nil {
		return context.Background()
	}
	return o.Context
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

// errFolder is a path that names a folder.
var errFolder = errors.New("è una cartella")

// ReadFile reads every sheet of a file. An error means the file could not
// be read at all (format, encryption, I/O); row problems are anomalies.
// The file is opened once (Open, then Input.Read).
func ReadFile(path, name string, fileIdx int, opt *Options) (*FileResult, error) {
	in, err := Open(path)
	if err != nil {
		// say what stat says of a path that cannot be opened: the error
		// of a name that does not exist, or that it is a folder
		if st, serr := os.Stat(path); serr != nil {
			return nil, serr
		} else if st.IsDir() {
			return nil, errFolder
		}
		return nil, err
	}
	defer in.Close()
	return in.Read(name, fileIdx, opt)
}

// Read reads every sheet of the input, decoding it with the decoder of
// the format its bytes say, from the same descriptor. FileResult.Source
// carries the SHA-256 of the bytes as this read consumed them.
func (in *Input) Read(name string, fileIdx int, opt *Options) (*FileResult, error) {
	if opt.intern == nil {
		opt.intern = map[string]map[string]string{}
	}
	if in.dir {
		return nil, errFolder
	}
	// this read sees the file as it is now: its head is read again if a
	// pass (SHA256) read it before, and it makes its own pass
	in.cur, in.headRead = nil, false
	src := funding.Source{Name: name, Path: in.path, Size: in.size}
	if kind, ok := documentExt[strings.ToLower(filepath.Ext(in.path))]; ok {
		// a document that came with the tables (the decree in PDF, a
		// covering letter): listed, not read
		sum, err := in.hashPass()
		if err != nil {
			return nil, err
		}
		src.SHA256, src.Format = sum, kind
		src.Skipped = "è un documento (" + kind + "), non un prospetto di finanziamenti"
		return &FileResult{Source: src, Report: FileReport{Path: in.path, Format: Format(kind)}}, nil
	}
	format, err := in.sniff()
	if err != nil {
		return nil, err
	}
	dec, err := decoderFor(format)
	if err != nil {
		return nil, err
	}
	if format != FormatCSV && in.pre == "" {
		// decoded at random offsets: the hash taken first, compared with
		// the one taken after, tells a file that changed meanwhile
		if _, err := in.SHA256(); err != nil {
			return nil, err
		}
	}
	ctx := opt.context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in.ctx = ctx
	defer func() { in.ctx = nil }()
	lim := opt.Limits.ForSize(in.size)
	opt.yield.size += in.size
	opt.yield.maxRows, opt.yield.maxCells, opt.yield.maxTx = opt.Limits.Yield(opt.yield.size)
	rows := &rowCount{report: opt.OnRows}
	for {
		before := opt.yield
		res, err := in.decode(dec, format, src, int32(fileIdx), opt, lim, rows)
		if retry, rerr := in.textRetry(); retry && ctx.Err() == nil {
			// not UTF-8 after all: read again as Windows-1252
			rows.restart()
			opt.yield = before
			continue
		} else if rerr != nil && err == nil {
			err = rerr
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		if err != nil {
			return nil, err
		}
		if res.Source.SHA256, err = in.hashPass(); err != nil {
			return nil, err
		}
		if testHookRead != nil {
			testHookRead(in)
		}
		if err := in.unchanged(res.Source.SHA256); err != nil {
			return nil, err
		}
		return res, nil
	}
}

// testHookRead, when set by a test, is called when a read has parsed and
// hashed the file, before it checks that the file did not change.
var testHookRead func(in *Input)

// hashPass completes the sequential pass of the current read, or makes
// one when the decoder read the file at random offsets (zip, OLE), and
// returns its SHA-256.
func (in *Input) hashPass() (string, error) {
	p := in.cur
	if p == nil {
		var err error
		if p, err = in.newPass(false, false); err != nil {
			return "", err
		}
	}
	if p.sum == "" {
		if err := p.drain(); err != nil {
			return "", err
		}
	}
	return p.sum, nil
}

// decode makes one attempt at reading the input with dec.
func (in *Input) decode(dec decoder, format Format, src funding.Source, fileIdx int32, opt *Options, lim grid.Limits, rows *rowCount) (*FileResult, error) {
	b, err := dec(in, lim)
	if err != nil {
		return nil, err
	}
	defer b.close()
	if len(b.Sheets) > lim.Sheets {
		return nil, &grid.LimitError{Budget: grid.BudgetSheets, What: "sheets of the workbook", Limit: int64(lim.Sheets)}
	}
	res := &FileResult{Source: src}
	res.Report = FileReport{Path: in.path, Format: format, Detail: b.Detail}
	res.Source.Format = string(format)
	if b.Detail != "" {
		res.Source.Format += " (" + b.Detail + ")"
	}
	for si := range b.Sheets {
		sh := &b.Sheets[si]
		rep, err := readSheet(res, sh, fileIdx, opt, rows)
		if err != nil {
			return nil, located(err, sh.Name, 0)
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

// rowCount passes the rows read to Options.OnRows, less those that an
// attempt abandoned for a second reading of the same file already
// reported: progress counts each row once.
type rowCount struct {
	report     func(n int)
	told, seen int
}

func (r *rowCount) add(n int) {
	if r.report == nil {
		return
	}
	if r.seen += n; r.seen > r.told {
		r.report(r.seen - r.told)
		r.told = r.seen
	}
}

func (r *rowCount) restart() { r.seen = 0 }

// located gives a decoder's *grid.CorruptError or *grid.LimitError the
// sheet and row it concerns when the decoder could not tell them (row 0:
// unknown); other errors are wrapped with the sheet's name. Context
// errors are returned as they are.
func located(err error, sheet string, row int) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if err, ok := grid.Locate(err, sheet, row); ok || sheet == "" {
		return err
	}
	return fmt.Errorf("foglio %q: %w", sheet, err)
}

func readSheet(res *FileResult, sh *grid.Sheet, fileIdx int32, opt *Options, progress *rowCount) (SheetReport, error) {
	rep := SheetReport{Name: sh.Name, Hidden: sh.Hidden}
	it, err := sh.Open()
	if err != nil {
		return rep, err
	}
	defer it.Close()
	ctx := opt.context()
	var rows []int
	var buf [][]grid.Cell
	for len(buf) < headerScan && it.Next() {
		n, cells := it.Row()
		if err := opt.yield.add(cells); err != nil {
			return rep, located(err, sh.Name, n)
		}
		if grid.Blank(cells) {
			continue
		}
		rows = append(rows, n)
		buf = append(buf, append([]grid.Cell(nil), cells...))
	}
	if err := it.Err(); err != nil {
		return rep, located(err, sh.Name, lastOf(rows)+1)
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if len(buf) == 0 {
		rep.Skipped = "vuoto"
		return rep, nil
	}
	if sh.Estimate != nil && len(res.Records) == 0 {
		// size the record slice once: a million rows would otherwise be
		// copied and left with up to twice the room they need
		res.Records = make([]funding.Record, 0, sh.Estimate())
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
		if err := opt.yield.add(cells); err != nil {
			return rep, located(err, sh.Name, n)
		}
		m.row(n, cells)
		if pending++; pending == 5000 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			progress.add(pending)
			pending = 0
		}
	}
	progress.add(pending)
	if err := it.Err(); err != nil {
		return rep, located(err, sh.Name, m.lastRow+1)
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	m.finish()
	return rep, nil
}

func lastOf(rows []int) int {
	if len(rows) == 0 {
		return 0
	}
	return rows[len(rows)-1]
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
