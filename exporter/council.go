package exporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/xuri/excelize/v2"

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
// previous set. onDone is called after each workbook (progress).
func WriteCouncil(ctx context.Context, dir string, r *Report, onDone func()) (int, error) {
	return writeCouncil(ctx, dir, r, onDone, excelizeRenderer{})
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
				b := councilBook(j.t, byComune[j.t.Comune.ID], r.Meta, r.Changes, changes[j.t.Comune.ID])
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
// temporary (the council set): no rename or sync per file is needed.
func writeNew(path string, b *book, rnd renderer) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := rnd.render(out, b); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// CouncilHeader is the header of the table of a council workbook.
var CouncilHeader = []string{"Misura", "Avviso", "CUP", "Decreto", "Data decreto", "Stato", "Importo"}

// councilBook describes the workbook of one comune for its council.
func councilBook(t *funding.ComuneTotals, cands []*funding.Candidatura, meta Meta, nov *ChangeList, changes []ChangeRow) *book {
	c := t.Comune
	return &book{
		props: excelize.DocProperties{
			Title:   fmt.Sprintf("Comune di %s - finanziamenti PNRR PA digitale 2026 - %s", c.Name, meta.MonthLabel()),
			Creator: "consolida", Language: "it-IT",
		},
		sheets: []*sheet{
			councilSheet(t, cands, meta, nov, changes),
			councilSourcesSheet(cands),
		},
	}
}

func councilSheet(t *funding.ComuneTotals, cands []*funding.Candidatura, meta Meta, nov *ChangeList, changes []ChangeRow) *sheet {
	c := t.Comune
	widths := []float64{22, 34, 17, 22, 11, 13, 15}
	ncol := len(CouncilHeader)
	title := "Comune di " + c.Name
	if c.Province != "" {
		title += " (" + c.Province + ")"
	}
	ident := "Codice ISTAT " + orND(c.ISTAT)
	if c.IPA != "" {
		ident += " - Codice IPA " + c.IPA
	}
	above := []row{
		{cells: []cell{text(sTitle, title)}, height: 22},
		{cells: []cell{text(sSubtitle, "Finanziamenti PNRR \"PA digitale 2026\" - Missione 1, Componente 1")}},
		{cells: []cell{text(sSubtitle, "Situazione di "+meta.MonthLabel()+" - prospetto generato il "+meta.Generated.Format("02/01/2006"))}},
		{cells: []cell{text(sSubtitle, ident)}},
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
		if w.Status == funding.StatusErogata {
			erogato += w.Amount
		}
		rows = append(rows, row{cells: []cell{text(sWrap, cd.Measure.Label), text(sWrap, w.Avviso), text(sText, w.CUP),
			text(sWrap, w.Decreto), date(sDate, w.FundingDate), text(sText, w.Status.Label()), money(sMoney, w.Amount)},
			height: fitHeight(widths, cd.Measure.Label, w.Avviso, "", w.Decreto)})
	}
	if len(funded) == 0 {
		rows = append(rows, row{cells: []cell{text(sNote, "Nessun finanziamento assegnato o erogato nei prospetti ricevuti.")}})
	}
	lastData := first + len(rows) - 1
	rng := fmt.Sprintf("G%d:G%d", first, lastData)
	total, ero := money(sMoneyBold, t.Total), money(sMoneyBold, erogato)
	if len(funded) > 0 {
		total = sum(total, rng)
		ero.formula = fmt.Sprintf(`SUMIF(F%d:F%d,"E*",%s)`, first, lastData, rng)
	}
	rows = append(rows,
		row{cells: []cell{text(sTotalLabel, "TOTALE FINANZIATO"), text(sTotalLabel, ""), text(sTotalLabel, ""), text(sTotalLabel, ""), text(sTotalLabel, ""), text(sTotalLabel, ""), total}},
		row{cells: []cell{text(sText, "di cui erogato"), {}, {}, {}, {}, {}, ero}},
	)
	if len(other) > 0 {
		rows = append(rows, row{}, row{cells: []cell{text(sBold, "Rinunce e revoche (elencate, non sommate)")}})
		for _, cd := range other {
			w := cd.Winner
			rows = append(rows, row{cells: []cell{text(sMuted, cd.Measure.Label), text(sMuted, w.Avviso), text(sMuted, w.CUP),
				text(sMuted, w.Decreto), date(sDate, w.FundingDate), text(sMuted, w.Status.Label()), money(sMutedMoney, w.Amount)},
				height: fitHeight(widths, cd.Measure.Label, w.Avviso, "", w.Decreto)})
		}
	}
	if nov != nil {
		label := "Novità rispetto al prospetto precedente"
		if nov.Since != "" {
			label += " (" + nov.Since + ")"
		} else {
			label = "Novità: primo prospetto prodotto dal registro, ogni candidatura è elencata come nuova"
		}
		rows = append(rows, row{}, row{cells: []cell{text(sBold, label)}})
		if len(changes) == 0 {
			rows = append(rows, row{cells: []cell{text(sNote, "Nessuna novità.")}})
		}
		// prima in D:E, dopo in F:G
		novWidths := []float64{widths[0], widths[1], widths[2], widths[3] + widths[4], widths[5] + widths[6]}
		for _, ch := range changes {
			before := ""
			if ch.Before != "" {
				before = "prima: " + ch.Before
			}
			rows = append(rows, row{
				cells: []cell{text(sWrap, ch.Measure), text(sWrap, ch.Kind), text(sText, ch.CUP),
					text(sWrap, before), {}, text(sWrap, "dopo: "+ch.After)},
				height: fitHeight(novWidths, ch.Measure, ch.Kind, "", before, "dopo: "+ch.After),
				merges: []span{{4, 5}, {6, 7}},
			})
		}
	}
	rows = append(rows, row{},
		noteRow(sNote, "Stato: A = assegnata con decreto di finanziamento; E = erogata dopo l'asseverazione; R = rinuncia del comune. Il totale comprende le sole candidature A ed E.", ncol, 26),
		noteRow(sNote, "La provenienza di ogni importo (file, foglio e riga) è nel foglio \"Fonti dei dati\".", ncol, 15),
	)
	p := a4(false, "Comune di "+c.Name+" - finanziamenti PNRR PA digitale 2026")
	return &sheet{
		name: "Finanziamenti", page: p, widths: widths,
		above: above, header: CouncilHeader, headerHeight: 30,
		body: slices.Values(rows),
	}
}

func councilSourcesSheet(cands []*funding.Candidatura) *sheet {
	widths := []float64{22, 17, 13, 15, 40, 60}
	body := func(yield func(row) bool) {
		for _, cd := range cands {
			w := cd.Winner
			if !yield(row{cells: []cell{text(sWrap, cd.Measure.Label), text(sText, w.CUP),
				text(sText, w.Status.Label()), money(sMoney, w.Amount), text(sWrap, w.Pos.Ref()),
				text(sWrap, cd.OtherSources())}, height: fitHeight(widths, cd.Measure.Label, "", "", "", w.Pos.Ref(), cd.OtherSources())}) {
				return
			}
		}
	}
	return &sheet{
		name: "Fonti dei dati", page: a4(true, "Provenienza degli importi"), widths: widths,
		header: []string{"Misura", "CUP", "Stato", "Importo", "Fonte (file:foglio:riga)", "Stessa candidatura anche in"},
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
