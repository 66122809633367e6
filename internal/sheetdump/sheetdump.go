// Package sheetdump turns the workbooks and CSV files consolida writes into
// a deterministic text: every sheet's cells (type, stored value, formula,
// style), column widths, row heights, merged ranges, panes, print setup,
// header and footer, defined names and document properties. Two outputs
// whose dumps are equal are the same for the user, cell for cell, even if
// their XML differs (shared or inline strings, attribute order). The tests
// compare dumps before and after a change; `go run ./internal/sheetdump/cmd`
// prints them.
package sheetdump

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Options tune a dump.
type Options struct {
	// Volatile rewrites text that legitimately changes between two runs
	// (times of day); nil keeps everything.
	Volatile func(string) string
}

// Tree dumps every .xlsx and .csv under dir, keyed by the path relative
// to dir (with forward slashes).
func Tree(dir string, opt Options) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		var s string
		switch strings.ToLower(filepath.Ext(p)) {
		case ".xlsx":
			s, err = Workbook(p, opt)
		case ".csv":
			var b []byte
			b, err = os.ReadFile(p)
			s = string(b)
			if opt.Volatile != nil {
				s = opt.Volatile(s)
			}
		default:
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		out[rel] = s
		return nil
	})
	return out, err
}

// Workbook dumps one workbook.
func Workbook(path string, opt Options) (string, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	vol := func(s string) string {
		if opt.Volatile != nil {
			return opt.Volatile(s)
		}
		return s
	}
	if p, err := f.GetDocProps(); err == nil {
		p.Created, p.Modified = "", ""
		fmt.Fprintf(&b, "docprops %s\n", vol(jsonOf(p)))
	}
	if p, err := f.GetWorkbookProps(); err == nil {
		fmt.Fprintf(&b, "workbookprops %s\n", jsonOf(p))
	}
	if font, err := f.GetDefaultFont(); err == nil {
		fmt.Fprintf(&b, "defaultfont %s\n", font)
	}
	names := f.GetDefinedName()
	sort.Slice(names, func(i, j int) bool { return names[i].Scope+names[i].Name < names[j].Scope+names[j].Name })
	for _, n := range names {
		fmt.Fprintf(&b, "definedname %s %s %s\n", n.Scope, n.Name, n.RefersTo)
	}
	fmt.Fprintf(&b, "active %d\n", f.GetActiveSheetIndex())
	styleKey := map[int]string{}
	style := func(id int) string {
		if k, ok := styleKey[id]; ok {
			return k
		}
		st, err := f.GetStyle(id)
		k := "?"
		if err == nil {
			k = jsonOf(st)
		}
		styleKey[id] = k
		return k
	}
	filters, parts := sheetParts(path)
	for _, sh := range f.GetSheetList() {
		fmt.Fprintf(&b, "\n== sheet %q\n", sh)
		vis, _ := f.GetSheetVisible(sh)
		fmt.Fprintf(&b, "visible %v\n", vis)
		if v, err := f.GetSheetProps(sh); err == nil {
			fmt.Fprintf(&b, "props %s\n", jsonOf(v))
		}
		if v, err := f.GetPageLayout(sh); err == nil {
			fmt.Fprintf(&b, "pagelayout %s\n", jsonOf(v))
		}
		if v, err := f.GetPageMargins(sh); err == nil {
			fmt.Fprintf(&b, "margins %s\n", jsonOf(v))
		}
		if v, err := f.GetHeaderFooter(sh); err == nil && v != nil {
			fmt.Fprintf(&b, "headerfooter %s\n", vol(jsonOf(v)))
		}
		if v, err := f.GetPanes(sh); err == nil {
			fmt.Fprintf(&b, "panes %s\n", jsonOf(v))
		}
		if v, err := f.GetSheetView(sh, 0); err == nil {
			fmt.Fprintf(&b, "view %s\n", jsonOf(v))
		}
		if d, err := f.GetSheetDimension(sh); err == nil {
			fmt.Fprintf(&b, "dimension %s\n", d)
		}
		if p, ok := parts[sh]; ok {
			fmt.Fprintf(&b, "autofilter %s\n", filters[p])
		}
		merges, _ := f.GetMergeCells(sh, true)
		var ms []string
		for _, m := range merges {
			ms = append(ms, m.GetStartAxis()+":"+m.GetEndAxis())
		}
		sort.Strings(ms)
		fmt.Fprintf(&b, "merges %s\n", strings.Join(ms, " "))
		rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			return "", err
		}
		maxCol := 0
		for _, r := range rows {
			maxCol = max(maxCol, len(r))
		}
		var widths []string
		for c := 1; c <= maxCol+2; c++ {
			name, _ := excelize.ColumnNumberToName(c)
			w, _ := f.GetColWidth(sh, name)
			widths = append(widths, fmt.Sprintf("%s=%g", name, w))
		}
		fmt.Fprintf(&b, "widths %s\n", strings.Join(widths, " "))
		for ri := range rows {
			n := ri + 1
			h, _ := f.GetRowHeight(sh, n)
			fmt.Fprintf(&b, "row %d h=%g\n", n, h)
			for ci := 0; ci < maxCol; ci++ {
				ref, _ := excelize.CoordinatesToCellName(ci+1, n)
				v := ""
				if ci < len(rows[ri]) {
					v = rows[ri][ci]
				}
				formula, _ := f.GetCellFormula(sh, ref)
				sid, _ := f.GetCellStyle(sh, ref)
				if v == "" && formula == "" && sid == 0 {
					continue
				}
				typ, _ := f.GetCellType(sh, ref)
				fmt.Fprintf(&b, "  %s t=%d v=%q f=%q s=%s\n", ref, typ, vol(v), formula, shortHash(style(sid)))
			}
		}
	}
	// the styles themselves, once, by hash
	var keys []string
	seen := map[string]bool{}
	for _, k := range styleKey {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	b.WriteString("\n== styles\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s\n", shortHash(k), k)
	}
	// charts and drawings as written
	b.WriteString("\n== charts\n")
	for _, c := range chartHashes(path) {
		b.WriteString(c + "\n")
	}
	return b.String(), nil
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

var (
	reAutoFilter = regexp.MustCompile(`<autoFilter[^>]*ref="([^"]*)"`)
	reSheetRel   = regexp.MustCompile(`<sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"`)
	reRel        = regexp.MustCompile(`<Relationship [^>]*Id="([^"]*)"[^>]*Target="([^"]*)"`)
)

// sheetParts maps each sheet to its part and each part to its autofilter
// range, reading the XML directly (excelize has no getter for it).
func sheetParts(path string) (filters map[string]string, parts map[string]string) {
	filters, parts = map[string]string{}, map[string]string{}
	z, err := zip.OpenReader(path)
	if err != nil {
		return
	}
	defer z.Close()
	read := func(name string, limit int64) string {
		for _, f := range z.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					return ""
				}
				defer rc.Close()
				b, _ := io.ReadAll(io.LimitReader(rc, limit))
				return string(b)
			}
		}
		return ""
	}
	rels := map[string]string{}
	for _, m := range reRel.FindAllStringSubmatch(read("xl/_rels/workbook.xml.rels", 1<<20), -1) {
		t := strings.TrimPrefix(m[2], "/xl/")
		rels[m[1]] = "xl/" + strings.TrimPrefix(t, "xl/")
	}
	for _, m := range reSheetRel.FindAllStringSubmatch(read("xl/workbook.xml", 1<<20), -1) {
		parts[unescape(m[1])] = rels[m[2]]
	}
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/sheet") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		// the autofilter follows sheetData: scan the whole part
		sc := bufio.NewReaderSize(rc, 1<<20)
		var tail string
		buf := make([]byte, 1<<20)
		for {
			n, err := sc.Read(buf)
			chunk := tail + string(buf[:n])
			if m := reAutoFilter.FindStringSubmatch(chunk); m != nil {
				filters[f.Name] = m[1]
			}
			if len(chunk) > 512 {
				tail = chunk[len(chunk)-512:]
			} else {
				tail = chunk
			}
			if err != nil {
				break
			}
		}
		rc.Close()
	}
	return
}

func unescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'")
	return r.Replace(s)
}

// chartHashes hashes the chart and drawing parts, which excelize writes in
// both the normal and the fast path.
func chartHashes(path string) []string {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer z.Close()
	var out []string
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, "xl/charts/") && !strings.HasPrefix(f.Name, "xl/drawings/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		h := sha256.New()
		io.Copy(h, rc)
		rc.Close()
		out = append(out, f.Name+" "+hex.EncodeToString(h.Sum(nil))[:16])
	}
	sort.Strings(out)
	return out
}
