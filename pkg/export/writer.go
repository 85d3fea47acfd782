package export

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writer writes files under temporary names in one directory and renames
// them into place on commit, so that a failed export changes nothing.
type writer struct {
	dir   string
	temps []tempFile
}

type tempFile struct {
	name string // final name
	f    *os.File
}

// create opens a temporary file that becomes name on commit. The caller
// closes it.
func (w *writer) create(name string) (*os.File, error) {
	f, err := os.CreateTemp(w.dir, "."+strings.TrimSuffix(name, ".hcl")+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", filepath.Join(w.dir, name), err)
	}
	w.temps = append(w.temps, tempFile{name: name, f: f})
	return f, nil
}

// writeFile writes data to a temporary file that becomes name on commit.
func (w *writer) writeFile(name string, data []byte) error {
	f, err := w.create(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return w.fail(name, err)
	}
	if err := f.Close(); err != nil {
		return w.fail(name, err)
	}
	return nil
}

// fail wraps an error writing name.
func (w *writer) fail(name string, err error) error {
	return fmt.Errorf("writing %s: %w", filepath.Join(w.dir, name), err)
}

// commit renames every temporary file to its final name.
func (w *writer) commit() error {
	for i, t := range w.temps {
		if err := os.Chmod(t.f.Name(), 0o644); err != nil {
			return w.fail(t.name, err)
		}
		if err := os.Rename(t.f.Name(), filepath.Join(w.dir, t.name)); err != nil {
			w.temps = w.temps[i:]
			return fmt.Errorf("%w (files before it were written: the directory holds a partial export; run export again with -force)", w.fail(t.name, err))
		}
	}
	w.temps = nil
	return nil
}

// abort removes the temporary files that were not committed.
func (w *writer) abort() {
	for _, t := range w.temps {
		t.f.Close()
		os.Remove(t.f.Name())
	}
	w.temps = nil
}
