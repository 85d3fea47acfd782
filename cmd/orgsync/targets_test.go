package main

import (
	"strings"
	"testing"
)

// TestE2ETargetsNeverSilentlyEmpty: a malformed address is an error before
// anything is read; an address that matches nothing is an error naming the
// closest one; a targeted plan says it is not the whole plan.
func TestE2ETargetsNeverSilentlyEmpty(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`)

	before := tn.requests()
	r := tn.must(exitError, "plan", "-target", "organization.[[broken")
	if !strings.Contains(r.stderr, `-target "organization.[[broken" is not a valid address`) {
		t.Errorf("malformed target: %s", r.stderr)
	}
	r = tn.must(exitError, "apply", "-auto-approve", "-allow-destroy", "role.")
	if !strings.Contains(r.stderr, `-allow-destroy "role." is not a valid address`) {
		t.Errorf("malformed -allow-destroy: %s", r.stderr)
	}
	if n := tn.requests() - before; n != 0 {
		t.Errorf("malformed addresses sent %d requests", n)
	}

	for _, flag := range []string{"-target", "-allow-destroy"} {
		r = tn.must(exitError, "plan", "-detailed-exitcode", flag, "role."+tn.prefix+"viewr")
		if !strings.Contains(r.stderr, flag+" matches nothing") || !strings.Contains(r.stderr, "Did you mean role."+tn.prefix+"viewer?") {
			t.Errorf("%s that matches nothing:\n%s", flag, r.stderr)
		}
		if strings.Contains(r.stdout, "No changes") {
			t.Errorf("%s that matches nothing claims no changes:\n%s", flag, r.stdout)
		}
	}

	// A target without changes: no claim about the whole tenant.
	r = tn.must(exitOK, "plan", "-detailed-exitcode", "-target", "organization.globex")
	if !strings.Contains(r.stdout, "Targeting is in effect") || strings.Contains(r.stdout, "The tenant matches the configuration") ||
		!strings.Contains(r.stdout, "No changes. The targeted objects match the configuration; the rest was not planned.") {
		t.Errorf("targeted plan without changes:\n%s", r.stdout)
	}
	// A target with changes carries the warning too, in every format.
	r = tn.must(exitChanges, "plan", "-detailed-exitcode", "-target", "role."+tn.prefix+"viewer")
	if !strings.Contains(r.stdout, "Targeting is in effect: this plan covers only role."+tn.prefix+"viewer") {
		t.Errorf("targeted plan:\n%s", r.stdout)
	}
	p := tn.planJSON("-target", "role."+tn.prefix+"viewer")
	if len(p.Warnings) == 0 || !strings.HasPrefix(p.Warnings[0], "Targeting is in effect") {
		t.Errorf("JSON warnings: %v", p.Warnings)
	}
	r = tn.must(exitOK, "plan", "-format", "markdown", "-target", "role."+tn.prefix+"viewer")
	if !strings.Contains(r.stdout, "Targeting is in effect") {
		t.Errorf("markdown:\n%s", r.stdout)
	}
}
