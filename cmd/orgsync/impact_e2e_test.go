package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/logtotest"
)

// impactConfig has organization permissions, an API permission whose
// resource issues 2-hour tokens, user roles and an application role, and
// two organizations with users and an application.
const impactConfig = `
permission "{{.P}}read:docs" {}
permission "{{.P}}write:docs" {}

role "{{.P}}viewer" {
  permissions = ["{{.P}}read:docs"]
}

role "{{.P}}editor" {
  permissions     = ["{{.P}}read:docs", "{{.P}}write:docs"]
  api_permissions = { "https://api.example.com/{{.P}}" = ["read:reports"] }
}

role "{{.P}}bot" {
  type        = "MachineToMachine"
  permissions = ["{{.P}}read:docs"]
}

organization "acme" {
  name = "{{.P}}Acme"

  member "{{.P}}alice@example.com" {
    roles = ["{{.P}}editor"]
  }
  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer"]
  }
  application "{{.P}}ci-bot" {
    roles = ["{{.P}}bot"]
  }
}

organization "globex" {
  name = "{{.P}}Globex"

  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}editor"]
  }
}
`

// impactTenant applies impactConfig, and gives bob the viewer role in an
// organization the configuration does not declare ("Side").
func impactTenant(t *testing.T) *e2eTenant {
	tn := newE2E(t)
	ctx := context.Background()
	tn.user("alice")
	bob := tn.user("bob")
	tn.m2mApp("ci-bot")
	res, err := tn.C.CreateResource(ctx, tn.prefix+"api", "https://api.example.com/"+tn.prefix, logtotest.WithAccessTokenTTL(7200))
	if err != nil {
		t.Fatal(err)
	}
	if tn.real() {
		t.Cleanup(func() { tn.logCleanup("resource "+res.ID, tn.C.DeleteResource(ctx, res.ID)) })
	}
	if _, err := tn.C.CreateResourceScope(ctx, res.ID, "read:reports", nil); err != nil {
		t.Fatal(err)
	}
	tn.config(impactConfig)
	tn.must(exitOK, "apply", "-auto-approve")
	side := tn.org("Side")
	if err := tn.C.AddOrganizationUsers(ctx, side.ID, []string{bob.ID}); err != nil {
		t.Fatal(err)
	}
	if err := tn.C.AssignOrganizationUsersRoles(ctx, side.ID, []string{bob.ID}, []string{tn.role("viewer").ID}); err != nil {
		t.Fatal(err)
	}
	tn.noChangesIn()
	return tn
}

// noChangesIn asserts the plan of the current configuration is empty.
func (tn *e2eTenant) noChangesIn() {
	tn.t.Helper()
	if p := tn.planJSON(); len(p.Changes) != 0 {
		tn.t.Fatalf("a plan right after apply has changes: %v", tn.actions(p))
	}
}

// TestE2ETokenImpactPerChangeKind: every change that removes or adds a
// permission for someone shows in the plan's token impact with the exact
// kind, permission, role, organizations, subjects (named) and lag, and in
// the -impact-out file per organization and subject with its cause.
func TestE2ETokenImpactPerChangeKind(t *testing.T) {
	api := "@https://api.example.com/"
	cases := []struct {
		name  string
		edits []string // old, new, ... applied to impactConfig
		// impact is "kind permission via role in orgs: subjects lag", plan order.
		impact []string
		// causes is "org subject gains|loses permission via role: kind cause".
		causes []string
	}{{
		name:  "scope removed from a role",
		edits: []string{`permissions     = ["{{.P}}read:docs", "{{.P}}write:docs"]`, `permissions     = ["{{.P}}read:docs"]`},
		impact: []string{
			"revocation_lag write:docs via editor in Acme,Globex: alice@example.com,bob@example.com lag 3600",
		},
		causes: []string{
			"Acme alice@example.com loses write:docs via editor: revocation_lag role_permissions",
			"Globex bob@example.com loses write:docs via editor: revocation_lag role_permissions",
		},
	}, {
		name:  "API scope removed from a role",
		edits: []string{`  api_permissions = { "https://api.example.com/{{.P}}" = ["read:reports"] }` + "\n", ""},
		impact: []string{
			"revocation_lag read:reports" + api + " via editor in Acme,Globex: alice@example.com,bob@example.com lag 7200",
		},
		causes: []string{
			"Acme alice@example.com loses read:reports" + api + " via editor: revocation_lag role_permissions",
			"Globex bob@example.com loses read:reports" + api + " via editor: revocation_lag role_permissions",
		},
	}, {
		name: "role removed from a member",
		edits: []string{`  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}editor"]`, `  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer"]`},
		impact: []string{
			"revocation_lag write:docs via editor in Globex: bob@example.com lag 3600",
			"revocation_lag read:reports" + api + " via editor in Globex: bob@example.com lag 7200",
		},
		causes: []string{
			"Globex bob@example.com loses write:docs via editor: revocation_lag member_roles",
			"Globex bob@example.com loses read:reports" + api + " via editor: revocation_lag member_roles",
		},
	}, {
		name: "member removed",
		edits: []string{`  member "{{.P}}alice@example.com" {
    roles = ["{{.P}}editor"]
  }
`, ""},
		impact: []string{
			"revocation_lag read:docs via editor in Acme: alice@example.com lag 3600",
			"revocation_lag write:docs via editor in Acme: alice@example.com lag 3600",
			"revocation_lag read:reports" + api + " via editor in Acme: alice@example.com lag 7200",
		},
		causes: []string{
			"Acme alice@example.com loses read:docs via editor: revocation_lag member_removed",
			"Acme alice@example.com loses write:docs via editor: revocation_lag member_removed",
			"Acme alice@example.com loses read:reports" + api + " via editor: revocation_lag member_removed",
		},
	}, {
		name: "application removed",
		edits: []string{`  application "{{.P}}ci-bot" {
    roles = ["{{.P}}bot"]
  }
`, ""},
		impact: []string{
			"revocation_lag read:docs via bot in Acme: ci-bot lag 3600",
		},
		causes: []string{
			"Acme ci-bot loses read:docs via bot: revocation_lag member_removed",
		},
	}, {
		// The role leaves every holder, including bob in Side, which the
		// configuration does not declare.
		name: "role deleted",
		edits: []string{`role "{{.P}}viewer" {
  permissions = ["{{.P}}read:docs"]
}
`, "", `  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer"]`, `  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}editor"]`},
		impact: []string{
			"reconsent write:docs via editor in Acme: bob@example.com lag 0",
			"reconsent read:reports" + api + " via editor in Acme: bob@example.com lag 0",
			"revocation_lag read:docs via viewer in Side: bob@example.com lag 3600",
		},
		causes: []string{
			"Acme bob@example.com gains write:docs via editor: reconsent member_roles",
			"Acme bob@example.com gains read:reports" + api + " via editor: reconsent member_roles",
			"Side bob@example.com loses read:docs via viewer: revocation_lag role_deleted",
		},
	}, {
		name: "permission deleted",
		edits: []string{`permission "{{.P}}write:docs" {}
`, "", `permissions     = ["{{.P}}read:docs", "{{.P}}write:docs"]`, `permissions     = ["{{.P}}read:docs"]`},
		impact: []string{
			"revocation_lag write:docs via editor in Acme,Globex: alice@example.com,bob@example.com lag 3600",
		},
		causes: []string{
			"Acme alice@example.com loses write:docs via editor: revocation_lag permission_deleted",
			"Globex bob@example.com loses write:docs via editor: revocation_lag permission_deleted",
		},
	}, {
		name: "organization deleted",
		edits: []string{`organization "globex" {
  name = "{{.P}}Globex"

  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}editor"]
  }
}
`, ""},
		impact: []string{
			"revocation_lag read:docs via editor in Globex: bob@example.com lag 3600",
			"revocation_lag write:docs via editor in Globex: bob@example.com lag 3600",
			"revocation_lag read:reports" + api + " via editor in Globex: bob@example.com lag 7200",
		},
		causes: []string{
			"Globex bob@example.com loses read:docs via editor: revocation_lag organization_deleted",
			"Globex bob@example.com loses write:docs via editor: revocation_lag organization_deleted",
			"Globex bob@example.com loses read:reports" + api + " via editor: revocation_lag organization_deleted",
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tn := impactTenant(t)
			cfg := impactConfig
			for i := 0; i+1 < len(tc.edits); i += 2 {
				if !strings.Contains(cfg, tc.edits[i]) {
					t.Fatalf("edit: %q is not in the configuration", tc.edits[i])
				}
				cfg = strings.Replace(cfg, tc.edits[i], tc.edits[i+1], 1)
			}
			tn.config(cfg)
			p := tn.planJSON("-allow-mass-delete")
			var got []string
			for _, im := range p.TokenImpact {
				got = append(got, tn.strip(fmt.Sprintf("%s %s%s via %s in %s: %s lag %d", im.Kind, im.Permission, at(im.Resource),
					im.Role, strings.Join(im.Organizations, ","), subjectLabels(im.Subjects), im.MaxLagSeconds)))
			}
			if d := cmp.Diff(tc.impact, got); d != "" {
				t.Errorf("token impact (-want +got):\n%s", d)
			}
			file := filepath.Join(t.TempDir(), "impact.json")
			tn.must(exitOK, "apply", "-auto-approve", "-allow-mass-delete", "-impact-out", file)
			if d := cmp.Diff(sorted(tc.causes...), sorted(tn.impactCauses(file)...)); d != "" {
				t.Errorf("impact file subjects (-want +got):\n%s", d)
			}
			tn.noChangesIn()
		})
	}
}

type e2eSubject struct {
	Type     string  `json:"type"`
	ID       string  `json:"id"`
	Email    *string `json:"email"`
	Username *string `json:"username"`
	Name     *string `json:"name"`
}

func (s e2eSubject) label() string {
	for _, v := range []*string{s.Email, s.Username, s.Name} {
		if v != nil {
			return *v
		}
	}
	return s.ID
}

func subjectLabels(subjects []e2eSubject) string {
	var out []string
	for _, s := range subjects {
		out = append(out, s.label())
	}
	return strings.Join(out, ",")
}

func at(resource *string) string {
	if resource == nil {
		return ""
	}
	return "@" + *resource
}

// impactCauses reads an -impact-out file as "org subject gains|loses
// permission via role: kind cause" lines, prefix removed.
func (tn *e2eTenant) impactCauses(path string) []string {
	tn.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tn.t.Fatal(err)
	}
	type change struct {
		Permission string  `json:"permission"`
		Resource   *string `json:"resource"`
		Role       string  `json:"role"`
		Kind       string  `json:"kind"`
		Cause      string  `json:"cause"`
	}
	var f struct {
		Organizations []struct {
			Name     string `json:"name"`
			Subjects []struct {
				e2eSubject
				Gains []change `json:"gains"`
				Loses []change `json:"loses"`
			} `json:"subjects"`
		} `json:"organizations"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		tn.t.Fatalf("impact file: %v\n%s", err, b)
	}
	var out []string
	for _, o := range f.Organizations {
		for _, s := range o.Subjects {
			for verb, cs := range map[string][]change{"gains": s.Gains, "loses": s.Loses} {
				for _, c := range cs {
					out = append(out, tn.strip(fmt.Sprintf("%s %s %s %s%s via %s: %s %s", o.Name, s.label(), verb, c.Permission, at(c.Resource), c.Role, c.Kind, c.Cause)))
				}
			}
		}
	}
	return out
}

// TestE2EImpactBudget: past -impact-budget the plan reads no more
// organizations for token impact and says its impact is incomplete, with
// how many were left out, in every format; -impact-budget unlimited reads
// them all. A saved plan keeps its budget, and apply PLANFILE refuses the
// flag.
func TestE2EImpactBudget(t *testing.T) {
	tn := impactTenant(t) // bob holds viewer in Side
	ctx := context.Background()
	bob := ""
	for _, m := range tn.memberIDs(tn.liveOrg("Side").ID) {
		bob = m
	}
	for _, name := range []string{"Side 2", "Side 3", "Side 4"} {
		o := tn.org(name)
		if err := tn.C.AddOrganizationUsers(ctx, o.ID, []string{bob}); err != nil {
			t.Fatal(err)
		}
		if err := tn.C.AssignOrganizationUsersRoles(ctx, o.ID, []string{bob}, []string{tn.role("viewer").ID}); err != nil {
			t.Fatal(err)
		}
	}
	tn.config(strings.Replace(impactConfig, `role "{{.P}}viewer" {
  permissions = ["{{.P}}read:docs"]`, `role "{{.P}}viewer" {
  permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]`, 1))
	undeclared := 4 + tn.baseOrgs

	full := tn.planJSON("-impact-budget", "unlimited")
	if len(full.TokenImpact) != 1 || !full.TokenImpactComplete || full.TokenImpactGap != nil {
		t.Fatalf("unlimited budget: impact %+v, complete %v, gap %+v", full.TokenImpact, full.TokenImpactComplete, full.TokenImpactGap)
	}
	if got := tn.strip(strings.Join(full.TokenImpact[0].Organizations, ",")); got != "Acme,Side,Side 2,Side 3,Side 4" {
		t.Errorf("unlimited budget: impact in %s, want Acme and every Side", got)
	}

	part := tn.planJSON("-impact-budget", "2")
	if part.TokenImpactComplete || part.TokenImpactGap == nil {
		t.Fatalf("budget 2: complete %v, gap %+v; want incomplete", part.TokenImpactComplete, part.TokenImpactGap)
	}
	if g := part.TokenImpactGap; g.UnreadOrganizations != undeclared-2 || g.Requests != undeclared-2 || g.Budget != 2 {
		t.Errorf("budget 2: gap %+v, want %d organizations (%d requests) unread of budget 2", g, undeclared-2, undeclared-2)
	}
	if !containsWarning(part.Warnings, "the token impact is incomplete") {
		t.Errorf("budget 2: warnings %q lack the incomplete impact", part.Warnings)
	}
	text := tn.must(exitOK, "plan", "-impact-budget", "2").stdout
	md := tn.must(exitOK, "plan", "-impact-budget", "2", "-format", "markdown").stdout
	for name, out := range map[string]string{"text": text, "markdown": md} {
		if !strings.Contains(out, "-impact-budget unlimited") || !strings.Contains(out, fmt.Sprintf("%d organizations not read", undeclared-2)) {
			t.Errorf("%s plan does not say the impact is incomplete:\n%s", name, out)
		}
	}

	file := filepath.Join(t.TempDir(), "plan.bin")
	tn.must(exitOK, "plan", "-impact-budget", "2", "-out", file)
	r := tn.runWith(e2eOpts{planFile: true}, "apply", "-impact-budget", "unlimited", file)
	if r.code != exitError || !strings.Contains(r.stderr, "-impact-budget") {
		t.Errorf("apply PLANFILE -impact-budget: exit %d, stderr %s; want a refusal naming the flag", r.code, r.stderr)
	}
	impact := filepath.Join(t.TempDir(), "impact.json")
	tn.runWith(e2eOpts{planFile: true}, "apply", "-impact-out", impact, file).expect(t, exitOK)
	b, err := os.ReadFile(impact)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Complete bool `json:"token_impact_complete"`
		Gap      *struct {
			Unread int `json:"unread_organizations"`
		} `json:"token_impact_gap"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Complete || got.Gap == nil || got.Gap.Unread != undeclared-2 {
		t.Errorf("impact file of the saved plan: complete %v, gap %+v; want the saved budget's gap", got.Complete, got.Gap)
	}
}

func containsWarning(warnings []string, s string) bool {
	for _, w := range warnings {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

// memberIDs returns the user ids of an organization's members.
func (tn *e2eTenant) memberIDs(orgID string) []string {
	tn.t.Helper()
	var out []string
	for id := range tn.memberRoles(orgID) {
		out = append(out, id)
	}
	return out
}
