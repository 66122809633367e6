package grid

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ErrEncrypted is a file protected by a password. Like ErrCorrupt it is a
// condition of the bytes that any decoder may meet (a FILEPASS record, an
// OLE-wrapped encrypted package, an encrypted manifest), so it lives
// beside the decoders' common types.
var ErrEncrypted = errors.New("il file è protetto da password: salvarlo senza password e riprovare")

// Blank reports a row whose cells are all empty or spaces; Rows never
// yields one.
func Blank(cells []Cell) bool {
	for _, c := range cells {
		if strings.TrimSpace(c.V) != "" {
			return false
		}
	}
	return true
}

// Number is the cell of a number as every decoder yields it: Num set and
// V the shortest decimal text that reads back as v ("4326.4",
// "100000000000000000000"), so that the mapper sees the same text for
// the same value whatever the format. Values that are not finite (only a
// damaged file has them) become the #NUM! error text.
func Number(v float64) Cell {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Cell{V: "#NUM!"}
	}
	return Cell{V: strconv.FormatFloat(v, 'f', -1, 64), Num: true}
}
