package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const uglyConfig = `permission "a" {
description="x"
  previous_names   =   []
}
`

const canonicalConfig = `permission "a" {
  description    = "x"
  previous_names = []
}
`

func TestFmtRewrites(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.hcl": uglyConfig, "b.hcl": canonicalConfig, "notes.txt": "x  =  1\n"})
	code, out, errOut := runCmd(t, nil, "fmt", "-c", dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if want := filepath.Join(dir, "a.hcl") + "\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
	for name, want := range map[string]string{"a.hcl": canonicalConfig, "b.hcl": canonicalConfig, "notes.txt": "x  =  1\n"} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// Idempotent: a second run changes nothing.
	if code, out, _ := runCmd(t, nil, "fmt", "-check", "-c", dir); code != exitOK || out != "" {
		t.Errorf("second run: exit %d, stdout %q", code, out)
	}
}

func TestFmtCheck(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.hcl": uglyConfig})
	code, out, _ := runCmd(t, nil, "fmt", "-check", "-c", dir)
	if code != exitError {
		t.Errorf("exit %d, want 1", code)
	}
	if want := filepath.Join(dir, "a.hcl") + "\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "a.hcl")); string(got) != uglyConfig {
		t.Error("-check rewrote the file")
	}
}

func TestFmtDiff(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.hcl": uglyConfig})
	path := filepath.Join(dir, "a.hcl")
	code, out, _ := runCmd(t, nil, "fmt", "-check", "-diff", path)
	if code != exitError {
		t.Errorf("exit %d, want 1", code)
	}
	want := path + "\n" +
		"--- " + path + "\n+++ " + path + "\n" +
		"@@ -1,4 +1,4 @@\n" +
		` permission "a" {` + "\n" +
		`-description="x"` + "\n" +
		`-  previous_names   =   []` + "\n" +
		`+  description    = "x"` + "\n" +
		`+  previous_names = []` + "\n" +
		" }\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
}

func TestFmtParseError(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.hcl": "permission \"a\" {\n  description = \n", "ok.hcl": uglyConfig})
	code, _, errOut := runCmd(t, nil, "fmt", "-c", dir)
	if code != exitError {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut, filepath.Join(dir, "bad.hcl")+":") || !strings.Contains(errOut, "Error: ") {
		t.Errorf("stderr lacks a diagnostic for bad.hcl:\n%s", errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "bad.hcl")); !strings.HasPrefix(string(got), "permission \"a\" {\n  description = \n") {
		t.Error("the broken file was rewritten")
	}
}

func TestUnifiedDiffHunks(t *testing.T) {
	var a, b []string
	for i := 0; i < 20; i++ {
		a = append(a, "line"+string(rune('a'+i)))
	}
	b = append(b, a...)
	b[1] = "changed"
	b[18] = "changed too"
	var sb strings.Builder
	writeUnifiedDiff(&sb, "f", strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n")
	got := sb.String()
	if n := strings.Count(got, "@@ -"); n != 2 {
		t.Errorf("want 2 hunks, got %d:\n%s", n, got)
	}
	for _, want := range []string{"@@ -1,5 +1,5 @@", "-lineb\n+changed\n", "@@ -16,5 +16,5 @@", "-lines\n+changed too\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
}

// TestFmtVarsFile: fmt formats orgsync.vars along with the configuration.
func TestFmtVarsFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.hcl": canonicalConfig, "orgsync.vars": "staff=[\"a@x.com\"]\nn   = 1\n", "other.vars": "x=1\n"})
	code, out, errOut := runCmd(t, nil, "fmt", "-c", dir)
	if code != exitOK || out != filepath.Join(dir, "orgsync.vars")+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "orgsync.vars")); string(got) != "staff = [\"a@x.com\"]\nn     = 1\n" {
		t.Errorf("orgsync.vars = %q", got)
	}
}

// TestDiffLinesShortest checks the edit script on random texts: it turns a
// into b, and it is as short as the longest common subsequence allows.
func TestDiffLinesShortest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func() []string {
		lines := make([]string, rng.IntN(12))
		for i := range lines {
			lines[i] = string(rune('a' + rng.IntN(4)))
		}
		return lines
	}
	for range 3000 {
		a, b := gen(), gen()
		ops := diffLines(a, b)
		var gotA, gotB []string
		edits := 0
		for i, op := range ops {
			if op.a != len(gotA) || op.b != len(gotB) {
				t.Fatalf("%q -> %q: op %d at (%d,%d), want (%d,%d)", a, b, i, op.a, op.b, len(gotA), len(gotB))
			}
			if op.kind != '+' {
				gotA = append(gotA, op.text)
			}
			if op.kind != '-' {
				gotB = append(gotB, op.text)
			}
			if op.kind != ' ' {
				edits++
			}
			if op.kind == '+' && i+1 < len(ops) && ops[i+1].kind == '-' {
				t.Fatalf("%q -> %q: an added line before a removed one in %v", a, b, ops)
			}
		}
		if !slices.Equal(gotA, a) || !slices.Equal(gotB, b) {
			t.Fatalf("%q -> %q: the script gives %q -> %q", a, b, gotA, gotB)
		}
		if want := len(a) + len(b) - 2*lcsLength(a, b); edits != want {
			t.Fatalf("%q -> %q: %d edits, want %d", a, b, edits, want)
		}
	}
}

func lcsLength(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := range a {
		cur := make([]int, len(b)+1)
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}

// TestFmtDiffLargeFile: a large file with two small changes gets two small
// hunks, not a whole-file replacement.
func TestFmtDiffLargeFile(t *testing.T) {
	var ugly, canonical strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&canonical, "permission \"p%04d\" {\n  description = \"x\"\n}\n", i)
		if i == 10 || i == 2400 {
			fmt.Fprintf(&ugly, "permission \"p%04d\" {\ndescription=\"x\"\n}\n", i)
		} else {
			fmt.Fprintf(&ugly, "permission \"p%04d\" {\n  description = \"x\"\n}\n", i)
		}
	}
	dir := writeFiles(t, map[string]string{"big.hcl": ugly.String()})
	path := filepath.Join(dir, "big.hcl")
	code, out, errOut := runCmd(t, nil, "fmt", "-check", "-diff", path)
	if code != exitError {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	want := path + "\n--- " + path + "\n+++ " + path + "\n" +
		"@@ -29,7 +29,7 @@\n" +
		`   description = "x"` + "\n }\n permission \"p0010\" {\n" +
		`-description="x"` + "\n" + `+  description = "x"` + "\n }\n permission \"p0011\" {\n" + `   description = "x"` + "\n" +
		"@@ -7199,7 +7199,7 @@\n"
	if !strings.HasPrefix(out, want) || strings.Count(out, "@@ -") != 2 || strings.Count(out, "\n") > 40 {
		t.Errorf("stdout:\n%.2000s\nwant it to start with:\n%s", out, want)
	}
}

// TestUnifiedDiffFinalNewline: adding the missing final newline is shown.
func TestUnifiedDiffFinalNewline(t *testing.T) {
	var sb strings.Builder
	writeUnifiedDiff(&sb, "f", "a\nb", "a\nb\n")
	want := "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
	if sb.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", sb.String(), want)
	}
}
