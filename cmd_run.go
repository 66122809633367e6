package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"consolida/exporter"
	"consolida/funding"
	"consolida/importer"
	"consolida/templates"
)

// runOptions are the settings of `consolida run`.
type runOptions struct {
	Inputs    []string
	Out       string
	Mese      string
	Province  []string
	Membri    string
	Comuni    string
	Strict    bool
	Consiglio bool
	Quiet     bool
	Config    string
	Ledger    string
	Now       time.Time
}

var reMese = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mese", Usage: "mese del prospetto, AAAA-MM (predefinito: il mese corrente)"},
		&cli.StringSliceFlag{Name: "provincia", Usage: "riporta solo i comuni della provincia (sigla, es. LC); ripetibile"},
		&cli.StringFlag{Name: "membri", Usage: "riporta solo i comuni elencati nel `FILE` (codici ISTAT o nomi, uno per riga o in una colonna CSV)"},
		&cli.StringFlag{Name: "comuni", Usage: "elenco ISTAT dei comuni (`FILE` Elenco-comuni-italiani.csv) per riconoscere i comuni scritti solo per nome"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "nessun messaggio di avanzamento"},
	}
}

// outputFlags are the options of the commands that write the outputs.
func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "`CARTELLA` dove scrivere i prospetti"},
		&cli.BoolFlag{Name: "strict", Usage: "esce con stato 3 se qualche riga è stata scartata"},
		&cli.BoolFlag{Name: "consiglio", Value: true, Usage: "scrive un prospetto per il consiglio di ogni comune (--consiglio=false per non scriverli)"},
	}
}

func newRunCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "legge i file e le cartelle indicati e scrive i prospetti consolidati",
		UsageText: "consolida run FILE|CARTELLA... --out CARTELLA [--mese AAAA-MM] [--provincia SIGLA]... [--membri FILE] [--comuni FILE] [--consiglio=false] [--strict]\n   consolida run --config consolida.toml",
		Flags: append(append(commonFlags(), outputFlags()...),
			&cli.StringFlag{Name: "config", Usage: "esegue il lavoro mensile descritto nel `FILE` di configurazione (vedere consolida init)"},
			&cli.StringFlag{Name: "ledger", Usage: "archivio storico SQLite (`FILE`) per il lavoro mensile"},
		),
		Action: func(c *cli.Context) error {
			opt := runOptions{
				Inputs: c.Args().Slice(), Out: c.String("out"), Mese: c.String("mese"),
				Province: c.StringSlice("provincia"), Membri: c.String("membri"), Comuni: c.String("comuni"),
				Strict: c.Bool("strict"), Consiglio: c.Bool("consiglio"), Quiet: c.Bool("quiet"),
				Config: c.String("config"), Ledger: c.String("ledger"), Now: time.Now(),
			}
			rep := newReporter(stderr, opt.Quiet)
			if opt.Config != "" {
				return runMonthly(c.Context, opt, stdout, rep)
			}
			return runRun(c.Context, opt, stdout, rep)
		},
	}
}

func (o *runOptions) validate() error {
	if o.Mese == "" {
		o.Mese = o.Now.Format("2006-01")
	}
	if !reMese.MatchString(o.Mese) {
		return usageErr("--mese %q non valido: scrivere anno e mese come 2026-11", o.Mese)
	}
	for i, p := range o.Province {
		p = strings.TrimSpace(p)
		if p == "" {
			return usageErr("--provincia vuota")
		}
		o.Province[i] = p
	}
	return nil
}

// loadTemplates reads the embedded catalog and synonyms.
func loadTemplates() (*funding.Catalog, *importer.Synonyms, error) {
	cat, err := funding.LoadCatalog(templates.Misure, templates.RiconoscimentoMisure)
	if err != nil {
		return nil, nil, err
	}
	syn, err := importer.LoadSynonyms(templates.Intestazioni)
	if err != nil {
		return nil, nil, err
	}
	return cat, syn, nil
}

// reference loads --comuni and --membri.
func reference(opt runOptions, rep *reporter) (*funding.Registry, funding.Selection, error) {
	reg := funding.NewRegistry()
	sel := funding.Selection{Provinces: opt.Province}
	if opt.Comuni != "" {
		refs, err := importer.ReadComuniList(opt.Comuni)
		if err != nil {
			return nil, sel, fmt.Errorf("elenco dei comuni %s: %s", opt.Comuni, causa(err))
		}
		for _, r := range refs {
			reg.Observe(r.Obs)
			reg.AddProvinceName(r.NomeProvincia, r.Obs.Provincia)
		}
		rep.Printf("Elenco ISTAT: %s comuni da %s", fmtCount(len(refs)), opt.Comuni)
	}
	if opt.Membri != "" {
		m, err := importer.ReadMembers(opt.Membri)
		if err != nil {
			return nil, sel, fmt.Errorf("elenco dei membri %s: %s", opt.Membri, causa(err))
		}
		sel.Members = m
	}
	return reg, sel, nil
}

func scopeLabel(opt runOptions) string {
	var parts []string
	if len(opt.Province) > 0 {
		parts = append(parts, "provincia "+strings.ToUpper(strings.Join(opt.Province, ", ")))
	}
	if opt.Membri != "" {
		parts = append(parts, "comuni di "+filepath.Base(opt.Membri))
	}
	return strings.Join(parts, " e ")
}

func runRun(ctx context.Context, opt runOptions, stdout io.Writer, rep *reporter) error {
	if err := opt.validate(); err != nil {
		return err
	}
	if opt.Ledger != "" {
		return usageErr("--ledger si usa con --config (lavoro mensile) o con i comandi import ed export; run sui file non usa il registro")
	}
	if len(opt.Inputs) == 0 {
		return usageErr("indicare almeno un file o una cartella da leggere")
	}
	if opt.Out == "" {
		return usageErr("indicare la cartella di uscita con --out")
	}
	cat, syn, err := loadTemplates()
	if err != nil {
		return err
	}
	reg, sel, err := reference(opt, rep)
	if err != nil {
		return err
	}
	paths, err := importer.Collect(opt.Inputs)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("nessun file da leggere in %s", strings.Join(opt.Inputs, ", "))
	}
	batch, err := readFiles(ctx, paths, cat, syn, rep)
	if err != nil {
		return err
	}
	res, err := consolidate(funding.Input{
		Catalog: cat, Registry: reg, Records: batch.Records, Anomalies: batch.Anomalies,
		Sources: batch.Sources, Selection: sel,
	}, rep)
	if err != nil {
		return err
	}
	meta := exporter.Meta{Mese: opt.Mese, Generated: opt.Now, Scope: scopeLabel(opt)}
	if err := writeOutputs(ctx, opt, res, meta, nil, rep); err != nil {
		return err
	}
	summary(stdout, opt, res)
	if opt.Strict && res.Conservation.Outcomes.Rejected.Rows > 0 {
		return rejectedError{res.Conservation.Outcomes.Rejected.Rows}
	}
	return nil
}

// consolidate runs funding.Consolidate and refuses a result where rows or
// euros were lost or counted twice: then nothing is written.
func consolidate(in funding.Input, rep *reporter) (*funding.Result, error) {
	res := funding.Consolidate(in)
	if !res.Conservation.OK {
		for _, l := range exporter.ConservationLines(res) {
			rep.Printf("%s", l)
		}
		if res.Conservation.Overflow {
			return nil, fmt.Errorf("conservazione non rispettata: %w; nessun prospetto scritto", funding.ErrSumOverflow)
		}
		return nil, fmt.Errorf("conservazione non rispettata: righe o importi persi o contati due volte; nessun prospetto scritto")
	}
	return res, nil
}

// readFiles imports every file; a file that cannot be read fails the run
// (after all were tried, so every problem is reported at once).
func readFiles(ctx context.Context, paths []string, cat *funding.Catalog, syn *importer.Synonyms, rep *reporter) (*importer.Batch, error) {
	t := rep.Task("Lettura dei file", len(paths))
	opt := &importer.Options{Catalog: cat, Synonyms: syn}
	batch := importer.ReadAll(paths, opt, func(i int, p string) {
		if i > 0 {
			t.Add(1)
		}
		if !rep.tty {
			t.Describe(fmt.Sprintf("Lettura %d/%d: %s", i+1, len(paths), p))
		} else {
			t.Describe(filepath.Base(p))
		}
	})
	t.Add(1)
	t.Done()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(batch.Failed) > 0 {
		for _, fe := range batch.Failed[:len(batch.Failed)-1] {
			fmt.Fprintln(rep.w, "consolida: "+messaggio(fe))
		}
		return nil, batch.Failed[len(batch.Failed)-1]
	}
	return batch, nil
}

// writeOutputs writes the CST workbook, the CSV and (unless disabled) the
// council workbooks.
func writeOutputs(ctx context.Context, opt runOptions, res *funding.Result, meta exporter.Meta, nov *exporter.Novita, rep *reporter) error {
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return fmt.Errorf("cartella di uscita %s: %w", opt.Out, err)
	}
	cst := filepath.Join(opt.Out, "CST_"+opt.Mese+".xlsx")
	rep.Printf("Scrittura di %s (%s candidature, %s anomalie)", cst, fmtCount(len(res.Candidature)), fmtCount(len(res.Anomalies)))
	if err := exporter.WriteCST(cst, res, meta, nov); err != nil {
		return fmt.Errorf("scrittura di %s: %w", cst, err)
	}
	csvPath := filepath.Join(opt.Out, "dettaglio_"+opt.Mese+".csv")
	if err := exporter.WriteCSV(csvPath, res); err != nil {
		return fmt.Errorf("scrittura di %s: %w", csvPath, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if opt.Consiglio {
		dir := filepath.Join(opt.Out, "consiglio")
		t := rep.Task("Prospetti per i consigli comunali", len(res.Comuni))
		n, err := exporter.WriteCouncil(ctx, dir, res, meta, nov, func() { t.Add(1) })
		t.Done()
		if err != nil {
			return fmt.Errorf("scrittura dei prospetti in %s: %w", dir, err)
		}
		rep.Printf("Scritti %s prospetti in %s", fmtCount(n), dir)
	}
	return nil
}

func summary(w io.Writer, opt runOptions, res *funding.Result) {
	c := res.Conservation
	fmt.Fprintf(w, "Prospetti scritti in %s (mese %s)\n", opt.Out, opt.Mese)
	fmt.Fprintf(w, "  righe lette %s: consolidate %s, duplicati %s, altri enti %s, fuori selezione %s, scartate %s\n",
		fmtCount(c.Read.Rows), fmtCount(c.Outcomes.Consolidated.Rows), fmtCount(c.Outcomes.Duplicates.Rows),
		fmtCount(c.Outcomes.AltriEnti.Rows), fmtCount(c.Outcomes.FuoriSelezione.Rows), fmtCount(c.Outcomes.Rejected.Rows))
	fmt.Fprintf(w, "  comuni %s, candidature %s, totale finanziato (A+E) %s €\n",
		fmtCount(len(res.Comuni)), fmtCount(len(res.Candidature)), res.Total)
	fmt.Fprintf(w, "  anomalie %s (foglio Anomalie); conservazione delle righe e degli importi: rispettata\n", fmtCount(len(res.Anomalies)))
}

func fmtCount(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}
