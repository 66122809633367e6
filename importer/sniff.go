// Package importer reads the files the offices receive (CSV, XLSX, XLS,
// ODS) and turns their rows into funding.Records with provenance, plus the
// anomalies of rows that cannot be read.
//
// A file is opened once (Open gives an Input): its format is sniffed from
// its first bytes, the decoder of that format (decoderFor, one explicit
// switch) turns it into a grid.Book of sheets and rows, and the header
// mapper turns the rows into records. The decoders of XLS and ODS live in
// importer/xls and importer/ods and know nothing of funding.
package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"

	"consolida/importer/grid"
	"consolida/importer/ods"
	"consolida/importer/xls"
)

// Format of an input file, detected from its content.
type Format string

// The formats consolida knows.
const (
	FormatCSV  Format = "CSV"
	FormatXLSX Format = "XLSX"
	FormatXLS  Format = "XLS"
	FormatODS  Format = "ODS"
)

// Errors for files that cannot be read; main turns them into Italian
// one-line messages with the file name. ErrCorrupt and ErrEncrypted are
// the decoders' own (grid), so that errors.Is works on what they return.
var (
	ErrEmptyFile     = errors.New("il file è vuoto")
	ErrEncrypted     = grid.ErrEncrypted
	ErrPDF           = errors.New("il file è un PDF, non un foglio di calcolo: chiedere all'ufficio il prospetto in Excel, ODS o CSV")
	ErrXLSB          = errors.New("il formato Excel binario (.xlsb) non è supportato: aprirlo e salvarlo come .xlsx")
	ErrUnknownBinary = errors.New("formato non riconosciuto: non è un CSV, XLSX, XLS o ODS")
	ErrZipNotSheet   = errors.New("archivio compresso che non contiene un foglio di calcolo")
	ErrCorrupt       = grid.ErrCorrupt
)

var (
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	magicPDF = []byte("%PDF")
)

// Sniff detects the format of a file from its first bytes and, for zip
// and OLE containers, from what they hold. The extension is not trusted.
func Sniff(path string) (Format, error) {
	in, err := Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	return in.sniff()
}

// sniff detects the format from the bytes read at the start of the file
// (and the directory of a zip or OLE container, read through the same
// descriptor).
func (in *Input) sniff() (Format, error) {
	head, err := in.readHead()
	if len(head) == 0 {
		if err == nil {
			return "", ErrEmptyFile
		}
		return "", err
	}
	switch {
	case bytes.HasPrefix(head, magicZip):
		return in.sniffZip(head)
	case bytes.HasPrefix(head, magicOLE):
		return in.sniffOLE()
	case bytes.HasPrefix(head, magicPDF):
		return "", ErrPDF
	}
	if looksBinary(head) {
		return "", ErrUnknownBinary
	}
	return FormatCSV, nil
}

func (in *Input) sniffZip(head []byte) (Format, error) {
	z, err := zip.NewReader(in.f, in.size)
	if err != nil {
		if zipEntryAtStart(head) {
			return "", ErrCorrupt // an archive cut short: its directory is missing
		}
		return "", ErrUnknownBinary
	}
	for _, f := range z.File {
		switch {
		case f.Name == "mimetype":
			rc, err := f.Open()
			if err != nil {
				return "", ErrUnknownBinary
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 200))
			rc.Close()
			if strings.Contains(string(b), "opendocument.spreadsheet") {
				if ods.Encrypted(z) {
					return "", ErrEncrypted
				}
				return FormatODS, nil
			}
			return "", ErrZipNotSheet
		case f.Name == "xl/workbook.xml":
			return FormatXLSX, nil
		case f.Name == "xl/workbook.bin":
			return "", ErrXLSB
		}
	}
	return "", ErrZipNotSheet
}

// zipEntryAtStart tells a damaged archive from bytes that only begin
// like one: a whole local file header with a plausible name.
func zipEntryAtStart(head []byte) bool {
	if len(head) < 30 {
		return false
	}
	nameLen := int(head[26]) | int(head[27])<<8
	if nameLen == 0 || nameLen > 255 || len(head) < 30+nameLen {
		return false
	}
	for _, c := range head[30 : 30+nameLen] {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// sniffOLE tells an Excel 97-2003 workbook from an encrypted OOXML file,
// an encrypted .xls and other OLE documents (Word, PowerPoint).
func (in *Input) sniffOLE() (Format, error) {
	switch err := xls.Sniff(in.f, in.size); {
	case errors.Is(err, xls.ErrNotWorkbook):
		return "", ErrUnknownBinary
	case err != nil:
		return "", err
	}
	return FormatXLS, nil
}

// looksBinary reports NUL bytes in the first 8 KiB, unless they come from
// a UTF-16 BOM text.
func looksBinary(head []byte) bool {
	if len(head) > 8192 {
		head = head[:8192]
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return false
	}
	return bytes.IndexByte(head, 0) >= 0
}
