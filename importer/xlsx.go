package importer

import (
	"consolida/importer/grid"
	"consolida/importer/xlsx"
)

// openXLSX decodes an Office Open XML workbook with the project's
// streaming decoder, through the input's descriptor: it knows every cell's
// type from the sheet itself, reports damage instead of stopping early,
// and keeps within its budget without temporary files.
func openXLSX(in *Input, lim grid.Limits) (*opened, error) {
	b, err := xlsx.Open(in.context(), in.f, in.size, lim)
	if err != nil {
		return nil, err
	}
	return &opened{Book: b}, nil
}
