package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/logtotest"
)

// m2mApp creates a machine-to-machine application named with the run
// prefix, deleted when the test ends on a real Logto.
func (tn *e2eTenant) m2mApp(name string) string {
	tn.t.Helper()
	a, err := tn.C.CreateApplication(context.Background(), tn.prefix+name, "MachineToMachine")
	if err != nil {
		tn.t.Fatal(err)
	}
	if tn.real() {
		tn.t.Cleanup(func() {
			tn.logCleanup("application "+a.ID, logtotest.DeleteApplication(context.Background(), tn.C, a.ID))
		})
	}
	return a.ID
}

// cornersConfig is an organization with a JIT block and an application.
const cornersConfig = `
permission "{{.P}}read:docs" {}

role "{{.P}}viewer" {
  permissions = ["{{.P}}read:docs"]
}

role "{{.P}}bot" {
  type        = "MachineToMachine"
  permissions = ["{{.P}}read:docs"]
}

organization "acme" {
  name = "{{.P}}Acme Inc."

  member "{{.P}}alice@example.com" {
    roles = ["{{.P}}viewer"]
  }
  application "{{.P}}ci-bot" {
    roles = ["{{.P}}bot"]
  }
  jit {
    email_domains = ["{{.P}}acme.example"]
    roles         = ["{{.P}}viewer"]
  }
}
`

// TestE2ERenameOrganizationWithJIT: an organization matched through the
// ownership record (its name changed) is read in full: the rename plans and
// applies, its JIT settings and application untouched.
func TestE2ERenameOrganizationWithJIT(t *testing.T) {
	tn := newE2E(t)
	tn.user("alice")
	tn.m2mApp("ci-bot")
	tn.config(cornersConfig)
	tn.must(exitOK, "apply", "-auto-approve")
	tn.config(strings.Replace(cornersConfig, `{{.P}}Acme Inc."`, `{{.P}}Acme Corp"`, 1))
	p := tn.planJSON()
	if got := tn.actions(p); len(got) != 1 || got[0] != "organization.acme update" {
		t.Fatalf("plan of the rename: %v", got)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	if tn.liveOrg("Acme Corp") == nil {
		t.Fatal("the organization was not renamed")
	}
	tn.noChanges()
}

// TestE2EApplicationMassDeleteGuard: removing the only managed application
// is more than half of its kind, as the plan reports it.
func TestE2EApplicationMassDeleteGuard(t *testing.T) {
	tn := newE2E(t)
	tn.user("alice")
	appID := tn.m2mApp("ci-bot")
	tn.config(cornersConfig)
	tn.must(exitOK, "apply", "-auto-approve")
	tn.config(strings.Replace(cornersConfig, `  application "{{.P}}ci-bot" {
    roles = ["{{.P}}bot"]
  }
`, "", 1))
	r := tn.must(exitError, "apply", "-auto-approve")
	if !strings.Contains(r.stderr, "application.*: the plan deletes 1 of 1 managed application, more than half") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	acme := tn.liveOrg("Acme Inc.")
	apps, err := tn.C.ListOrganizationApplications(context.Background(), acme.ID)
	if err != nil || len(apps) != 1 || apps[0].ID != appID {
		t.Fatalf("a refused plan changed the applications: %+v, %v", apps, err)
	}
	tn.must(exitOK, "apply", "-auto-approve", "-allow-mass-delete")
	if apps, _ := tn.C.ListOrganizationApplications(context.Background(), acme.ID); len(apps) != 0 {
		t.Fatalf("the application is still a member: %+v", apps)
	}
}

// TestE2ECreateWithLostRecordWrite: when the record write after a create
// is lost, the next plan still knows the object is orgsync's (the create
// was announced), so removing its block deletes it.
func TestE2ECreateWithLostRecordWrite(t *testing.T) {
	tn := newE2E(t)
	tn.emulatorOnly() // the record write is failed by the emulator
	applyBase(tn)
	tn.edit(`organization "globex" {`, `organization "initech" {
  name = "{{.P}}Initech"
}

organization "globex" {`)
	// The announcement goes through (the first rule serves it and answers
	// 200 as usual); the final record write fails.
	tn.Emu.FailNextAfter("PATCH", "/api/applications/"+tn.appID+"/custom-data", 200, "")
	tn.Emu.FailNext("PATCH", "/api/applications/"+tn.appID+"/custom-data", 403, "auth.forbidden")
	r := tn.must(exitError, "apply", "-auto-approve")
	if !strings.Contains(r.stderr, "ownership record") {
		t.Errorf("the failed record write is not reported:\n%s", r.stderr)
	}
	if tn.liveOrg("Initech") == nil {
		t.Fatal("the organization was not created")
	}
	tn.config(e2eBase)
	p := tn.planJSON()
	var del []string
	for _, c := range p.Changes {
		if c.Action == "delete" {
			del = append(del, tn.strip(c.Address))
		}
	}
	if len(del) != 1 || del[0] != "organization.initech" || p.Unmanaged.Organizations != 0 {
		t.Fatalf("the organization created without a record is not deleted as orgsync's: deletes %v, unmanaged %d", del, p.Unmanaged.Organizations)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	if tn.liveOrg("Initech") != nil {
		t.Fatal("the orphan is still there")
	}
}

var progressCount = regexp.MustCompile(`\[(\d+)/(\d+)\]`)

// TestE2EProgressInPlanTerms: progress lines name the plan's changes with
// the plan's actions and count up to the plan's number of changes.
func TestE2EProgressInPlanTerms(t *testing.T) {
	tn := newE2E(t)
	tn.user("alice")
	tn.m2mApp("ci-bot")
	tn.config(cornersConfig)
	r := tn.must(exitOK, "apply", "-auto-approve")
	m := progressCount.FindAllStringSubmatch(r.stderr, -1)
	if len(m) != 7 || m[len(m)-1][1] != "7" || m[len(m)-1][2] != "7" {
		t.Errorf("progress counts %v, want 1..7 of 7 changes:\n%s", m, r.stderr)
	}
	if !strings.Contains(r.stdout, "Apply complete! 7 added, 0 changed, 0 destroyed.") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	for _, want := range []string{"organization.acme.jit: Creating...", "organization.acme.jit: Creation complete after "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if regexp.MustCompile(`\dh\dm\ds|\dm0s`).MatchString(r.stderr) {
		t.Errorf("durations are written like Go's Duration.String:\n%s", r.stderr)
	}
	// Removing the application's only role is an in-place update.
	tn.config(strings.Replace(cornersConfig, `roles = ["{{.P}}bot"]`, `roles = []`, 1))
	r = tn.must(exitOK, "apply", "-auto-approve")
	app := `organization.acme.application."` + tn.prefix + `ci-bot"`
	if !strings.Contains(r.stderr, app+": Modifying...") || strings.Contains(r.stderr, "Destr") {
		t.Errorf("progress of an application losing its last role:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "Apply complete! 0 added, 1 changed, 0 destroyed.") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}
