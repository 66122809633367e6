// Command genera writes the sample inputs in samples/: small, realistic
// files of the three kinds the offices receive, written by the project
// (the CUPs are invented; comuni, codes and avviso titles are real).
//
//	go run ./samples/genera
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func main() {
	dir := "samples"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	for _, step := range []func(string) error{openData, annex, officeExport} {
		if err := step(dir); err != nil {
			fmt.Fprintln(os.Stderr, "genera:", err)
			os.Exit(1)
		}
	}
}

const openHeader = "codice_ipa,ente,tipologia_ente,comune,cod_comune,provincia,cod_provincia,regione,cod_regione,importo_finanziamento,avviso,data_invio_candidatura,data_finanziamento,codice_cup,numero_finestra_temporale,numero_di_protocollo,decreto_finanziamento,stato_candidatura,data_stato_candidatura,misura"

// openData writes a file in the layout of the ministry's open data.
func openData(dir string) error {
	type row struct {
		ipa, ente, tip, comune, cod, importo, avviso, invio, fin, cup, fin2, prot, stato, dataStato, misura string
	}
	const (
		av141  = "1.4.1 Esperienza del Cittadino - Comuni - Settembre 2022"
		av131  = "1.3.1 Piattaforma Digitale Nazionale Dati - Comuni Ottobre 2022"
		av143i = "1.4.3 - app IO - Comuni - Aprile 2022"
		av143p = "1.4.3 - pagoPA - Comuni - Aprile 2022"
		av144  = "1.4.4 Adozione SPID CIE  - Comuni - Aprile 2022"
		av144a = "1.4.4 Adozione SPID CIE-Amministrazioni diverse da Comuni e Scuole - Maggio 2022"
		av145  = "1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022)"
		av12s  = "1.2 Abilitazione al Cloud - Scuole - Giugno 2022"
		m141   = "1.4.1 Esperienza del cittadino nei servizi pubblici"
		m131   = "1.3.1 Piattaforma Digitale Nazionale Dati"
		m143   = "1.4.3 Adozione PagoPA e AppIO"
		m144   = "1.4.4 Adozione identità digitale"
		m145   = "1.4.5 Digitalizzazione degli avvisi pubblici"
		m12    = "1.2 Abilitazione e facilitazione migrazione al Cloud"
	)
	rows := []row{
		{"c_g026", "Comune di Olgiate Molgora", "Comuni", "Olgiate Molgora", "097058", "155234.0", av141, "2022-09-23T11:00:12.000+0000", "2023-01-03", "D81F22900070006", "1", "135", "A", "2023-01-03", m141},
		{"c_g026", "Comune di Olgiate Molgora", "Comuni", "Olgiate Molgora", "097058", "20344.0", av131, "2022-11-02T08:05:00.000+0000", "2023-01-30", "D51F22900480006", "1", "152", "A", "2023-01-30", m131},
		{"c_g026", "Comune di Olgiate Molgora", "Comuni", "Olgiate Molgora", "097058", "3430.0", av143i, "2022-06-11T09:54:07.000+0000", "2022-08-12", "D81F22900250006", "3", "24", "A", "2022-08-12", m143},
		{"c_g026", "Comune di Olgiate Molgora", "Comuni", "Olgiate Molgora", "097058", "14000.0", av144, "2022-06-08T08:20:46.000+0000", "2022-08-02", "D81F22900260006", "3", "25", "E", "2025-02-07", m144},
		{"c_g026", "Comune di Olgiate Molgora", "Comuni", "Olgiate Molgora", "097058", "32589.0", av145, "2022-09-23T11:06:35.000+0000", "2023-01-03", "D81F22900430006", "1", "131", "A", "2023-01-03", m145},
		{"c_f133", "Comune di Merate", "Comuni", "Merate", "097048", "59966.0", av145, "2022-09-20T10:12:00.000+0000", "2023-01-03", "E71F22900110006", "1", "131", "E", "2024-11-20", m145},
		{"c_f133", "Comune di Merate", "Comuni", "Merate", "097048", "86114.0", av143p, "2022-05-02T09:30:00.000+0000", "2022-08-02", "E71F22900120006", "2", "23", "R", "2022-11-04", m143},
		{"c_f133", "Comune di Merate", "Comuni", "Merate", "097048", "14000.0", av144, "2022-05-03T11:17:01.000+0000", "2022-08-02", "E71F22900130006", "1", "25", "E", "2024-06-12", m144},
		{"c_g161", "Comune di Osnago", "Comuni", "Osnago", "097061", "5346.0", av143i, "2022-05-17T07:44:55.000+0000", "2022-08-12", "B41F22900140006", "2", "24", "A", "2022-08-12", m143},
		{"c_g161", "Comune di Osnago", "Comuni", "Osnago", "097061", "14000.0", av144, "2022-05-05T12:32:43.000+0000", "2022-08-02", "B41F22900150006", "2", "25", "E", "2024-12-05", m144},
		{"c_i243", "Comune di Santa Maria Hoe'", "Comuni", "Santa Maria Hoè", "097074", "79922.0", av141, "2022-09-28T16:49:05.000+0000", "2023-01-03", "C31F22900160006", "1", "135", "A", "2023-01-03", m141},
		{"c_m348", "Comune di La Valletta Brianza", "Comuni", "La Valletta Brianza", "097092", "4326.4", "1.3.1 Piattaforma Digitale Nazionale Dati - ANNCSU - Comuni - maggio 2025", "2025-07-14T06:56:08.000+0000", "2025-08-13", "G61J25900170006", "1", "90", "E", "2026-05-14", m131},
		{"asst_lc", "Azienda Socio Sanitaria Territoriale di Lecco", "ASL", "Lecco", "097042", "14000.0", av144a, "2022-07-13T08:20:52.000+0000", "2022-12-12", "C41F22900180006", "2", "49", "A", "2022-12-12", m144},
		{"istsc_lcic81700p", "ISTITUTO COMPRENSIVO - IST. COMPR. OLGIATE MOLGORA", "Scuole", "Olgiate Molgora", "097058", "6636.0", av12s, "2022-10-12T11:53:31.000+0000", "2023-01-05", "H81C22900190006", "2", "67", "A", "2023-01-05", m12},
	}
	var b strings.Builder
	b.WriteString(openHeader + "\n")
	for _, r := range rows {
		decreto := fmt.Sprintf("Decreto n.%s - %s / 2022 - PNRR", r.prot, r.fin2)
		if strings.HasPrefix(r.fin, "2025") {
			decreto = fmt.Sprintf("Decreto n.%s - %s / 2025 - PNRR", r.prot, r.fin2)
		}
		fields := []string{r.ipa, r.ente, r.tip, r.comune, r.cod, "LC", "097", "Lombardia", "03", r.importo, r.avviso,
			r.invio, r.fin, r.cup, r.fin2, r.prot, decreto, r.stato, r.dataStato, r.misura}
		for i, f := range fields {
			if strings.ContainsAny(f, ",\"") {
				fields[i] = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
		}
		b.WriteString(strings.Join(fields, ",") + "\n")
	}
	return os.WriteFile(filepath.Join(dir, "candidature_comuni_lecco.csv"), []byte(b.String()), 0o644)
}

// allegato writes the annex of a funding decree as ministries publish it:
// a title block over merged cells, Italian euro formatting, a TOTALE row.
func annex(dir string) error {
	f := excelize.NewFile()
	defer f.Close()
	sh := "Allegato 1"
	f.SetSheetName("Sheet1", sh)
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}, Alignment: &excelize.Alignment{Horizontal: "center", WrapText: true}})
	sub, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	hdr, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border: []excelize.Border{{Type: "bottom", Style: 1, Color: "000000"}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	euro := `#,##0.00\ "€"`
	money, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &euro})
	tot, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &euro, Font: &excelize.Font{Bold: true}, Border: []excelize.Border{{Type: "top", Style: 1, Color: "000000"}}})
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: []excelize.Border{{Type: "top", Style: 1, Color: "000000"}}})
	set := func(ref string, v any, style int) {
		f.SetCellValue(sh, ref, v)
		if style != 0 {
			f.SetCellStyle(sh, ref, ref, style)
		}
	}
	set("A1", "PNRR - Missione 1 Componente 1 - Investimento 1.2 \"Abilitazione e facilitazione migrazione al Cloud\"", title)
	f.MergeCell(sh, "A1", "F1")
	set("A2", "Allegato 1 al Decreto n. 85 del 14/12/2022 - Avviso 1.2 Abilitazione al Cloud - Comuni - Luglio 2022", sub)
	f.MergeCell(sh, "A2", "F2")
	set("A3", "Elenco delle istanze ammesse a finanziamento - Provincia di Lecco", sub)
	f.MergeCell(sh, "A3", "F3")
	f.SetRowHeight(sh, 1, 32)
	for i, h := range []string{"N.", "Ente beneficiario", "Cod. ISTAT", "Provincia", "CUP", "Importo finanziato (€)"} {
		ref, _ := excelize.CoordinatesToCellName(i+1, 5)
		set(ref, h, hdr)
	}
	rows := []struct {
		ente, istat, cup string
		euro             float64
	}{
		{"Comune di Olgiate Molgora", "097058", "D81C22900500006", 121999},
		{"Comune di Cernusco Lombardone", "097020", "G21C22900510006", 77897},
		{"Comune di Montevecchia", "097053", "E11C22900520006", 47427},
		{"Comune di La Valletta Brianza", "097092", "G61C22900530006", 121992},
		{"COMUNE DI MERATE", "097048", "E71C22900540006", 140986.4},
	}
	var sum float64
	for i, r := range rows {
		n := 6 + i
		set(fmt.Sprintf("A%d", n), i+1, 0)
		set(fmt.Sprintf("B%d", n), r.ente, 0)
		set(fmt.Sprintf("C%d", n), r.istat, 0)
		set(fmt.Sprintf("D%d", n), "LC", 0)
		set(fmt.Sprintf("E%d", n), r.cup, 0)
		set(fmt.Sprintf("F%d", n), r.euro, money)
		sum += r.euro
	}
	last := 6 + len(rows)
	set(fmt.Sprintf("A%d", last), "TOTALE", bold)
	f.MergeCell(sh, fmt.Sprintf("A%d", last), fmt.Sprintf("E%d", last))
	ref := fmt.Sprintf("F%d", last)
	f.SetCellFormula(sh, ref, fmt.Sprintf("SUM(F6:F%d)", last-1))
	f.SetCellValue(sh, ref, sum)
	f.SetCellFormula(sh, ref, fmt.Sprintf("SUM(F6:F%d)", last-1))
	f.SetCellStyle(sh, ref, ref, tot)
	for col, w := range map[string]float64{"A": 5, "B": 34, "C": 11, "D": 10, "E": 18, "F": 20} {
		f.SetColWidth(sh, col, col, w)
	}
	return f.SaveAs(filepath.Join(dir, "allegato_decreto_85_2022_cloud.xlsx"))
}

// ragioneria writes what a comune's accounting office exports: semicolon
// separated, Windows-1252, Italian amounts, statuses written as words.
func officeExport(dir string) error {
	lines := []string{
		"Comune;Cod. ISTAT;Misura PNRR;Avviso;CUP;Importo finanziato (€);Stato;Data decreto;Note",
		"OLGIATE MOLGORA;97058;1.4.3 pagoPA;1.4.3 - pagoPA - Comuni - Settembre 2022;;72.845,00;Ammesso;15/03/2023;CUP in attesa",
		"OLGIATE MOLGORA;97058;1.3.1 PDND;1.3.1 Piattaforma Digitale Nazionale Dati - Comuni Ottobre 2022;D51F22900480006;20.344,00;Finanziato;30/01/2023;in verifica",
		"OLGIATE MOLGORA;97058;1.2 Cloud;1.2 Abilitazione al Cloud - Comuni - Luglio 2022;D81C22900500006;121.999,00;Liquidato;14/12/2022;saldo ricevuto",
		"Santa Maria Hoè;;1.4.5 Notifiche digitali;1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022);C31F22900200006;€ 23.147;Assegnato;03/01/2023;",
		"Osnago;97061;1.4.5 Notifiche digitali;1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre 2022);B41F22900210006;n.d.;Ammesso;03/01/2023;importo da confermare",
		"Comune di Robbiate (LC);;1.4.4 SPID CIE;1.4.4 Adozione SPID CIE  - Comuni - Aprile 2022;F71F22900220006;14.000,00;Revocato;02/08/2022;revoca per mancata asseverazione",
	}
	enc, err := charmap.Windows1252.NewEncoder().String(strings.Join(lines, "\r\n") + "\r\n")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ufficio_ragioneria_olgiate.csv"), []byte(enc), 0o644)
}
