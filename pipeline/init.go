package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"consolida/templates"
)

// InitOptions are the options of Init.
type InitOptions struct {
	Dir string // the folder to prepare (created if needed)
	// Program is the path of the consolida program, which the batch file
	// runs; empty: "consolida", found on the PATH.
	Program string
}

// InitResult is what Init prepared.
type InitResult struct {
	Dir    string
	Config string // the configuration file (an absolute path)
	// Existed: the configuration was already there and was left as it
	// was; only the folders (and the batch file, if missing) were made.
	Existed bool
	// Batch is consolida-mensile.bat, the monthly batch for a double
	// click on Windows (written unless one is there).
	Batch string
	// Program is the program the batch file runs, as written there.
	Program string
}

// Init prepares a folder for the monthly batch: the folders inbox,
// archivio and uscita, an example consolida.toml (templates.ExampleConfig)
// and consolida-mensile.bat (templates.MonthlyBatch), each unless one
// exists.
func Init(ctx context.Context, opt InitOptions, p Progress) (*InitResult, error) {
	dir := opt.Dir
	for _, d := range []string{dir, filepath.Join(dir, "inbox"), filepath.Join(dir, "archivio"), filepath.Join(dir, "uscita")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, &ActionError{Action: MakeDir, Path: d, Err: err}
		}
	}
	res := &InitResult{Dir: dir, Config: absPath(filepath.Join(dir, "consolida.toml")),
		Batch: filepath.Join(dir, "consolida-mensile.bat"), Program: opt.Program}
	if res.Program == "" {
		res.Program = "consolida"
	}
	if err := writeNew(res.Batch, batchFile(res.Program)); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, &ActionError{Action: WriteFile, Path: res.Batch, Err: err}
	}
	if err := writeNew(res.Config, templates.ExampleConfig); errors.Is(err, os.ErrExist) {
		res.Existed = true
	} else if err != nil {
		return nil, &ActionError{Action: WriteFile, Path: res.Config, Err: err}
	}
	return res, nil
}

// batchFile is consolida-mensile.bat for the program at path: CRLF line
// ends, the path quoted, '%' doubled as cmd.exe wants.
func batchFile(program string) []byte {
	q := `"` + strings.ReplaceAll(program, "%", "%%") + `"`
	s := strings.ReplaceAll(string(templates.MonthlyBatch), "{{programma}}", q)
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

// writeNew writes a file that must not exist yet (os.ErrExist if it
// does: a file the office may have edited is never overwritten).
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
