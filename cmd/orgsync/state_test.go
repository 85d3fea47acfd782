package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/pkg/apply"
)

// TestE2EStateCommands: state list and show present what the ownership
// record holds (addresses, ids, fingerprints of what was applied); state
// rm stops managing an organization and what is in it without deleting
// anything, under the apply lock, so that a configuration that no longer
// declares it leaves it alone.
func TestE2EStateCommands(t *testing.T) {
	tn := newE2E(t)
	alice, bob := applyBase(tn)
	globex := tn.liveOrg("Globex")

	list := tn.must(exitOK, "state", "list", "-insecure-http").stdout
	for _, want := range []string{
		"organization.acme ", "organization.globex ", `organization.globex.member."` + tn.email("bob") + `"  ` + bob.ID,
		`organization.acme.member."` + tn.email("alice") + `"  ` + alice.ID, "role." + tn.prefix + "editor ",
		`permission."` + tn.prefix + `read:docs" `, globex.ID,
	} {
		if !strings.Contains(list, want) {
			t.Errorf("state list lacks %q:\n%s", want, list)
		}
	}
	var listed struct {
		Workspace string              `json:"workspace"`
		Objects   []apply.RecordEntry `json:"objects"`
	}
	if err := json.Unmarshal([]byte(tn.must(exitOK, "state", "list", "-insecure-http", "-format", "json").stdout), &listed); err != nil {
		t.Fatal(err)
	}
	if listed.Workspace != "default" || len(listed.Objects) != 9 {
		t.Errorf("state list -format json: workspace %q, %d objects, want default and 9 (2 permissions, 2 roles, 2 organizations, 3 members)", listed.Workspace, len(listed.Objects))
	}

	show := tn.must(exitOK, "state", "show", "-insecure-http", "role."+tn.prefix+"editor").stdout
	for _, want := range []string{`kind            = "role"`, `id              = "` + tn.role("editor").ID + `"`, "prevent_destroy = false",
		"  description = ", "  permissions = ", "Last apply: "} {
		if !strings.Contains(show, want) {
			t.Errorf("state show lacks %q:\n%s", want, show)
		}
	}
	if r := tn.run("state", "show", "-insecure-http", "role.nope"); r.code != exitError || !strings.Contains(r.stderr, "not in the ownership record") {
		t.Errorf("state show of an unknown address: exit %d, %s", r.code, r.stderr)
	}

	// Drop globex from the configuration: the plan deletes it...
	tn.config(strings.Replace(e2eBase, `organization "globex" {
  name = "{{.P}}Globex"

  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}editor"]
  }
}
`, "", 1))
	if got := strings.Join(tn.actions(tn.planJSON()), " "); got != "organization.globex delete" {
		t.Fatalf("plan without globex: %s", got)
	}
	// ...unless orgsync stops managing it; not while another run holds the lock.
	held := tn.holdLock("ci@runner-7")
	if r := tn.run("state", "rm", "-insecure-http", "organization.globex"); r.code != exitError || !strings.Contains(r.stderr, "the apply lock is held") {
		t.Fatalf("state rm under another run's lock: exit %d, %s", r.code, r.stderr)
	}
	if err := held.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	rm := tn.must(exitOK, "state", "rm", "-insecure-http", "organization.globex")
	if !strings.Contains(rm.stdout, "Removed organization.globex (id "+globex.ID+")") || !strings.Contains(rm.stdout, `Removed organization.globex.member."`+tn.email("bob")) ||
		!strings.Contains(rm.stdout, "nothing was deleted in Logto") {
		t.Errorf("state rm output:\n%s", rm.stdout)
	}
	if tn.liveOrg("Globex") == nil {
		t.Fatal("state rm deleted the organization")
	}
	p := tn.planJSON()
	if len(p.Changes) != 0 || p.Unmanaged.Organizations != 1+tn.baseOrgs {
		t.Errorf("plan after state rm: %v, %d unmanaged organizations; want no changes and globex unmanaged", tn.actions(p), p.Unmanaged.Organizations)
	}
	if list := tn.must(exitOK, "state", "list", "-insecure-http").stdout; strings.Contains(list, "globex") {
		t.Errorf("state list after state rm still lists globex:\n%s", list)
	}
}
