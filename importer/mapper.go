package importer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"consolida/funding"
	"consolida/importer/grid"
)

// mapper turns the data rows of one sheet into records.
type mapper struct {
	res         *FileResult
	sh          *grid.Sheet
	h           *header
	fileIdx     int32
	opt         *Options
	rep         *SheetReport
	col         map[string]int
	hasBodyType bool
	hasEnte     bool
	owners      map[string]funding.Owner // see owner
	lastRow     int

	sumAll, sumSince funding.Amount // for checking TOTALE rows
	rowsSince        int

	// from the title block above the header, for columns the table lacks
	titleMeasure string
	titleDecreto string
	titleDate    funding.Date
}

var (
	reDecreto     = regexp.MustCompile(`(?i)\bdecreto\s+(?:n\.?|nr\.?|numero)\s*([0-9]+(?:\s*[-/]\s*[0-9]+)*(?:\s*/\s*[0-9]{4})?)`)
	reDecretoData = regexp.MustCompile(`(?i)\bdecreto\b.{0,40}?\bdel\s+([0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4})`)
)

// init prepares the mapping; title is the text above the header (an
// allegato's "Allegato 1 al Decreto n. 85/2022 - Avviso 1.2 ..."): it
// gives the measure when the table has no avviso or misura column, and
// the decree when it has no decree column.
func (m *mapper) init(title string) {
	m.col = m.h.field
	_, m.hasBodyType = m.col[FBodyType]
	_, m.hasEnte = m.col[FBody]
	_, hasAvviso := m.col[FAvviso]
	_, hasMeasure := m.col[FMeasure]
	if title == "" {
		return
	}
	if !hasAvviso && !hasMeasure {
		if _, err := m.opt.Catalog.Classify("", title); err == nil {
			m.titleMeasure = m.intern(title)
			m.rep.Notes = append(m.rep.Notes, fmt.Sprintf("%s: misura ricavata dal titolo del prospetto: «%s»", m.where(), truncateRunes(title, 120)))
		}
	}
	_, hasDec := m.col[FDecreto]
	_, hasNum := m.col[FDecretoNumber]
	if !hasDec && !hasNum {
		if d := reDecreto.FindStringSubmatch(title); d != nil {
			m.titleDecreto = "Decreto n. " + strings.Join(strings.Fields(d[1]), "")
		}
	}
	if _, ok := m.col[FFundingDate]; !ok {
		if d := reDecretoData.FindStringSubmatch(title); d != nil {
			if date, err := funding.ParseDate(d[1]); err == nil {
				m.titleDate = date
			}
		}
	}
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func (m *mapper) pos(row int, field string) funding.Pos {
	p := funding.Pos{File: m.res.Source.Name, Sheet: m.sh.Name, Row: row}
	if i, ok := m.col[field]; ok && field != "" {
		p.Col = ColName(i)
	}
	return p
}

func (m *mapper) get(cells []grid.Cell, field string) (grid.Cell, bool) {
	i, ok := m.col[field]
	if !ok || i >= len(cells) {
		return grid.Cell{}, ok
	}
	c := cells[i]
	c.V = strings.TrimSpace(c.V)
	return c, true
}

func (m *mapper) text(cells []grid.Cell, field string) string {
	c, _ := m.get(cells, field)
	return m.internAs(field, funding.CleanSpaces(c.V))
}

// unique reads a value that differs on every row (CUP, submission time):
// copied out of the row, not kept in the intern table; a long one (no
// CUP or time is) is interned, so that a text repeated on every row of a
// hostile file is held once.
func (m *mapper) unique(cells []grid.Cell, field string) string {
	c, _ := m.get(cells, field)
	v := funding.CleanSpaces(c.V)
	if len(v) > 64 {
		return m.intern(v)
	}
	return strings.Clone(v)
}

// maxCellChars is the most characters a cell of a workbook holds (Excel
// and LibreOffice): a longer field is cut when read, with an anomaly,
// rather than by the writer without one.
const maxCellChars = 32767

// cutLong cuts the fields of a row longer than maxCellChars characters
// (in place: the row is the iterator's, read once), each with an
// anomaly naming its column.
func (m *mapper) cutLong(n int, cells []grid.Cell) {
	for _, field := range knownFields { // in a fixed order: the anomalies are listed as found
		i, ok := m.col[field]
		if !ok || i >= len(cells) || len(cells[i].V) <= maxCellChars {
			continue
		}
		v := cells[i].V
		chars := utf8.RuneCountInString(v)
		if chars <= maxCellChars {
			continue
		}
		cut := 0
		for k := 0; k < maxCellChars; k++ {
			_, size := utf8.DecodeRuneInString(v[cut:])
			cut += size
		}
		cells[i].V = v[:cut]
		m.anomaly(n, field, truncateRunes(v, 60), fmt.Sprintf("testo di %d caratteri, tagliato a %d (il massimo di una cella di Excel)", chars, maxCellChars),
			"verificare il testo nel file originale", false, nil)
	}
}

func (m *mapper) intern(s string) string { return m.internAs("", s) }

// internAs is intern in the table of field.
func (m *mapper) internAs(field, s string) string {
	if s == "" {
		return ""
	}
	t := m.opt.intern[field]
	if v, ok := t[s]; ok {
		return v
	}
	if t == nil {
		t = map[string]string{}
		m.opt.intern[field] = t
	}
	s = strings.Clone(s)
	t[s] = s
	return s
}

// owner is funding.OwnerOf, remembered for each text it depends on (the
// tipologia where the sheet has one, else the ente): it folds the text.
func (m *mapper) owner(bodyType, body string) funding.Owner {
	key := body
	if m.hasBodyType {
		key = bodyType
	}
	o, ok := m.owners[key]
	if !ok {
		o = funding.OwnerOf(m.hasBodyType, bodyType, m.hasEnte, body)
		if m.owners == nil {
			m.owners = map[string]funding.Owner{}
		}
		m.owners[key] = o
	}
	return o
}

func (m *mapper) anomaly(row int, field, value, reason, sugg string, rejected bool, err error) {
	m.res.Anomalies = append(m.res.Anomalies, funding.Anomaly{
		Pos: m.pos(row, field), Field: field, Value: value, Reason: reason, Suggestion: sugg, Rejected: rejected, Err: err,
	})
}

// isTotalRow recognises closing and intermediate total rows: the first
// non-empty cell says "Totale", "Subtotale", "Tot." or "Totali".
func (m *mapper) isTotalRow(cells []grid.Cell) bool {
	for _, f := range []string{FCUP, FISTAT} {
		if c, _ := m.get(cells, f); c.V != "" {
			return false
		}
	}
	for _, c := range cells {
		v := funding.Fold(c.V)
		if v == "" {
			continue
		}
		first, _, _ := strings.Cut(v, " ")
		switch first {
		case "totale", "subtotale", "totali", "tot", "tot.":
			return true
		case "sub":
			return strings.HasPrefix(v, "sub totale")
		}
		return false
	}
	return false
}

// isNoteRow recognises a lone remark under or inside the table ("Fonte:
// elaborazione dell'ufficio", "* importi in euro"): one filled cell whose
// text reads as a note, not as a comune.
func (m *mapper) isNoteRow(cells []grid.Cell) bool {
	text := ""
	for _, c := range cells {
		if v := strings.TrimSpace(c.V); v != "" {
			if text != "" {
				return false
			}
			text = v
		}
	}
	if text == "" {
		return false
	}
	if strings.ContainsAny(text[:1], "*(#") || strings.Contains(text, ":") {
		return true
	}
	first, _, _ := strings.Cut(funding.Fold(text), " ")
	switch first {
	case "fonte", "fonti", "nota", "note", "nb", "n.b.", "elaborazione", "aggiornato", "aggiornamento", "legenda", "dati":
		return true
	}
	return false
}

func (m *mapper) row(n int, cells []grid.Cell) {
	m.lastRow = n
	if grid.Blank(cells) {
		return
	}
	if m.isTotalRow(cells) {
		m.totalRow(n, cells)
		return
	}
	if m.isNoteRow(cells) {
		v := ""
		for _, c := range cells {
			if strings.TrimSpace(c.V) != "" {
				v = funding.CleanSpaces(c.V)
			}
		}
		if len([]rune(v)) > 60 {
			v = string([]rune(v)[:60]) + "…"
		}
		m.rep.Notes = append(m.rep.Notes, fmt.Sprintf("%s: riga %d, nota non conteggiata: «%s»", m.where(), n, v))
		return
	}
	m.rep.Read++
	m.cutLong(n, cells)
	rec := funding.Record{Pos: funding.Pos{File: m.res.Source.Name, Sheet: m.sh.Name, Row: n}, FileIdx: m.fileIdx}
	reject := func(field, value, reason, sugg string, err error) {
		if !rec.Rejected {
			m.anomaly(n, field, value, reason, sugg, true, err)
		}
		rec.Rejected = true
	}

	// money first: its euros count in the conservation check even when the
	// row is rejected for another reason
	amt, _ := m.get(cells, FAmount)
	a, err := parseAmountCell(amt)
	switch {
	case err == nil:
		rec.Amount, rec.AmountOK = a, true
	case errors.Is(err, funding.ErrNegativeAmount):
		rec.Amount, rec.AmountOK = a, true
		reject(FAmount, amt.V, "importo negativo", "", err)
	case errors.Is(err, funding.ErrEmptyAmount):
		reject(FAmount, amt.V, "importo mancante", "", err)
	case errors.Is(err, errThreeDecimals):
		reject(FAmount, shortest(amt.V), "importo con tre decimali: ambiguo (migliaia scritte con il punto, o millesimi di euro?)",
			"verificare l'importo e scriverlo con al più due decimali, ad es. 121999 o 121,99", err)
	default:
		reject(FAmount, amt.V, "importo non valido", "scrivere l'importo in euro, ad es. 121.999,00", err)
	}

	rec.Body = m.text(cells, FBody)
	rec.BodyType = m.text(cells, FBodyType)
	rec.Owner = m.owner(rec.BodyType, rec.Body)
	comune := m.text(cells, FComune)
	name, prov := funding.SplitName(comune)
	rec.Comune = comune
	if name != comune {
		rec.Comune = m.intern(name)
	}
	rec.Province = strings.ToUpper(m.text(cells, FProvince))
	if rec.Province == "" {
		rec.Province = prov
	}
	rec.ProvinceCode = m.text(cells, FProvinceCode)
	rec.Region = m.text(cells, FRegion)
	rec.IPA = m.text(cells, FIPA)
	rec.Belfiore = strings.ToUpper(m.text(cells, FBelfiore))
	if c, _ := m.get(cells, FISTAT); c.V != "" {
		rec.ISTAT = m.intern(funding.NormISTAT(c.V)) // never a substring of the row: it would keep the whole line alive
		up := strings.ToUpper(c.V)
		if rec.ISTAT == "" && up != "N/D" && up != "ND" && up != "N.D." && up != "-" {
			m.anomaly(n, FISTAT, c.V, "codice ISTAT non valido (atteso un numero di 6 cifre)", "", false, nil)
		}
	}
	rec.Avviso = m.text(cells, FAvviso)
	rec.MeasureText = m.text(cells, FMeasure)
	if rec.Avviso == "" && rec.MeasureText == "" {
		rec.MeasureText = m.titleMeasure
	}
	rec.CUP = strings.ToUpper(strings.ReplaceAll(m.unique(cells, FCUP), " ", ""))
	rec.Decreto = m.text(cells, FDecreto)
	if rec.Decreto == "" {
		if d := m.text(cells, FDecretoNumber); d != "" {
			rec.Decreto = "n. " + strings.TrimSuffix(d, ".0")
		}
	}
	if rec.Decreto == "" {
		rec.Decreto = m.titleDecreto
	}
	rec.Window = strings.TrimSuffix(m.text(cells, FWindow), ".0")
	rec.SubmittedAt = m.unique(cells, FSubmittedAt)
	rec.FundingDate = m.date(cells, n, FFundingDate)
	if rec.FundingDate == 0 {
		rec.FundingDate = m.titleDate
	}
	rec.StatusDate = m.date(cells, n, FStatusDate)

	if _, ok := m.col[FStatus]; ok {
		c, _ := m.get(cells, FStatus)
		st, err := funding.ParseStatus(c.V)
		if err != nil {
			reason := "stato non riconosciuto"
			if errors.Is(err, funding.ErrEmptyStatus) {
				reason = "stato mancante"
			}
			reject(FStatus, c.V, reason, "usare A (assegnata), E (erogata), R (rinuncia) o le parole Assegnato, Erogato, Rinuncia, Revoca", err)
		}
		rec.Status = st
	} else {
		rec.Status = funding.StatusAssigned
	}

	id, err := m.opt.Catalog.Classify(rec.Avviso, rec.MeasureText)
	if err != nil {
		field, value := FAvviso, rec.Avviso
		if value == "" {
			field, value = FMeasure, rec.MeasureText
		}
		reason := "misura non determinabile dal titolo dell'avviso né dalla colonna misura"
		if errors.Is(err, funding.ErrAmbiguousMeasure) {
			reason = "misura ambigua: il testo non distingue la sotto-misura (es. pagoPA o App IO)"
		}
		reject(field, value, reason, funding.AdviceNoMeasure, err)
	}
	rec.Measure = id

	if rec.CUP != "" && !validCUP(rec.CUP) {
		m.anomaly(n, FCUP, rec.CUP, "CUP di forma insolita (atteso un codice di 15 caratteri)", "", false, nil)
	}
	if rec.Rejected {
		m.rep.Rejected++
	}
	if rec.AmountOK {
		m.res.Source.Read.Add(rec.Amount)
		m.sumAll += rec.Amount
		m.sumSince += rec.Amount
	} else {
		m.res.Source.Read.Add(0)
	}
	m.rowsSince++
	m.res.Records = append(m.res.Records, rec)
}

func validCUP(s string) bool {
	if len(s) != 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (m *mapper) where() string {
	if m.sh.Name == "" {
		return m.res.Source.Name
	}
	return fmt.Sprintf("%s, foglio %q", m.res.Source.Name, m.sh.Name)
}

// totalRow checks a total row against the rows above it: a subtotal
// equals the rows since the previous total, a grand total all rows.
func (m *mapper) totalRow(n int, cells []grid.Cell) {
	amt, _ := m.get(cells, FAmount)
	a, err := parseAmountCell(amt)
	switch {
	case amt.V == "" || err != nil:
		m.rep.Notes = append(m.rep.Notes, fmt.Sprintf("%s: riga %d, riga di totale riconosciuta e non conteggiata", m.where(), n))
	case a == m.sumSince || a == m.sumAll:
		m.rep.Notes = append(m.rep.Notes, fmt.Sprintf("%s: riga %d, riga di totale (%s €) riconosciuta e non conteggiata: coincide con la somma delle righe", m.where(), n, a))
	default:
		m.anomaly(n, FAmount, amt.V, fmt.Sprintf("il totale del prospetto (%s €) non coincide con la somma delle righe sopra (%s €)", a, m.sumSince),
			"la riga di totale non è conteggiata; verificare il prospetto", false, nil)
	}
	m.sumSince, m.rowsSince = 0, 0
}

func (m *mapper) date(cells []grid.Cell, n int, field string) funding.Date {
	c, _ := m.get(cells, field)
	if c.V == "" {
		return 0
	}
	d, err := funding.ParseDateCell(c.V, c.Num, m.sh.Date1904)
	if err != nil {
		reason := "data non valida"
		if errors.Is(err, funding.ErrImpossibleDate) {
			reason = "data inesistente"
		}
		m.anomaly(n, field, c.V, reason, "scrivere la data come 23/09/2022 o 2022-09-23; la data è stata ignorata", false, err)
		return 0
	}
	return d
}

func (m *mapper) finish() {}

// errThreeDecimals is a number stored with exactly three decimals
// (121.999): like the same text, ambiguous, so the row is rejected.
var errThreeDecimals = fmt.Errorf("three decimals: %w", funding.ErrBadAmount)

// parseAmountCell reads an amount from a cell: a number stored as such is
// taken at its value, rounded to cents when it carries float noise
// (4326.3999999999996 is 4326,40 €), but a value with exactly three
// decimals (121.999, whatever the noise around it) is refused as the
// text "1.234,567" is: 121.999 typed under an English locale is 121999 €
// by a thousandfold; text is read the Italian or English way (text
// "121.999" is 121.999 thousand).
func parseAmountCell(c grid.Cell) (funding.Amount, error) {
	if c.Num {
		if decimals(shortest(c.V)) == 3 {
			return 0, errThreeDecimals
		}
		return funding.ParseNumber(c.V)
	}
	return funding.ParseAmount(strings.TrimSpace(c.V))
}

// shortest is the decimal text of the number cell v at 12 significant
// digits, which drops float noise ("121.99900000000001" is "121.999",
// "4326.3999999999996" is "4326.4"); v itself if it does not parse.
func shortest(v string) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// decimals counts the digits after the point of a plain decimal text.
func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
