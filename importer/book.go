package importer

import (
	"errors"
	"fmt"

	"consolida/importer/grid"
	"consolida/importer/ods"
	"consolida/importer/xls"
)

// decoder turns an input whose format is known into a book of sheets,
// within the budget lim (scaled to the file's size) and stopping when
// in.ctx is done.
type decoder func(in *Input, lim grid.Limits) (*opened, error)

// opened is a decoded input: the grid.Book of its decoder.
type opened struct {
	*grid.Book
}

func (b *opened) close() error {
	if b.Close == nil {
		return nil
	}
	return b.Close()
}

// decoderFor returns the decoder of a format. The formats consolida reads
// are listed here and nowhere else (miller's record_reader_factory.go):
// no decoder registers itself.
func decoderFor(f Format) (decoder, error) {
	switch f {
	case FormatCSV:
		return openCSV, nil
	case FormatXLSX:
		return openXLSX, nil
	case FormatXLS:
		return openXLS, nil
	case FormatODS:
		return openODS, nil
	}
	return nil, fmt.Errorf("formato %s: lettura non disponibile", f)
}

// openXLS decodes an Excel 97-2003 workbook through the input's
// descriptor.
func openXLS(in *Input, lim grid.Limits) (*opened, error) {
	b, err := xls.Open(in.context(), in.f, in.size, lim)
	if errors.Is(err, xls.ErrNotWorkbook) {
		return nil, ErrUnknownBinary
	}
	if err != nil {
		return nil, err
	}
	return &opened{Book: b}, nil
}

// openODS decodes an OpenDocument spreadsheet through the input's
// descriptor.
func openODS(in *Input, lim grid.Limits) (*opened, error) {
	b, err := ods.Open(in.context(), in.f, in.size, lim)
	if err != nil {
		return nil, err
	}
	return &opened{Book: b}, nil
}

// ColName converts a 0-based column index into Excel letters: 0 -> A,
// 27 -> AB.
func ColName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}
