package spec

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestVariableTypeErrors: a value that does not fit the variable's type
// names the type expected, what was given and where, and shows how to write
// it there.
func TestVariableTypeErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.hcl"), `
variable "support_staff" {
  type    = list(string)
  default = []
}
variable "n" {
  type    = number
  default = 1
}
variable "tier" {
  type    = object({ name = string, seats = number })
  default = { name = "free", seats = 1 }
}
permission "p" {
  description = "${length(var.support_staff)} ${var.n} ${var.tier.name}"
}
`)
	file := filepath.Join(t.TempDir(), "values.vars")
	write(t, file, "support_staff = \"a@x.com\"\n")
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "ORGSYNC_VAR_support_staff" {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"-var, not an expression", Input{Vars: []string{"support_staff=a@x.com"}},
			`Variable "support_staff" expects list(string); the value given with -var, "a@x.com", is not an HCL expression (only string variables take a value as it is). Write it as an HCL expression: -var 'support_staff=["a@x.com"]'`},
		{"-var, a quoted string", Input{Vars: []string{`support_staff="a@x.com"`}},
			`Variable "support_staff" expects list(string); the value given with -var is a string. Write it as an HCL expression: -var 'support_staff=["a@x.com"]'`},
		{"-var, a number", Input{Vars: []string{`n="many"`}},
			`Variable "n" expects number; the value given with -var is a string. Write it as an HCL expression: -var 'n=1'`},
		{"-var, an object", Input{Vars: []string{`tier=["pro"]`}},
			`Variable "tier" expects object({name=string,seats=number}); the value given with -var is a list. Write it as an HCL expression: -var 'tier={ name = "text", seats = 1 }'`},
		{"environment, a comma list", Input{Getenv: env("a@x.com, b@x.com")},
			`Variable "support_staff" expects list(string); the value given in ORGSYNC_VAR_support_staff, "a@x.com, b@x.com", is not an HCL expression (only string variables take a value as it is). Write it as an HCL expression: ORGSYNC_VAR_support_staff='["a@x.com", "b@x.com"]'`},
		{"variables file", Input{VarFiles: []string{file}},
			`Variable "support_staff" expects list(string); the value given in ` + file + ` is a string. For example: support_staff = ["a@x.com"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Dir = dir
			_, diags := Load(tt.in)
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %d:\n%s", len(diags), diags.Error())
			}
			d := diags[0]
			if d.Summary != "Invalid value for variable" || d.Detail != tt.want || d.Subject == nil {
				t.Errorf("got %s: %s\nwant detail: %s", d.Summary, d.Detail, tt.want)
			}
		})
	}
}

func TestExampleValue(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.hcl"), `
variable "m" { type = map(number) }
variable "b" { type = bool }
variable "s" { type = set(number) }
`)
	_, diags := Load(Input{Dir: dir, Vars: []string{"m=x", "b=1", "s=1,2"}})
	var got string
	for _, d := range diags {
		got += d.Detail + "\n"
	}
	for _, want := range []string{`-var 'm={ key = 1 }'`, `-var 'b=true'`, `-var 's=[1, 2]'`} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %s:\n%s", want, got)
		}
	}
}

// TestAutoVarsFile: orgsync.vars in the configuration directory is read
// after the environment and before -var-file and -var.
func TestAutoVarsFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.hcl"), `
variable "v" {
  type    = string
  default = "default"
}
variable "staff" {
  type    = list(string)
  default = []
}
permission "p" { description = "${var.v} ${join(",", var.staff)}" }
`)
	write(t, filepath.Join(dir, AutoVarsFile), "v = \"auto\"\nstaff = [\"a@x.com\"]\n")
	file := filepath.Join(t.TempDir(), "one.vars")
	write(t, file, `v = "file"`)
	env := func(k string) string {
		if k == "ORGSYNC_VAR_v" {
			return "env"
		}
		return ""
	}
	for _, tt := range []struct {
		name string
		in   Input
		want string
	}{
		{"over the default", Input{}, "auto a@x.com"},
		{"over the environment", Input{Getenv: env}, "auto a@x.com"},
		{"under -var-file", Input{Getenv: env, VarFiles: []string{file}}, "file a@x.com"},
		{"under -var", Input{Vars: []string{"v=flag"}}, "flag a@x.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Dir = dir
			res, diags := Load(tt.in)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := res.Config.Permissions[0].Description; got != tt.want {
				t.Errorf("description = %q, want %q", got, tt.want)
			}
		})
	}

	// Its mistakes are reported like a -var-file's, at the line in it.
	write(t, filepath.Join(dir, AutoVarsFile), "v = \"auto\"\nstaf = []\n")
	_, diags := Load(Input{Dir: dir})
	if len(diags) != 1 || diags[0].Summary != "Value for undeclared variable" || diags[0].Subject.Filename != filepath.Join(dir, AutoVarsFile) ||
		diags[0].Subject.Start.Line != 2 || !strings.Contains(diags[0].Detail, `Did you mean "staff"?`) {
		t.Errorf("undeclared variable in %s: %v", AutoVarsFile, diags)
	}

	// It is not configuration: a directory holding only it has no
	// configuration files.
	only := t.TempDir()
	write(t, filepath.Join(only, AutoVarsFile), `v = "x"`)
	if _, diags := Load(Input{Dir: only}); !diags.HasErrors() || diags[0].Summary != "No configuration files" {
		t.Errorf("a directory with only %s: %v", AutoVarsFile, diags)
	}
}
