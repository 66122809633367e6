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
