package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// driftLines describes a plan's drift as "address action attr:applied->live"
// lines (prefix removed), and its changes as "address classification".
func (tn *e2eTenant) driftLines(p *jsonPlan) (drift, classes []string) {
	for _, d := range p.Drift {
		line := tn.strip(d.Address) + " " + d.Action
		if !d.Planned {
			line += " (agreed)"
		}
		for _, a := range d.Attributes {
			applied := compactJSON(a.Applied)
			if a.Pending {
				applied = "pending"
			}
			line += fmt.Sprintf(" %s:%s->%s", a.Name, tn.strip(applied), tn.strip(compactJSON(a.Live)))
		}
		drift = append(drift, line)
	}
	for _, c := range p.Changes {
		class := "none"
		if c.Class != nil {
			class = *c.Class
		}
		classes = append(classes, tn.strip(c.Address)+" "+class)
	}
	sort.Strings(classes)
	return drift, classes
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func (tn *e2eTenant) exitOf(args ...string) exitCode {
	tn.t.Helper()
	return tn.run(args...).code
}

// TestE2EDriftClassified: changes made in the Console between applies show as drift
// (what orgsync applied, what is live), configuration edits as pending,
// both at once as both; -drift-only fails only on drift; an apply undoes
// the drift and the next plan shows none.
func TestE2EDriftClassified(t *testing.T) {
	tn := newE2E(t)
	_, bob := applyBase(tn)
	ctx := context.Background()
	if p := tn.planJSON(); p.LastApply == nil || p.LastApply.OrgsyncVersion == nil || p.LastApply.AppliedAt == "" || len(p.Drift) != 0 {
		t.Fatalf("after an apply: last_apply %+v, drift %+v", p.LastApply, p.Drift)
	}

	// Configuration edits only: pending, no drift.
	tn.edit(`description = "Reads documents"`, `description = "Reads docs"`)
	p := tn.planJSON()
	drift, classes := tn.driftLines(p)
	if len(drift) != 0 || strings.Join(classes, ";") != "role.viewer pending" {
		t.Errorf("a configuration edit: drift %q, changes %q; want no drift, role.viewer pending", drift, classes)
	}
	if got := tn.exitOf("plan", "-detailed-exitcode", "-drift-only"); got != exitOK {
		t.Errorf("plan -detailed-exitcode -drift-only with only configuration changes: exit %d, want 0", got)
	}
	if got := tn.exitOf("plan", "-detailed-exitcode"); got != exitChanges {
		t.Errorf("plan -detailed-exitcode with configuration changes: exit %d, want 2", got)
	}

	// Console edits: drift, undone by the plan.
	tn.edit()
	if _, err := tn.C.UpdateOrganizationRole(ctx, tn.role("editor").ID, map[string]any{"description": "Edited in the Console"}); err != nil {
		t.Fatal(err)
	}
	globex := tn.liveOrg("Globex")
	if err := tn.C.RemoveOrganizationUser(ctx, globex.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	acme := tn.liveOrg("Acme")
	if _, err := tn.C.UpdateOrganization(ctx, acme.ID, map[string]any{"customData": map[string]any{"tier": "free"}}); err != nil {
		t.Fatal(err)
	}
	p = tn.planJSON()
	drift, classes = tn.driftLines(p)
	wantDrift := []string{
		`organization.acme update custom_data:{"tier":"gold"}->{"tier":"free"}`,
		`organization.globex.member."bob@example.com" delete`,
		`role.editor update description:"Reads and writes documents"->"Edited in the Console"`,
	}
	if strings.Join(drift, "\n") != strings.Join(wantDrift, "\n") {
		t.Errorf("drift:\n%s\nwant:\n%s", strings.Join(drift, "\n"), strings.Join(wantDrift, "\n"))
	}
	if got := strings.Join(classes, ";"); got != `organization.acme drift;organization.globex.member."bob@example.com" drift;role.editor drift` {
		t.Errorf("changes %s, want each classified drift", got)
	}
	if got := tn.exitOf("plan", "-detailed-exitcode", "-drift-only"); got != exitChanges {
		t.Errorf("plan -detailed-exitcode -drift-only with drift: exit %d, want 2", got)
	}
	for _, format := range []string{"text", "markdown"} {
		out := tn.must(exitOK, "plan", "-format", format).stdout
		if !strings.Contains(out, "Changes outside orgsync") || !strings.Contains(tn.strip(out), "Edited in the Console") {
			t.Errorf("%s plan lacks the changes outside orgsync:\n%s", format, out)
		}
	}

	// Both at once: the Console and the configuration changed the same
	// attribute.
	tn.edit(`description = "Reads and writes documents"`, `description = "Writes documents too"`)
	p = tn.planJSON()
	drift, classes = tn.driftLines(p)
	if !slices.Contains(drift, `role.editor update description:pending->"Edited in the Console"`) || !slices.Contains(classes, "role.editor both") {
		t.Errorf("both changed: drift %q, changes %q", drift, classes)
	}

	// The configuration now says what the Console did: drift, nothing to
	// undo; after the apply it is what orgsync applied.
	tn.edit(`description = "Reads and writes documents"`, `description = "Edited in the Console"`)
	p = tn.planJSON()
	drift, classes = tn.driftLines(p)
	if !slices.Contains(drift, `role.editor update (agreed) description:pending->"Edited in the Console"`) || slices.Contains(classes, "role.editor drift") {
		t.Errorf("configuration agrees with the Console: drift %q, changes %q", drift, classes)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	if p := tn.planJSON(); len(p.Drift) != 0 || len(p.Changes) != 0 {
		t.Errorf("after the apply: drift %+v, changes %v", p.Drift, tn.actions(p))
	}
	if got := tn.exitOf("plan", "-detailed-exitcode", "-drift-only"); got != exitOK {
		t.Errorf("plan -detailed-exitcode -drift-only after the apply: exit %d, want 0", got)
	}
}

// TestE2EDriftRenamedInConsole: a permission renamed outside orgsync is
// renamed back (not deleted and created again), as drift.
func TestE2EDriftRenamedInConsole(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	if _, err := tn.C.UpdateOrganizationScope(context.Background(), tn.scope("write:docs").ID, map[string]any{"name": tn.prefix + "docs:write"}); err != nil {
		t.Fatal(err)
	}
	p := tn.planJSON()
	if got := strings.Join(tn.actions(p), " "); got != `permission."write:docs" rename` {
		t.Fatalf("plan after a rename in the Console: %s, want the rename back", got)
	}
	drift, classes := tn.driftLines(p)
	if len(drift) != 1 || !strings.HasPrefix(drift[0], `permission."write:docs" update name:`) || !slices.Contains(classes, `permission."write:docs" drift`) {
		t.Errorf("drift %q, changes %q", drift, classes)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	tn.noChangesIn()
}

// TestE2EIgnoreChanges: lifecycle.ignore_changes suppresses exactly the
// named attributes: set on create, never planned or reported as drift
// again, while the other attributes of the same block still are.
func TestE2EIgnoreChanges(t *testing.T) {
	tn := newE2E(t)
	tn.user("alice")
	tn.user("bob")
	ignoring := strings.Replace(e2eBase, `role "{{.P}}editor" {
  description = "Reads and writes documents"`, `role "{{.P}}editor" {
  lifecycle {
    ignore_changes = [description]
  }
  description = "Reads and writes documents"`, 1)
	tn.config(ignoring)
	tn.must(exitOK, "apply", "-auto-approve")
	editor := tn.role("editor")
	if editor.Description == nil || *editor.Description != "Reads and writes documents" {
		t.Fatalf("an ignored attribute is not set on create: %v", editor.Description)
	}
	ctx := context.Background()
	if _, err := tn.C.UpdateOrganizationRole(ctx, editor.ID, map[string]any{"description": "Edited in the Console"}); err != nil {
		t.Fatal(err)
	}
	if p := tn.planJSON(); len(p.Changes) != 0 || len(p.Drift) != 0 {
		t.Fatalf("an ignored attribute changed in the Console: changes %v, drift %+v", tn.actions(p), p.Drift)
	}
	tn.config(strings.Replace(ignoring, `description = "Reads and writes documents"`, `description = "Changed in the configuration"`, 1))
	if p := tn.planJSON(); len(p.Changes) != 0 {
		t.Fatalf("an ignored attribute changed in the configuration: %v", tn.actions(p))
	}
	// The role's other attributes are still managed.
	tn.config(strings.Replace(ignoring, `permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]`, `permissions = ["{{.P}}read:docs"]`, 1))
	p := tn.planJSON()
	if got := strings.Join(tn.actions(p), " "); got != "role.editor update" || len(p.Changes[0].Attributes) != 1 || p.Changes[0].Attributes[0].Name != "permissions" {
		t.Fatalf("a managed attribute next to an ignored one: %s %+v", got, p.Changes)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	if d := tn.role("editor").Description; d == nil || *d != "Edited in the Console" {
		t.Errorf("the apply touched the ignored description: %v", d)
	}
}

// TestE2EMemberPreventDestroy: a member block with prevent_destroy is
// protected like any other object: removing the block is refused (nothing
// is written) until -allow-destroy names it.
func TestE2EMemberPreventDestroy(t *testing.T) {
	tn := newE2E(t)
	tn.user("alice")
	bob := tn.user("bob")
	protected := strings.Replace(e2eBase, `  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer"]
  }`, `  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer"]
    lifecycle {
      prevent_destroy = true
    }
  }`, 1)
	tn.config(protected)
	tn.must(exitOK, "apply", "-auto-approve")
	tn.config(strings.Replace(protected, `  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer"]
    lifecycle {
      prevent_destroy = true
    }
  }
`, "", 1))
	addr := `organization.acme.member."` + tn.email("bob") + `"`
	r := tn.run("apply", "-auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, "prevent_destroy forbids deleting this object") {
		t.Fatalf("removing a protected member: exit %d\n%s", r.code, r.stderr)
	}
	if _, ok := tn.memberRoles(tn.liveOrg("Acme").ID)[bob.ID]; !ok {
		t.Fatal("the refused apply removed the member")
	}
	p := tn.planJSON("-allow-destroy", addr)
	if got := strings.Join(tn.actions(p), " "); got != `organization.acme.member."bob@example.com" delete` {
		t.Fatalf("plan -allow-destroy %s: %s", addr, got)
	}
	tn.must(exitOK, "apply", "-auto-approve", "-allow-destroy", addr)
	if _, ok := tn.memberRoles(tn.liveOrg("Acme").ID)[bob.ID]; ok {
		t.Fatal("the allowed delete did not remove the member")
	}
}
