// Package templates embeds the data files that steer consolida without a
// release: the measure catalog, the rules that recognise a measure from an
// avviso title, the header synonyms, and the example configuration of the
// monthly batch.
package templates

import _ "embed"

// Misure is the measure catalog (id, label), in report column order.
//
//go:embed misure.csv
var Measures []byte

// MeasureRules maps avviso/misura text to measure ids (regex rules).
//
//go:embed riconoscimento_misure.csv
var MeasureRules []byte

// HeaderSynonyms maps header synonyms to canonical field names.
//
//go:embed intestazioni.csv
var HeaderSynonyms []byte

// ExampleConfig is the commented consolida.toml that `consolida init`
// writes: a document for the office, in Italian.
//
//go:embed consolida.toml
var ExampleConfig []byte

// Provinces lists the Italian provinces (sigla, ISTAT code, name, other
// names), also those abolished or renumbered that the files still name,
// so that --provincia accepts "Lecco" as well as "LC" or "097".
//
//go:embed province.csv
var Provinces []byte

// MonthlyBatch is consolida-mensile.bat, which `consolida init` writes
// beside consolida.toml (with CRLF line ends, the program's path in
// place of {{programma}}): a double click runs the monthly batch and
// keeps the window open on the result.
//
//go:embed consolida-mensile.bat
var MonthlyBatch []byte
