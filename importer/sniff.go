// Package importer reads the files the offices receive (CSV, XLSX, XLS,
// ODS) and turns their rows into funding.Records with provenance, plus the
// anomalies of rows that cannot be read.
package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
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
// one-line messages with the file name.
var (
	ErrEmptyFile     = errors.New("il file è vuoto")
	ErrEncrypted     = errors.New("il file è protetto da password: salvarlo senza password e riprovare")
	ErrPDF           = errors.New("il file è un PDF, non un foglio di calcolo: chiedere all'ufficio il prospetto in Excel, ODS o CSV")
	ErrXLSB          = errors.New("il formato Excel binario (.xlsb) non è supportato: aprirlo e salvarlo come .xlsx")
	ErrUnknownBinary = errors.New("formato non riconosciuto: non è un CSV, XLSX, XLS o ODS")
	ErrZipNotSheet   = errors.New("archivio compresso che non contiene un foglio di calcolo")
)

var (
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	magicPDF = []byte("%PDF")
)

// Sniff detects the format of a file from its first bytes and, for zip
// and OLE containers, from what they hold. The extension is not trusted.
func Sniff(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 8)
	n, err := io.ReadFull(f, head)
	if n == 0 {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return "", ErrEmptyFile
		}
		return "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, magicZip):
		return sniffZip(path)
	case bytes.HasPrefix(head, magicOLE):
		return sniffOLE(path)
	case bytes.HasPrefix(head, magicPDF):
		return "", ErrPDF
	}
	if looksBinary(path) {
		return "", ErrUnknownBinary
	}
	return FormatCSV, nil
}

func sniffZip(path string) (Format, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return "", ErrUnknownBinary
	}
	defer z.Close()
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

// sniffOLE tells an Excel 97-2003 workbook from an encrypted OOXML file
// (which Office stores in an OLE container with an EncryptedPackage).
func sniffOLE(path string) (Format, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	utf16 := func(s string) []byte {
		var out []byte
		for _, c := range s {
			out = append(out, byte(c), 0)
		}
		return out
	}
	switch {
	case bytes.Contains(b, utf16("EncryptedPackage")):
		return "", ErrEncrypted
	case bytes.Contains(b, utf16("Workbook")), bytes.Contains(b, utf16("Book")):
		return FormatXLS, nil
	}
	return "", ErrUnknownBinary
}

// looksBinary reports NUL bytes in the first 8 KiB, unless they come from
// a UTF-16 BOM text.
func looksBinary(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 8192)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	if bytes.HasPrefix(buf, []byte{0xFF, 0xFE}) || bytes.HasPrefix(buf, []byte{0xFE, 0xFF}) {
		return false
	}
	return bytes.IndexByte(buf, 0) >= 0
}
