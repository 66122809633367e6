package exporter

import (
	"github.com/xuri/excelize/v2"
)

// Novita lists what changed since the previous export (filled from the
// ledger by the monthly batch).
type Novita struct {
	Since string // previous export, as shown to the user
	Items []NovitaItem
}

// NovitaItem is one change.
type NovitaItem struct {
	Tipo    string // "Nuova candidatura", "Cambio stato", "Cambio importo"
	ISTAT   string
	Comune  string
	Misura  string
	CUP     string
	Prima   string
	Dopo    string
	Fonte   string
	comune  int32
}

func writeNovita(f *excelize.File, st *styles, nov *Novita, meta Meta) error {
	return nil
}
