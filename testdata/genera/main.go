// Command genera writes the trap corpus under testdata/cases: small files
// that reproduce, one trap each, the shapes offices really send, with the
// expected result of each (atteso.json), checked by TestCases.
//
//	go run ./testdata/genera            # CSV and XLSX cases
//	go run ./testdata/genera -office    # also .xls and .ods, made with LibreOffice
//
// The expected results are written here by hand, next to the data they
// describe; nothing is computed by consolida.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// Expected is the content of atteso.json.
type Expected struct {
	Description string                       `json:"descrizione"`
	Args        []string                     `json:"args,omitempty"`
	Exit        int                          `json:"exit"`
	Totals      map[string]map[string]string `json:"totali"`         // ISTAT -> measure -> euro "1234.50" (A+E)
	Dates       map[string]string            `json:"date,omitempty"` // CUP -> data_finanziamento ISO
	Rows        *RowCounts                   `json:"righe,omitempty"`
	Anomalies   []ExpectedAnomaly            `json:"anomalie,omitempty"`
	Check       []string                     `json:"check,omitempty"` // texts `consolida check` must print
}

// Righe are the conservation counts.
type RowCounts struct {
	Read         int `json:"Lette"`
	Consolidated int `json:"Consolidate"`
	Duplicates   int `json:"Duplicati"`
	AltriEnti    int `json:"AltriEnti"`
	Rejected     int `json:"Scartate"`
}

// Anomalia is one expected line of the Anomalie sheet.
type ExpectedAnomaly struct {
	File     string `json:"file,omitempty"` // "" matches any file
	Sheet    string `json:"foglio,omitempty"`
	Row      int    `json:"riga"`
	Field    string `json:"campo"`
	Rejected bool   `json:"scartata"`
	Reason   string `json:"motivo"` // a part of the reason
}

var root = "testdata/cases"

func main() {
	office := flag.Bool("office", false, "also write .xls and .ods with LibreOffice (soffice)")
	flag.Parse()
	for _, c := range cases {
		dir := filepath.Join(root, c.name)
		os.RemoveAll(dir)
		must(os.MkdirAll(dir, 0o755))
		c.write(dir)
		b, _ := json.MarshalIndent(c.exp, "", "  ")
		must(os.WriteFile(filepath.Join(dir, "atteso.json"), append(b, '\n'), 0o644))
	}
	if *office {
		for _, c := range officeCases {
			dir := filepath.Join(root, c.name)
			os.RemoveAll(dir)
			must(os.MkdirAll(dir, 0o755))
			tmp, err := os.MkdirTemp("", "genera")
			must(err)
			src := filepath.Join(tmp, "prospetto.xlsx")
			sameData(src)
			cmd := exec.Command("soffice", "--headless", "--convert-to", c.ext, "--outdir", tmp, src)
			out, err := cmd.CombinedOutput()
			if err != nil {
				fmt.Fprintf(os.Stderr, "soffice: %v\n%s", err, out)
				os.Exit(1)
			}
			b, err := os.ReadFile(filepath.Join(tmp, "prospetto."+strings.SplitN(c.ext, ":", 2)[0]))
			must(err)
			must(os.WriteFile(filepath.Join(dir, "prospetto."+strings.SplitN(c.ext, ":", 2)[0]), b, 0o644))
			os.RemoveAll(tmp)
			e := sameExpected
			e.Description = c.desc
			if strings.HasPrefix(c.ext, "csv") {
				// a CSV holds the first sheet only: no hidden sheet
				e.Totals = map[string]map[string]string{}
				for k, v := range sameExpected.Totals {
					if k != "097044" {
						e.Totals[k] = v
					}
				}
				e.Rows = &RowCounts{Read: 4, Consolidated: 4}
			}
			j, _ := json.MarshalIndent(e, "", "  ")
			must(os.WriteFile(filepath.Join(dir, "atteso.json"), append(j, '\n'), 0o644))
		}
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "genera:", err)
		os.Exit(1)
	}
}

type tcase struct {
	name  string
	write func(dir string)
	exp   Expected
}

const (
	avPND  = "1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)"
	avSPID = "1.4.4 Adozione SPID CIE  - Comuni - Aprile 2022"
	avIO   = "1.4.3 - app IO - Comuni - Aprile 2022"
	avPago = "1.4.3 - pagoPA - Comuni - Settembre 2022"
	avCit  = "1.4.1 Esperienza del Cittadino - Comuni - Settembre 2022"
	avPDND = "1.3.1 Piattaforma Digitale Nazionale Dati - Comuni Ottobre 2022"
)

func writeText(dir, name, text string) {
	must(os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// xlsxBook is a tiny helper to write sheets cell by cell.
type xlsxBook struct{ f *excelize.File }

func newBook() *xlsxBook { return &xlsxBook{f: excelize.NewFile()} }

func (b *xlsxBook) sheet(name string) string {
	if name == "Sheet1" {
		return name
	}
	if idx, _ := b.f.GetSheetIndex(name); idx < 0 {
		b.f.NewSheet(name)
	}
	return name
}

// rows writes values from row `from`; nil leaves a cell empty.
func (b *xlsxBook) rows(sheet string, from int, rows ...[]any) {
	for i, r := range rows {
		for j, v := range r {
			if v == nil {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(j+1, from+i)
			must(b.f.SetCellValue(sheet, ref, v))
		}
	}
}

func (b *xlsxBook) save(path string) {
	must(b.f.SaveAs(path))
	b.f.Close()
}

var cases = []tcase{
	{
		name: "intestazione_su_due_righe",
		write: func(dir string) {
			b := newBook()
			s := b.sheet("Sheet1")
			b.rows(s, 1, []any{"Prospetto dei finanziamenti PNRR - Provincia di Lecco"})
			must(b.f.MergeCell(s, "A1", "G1"))
			b.rows(s, 3,
				[]any{"Comune", "Cod. ISTAT", "Misura PNRR", "Importo", nil, "Stato", "CUP"},
				[]any{nil, nil, nil, "finanziato", "erogato", nil, nil},
				[]any{"Olgiate Molgora", "097058", "1.4.5 Notifiche digitali", 32589, 32589, "Erogato", "D81F22900430006"},
				[]any{"Merate", "097048", "1.4.4 SPID CIE", 14000, 0, "Assegnato", "E71F22900130006"},
			)
			for _, m := range []string{"A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4", "G3:G4"} {
				p := strings.Split(m, ":")
				must(b.f.MergeCell(s, p[0], p[1]))
			}
			b.save(filepath.Join(dir, "due_righe.xlsx"))
		},
		exp: Expected{
			Description: "intestazione su due righe con celle unite: \"Importo\" sopra \"finanziato\" ed \"erogato\"; vale la colonna finanziato",
			Totals:      map[string]map[string]string{"097058": {"1.4.5": "32589.00"}, "097048": {"1.4.4-spid": "14000.00"}},
			Rows:        &RowCounts{Read: 2, Consolidated: 2},
			Check:       []string{"intestazione alla riga 3-4", "-> importo (su due righe)"},
		},
	},
	{
		name: "piu_fogli_e_foglio_nascosto",
		write: func(dir string) {
			b := newBook()
			s := b.sheet("Sheet1")
			must(b.f.SetSheetName(s, "Comuni"))
			b.rows("Comuni", 1,
				[]any{"codice_ipa", "ente", "tipologia_ente", "comune", "cod_comune", "provincia", "importo_finanziamento", "avviso", "codice_cup", "stato_candidatura", "data_stato_candidatura"},
				[]any{"c_g026", "Comune di Olgiate Molgora", "Comuni", "Olgiate Molgora", "097058", "LC", 3430, avIO, "D81F22900250006", "A", "2022-08-12"},
				[]any{"c_f133", "Comune di Merate", "Comuni", "Merate", "097048", "LC", 59966, avPND, "E71F22900110006", "E", "2024-11-20"},
			)
			b.sheet("Riepilogo")
			b.rows("Riepilogo", 1, []any{"Misura", "Totale"}, []any{"1.4.3 App IO", 3430}, []any{"1.4.5", 59966})
			b.sheet("Scuole")
			b.rows("Scuole", 2,
				[]any{"Denominazione Ente", "Tipologia", "Comune", "Importo finanziato (€)", "Avviso"},
				[]any{"IST. COMPR. OLGIATE MOLGORA", "Scuole", "Olgiate Molgora", "6.636,00", "1.2 Abilitazione al Cloud - Scuole - Giugno 2022"},
			)
			b.sheet("Rettifiche")
			b.rows("Rettifiche", 1,
				[]any{"Comune", "Cod. ISTAT", "Avviso", "Importo", "Stato", "CUP"},
				[]any{"Osnago", "97061", avSPID, "14.000,00", "Liquidato", "B41F22900150006"},
			)
			must(b.f.SetSheetVisible("Rettifiche", false))
			b.save(filepath.Join(dir, "piu_fogli.xlsx"))
		},
		exp: Expected{
			Description: "tre fogli con intestazioni diverse, un foglio di riepilogo senza comuni (ignorato) e un foglio nascosto (letto)",
			Totals:      map[string]map[string]string{"097058": {"1.4.3-appio": "3430.00"}, "097048": {"1.4.5": "59966.00"}, "097061": {"1.4.4-spid": "14000.00"}},
			Rows:        &RowCounts{Read: 4, Consolidated: 3, AltriEnti: 1},
			Check:       []string{`foglio "Riepilogo": ignorato`, `foglio "Rettifiche" (nascosto, letto comunque)`},
		},
	},
	{
		name: "righe_vuote_e_subtotali",
		write: func(dir string) {
			b := newBook()
			s := b.sheet("Sheet1")
			b.rows(s, 1,
				[]any{"Ente beneficiario", "Cod. ISTAT", "Avviso", "CUP", "Importo finanziato (€)"},
				[]any{"Comune di Olgiate Molgora", 97058, avPND, "D81F22900430006", 32589},
				nil,
				[]any{"Comune di Merate", 97048, avPND, "E71F22900110006", 59966},
				[]any{"Subtotale provincia di Lecco", nil, nil, nil, 92555},
				nil, nil,
				[]any{"Comune di Castro", 16065, avPND, "C11F22900010006", 23147},
				[]any{"Subtotale provincia di Bergamo", nil, nil, nil, 23147},
				[]any{"TOTALE GENERALE", nil, nil, nil, 115702},
			)
			b.save(filepath.Join(dir, "subtotali.xlsx"))
		},
		exp: Expected{
			Description: "righe vuote e righe di subtotale dentro i dati, un totale generale: non contati",
			Totals:      map[string]map[string]string{"097058": {"1.4.5": "32589.00"}, "097048": {"1.4.5": "59966.00"}, "016065": {"1.4.5": "23147.00"}},
			Rows:        &RowCounts{Read: 3, Consolidated: 3},
			Check:       []string{"riga 5, riga di totale (92.555,00 €)", "riga 10, riga di totale (115.702,00 €)"},
		},
	},
	{
		name: "colonne_in_disordine",
		write: func(dir string) {
			writeText(dir, "disordine.csv", lines(
				"Referente;Importo;Telefono;CUP;Comune;Note;Avviso;Stato;Provincia",
				"Rossi;20.344,00;0399999999;D51F22900480006;Olgiate Molgora;in verifica;"+avPDND+";Ammesso;LC",
				"Bianchi;155.234,00;0398888888;D81F22900070006;Olgiate Molgora;;"+avCit+";Ammesso;LC",
				"Verdi;79.922,00;;C31F22900160006;Santa Maria Hoè;;"+avCit+";Liquidato;LC",
			))
			writeText(dir, "anagrafe.csv", lines(
				"comune,cod_comune,provincia,codice_ipa,tipologia_ente,ente,importo_finanziamento,avviso,codice_cup,stato_candidatura",
				"Olgiate Molgora,097058,LC,c_g026,Comuni,Comune di Olgiate Molgora,3430.0,\""+avIO+"\",D81F22900250006,A",
				"Santa Maria Hoè,097074,LC,c_i243,Comuni,Comune di Santa Maria Hoe',14000.0,\""+avSPID+"\",C31F22900200006,R",
			))
		},
		exp: Expected{
			Description: "colonne in un ordine qualsiasi e colonne in più (Referente, Telefono, Note) ignorate",
			Totals:      map[string]map[string]string{"097058": {"1.3.1": "20344.00", "1.4.1": "155234.00", "1.4.3-appio": "3430.00"}, "097074": {"1.4.1": "79922.00"}},
			Rows:        &RowCounts{Read: 5, Consolidated: 5},
			Check:       []string{`"Referente"`, `"Telefono"`, "ignorata"},
		},
	},
	{
		name: "importi_misti",
		write: func(dir string) {
			writeText(dir, "importi.csv", lines(
				"Comune;Cod. ISTAT;Avviso;CUP;Importo",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000001;121.999,00",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000002;1,234.56",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000003;€ 3.430",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000004;3.430 €",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000005;121\u00a0999,00",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000006;4326.4",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000007;n.d.",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000008;-5,00",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000009;0,125",
				"Olgiate Molgora;097058;"+avPND+";J11F22A00000010;2791997197.7000003",
			))
		},
		exp: Expected{
			Description: "importi scritti all'italiana e all'inglese nella stessa colonna; n.d., negativi e tre decimali sono anomalie",
			Totals:      map[string]map[string]string{"097058": {"1.4.5": "2792253616.66"}},
			Rows:        &RowCounts{Read: 10, Consolidated: 7, Rejected: 3},
			Anomalies: []ExpectedAnomaly{
				{File: "importi.csv", Row: 8, Field: "importo", Rejected: true, Reason: "importo mancante"},
				{File: "importi.csv", Row: 9, Field: "importo", Rejected: true, Reason: "importo negativo"},
				{File: "importi.csv", Row: 10, Field: "importo", Rejected: true, Reason: "importo non valido"},
			},
		},
	},
	{
		name: "date_testo_iso_seriali",
		write: func(dir string) {
			b := newBook()
			s := b.sheet("Sheet1")
			b.rows(s, 1,
				[]any{"Comune", "Cod. ISTAT", "Avviso", "CUP", "Importo", "Data decreto"},
				[]any{"Merate", "097048", avPND, "J11F22D00000001", 100, "03/01/2023"},
				[]any{"Merate", "097048", avSPID, "J11F22D00000002", 100, "2022-08-02"},
				[]any{"Merate", "097048", avIO, "J11F22D00000003", 100, 44785}, // serial: 12/08/2022
				[]any{"Merate", "097048", avCit, "J11F22D00000004", 100, "31/02/2023"},
			)
			date := "dd/mm/yyyy"
			st, _ := b.f.NewStyle(&excelize.Style{CustomNumFmt: &date})
			must(b.f.SetCellStyle(s, "F4", "F4", st))
			b.save(filepath.Join(dir, "date.xlsx"))
			b = newBook()
			s = b.sheet("Sheet1")
			must(b.f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: boolPtr(true)}))
			b.rows(s, 1,
				[]any{"Comune", "Cod. ISTAT", "Avviso", "CUP", "Importo", "Data decreto"},
				[]any{"Osnago", "097061", avPND, "J11F22D00000005", 100, 43323}, // 1904 system: 12/08/2022
			)
			st2, _ := b.f.NewStyle(&excelize.Style{CustomNumFmt: &date})
			must(b.f.SetCellStyle(s, "F2", "F2", st2))
			b.save(filepath.Join(dir, "date_1904.xlsx"))
		},
		exp: Expected{
			Description: "date come testo, ISO, numeri seriali di Excel (sistemi 1900 e 1904); una data inesistente è segnalata e la riga conta",
			Totals:      map[string]map[string]string{"097048": {"1.4.5": "100.00", "1.4.4-spid": "100.00", "1.4.3-appio": "100.00", "1.4.1": "100.00"}, "097061": {"1.4.5": "100.00"}},
			Dates:       map[string]string{"J11F22D00000001": "2023-01-03", "J11F22D00000002": "2022-08-02", "J11F22D00000003": "2022-08-12", "J11F22D00000004": "", "J11F22D00000005": "2022-08-12"},
			Rows:        &RowCounts{Read: 5, Consolidated: 5},
			Anomalies:   []ExpectedAnomaly{{File: "date.xlsx", Sheet: "Sheet1", Row: 5, Field: "data_finanziamento", Reason: "data inesistente"}},
		},
	},
	{
		name: "solo_nomi",
		write: func(dir string) {
			writeText(dir, "nomi.csv", lines(
				"Comune;Provincia;Avviso;CUP;Importo",
				"OLGIATE MOLGORA;;"+avPND+";J11F22N00000001;32.589,00",
				"Comune di Merate;;"+avPND+";J11F22N00000002;59.966,00",
				"Osnago (LC);;"+avPND+";J11F22N00000003;23.147,00",
				"Santa Maria Hoe';;"+avPND+";J11F22N00000004;23.147,00",
				"COMUNE DI LA VALLETTA BRIANZA;;"+avPND+";J11F22N00000005;32.589,00",
				"Paderno D'Adda;LC;"+avPND+";J11F22N00000006;32.589,00",
				"Viganò;;"+avPND+";J11F22N00000007;23.147,00",
				"Vigano';;"+avSPID+";J11F22N00000008;14.000,00",
				"Innichen;;"+avPND+";J11F22N00000009;23.147,00",
				"Castro;;"+avPND+";J11F22N00000010;23.147,00",
				"Castro;LE;"+avPND+";J11F22N00000011;23.147,00",
				"Olgiate Molgoria;;"+avPND+";J11F22N00000012;23.147,00",
			))
			writeText(dir, "codici.csv", lines(
				"Cod. ISTAT;Avviso;CUP;Importo",
				"97058;"+avSPID+";J11F22N00000013;14.000,00",
				"97044;"+avSPID+";J11F22N00000014;14.000,00",
				"999999;"+avSPID+";J11F22N00000015;14.000,00",
			))
		},
		exp: Expected{
			Description: "comuni scritti solo per nome (maiuscole, \"Comune di\", \"(LC)\", apostrofi per gli accenti, metà di un nome bilingue) o con il codice ISTAT senza lo zero iniziale; omonimi senza provincia e nomi sconosciuti sono anomalie",
			Args:        []string{"--comuni", "../shared/data/istat/Elenco-comuni-italiani.csv"},
			Totals: map[string]map[string]string{
				"097058": {"1.4.5": "32589.00", "1.4.4-spid": "14000.00"}, "097048": {"1.4.5": "59966.00"},
				"097061": {"1.4.5": "23147.00"}, "097074": {"1.4.5": "23147.00"}, "097092": {"1.4.5": "32589.00"},
				"097062": {"1.4.5": "32589.00"}, "097090": {"1.4.5": "23147.00", "1.4.4-spid": "14000.00"},
				"021077": {"1.4.5": "23147.00"}, "075096": {"1.4.5": "23147.00"}, "097044": {"1.4.4-spid": "14000.00"},
			},
			Rows: &RowCounts{Read: 15, Consolidated: 12, Rejected: 3},
			Anomalies: []ExpectedAnomaly{
				{File: "nomi.csv", Row: 11, Field: "comune", Rejected: true, Reason: "comune ambiguo"},
				{File: "nomi.csv", Row: 13, Field: "comune", Rejected: true, Reason: "comune sconosciuto"},
				{File: "codici.csv", Row: 4, Field: "cod_istat", Rejected: true, Reason: "codice ISTAT sconosciuto"},
			},
		},
	},
	{
		name: "estensioni_bugiarde",
		write: func(dir string) {
			b := newBook()
			s := b.sheet("Sheet1")
			b.rows(s, 1, []any{"Comune", "Cod. ISTAT", "Avviso", "CUP", "Importo"},
				[]any{"Merate", "097048", avPND, "J11F22E00000001", 59966})
			b.save(filepath.Join(dir, "vero_xlsx.xlsx"))
			must(os.Rename(filepath.Join(dir, "vero_xlsx.xlsx"), filepath.Join(dir, "vero_xlsx.xls")))
			writeText(dir, "vero_csv.xlsx", lines("Comune;Cod. ISTAT;Avviso;CUP;Importo", "Osnago;97061;"+avPND+";J11F22E00000002;23.147,00"))
		},
		exp: Expected{
			Description: "un .xlsx salvato come .xls e un CSV salvato come .xlsx: il formato si riconosce dal contenuto",
			Totals:      map[string]map[string]string{"097048": {"1.4.5": "59966.00"}, "097061": {"1.4.5": "23147.00"}},
			Rows:        &RowCounts{Read: 2, Consolidated: 2},
		},
	},
	{
		name: "codifiche",
		write: func(dir string) {
			text := lines("Comune\tCod. ISTAT\tAvviso\tCUP\tImporto", "Santa Maria Hoè\t097074\t"+avPND+"\tJ11F22U00000001\t23.147,00")
			u := utf16.Encode([]rune(text))
			buf := []byte{0xFF, 0xFE}
			for _, c := range u {
				buf = append(buf, byte(c), byte(c>>8))
			}
			must(os.WriteFile(filepath.Join(dir, "testo_unicode.txt"), buf, 0o644))
			cp, err := charmap.Windows1252.NewEncoder().String(lines("Comune;Cod. ISTAT;Avviso;CUP;Importo", "Viganò;097090;"+avPND+";J11F22U00000002;23.147,00"))
			must(err)
			must(os.WriteFile(filepath.Join(dir, "windows1252.csv"), []byte(cp), 0o644))
		},
		exp: Expected{
			Description: "testo Unicode (UTF-16 con tabulazioni, come lo salva Excel) e CSV Windows-1252",
			Totals:      map[string]map[string]string{"097074": {"1.4.5": "23147.00"}, "097090": {"1.4.5": "23147.00"}},
			Rows:        &RowCounts{Read: 2, Consolidated: 2},
		},
	},
	{
		name: "solo_intestazione",
		write: func(dir string) {
			writeText(dir, "vuoto.csv", lines("Comune;Cod. ISTAT;Avviso;CUP;Importo"))
		},
		exp: Expected{
			Description: "un file con la sola intestazione: zero righe, nessun errore",
			Totals:      map[string]map[string]string{},
			Rows:        &RowCounts{},
		},
	},
}

func boolPtr(b bool) *bool { return &b }

// sameData is the table written in every format by the office cases.
func sameData(path string) {
	b := newBook()
	s := b.sheet("Sheet1")
	must(b.f.SetSheetName(s, "Finanziamenti"))
	s = "Finanziamenti"
	b.rows(s, 1, []any{"Allegato - finanziamenti PNRR dei comuni"})
	b.rows(s, 3,
		[]any{"Ente beneficiario", "Cod. ISTAT", "Avviso", "CUP", "Importo finanziato (€)", "Stato", "Data decreto"},
		[]any{"Comune di Olgiate Molgora", "097058", avPND, "J11F22S00000001", 32589, "Assegnato", 44929},
		[]any{"Comune di Olgiate Molgora", "097058", avPDND, "J11F22S00000002", 4326.4, "Erogato", 44956},
		[]any{"Comune di Merate", "097048", avSPID, "J11F22S00000003", "18.990,54", "Liquidato", "02/08/2022"},
		[]any{"Comune di Osnago", "097061", avPago, "J11F22S00000004", 121999, "Rinuncia", 44970},
		[]any{"TOTALE", nil, nil, nil, 177904.94},
	)
	date := "dd/mm/yyyy"
	st, _ := b.f.NewStyle(&excelize.Style{CustomNumFmt: &date})
	must(b.f.SetCellStyle(s, "G4", "G7", st))
	b.sheet("Nascosto")
	b.rows("Nascosto", 1, []any{"Comune", "Cod. ISTAT", "Avviso", "CUP", "Importo"}, []any{"Lomagna", "097044", avIO, "J11F22S00000005", 5346})
	must(b.f.SetSheetVisible("Nascosto", false))
	b.save(path)
}

var sameExpected = Expected{
	Totals: map[string]map[string]string{"097058": {"1.4.5": "32589.00", "1.3.1": "4326.40"}, "097048": {"1.4.4-spid": "18990.54"}, "097044": {"1.4.3-appio": "5346.00"}},
	Dates:  map[string]string{"J11F22S00000001": "2023-01-03", "J11F22S00000002": "2023-01-30", "J11F22S00000003": "2022-08-02", "J11F22S00000004": "2023-02-13"},
	Rows:   &RowCounts{Read: 5, Consolidated: 5},
}

var officeCases = []struct{ name, ext, desc string }{
	{"stessi_dati_xlsx", "xlsx", "gli stessi dati in XLSX salvato da LibreOffice"},
	{"stessi_dati_xls", "xls", "gli stessi dati in XLS (Excel 97-2003) salvato da LibreOffice"},
	{"stessi_dati_ods", "ods", "gli stessi dati in ODS salvato da LibreOffice"},
	{"stessi_dati_csv", "csv:Text - txt - csv (StarCalc):59,34,76,1", "gli stessi dati in CSV esportato da LibreOffice (solo il primo foglio)"},
}
