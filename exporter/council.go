package exporter

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"consolida/funding"
)

// CouncilFileName is "<ISTAT>_<name>.xlsx", safe on Windows and Linux
// whatever the texts: a comune without ISTAT code is
// "senza-codice_<province>_<name>.xlsx", its province as written in the
// files reduced to letters and digits (a province "C:", "*?" or "../A/"
// must not make a path).
func CouncilFileName(c *funding.Comune) string {
	code := SafeFileName(c.ISTAT)
	if strings.TrimSpace(c.ISTAT) == "" {
		code = "senza-codice"
		if p := SafeFileName(c.Province); strings.TrimSpace(c.Province) != "" && p != "comune" {
			if len(p) > 20 {
				p = strings.TrimRight(p[:20], "_-")
			}
			code += "_" + p
		}
	}
	return code + "_" + SafeFileName(c.Name) + ".xlsx"
}

// WriteCouncil writes one workbook per reported comune into dir (created
// if needed), in parallel. The new set replaces the old one only when
// complete: if a workbook fails or ctx is cancelled, dir keeps the
// previous set. onDone is called after each workbook (progress). The
// workbooks share their styles, layout and print setup: they are written
// from one template (templateRenderer), not built in excelize one by one.
func WriteCouncil(ctx context.Context, dir string, r *Report, onDone func()) (int, error) {
	return writeCouncil(ctx, dir, r, onDone, newTemplateRenderer())
}

func writeCouncil(ctx context.Context, dir string, r *Report, onDone func(), rnd renderer) (int, error) {
	res := r.Result
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(parent, ".consiglio-*.tmp")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return 0, err
	}
	byComune := map[int32][]*funding.Candidatura{}
	for _, c := range res.Candidature {
		byComune[c.Comune.ID] = append(byComune[c.Comune.ID], c)
	}
	var changes map[int32][]ChangeRow
	if r.Changes != nil {
		changes = map[int32][]ChangeRow{}
		for _, it := range r.Changes.Items {
			changes[it.ComuneID] = append(changes[it.ComuneID], it)
		}
	}
	names := councilFileNames(res.Comuni)
	type job struct {
		t    *funding.ComuneTotals
		name string
	}
	jobs := make(chan job)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				b := councilBook(j.t, byComune[j.t.Comune.ID], res, r.Meta, r.Changes, changes[j.t.Comune.ID])
				if err := writeNew(filepath.Join(tmp, j.name), b, rnd); err != nil {
					select {
					case errs <- fmt.Errorf("%s: %w", j.name, err):
					default:
					}
				}
				if onDone != nil {
					onDone()
				}
			}
		}()
	}
	for i, t := range res.Comuni {
		select {
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return 0, ctx.Err()
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return 0, err
		case jobs <- job{t, names[i]}:
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	// an interruption after the last workbook still keeps the old set
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// swap the complete new set in place of the old one
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return 0, err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return 0, err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return len(res.Comuni), nil
}

// councilFileNames names the workbook of each comune, in order. Two
// comuni whose names would clash (also only by letter case, which Windows
// does not tell apart) get the later one's internal id appended; the
// names are given before the parallel writing, so they do not depend on
// which workbook is written first.
func councilFileNames(comuni []*funding.ComuneTotals) []string {
	names := make([]string, len(comuni))
	used := map[string]bool{}
	for i, t := range comuni {
		name := CouncilFileName(t.Comune)
		for used[strings.ToLower(name)] {
			name = name[:len(name)-5] + "_" + fmt.Sprint(t.Comune.ID) + ".xlsx"
		}
		used[strings.ToLower(name)] = true
		names[i] = name
	}
	return names
}

// writeNew writes a workbook to a new file of a folder that is itself
// temporary (the council set): no rename or sync per file is needed. The
// workbook is rendered in memory (a few kilobytes) and written at once:
// one write per file, not one per buffer of the zip writer.
func writeNew(path string, b *book, rnd renderer) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	if err := rnd.render(buf, b); err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := out.Write(buf.Bytes()); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// CouncilHeader is the header of the table of a council workbook. The
// avviso of each candidatura is in the sheet "Fonti dei dati": beside the
// measure it would repeat it, and the page must print at 9 points or more
// on A4 portrait.
var CouncilHeader = []string{"Misura", "CUP", "Decreto", "Data decreto", "Stato", "Data erogazione", "Importo"}

// The sheets of a council workbook.
const (
	SheetCouncil        = "Finanziamenti"
	SheetCouncilSources = "Fonti dei dati"
)

// councilBook describes the workbook of one comune for its council, laid
// out.
func councilBook(t *funding.ComuneTotals, cands []*funding.Candidatura, res *funding.Result, meta Meta, nov *ChangeList, changes []ChangeRow) *book {
	c := t.Comune
	b := newBook(meta, fmt.Sprintf("Comune di %s - finanziamenti PNRR PA digitale 2026 - %s", c.Name, meta.MonthLabel()),
		"Finanziamenti PNRR Missione 1 Componente 1 del comune, per il consiglio comunale")
	b.sheets = []*sheet{
		councilSheet(t, cands, res, meta, nov, changes),
		councilSourcesSheet(c, cands, meta),
	}
	b.layout()
	return b
}

// councilCols are the columns of the council table: their widths add up to
// at most 110 units, so that A4 portrait prints the 10-point body at 9
// points or more (TestCouncilPrintsAtNinePoints).
var councilCols = []col{{14, 20}, {10, 17}, {10, 19}, colDate, {9, 13}, colDate, {10, 17}}

func councilSheet(t *funding.ComuneTotals, cands []*funding.Candidatura, res *funding.Result, meta Meta, nov *ChangeList, changes []ChangeRow) *sheet {
	c := t.Comune
	ncol := len(CouncilHeader)
	title := "Comune di " + c.Label()
	ident := "Codice ISTAT " + orND(c.ISTAT)
	if c.IPA != "" {
		ident += " - Codice IPA " + c.IPA
	}
	when := "Situazione di " + meta.MonthLabel()
	if u := updated(res, meta); u != "" {
		when += ", " + u
	}
	when += " - prospetto generato il " + meta.Generated.Format("02/01/2006")
	merged := func(s style, v string) row { return noteRow(s, v, ncol) }
	above := []row{
		merged(sTitle, title),
		merged(sSubtitle, "Finanziamenti PNRR \"PA digitale 2026\" - Missione 1, Componente 1"),
		merged(sSubtitle, when),
		merged(sSubtitle, ident),
		{},
	}
	var funded, other []*funding.Candidatura
	for _, cd := range cands {
		if cd.Winner.Status.Funded() {
			funded = append(funded, cd)
		} else {
			other = append(other, cd)
		}
	}
	var rows []row
	first := len(above) + 2 // under the header
	var erogato funding.Amount
	for _, cd := range funded {
		w := cd.Winner
		paid := blank(sDate)
		if w.Status == funding.StatusErogata {
			erogato += w.Amount
			paid = date(sDate, w.StatusDate)
		}
		rows = append(rows, row{cells: []cell{text(sWrap, cd.Measure.Label), text(sText, w.CUP), text(sWrap, w.Decreto),
			date(sDate, w.FundingDate), text(sText, w.Status.Label()), paid, money(sMoney, w.Amount)}})
	}
	if len(funded) == 0 {
		rows = append(rows, merged(sNote, "Nessun finanziamento assegnato o erogato nei prospetti ricevuti."))
	}
	lastData := first + len(rows) - 1
	totalRow := lastData + 1
	rng := fmt.Sprintf("G%d:G%d", first, lastData)
	total, ero, due := money(sMoneyBold, t.Total), money(sMoney, erogato), money(sMoney, t.Total-erogato)
	if len(funded) > 0 {
		total = sum(total, rng)
		ero.formula = fmt.Sprintf(`SUMIF(E%d:E%d,"E*",%s)`, first, lastData, rng)
		due.formula = fmt.Sprintf("G%d-G%d", totalRow, totalRow+1)
	}
	label := func(v string) []cell { return []cell{text(sText, v), {}, {}, {}, {}, {}} }
	rows = append(rows,
		row{cells: []cell{text(sTotalLabel, "TOTALE FINANZIATO"), text(sTotalLabel, ""), text(sTotalLabel, ""), text(sTotalLabel, ""), text(sTotalLabel, ""), text(sTotalLabel, ""), total}},
		row{cells: append(label("di cui erogato"), ero)},
		row{cells: append(label("da erogare (assegnato, non ancora erogato)"), due), merges: []span{{1, 6}}},
	)
	if len(other) > 0 {
		rows = append(rows, row{}, merged(sBold, "Rinunce e revoche (elencate, non sommate)"))
		for _, cd := range other {
			w := cd.Winner
			rows = append(rows, row{cells: []cell{text(sMuted, cd.Measure.Label), text(sMuted, w.CUP), text(sMuted, w.Decreto),
				date(sDate, w.FundingDate), text(sMuted, w.Status.Label()), blank(sDate), money(sMutedMoney, w.Amount)}})
		}
	}
	if nov != nil {
		rows = append(rows, councilChanges(nov, changes, ncol)...)
	}
	rows = append(rows, row{},
		merged(sNote, "Stato: A = assegnata con decreto di finanziamento; E = erogata dopo l'asseverazione; R = rinuncia del comune. "+
			"Il totale comprende le sole candidature A ed E; «da erogare» è la parte assegnata e non ancora erogata."),
		merged(sNote, "Il titolo dell'avviso di ogni candidatura e la provenienza di ogni importo (file, foglio e riga) sono nel foglio \"Fonti dei dati\"."),
	)
	rows = append(rows, signature(meta, ncol)...)
	return &sheet{
		name: SheetCouncil, page: a4(false, "Comune di "+c.Label()+" - finanziamenti PNRR PA digitale 2026 - "+meta.MonthLabel(), meta.Heading),
		cols:  councilCols,
		above: above, header: CouncilHeader,
		body: slices.Values(rows),
	}
}

// councilChanges is the Novità section of a council workbook, with its own
// header. The first export of a ledger has nothing to compare with: the
// section says so instead of listing every candidatura a second time.
func councilChanges(nov *ChangeList, changes []ChangeRow, ncol int) []row {
	merged := func(s style, v string) row { return noteRow(s, v, ncol) }
	if nov.Base == nil {
		return []row{{}, merged(sBold, "Novità"),
			merged(sNote, "Questo è il primo prospetto prodotto dal registro: le novità (candidature nuove, cambi di stato e di importo) "+
				"saranno elencate a partire dal prossimo prospetto.")}
	}
	rows := []row{{}, merged(sBold, "Novità "+nov.since())}
	if len(changes) == 0 {
		return append(rows, merged(sNote, "Nessuna novità."))
	}
	rows = append(rows, row{cells: headerCells([]string{"Misura", "CUP", "Novità", "Stato prima", "Stato dopo", "Importo prima", "Importo dopo"})})
	for _, ch := range changes {
		before, beforeAmount := blank(sWrap), blank(sMoney)
		if ch.Before != nil {
			before, beforeAmount = text(sWrap, ch.Before.statusText()), money(sMoney, ch.Before.Amount)
		}
		rows = append(rows, row{cells: []cell{text(sWrap, ch.Measure), text(sText, ch.CUP), text(sWrap, ch.Kind),
			before, text(sWrap, ch.After.statusText()), beforeAmount, money(sMoney, ch.After.Amount)}})
	}
	return rows
}

// signature is the block a council document ends with: place and date at
// the left, the role and the line to sign on at the right.
func signature(meta Meta, ncol int) []row {
	return []row{
		{},
		{cells: []cell{text(sText, "Luogo e data"), {}, {}, {}, text(sSignature, meta.signature())}, merges: []span{{5, ncol}}},
		{height: 30},
		{cells: []cell{text(sText, "______________________________"), {}, {}, {}, text(sSignature, "______________________________")},
			merges: []span{{1, 3}, {5, ncol}}},
	}
}

func councilSourcesSheet(c *funding.Comune, cands []*funding.Candidatura, meta Meta) *sheet {
	header := []string{"Misura", "Avviso", "CUP", "Stato", "Importo", "Fonte (file:foglio:riga)", "Stessa candidatura anche in"}
	body := func(yield func(row) bool) {
		for _, cd := range cands {
			w := cd.Winner
			st := sMoney
			if !w.Status.Funded() {
				st = sMutedMoney
			}
			if !yield(row{cells: []cell{text(sWrap, cd.Measure.Label), text(sWrap, w.Avviso), text(sText, w.CUP),
				text(sText, w.Status.Label()), money(st, w.Amount), text(sWrap, w.Pos.Ref()),
				text(sWrap, cd.OtherSources())}}) {
				return
			}
		}
	}
	what := "Comune di " + c.Label() + " - provenienza degli importi"
	return &sheet{
		name: SheetCouncilSources, page: a4(true, what+" - "+meta.MonthLabel(), meta.Heading),
		cols:   []col{{12, 22}, {20, 44}, colCUP, {9, 13}, colMoney, {14, 36}, {20, 50}},
		above:  []row{noteRow(sTitle, what, len(header))},
		header: header,
		body:   body,
	}
}

func orND(s string) string {
	if s == "" {
		return "n.d."
	}
	return s
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
