package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoadSourcesAgain: a configuration loaded from its Sources (as a saved
// plan does) is the configuration first loaded, whatever happened to the
// directory, the variable files and the environment since.
func TestLoadSourcesAgain(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("main.hcl", `
variable "tier" { type = string }
variable "seats" { type = number }
variable "desc" { type = string }
variable "region" { type = string }
permission "read:x" { description = var.desc }
organization "acme" { custom_data = { tier = var.tier, seats = var.seats, region = var.region } }
`)
	write("more.hcl", `permission "write:x" {}`)
	varFile := write("values.vars", `seats = 5`)
	write(AutoVarsFile, `region = "eu"`)
	env := map[string]string{"ORGSYNC_VAR_desc": "from the environment"}
	res, diags := Load(Input{Dir: dir, Vars: []string{"tier=gold"}, VarFiles: []string{varFile},
		Getenv: func(k string) string { return env[k] }})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	js, err := json.Marshal(res.Sources)
	if err != nil {
		t.Fatal(err)
	}

	// Everything changes on disk and in the environment.
	write("main.hcl", `permission "other" {}`)
	os.Remove(filepath.Join(dir, "more.hcl"))
	write("values.vars", `seats = 9`)
	write(AutoVarsFile, `region = "us"`)
	env["ORGSYNC_VAR_desc"] = "changed"

	var saved Sources
	if err := json.Unmarshal(js, &saved); err != nil {
		t.Fatal(err)
	}
	again, diags := Load(Input{Dir: "ignored", Vars: []string{"tier=ignored"}, Sources: &saved})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if diff := cmp.Diff(res.Config, again.Config); diff != "" {
		t.Errorf("configuration loaded from its sources differs (-first +again):\n%s", diff)
	}
	if got := again.Config.Organizations[0].CustomData["seats"]; got != 5.0 {
		t.Errorf("seats = %v, want the 5 of the saved variables file", got)
	}
	if got := again.Config.Organizations[0].CustomData["region"]; got != "eu" {
		t.Errorf("region = %v, want the eu of the saved %s", got, AutoVarsFile)
	}
	if diff := cmp.Diff(res.Sources, again.Sources); diff != "" {
		t.Errorf("sources of the second load (-first +again):\n%s", diff)
	}
}
