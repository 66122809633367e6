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
	ErrCorrupt       = errors.New("il file è danneggiato o incompleto: riaprirlo con il programma che l'ha creato e salvarlo di nuovo, o farselo inviare di nuovo")
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
		if zipEntryAtStart(path) {
			return "", ErrCorrupt // an archive cut short: its directory is missing
		}
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
				if odsEncrypted(&z.Reader) {
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
func zipEntryAtStart(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := make([]byte, 30+255)
	n, _ := io.ReadFull(f, h)
	if n < 30 {
		return false
	}
	nameLen := int(h[26]) | int(h[27])<<8
	if nameLen == 0 || nameLen > 255 || n < 30+nameLen {
		return false
	}
	for _, c := range h[30 : 30+nameLen] {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// odsEncrypted tells a password-protected OpenDocument file: its manifest
// describes how each part is encrypted.
func odsEncrypted(z *zip.Reader) bool {
	for _, f := range z.File {
		if f.Name != "META-INF/manifest.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
		return bytes.Contains(b, []byte("encryption-data"))
	}
	return false
}

// sniffOLE tells an Excel 97-2003 workbook from an encrypted OOXML file
// (which Office stores in an OLE container with an EncryptedPackage), an
// encrypted .xls (a FILEPASS record after the BOF of its Workbook stream)
// and other OLE documents (Word, PowerPoint).
func sniffOLE(path string) (Format, error) {
	head, found, encPkg, err := oleFileStream(path, 1<<16, "Workbook", "Book")
	switch {
	case encPkg:
		return "", ErrEncrypted
	case errors.Is(err, ErrCorrupt):
		return "", ErrCorrupt
	case err != nil:
		return "", err
	case !found:
		return "", ErrUnknownBinary
	}
	if err := sniffXLS(head); err != nil {
		return "", err
	}
	return FormatXLS, nil
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
