package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/rhysd/actionlint"
)

// TestCIExamplesActionlint lints the GitHub workflows of examples/ci with
// actionlint (expressions, contexts, step outputs, action inputs), the
// checker GitHub users run on their own workflows.
func TestCIExamplesActionlint(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(ciExamplesDir, "github", "*.yml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no workflows under examples/ci/github: %v", err)
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Oneline: true})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("actionlint: %s", e.Error())
	}
	// The linter does find errors (an undefined step output).
	bad := []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.nope.outputs.x }}\n")
	if errs, err := l.Lint("bad.yml", bad, nil); err != nil || len(errs) == 0 {
		t.Errorf("actionlint found nothing wrong in a broken workflow (%v)", err)
	}
}
