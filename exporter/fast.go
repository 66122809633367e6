package exporter

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// fastRenderer writes a workbook whose sheets may hold a million rows.
// excelize builds the workbook without the rows below the header of each
// sheet that has no chart (the skeleton: styles, properties, page setup,
// widths, panes, autofilter, the rows above and the header row, a few
// kilobytes); then the zip is assembled here: every part of the skeleton
// is copied as it is, compressed, except those sheets, whose rows are
// written into the part as they come, as the XML excelize's stream writer
// writes (rowXML), and compressed on every core (parallelDeflate). So no
// sheet is held in memory, and neither is the file (excelize's WriteTo
// builds the whole zip in a buffer); the workbook is the one
// excelizeRenderer writes, cell by cell (TestFastRendererAgrees).
type fastRenderer struct {
	level int // deflate level of the streamed parts; 0: fastLevel
}

// fastLevel is klauspost's level 1 deflate for the streamed sheets: at a
// million rows it takes a fraction of the CPU of compress/flate's level 5
// (what excelize uses) for a file about a third larger.
const fastLevel = 1

// streamed reports whether the fast path writes the rows of s.
func streamed(s *sheet) bool { return s.chart == nil && s.body != nil }

func (r fastRenderer) render(w io.Writer, b *book) error {
	level := r.level
	if level == 0 {
		level = fastLevel
	}
	skel := &book{props: b.props, app: b.app, sheets: make([]*sheet, len(b.sheets))}
	rows := map[string]*sheet{} // the sheets streamed, by name
	for i, s := range b.sheets {
		skel.sheets[i] = s
		if streamed(s) {
			c := *s
			c.body = nil
			skel.sheets[i] = &c
			rows[s.name] = s
		}
	}
	f, st, err := excelizeRenderer{}.file(skel)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	_, err = f.WriteTo(&buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return err
	}
	parts, err := sheetPaths(zr)
	if err != nil {
		return err
	}
	byPart := map[string]*sheet{}
	for name, s := range rows {
		p, ok := parts[name]
		if !ok {
			return fmt.Errorf("exporter: sheet %q not found in the workbook", name)
		}
		byPart[p] = s
	}
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return newParallelDeflate(out, level), nil
	})
	for _, zf := range zr.File {
		s := byPart[zf.Name]
		if s == nil {
			if err := zw.Copy(zf); err != nil {
				return err
			}
			continue
		}
		if err := streamSheet(zw, zf, s, st); err != nil {
			return fmt.Errorf("foglio %q: %w", s.name, err)
		}
	}
	return zw.Close()
}

// streamSheet writes the part of sheet s: the skeleton's XML down to the
// end of the header row, the rows of the body, and the skeleton's rest
// with the merged cells of the body added.
func streamSheet(zw *zip.Writer, zf *zip.File, s *sheet, st *styles) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	skel, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	end := bytes.LastIndex(skel, []byte("</sheetData>"))
	if end < 0 {
		return errors.New("exporter: no sheetData in the skeleton")
	}
	fh := zf.FileHeader
	fh.Method = zip.Deflate
	fh.CRC32, fh.CompressedSize, fh.UncompressedSize, fh.CompressedSize64, fh.UncompressedSize64 = 0, 0, 0, 0, 0
	fh.Extra = nil
	pw, err := zw.CreateHeader(&fh)
	if err != nil {
		return err
	}
	if _, err := pw.Write(skel[:end]); err != nil {
		return err
	}
	x := &rowXML{st: st, sheet: s}
	n := s.headerRow()
	out := make([]byte, 0, 96<<10)
	for rw := range s.body {
		n++
		if out, err = x.row(out, n, rw); err != nil {
			return err
		}
		if len(out) >= 64<<10 {
			if _, err := pw.Write(out); err != nil {
				return err
			}
			out = out[:0]
		}
	}
	if _, err := pw.Write(out); err != nil {
		return err
	}
	tail, err := withMerges(skel[end:], x.merges)
	if err != nil {
		return err
	}
	_, err = pw.Write(tail)
	return err
}

// beforeMerges are the elements that the stream writer writes between
// sheetData and mergeCells (in the order of the schema).
var beforeMerges = map[string]bool{"sheetCalcPr": true, "sheetProtection": true, "protectedRanges": true,
	"scenarios": true, "autoFilter": true, "sortState": true, "dataConsolidate": true, "customSheetViews": true}

// withMerges adds merged cells to the XML that follows sheetData: into
// its mergeCells element, or in a new one where the schema puts it.
func withMerges(tail []byte, merges []string) ([]byte, error) {
	if len(merges) == 0 {
		return tail, nil
	}
	joined := strings.Join(merges, "")
	if i := bytes.Index(tail, []byte(`<mergeCells count="`)); i >= 0 {
		from := i + len(`<mergeCells count="`)
		to := bytes.IndexByte(tail[from:], '"')
		closing := bytes.Index(tail, []byte(`</mergeCells>`))
		if to < 0 || closing < 0 {
			return nil, errors.New("exporter: unexpected mergeCells in the skeleton")
		}
		k, err := strconv.Atoi(string(tail[from : from+to]))
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		b.Write(tail[:from])
		b.WriteString(strconv.Itoa(k + len(merges)))
		b.Write(tail[from+to : closing])
		b.WriteString(joined)
		b.Write(tail[closing:])
		return b.Bytes(), nil
	}
	// find the first element that comes after mergeCells
	rest := tail[len("</sheetData>"):]
	d := xml.NewDecoder(bytes.NewReader(rest))
	at, depth := -1, 0
	for at < 0 {
		off := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			return nil, fmt.Errorf("exporter: skeleton after sheetData: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 && (t.Name.Space != "" || !beforeMerges[t.Name.Local]) {
				at = off
			}
			depth++
		case xml.EndElement:
			if depth--; depth < 0 { // </worksheet>
				at = off
			}
		}
	}
	at += len("</sheetData>")
	var b bytes.Buffer
	b.Write(tail[:at])
	b.WriteString(`<mergeCells count="` + strconv.Itoa(len(merges)) + `">` + joined + `</mergeCells>`)
	b.Write(tail[at:])
	return b.Bytes(), nil
}

// sheetPaths maps each sheet's name to its part, from the workbook and
// its relationships.
func sheetPaths(zr *zip.Reader) (map[string]string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	for _, p := range []struct {
		name string
		v    any
	}{{"xl/workbook.xml", &wb}, {"xl/_rels/workbook.xml.rels", &rels}} {
		f, err := zr.Open(p.name)
		if err != nil {
			return nil, err
		}
		err = xml.NewDecoder(f).Decode(p.v)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	target := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = t[1:]
		} else {
			t = path.Join("xl", t)
		}
		target[r.ID] = t
	}
	out := map[string]string{}
	for _, s := range wb.Sheets {
		if t, ok := target[s.RID]; ok {
			out[s.Name] = t
		}
	}
	return out, nil
}
