package main

import (
	"os"
	"path/filepath"
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
