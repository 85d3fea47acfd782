package spec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/spec")

const goldenRoot = "../../testdata/spec"

// caseInput is the optional input.json of a golden case: what the command
// line and the environment would pass. var_files are relative to the case.
type caseInput struct {
	Vars     []string          `json:"vars"`
	VarFiles []string          `json:"var_files"`
	Env      map[string]string `json:"env"`
}

// TestGolden loads every testdata/spec/<case> directory and compares the
// diagnostics (text and JSON), the exit code and, for valid cases, the
// decoded configuration with the golden files.
func TestGolden(t *testing.T) {
	entries, err := os.ReadDir(goldenRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join(goldenRoot, e.Name())
			in := Input{Dir: dir}
			if raw, err := os.ReadFile(filepath.Join(dir, "input.json")); err == nil {
				var ci caseInput
				if err := json.Unmarshal(raw, &ci); err != nil {
					t.Fatalf("input.json: %v", err)
				}
				in.Vars = ci.Vars
				for _, f := range ci.VarFiles {
					in.VarFiles = append(in.VarFiles, filepath.Join(dir, f))
				}
				in.Getenv = func(k string) string { return ci.Env[k] }
			}
			res, diags := Load(in)
			if (res.Config == nil) != diags.HasErrors() {
				t.Fatalf("Config nil = %v, but diags.HasErrors() = %v", res.Config == nil, diags.HasErrors())
			}
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without a subject: %s", d.Error())
				}
			}
			var text, js bytes.Buffer
			if err := WriteDiagnostics(&text, res.Files, diags, false); err != nil {
				t.Fatal(err)
			}
			if err := DiagnosticsJSON(&js, diags, res.Files); err != nil {
				t.Fatal(err)
			}
			exit := "0\n"
			if diags.HasErrors() {
				exit = "1\n"
			}
			got := map[string]string{
				"diags.txt":  text.String(),
				"diags.json": js.String(),
				"exit_code":  exit,
			}
			if res.Config != nil {
				cfg, err := json.MarshalIndent(res.Config, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got["config.json"] = string(cfg) + "\n"
			}
			for name, content := range got {
				content = strings.ReplaceAll(content, dir+string(filepath.Separator), "")
				content = strings.ReplaceAll(content, dir, ".")
				golden := filepath.Join(dir, name)
				if *update {
					if err := os.WriteFile(golden, []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if d := cmp.Diff(string(want), content); d != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", name, d)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil && res.Config == nil && !*update {
				t.Errorf("config.json exists but the configuration is invalid")
			}
			if *update && res.Config == nil {
				os.Remove(filepath.Join(dir, "config.json"))
			}
		})
	}
}

func TestPos(t *testing.T) {
	res, diags := Load(Input{Dir: filepath.Join(goldenRoot, "unknown_permission")})
	if res.Config != nil || len(diags) == 0 {
		t.Fatal("want diagnostics")
	}
	got := Pos(*diags[0].Subject)
	want := filepath.Join(goldenRoot, "unknown_permission", "main.hcl") + ":"
	if !strings.HasPrefix(got, want) {
		t.Errorf("Pos = %q, want prefix %q", got, want)
	}
}

func TestDidYouMean(t *testing.T) {
	tests := []struct {
		given string
		cands []string
		want  string
	}{
		{"invite:membr", []string{"manage:billing", "invite:member"}, ` Did you mean "invite:member"?`},
		{"adnim", []string{"admin", "member"}, ` Did you mean "admin"?`},
		{"xyz", []string{"admin", "member"}, ""},
		{"user", []string{"MachineToMachine", "User"}, ` Did you mean "User"?`},
		{"ab", []string{"ac", "aa"}, ` Did you mean "aa"?`}, // ties: sorted order
		{"x", nil, ""},
	}
	for _, tt := range tests {
		if got := didYouMean(tt.given, tt.cands); got != tt.want {
			t.Errorf("didYouMean(%q, %q) = %q, want %q", tt.given, tt.cands, got, tt.want)
		}
	}
}

func TestTopoSort(t *testing.T) {
	sorted, cycles := topoSort([]string{"a", "b", "c", "d", "e"}, map[string][]string{
		"a": {"b"}, "b": {"c"}, "d": {"e"}, "e": {"d"},
	})
	if d := cmp.Diff([]string{"c", "b", "a"}, sorted); d != "" {
		t.Errorf("sorted (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"d", "e"}}, cycles); d != "" {
		t.Errorf("cycles (-want +got):\n%s", d)
	}
}

// TestVariablePrecedence checks default < env < -var-file < -var for one
// variable at a time, so that each layer is seen winning over the last.
func TestVariablePrecedence(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.hcl"), `
variable "v" {
  type    = string
  default = "default"
}
permission "p" { description = var.v }
`)
	f1 := filepath.Join(t.TempDir(), "one.vars")
	f2 := filepath.Join(t.TempDir(), "two.vars")
	write(t, f1, `v = "file1"`)
	write(t, f2, `v = "file2"`)
	env := func(k string) string {
		if k == "ORGSYNC_VAR_v" {
			return "env"
		}
		return ""
	}
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"default", Input{}, "default"},
		{"env", Input{Getenv: env}, "env"},
		{"var-file over env", Input{Getenv: env, VarFiles: []string{f1}}, "file1"},
		{"later var-file", Input{Getenv: env, VarFiles: []string{f1, f2}}, "file2"},
		{"var over var-file", Input{Getenv: env, VarFiles: []string{f2}, Vars: []string{"v=flag"}}, "flag"},
		{"last var", Input{Vars: []string{"v=first", "v=last=with=equals"}}, "last=with=equals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Dir = dir
			res, diags := Load(tt.in)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := res.Config.Permissions[0].Description; got != tt.want {
				t.Errorf("var.v = %q, want %q", got, tt.want)
			}
		})
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCustomDataRoundTrip checks that custom_data survives encoding/json
// unchanged, numbers included.
func TestCustomDataRoundTrip(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.hcl"), `
organization "o" {
  custom_data = {
    n = 1.5
    big = 12345678901
    neg = -3
    s = "x"
    b = true
    z = null
    l = [1, "two", false]
    o = { nested = { deep = 0.25 } }
  }
}
`)
	res, diags := Load(Input{Dir: dir})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	cd := res.Config.Organizations[0].CustomData
	raw, err := json.Marshal(cd)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(cd, back); d != "" {
		t.Errorf("round trip (-before +after):\n%s", d)
	}
	if got, ok := cd["big"].(float64); !ok || got != 12345678901 {
		t.Errorf("big = %#v, want float64 12345678901", cd["big"])
	}
	if v, ok := cd["z"]; !ok || v != nil {
		t.Errorf("z = %#v, want a null entry", v)
	}
}

func TestWriteDiagnosticsColor(t *testing.T) {
	res, diags := Load(Input{Dir: filepath.Join(goldenRoot, "unknown_permission")})
	var plain, color bytes.Buffer
	if err := WriteDiagnostics(&plain, res.Files, diags, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteDiagnostics(&color, res.Files, diags, true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain output has ANSI escapes")
	}
	if !strings.Contains(color.String(), "\x1b[31m") {
		t.Error("color output has no red")
	}
	stripped := stripANSI(color.String())
	if stripped != plain.String() {
		t.Errorf("color output without escapes differs from plain:\n%s\n---\n%s", stripped, plain.String())
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
