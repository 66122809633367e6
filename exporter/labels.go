package exporter

import (
	"path/filepath"
	"strings"
)

// ScopeLabel describes the comuni a report covers, for its headings and
// the ledger's history: "provincia LC", "comuni di membri.csv", both
// joined by "e", or "" for every comune.
func ScopeLabel(provinces []string, membersFile string) string {
	var parts []string
	if len(provinces) > 0 {
		parts = append(parts, "provincia "+strings.ToUpper(strings.Join(provinces, ", ")))
	}
	if membersFile != "" {
		parts = append(parts, "comuni di "+filepath.Base(membersFile))
	}
	return strings.Join(parts, " e ")
}
