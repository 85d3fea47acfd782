package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const sensitiveSecret = "hunter2-api-key"

// sensitiveConfig uses a sensitive variable, directly and through a local,
// in a description and in custom data.
const sensitiveConfig = `
variable "billing_key" {
  type      = string
  sensitive = true
}

locals {
  billing_note = "key ${var.billing_key}"
}

permission "{{.P}}read:docs" {
  description = local.billing_note
}

organization "acme" {
  name        = "{{.P}}Acme"
  description = "plain"
  custom_data = { tier = "gold", billing = { key = var.billing_key } }
}
`

// noSecret fails when the secret appears in any of outs.
func noSecret(t *testing.T, what string, outs ...string) {
	t.Helper()
	for _, o := range outs {
		if strings.Contains(o, sensitiveSecret) {
			t.Errorf("%s prints the sensitive value:\n%s", what, o)
		}
	}
}

// TestE2ESensitiveValuesRedacted: a sensitive variable's value, and every
// value derived from it, is printed as (sensitive value) by plan (text,
// markdown, JSON), show, apply, stale-plan messages and logs; the saved plan
// file carries it, readable by its owner only.
func TestE2ESensitiveValuesRedacted(t *testing.T) {
	tn := newE2E(t)
	tn.config(sensitiveConfig)
	env := e2eOpts{env: map[string]string{"ORGSYNC_VAR_billing_key": sensitiveSecret}}
	run := func(args ...string) *e2eRun {
		t.Helper()
		return tn.runWith(env, args...)
	}
	for _, format := range []string{"text", "json", "markdown"} {
		r := run("plan", "-format", format, "-log-level", "trace")
		r.expect(t, exitOK)
		noSecret(t, "plan -format "+format, r.stdout, r.stderr)
		if !strings.Contains(r.stdout, "(sensitive value)") {
			t.Errorf("plan -format %s does not mark the redacted values:\n%s", format, r.stdout)
		}
	}
	r := run("plan")
	for _, want := range []string{`\+ description\s+= \(sensitive value\)\n`, `\+ custom_data\s+= \(sensitive value\)\n`, `\+ description\s+= "plain"`} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("text plan lacks %q:\n%s", want, r.stdout)
		}
	}
	planFile := filepath.Join(t.TempDir(), "plan.bin")
	r = run("plan", "-out", planFile, "-format", "json")
	r.expect(t, exitOK)
	raw, _ := os.ReadFile(planFile)
	if !strings.Contains(string(raw), sensitiveSecret) {
		t.Errorf("the plan file does not carry the value it must apply")
	}
	if fi, _ := os.Stat(planFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v", fi.Mode().Perm())
	}
	for _, format := range []string{"text", "json", "markdown"} {
		r = run("show", "-format", format, planFile)
		r.expect(t, exitOK)
		noSecret(t, "show -format "+format, r.stdout, r.stderr)
	}
	r = tn.runWith(e2eOpts{planFile: true, env: env.env}, "apply", "-log-level", "trace", planFile)
	r.expect(t, exitOK)
	noSecret(t, "apply PLANFILE", r.stdout, r.stderr)
	r = run("apply", "-auto-approve", "-format", "json", "-log-level", "debug", "-log-format", "json")
	r.expect(t, exitOK)
	noSecret(t, "apply -format json", r.stdout, r.stderr)
	// The value was applied in full.
	if o := tn.liveOrg("Acme"); o == nil || !strings.Contains(o.CustomData["billing"].(map[string]any)["key"].(string), sensitiveSecret) {
		t.Fatalf("the sensitive custom data was not applied: %+v", o)
	}

	// A new value: plans say it changes without saying what to; a stale
	// saved plan names the attribute, not the values.
	env.env["ORGSYNC_VAR_billing_key"] = sensitiveSecret + "-rotated"
	r = run("plan", "-out", planFile)
	noSecret(t, "plan of a changed sensitive value", r.stdout, r.stderr)
	if !regexp.MustCompile(`~ custom_data\s+= \(sensitive value\)`).MatchString(r.stdout) {
		t.Errorf("the change of a sensitive value is not shown:\n%s", r.stdout)
	}
	acme := tn.liveOrg("Acme")
	if _, err := tn.C.UpdateOrganization(context.Background(), acme.ID, map[string]any{"customData": map[string]any{"billing": map[string]any{"key": sensitiveSecret + "-console"}}}); err != nil {
		t.Fatal(err)
	}
	r = tn.runWith(e2eOpts{planFile: true, env: env.env}, "apply", planFile)
	r.expect(t, exitError)
	noSecret(t, "a stale plan with sensitive values", r.stdout, r.stderr)
	if !strings.Contains(r.stderr, "organization.acme custom_data: reviewed (sensitive value), now (sensitive value), changed") {
		t.Errorf("stale plan:\n%s", r.stderr)
	}
}

// TestE2ESensitiveValueInAName: a sensitive value may not become a name or
// a label, which plans print in clear; the error does not print it either.
func TestE2ESensitiveValueInAName(t *testing.T) {
	tn := newE2E(t)
	tn.config(`
variable "billing_key" {
  type      = string
  sensitive = true
}

organization "acme" {
  name = var.billing_key
}
`)
	r := tn.runWith(e2eOpts{env: map[string]string{"ORGSYNC_VAR_billing_key": sensitiveSecret}}, "plan")
	r.expect(t, exitError)
	noSecret(t, "the error", r.stdout, r.stderr)
	if !strings.Contains(r.stderr, "Sensitive value not allowed here") || !strings.Contains(r.stderr, "main.hcl:8") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// TestE2ESensitiveDriftRedacted: when a value derived from a sensitive
// variable is changed in the Console, the drift report (which shows what
// orgsync applied and what is live) redacts both, as plans do, in every
// format.
func TestE2ESensitiveDriftRedacted(t *testing.T) {
	tn := newE2E(t)
	tn.config(sensitiveConfig)
	env := e2eOpts{env: map[string]string{"ORGSYNC_VAR_billing_key": sensitiveSecret}}
	tn.runWith(env, "apply", "-auto-approve").expect(t, exitOK)
	perm := tn.scope("read:docs")
	if _, err := tn.C.UpdateOrganizationScope(context.Background(), perm.ID, map[string]any{"description": "edited in the Console"}); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json", "markdown"} {
		r := tn.runWith(env, "plan", "-format", format)
		r.expect(t, exitOK)
		if !strings.Contains(r.stdout, "Changes outside orgsync") && !strings.Contains(r.stdout, `"drift": [
    {`) {
			t.Errorf("%s plan does not report the drift:\n%s", format, r.stdout)
		}
		if !strings.Contains(r.stdout, "(sensitive value)") {
			t.Errorf("%s plan does not redact what orgsync applied:\n%s", format, r.stdout)
		}
		noSecret(t, format+" plan with drift", r.stdout, r.stderr)
	}
}
