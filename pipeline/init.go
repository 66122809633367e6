package pipeline

import (
	"context"
	"os"
	"path/filepath"

	"consolida/templates"
)

// InitOptions are the options of Init.
type InitOptions struct {
	Dir string // the folder to prepare (created if needed)
}

// InitResult is what Init prepared.
type InitResult struct {
	Dir    string
	Config string // the configuration file
	// Existed: the configuration was already there and was left as it
	// was; only the folders were made.
	Existed bool
}

// Init prepares a folder for the monthly batch: the folders inbox,
// archivio and uscita, and an example consolida.toml
// (templates.ExampleConfig) unless one exists.
func Init(ctx context.Context, opt InitOptions, p Progress) (*InitResult, error) {
	dir := opt.Dir
	for _, d := range []string{dir, filepath.Join(dir, "inbox"), filepath.Join(dir, "archivio"), filepath.Join(dir, "uscita")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, &ActionError{Action: MakeDir, Path: d, Err: err}
		}
	}
	res := &InitResult{Dir: dir, Config: filepath.Join(dir, "consolida.toml")}
	if _, err := os.Stat(res.Config); err == nil {
		res.Existed = true
		return res, nil
	}
	f, err := os.OpenFile(res.Config, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, &ActionError{Action: WriteFile, Path: res.Config, Err: err}
	}
	_, err = f.Write(templates.ExampleConfig)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, &ActionError{Action: WriteFile, Path: res.Config, Err: err}
	}
	return res, nil
}
