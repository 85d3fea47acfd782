package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/logtotest"
	"github.com/orgsync/orgsync/pkg/logto"
)

// e2eBase is the small configuration most tests start from: two
// permissions, two roles, two organizations with three memberships.
const e2eBase = `
permission "{{.P}}read:docs" {
  description = "Read documents"
}

permission "{{.P}}write:docs" {
  description = "Write documents"
}

role "{{.P}}viewer" {
  description = "Reads documents"
  permissions = ["{{.P}}read:docs"]
}

role "{{.P}}editor" {
  description = "Reads and writes documents"
  permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]
}

organization "acme" {
  name        = "{{.P}}Acme"
  description = "Acme's workspace"
  custom_data = { tier = "gold" }

  member "{{.P}}alice@example.com" {
    roles = ["{{.P}}editor"]
  }
  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer"]
  }
}

organization "globex" {
  name = "{{.P}}Globex"

  member "{{.P}}bob@example.com" {
    roles = ["{{.P}}editor"]
  }
}
`

// e2eBaseActions are the changes of the first plan of e2eBase, in plan order.
var e2eBaseActions = []string{
	`permission."read:docs" create`,
	`permission."write:docs" create`,
	`role.editor create`,
	`role.viewer create`,
	`organization.acme create`,
	`organization.globex create`,
	`organization.acme.member."alice@example.com" create`,
	`organization.acme.member."bob@example.com" create`,
	`organization.globex.member."bob@example.com" create`,
}

// e2eUsers creates the users of e2eBase.
func e2eUsers(tn *e2eTenant) (alice, bob *logto.User) {
	return tn.user("alice"), tn.user("bob")
}

// applyBase creates the users and applies e2eBase.
func applyBase(tn *e2eTenant) (alice, bob *logto.User) {
	tn.t.Helper()
	alice, bob = e2eUsers(tn)
	tn.config(e2eBase)
	tn.must(exitOK, "apply", "-auto-approve")
	return alice, bob
}

// edit rewrites the configuration: e2eBase with the replacements old, new, ...
func (tn *e2eTenant) edit(pairs ...string) {
	tn.t.Helper()
	cfg := e2eBase
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(cfg, pairs[i]) {
			tn.t.Fatalf("edit: %q is not in the configuration", pairs[i])
		}
		cfg = strings.Replace(cfg, pairs[i], pairs[i+1], 1)
	}
	tn.config(cfg)
}

// noChanges asserts that plan -detailed-exitcode finds nothing to do.
func (tn *e2eTenant) noChanges() {
	tn.t.Helper()
	r := tn.must(exitOK, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes.") {
		tn.t.Fatalf("plan after apply:\n%s", r.stdout)
	}
}

func TestE2EPlanText(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	r := tn.must(exitOK, "plan")
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("color codes without a terminal:\n%q", r.stdout)
	}
	tn.golden("plan_first.txt", tn.normalize(r.stdout))
}

func TestE2EPlanJSON(t *testing.T) {
	tn := newE2E(t)
	alice, bob := e2eUsers(tn)
	tn.config(e2eBase)
	p := tn.planJSON()
	if p.FormatVersion != "1" {
		t.Errorf("format_version %q", p.FormatVersion)
	}
	if p.Summary.Add != 9 || p.Summary.Change != 0 || p.Summary.Destroy != 0 {
		t.Errorf("summary %+v, want 9 to add", p.Summary)
	}
	if diff := cmp.Diff(e2eBaseActions, tn.actions(p)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	userIDs := map[string]string{tn.email("alice"): alice.ID, tn.email("bob"): bob.ID}
	for _, c := range p.Changes {
		if c.Before != nil || c.After == nil {
			t.Errorf("%s: a create has before %v, after %v", c.Address, c.Before, c.After)
		}
		// A member's id is its user's; other creates have none yet.
		var wantID *string
		if c.Kind == "member" {
			_, label, _ := strings.Cut(c.Address, ".member.")
			id := userIDs[strings.Trim(label, `"`)]
			wantID = &id
		}
		if !cmp.Equal(c.ID, wantID) {
			t.Errorf("%s: id %v, want %v", c.Address, deref(c.ID), deref(wantID))
		}
	}
	// Every change is carried out by at least one call, and the creates of
	// permissions come before the roles that hold them.
	stageOf := map[string]int{}
	for _, op := range p.Operations {
		if op.Kind == "" || op.Parameters == nil {
			t.Errorf("operation %+v", op)
		}
		addrs := op.Covers
		if len(addrs) == 0 {
			addrs = []string{op.Address}
		}
		for _, a := range addrs {
			if _, ok := stageOf[a]; !ok {
				stageOf[a] = op.Stage
			}
		}
	}
	for _, c := range p.Changes {
		if _, ok := stageOf[c.Address]; !ok {
			t.Errorf("no operation for %s", c.Address)
		}
	}
	permStage, roleStage := stageOf[`permission."`+tn.prefix+`read:docs"`], stageOf[`role.`+tn.prefix+`editor`]
	if permStage >= roleStage {
		t.Errorf("permission created in stage %d, its role in stage %d", permStage, roleStage)
	}

	type impact struct {
		Kind, Permission, Role string
		Orgs, Users            []string
		Count                  int
	}
	var got []impact
	for _, im := range p.TokenImpact {
		if im.Resource != nil {
			t.Errorf("impact %+v has a resource", im)
		}
		got = append(got, impact{im.Kind, tn.strip(im.Permission), tn.strip(im.Role), stripAll(tn, im.Organizations), im.Users, im.UserCount})
	}
	ab := sorted(alice.ID, bob.ID)
	want := []impact{
		{"reconsent", "read:docs", "editor", []string{"Acme", "Globex"}, ab, 2},
		{"reconsent", "read:docs", "viewer", []string{"Acme"}, []string{bob.ID}, 1},
		{"reconsent", "write:docs", "editor", []string{"Acme", "Globex"}, ab, 2},
	}
	sortImpacts := func(s []impact) {
		slices.SortFunc(s, func(a, b impact) int {
			return strings.Compare(a.Kind+a.Permission+a.Role, b.Kind+b.Permission+b.Role)
		})
	}
	sortImpacts(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token impact (-want +got):\n%s", diff)
	}
	if p.Unmanaged.Organizations != tn.baseOrgs {
		t.Errorf("unmanaged organizations %d, want %d", p.Unmanaged.Organizations, tn.baseOrgs)
	}
}

func TestE2EPlanMarkdown(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	r := tn.must(exitOK, "plan", "-format", "markdown")
	first, rest, _ := strings.Cut(r.stdout, "\n")
	if !strings.Contains(first, "9 to add, 0 to change, 0 to destroy") {
		t.Errorf("first line %q is not the summary", first)
	}
	for _, want := range []string{"<details>", "</details>", `organization.acme.member."` + tn.prefix + `alice@example.com"`, tn.prefix + "read:docs"} {
		if !strings.Contains(rest, want) {
			t.Errorf("markdown lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Count(r.stdout, "```")%2 != 0 {
		t.Errorf("unbalanced code fences:\n%s", r.stdout)
	}
}

func TestE2EDetailedExitcode(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	r := tn.must(exitChanges, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "Plan: 9 to add, 0 to change, 0 to destroy.") {
		t.Errorf("plan:\n%s", r.stdout)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	tn.noChanges()

	// Errors are 1, never 0 or 2, whatever the plan would have been.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	tn.edit(`description = "Reads documents"`, `description = "Reads everything"`)
	for _, c := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"wrong secret", map[string]string{"LOGTO_APP_SECRET": "not-the-secret"}, "Error:"},
		{"unreachable endpoint", map[string]string{"LOGTO_ENDPOINT": closed}, "Error:"},
		{"no credentials", map[string]string{"LOGTO_APP_ID": ""}, "LOGTO_APP_ID"},
	} {
		r := tn.runWith(e2eOpts{env: c.env}, "plan", "-detailed-exitcode")
		if r.code != exitError {
			t.Errorf("%s: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", c.name, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%s: stdout %q, stderr %q (want %q on stderr, nothing on stdout)", c.name, r.stdout, r.stderr, c.want)
		}
		if strings.Contains(r.stderr, tn.secret) || strings.Contains(r.stderr, "not-the-secret") {
			t.Errorf("%s: a secret is printed: %s", c.name, r.stderr)
		}
	}
	tn.must(exitChanges, "plan", "-detailed-exitcode")
}

func TestE2EDrift(t *testing.T) {
	tn := newE2E(t)
	_, bob := applyBase(tn)
	ctx := context.Background()
	viewer := tn.role("viewer")
	write := tn.scope("write:docs")
	read := tn.scope("read:docs")
	acme, globex := tn.liveOrg("Acme"), tn.liveOrg("Globex")

	// Behind orgsync's back.
	if _, err := tn.C.UpdateOrganizationRole(ctx, viewer.ID, map[string]any{"description": "Changed in the Console"}); err != nil {
		t.Fatal(err)
	}
	if err := tn.C.SetOrganizationRoleScopes(ctx, viewer.ID, []string{read.ID, write.ID}); err != nil {
		t.Fatal(err)
	}
	if err := tn.C.SetOrganizationUserRoles(ctx, acme.ID, bob.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := tn.C.DeleteOrganization(ctx, globex.ID); err != nil {
		t.Fatal(err)
	}

	r := tn.must(exitChanges, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "Plan: 2 to add, 2 to change, 0 to destroy.") {
		t.Errorf("plan:\n%s", r.stdout)
	}
	p := tn.planJSON()
	want := []string{
		`role.viewer update`,
		`organization.globex create`,
		`organization.acme.member."bob@example.com" update`,
		`organization.globex.member."bob@example.com" create`,
	}
	got := tn.actions(p)
	if diff := cmp.Diff(sorted(want...), sorted(got...)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	attrs := map[string]string{}
	for _, c := range p.Changes {
		for _, a := range c.Attributes {
			attrs[tn.strip(c.Address)+" "+a.Name] = tn.strip(rawOrEmpty(a.Before) + " -> " + rawOrEmpty(a.After) + " +" + strings.Join(a.Added, ",") + " -" + strings.Join(a.Removed, ","))
		}
	}
	wantAttrs := map[string]string{
		`role.viewer description`:                          `"Changed in the Console" -> "Reads documents" + -`,
		`role.viewer permissions`:                          ` ->  + -write:docs`,
		`organization.acme.member."bob@example.com" roles`: ` ->  +viewer -`,
	}
	for k, v := range wantAttrs {
		if attrs[k] != v {
			t.Errorf("%s: %q, want %q", k, attrs[k], v)
		}
	}
	tn.must(exitOK, "apply", "-auto-approve")
	tn.noChanges()
	if got := tn.memberRoles(acme.ID)[bob.ID]; !slices.Equal(got, []string{"viewer"}) {
		t.Errorf("bob's roles in Acme after apply: %v", got)
	}
}

func TestE2EApplyCreate(t *testing.T) {
	tn := newE2E(t)
	alice, bob := e2eUsers(tn)
	tn.config(e2eBase)
	r := tn.must(exitOK, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "Apply complete! 9 added, 0 changed, 0 destroyed.") {
		t.Errorf("apply output:\n%s", r.stdout)
	}
	// One progress line per finished call, each with its position.
	if n := strings.Count(r.stderr, " complete after "); n == 0 || !strings.Contains(r.stderr, "/"+itoa(n)+"]") {
		t.Errorf("progress lines:\n%s", r.stderr)
	}
	tn.noChanges()

	editor := tn.role("editor")
	if got := names(editor.Scopes, tn); !slices.Equal(got, []string{"read:docs", "write:docs"}) {
		t.Errorf("editor's permissions %v", got)
	}
	acme := tn.liveOrg("Acme")
	if acme == nil || acme.Description == nil || *acme.Description != "Acme's workspace" || acme.CustomData["tier"] != "gold" {
		t.Fatalf("Acme: %+v", acme)
	}
	want := map[string][]string{alice.ID: {"editor"}, bob.ID: {"viewer"}}
	if diff := cmp.Diff(want, tn.memberRoles(acme.ID)); diff != "" {
		t.Errorf("Acme's members (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{bob.ID: {"editor"}}, tn.memberRoles(tn.liveOrg("Globex").ID)); diff != "" {
		t.Errorf("Globex's members (-want +got):\n%s", diff)
	}
}

func TestE2EApplyJSON(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	r := tn.must(exitOK, "apply", "-auto-approve", "-format", "json")
	var out struct {
		FormatVersion string         `json:"format_version"`
		Status        string         `json:"status"`
		Summary       map[string]int `json:"summary"`
		Changes       []struct {
			Address, Kind, Action, Status, Error string
		} `json:"changes"`
		Complete   []string `json:"complete"`
		Partial    []string `json:"partial"`
		NotStarted []string `json:"not_started"`
		Failed     []any    `json:"failed"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("apply -format json: %v\n%s", err, r.stdout)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("more than one JSON document on stdout:\n%s", r.stdout)
	}
	if out.FormatVersion != "1" || out.Status != "complete" {
		t.Errorf("format_version %q, status %q", out.FormatVersion, out.Status)
	}
	if diff := cmp.Diff(map[string]int{"add": 9, "change": 0, "destroy": 0}, out.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	var want []string
	for _, a := range e2eBaseActions {
		want = append(want, strings.TrimSuffix(a, " create"))
	}
	if diff := cmp.Diff(sorted(want...), sorted(stripAll(tn, out.Complete)...)); diff != "" {
		t.Errorf("complete (-want +got):\n%s", diff)
	}
	if out.Partial == nil || len(out.Partial) != 0 || out.NotStarted == nil || len(out.NotStarted) != 0 || out.Failed == nil || len(out.Failed) != 0 {
		t.Errorf("partial %v, not_started %v, failed %v: want three empty lists", out.Partial, out.NotStarted, out.Failed)
	}
	tn.noChanges()
}

func TestE2EApplyUpdate(t *testing.T) {
	tn := newE2E(t)
	alice, bob := applyBase(tn)
	editorID := tn.role("editor").ID
	acmeID := tn.liveOrg("Acme").ID
	tn.edit(
		`description = "Acme's workspace"`, `description = "Acme's new workspace"`,
		`custom_data = { tier = "gold" }`, "custom_data  = { tier = \"platinum\", seats = 10 }\n  mfa_required = true",
		`member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer"]`, `member "{{.P}}bob@example.com" {
    roles = ["{{.P}}viewer", "{{.P}}editor"]`,
		`permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]`, `permissions = ["{{.P}}write:docs"]`,
	)
	p := tn.planJSON()
	want := sorted(
		`role.editor update`,
		`organization.acme update`,
		`organization.acme.member."bob@example.com" update`,
	)
	if diff := cmp.Diff(want, sorted(tn.actions(p)...)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	var acmeAttrs []string
	for _, c := range p.Changes {
		if c.Address == "organization.acme" {
			for _, a := range c.Attributes {
				acmeAttrs = append(acmeAttrs, a.Name)
			}
		}
	}
	if diff := cmp.Diff([]string{"custom_data", "description", "mfa_required"}, acmeAttrs); diff != "" {
		t.Errorf("organization.acme attributes (-want +got):\n%s", diff)
	}
	r := tn.must(exitOK, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "Apply complete! 0 added, 3 changed, 0 destroyed.") {
		t.Errorf("apply:\n%s", r.stdout)
	}
	tn.noChanges()

	acme := tn.liveOrg("Acme")
	if acme.ID != acmeID || !acme.IsMfaRequired || *acme.Description != "Acme's new workspace" ||
		!cmp.Equal(acme.CustomData, map[string]any{"tier": "platinum", "seats": float64(10)}) {
		t.Errorf("Acme after apply: %+v", acme)
	}
	editor := tn.role("editor")
	if editor.ID != editorID || !slices.Equal(names(editor.Scopes, tn), []string{"write:docs"}) {
		t.Errorf("editor after apply: %+v", editor)
	}
	if diff := cmp.Diff(map[string][]string{alice.ID: {"editor"}, bob.ID: {"editor", "viewer"}}, tn.memberRoles(acme.ID)); diff != "" {
		t.Errorf("Acme's members (-want +got):\n%s", diff)
	}
}

func TestE2ERename(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	readID, viewerID := tn.scope("read:docs").ID, tn.role("viewer").ID
	cfg := strings.NewReplacer(
		`permission "{{.P}}read:docs" {`, `permission "{{.P}}read:documents" {
  previous_names = ["{{.P}}read:docs"]`,
		`role "{{.P}}viewer" {`, `role "{{.P}}reader" {
  previous_names = ["{{.P}}viewer"]`,
		`"{{.P}}read:docs"]`, `"{{.P}}read:documents"]`,
		`"{{.P}}read:docs", `, `"{{.P}}read:documents", `,
		`roles = ["{{.P}}viewer"]`, `roles = ["{{.P}}reader"]`,
	).Replace(e2eBase)
	tn.config(cfg)
	r := tn.must(exitChanges, "plan", "-detailed-exitcode")
	for _, want := range []string{
		`> permission "` + tn.prefix + `read:documents"`,
		`> role "` + tn.prefix + `reader"`,
		"Plan: 0 to add, 2 to change, 0 to destroy.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	p := tn.planJSON()
	got := map[string]string{}
	for _, c := range p.Changes {
		prev := ""
		if c.PreviousName != nil {
			prev = tn.strip(*c.PreviousName)
		}
		got[tn.strip(c.Address)] = c.Action + " from " + prev
	}
	want := map[string]string{
		`permission."read:documents"`: "rename from read:docs",
		`role.reader`:                 "rename from viewer",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	tn.noChanges()
	if s := tn.scope("read:documents"); s == nil || s.ID != readID {
		t.Errorf("renamed permission %+v, want id %s", s, readID)
	}
	if tn.scope("read:docs") != nil {
		t.Errorf("the old permission name is still live")
	}
	if r := tn.role("reader"); r.ID != viewerID || !slices.Equal(names(r.Scopes, tn), []string{"read:documents"}) {
		t.Errorf("renamed role %+v, want id %s", r, viewerID)
	}
}

func TestE2EDeleteOwnership(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	three := e2eBase + `
permission "{{.P}}share:docs" {
  description = "Share documents"
}

organization "initech" {
  name = "{{.P}}Initech"
}
`
	tn.config(three)
	tn.must(exitOK, "apply", "-auto-approve")
	console := tn.org("Created in the Console")
	shareID := tn.scope("share:docs").ID

	// One of three managed permissions and one of three organizations go.
	tn.config(e2eBase)
	p := tn.planJSON()
	want := sorted(`permission."share:docs" delete`, `organization.initech delete`)
	if diff := cmp.Diff(want, sorted(tn.actions(p)...)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	for _, c := range p.Changes {
		if c.ID == nil || (c.Kind == "permission" && *c.ID != shareID) || c.Reason == nil || *c.Reason != "not_in_config" {
			t.Errorf("%s: id %v, reason %v", c.Address, c.ID, c.Reason)
		}
	}
	if p.Unmanaged.Organizations != tn.baseOrgs+1 {
		t.Errorf("unmanaged organizations: %d, want %d", p.Unmanaged.Organizations, tn.baseOrgs+1)
	}
	r := tn.must(exitOK, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "Apply complete! 0 added, 0 changed, 2 destroyed.") {
		t.Errorf("apply:\n%s", r.stdout)
	}
	if tn.scope("share:docs") != nil || tn.liveOrg("Initech") != nil {
		t.Errorf("deleted objects are still live")
	}
	if o, err := logtotest.GetOrganization(context.Background(), tn.C, console.ID); err != nil || o.Name != console.Name {
		t.Errorf("the unmanaged organization: %v, %v", o, err)
	}
	tn.noChanges()

	// Both remaining managed organizations: more than half of the kind.
	tn.config(strings.Split(e2eBase, `organization "acme"`)[0])
	for _, cmd := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
		r := tn.must(exitError, cmd...)
		if !strings.Contains(r.stderr, "refused") || !strings.Contains(r.stderr, "-allow-mass-delete") {
			t.Errorf("%s: stderr:\n%s", cmd[0], r.stderr)
		}
	}
	if tn.liveOrg("Acme") == nil || tn.liveOrg("Globex") == nil {
		t.Fatalf("a refused apply deleted organizations")
	}
	r = tn.must(exitOK, "apply", "-auto-approve", "-allow-mass-delete")
	if !strings.Contains(r.stdout, "0 added, 0 changed, 2 destroyed.") {
		t.Errorf("apply -allow-mass-delete:\n%s", r.stdout)
	}
	if tn.liveOrg("Acme") != nil || tn.liveOrg("Globex") != nil || tn.liveOrg("Created in the Console") == nil {
		t.Errorf("after the mass delete: Acme %v, Globex %v, the unmanaged one %v", tn.liveOrg("Acme"), tn.liveOrg("Globex"), tn.liveOrg("Created in the Console"))
	}
	tn.noChanges()
}

func TestE2EExclusiveMembers(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	carol := tn.user("carol")
	cfg := strings.Replace(e2eBase, `custom_data = { tier = "gold" }`, "custom_data = { tier = \"gold\" }\n  exclusive_members = true", 1)
	cfg = strings.Replace(cfg, `name = "{{.P}}Globex"`, "name = \"{{.P}}Globex\"\n  exclusive_members = false", 1)
	tn.config(cfg)
	tn.must(exitOK, "apply", "-auto-approve")
	ctx := context.Background()
	acme, globex := tn.liveOrg("Acme"), tn.liveOrg("Globex")
	for _, o := range []*logto.Organization{acme, globex} {
		if err := tn.C.AddOrganizationUsers(ctx, o.ID, []string{carol.ID}); err != nil {
			t.Fatal(err)
		}
	}
	p := tn.planJSON()
	// An undeclared member is named by its email.
	if diff := cmp.Diff([]string{`organization.acme.member."carol@example.com" delete`}, tn.actions(p)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if len(p.Changes) == 1 && (p.Changes[0].Reason == nil || *p.Changes[0].Reason != "exclusive") {
		t.Errorf("reason %v, want exclusive", p.Changes[0].Reason)
	}
	if p.Unmanaged.Members != 1 {
		t.Errorf("unmanaged members %d, want 1 (carol in Globex)", p.Unmanaged.Members)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	if _, ok := tn.memberRoles(acme.ID)[carol.ID]; ok {
		t.Errorf("carol is still a member of Acme (exclusive_members = true)")
	}
	if _, ok := tn.memberRoles(globex.ID)[carol.ID]; !ok {
		t.Errorf("carol was removed from Globex (exclusive_members = false)")
	}
	tn.noChanges()
}

func TestE2EPreventDestroy(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	initech := `
organization "initech" {
  name = "{{.P}}Initech"
  lifecycle {
    prevent_destroy = true
  }
}
`
	tn.config(e2eBase + initech)
	tn.must(exitOK, "apply", "-auto-approve")

	// The block goes: the ownership record still remembers the protection.
	tn.config(e2eBase)
	for _, cmd := range [][]string{{"plan", "-detailed-exitcode"}, {"apply", "-auto-approve"}} {
		r := tn.must(exitError, cmd...)
		if !strings.Contains(r.stderr, "organization.initech") || !strings.Contains(r.stderr, "prevent_destroy") {
			t.Errorf("%s: stderr:\n%s", cmd[0], r.stderr)
		}
	}
	if tn.liveOrg("Initech") == nil {
		t.Fatal("a protected organization was deleted")
	}
	r := tn.must(exitOK, "apply", "-auto-approve", "-allow-destroy", "organization.initech")
	if !strings.Contains(r.stdout, "0 added, 0 changed, 1 destroyed.") {
		t.Errorf("apply -allow-destroy:\n%s", r.stdout)
	}
	if tn.liveOrg("Initech") != nil {
		t.Errorf("Initech is still live")
	}
	tn.noChanges()

	// Turning prevent_destroy off in a block that stays declared does not
	// drop the recorded protection: only -allow-destroy does.
	tn.config(e2eBase + initech)
	tn.must(exitOK, "apply", "-auto-approve")
	tn.config(e2eBase + `
organization "initech" {
  name = "{{.P}}Initech"
}
`)
	tn.must(exitOK, "apply", "-auto-approve")
	tn.config(e2eBase)
	tn.must(exitError, "apply", "-auto-approve")
	if tn.liveOrg("Initech") == nil {
		t.Errorf("Initech was deleted although its prevent_destroy mark was never lifted")
	}
	tn.must(exitOK, "apply", "-auto-approve", "-allow-destroy", "organization.initech")
	if tn.liveOrg("Initech") != nil {
		t.Errorf("Initech is still live")
	}
}

func TestE2ESavedPlan(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)
	planFile := filepath.Join(t.TempDir(), "plan.bin")
	tn.edit(`description = "Reads documents"`, `description = "Reads every document"`)
	r := tn.must(exitOK, "plan", "-out", planFile)
	if !strings.Contains(r.stderr, "orgsync apply "+planFile) || strings.Contains(r.stdout, "Saved the plan") {
		t.Errorf("plan -out: the note on how to apply it belongs on stderr, the plan alone on stdout:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	fi, err := os.Stat(planFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(planFile); strings.Contains(string(b), tn.secret) {
		t.Errorf("the plan file holds the application secret")
	}

	// The tenant moves: the saved plan is refused, naming what changed.
	editor := tn.role("editor")
	if _, err := tn.C.UpdateOrganizationRole(context.Background(), editor.ID, map[string]any{"description": "Changed in the Console"}); err != nil {
		t.Fatal(err)
	}
	r = tn.runWith(e2eOpts{planFile: true}, "apply", planFile)
	r.expect(t, exitError)
	if !strings.Contains(r.stderr, "is stale") || !strings.Contains(r.stderr, "role."+tn.prefix+"editor: reviewed no change, now update (role)") {
		t.Errorf("stale plan: stderr does not name role.editor:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "role."+tn.prefix+"viewer") {
		t.Errorf("the stale-plan message names the role whose change is as reviewed:\n%s", r.stderr)
	}
	if d := tn.role("viewer").Description; d == nil || *d != "Reads documents" {
		t.Errorf("a stale plan was applied: viewer description %v", d)
	}

	// A fresh plan of an unchanged tenant applies, with no question asked.
	tn.must(exitOK, "plan", "-out", planFile)
	r = tn.runWith(e2eOpts{planFile: true}, "apply", planFile)
	r.expect(t, exitOK)
	if !strings.Contains(r.stdout, "Apply complete! 0 added, 2 changed, 0 destroyed.") {
		t.Errorf("apply PLANFILE:\n%s", r.stdout)
	}
	if d := tn.role("viewer").Description; d == nil || *d != "Reads every document" {
		t.Errorf("viewer description %v", d)
	}
	if d := tn.role("editor").Description; d == nil || *d != "Reads and writes documents" {
		t.Errorf("editor description %v", d)
	}
	tn.noChanges()
}

func TestE2EApplyConfirm(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)

	r := tn.must(exitError, "apply")
	if !strings.Contains(r.stderr, "-auto-approve is required when not running interactively") {
		t.Errorf("no terminal: stderr:\n%s", r.stderr)
	}
	r = tn.runWith(e2eOpts{inTTY: true, stdin: "no\n"}, "apply")
	r.expect(t, exitError)
	if !strings.Contains(r.stdout, "Only 'yes' will be accepted") || !strings.Contains(r.stdout, "Apply cancelled.") {
		t.Errorf("answer no: stdout:\n%s", r.stdout)
	}
	if tn.liveOrg("Acme") != nil || tn.scope("read:docs") != nil {
		t.Fatalf("a cancelled apply changed the tenant")
	}
	r = tn.runWith(e2eOpts{inTTY: true, stdin: "yes\n"}, "apply")
	r.expect(t, exitOK)
	if !strings.Contains(r.stdout, "Apply complete! 9 added, 0 changed, 0 destroyed.") {
		t.Errorf("answer yes: stdout:\n%s", r.stdout)
	}
	tn.noChanges()
}

// cancelAfter passes writes through and cancels when it has seen n
// "complete" progress lines.
type cancelAfter struct {
	w      io.Writer
	n      int
	cancel context.CancelFunc
	mu     sync.Mutex
	seen   int
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.seen += strings.Count(string(p), " complete after ")
	if c.seen >= c.n {
		c.cancel()
	}
	c.mu.Unlock()
	return c.w.Write(p)
}

func TestE2EInterruptedApply(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resultFile := filepath.Join(t.TempDir(), "result.json")
	r := tn.runWith(e2eOpts{ctx: ctx, errTo: func(w io.Writer) io.Writer {
		return &cancelAfter{w: w, n: 3, cancel: cancel}
	}}, "apply", "-auto-approve", "-parallelism", "1", "-result-out", resultFile)
	r.expect(t, exitError)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if last := lines[len(lines)-1]; last != "The tenant is partly changed; running apply again converges." ||
		!strings.Contains(r.stdout, "Not started (") || !strings.Contains(r.stdout, "Done (") ||
		!strings.Contains(r.stdout, "Apply failed: ") {
		t.Errorf("interrupted apply: the summary must come last on stdout:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "apply interrupted") {
		t.Errorf("interrupted apply: the error belongs on stderr:\n%s", r.stderr)
	}
	if n := strings.Count(r.stderr, " complete after "); n < 3 {
		t.Errorf("%d operations completed before the interruption took effect, want at least 3", n)
	}
	// The report accounts for every change, and says exactly what is live:
	// what was done is not planned again, what was not done is.
	report := applyResult(t, tn, resultFile)
	var all []string
	for _, l := range report {
		all = append(all, l...)
	}
	var want []string
	for _, a := range e2eBaseActions {
		want = append(want, strings.TrimSuffix(a, " create"))
	}
	if diff := cmp.Diff(sorted(want...), sorted(all...)); diff != "" {
		t.Errorf("the report of the interrupted apply (-want +got):\n%s\n%s", diff, r.stdout)
	}
	if len(report["done"]) < 3 || len(report["not_started"]) == 0 {
		t.Errorf("done %v, not started %v", report["done"], report["not_started"])
	}
	p := tn.planJSON()
	var planned []string
	for _, c := range p.Changes {
		if c.Action != "create" {
			t.Errorf("after the interruption: %s %s", c.Address, c.Action)
		}
		planned = append(planned, tn.strip(c.Address))
	}
	if diff := cmp.Diff(sorted(append(report["not_started"], report["partial"]...)...), sorted(planned...)); diff != "" {
		t.Errorf("plan after the interruption vs. what the report says was not done (-report +plan):\n%s", diff)
	}
	r = tn.must(exitOK, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "Apply complete!") {
		t.Errorf("converging apply:\n%s", r.stdout)
	}
	tn.noChanges()
}

func TestE2EInvite(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	cfg := `
orgsync {
  missing_users = "invite"
}
` + strings.Replace(e2eBase, `organization "globex" {
  name = "{{.P}}Globex"
`, `organization "globex" {
  name = "{{.P}}Globex"

  member "{{.P}}newbie@example.com" {
    roles = ["{{.P}}viewer"]
  }
`, 1)
	tn.config(cfg)
	p := tn.planJSON()
	found := false
	for _, c := range p.Changes {
		if strings.Contains(c.Address, tn.prefix+"newbie@example.com") {
			found = c.Action == "create"
		}
	}
	if !found {
		t.Errorf("no create for the invited member: %v", tn.actions(p))
	}
	tn.must(exitOK, "apply", "-auto-approve")
	globex := tn.liveOrg("Globex")
	check := func(when string) {
		t.Helper()
		invs, err := tn.C.ListInvitations(context.Background(), globex.ID)
		if err != nil {
			t.Fatal(err)
		}
		var pending []string
		for _, inv := range invs {
			if inv.Status == "Pending" {
				var roles []string
				for _, r := range inv.OrganizationRoles {
					roles = append(roles, tn.strip(r.Name))
				}
				pending = append(pending, tn.strip(inv.Invitee)+" "+strings.Join(roles, ","))
			}
		}
		if diff := cmp.Diff([]string{"newbie@example.com viewer"}, pending); diff != "" {
			t.Errorf("%s: pending invitations (-want +got):\n%s", when, diff)
		}
	}
	check("after the first apply")
	if _, ok := tn.memberRoles(globex.ID)[""]; ok {
		t.Errorf("an empty member id")
	}
	tn.noChanges()
	tn.must(exitOK, "apply", "-auto-approve")
	check("after the second apply")
}

func TestE2EImpactOut(t *testing.T) {
	tn := newE2E(t)
	alice, bob := applyBase(tn)
	acme, globex := tn.liveOrg("Acme"), tn.liveOrg("Globex")
	// editor: read:docs goes (revocation lag), share:docs is new (re-consent);
	// viewer: write:docs, which exists, is added (refresh).
	cfg := strings.NewReplacer(
		`permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]`, `permissions = ["{{.P}}write:docs", "{{.P}}share:docs"]`,
		`permissions = ["{{.P}}read:docs"]`, `permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]`,
	).Replace(e2eBase) + `
permission "{{.P}}share:docs" {
  description = "Share documents"
}
`
	tn.config(cfg)
	impactFile := filepath.Join(t.TempDir(), "impact.json")
	tn.must(exitOK, "apply", "-auto-approve", "-impact-out", impactFile)
	b, err := os.ReadFile(impactFile)
	if err != nil {
		t.Fatal(err)
	}
	type perm struct {
		Permission string  `json:"permission"`
		Resource   *string `json:"resource"`
	}
	type subjects struct {
		Users         []string `json:"users"`
		Applications  []string `json:"applications"`
		Permissions   []perm   `json:"permissions"`
		MaxLagSeconds int      `json:"max_lag_seconds"`
	}
	var got struct {
		FormatVersion string `json:"format_version"`
		AppliedAt     string `json:"applied_at"`
		Organizations []struct {
			ID            string   `json:"id"`
			Name          string   `json:"name"`
			Reconsent     subjects `json:"reconsent"`
			Refresh       subjects `json:"refresh"`
			RevocationLag subjects `json:"revocation_lag"`
		} `json:"organizations"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("-impact-out is not JSON: %v\n%s", err, b)
	}
	if got.FormatVersion != "1" || got.AppliedAt == "" {
		t.Errorf("format_version %q, applied_at %q", got.FormatVersion, got.AppliedAt)
	}
	ps := func(names ...string) []perm {
		out := []perm{}
		for _, n := range names {
			out = append(out, perm{Permission: tn.prefix + n})
		}
		return out
	}
	none := []string{}
	type org struct {
		ID, Name                      string
		Reconsent, Refresh, Revoation subjects
	}
	var gotOrgs []org
	for _, o := range got.Organizations {
		gotOrgs = append(gotOrgs, org{o.ID, o.Name, o.Reconsent, o.Refresh, o.RevocationLag})
	}
	// write:docs existed before this plan, but orgsync created it moments
	// ago: grants made before that lack it, so bob must re-consent too.
	want := []org{
		{acme.ID, acme.Name,
			subjects{Users: sorted(alice.ID, bob.ID), Applications: none, Permissions: ps("share:docs", "write:docs")},
			subjects{Users: none, Applications: none, Permissions: []perm{}},
			subjects{Users: []string{alice.ID}, Applications: none, Permissions: ps("read:docs"), MaxLagSeconds: 3600}},
		{globex.ID, globex.Name,
			subjects{Users: []string{bob.ID}, Applications: none, Permissions: ps("share:docs")},
			subjects{Users: none, Applications: none, Permissions: []perm{}},
			subjects{Users: []string{bob.ID}, Applications: none, Permissions: ps("read:docs"), MaxLagSeconds: 3600}},
	}
	if diff := cmp.Diff(want, gotOrgs); diff != "" {
		t.Errorf("-impact-out (-want +got):\n%s", diff)
	}
	tn.noChanges()
}

func TestE2ETokenImpactUndeclaredOrg(t *testing.T) {
	tn := newE2E(t)
	_, bob := applyBase(tn)
	carol := tn.user("carol")
	ctx := context.Background()
	other := tn.org("Other")
	viewer := tn.role("viewer")
	if err := tn.C.AddOrganizationUsers(ctx, other.ID, []string{carol.ID}); err != nil {
		t.Fatal(err)
	}
	if err := tn.C.AssignOrganizationUsersRoles(ctx, other.ID, []string{carol.ID}, []string{viewer.ID}); err != nil {
		t.Fatal(err)
	}
	tn.noChanges()

	tn.edit(`permissions = ["{{.P}}read:docs"]`, `permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]`)
	p := tn.planJSON()
	if diff := cmp.Diff([]string{`role.viewer update`}, tn.actions(p)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	var got []string
	for _, im := range p.TokenImpact {
		got = append(got, im.Kind+" "+tn.strip(im.Permission)+" via "+tn.strip(im.Role)+" in "+
			strings.Join(stripAll(tn, im.Organizations), ",")+": "+strings.Join(im.Users, ",")+" "+itoa(im.UserCount))
	}
	// The permission exists, but orgsync created it moments ago: grants
	// made before that lack it (GrantLifetime), so this is a re-consent.
	want := []string{"reconsent write:docs via viewer in Acme,Other: " + strings.Join(sorted(bob.ID, carol.ID), ",") + " 2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token impact (-want +got):\n%s", diff)
	}
	if p.Unmanaged.Organizations != tn.baseOrgs+1 {
		t.Errorf("unmanaged organizations %d, want %d", p.Unmanaged.Organizations, tn.baseOrgs+1)
	}
	r := tn.must(exitOK, "plan")
	if !strings.Contains(r.stdout, tn.prefix+"Other") {
		t.Errorf("the text plan's token impact does not name the undeclared organization:\n%s", r.stdout)
	}
}

// TestE2EReadFailure: a failed read aborts the plan; nothing is deleted on
// partial knowledge, and no record is written.
func TestE2EReadFailure(t *testing.T) {
	tn := newE2E(t)
	tn.emulatorOnly()
	applyBase(tn)
	tn.config(strings.Split(e2eBase, `organization "acme"`)[0])
	tn.Emu.FailNext(http.MethodGet, "/api/organizations", http.StatusForbidden, "auth.forbidden")
	before := tn.Emu.Requests()
	r := tn.run("apply", "-auto-approve", "-allow-mass-delete")
	r.expect(t, exitError)
	if !strings.Contains(r.stderr, "nothing was planned") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if tn.liveOrg("Acme") == nil || tn.liveOrg("Globex") == nil {
		t.Fatal("an apply that could not read the tenant deleted organizations")
	}
	if tn.Emu.Requests() == before {
		t.Errorf("no request was made")
	}
}

// TestE2ENoChangesRequests: a plan of a converged tenant only reads, and
// reads a bounded number of times.
func TestE2ENoChangesRequests(t *testing.T) {
	tn := newE2E(t)
	tn.emulatorOnly()
	applyBase(tn)
	tn.Emu.ResetRequests()
	tn.noChanges()
	first := tn.Emu.Requests()
	tn.Emu.ResetRequests()
	tn.noChanges()
	if again := tn.Emu.Requests(); again != first || first == 0 {
		t.Errorf("two identical plans made %d and %d requests", first, again)
	}
}

// applyReport parses the "Done (n):", "Partly done (n):" and "Not done (n):"
// lists of a failed apply's text output, prefix removed.
// applyResult reads an apply's -result-out file: the addresses of its
// changes by status, run prefix removed.
func applyResult(t *testing.T, tn *e2eTenant, path string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Changes []struct{ Address, Status string } `json:"changes"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("-result-out: %v\n%s", err, raw)
	}
	lists := map[string][]string{}
	for _, c := range res.Changes {
		lists[c.Status] = append(lists[c.Status], tn.strip(c.Address))
	}
	return lists
}

func names(list []logto.IDName, tn *e2eTenant) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, tn.strip(x.Name))
	}
	slices.Sort(out)
	return out
}

func stripAll(tn *e2eTenant, in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = tn.strip(s)
	}
	return out
}

func sorted(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func rawOrEmpty(m json.RawMessage) string {
	if string(m) == "null" {
		return ""
	}
	return string(m)
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
