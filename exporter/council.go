package exporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/xuri/excelize/v2"

	"consolida/funding"
)

// CouncilFileName is "<ISTAT>_<name>.xlsx", safe on Windows and Linux.
func CouncilFileName(c *funding.Comune) string {
	code := c.ISTAT
	if code == "" {
		code = "senza-codice"
		if c.Provincia != "" {
			code += "_" + c.Provincia
		}
	}
	return code + "_" + SafeFileName(c.Name) + ".xlsx"
}

// WriteCouncil writes one workbook per reported comune into dir (created
// if needed), in parallel. The new set replaces the old one only when
// complete. onDone is called after each workbook (progress).
func WriteCouncil(ctx context.Context, dir string, res *funding.Result, meta Meta, nov *Novita, onDone func()) (int, error) {
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
	var changes map[int32][]NovitaItem
	if nov != nil {
		changes = map[int32][]NovitaItem{}
		for _, it := range nov.Items {
			changes[it.ComuneID] = append(changes[it.ComuneID], it)
		}
	}
	jobs := make(chan *funding.ComuneTotals)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	used := map[string]bool{}
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				name := CouncilFileName(t.Comune)
				mu.Lock()
				for used[name] {
					name = name[:len(name)-5] + "_" + fmt.Sprint(t.Comune.ID) + ".xlsx"
				}
				used[name] = true
				mu.Unlock()
				err := writeCouncilBook(filepath.Join(tmp, name), t, byComune[t.Comune.ID], res.Catalog, meta, nov, changes[t.Comune.ID])
				if err != nil {
					select {
					case errs <- fmt.Errorf("%s: %w", name, err):
					default:
					}
				}
				if onDone != nil {
					onDone()
				}
			}
		}()
	}
	for _, t := range res.Comuni {
		select {
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return 0, ctx.Err()
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return 0, err
		case jobs <- t:
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
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

// CouncilHeader is the header of the table of a council workbook.
var CouncilHeader = []string{"Misura", "Avviso", "CUP", "Decreto", "Data decreto", "Stato", "Importo"}

func writeCouncilBook(path string, t *funding.ComuneTotals, cands []*funding.Candidatura, cat *funding.Catalog, meta Meta, nov *Novita, changes []NovitaItem) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	c := t.Comune
	f.SetDocProps(&excelize.DocProperties{
		Title:   fmt.Sprintf("Comune di %s - finanziamenti PNRR PA digitale 2026 - %s", c.Name, meta.MeseLabel()),
		Creator: "consolida", Language: "it-IT",
	})
	name := "Finanziamenti"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	if err := setupSheet(f, name, page{header: "Comune di " + c.Name + " - finanziamenti PNRR PA digitale 2026"}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	widths := []float64{22, 34, 17, 22, 11, 13, 15}
	if err := setWidths(sw, widths); err != nil {
		return err
	}
	var funded, other []*funding.Candidatura
	for _, cd := range cands {
		if cd.Winner.Status.Funded() {
			funded = append(funded, cd)
		} else {
			other = append(other, cd)
		}
	}
	row := 1
	put := func(vals []any, opts ...excelize.RowOpts) error {
		err := sw.SetRow(colRef(1, row), vals, opts...)
		row++
		return err
	}
	title := "Comune di " + c.Name
	if c.Provincia != "" {
		title += " (" + c.Provincia + ")"
	}
	ident := "Codice ISTAT " + orND(c.ISTAT)
	if c.IPA != "" {
		ident += " - Codice IPA " + c.IPA
	}
	if err := firstErr(
		put([]any{cell(st.title, title)}, excelize.RowOpts{Height: 22}),
		put([]any{cell(st.subtitle, "Finanziamenti PNRR \"PA digitale 2026\" - Missione 1, Componente 1")}),
		put([]any{cell(st.subtitle, "Situazione di "+meta.MeseLabel()+" - prospetto generato il "+meta.Generated.Format("02/01/2006"))}),
		put([]any{cell(st.subtitle, ident)}),
	); err != nil {
		return err
	}
	row++
	hdr := make([]any, len(CouncilHeader))
	for i, h := range CouncilHeader {
		hdr[i] = cell(st.header, h)
	}
	headerRow := row
	if err := put(hdr, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	first := row
	var erogato funding.Amount
	for _, cd := range funded {
		w := cd.Winner
		if w.Status == funding.StatusErogata {
			erogato += w.Amount
		}
		if err := put([]any{cell(st.wrap, cd.Measure.Label), cell(st.wrap, w.Avviso), cell(st.text, w.CUP),
			cell(st.wrap, w.Decreto), dateCell(st.date, w.DataFin), cell(st.text, w.Status.Label()), moneyCell(st.money, w.Amount)},
			excelize.RowOpts{Height: fitHeight(widths, cd.Measure.Label, w.Avviso, "", w.Decreto)}); err != nil {
			return err
		}
	}
	if len(funded) == 0 {
		if err := put([]any{cell(st.note, "Nessun finanziamento assegnato o erogato nei prospetti ricevuti.")}); err != nil {
			return err
		}
	}
	lastData := row - 1
	rng := fmt.Sprintf("G%d:G%d", first, lastData)
	total := excelize.Cell{StyleID: st.moneyBold, Value: t.Total.Euro()}
	ero := excelize.Cell{StyleID: st.moneyBold, Value: erogato.Euro()}
	if len(funded) > 0 {
		total.Formula = "SUM(" + rng + ")"
		ero.Formula = fmt.Sprintf(`SUMIF(F%d:F%d,"E*",%s)`, first, lastData, rng)
	}
	if err := firstErr(
		put([]any{cell(st.totalLabel, "TOTALE FINANZIATO"), cell(st.totalLabel, ""), cell(st.totalLabel, ""), cell(st.totalLabel, ""), cell(st.totalLabel, ""), cell(st.totalLabel, ""), total}),
		put([]any{cell(st.text, "di cui erogato"), nil, nil, nil, nil, nil, ero}),
	); err != nil {
		return err
	}
	if len(other) > 0 {
		row++
		if err := put([]any{cell(st.bold, "Rinunce e revoche (elencate, non sommate)")}); err != nil {
			return err
		}
		for _, cd := range other {
			w := cd.Winner
			if err := put([]any{cell(st.muted, cd.Measure.Label), cell(st.muted, w.Avviso), cell(st.muted, w.CUP),
				cell(st.muted, w.Decreto), dateCell(st.date, w.DataFin), cell(st.muted, w.Status.Label()), moneyCell(st.mutedMoney, w.Amount)},
				excelize.RowOpts{Height: fitHeight(widths, cd.Measure.Label, w.Avviso, "", w.Decreto)}); err != nil {
				return err
			}
		}
	}
	if nov != nil {
		row++
		label := "Novità rispetto al prospetto precedente"
		if nov.Since != "" {
			label += " (" + nov.Since + ")"
		} else {
			label = "Novità: primo prospetto prodotto dal registro, ogni candidatura è elencata come nuova"
		}
		if err := put([]any{cell(st.bold, label)}); err != nil {
			return err
		}
		if len(changes) == 0 {
			if err := put([]any{cell(st.note, "Nessuna novità.")}); err != nil {
				return err
			}
		}
		// prima in D:E, dopo in F:G
		novWidths := []float64{widths[0], widths[1], widths[2], widths[3] + widths[4], widths[5] + widths[6]}
		for _, ch := range changes {
			prima := ""
			if ch.Prima != "" {
				prima = "prima: " + ch.Prima
			}
			r := row
			if err := put([]any{cell(st.wrap, ch.Misura), cell(st.wrap, ch.Tipo), cell(st.text, ch.CUP),
				cell(st.wrap, prima), nil, cell(st.wrap, "dopo: "+ch.Dopo)},
				excelize.RowOpts{Height: fitHeight(novWidths, ch.Misura, ch.Tipo, "", prima, "dopo: "+ch.Dopo)}); err != nil {
				return err
			}
			if err := firstErr(sw.MergeCell(colRef(4, r), colRef(5, r)), sw.MergeCell(colRef(6, r), colRef(7, r))); err != nil {
				return err
			}
		}
	}
	row++
	if err := firstErr(
		put([]any{cell(st.note, "Stato: A = assegnata con decreto di finanziamento; E = erogata dopo l'asseverazione; R = rinuncia del comune. Il totale comprende le sole candidature A ed E.")}, excelize.RowOpts{Height: 26}),
		put([]any{cell(st.note, "La provenienza di ogni importo (file, foglio e riga) è nel foglio \"Fonti dei dati\".")}, excelize.RowOpts{Height: 15}),
	); err != nil {
		return err
	}
	for r := row - 2; r < row; r++ {
		if err := sw.MergeCell(colRef(1, r), colRef(7, r)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("%s!$%d:$%d", quoteSheet(name), headerRow, headerRow), Scope: name}); err != nil {
		return err
	}
	if err := writeCouncilSources(f, st, cands, meta); err != nil {
		return err
	}
	return saveInto(f, path)
}

func writeCouncilSources(f *excelize.File, st *styles, cands []*funding.Candidatura, meta Meta) error {
	name := "Fonti dei dati"
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	if err := setupSheet(f, name, page{landscape: true, titleRows: "$1:$1", header: "Provenienza degli importi"}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	widths := []float64{22, 17, 13, 15, 40, 60}
	if err := setWidths(sw, widths); err != nil {
		return err
	}
	hdr := []any{}
	for _, h := range []string{"Misura", "CUP", "Stato", "Importo", "Fonte (file:foglio:riga)", "Stessa candidatura anche in"} {
		hdr = append(hdr, cell(st.header, h))
	}
	if err := sw.SetRow("A1", hdr); err != nil {
		return err
	}
	for i, cd := range cands {
		w := cd.Winner
		if err := sw.SetRow(colRef(1, i+2), []any{cell(st.wrap, cd.Measure.Label), cell(st.text, w.CUP),
			cell(st.text, w.Status.Label()), moneyCell(st.money, w.Amount), cell(st.wrap, w.Pos.Fonte()),
			cell(st.wrap, cd.OtherSources())}, excelize.RowOpts{Height: fitHeight(widths, cd.Measure.Label, "", "", "", w.Pos.Fonte(), cd.OtherSources())}); err != nil {
			return err
		}
	}
	return sw.Flush()
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
