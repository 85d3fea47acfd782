package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs orgsync in-process with buffers for stdout and stderr.
func runCmd(t *testing.T, getenv map[string]string, args ...string) (code exitCode, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{
		ctx:    context.Background(),
		s:      streams{In: strings.NewReader(""), Out: &out, Err: &errb},
		getenv: func(k string) string { return getenv[k] },
	}
	code = run(e, args)
	return code, out.String(), errb.String()
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestValidateExample(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "validate", "-c", "../../examples/saas")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	want := "Success! The configuration is valid.\n8 permissions, 4 roles, 4 organizations, 7 members, 1 application.\n"
	if out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
	if errOut != "" {
		t.Errorf("stderr = %q, want nothing", errOut)
	}
}

const invalidConfig = `permission "invite:member" {}

role "admin" {
  permissions = ["invite:membr"]
}
`

func TestValidateInvalid(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.hcl": invalidConfig})
	code, out, errOut := runCmd(t, nil, "validate", "-c", dir)
	if code != exitError {
		t.Fatalf("exit %d, want 1", code)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	for _, want := range []string{
		"Error: Reference to undeclared permission",
		filepath.Join(dir, "main.hcl") + ":4:18",
		`Did you mean "invite:member"?`,
		`  4:   permissions = ["invite:membr"]`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "\x1b[") {
		t.Error("stderr has color codes although it is not a terminal")
	}
}

func TestValidateJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.hcl": invalidConfig})
	code, out, errOut := runCmd(t, nil, "validate", "-json", "-c", dir)
	if code != exitError {
		t.Fatalf("exit %d, want 1; stderr %s", code, errOut)
	}
	var got struct {
		Valid        bool `json:"valid"`
		ErrorCount   int  `json:"error_count"`
		WarningCount int  `json:"warning_count"`
		Diagnostics  []struct {
			Severity string `json:"severity"`
			Summary  string `json:"summary"`
			Range    struct {
				Filename string `json:"filename"`
				Start    struct{ Line, Column, Byte int }
			} `json:"range"`
			Snippet struct {
				Code      string `json:"code"`
				StartLine int    `json:"start_line"`
			} `json:"snippet"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if got.Valid || got.ErrorCount != 1 || got.WarningCount != 0 || len(got.Diagnostics) != 1 {
		t.Fatalf("got %+v", got)
	}
	d := got.Diagnostics[0]
	if d.Severity != "error" || d.Summary != "Reference to undeclared permission" ||
		d.Range.Start.Line != 4 || d.Range.Start.Column != 18 || d.Snippet.StartLine != 4 ||
		!strings.Contains(d.Snippet.Code, "invite:membr") {
		t.Errorf("diagnostic = %+v", d)
	}

	code, out, _ = runCmd(t, nil, "validate", "-json", "-c", "../../examples/saas")
	if code != exitOK || !strings.Contains(out, `"valid": true`) {
		t.Errorf("valid config: exit %d, stdout %s", code, out)
	}
}

func TestValidateVariables(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.hcl": `
variable "name" { type = string }
variable "n" { type = number }
variable "staff" {
  type    = list(string)
  default = []
}
permission "p" { description = "${var.name}-${var.n}-${length(var.staff)}" }
`,
		"values.vars": `n = 2`,
	})
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want exitCode
		err  string
	}{
		{"missing", nil, nil, exitError, "No value for required variable"},
		{"flags", nil, []string{"-var", "name=x", "-var", "n=1"}, exitOK, ""},
		{"env and file", map[string]string{"ORGSYNC_VAR_name": "x"}, []string{"-var-file", filepath.Join(dir, "values.vars")}, exitOK, ""},
		{"bad number", nil, []string{"-var", "name=x", "-var", "n=\"abc\""}, exitError,
			`Variable "n" expects number; the value given with -var is a string. Write it as an HCL expression: -var 'n=1'`},
		{"list written as a string", nil, []string{"-var", "name=x", "-var", "n=1", "-var", "staff=a@x.com"}, exitError,
			`Variable "staff" expects list(string); the value given with -var, "a@x.com", is not an HCL expression (only string variables take a value as it is). Write it as an HCL expression: -var 'staff=["a@x.com"]'`},
		{"list from the environment", map[string]string{"ORGSYNC_VAR_staff": "a@x.com"}, []string{"-var", "name=x", "-var", "n=1"}, exitError,
			`Write it as an HCL expression: ORGSYNC_VAR_staff='["a@x.com"]'`},
		{"undeclared", nil, []string{"-var", "name=x", "-var", "n=1", "-var", "other=1"}, exitError, "Value for undeclared variable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"validate", "-c", dir}, tt.args...)
			code, _, errOut := runCmd(t, tt.env, args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.want, errOut)
			}
			if tt.err != "" && !strings.Contains(errOut, tt.err) {
				t.Errorf("stderr lacks %q:\n%s", tt.err, errOut)
			}
		})
	}
}

func TestValidateColor(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.hcl": invalidConfig})
	for _, tt := range []struct {
		name    string
		tty     bool
		noColor string
		want    bool
	}{
		{"terminal", true, "", true},
		{"NO_COLOR", true, "1", false},
		{"pipe", false, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := &env{ctx: context.Background(),
				s:      streams{Out: &out, Err: &errb, ErrTTY: tt.tty},
				getenv: func(k string) string { return map[string]string{"NO_COLOR": tt.noColor}[k] }}
			if code := run(e, []string{"validate", "-c", dir}); code != exitError {
				t.Fatalf("exit %d", code)
			}
			if got := strings.Contains(errb.String(), "\x1b["); got != tt.want {
				t.Errorf("color = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateUsage(t *testing.T) {
	if code, _, errOut := runCmd(t, nil, "validate", "extra"); code != exitError || !strings.Contains(errOut, "unexpected argument") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCmd(t, nil, "validate", "-nope"); code != exitError {
		t.Errorf("unknown flag: exit %d, want 1", code)
	}
	if code, _, errOut := runCmd(t, nil, "validate", "-c", filepath.Join(t.TempDir(), "missing")); code != exitError || !strings.Contains(errOut, "Cannot read configuration directory") {
		t.Errorf("missing dir: exit %d, stderr %q", code, errOut)
	}
}

// TestValidateAutoVarsFile: orgsync.vars in the configuration directory sets
// variables without a flag; -var still wins.
func TestValidateAutoVarsFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.hcl": `
variable "staff" { type = list(string) }
permission "p" { description = join(",", var.staff) }
`,
	})
	if code, _, errOut := runCmd(t, nil, "validate", "-c", dir); code != exitError || !strings.Contains(errOut, "No value for required variable") {
		t.Fatalf("without orgsync.vars: exit %d, stderr:\n%s", code, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "orgsync.vars"), []byte("staff = [\"a@x.com\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, nil, "validate", "-c", dir); code != exitOK || !strings.Contains(out, "Success!") {
		t.Errorf("with orgsync.vars: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "validate", "-c", dir, "-var", "staff=oops"); code != exitError || !strings.Contains(errOut, `-var 'staff=["oops"]'`) {
		t.Errorf("-var over orgsync.vars: exit %d, stderr:\n%s", code, errOut)
	}
}

// TestValidateTemplateInLabel: a computed member label points to dynamic
// "member" with labels, not to HCL's "$$" escape.
func TestValidateTemplateInLabel(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.hcl": `locals { domain = "acme.com" }
role "admin" {}
organization "acme" {
  member "alice@${local.domain}" { roles = ["admin"] }
}
`})
	code, _, errOut := runCmd(t, nil, "validate", "-c", dir)
	if code != exitError {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"Error: Expression in a block label",
		filepath.Join(dir, "main.hcl") + ":4:10",
		`  dynamic "member" {`,
		`    for_each = ["alice@${local.domain}"]`,
		`    labels   = [member.value]`,
		`    content { roles = ["admin"] }`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "double it") {
		t.Errorf("stderr still suggests escaping the template:\n%s", errOut)
	}
}
