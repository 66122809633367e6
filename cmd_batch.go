package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"

	"consolida/exporter"
	"consolida/funding"
	"consolida/importer"
	"consolida/ledger"
)

// defaultLedger is the ledger used without --ledger (and without a
// ledger key in the configuration).
const defaultLedger = "consolida.db"

// batchHook, when set, is called at known points of the batch commands:
// "locked" (lock taken), "import-rows" (records stored so far in the
// open transaction of a file), "imported" (a file committed), "exported"
// (outputs written). The tests use it to stop a process at a known point;
// it is nil in the program.
var batchHook func(event string, n int)

func hook(event string, n int) {
	if batchHook != nil {
		batchHook(event, n)
	}
}

func ledgerFlag() cli.Flag {
	return &cli.StringFlag{Name: "ledger", Usage: "registro storico SQLite (`FILE`; predefinito: " + defaultLedger + " nella cartella corrente)"}
}

// batchCommands are the commands of the monthly batch (ledger).
func batchCommands(stdout, stderr io.Writer) []*cli.Command {
	return []*cli.Command{
		{
			Name:      "import",
			Usage:     "aggiunge i file al registro storico (un file già importato viene saltato)",
			UsageText: "consolida import FILE|CARTELLA... [--ledger FILE] [--quiet]",
			Flags: []cli.Flag{
				ledgerFlag(),
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "nessun messaggio di avanzamento"},
			},
			Action: func(c *cli.Context) error {
				opt := runOptions{Inputs: c.Args().Slice(), Ledger: c.String("ledger"), Quiet: c.Bool("quiet"), Now: time.Now()}
				return runImport(c.Context, opt, stdout, newReporter(stderr, opt.Quiet))
			},
		},
		{
			Name:      "export",
			Usage:     "scrive i prospetti da tutto ciò che è nel registro, con le novità rispetto al prospetto precedente",
			UsageText: "consolida export --out CARTELLA [--mese AAAA-MM] [--provincia SIGLA]... [--membri FILE] [--comuni FILE] [--ledger FILE] [--consiglio=false]",
			Flags:     append(append(commonFlags(), outputFlags()...), ledgerFlag()),
			Action: func(c *cli.Context) error {
				if c.Args().Len() > 0 {
					return usageErr("export legge dal registro: non indicare file (%s); per aggiungerli usare consolida import", strings.Join(c.Args().Slice(), " "))
				}
				opt := runOptions{
					Out: c.String("out"), Mese: c.String("mese"), Province: c.StringSlice("provincia"), Membri: c.String("membri"),
					Comuni: c.String("comuni"), Strict: c.Bool("strict"), Consiglio: c.Bool("consiglio"), Quiet: c.Bool("quiet"),
					Ledger: c.String("ledger"), Now: time.Now(),
				}
				return runExport(c.Context, opt, stdout, newReporter(stderr, opt.Quiet))
			},
		},
		{
			Name:      "init",
			Usage:     "prepara una cartella per il lavoro mensile: consolida.toml di esempio e le cartelle inbox, archivio, uscita",
			UsageText: "consolida init CARTELLA",
			Action: func(c *cli.Context) error {
				if c.Args().Len() != 1 {
					return usageErr("indicare una cartella (ad es. consolida init . oppure consolida init C:\\CST\\pnrr)")
				}
				return runInit(c.Args().First(), stdout)
			},
		},
		{
			Name:      "storico",
			Usage:     "elenca i prospetti prodotti dal registro, con conteggi e totali",
			UsageText: "consolida storico [--ledger FILE] [--file]",
			Flags: []cli.Flag{
				ledgerFlag(),
				&cli.BoolFlag{Name: "file", Usage: "elenca anche i file importati"},
			},
			Action: func(c *cli.Context) error {
				return runStorico(c.Context, c.String("ledger"), c.Bool("file"), stdout)
			},
		},
	}
}

// lockedError is a ledger in use by another process (exit 1).
type lockedError struct{ e *ledger.LockedError }

func (l lockedError) Error() string {
	msg := "il registro " + l.e.Path + " è in uso da un'altra esecuzione di consolida"
	if h := l.e.Holder; h != nil {
		msg += fmt.Sprintf(" (processo %d sul computer %s, avviata il %s alle %s)", h.PID, h.Host,
			h.Start.Format("02/01/2006"), h.Start.Format("15:04:05"))
	}
	return msg + ": attendere che termini e riprovare"
}

func (l lockedError) Unwrap() error { return l.e }

// openLedger takes the lock of the ledger and opens it.
func openLedger(path string) (*ledger.Ledger, *ledger.Lock, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("cartella del registro %s: %w", dir, err)
		}
	}
	lk, err := ledger.Acquire(path)
	var le *ledger.LockedError
	if errors.As(err, &le) {
		return nil, nil, lockedError{le}
	}
	if err != nil {
		return nil, nil, err
	}
	hook("locked", 0)
	lg, err := openLedgerFile(path)
	if err != nil {
		lk.Release()
		return nil, nil, err
	}
	return lg, lk, nil
}

func openLedgerFile(path string) (*ledger.Ledger, error) {
	lg, err := ledger.Open(path)
	switch {
	case errors.Is(err, ledger.ErrNotLedger):
		return nil, fmt.Errorf("il file %s non è un registro di consolida (non è un database SQLite)", path)
	case errors.Is(err, ledger.ErrNewerSchema):
		return nil, fmt.Errorf("il registro %s è stato scritto da una versione più recente di consolida: aggiornare il programma", path)
	case err != nil:
		return nil, fmt.Errorf("registro %s: %w", path, err)
	}
	return lg, nil
}

func ledgerPath(p string) string {
	if p == "" {
		return defaultLedger
	}
	return p
}

// importedFile is an input file the batch handled: imported now, or found
// already in the ledger (same SHA-256).
type importedFile struct {
	Path  string
	File  ledger.File
	Known bool
}

type importStats struct {
	Files  []importedFile
	Failed []importer.FileError
}

func (s *importStats) counts() (imported, known, rows int) {
	for _, f := range s.Files {
		if f.Known {
			known++
		} else {
			imported++
			rows += f.File.Read.Rows
		}
	}
	return
}

// importFiles adds the files to the ledger, one transaction per file. A
// file already in the ledger is skipped; a file that cannot be read is
// listed in Failed and the others go on. An error is returned only when
// the ledger cannot be written or the run was interrupted.
func importFiles(ctx context.Context, lg *ledger.Ledger, paths []string, rep *reporter, now time.Time) (*importStats, error) {
	cat, syn, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	st := &importStats{}
	opt := &importer.Options{Catalog: cat, Synonyms: syn}
	t := rep.Task("Importazione nel registro", len(paths))
	defer t.Done()
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if rep.tty {
			t.Describe(filepath.Base(p))
		} else {
			t.Describe(fmt.Sprintf("Importazione %d/%d: %s", i+1, len(paths), p))
		}
		sha, err := importer.FileSHA256(p)
		if err != nil {
			st.Failed = append(st.Failed, importer.FileError{Path: p, Err: err})
			t.Add(1)
			continue
		}
		known, err := lg.FileBySHA(ctx, sha)
		if err != nil {
			return st, err
		}
		if known != nil {
			st.Files = append(st.Files, importedFile{Path: p, File: *known, Known: true})
			t.Add(1)
			continue
		}
		name, err := lg.UniqueName(ctx, filepath.Base(p))
		if err != nil {
			return st, err
		}
		fr, err := importer.ReadFile(p, name, 0, opt)
		if err != nil {
			st.Failed = append(st.Failed, importer.FileError{Path: p, Err: err})
			t.Add(1)
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			fr.Source.Path = abs
		}
		f, err := lg.AddFile(ctx, ledger.Import{Source: fr.Source, Records: fr.Records, Anomalies: fr.Anomalies, At: now},
			func(n int) { hook("import-rows", n) })
		if errors.Is(err, ledger.ErrKnownFile) {
			// the same content twice in this batch
			known, err := lg.FileBySHA(ctx, fr.Source.SHA256)
			if err != nil || known == nil {
				return st, fmt.Errorf("registro %s: %w", lg.Path(), err)
			}
			st.Files = append(st.Files, importedFile{Path: p, File: *known, Known: true})
			t.Add(1)
			continue
		}
		if errors.Is(err, funding.ErrSumOverflow) {
			// amounts that no total can hold: refused, the others go on
			st.Failed = append(st.Failed, importer.FileError{Path: p, Err: err})
			t.Add(1)
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			return st, fmt.Errorf("scrittura nel registro %s di %s: %w", lg.Path(), p, err)
		}
		st.Files = append(st.Files, importedFile{Path: p, File: f})
		hook("imported", len(st.Files))
		t.Add(1)
	}
	return st, nil
}

// printImports tells what happened to each file.
func printImports(w io.Writer, st *importStats) {
	for _, f := range st.Files {
		switch {
		case f.Known:
			fmt.Fprintf(w, "  già nel registro, saltato: %s (stesso contenuto di %s, importato il %s)\n",
				f.Path, f.File.Name, f.File.ImportedAt.Local().Format("02/01/2006 15:04"))
		case f.File.Skipped != "":
			fmt.Fprintf(w, "  importato senza righe: %s (%s)\n", f.Path, f.File.Skipped)
		default:
			fmt.Fprintf(w, "  importato: %s come %s, %s righe, %s anomalie\n", f.Path, f.File.Name,
				fmtCount(f.File.Read.Rows), fmtCount(f.File.Anomalies))
		}
	}
	for _, fe := range st.Failed {
		fmt.Fprintf(w, "  NON importato: %s\n", messaggio(fe))
	}
}

// failure is the error of a batch whose files could not all be read.
func (s *importStats) failure() error {
	if len(s.Failed) == 0 {
		return nil
	}
	if len(s.Failed) == 1 {
		return s.Failed[0]
	}
	return fmt.Errorf("%d file non importati (vedere l'elenco sopra)", len(s.Failed))
}

func runImport(ctx context.Context, opt runOptions, stdout io.Writer, rep *reporter) error {
	if len(opt.Inputs) == 0 {
		return usageErr("indicare almeno un file o una cartella da importare")
	}
	paths, err := importer.Collect(opt.Inputs)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("nessun file da importare in %s", strings.Join(opt.Inputs, ", "))
	}
	path := ledgerPath(opt.Ledger)
	lg, lk, err := openLedger(path)
	if err != nil {
		return err
	}
	defer lk.Release()
	defer lg.Close()
	st, err := importFiles(ctx, lg, paths, rep, opt.Now)
	if err != nil {
		return err
	}
	n, known, rows := st.counts()
	fmt.Fprintf(stdout, "Registro %s: importati %s file (%s righe), già presenti %s, non importati %s\n",
		path, fmtCount(n), fmtCount(rows), fmtCount(known), fmtCount(len(st.Failed)))
	printImports(stdout, st)
	return st.failure()
}

// exportOutcome is what an export wrote.
type exportOutcome struct {
	Export   ledger.Export
	Res      *funding.Result
	Baseline *ledger.Export
}

func runExport(ctx context.Context, opt runOptions, stdout io.Writer, rep *reporter) error {
	if err := opt.validate(); err != nil {
		return err
	}
	if opt.Out == "" {
		return usageErr("indicare la cartella di uscita con --out")
	}
	path := ledgerPath(opt.Ledger)
	lg, lk, err := openLedger(path)
	if err != nil {
		return err
	}
	defer lk.Release()
	defer lg.Close()
	out, err := exportLedger(ctx, lg, opt, "export", rep)
	if err != nil {
		return err
	}
	summary(stdout, opt, out.Res)
	printNovita(stdout, out)
	if opt.Strict && out.Res.Conservation.Outcomes.Rejected.Rows > 0 {
		return rejectedError{out.Res.Conservation.Outcomes.Rejected.Rows}
	}
	return nil
}

func printNovita(w io.Writer, out *exportOutcome) {
	e := out.Export
	since := "primo prospetto del registro: tutte le candidature sono nuove"
	if out.Baseline != nil {
		since = "rispetto al prospetto " + sinceLabel(out.Baseline)
	}
	fmt.Fprintf(w, "  novità (%s): nuove candidature %s, cambi di stato %s, cambi di importo %s\n",
		since, fmtCount(e.Nuove), fmtCount(e.CambiStato), fmtCount(e.CambiImporto))
}

func sinceLabel(e *ledger.Export) string {
	return fmt.Sprintf("n. %d del %s, %s", e.ID, e.Generated.Local().Format("02/01/2006 15:04"), exporter.Meta{Mese: e.Mese}.MeseLabel())
}

// exportLedger consolidates everything in the ledger exactly as `run`
// does with the same files, writes the outputs with the Novità and
// records the export with a snapshot of its candidature.
func exportLedger(ctx context.Context, lg *ledger.Ledger, opt runOptions, kind string, rep *reporter) (*exportOutcome, error) {
	cat, _, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	reg, sel, err := reference(opt, rep)
	if err != nil {
		return nil, err
	}
	files, err := lg.Files(ctx)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("il registro %s è vuoto: importare prima i file (consolida import, o la cartella inbox con consolida run --config)", lg.Path())
	}
	total := 0
	for _, f := range files {
		total += f.Records
	}
	t := rep.Task("Lettura del registro", total)
	done := 0
	content, err := lg.Load(ctx, func(n int) { t.Add(n - done); done = n })
	t.Done()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("lettura del registro %s: %w", lg.Path(), err)
	}
	// the catalog may have learnt avviso titles since the files were imported
	content.Anomalies = funding.Reclassify(cat, content.Records, content.Anomalies)
	in := funding.Input{
		Catalog: cat, Registry: reg, Records: content.Records, Anomalies: content.Anomalies,
		Sources: content.Sources, Selection: sel,
	}
	res, err := consolidate(in, rep)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cur := funding.TakeSnapshot(res)
	snap := cur
	if len(sel.Provinces) > 0 || len(sel.Members) > 0 {
		// the snapshot holds every candidatura, whatever this export
		// selects, so that the next export can compare any comune
		in.Selection = funding.Selection{}
		snap = funding.TakeSnapshot(funding.Consolidate(in))
	}
	base, err := lg.Baseline(ctx, content.LastFile)
	if err != nil {
		return nil, err
	}
	var baseSnap funding.Snapshot
	if base != nil {
		if baseSnap, err = baselineSnapshot(ctx, lg, base, content, in); err != nil {
			return nil, err
		}
	}
	changes := funding.Diff(baseSnap, cur, res)
	nov := novitaOf(changes, base)
	generated := opt.Now
	if prev, err := lg.SameContent(ctx, content.LastFile, opt.Mese); err != nil {
		return nil, err
	} else if prev != nil {
		generated = prev.Generated // the same data again: the same workbooks
	}
	meta := exporter.Meta{Mese: opt.Mese, Generated: generated, Scope: scopeLabel(opt)}
	if err := writeOutputs(ctx, opt, res, meta, nov, rep); err != nil {
		return nil, err
	}
	hook("exported", 0)
	e := ledger.Export{
		At: opt.Now, Generated: generated, Kind: kind, Mese: opt.Mese, Out: absPath(opt.Out), Scope: scopeLabel(opt),
		Files: len(content.Files), LastFile: content.LastFile,
		Outcomes: res.Conservation.Outcomes, Read: res.Conservation.Read, Anomalies: len(res.Anomalies),
		Comuni: len(res.Comuni), Candidature: len(res.Candidature), Total: res.Total,
	}
	for _, m := range res.Measures {
		e.Erogato += m.Erogato
	}
	if base != nil {
		e.Baseline = base.ID
	}
	e.Nuove, e.CambiStato, e.CambiImporto = funding.CountChanges(changes)
	if e.ID, err = lg.AddExport(ctx, e, snap); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("registrazione del prospetto nel registro %s: %w", lg.Path(), err)
	}
	return &exportOutcome{Export: e, Res: res, Baseline: base}, nil
}

// baselineSnapshot returns the snapshot of the baseline export. One that
// is not valid under the current identity rules (written by an older
// consolida) is derived again with the current rules from the ledger
// content that export consolidated, a prefix of this one, and stored.
func baselineSnapshot(ctx context.Context, lg *ledger.Ledger, base *ledger.Export, content *ledger.Content, in funding.Input) (funding.Snapshot, error) {
	snap, ok, err := lg.Snapshot(ctx, base.ID)
	if err == nil && !ok {
		then := content.UpTo(base.LastFile)
		in.Records, in.Sources, in.Anomalies, in.Selection = then.Records, then.Sources, nil, funding.Selection{}
		snap = funding.TakeSnapshot(funding.Consolidate(in))
		err = lg.SetSnapshot(ctx, base.ID, snap)
	}
	if err != nil {
		return nil, fmt.Errorf("prospetto n. %d del registro %s (confronto per le novità): %w", base.ID, lg.Path(), err)
	}
	return snap, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// novitaOf turns the ledger's changes into the rows of the Novità sheet.
func novitaOf(changes []funding.Change, base *ledger.Export) *exporter.Novita {
	nov := &exporter.Novita{Items: make([]exporter.NovitaItem, 0, len(changes))}
	if base != nil {
		nov.Since = sinceLabel(base)
	}
	for _, ch := range changes {
		c, w := ch.Cand, ch.Cand.Winner
		it := exporter.NovitaItem{
			ISTAT: c.Comune.ISTAT, Comune: c.Comune.Name, Misura: c.Measure.Label, CUP: w.CUP,
			Fonte: w.Pos.Fonte(), ComuneID: c.Comune.ID,
		}
		switch ch.Kind {
		case funding.ChangeNew:
			it.Tipo = exporter.TipoNuova
			it.Dopo = statusText(w.Status, w.DataStato) + ", " + w.Amount.String() + " €"
		case funding.ChangeStatus:
			it.Tipo = exporter.TipoCambioStato
			it.Prima = ch.Before.Status.Label()
			it.Dopo = statusText(w.Status, w.DataStato)
		case funding.ChangeAmount:
			it.Tipo = exporter.TipoCambioImporto
			it.Prima = ch.Before.Amount.String() + " €"
			it.Dopo = w.Amount.String() + " €"
		}
		nov.Items = append(nov.Items, it)
	}
	return nov
}

func statusText(s funding.Status, d funding.Date) string {
	if d == 0 {
		return s.Label()
	}
	return s.Label() + " dal " + d.String()
}

// batchConfig is consolida.toml.
type batchConfig struct {
	Inbox     string     `toml:"inbox"`
	Archivio  string     `toml:"archivio"`
	Uscita    string     `toml:"uscita"`
	Ledger    string     `toml:"ledger"`
	Comuni    string     `toml:"comuni"`
	Membri    string     `toml:"membri"`
	Provincia stringList `toml:"provincia"`
	Consiglio *bool      `toml:"consiglio"`
}

// stringList accepts `provincia = "LC"` as well as `provincia = ["LC", "CO"]`.
type stringList []string

func (s *stringList) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		*s = []string{x}
	case []any:
		for _, e := range x {
			str, ok := e.(string)
			if !ok {
				return fmt.Errorf("atteso un elenco di sigle tra virgolette, ad es. [\"LC\", \"CO\"]")
			}
			*s = append(*s, str)
		}
	default:
		return fmt.Errorf("atteso un elenco di sigle tra virgolette, ad es. [\"LC\", \"CO\"]")
	}
	return nil
}

// loadConfig reads the configuration; relative paths are relative to its
// folder.
func loadConfig(path string) (*batchConfig, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usageErr("file di configurazione %s inesistente: crearlo con consolida init CARTELLA", path)
		}
		return nil, err
	}
	cfg := &batchConfig{}
	md, err := toml.DecodeFile(path, cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, usageErr("file di configurazione %s, riga %d: %s", path, pe.Position.Line, pe.Message)
		}
		return nil, usageErr("file di configurazione %s: %v", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		var keys []string
		for _, k := range und {
			keys = append(keys, k.String())
		}
		return nil, usageErr("file di configurazione %s: chiave sconosciuta %s (le chiavi sono inbox, archivio, uscita, ledger, comuni, membri, provincia, consiglio)",
			path, strings.Join(keys, ", "))
	}
	dir := filepath.Dir(path)
	rel := func(p *string, def string) {
		if *p == "" {
			*p = def
		}
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	rel(&cfg.Inbox, "inbox")
	rel(&cfg.Archivio, "archivio")
	rel(&cfg.Uscita, "uscita")
	rel(&cfg.Ledger, defaultLedger)
	rel(&cfg.Comuni, "")
	rel(&cfg.Membri, "")
	return cfg, nil
}

// runMonthly is `consolida run --config consolida.toml`: lock, import the
// new files of the inbox, export, move the files to archivio/<mese>/,
// print a summary. Options on the command line win over the file.
func runMonthly(ctx context.Context, opt runOptions, stdout io.Writer, rep *reporter) error {
	if len(opt.Inputs) > 0 {
		return usageErr("con --config i file da leggere sono quelli della cartella inbox: non indicare file o cartelle (%s)", strings.Join(opt.Inputs, " "))
	}
	cfg, err := loadConfig(opt.Config)
	if err != nil {
		return err
	}
	if opt.Out == "" {
		opt.Out = cfg.Uscita
	}
	if opt.Ledger == "" {
		opt.Ledger = cfg.Ledger
	}
	if len(opt.Province) == 0 {
		opt.Province = cfg.Provincia
	}
	if opt.Membri == "" {
		opt.Membri = cfg.Membri
	}
	if opt.Comuni == "" {
		opt.Comuni = cfg.Comuni
	}
	if cfg.Consiglio != nil && !*cfg.Consiglio {
		opt.Consiglio = false
	}
	if err := opt.validate(); err != nil {
		return err
	}
	if st, err := os.Stat(cfg.Inbox); err != nil || !st.IsDir() {
		return fmt.Errorf("cartella inbox %s inesistente: crearla (consolida init) o correggere %s", cfg.Inbox, opt.Config)
	}
	lg, lk, err := openLedger(opt.Ledger)
	if err != nil {
		return err
	}
	defer lk.Release()
	defer lg.Close()

	paths, err := importer.Collect([]string{cfg.Inbox})
	if err != nil {
		return fmt.Errorf("cartella inbox %s: %w", cfg.Inbox, err)
	}
	st, err := importFiles(ctx, lg, paths, rep, opt.Now)
	if err != nil {
		return err
	}
	out, err := exportLedger(ctx, lg, opt, "run", rep)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dest := filepath.Join(cfg.Archivio, opt.Mese)
	var moved []string
	for _, f := range st.Files {
		to, err := archive(f.Path, dest)
		if err != nil {
			return fmt.Errorf("archiviazione di %s in %s: %w", f.Path, dest, err)
		}
		moved = append(moved, to)
		if !f.Known {
			if err := lg.SetPath(ctx, f.File.ID, absPath(to)); err != nil {
				return err
			}
		}
	}

	n, known, rows := st.counts()
	fmt.Fprintf(stdout, "Lavoro mensile %s (registro %s)\n", opt.Mese, opt.Ledger)
	fmt.Fprintf(stdout, "  cartella inbox: %s file; importati %s (%s righe), già nel registro %s, non importati %s\n",
		fmtCount(len(paths)), fmtCount(n), fmtCount(rows), fmtCount(known), fmtCount(len(st.Failed)))
	printImports(stdout, st)
	if len(moved) > 0 {
		fmt.Fprintf(stdout, "  spostati in %s: %s file\n", dest, fmtCount(len(moved)))
	}
	if len(st.Failed) > 0 {
		fmt.Fprintf(stdout, "  i file non importati sono rimasti in %s: correggerli o rimuoverli e rieseguire\n", cfg.Inbox)
	}
	summary(stdout, opt, out.Res)
	printNovita(stdout, out)
	if err := st.failure(); err != nil {
		return err
	}
	if opt.Strict && out.Res.Conservation.Outcomes.Rejected.Rows > 0 {
		return rejectedError{out.Res.Conservation.Outcomes.Rejected.Rows}
	}
	return nil
}

// archive moves a file into dir, never overwriting: a clash gets
// "nome (2).csv", "nome (3).csv"... It returns the new path.
func archive(src, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Base(src)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	dst := filepath.Join(dir, base)
	for n := 2; ; n++ {
		if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
			break
		}
		dst = filepath.Join(dir, fmt.Sprintf("%s (%d)%s", stem, n, ext))
	}
	if err := os.Rename(src, dst); err == nil {
		return dst, nil
	}
	// another disk: copy, then remove the original
	if err := copyFile(src, dst); err != nil {
		return "", err
	}
	return dst, os.Remove(src)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return exporter.WriteFileAtomic(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// exampleConfig is written by `consolida init`.
const exampleConfig = `# consolida.toml: configurazione del lavoro mensile di consolida
#
# Ogni mese:
#   1. copiare nella cartella "inbox" i file ricevuti (CSV, XLSX, XLS, ODS);
#   2. eseguire:  consolida run --config consolida.toml
#   3. i prospetti sono nella cartella "uscita"; i file letti sono stati
#      spostati in "archivio/<anno-mese>/" (mai cancellati).
# Un file già letto in un mese precedente viene riconosciuto e non conta due
# volte. I percorsi relativi si intendono dalla cartella di questo file.

# Cartella dove gli uffici depositano i file da leggere.
inbox = "inbox"

# Cartella dove vengono spostati i file letti, in sottocartelle per mese.
archivio = "archivio"

# Cartella dove scrivere i prospetti: CST_<mese>.xlsx (con il foglio Novità),
# dettaglio_<mese>.csv e la cartella consiglio/ con un file per comune.
uscita = "uscita"

# Registro storico (database SQLite) dei file letti e dei prospetti prodotti.
# Non modificarlo a mano; conservarne una copia insieme ai backup.
ledger = "consolida.db"

# Facoltativo: elenco ISTAT dei comuni (Elenco-comuni-italiani.csv), per
# riconoscere i file che riportano il comune solo per nome.
# comuni = "Elenco-comuni-italiani.csv"

# Facoltativo: i comuni del CST, uno per riga (codice ISTAT o nome).
# membri = "membri.csv"

# Facoltativo: riportare solo i comuni di queste province (sigle).
# provincia = ["LC", "CO"]

# Scrivere anche un prospetto per il consiglio di ogni comune (true o false).
consiglio = true
`

func runInit(dir string, stdout io.Writer) error {
	for _, d := range []string{dir, filepath.Join(dir, "inbox"), filepath.Join(dir, "archivio"), filepath.Join(dir, "uscita")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("creazione della cartella %s: %w", d, err)
		}
	}
	cfg := filepath.Join(dir, "consolida.toml")
	if _, err := os.Stat(cfg); err == nil {
		fmt.Fprintf(stdout, "%s esiste già: lasciato com'è. Cartelle inbox, archivio e uscita pronte in %s\n", cfg, dir)
		return nil
	}
	f, err := os.OpenFile(cfg, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("scrittura di %s: %w", cfg, err)
	}
	if _, err := f.WriteString(exampleConfig); err != nil {
		f.Close()
		return fmt.Errorf("scrittura di %s: %w", cfg, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("scrittura di %s: %w", cfg, err)
	}
	fmt.Fprintf(stdout, "Preparata la cartella %s:\n  %s (configurazione di esempio, da rivedere)\n  inbox/     i file ricevuti da leggere\n  archivio/  i file già letti, per mese\n  uscita/    i prospetti\nOgni mese: copiare i file in inbox/ ed eseguire  consolida run --config %s\n",
		dir, cfg, cfg)
	return nil
}

func runStorico(ctx context.Context, path string, withFiles bool, stdout io.Writer) error {
	path = ledgerPath(path)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("registro %s inesistente: indicarlo con --ledger", path)
		}
		return err
	}
	lg, err := openLedgerFile(path)
	if err != nil {
		return err
	}
	defer lg.Close()
	files, err := lg.Files(ctx)
	if err != nil {
		return err
	}
	exports, err := lg.Exports(ctx)
	if err != nil {
		return err
	}
	rows := 0
	for _, f := range files {
		rows += f.Read.Rows
	}
	fmt.Fprintf(stdout, "Registro %s: %s file importati (%s righe lette), %s prospetti\n\n",
		path, fmtCount(len(files)), fmtCount(rows), fmtCount(len(exports)))
	if len(exports) == 0 {
		fmt.Fprintln(stdout, "Nessun prospetto ancora prodotto (consolida export oppure consolida run --config).")
	} else {
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "N.\tData\tComando\tMese\tFile\tFile nuovi\tRighe lette\tCandidature\tComuni\tFinanziato (A+E) €\tdi cui erogato €\tNuove\tCambi stato\tCambi importo\tRispetto al n.\t")
		var prevLast int64
		for _, e := range exports {
			nuovi := 0
			for _, f := range files {
				if f.ID > prevLast && f.ID <= e.LastFile {
					nuovi++
				}
			}
			if e.LastFile > prevLast {
				prevLast = e.LastFile
			}
			base := "-"
			if e.Baseline != 0 {
				base = fmt.Sprint(e.Baseline)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", e.ID, e.At.Local().Format("02/01/2006 15:04"),
				e.Kind, e.Mese, fmtCount(e.Files), fmtCount(nuovi), fmtCount(e.Read.Rows), fmtCount(e.Candidature),
				fmtCount(e.Comuni), e.Total, e.Erogato, fmtCount(e.Nuove), fmtCount(e.CambiStato), fmtCount(e.CambiImporto), base)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		for _, e := range exports {
			scope := ""
			if e.Scope != "" {
				scope = " (" + e.Scope + ")"
			}
			fmt.Fprintf(stdout, "  n. %d: prospetti in %s%s\n", e.ID, e.Out, scope)
		}
	}
	if withFiles && len(files) > 0 {
		fmt.Fprintln(stdout, "\nFile importati:")
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "N.\tImportato il\tNome\tRighe\tAnomalie\tSHA-256\tPercorso")
		for _, f := range files {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.ImportedAt.Local().Format("02/01/2006 15:04"), f.Name,
				fmtCount(f.Read.Rows), fmtCount(f.Anomalies), f.SHA256[:12], f.Path)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
