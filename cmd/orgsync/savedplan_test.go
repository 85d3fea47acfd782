package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/planfile"
)

// saveReviewedPlan edits e2eBase's viewer description (one change) and saves the
// plan; it returns the plan file's path.
func saveReviewedPlan(tn *e2eTenant, args ...string) string {
	tn.t.Helper()
	path := filepath.Join(tn.t.TempDir(), "plan.bin")
	tn.must(exitOK, append([]string{"plan", "-out", path}, args...)...)
	return path
}

// rewritePlanFile decodes a plan file, lets mutate change its payload and
// writes it back: with the old signature when resign is "" (a tampered
// file), else signed with resign (a file made by someone who holds the
// secret).
func rewritePlanFile(t *testing.T, path string, mutate func(payload map[string]any), resign string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(env["plan_file"], &payload); err != nil {
		t.Fatal(err)
	}
	mutate(payload)
	if resign != "" {
		var p planfile.Plan
		b, _ := json.Marshal(payload)
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		if err := planfile.Write(path, &p, resign); err != nil {
			t.Fatal(err)
		}
		return
	}
	body, err := json.MarshalIndent(payload, "  ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	env["plan_file"] = body
	out, _ := json.MarshalIndent(env, "", "  ")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// planOf returns the "plan" object of a plan file payload.
func planOf(payload map[string]any) map[string]any { return payload["plan"].(map[string]any) }

// TestE2ESavedPlanTampered: a plan file that was edited, truncated or signed
// with another secret is refused before anything is read from or sent to
// the tenant.
func TestE2ESavedPlanTampered(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	acme := tn.liveOrg("Acme")
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`)
	tampers := map[string]func(t *testing.T, path string){
		"extra operation": func(t *testing.T, path string) {
			rewritePlanFile(t, path, func(p map[string]any) {
				pl := planOf(p)
				pl["operations"] = append(pl["operations"].([]any), map[string]any{
					"stage": 1, "kind": "delete_organization", "address": "organization.acme", "covers": []any{},
					"parameters": map[string]any{"organization": acme.ID}})
			}, "")
		},
		"edited record edit": func(t *testing.T, path string) {
			rewritePlanFile(t, path, func(p map[string]any) {
				planOf(p)["record_edits"] = []any{map[string]any{"kind": "prevent_destroy", "id": acme.ID, "remove": true}}
			}, "")
		},
		"edited change": func(t *testing.T, path string) {
			rewritePlanFile(t, path, func(p map[string]any) {
				c := planOf(p)["changes"].([]any)[0].(map[string]any)
				c["address"] = "organization.acme"
			}, "")
		},
		"edited configuration": func(t *testing.T, path string) {
			rewritePlanFile(t, path, func(p map[string]any) {
				p["allow_mass_delete"] = true
			}, "")
		},
		"truncated": func(t *testing.T, path string) {
			raw, _ := os.ReadFile(path)
			if err := os.WriteFile(path, raw[:len(raw)/2], 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"signed with another secret": func(t *testing.T, path string) {
			rewritePlanFile(t, path, func(map[string]any) {}, "not-the-application-secret")
		},
	}
	for name, tamper := range tampers {
		t.Run(name, func(t *testing.T) {
			path := saveReviewedPlan(tn)
			tamper(t, path)
			before := tn.requests()
			r := tn.runWith(e2eOpts{planFile: true}, "apply", path)
			r.expect(t, exitError)
			want := "not authentic"
			if name == "truncated" {
				want = "damaged or truncated"
			}
			if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "re-run `orgsync plan -out`") {
				t.Errorf("stderr does not say the file is %s:\n%s", want, r.stderr)
			}
			if n := tn.requests() - before; n != 0 {
				t.Errorf("%d requests reached the tenant for a %s plan file", n, name)
			}
			if tn.liveOrg("Acme") == nil {
				t.Fatal("the organization was deleted")
			}
			if d := tn.role("viewer").Description; d == nil || *d != "Reads documents" {
				t.Errorf("a refused plan file changed the tenant: viewer description %v", d)
			}
		})
	}
}

// TestE2ESavedPlanNeverExecutesItsOperations: even a correctly signed file
// whose operations were replaced only steers what apply recomputes; the
// operations in it are never sent.
func TestE2ESavedPlanNeverExecutesItsOperations(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	acme := tn.liveOrg("Acme")
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`)
	path := saveReviewedPlan(tn)
	rewritePlanFile(t, path, func(p map[string]any) {
		planOf(p)["operations"] = []any{map[string]any{
			"stage": 1, "kind": "delete_organization", "address": "organization.acme", "covers": []any{},
			"parameters": map[string]any{"organization": acme.ID}}}
	}, tn.secret)
	r := tn.runWith(e2eOpts{planFile: true}, "apply", path)
	r.expect(t, exitOK)
	if !strings.Contains(r.stdout, "Apply complete! 0 added, 1 changed, 0 destroyed.") {
		t.Errorf("apply PLANFILE:\n%s", r.stdout)
	}
	if tn.liveOrg("Acme") == nil {
		t.Fatal("an operation read from the plan file was executed: the organization is gone")
	}
	if d := tn.role("viewer").Description; d == nil || *d != "Reads every document" {
		t.Errorf("the recomputed plan was not applied: viewer description %v", d)
	}
}

// TestE2ESavedPlanIgnoresUnrelatedLiveChanges: live changes that leave the
// planned changes as they were do not make a saved plan stale.
func TestE2ESavedPlanIgnoresUnrelatedLiveChanges(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	// Globex does not manage custom data or its description; Acme's members
	// are not exclusive.
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`)
	path := saveReviewedPlan(tn)
	ctx := context.Background()
	globex, acme := tn.liveOrg("Globex"), tn.liveOrg("Acme")
	if _, err := tn.C.UpdateOrganization(ctx, globex.ID, map[string]any{"customData": map[string]any{"seats": 12}, "description": "set by an app"}); err != nil {
		t.Fatal(err)
	}
	stranger := tn.user("stranger")
	if err := tn.C.AddOrganizationUsers(ctx, acme.ID, []string{stranger.ID}); err != nil {
		t.Fatal(err)
	}
	tn.org("Created by an app")

	r := tn.runWith(e2eOpts{planFile: true}, "apply", path)
	r.expect(t, exitOK)
	if !strings.Contains(r.stdout, "Apply complete! 0 added, 1 changed, 0 destroyed.") {
		t.Errorf("apply PLANFILE:\n%s\n%s", r.stdout, r.stderr)
	}
	if d := tn.role("viewer").Description; d == nil || *d != "Reads every document" {
		t.Errorf("viewer description %v", d)
	}
	if _, ok := tn.memberRoles(acme.ID)[stranger.ID]; !ok {
		t.Errorf("the member added outside orgsync was removed")
	}
}

// TestE2ESavedPlanStaleNamesTheChange: a change to an object the plan
// changes refuses the plan, naming the attribute, and changes nothing.
func TestE2ESavedPlanStaleNamesTheChange(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`)
	path := saveReviewedPlan(tn)
	viewer := tn.role("viewer")
	if _, err := tn.C.UpdateOrganizationRole(context.Background(), viewer.ID, map[string]any{"description": "Edited in the Console"}); err != nil {
		t.Fatal(err)
	}
	r := tn.runWith(e2eOpts{planFile: true}, "apply", path)
	r.expect(t, exitError)
	want := `role.` + tn.prefix + `viewer description: reviewed "Reads documents" -> "Reads every document", now "Edited in the Console" -> "Reads every document"`
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "Nothing was changed") {
		t.Errorf("stderr does not name the difference %q:\n%s", want, r.stderr)
	}
	if d := tn.role("viewer").Description; d == nil || *d != "Edited in the Console" {
		t.Errorf("a stale plan changed the tenant: viewer description %v", d)
	}
}

// TestE2ESavedPlanTargets: plan -target -out then apply applies the
// targeted changes only.
func TestE2ESavedPlanTargets(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`,
		`description = "Acme's workspace"`, `description = "Acme's new workspace"`)
	path := saveReviewedPlan(tn, "-target", "organization.acme")
	r := tn.runWith(e2eOpts{planFile: true}, "apply", path)
	r.expect(t, exitOK)
	if !strings.Contains(r.stdout, "Apply complete! 0 added, 1 changed, 0 destroyed.") {
		t.Errorf("apply of a targeted plan:\n%s\n%s", r.stdout, r.stderr)
	}
	if d := tn.liveOrg("Acme").Description; d == nil || *d != "Acme's new workspace" {
		t.Errorf("the targeted change was not applied: %v", d)
	}
	if d := tn.role("viewer").Description; d == nil || *d != "Reads documents" {
		t.Errorf("a change outside the target was applied: viewer description %v", *d)
	}
}

// TestE2ESavedPlanFlagsRefused: flags that would change the plan are an
// error together with a plan file, and nothing is read or changed.
func TestE2ESavedPlanFlagsRefused(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`)
	path := saveReviewedPlan(tn)
	for _, args := range [][]string{
		{"-c", tn.dir}, {"-var", "x=1"}, {"-var-file", path}, {"-target", "role.x"},
		{"-allow-destroy", "role.x"}, {"-allow-mass-delete"},
	} {
		before := tn.requests()
		r := tn.runWith(e2eOpts{planFile: true}, append(append([]string{"apply"}, args...), path)...)
		r.expect(t, exitError)
		if !strings.Contains(r.stderr, args[0]+" cannot be used with a saved plan") {
			t.Errorf("apply %v PLANFILE: stderr:\n%s", args, r.stderr)
		}
		if n := tn.requests() - before; n != 0 {
			t.Errorf("apply %v PLANFILE sent %d requests", args, n)
		}
	}
	if d := tn.role("viewer").Description; d == nil || *d != "Reads documents" {
		t.Errorf("viewer description %v", d)
	}
}

// TestE2EShowEqualsPlan: `show` prints a saved plan exactly as `plan`
// printed it, in every format, with no tenant.
func TestE2EShowEqualsPlan(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`,
		`roles = ["{{.P}}viewer"]`, `roles = ["{{.P}}editor"]`)
	for _, format := range []string{"text", "json", "markdown"} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.bin")
			planned := tn.must(exitOK, "plan", "-out", path, "-format", format)
			// No tenant: only the secret, to check the signature.
			r := tn.runWith(e2eOpts{env: map[string]string{"LOGTO_ENDPOINT": "", "LOGTO_APP_ID": ""}}, "show", "-format", format, path)
			r.expect(t, exitOK)
			if r.stdout != planned.stdout {
				t.Errorf("show differs from plan:\n%s", cmp.Diff(planned.stdout, r.stdout))
			}
			if format != "json" { // JSON holds the run's ids
				tn.golden("show."+map[string]string{"text": "txt", "markdown": "md"}[format], tn.normalize(r.stdout))
			}
			// Without the secret the plan is still shown, with a note.
			r = tn.runWith(e2eOpts{env: map[string]string{"LOGTO_APP_SECRET": ""}}, "show", "-format", format, path)
			r.expect(t, exitOK)
			if r.stdout != planned.stdout || !strings.Contains(r.stderr, "was not checked against its signature") {
				t.Errorf("show without the secret: stderr %q", r.stderr)
			}
		})
	}
	// A tampered file is refused by show too, when the secret is there.
	path := saveReviewedPlan(tn)
	rewritePlanFile(t, path, func(p map[string]any) { p["targets"] = []any{"role.x"} }, "")
	r := tn.run("show", path)
	r.expect(t, exitError)
	if !strings.Contains(r.stderr, "not authentic") {
		t.Errorf("show of a tampered file: %s", r.stderr)
	}
}

// TestE2EImpactOutPartialApply: -impact-out with apply PLANFILE is written
// also when the apply fails part-way, with what was done marked as such.
func TestE2EImpactOutPartialApply(t *testing.T) {
	tn := newE2E(t)
	tn.emulatorOnly()
	applyBase(tn)
	// A new permission is created (stage 1) and viewer gains an existing
	// one (stage 2, refresh for its holders), which fails.
	tn.config(strings.Replace(strings.Replace(e2eBase,
		`permissions = ["{{.P}}read:docs"]`, `permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]`, 1),
		`organization "globex" {`, `permission "{{.P}}audit:docs" {}

organization "globex" {`, 1))
	path := saveReviewedPlan(tn)
	impact := filepath.Join(t.TempDir(), "impact.json")
	// The role update of stage 2 fails: the permission create of stage 1 is done.
	tn.Emu.FailNext("PUT", "/api/organization-roles/", 422, "entity.relation_foreign_key_not_found")
	r := tn.runWith(e2eOpts{planFile: true}, "apply", "-impact-out", impact, path)
	r.expect(t, exitError)
	raw, err := os.ReadFile(impact)
	if err != nil {
		t.Fatalf("no impact file after a partial apply: %v\n%s", err, r.stderr)
	}
	var got struct {
		Status        string            `json:"status"`
		Organizations []json.RawMessage `json:"organizations"`
		Planned       []json.RawMessage `json:"planned"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "partial" || len(got.Organizations) != 0 || len(got.Planned) == 0 {
		t.Errorf("impact file of a partial apply: status %q, %d organizations done, %d planned\n%s",
			got.Status, len(got.Organizations), len(got.Planned), raw)
	}
	if !bytes.Contains(raw, []byte(`"planned"`)) {
		t.Errorf("impact file lacks the planned impact:\n%s", raw)
	}
}

// requests is the number of requests the tenant answered so far (emulator;
// 0 on a real Logto, where the checks that use it are vacuous and the state
// checks carry the test).
func (tn *e2eTenant) requests() int64 {
	if tn.real() {
		return 0
	}
	return tn.Emu.Requests()
}
