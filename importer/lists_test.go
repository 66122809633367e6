package importer

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"consolida/funding"
)

// istatList is an ISTAT list of comuni in the shape of the real one: a
// header cell with a line break, semicolons, CRLF; the last rows come
// after more than 64 KiB, so that a Windows-1252 byte there is met late.
func istatList(filler int) string {
	var b strings.Builder
	b.WriteString("Codice Regione;\"Denominazione dell'Unità territoriale sovracomunale \r\n(valida a fini statistici)\";Codice Provincia (Storico)(1);" +
		"Codice Comune formato alfanumerico;Denominazione (Italiana e straniera);Denominazione in italiano;Denominazione altra lingua;" +
		"Denominazione regione;Sigla automobilistica;Codice Catastale del comune\r\n")
	for i := 0; i < filler; i++ {
		b.WriteString("03;Lecco;097;097042;Lecco;Lecco;;Lombardia;LC;E507\r\n")
	}
	b.WriteString("03;Lecco;097;097074;Santa Maria Hoè;Santa Maria Hoè;;Lombardia;LC;I243\r\n")
	b.WriteString("04;Bolzano/Bozen;021;021008;Bolzano/Bozen;Bolzano;Bozen;Trentino-Alto Adige/Südtirol;BZ;A952\r\n")
	return b.String()
}

func TestReadComuniListOpenedOnceInEitherEncoding(t *testing.T) {
	text := istatList(2000)
	cp, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var results [][]ComuneRef
	// both are read once: the header's "à" is in the first 8 KiB, so
	// the Windows-1252 file is known as such before more is read
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"utf8.csv", []byte("\xef\xbb\xbf" + text)},
		{"cp1252.csv", []byte(cp)},
	} {
		in := openRemoved(t, writeFile(t, dir, c.name, c.data))
		refs, err := readText(in, readComuniList)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		size := int64(len(c.data))
		if in.bytesRead != size {
			t.Errorf("%s: %d bytes read for %d", c.name, in.bytesRead, size)
		}
		results = append(results, refs)
	}
	if !reflect.DeepEqual(results[0], results[1]) {
		t.Errorf("the two encodings give different lists")
	}
	refs := results[0]
	if len(refs) != 2002 {
		t.Fatalf("%d comuni", len(refs))
	}
	hoe, bz := refs[2000], refs[2001]
	if hoe.Obs.ISTAT != "097074" || hoe.Obs.Name != "Santa Maria Hoè" || hoe.ProvinceName != "Lecco" || hoe.Obs.Province != "LC" {
		t.Errorf("Santa Maria Hoè: %+v", hoe)
	}
	if bz.Obs.Name != "Bolzano/Bozen" || !reflect.DeepEqual(bz.Obs.AltNames, []string{"Bolzano", "Bozen"}) || bz.Obs.Region != "Trentino-Alto Adige/Südtirol" {
		t.Errorf("Bolzano: %+v", bz)
	}
}

// A Windows-1252 byte found only after 64 KiB makes a second pass.
func TestReadComuniListLateWindows1252Byte(t *testing.T) {
	text := strings.Replace(istatList(2000), "Unità", "Unita", 1)
	cp, _ := charmap.Windows1252.NewEncoder().String(text)
	in := openRemoved(t, writeFile(t, t.TempDir(), "late.csv", []byte(cp)))
	refs, err := readText(in, readComuniList)
	if err != nil {
		t.Fatal(err)
	}
	if size := int64(len(cp)); in.bytesRead <= size || in.bytesRead > 2*size {
		t.Errorf("%d bytes read for %d, want more than once, at most twice", in.bytesRead, size)
	}
	if len(refs) != 2002 || refs[2000].Obs.Name != "Santa Maria Hoè" {
		t.Errorf("%d comuni, %+v", len(refs), refs[len(refs)-2])
	}
}

func TestReadComuniListReal(t *testing.T) {
	p := filepath.Join("..", "..", "shared", "data", "istat", "Elenco-comuni-italiani.csv")
	st, err := os.Stat(p)
	if err != nil {
		t.Skip("the ISTAT list in ../shared/data/istat is absent")
	}
	in, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	refs, err := readText(in, readComuniList)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) < 7800 || in.bytesRead != st.Size() {
		t.Errorf("%d comuni, %d bytes read of %d", len(refs), in.bytesRead, st.Size())
	}
}

func TestReadMembers(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data string
		want []funding.Member
	}{
		{"elenco.txt", "# soci del CST\nLecco\n097074\n\nSanta Maria Ho\xe8\n", []funding.Member{
			{Pos: funding.Pos{File: "elenco.txt", Row: 2}, Text: "Lecco"},
			{Pos: funding.Pos{File: "elenco.txt", Row: 3}, Text: "097074"},
			{Pos: funding.Pos{File: "elenco.txt", Row: 5}, Text: "Santa Maria Hoè"},
		}},
		{"soci.csv", "Provincia;Comune;Codice ISTAT\nLC;Lecco;097042\nLC;Santa Maria Hoè;097074\n", []funding.Member{
			{Pos: funding.Pos{File: "soci.csv", Row: 2}, Text: "097042"},
			{Pos: funding.Pos{File: "soci.csv", Row: 3}, Text: "097074"},
		}},
	} {
		p := writeFile(t, dir, c.name, []byte(c.data))
		got, err := ReadMembers(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		// read from the descriptor alone
		in := openRemoved(t, writeFile(t, t.TempDir(), c.name, []byte(c.data)))
		again, err := readText(in, func(r *scannerReader) ([]funding.Member, error) { return readMembers(r, c.name) })
		if err != nil || !reflect.DeepEqual(again, c.want) {
			t.Errorf("%s from a removed file: %+v, %v", c.name, again, err)
		}
	}
	if _, err := ReadMembers(writeFile(t, dir, "vuoto.txt", []byte(" \n\n"))); err != ErrEmptyFile {
		t.Errorf("empty list: %v", err)
	}
	if _, err := ReadMembers(writeFile(t, dir, "commenti.txt", []byte("# niente\n"))); err == nil || !strings.Contains(err.Error(), "nessun comune") {
		t.Errorf("only comments: %v", err)
	}
	if _, err := ReadMembers(filepath.Join(dir, "manca.txt")); !os.IsNotExist(err) {
		t.Errorf("missing: %v", err)
	}
}
