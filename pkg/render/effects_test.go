package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/state"
)

func init() { goldenCases["org_settings"] = orgSettingsPlan() }

// orgSettingsPlan is a computed plan with branding, colours, custom CSS,
// JIT SSO connectors, an e-mailed invitation, a revoked one, and the
// effects on third-party consent and MFA.
func orgSettingsPlan() *diff.Plan {
	yes, no := true, false
	cfg := &state.Config{
		Settings: state.Settings{MissingUsers: state.MissingUsersInvite, ExclusivePermissions: true,
			Invitation: state.InvitationSettings{SendEmail: true, Link: "https://app.acme.com/invitations/{id}"}},
		Permissions: []state.Permission{{Name: "view:docs", PreviousNames: []string{"read:docs"}}},
		Roles:       []state.Role{{Name: "member", Type: state.RoleTypeUser, Permissions: []string{"view:docs"}}},
		Organizations: []state.Organization{{
			Address: "organization.acme", Key: "acme", Name: "Acme", MFARequired: &yes,
			Branding:  &state.Branding{LogoURL: "https://cdn.acme.com/logo-2.svg", FaviconURL: "https://cdn.acme.com/favicon.ico"},
			Color:     &state.Color{Primary: "#5d34f2", DarkMode: &no},
			CustomCSS: ptrS(".logo { height: 40px; }\n"),
			Members: []state.Member{
				{Label: "ann@acme.com", Kind: state.RefEmail, Value: "ann@acme.com", Roles: []string{"member"}},
				{Label: "ben@acme.com", Kind: state.RefEmail, Value: "ben@acme.com", Roles: []string{"member"}},
				{Label: "new@acme.com", Kind: state.RefEmail, Value: "new@acme.com", Roles: []string{"member"}},
			},
			JIT: &state.JIT{EmailDomains: []string{"acme.com"}, SSOConnectors: []string{"acme-okta"}, ManageSSOConnectors: true},
		}, {
			Address: "organization.globex", Key: "globex", Name: "Globex", MFARequired: &yes,
		}},
	}
	live := &state.Live{
		Permissions: []state.LivePermission{{ID: "ps-read", Name: "read:docs"}, {ID: "ps-legacy", Name: "legacy:docs"}},
		Roles:       []state.LiveRole{{ID: "r-member", Name: "member", Type: state.RoleTypeUser, PermissionIDs: []string{"ps-read"}}},
		Organizations: []state.LiveOrganization{{
			ID: "o-acme", Name: "Acme", CustomData: map[string]any{}, Loaded: true, JITLoaded: true, JITSSOLoaded: true,
			Branding: &state.Branding{LogoURL: "https://cdn.acme.com/logo.svg", DarkLogoURL: "https://cdn.acme.com/logo-dark.svg"},
			Color:    &state.Color{}, CustomCSS: "",
			Members: []state.LiveMember{{UserID: "u-ann", RoleIDs: []string{"r-member"}}},
			JIT:     state.JIT{EmailDomains: []string{"acme.com"}, SSOConnectors: []string{"sso-azure"}},
		}, {
			ID: "o-globex", Name: "Globex", CustomData: map[string]any{}, Loaded: true,
			Members: []state.LiveMember{{UserID: "u-ann"}, {UserID: "u-cid"}, {UserID: "u-dan"}},
		}},
		Users: map[string]state.User{
			"u-ann": {ID: "u-ann", Email: "ann@acme.com"}, "u-ben": {ID: "u-ben", Email: "ben@acme.com"},
			"u-cid": {ID: "u-cid", Email: "cid@globex.com"}, "u-dan": {ID: "u-dan", Email: "dan@globex.com"},
		},
		Invitations:    []state.Invitation{{ID: "inv-ben", OrganizationID: "o-acme", Invitee: "ben@acme.com", RoleIDs: []string{"r-member"}}},
		SSOConnectors:  []state.SSOConnector{{ID: "sso-azure", Name: "acme-azure"}, {ID: "sso-okta", Name: "acme-okta"}},
		ThirdPartyApps: []state.ThirdPartyApp{{ID: "tp-1", Name: "Zapier", PermissionIDs: []string{"ps-legacy", "ps-read"}}},
		MFA:            map[string]bool{"u-ann": true, "u-ben": false},
		Record: state.Record{Permissions: []string{"ps-read"}, Roles: []string{"r-member"}, Organizations: []string{"o-acme", "o-globex"},
			Members: map[string][]string{"o-acme": {"u-ann"}}},
	}
	p, err := diff.Compute(cfg, live, diff.Options{Now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), AllowMassDelete: true, ImpactDetail: true})
	if err != nil {
		panic(err)
	}
	return p
}

func ptrS(s string) *string { return &s }

func TestEffectsRendered(t *testing.T) {
	p := orgSettingsPlan()
	var text, md, js bytes.Buffer
	if err := Text(&text, p, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := JSON(&js, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`organization.acme requires MFA from now on: 1 of its 2 members has no MFA factor and gets 403`,
		`organization.globex requires MFA from now on: it has 3 members`,
		`permission."legacy:docs" is deleted, and Logto removes it from the consent list of 1 third-party application: "Zapier".`,
		`permission."view:docs" is renamed from "read:docs"`,
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text plan lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "> [!CAUTION]") {
		t.Errorf("markdown plan has no effects block:\n%s", md.String())
	}
	m := decodeMap(t, js.Bytes())
	effects := m["effects"].([]any)
	if len(effects) != 4 {
		t.Fatalf("%d effects, want 4", len(effects))
	}
	for _, e := range effects {
		checkFields(t, "effects[]", e, map[string]string{
			"kind": "string", "address": "string", "permission": "string|null", "new_name": "string|null",
			"applications": "array", "organization": "string|null", "members": "number", "without_mfa": "number|null",
			"users": "array", "unchecked": "number", "message": "string",
		})
	}
	first, _ := json.Marshal(effects[0])
	if got := string(first); !strings.Contains(got, `"without_mfa":1`) || !strings.Contains(got, `"users":["u-ben"]`) {
		t.Errorf("first effect %s", got)
	}
	second, _ := json.Marshal(effects[1])
	if !strings.Contains(string(second), `"without_mfa":null`) || !strings.Contains(string(second), `"unchecked":2`) {
		t.Errorf("second effect %s", second)
	}
}
