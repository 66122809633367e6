package grid

// Limits is the one budget of what an input may expand to, for every
// format: the decoders check the fields that concern them as they read
// (decompressed bytes, XML elements, shared strings, bytes of one row,
// cells...), and the importer checks what the sheets yield (rows, cells,
// text), in proportion to the size of the file, so that a small file can
// never become millions of rows. Exceeding any of them is a *LimitError.
// A zero field takes its value from DefaultLimits.
type Limits struct {
	// PartBytes bounds the decompressed size of one part of a zip
	// archive (an XLSX sheet, the shared strings, an ODS content.xml).
	PartBytes int64
	// TotalBytes bounds the bytes decoded from the whole file: the
	// decompressed parts of a zip archive (a part read twice, because two
	// sheets point at it or a sheet is opened again, counts twice), the
	// BIFF records of an XLS walked by its sheets. ForSize lowers it in
	// proportion to the file's size.
	TotalBytes int64
	// InflateBase and InflateRatio: ForSize bounds TotalBytes by
	// InflateBase + InflateRatio × the file's size (zip bombs compress
	// a thousandfold, real workbooks tenfold).
	InflateBase  int64
	InflateRatio int64
	// SharedStrings and SharedStringBytes bound the shared string table
	// of an XLSX, the only thing a decoder keeps in memory (about 8 bytes
	// per string plus the text).
	SharedStrings     int
	SharedStringBytes int64
	// CellsPerRow bounds the cells of one row; Excel has 16,384 columns.
	CellsPerRow int
	// Cells bounds the cells (empty ones included) that a decoder reads
	// from the whole file.
	Cells int64
	// Elements bounds the XML elements, comments and processing
	// instructions of one part, not counting the cells of the usual
	// shapes, which Cells bounds.
	Elements int64
	// TokenBytes bounds one XML token (a tag with its attributes, a text
	// run): the read buffer grows to hold one, no further.
	TokenBytes int
	// RowBytes bounds the bytes of one row: a CSV record (a stray quote
	// would otherwise join the rest of the file into one field), the
	// values of a spreadsheet row.
	RowBytes int
	// Sheets bounds the sheets of a workbook (LibreOffice allows 10,000).
	Sheets int

	// What the sheets of the files read together may yield, counted by
	// the importer: at most YieldRows + (size of the files)/RowBytesMin
	// non-empty rows, YieldCells + size/CellBytesMin cells of those rows,
	// and YieldText + size × TextRatio bytes of their text. Real lists
	// have hundreds of bytes a row; a repeated row, a shared string read
	// a million times or a thousand sheets on one part do not.
	YieldRows    int64
	RowBytesMin  int64
	YieldCells   int64
	CellBytesMin int64
	YieldText    int64
	TextRatio    int64
}

// DefaultLimits accept the largest lists consolida is meant for with
// room to spare (a sheet of a million rows, a CSV of gigabytes written a
// row at a time) and refuse bombs within seconds and a few hundred
// megabytes of memory: a decoder stops at the first budget it exhausts
// (a part inflating beyond 4 GiB or 100 times the file plus 256 MiB, 2^26
// cells, 2^27 other elements, a 4 MiB token or row), and the importer at
// 100,000 rows plus one per 64 bytes of input, 2 million cells plus one
// per 4 bytes, 64 MiB of text plus 16 times the input's size.
func DefaultLimits() Limits {
	return Limits{
		PartBytes:         4 << 30,
		TotalBytes:        8 << 30,
		InflateBase:       256 << 20,
		InflateRatio:      100,
		SharedStrings:     8 << 20,
		SharedStringBytes: 256 << 20,
		CellsPerRow:       MaxCols,
		Cells:             1 << 26,
		Elements:          1 << 27,
		TokenBytes:        4 << 20,
		RowBytes:          4 << 20,
		Sheets:            1 << 16,
		YieldRows:         100_000,
		RowBytesMin:       64,
		YieldCells:        2_000_000,
		CellBytesMin:      4,
		YieldText:         64 << 20,
		TextRatio:         16,
	}
}

// MaxRows and MaxCols are the size of an Excel sheet (1,048,576 rows,
// 16,384 columns, XFD).
const (
	MaxRows = 1 << 20
	MaxCols = 1 << 14
)

// WithDefaults fills the zero fields from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	seti := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.PartBytes, d.PartBytes)
	set(&l.TotalBytes, d.TotalBytes)
	set(&l.InflateBase, d.InflateBase)
	set(&l.InflateRatio, d.InflateRatio)
	seti(&l.SharedStrings, d.SharedStrings)
	set(&l.SharedStringBytes, d.SharedStringBytes)
	seti(&l.CellsPerRow, d.CellsPerRow)
	if l.CellsPerRow > MaxCols {
		l.CellsPerRow = MaxCols
	}
	set(&l.Cells, d.Cells)
	set(&l.Elements, d.Elements)
	seti(&l.TokenBytes, d.TokenBytes)
	if l.TokenBytes < 64 {
		l.TokenBytes = 64
	}
	seti(&l.RowBytes, d.RowBytes)
	seti(&l.Sheets, d.Sheets)
	set(&l.YieldRows, d.YieldRows)
	set(&l.RowBytesMin, d.RowBytesMin)
	set(&l.YieldCells, d.YieldCells)
	set(&l.CellBytesMin, d.CellBytesMin)
	set(&l.YieldText, d.YieldText)
	set(&l.TextRatio, d.TextRatio)
	return l
}

// ForSize is the budget of one file of size bytes: the defaults filled
// in, and TotalBytes lowered to InflateBase + InflateRatio × size.
func (l Limits) ForSize(size int64) Limits {
	l = l.WithDefaults()
	if size < 0 {
		size = 0
	}
	if b := mulAdd(l.InflateBase, l.InflateRatio, size); b < l.TotalBytes {
		l.TotalBytes = b
	}
	return l
}

// Yield is the allowance of what the sheets of files totalling size
// bytes may yield: rows, cells and bytes of text.
func (l Limits) Yield(size int64) (rows, cells, text int64) {
	l = l.WithDefaults()
	if size < 0 {
		size = 0
	}
	return l.YieldRows + size/l.RowBytesMin, l.YieldCells + size/l.CellBytesMin, mulAdd(l.YieldText, l.TextRatio, size)
}

// mulAdd is base + k×n, saturating at the largest int64.
func mulAdd(base, k, n int64) int64 {
	const maxInt64 = 1<<63 - 1
	if k > 0 && n > (maxInt64-base)/k {
		return maxInt64
	}
	return base + k*n
}
