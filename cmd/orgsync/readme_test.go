package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hclSnippet is one ```hcl block of a Markdown file.
type hclSnippet struct {
	file string
	line int // of the opening fence
	src  string
}

// hclSnippets extracts the ```hcl blocks of a Markdown file.
func hclSnippets(t *testing.T, path string) []hclSnippet {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []hclSnippet
	var cur *hclSnippet
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fence := strings.TrimSpace(line)
		switch {
		case cur == nil && fence == "```hcl":
			cur = &hclSnippet{file: path, line: n}
		case cur != nil && fence == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.src += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: the ```hcl block is not closed", path, cur.line)
	}
	return out
}

// markdownFiles are the README and every Markdown file under examples/.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"../../README.md"}
	err := filepath.WalkDir("../../examples", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestDocumentedConfigurations: every HCL snippet of the README and of the
// examples' Markdown is a complete configuration that `orgsync validate`
// accepts, each on its own.
func TestDocumentedConfigurations(t *testing.T) {
	var snippets []hclSnippet
	for _, f := range markdownFiles(t) {
		snippets = append(snippets, hclSnippets(t, f)...)
	}
	if len(snippets) == 0 {
		t.Fatal("no ```hcl blocks found: the extraction is broken")
	}
	for _, s := range snippets {
		dir := writeFiles(t, map[string]string{"main.hcl": s.src})
		code, out, errOut := runCmd(t, nil, "validate", "-c", dir)
		if code != exitOK {
			t.Errorf("%s:%d: the ```hcl block does not validate (exit %d):\n%s%s", s.file, s.line, code, out, errOut)
		}
	}
}

// TestExampleConfigurations: every directory under examples/ that holds
// *.hcl files is a configuration `orgsync validate` accepts.
func TestExampleConfigurations(t *testing.T) {
	dirs := map[string]bool{}
	err := filepath.WalkDir("../../examples", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".hcl") {
			dirs[filepath.Dir(path)] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !dirs[filepath.Join("..", "..", "examples", "saas")] {
		t.Fatalf("examples/saas not found among %v", dirs)
	}
	for dir := range dirs {
		code, out, errOut := runCmd(t, nil, "validate", "-c", dir)
		if code != exitOK {
			t.Errorf("%s does not validate (exit %d):\n%s%s", dir, code, out, errOut)
		}
		if code, out, _ := runCmd(t, nil, "fmt", "-check", "-c", dir); code != exitOK {
			t.Errorf("%s is not canonically formatted: %s", dir, out)
		}
	}
}
