package importer

import (
	"context"

	"consolida/importer/xlsx"
)

// openXLSX decodes an Office Open XML workbook with the project's
// streaming decoder, through the input's descriptor: it knows every cell's
// type from the sheet itself, reports damage instead of stopping early,
// and keeps within its budget without temporary files.
func openXLSX(in *Input) (*opened, error) {
	b, err := xlsx.Open(context.Background(), in.f, in.size, xlsx.Limits{})
	if err != nil {
		return nil, err
	}
	return &opened{Book: b}, nil
}
