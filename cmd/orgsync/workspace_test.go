package main

import (
	"context"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/pkg/apply"
)

// inDir is the same tenant with its own configuration directory: a second
// configuration applied with the same application.
func (tn *e2eTenant) inDir() *e2eTenant {
	other := *tn
	other.dir = tn.t.TempDir()
	return &other
}

const workspaceA = `
orgsync {
  workspace = "team-a"
}

permission "{{.P}}a:read" {}

role "{{.P}}a-viewer" {
  permissions = ["{{.P}}a:read"]
}

organization "shared" {
  name = "{{.P}}Shared"
}
`

const workspaceB = `
orgsync {
  workspace = "team-b"
  exclusive {
    permissions = true
    roles       = true
  }
}

permission "{{.P}}b:read" {}

role "{{.P}}b-viewer" {
  permissions = ["{{.P}}b:read"]
}

organization "b" {
  name = "{{.P}}Team B"
}
`

// TestE2EWorkspaces: two configurations with their own workspaces share a
// tenant: each keeps its own record, an exclusive kind of one leaves the
// other's objects alone, and declaring an object the other manages is
// refused, naming it, with nothing written.
func TestE2EWorkspaces(t *testing.T) {
	a := newE2E(t)
	b := a.inDir()
	a.config(workspaceA)
	a.must(exitOK, "apply", "-auto-approve")
	b.config(workspaceB)
	p := b.planJSON()
	if got := b.actions(p); strings.Join(got, " ") != `permission."b:read" create role."b-viewer" create organization.b create` {
		t.Errorf("team-b's first plan: %v, want only its own creates", got)
	}
	if !containsWarning(p.Warnings, `2 objects that workspace "team-a" manages left alone`) {
		t.Errorf("team-b's plan warnings %q do not say team-a's permission and role were left alone", p.Warnings)
	}
	b.must(exitOK, "apply", "-auto-approve")
	if a.scope("a:read") == nil || a.liveOrg("Shared") == nil {
		t.Fatal("team-b's apply deleted team-a's objects")
	}
	a.noChangesIn()
	b.noChangesIn()

	app, err := a.C.GetApplication(context.Background(), a.appID)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(apply.Workspaces(app.CustomData), " "); got != "team-a team-b" {
		t.Errorf("records kept for workspaces %q, want team-a and team-b", got)
	}

	// team-b declares team-a's organization: refused, nothing written.
	b.config(workspaceB + `
organization "shared" {
  name        = "{{.P}}Shared"
  description = "taken over"
}
`)
	_, before, _, err := apply.ReadRecords(context.Background(), a.C, "team-b")
	if err != nil {
		t.Fatal(err)
	}
	r := b.run("apply", "-auto-approve")
	if r.code != exitError || !strings.Contains(r.stderr, `workspace "team-a" manages this organization`) {
		t.Fatalf("declaring team-a's organization: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "state rm -workspace team-a organization.shared") {
		t.Errorf("the refusal does not say how to hand the organization over:\n%s", r.stderr)
	}
	if o := a.liveOrg("Shared"); o == nil || o.Description != nil && *o.Description != "" {
		t.Errorf("the refused apply changed team-a's organization: %+v", o)
	}
	if _, after, _, err := apply.ReadRecords(context.Background(), a.C, "team-b"); err != nil || after.Serials != before.Serials {
		t.Errorf("the refused apply wrote team-b's record (serials %v, then %v; %v)", before.Serials, after.Serials, err)
	}
}

// TestE2EForeignConfigurationHint: a second configuration applied without
// a workspace of its own plans to delete what the first manages; the
// mass-delete refusal says that this looks like another configuration and
// how to give each its own workspace.
func TestE2EForeignConfigurationHint(t *testing.T) {
	a := newE2E(t)
	a.user("alice")
	a.user("bob")
	a.config(e2eBase)
	a.must(exitOK, "apply", "-auto-approve")
	b := a.inDir()
	b.config(`
permission "{{.P}}other:read" {}
`)
	r := b.run("plan")
	if r.code != exitError || !strings.Contains(r.stderr, "declares none of the") || !strings.Contains(r.stderr, `orgsync { workspace = "..." }`) {
		t.Fatalf("plan of a foreign configuration: exit %d\n%s", r.code, r.stderr)
	}
}
