package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// maxIncludedFile bounds what file() reads: organization custom CSS is the
// largest thing it is meant for, and Logto refuses request bodies over 1 MB.
const maxIncludedFile = 512 << 10

// fileFunc is Terraform's file(path): the contents of a UTF-8 text file.
// A relative path is relative to the configuration directory (not to the
// working directory), so a configuration reads the same files wherever it
// is planned from. Every file read is recorded in Result.Sources, so that a
// saved plan is recomputed from the bytes it was made from.
func (l *loader) fileFunc() function.Function {
	return function.New(&function.Spec{
		Description:  "Reads the contents of a UTF-8 text file, relative to the configuration directory.",
		Params:       []function.Parameter{{Name: "path", Type: cty.String}},
		Type:         function.StaticReturnType(cty.String),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s, err := l.includeFile(args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(s), nil
		},
	})
}

// includeFile reads a file for file(), once per Load.
func (l *loader) includeFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("the path is empty; give a file name relative to the configuration directory, like \"acme.css\"")
	}
	name := path
	if !filepath.IsAbs(path) {
		name = filepath.Join(l.in.Dir, path)
	}
	if s, ok := l.included[name]; ok {
		return s, nil
	}
	src, err := l.readFile(name, &l.read.Included)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := l.in.Dir
		if dir == "" {
			dir = "."
		}
		return "", fmt.Errorf("no file %s: file() paths are relative to the configuration directory (%s)", name, dir)
	case err != nil:
		return "", err
	case len(src) > maxIncludedFile:
		return "", fmt.Errorf("%s has %d bytes; file() reads at most %d (Logto refuses request bodies over 1 MB)", name, len(src), maxIncludedFile)
	case !utf8.Valid(src):
		return "", fmt.Errorf("%s is not UTF-8 text; file() reads text files only", name)
	}
	if l.included == nil {
		l.included = map[string]string{}
	}
	l.included[name] = string(src)
	return string(src), nil
}
