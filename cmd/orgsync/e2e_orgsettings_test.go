package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/internal/logtotest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// The end-to-end tests of what platform teams set per organization beyond
// the template: branding, colours and custom CSS, JIT by SSO connector,
// invitation e-mails, the plan's effects, and feature detection.

const e2eBranding = `
permission "{{.P}}read:docs" {}

role "{{.P}}viewer" {
  permissions = ["{{.P}}read:docs"]
}

organization "acme" {
  name = "{{.P}}Acme"

  branding {
    logo_url      = "https://cdn.example.com/logo.svg"
    dark_logo_url = "https://cdn.example.com/logo-dark.svg"
    favicon_url   = "https://cdn.example.com/favicon.ico"
  }
  color {
    primary   = "#5d34f2"
    dark_mode = true
  }
  custom_css = file("acme.css")
}
`

// writeFile writes a file of the configuration directory (not a *.hcl one).
func (tn *e2eTenant) writeFile(name, content string) {
	tn.t.Helper()
	if err := os.WriteFile(filepath.Join(tn.dir, name), []byte(content), 0o644); err != nil {
		tn.t.Fatal(err)
	}
}

// exportAndPlan exports the organizations named (prefix added) and checks
// that plan on the export shows no changes.
func (tn *e2eTenant) exportAndPlan(orgs ...string) string {
	tn.t.Helper()
	dir := filepath.Join(tn.t.TempDir(), "export")
	args := []string{"export", "-o", dir, "-insecure-http"}
	for _, o := range orgs {
		args = append(args, "-org", tn.prefix+o)
	}
	tn.must(exitOK, args...)
	r := tn.run("plan", "-c", dir, "-detailed-exitcode")
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		var b strings.Builder
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			b.WriteString("--- " + filepath.Base(f) + "\n" + string(raw))
		}
		tn.t.Fatalf("plan on the export: exit %d\n%s\n%s\n%s", r.code, r.stdout, r.stderr, b.String())
	}
	return dir
}

func TestE2EBranding(t *testing.T) {
	tn := newE2E(t)
	css := ".logo { height: 40px; }\n.button { background: #5d34f2; }\n"
	tn.writeFile("acme.css", css)
	tn.config(e2eBranding)
	r := tn.must(exitOK, "plan")
	tn.golden("branding_plan.txt", tn.normalize(r.stdout))
	tn.must(exitOK, "apply", "-auto-approve")

	acme := tn.liveOrg("Acme")
	dark := true
	wantBranding := &logto.OrganizationBranding{LogoURL: "https://cdn.example.com/logo.svg",
		DarkLogoURL: "https://cdn.example.com/logo-dark.svg", Favicon: "https://cdn.example.com/favicon.ico"}
	if diff := cmp.Diff(wantBranding, acme.Branding); diff != "" {
		t.Errorf("branding (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&logto.OrganizationColor{PrimaryColor: "#5d34f2", IsDarkModeEnabled: &dark}, acme.Color); diff != "" {
		t.Errorf("color (-want +got):\n%s", diff)
	}
	if acme.CustomCSS == nil || *acme.CustomCSS != css {
		t.Errorf("custom CSS %v", acme.CustomCSS)
	}
	tn.noChanges()
	tn.exportAndPlan("Acme")

	// The favicon leaves the block: the whole branding object is sent
	// without it. The CSS file changes; the saved plan keeps the CSS it
	// was computed from, whatever the file holds when it is applied.
	tn.config(strings.Replace(e2eBranding, "    favicon_url   = \"https://cdn.example.com/favicon.ico\"\n", "", 1))
	css2 := ".logo { height: 48px; }\n"
	tn.writeFile("acme.css", css2)
	p := tn.planJSON()
	if diff := cmp.Diff([]string{"organization.acme update"}, tn.actions(p)); diff != "" {
		t.Fatalf("changes (-want +got):\n%s", diff)
	}
	var attrs []string
	for _, a := range p.Changes[0].Attributes {
		attrs = append(attrs, a.Name)
	}
	if diff := cmp.Diff([]string{"branding", "custom_css"}, attrs); diff != "" {
		t.Errorf("changed attributes (-want +got):\n%s", diff)
	}
	planFile := filepath.Join(t.TempDir(), "plan.bin")
	tn.must(exitOK, "plan", "-out", planFile)
	tn.writeFile("acme.css", "/* edited after the review */\n")
	tn.runWith(e2eOpts{planFile: true}, "apply", planFile).expect(t, exitOK)
	acme = tn.liveOrg("Acme")
	if acme.Branding == nil || acme.Branding.Favicon != "" || acme.Branding.LogoURL == "" {
		t.Errorf("branding after removing the favicon: %+v", acme.Branding)
	}
	if acme.CustomCSS == nil || *acme.CustomCSS != css2 {
		t.Errorf("custom CSS applied from the saved plan: %v, want %q", acme.CustomCSS, css2)
	}
	tn.writeFile("acme.css", css2)
	tn.noChanges()

	// custom_css = "" removes it; a block left out is not managed.
	tn.config(strings.NewReplacer(`custom_css = file("acme.css")`, `custom_css = ""`,
		"  color {\n    primary   = \"#5d34f2\"\n    dark_mode = true\n  }\n", "").Replace(e2eBranding))
	tn.must(exitOK, "apply", "-auto-approve")
	acme = tn.liveOrg("Acme")
	if acme.CustomCSS != nil && *acme.CustomCSS != "" {
		t.Errorf("custom CSS after custom_css = \"\": %q", *acme.CustomCSS)
	}
	if acme.Color == nil || acme.Color.PrimaryColor != "#5d34f2" {
		t.Errorf("color after its block was removed (not managed): %+v", acme.Color)
	}
	tn.noChanges()
}

func TestE2EBrandingInvalid(t *testing.T) {
	tn := newE2E(t)
	tn.config(strings.NewReplacer(`"#5d34f2"`, `"5d34f2"`, `"https://cdn.example.com/logo.svg"`, `"cdn.example.com/logo.svg"`).Replace(e2eBranding))
	r := tn.must(exitError, "validate", "-c", tn.dir)
	for _, want := range []string{
		"main.hcl:12:21", "Invalid branding URL", `"cdn.example.com/logo.svg", which is not an absolute URL`,
		"main.hcl:17:17", "Invalid colour", `Logto accepts a hexadecimal colour only`,
		"main.hcl:20:16", `Call to function "file" failed: no file`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("validate output lacks %q:\n%s", want, r.stderr)
		}
	}
	tn.must(exitError, "apply", "-auto-approve")
	if tn.liveOrg("Acme") != nil || tn.scope("read:docs") != nil {
		t.Errorf("an invalid configuration wrote to the tenant")
	}
}

// ssoConnector creates an unconfigured enterprise SSO connector named
// prefix+name (deleted when the test ends) and returns its id.
func (tn *e2eTenant) ssoConnector(name string) string {
	tn.t.Helper()
	var out logto.SSOConnector
	if err := tn.C.Do(context.Background(), http.MethodPost, "/api/sso-connectors",
		map[string]any{"providerName": "OIDC", "connectorName": tn.prefix + name}, &out); err != nil {
		tn.t.Fatalf("creating SSO connector %s: %v", name, err)
	}
	tn.t.Cleanup(func() {
		tn.logCleanup("SSO connector "+name, tn.C.Do(context.Background(), http.MethodDelete, "/api/sso-connectors/"+out.ID, nil, nil))
	})
	return out.ID
}

// jitConnectors returns the names (prefix removed) of an organization's JIT
// SSO connectors.
func (tn *e2eTenant) jitConnectors(orgID string) []string {
	tn.t.Helper()
	conns, err := tn.C.ListJITSSOConnectors(context.Background(), orgID)
	if err != nil {
		tn.t.Fatal(err)
	}
	out := []string{}
	for _, c := range conns {
		out = append(out, tn.strip(c.ConnectorName))
	}
	return sorted(out...)
}

const e2eJIT = `
role "{{.P}}viewer" {}

organization "acme" {
  name = "{{.P}}Acme"

  jit {
    roles = ["{{.P}}viewer"]
    SSO
  }
}
`

func TestE2EJITSSOConnectors(t *testing.T) {
	tn := newE2E(t)
	okta := tn.ssoConnector("okta")
	tn.ssoConnector("azure")
	jit := func(sso string) string { return strings.Replace(e2eJIT, "    SSO\n", sso, 1) }
	tn.config(jit(""))
	tn.must(exitOK, "apply", "-auto-approve")
	acme := tn.liveOrg("Acme")

	// A connector set in the Console: a jit block without sso_connectors
	// leaves it alone.
	if err := tn.C.SetJITSSOConnectors(context.Background(), acme.ID, []string{okta}); err != nil {
		t.Fatal(err)
	}
	tn.noChanges()
	if got := tn.jitConnectors(acme.ID); !cmp.Equal(got, []string{"okta"}) {
		t.Fatalf("JIT connectors %v", got)
	}

	tn.config(jit(`    sso_connectors = ["{{.P}}azure"]` + "\n"))
	r := tn.must(exitOK, "plan")
	tn.golden("jit_sso_plan.txt", tn.normalize(r.stdout))
	tn.must(exitOK, "apply", "-auto-approve")
	if got := tn.jitConnectors(acme.ID); !cmp.Equal(got, []string{"azure"}) {
		t.Errorf("JIT connectors after apply: %v", got)
	}
	tn.noChanges()
	tn.exportAndPlan("Acme")

	// An unknown name refuses the plan, naming the connectors there are;
	// apply writes nothing.
	tn.config(jit(`    sso_connectors = ["{{.P}}azure", "{{.P}}Okta"]` + "\n"))
	r = tn.must(exitError, "plan")
	for _, want := range []string{
		`organization.acme.jit: no enterprise SSO connector is named "` + tn.prefix + `Okta"`,
		`"` + tn.prefix + `azure", "` + tn.prefix + `okta"`, "orgsync does not create connectors",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("plan with an unknown connector lacks %q:\n%s", want, r.stderr)
		}
	}
	tn.must(exitError, "apply", "-auto-approve")
	if got := tn.jitConnectors(acme.ID); !cmp.Equal(got, []string{"azure"}) {
		t.Errorf("JIT connectors after a refused apply: %v", got)
	}

	// [] removes them all.
	tn.config(jit("    sso_connectors = []\n"))
	tn.must(exitOK, "apply", "-auto-approve")
	if got := tn.jitConnectors(acme.ID); len(got) != 0 {
		t.Errorf("JIT connectors after sso_connectors = []: %v", got)
	}
	tn.noChanges()
}

const e2eInvite = `
orgsync {
  missing_users = "invite"
  invitation {
    send_email  = true
    link        = "https://app.example.com/invitations/{id}?from=orgsync"
    expiry_days = 3
  }
}

role "{{.P}}viewer" {}

organization "acme" {
  name = "{{.P}}Acme"

  member "{{.P}}newbie@example.com" {
    roles = ["{{.P}}viewer"]
  }
}
`

// pendingInvitations returns the pending invitations of an organization.
func (tn *e2eTenant) pendingInvitations(orgID string) []logto.Invitation {
	tn.t.Helper()
	invs, err := tn.C.ListInvitations(context.Background(), orgID)
	if err != nil {
		tn.t.Fatal(err)
	}
	var out []logto.Invitation
	for _, inv := range invs {
		if inv.Status == "Pending" {
			out = append(out, inv)
		}
	}
	return out
}

// TestE2EInvitationEmailFails: without an e-mail connector (the emulator's
// default, and a test tenant's usual state) the invitation is made, the
// apply says the e-mail was not sent, and the next plan invites no one
// again. When the invitee becomes a user, the plan adds them and revokes
// the invitation.
func TestE2EInvitationEmailFails(t *testing.T) {
	tn := newE2E(t)
	tn.config(e2eInvite)
	start := time.Now()
	r := tn.run("apply", "-auto-approve")
	acme := tn.liveOrg("Acme")
	pending := tn.pendingInvitations(acme.ID)
	if len(pending) != 1 {
		t.Fatalf("%d pending invitations, want 1\n%s\n%s", len(pending), r.stdout, r.stderr)
	}
	inv := pending[0]
	if days := time.UnixMilli(inv.ExpiresAt).Sub(start).Hours() / 24; days < 2.9 || days > 3.1 {
		t.Errorf("the invitation expires in %.2f days, want 3", days)
	}
	switch {
	case r.code == exitError:
		for _, want := range []string{"the invitation e-mail was not sent", "the tenant has no e-mail connector", "the invitation " + inv.ID, "is kept (pending)",
			"a later apply does not invite"} {
			if !strings.Contains(r.stderr+r.stdout, want) {
				t.Errorf("the failed apply does not say %q:\n%s\n%s", want, r.stdout, r.stderr)
			}
		}
	case tn.real() && r.code == exitOK:
		t.Log("the tenant has an e-mail connector: the invitation e-mail was sent")
	default:
		t.Fatalf("apply exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	tn.noChanges()
	tn.must(exitOK, "apply", "-auto-approve")
	if n := len(tn.pendingInvitations(acme.ID)); n != 1 {
		t.Errorf("%d pending invitations after the second apply, want 1", n)
	}

	// The invitee signs up: the plan adds them directly and revokes the
	// invitation.
	newbie := tn.user("newbie")
	p := tn.planJSON()
	if diff := cmp.Diff([]string{`organization.acme.member."newbie@example.com" create`,
		`organization.acme.member."newbie@example.com".invitation delete`}, tn.actions(p)); diff != "" {
		t.Errorf("plan once the invitee is a user (-want +got):\n%s", diff)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	if n := len(tn.pendingInvitations(acme.ID)); n != 0 {
		t.Errorf("%d pending invitations after the invitee was added", n)
	}
	if _, ok := tn.memberRoles(acme.ID)[newbie.ID]; !ok {
		t.Errorf("the invitee is not a member")
	}
	tn.noChanges()
}

// TestE2EInvitationEmailSent: with an e-mail connector the invitation is
// e-mailed with the configured link, the invitation's id in it.
func TestE2EInvitationEmailSent(t *testing.T) {
	tn := newE2E(t)
	tn.emulatorOnly() // switches the tenant's e-mail connector on
	tn.Emu.SetEmailConnector(true)
	tn.config(e2eInvite)
	r := tn.must(exitOK, "plan")
	tn.golden("invitation_email_plan.txt", tn.normalize(r.stdout))
	tn.must(exitOK, "apply", "-auto-approve")
	inv := tn.pendingInvitations(tn.liveOrg("Acme").ID)
	sent := tn.Emu.SentMessages()
	if len(inv) != 1 || len(sent) != 1 {
		t.Fatalf("%d invitations, %d messages", len(inv), len(sent))
	}
	if want := "https://app.example.com/invitations/" + inv[0].ID + "?from=orgsync"; sent[0].Payload["link"] != want ||
		sent[0].To != tn.email("newbie") {
		t.Errorf("message %+v, want link %s", sent[0], want)
	}
	tn.noChanges()
	if n := len(tn.Emu.SentMessages()); n != 1 {
		t.Errorf("%d messages after the plan", n)
	}
}

// TestE2EInvitationEmailRateLimited: a recipient over Logto's message rate
// limit (429) gets no e-mail; the invitation stays, and is not repeated.
func TestE2EInvitationEmailRateLimited(t *testing.T) {
	tn := newE2E(t)
	tn.emulatorOnly() // injects the 429
	tn.Emu.SetEmailConnector(true)
	tn.Emu.FailNext(http.MethodPost, "/api/organization-invitations/", http.StatusTooManyRequests, "request.message_rate_limited")
	tn.config(e2eInvite)
	r := tn.must(exitError, "apply", "-auto-approve")
	if !strings.Contains(r.stderr, "refuses to send more messages to "+tn.email("newbie")) {
		t.Errorf("the rate-limited apply does not say so:\n%s", r.stderr)
	}
	if n := len(tn.pendingInvitations(tn.liveOrg("Acme").ID)); n != 1 || len(tn.Emu.SentMessages()) != 0 {
		t.Errorf("%d pending invitations, %d messages", n, len(tn.Emu.SentMessages()))
	}
	tn.noChanges()
}

// thirdPartyApp creates a third-party application named prefix+name whose
// users consent to the given organization scopes.
func (tn *e2eTenant) thirdPartyApp(name string, scopeIDs ...string) *logto.Application {
	tn.t.Helper()
	ctx := context.Background()
	var a logto.Application
	if err := tn.C.Do(ctx, http.MethodPost, "/api/applications", map[string]any{
		"name": tn.prefix + name, "type": "Traditional", "isThirdParty": true,
		"oidcClientMetadata": map[string]any{"redirectUris": []string{"https://example.com/callback"}, "postLogoutRedirectUris": []string{}},
	}, &a); err != nil {
		tn.t.Fatalf("creating third-party application %s: %v", name, err)
	}
	tn.t.Cleanup(func() {
		tn.logCleanup("application "+name, logtotest.DeleteApplication(context.Background(), tn.C, a.ID))
	})
	if err := logtotest.AddUserConsentOrganizationScopes(ctx, tn.C, a.ID, scopeIDs); err != nil {
		tn.t.Fatal(err)
	}
	return &a
}

// TestE2EEffects: deleting a permission names the third-party applications
// whose consent list loses it; turning mfa_required on counts the members
// without an MFA factor.
func TestE2EEffects(t *testing.T) {
	tn := newE2E(t)
	alice, _ := applyBase(tn)
	app := tn.thirdPartyApp("Zapier", tn.scope("write:docs").ID)
	withoutMFA := 2
	if !tn.real() {
		if err := tn.Emu.AddUserMFA(alice.ID, "Totp"); err != nil {
			t.Fatal(err)
		}
		withoutMFA = 1
	}
	cfg := strings.NewReplacer(
		"permission \"{{.P}}write:docs\" {\n  description = \"Write documents\"\n}\n", "",
		`permissions = ["{{.P}}read:docs", "{{.P}}write:docs"]`, `permissions = ["{{.P}}read:docs"]`,
		`custom_data = { tier = "gold" }`, "custom_data = { tier = \"gold\" }\n  mfa_required = true",
	).Replace(e2eBase)
	tn.config(cfg)
	r := tn.must(exitOK, "plan")
	for _, want := range []string{
		"Effects:",
		`permission."write:docs" is deleted, and Logto removes it from the consent list of 1 third-party application: "Zapier".`,
		"organization.acme requires MFA from now on: " + itoa(withoutMFA) + " of its 2 members",
		"no MFA factor and get",
	} {
		if withoutMFA == 1 && want == "no MFA factor and get" {
			want = "no MFA factor and gets"
		}
		if !strings.Contains(tn.strip(r.stdout), want) {
			t.Errorf("plan lacks %q:\n%s", want, tn.strip(r.stdout))
		}
	}
	// show renders the saved plan's effects as plan printed them.
	planFile := filepath.Join(t.TempDir(), "plan.bin")
	tn.must(exitOK, "plan", "-out", planFile)
	if shown := tn.must(exitOK, "show", planFile); shown.stdout != r.stdout {
		t.Errorf("show differs from plan:\n%s\nplan:\n%s", shown.stdout, r.stdout)
	}
	md := tn.must(exitOK, "plan", "-format", "markdown")
	if !strings.Contains(md.stdout, "> [!CAUTION]") {
		t.Errorf("markdown plan has no effects:\n%s", md.stdout)
	}
	js := tn.must(exitOK, "plan", "-format", "json")
	var doc struct {
		Effects []struct {
			Kind         string   `json:"kind"`
			Address      string   `json:"address"`
			Applications []string `json:"applications"`
			Members      int      `json:"members"`
			WithoutMFA   *int     `json:"without_mfa"`
			Users        []string `json:"users"`
		} `json:"effects"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Effects) != 2 || doc.Effects[0].Kind != "mfa_required" || doc.Effects[0].WithoutMFA == nil ||
		*doc.Effects[0].WithoutMFA != withoutMFA || len(doc.Effects[0].Users) != withoutMFA ||
		doc.Effects[1].Kind != "consent_removed" || !cmp.Equal(stripAll(tn, doc.Effects[1].Applications), []string{"Zapier"}) {
		t.Errorf("JSON effects: %+v", doc.Effects)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	scopes, err := tn.C.ListUserConsentOrganizationScopes(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(scopes) != 0 {
		t.Errorf("the deleted permission is still in the consent list: %+v", scopes)
	}
	tn.noChanges()
}

// newE2EOlder is newE2E on an emulator answering as an older Logto release.
func newE2EOlder(t *testing.T, version string) *e2eTenant {
	t.Helper()
	if os.Getenv("ORGSYNC_TEST_LOGTO_ENDPOINT") != "" {
		t.Skip("needs the emulator (Options.Version models an older Logto)")
	}
	t.Parallel()
	s := emulatortest.Start(t, emulator.Options{Version: version})
	tn := &e2eTenant{t: t, prefix: "e2e_old_", dir: t.TempDir(), endpoint: s.URL, appID: s.AppID, secret: s.AppSecret, Emu: s.E}
	c, err := logto.New(logto.Config{Endpoint: s.URL, AppID: s.AppID, AppSecret: s.AppSecret, InsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	tn.C = c
	return tn
}

// TestE2EFeatureDetection: a configuration using what the tenant's Logto
// lacks is refused at plan time, naming the feature and the release that
// brought it, and apply changes nothing.
func TestE2EFeatureDetection(t *testing.T) {
	tn := newE2EOlder(t, "1.31.0") // organization branding, but no colours or custom CSS
	tn.writeFile("acme.css", "a { color: red; }\n")
	tn.config(e2eBranding)
	r := tn.must(exitError, "plan")
	want := "organization.acme: the tenant's Logto has no organizations' brand colours and custom CSS (Logto 1.32.0 or later)"
	if !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "logos and favicons") {
		t.Errorf("plan on Logto 1.31.0:\n%s", r.stderr)
	}
	js := tn.run("plan", "-format", "json")
	if js.code != exitError || !strings.Contains(js.stdout, `"status": "failed"`) || !strings.Contains(js.stdout, "Logto 1.32.0 or later") {
		t.Errorf("plan -format json: exit %d\n%s", js.code, js.stdout)
	}
	tn.must(exitError, "apply", "-auto-approve")
	ctx := context.Background()
	orgs, err := tn.C.ListOrganizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scopes, err := tn.C.ListOrganizationScopes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 0 || len(scopes) != 0 {
		t.Errorf("the refused apply wrote %d organizations and %d permissions", len(orgs), len(scopes))
	}

	// Without the colours and the CSS, the logos apply on 1.31.0.
	tn.config(strings.NewReplacer("  color {\n    primary   = \"#5d34f2\"\n    dark_mode = true\n  }\n", "",
		"  custom_css = file(\"acme.css\")\n", "").Replace(e2eBranding))
	tn.must(exitOK, "apply", "-auto-approve")
	if o := tn.liveOrg("Acme"); o == nil || o.Branding == nil || o.Branding.LogoURL == "" {
		t.Errorf("organization after apply on 1.31.0: %+v", o)
	}
	tn.noChanges()
	tn.exportAndPlan("Acme")
}
