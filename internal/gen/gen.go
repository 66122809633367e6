// Package gen writes large, realistic funding lists for benchmarks and
// scale tests, with nothing from outside the repository: the open-data
// layout of the ministry's candidature files (20 columns), about 7,900
// invented comuni in the real provinces, schools, ASL and other bodies,
// the real avviso titles and typical amounts of every measure, statuses
// A/E/R with their dates, a unique CUP per candidatura and a share of
// earlier "R" twins (a renunciation before re-admission) so that
// de-duplication has work to do. The same seed gives the same bytes.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// Header is the open-data layout the generator writes.
var Header = []string{"codice_ipa", "ente", "tipologia_ente", "comune", "cod_comune", "provincia", "cod_provincia",
	"regione", "cod_regione", "importo_finanziamento", "avviso", "data_invio_candidatura", "data_finanziamento",
	"codice_cup", "numero_finestra_temporale", "numero_di_protocollo", "decreto_finanziamento",
	"stato_candidatura", "data_stato_candidatura", "misura"}

// Column indexes of Header that the XLSX writer stores as numbers or dates.
const (
	colAmount    = 9
	colFunded    = 12
	colStateDate = 18
)

// Options of a generated list.
type Options struct {
	Rows    int
	Seed    uint64  // 0 means DefaultSeed
	DupRate float64 // share of rows that are earlier R twins of another row; <0 means none, 0 means 2%
}

// DefaultSeed is the seed of the benchmark files.
const DefaultSeed = 20261127

type province struct {
	sigla, code, region, regionCode string
}

type comune struct {
	name, istat, catastale string
	prov                   *province
}

type avviso struct {
	title, misura  string
	decree, window string
	amounts        []string
	weight         int
	bodies         string // which bodies apply: c comuni, s schools, a ASL, o other bodies
	year           int
}

// avvisi are real titles of the PA digitale 2026 notices with typical
// amounts (as the open data write them) and a share of the rows.
var avvisi = []avviso{
	{"1.1 Infrastrutture digitali - Altre PAC - giugno 2023", "1.1 Infrastrutture digitali", "Decreto n.12 - 1 / 2023 - PNRR", "1", []string{"110636.0", "165954.0", "55318.0", "0.0"}, 1, "o", 2023},
	{"1.1 e 1.2 'Infrastrutture digitali e abilitazione al cloud' - ASL/AO -marzo 2023 (quota 1.2)", "1.2 Abilitazione al cloud per le PA locali", "Decreto n.33 - 1 / 2023 - PNRR", "1", []string{"221272.0", "110636.0"}, 1, "a", 2023},
	{"1.2 Abilitazione al cloud - Comuni - Aprile 2022", "1.2 Abilitazione al cloud per le PA locali", "Decreto n.28 - 2 / 2022 - PNRR", "2", []string{"47427.0", "121992.0", "77897.0", "12719.0", "2765.0"}, 9, "c", 2022},
	{"1.2 Abilitazione al Cloud - Comuni - Luglio 2022", "1.2 Abilitazione al cloud per le PA locali", "Decreto n.85 - 3 / 2022 - PNRR", "3", []string{"47427.0", "121992.0", "77897.0"}, 4, "c", 2022},
	{"1.2 Abilitazione al Cloud - Scuole - Aprile 2022", "1.2 Abilitazione al cloud per le PA locali", "Decreto n.29 - 1 / 2022 - PNRR", "1", []string{"2765.0", "12719.0"}, 5, "s", 2022},
	{"1.3.1 Piattaforma Digitale Nazionale Dati - Comuni Ottobre 2022", "1.3.1 Piattaforma Digitale Nazionale Dati", "Decreto n.152 - 1 / 2022 - PNRR", "1", []string{"10172.0", "20344.0", "9506.14", "18990.54"}, 9, "c", 2022},
	{"1.3.1 Piattaforma Digitale Nazionale Dati - ANNCSU - Comuni - maggio 2025", "1.3.1 Piattaforma Digitale Nazionale Dati", "Decreto n.40 - 1 / 2025 - PNRR", "1", []string{"4326.4"}, 8, "c", 2025},
	{"1.4.1 Esperienza del Cittadino - Comuni - Aprile 2022", "1.4.1 Esperienza del cittadino nei servizi pubblici", "Decreto n.32 - 1 / 2022 - PNRR", "1", []string{"79922.0", "155234.0", "280932.0", "28902.0"}, 6, "c", 2022},
	{"1.4.1 Esperienza del Cittadino - Comuni - Settembre 2022", "1.4.1 Esperienza del cittadino nei servizi pubblici", "Decreto n.135 - 1 / 2022 - PNRR", "1", []string{"79922.0", "155234.0"}, 5, "c", 2022},
	{"1.4.1 Esperienza del Cittadino - Scuole - Aprile 2022", "1.4.1 Esperienza del cittadino nei servizi pubblici", "Decreto n.27 - 1 / 2022 - PNRR", "1", []string{"7301.0"}, 6, "s", 2022},
	{"1.4.3 - app IO - Comuni - Aprile 2022", "1.4.3 Adozione PagoPA e AppIO", "Decreto n.24 - 3 / 2022 - PNRR", "3", []string{"3430.0", "13720.0", "2430.0", "12150.0", "17150.0"}, 8, "c", 2022},
	{"1.4.3 - pagoPA - Comuni - Aprile 2022", "1.4.3 Adozione PagoPA e AppIO", "Decreto n.24 - 2 / 2022 - PNRR", "2", []string{"5103.0", "2187.0", "27315.0", "53991.0", "72845.0"}, 7, "c", 2022},
	{"1.4.3 - pagoPA - Comuni - Settembre 2022", "1.4.3 Adozione PagoPA e AppIO", "Decreto n.127 - 3 / 2022 - PNRR", "3", []string{"27315.0", "53991.0", "5103.0"}, 6, "c", 2022},
	{"1.4.4 Adozione SPID CIE  - Comuni - Aprile 2022", "1.4.4 Adozione identità digitale", "Decreto n.25 - 3 / 2022 - PNRR", "3", []string{"14000.0"}, 9, "c", 2022},
	{"1.4.4 Adozione ANPR ANSC - Comuni - luglio 2024", "1.4.4 Adozione identità digitale", "Decreto n.61 - 1 / 2024 - PNRR", "1", []string{"3928.4", "8979.2", "6173.2"}, 6, "c", 2024},
	{"1.4.4 Adozione SPID CIE-Amministrazioni diverse da Comuni e Scuole - Maggio 2022", "1.4.4 Adozione identità digitale", "Decreto n.49 - 1 / 2022 - PNRR", "1", []string{"14000.0", "14030.0"}, 2, "oa", 2022},
	{"1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)", "1.4.5 Digitalizzazione degli avvisi pubblici", "Decreto n.55 - 1 / 2022 - PNRR", "1", []string{"23147.0", "32589.0", "59966.0", "69000.0"}, 8, "c", 2022},
	{"1.4.5 'Piattaforma Notifiche Digitali' Comuni (maggio 2024)", "1.4.5 Digitalizzazione degli avvisi pubblici", "Decreto n.70 - 2 / 2024 - PNRR", "2", []string{"23147.0", "32589.0"}, 4, "c", 2024},
}

// provinces are the provinces with their ISTAT codes (before the 2025
// Sardinian reform) and regions.
var provinces = func() []province {
	regions := map[string][2]string{
		"PI": {"Piemonte", "01"}, "VA": {"Valle d'Aosta/Vallée d'Aoste", "02"}, "LO": {"Lombardia", "03"},
		"TA": {"Trentino-Alto Adige/Südtirol", "04"}, "VE": {"Veneto", "05"}, "FV": {"Friuli-Venezia Giulia", "06"},
		"LI": {"Liguria", "07"}, "ER": {"Emilia-Romagna", "08"}, "TO": {"Toscana", "09"}, "UM": {"Umbria", "10"},
		"MA": {"Marche", "11"}, "LA": {"Lazio", "12"}, "AB": {"Abruzzo", "13"}, "MO": {"Molise", "14"},
		"CA": {"Campania", "15"}, "PU": {"Puglia", "16"}, "BA": {"Basilicata", "17"}, "CL": {"Calabria", "18"},
		"SI": {"Sicilia", "19"}, "SA": {"Sardegna", "20"},
	}
	list := "TO:PI VC:PI NO:PI CN:PI AT:PI AL:PI AO:VA IM:LI SV:LI GE:LI SP:LI VA:LO CO:LO SO:LO MI:LO BG:LO BS:LO PV:LO CR:LO MN:LO " +
		"BZ:TA TN:TA VR:VE VI:VE BL:VE TV:VE VE:VE PD:VE RO:VE UD:FV GO:FV TS:FV PC:ER PR:ER RE:ER MO:ER BO:ER FE:ER RA:ER FC:ER " +
		"PU:MA AN:MA MC:MA AP:MA MS:TO LU:TO PT:TO FI:TO LI:TO PI:TO AR:TO SI:TO GR:TO PG:UM TR:UM VT:LA RI:LA RM:LA LT:LA FR:LA " +
		"CE:CA BN:CA NA:CA AV:CA SA:CA AQ:AB TE:AB PE:AB CH:AB CB:MO FG:PU BA:PU TA:PU BR:PU LE:PU PZ:BA MT:BA CS:CL CZ:CL RC:CL " +
		"TP:SI PA:SI ME:SI AG:SI CL:SI EN:SI CT:SI RG:SI SR:SI SS:SA NU:SA CA:SA PN:FV IS:MO OR:SA BI:PI LC:LO LO:LO RN:ER PO:TO " +
		"KR:CL VV:CL VB:PI"
	var out []province
	for i, f := range strings.Fields(list) {
		abbrev, reg, _ := strings.Cut(f, ":")
		r := regions[reg]
		out = append(out, province{sigla: abbrev, code: fmt.Sprintf("%03d", i+1), region: r[0], regionCode: r[1]})
	}
	return out
}()

var (
	namePrefix = []string{"San", "Santa", "Castel", "Monte", "Villa", "Borgo", "Torre", "Porto", "Colle", "Rocca", "Pieve",
		"Sant'", "Casal", "Serra", "Fonte", "Bagno", "Ponte", "Campo", "Valle", "Cerreto"}
	nameRoot = []string{"Molgora", "Brivio", "Garbagnate", "Lomagna", "Merate", "Calco", "Airuno", "Oggiono", "Barzanò",
		"Cernusco", "Montevecchia", "Osnago", "Paderno", "Robbiate", "Verderio", "Imbersago", "Olginate", "Galbiate",
		"Annone", "Civate", "Valmadrera", "Malgrate", "Dervio", "Bellano", "Varenna", "Perledo", "Esino", "Cortenova",
		"Primaluna", "Pasturo", "Introbio", "Casargo", "Premana", "Sueglio", "Tremenico", "Vendrogno", "Colico", "Dorio",
		"Nibionno", "Bulciago", "Cassago", "Cremella", "Missaglia", "Casatenovo", "Sirtori", "Viganò", "Perego", "Rovagnate",
		"Torrevilla", "Ello", "Dolzago", "Sirone", "Molteno", "Garlate", "Pescate", "Vercurago", "Calolzio", "Erve",
		"Carenno", "Monte Marenzo", "Aurelio", "Alberto", "Ferdinando", "Giovanni", "Michele", "Lorenzo", "Pietro", "Biagio"}
	nameSuffix = []string{"", "", "", "", " di Sopra", " Superiore", " al Serio", " d'Adda", " Marittima", " in Chianti",
		" Brianza", " Lario", " sul Naviglio", " Vecchio", " Scalo"}
)

// universe builds the comuni of every province once per seed.
func universe(r *rand.Rand) []comune {
	var out []comune
	used := map[string]bool{}
	cat := 0
	for pi := range provinces {
		p := &provinces[pi]
		n := 50 + r.IntN(55)
		names := map[string]bool{}
		for k := 1; k <= n; k++ {
			var name string
			for {
				name = nameRoot[r.IntN(len(nameRoot))]
				if r.IntN(3) == 0 {
					pre := namePrefix[r.IntN(len(namePrefix))]
					if strings.HasSuffix(pre, "'") {
						name = pre + name
					} else {
						name = pre + " " + name
					}
				}
				name += nameSuffix[r.IntN(len(nameSuffix))]
				if !names[name] {
					break
				}
			}
			names[name] = true
			var code string
			for {
				cat++
				code = fmt.Sprintf("%c%03d", 'A'+byte(cat/1000%26), cat%1000)
				if !used[code] {
					break
				}
			}
			used[code] = true
			out = append(out, comune{name: name, istat: p.code + fmt.Sprintf("%03d", k), catastale: code, prov: p})
		}
	}
	return out
}

// row is one generated line.
type row [20]string

// generator yields rows in file order.
type generator struct {
	r       *rand.Rand
	opt     Options
	comuni  []comune
	weights []int
	total   int
	n       int
	twins   map[int]row // rows already drawn as the originals of later twins
	serial  int
}

func newGenerator(opt Options) *generator {
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	if opt.DupRate == 0 {
		opt.DupRate = 0.02
	}
	r := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	g := &generator{r: r, opt: opt, comuni: universe(r), twins: map[int]row{}}
	for _, a := range avvisi {
		g.total += a.weight
		g.weights = append(g.weights, g.total)
	}
	return g
}

func (g *generator) pickAvviso() *avviso {
	x := g.r.IntN(g.total)
	for i, w := range g.weights {
		if x < w {
			return &avvisi[i]
		}
	}
	return &avvisi[len(avvisi)-1]
}

func date(y, m, d int) string { return fmt.Sprintf("%04d-%02d-%02d", y, m, d) }

func (g *generator) fresh() row {
	a := g.pickAvviso()
	c := &g.comuni[g.r.IntN(len(g.comuni))]
	kind := a.bodies[g.r.IntN(len(a.bodies))]
	var x row
	switch kind {
	case 'c':
		x[0], x[1], x[2] = "c_"+strings.ToLower(c.catastale), "Comune di "+c.name, "Comuni"
	case 's':
		code := fmt.Sprintf("istsc_%s%s%04d", strings.ToLower(c.prov.sigla), "ic", g.r.IntN(10000))
		x[0], x[1], x[2] = code, "Istituto Comprensivo "+c.name, "Scuole"
	case 'a':
		x[0], x[1], x[2] = "asl_"+strings.ToLower(c.prov.sigla), "Azienda Sanitaria Locale "+c.prov.sigla, "ASL"
	default:
		x[0], x[1], x[2] = "ue_"+strings.ToLower(c.catastale), "Unione dei Comuni di "+c.name, "Altri Enti"
	}
	x[3], x[4], x[5], x[6], x[7], x[8] = c.name, c.istat, c.prov.sigla, c.prov.code, c.prov.region, c.prov.regionCode
	x[9] = a.amounts[g.r.IntN(len(a.amounts))]
	x[10] = a.title
	m, d := 1+g.r.IntN(12), 1+g.r.IntN(28)
	x[11] = fmt.Sprintf("%sT%02d:%02d:%02d.000+0000", date(a.year, m, d), 8+g.r.IntN(10), g.r.IntN(60), g.r.IntN(60))
	fy, fm := a.year, m+2+g.r.IntN(4)
	if fm > 12 {
		fy, fm = fy+1, fm-12
	}
	x[12] = date(fy, fm, 1+g.r.IntN(28))
	g.serial++
	x[13] = fmt.Sprintf("%c%02d%c%02d%09d", 'A'+byte(g.r.IntN(26)), g.r.IntN(100), 'A'+byte(g.r.IntN(26)), 22+g.r.IntN(4), g.serial)
	x[14] = a.window
	x[15] = fmt.Sprint(10 + g.r.IntN(200))
	x[16] = a.decree
	switch v := g.r.IntN(100); {
	case v < 45:
		x[17], x[18] = "A", x[12]
	case v < 90:
		x[17], x[18] = "E", date(fy+1+g.r.IntN(2), 1+g.r.IntN(12), 1+g.r.IntN(28))
	default:
		x[17], x[18] = "R", date(fy, fm, 1+g.r.IntN(28))
	}
	x[19] = a.misura
	return x
}

// next returns the next row of the file: a fresh row, or an earlier R twin
// of a row that comes later (its CUP is reserved now).
func (g *generator) next() row {
	g.n++
	if x, ok := g.twins[g.n]; ok {
		delete(g.twins, g.n)
		return x
	}
	x := g.fresh()
	if g.opt.DupRate > 0 && g.r.Float64() < g.opt.DupRate/(1-g.opt.DupRate) && g.n < g.opt.Rows {
		// this row's twin goes somewhere later in the file (an R status
		// with earlier dates), as the real data has after a renunciation
		at := g.n + 1 + g.r.IntN(min(g.opt.Rows-g.n, 50000))
		if _, taken := g.twins[at]; !taken && at <= g.opt.Rows {
			t := x
			t[17] = "R"
			t[12] = date(2022, 1+g.r.IntN(6), 1+g.r.IntN(28))
			t[18] = t[12]
			g.twins[at] = t
		}
	}
	return x
}

// WriteCSV writes opt.Rows data rows in the open-data CSV layout (UTF-8,
// comma, header on line 1).
func WriteCSV(w io.Writer, opt Options) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	g := newGenerator(opt)
	bw.WriteString(strings.Join(Header, ",") + "\n")
	for i := 0; i < opt.Rows; i++ {
		x := g.next()
		for j, v := range x {
			if j > 0 {
				bw.WriteByte(',')
			}
			if strings.ContainsAny(v, ",\"\n") {
				bw.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
			} else {
				bw.WriteString(v)
			}
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}
