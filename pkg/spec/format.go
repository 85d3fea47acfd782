package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// FormatFile returns src in canonical form (hclwrite's formatting). It
// returns error diagnostics, and no output, when src does not parse.
func FormatFile(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	// hclwrite tolerates some invalid input; check with the real parser so
	// that a broken file is reported rather than reformatted.
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	f, diags := hclwrite.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return f.Bytes(), nil
}

// FormatResult is the outcome of formatting one file.
type FormatResult struct {
	Path    string
	Before  []byte
	After   []byte
	Changed bool
}

// FormatError is returned by FormatDir when files do not parse. Files holds
// the sources for diagnostic snippets.
type FormatError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

func (e *FormatError) Error() string {
	var b strings.Builder
	for i, d := range e.Diags {
		if i > 0 {
			b.WriteString("; ")
		}
		if d.Subject != nil {
			fmt.Fprintf(&b, "%s: ", Pos(*d.Subject))
		}
		b.WriteString(d.Summary)
	}
	return b.String()
}

// FormatDir formats every *.hcl file of dir (not recursive) and its
// orgsync.vars file, in name order, without writing anything. Files that do
// not parse make it return a *FormatError with every file's diagnostics.
func FormatDir(dir string) ([]FormatResult, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read configuration directory: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".hcl") || e.Name() == AutoVarsFile) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(paths)
	return FormatFiles(paths)
}

// FormatFiles formats the given files, like FormatDir.
func FormatFiles(paths []string) ([]FormatResult, error) {
	var out []FormatResult
	ferr := &FormatError{Files: map[string]*hcl.File{}}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		after, diags := FormatFile(src, p)
		if diags.HasErrors() {
			ferr.Diags = append(ferr.Diags, diags...)
			ferr.Files[p] = &hcl.File{Bytes: src}
			continue
		}
		out = append(out, FormatResult{Path: p, Before: src, After: after, Changed: !bytes.Equal(src, after)})
	}
	if len(ferr.Diags) > 0 {
		return out, ferr
	}
	return out, nil
}
