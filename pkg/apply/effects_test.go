package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/internal/logtotest"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/state"
)

// thirdPartyApp creates a third-party application that asks its users to
// consent to the given organization scopes.
func (tt *testTenant) thirdPartyApp(name string, scopeIDs ...string) *logto.Application {
	tt.t.Helper()
	ctx := context.Background()
	var a logto.Application
	err := tt.C.Do(ctx, http.MethodPost, "/api/applications", map[string]any{
		"name": name, "type": "Traditional", "isThirdParty": true,
		"oidcClientMetadata": map[string]any{"redirectUris": []string{"https://example.com/callback"}, "postLogoutRedirectUris": []string{}},
	}, &a)
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.cleanup(func(ctx context.Context) error { return logtotest.DeleteApplication(ctx, tt.C, a.ID) })
	if len(scopeIDs) > 0 {
		must(tt.t, logtotest.AddUserConsentOrganizationScopes(ctx, tt.C, a.ID, scopeIDs))
	}
	return &a
}

// TestPlanNamesThirdPartyConsent: a permission the plan deletes leaves the
// consent lists of the third-party applications that ask for it, and the
// plan names them; without such a delete the lists are not read.
func TestPlanNamesThirdPartyConsent(t *testing.T) {
	tt := newTestTenant(t)
	ctx := context.Background()
	keep, gone := tt.scope(tt.name("keep:x")), tt.scope(tt.name("gone:x"))
	tt.thirdPartyApp(tt.name("Zapier"), keep.ID, gone.ID)
	tt.thirdPartyApp(tt.name("Reports"), keep.ID)
	tt.protectRecord()
	cfg := &state.Config{
		Settings:    state.Settings{MissingUsers: state.MissingUsersError},
		Permissions: []state.Permission{{Name: keep.Name}, {Name: gone.Name}},
	}
	var reads atomic.Int64
	c := tt.client(withHook(func(req *http.Request, _ http.RoundTripper) (*http.Response, error, bool) {
		if strings.HasSuffix(req.URL.Path, "/user-consent-scopes") || req.URL.Query().Get("isThirdParty") != "" {
			reads.Add(1)
		}
		return nil, nil, false
	}))
	_, p, err := Plan(ctx, c, cfg, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if reads.Load() != 0 || len(p.Effects) != 0 {
		t.Errorf("a plan deleting nothing read %d consent lists, effects %+v", reads.Load(), p.Effects)
	}

	// exclusive permissions: the undeclared gone:x (and every other live
	// permission of a real tenant) is deleted.
	cfg.Settings.ExclusivePermissions = true
	cfg.Permissions = []state.Permission{{Name: keep.Name}}
	_, p, err = Plan(ctx, c, cfg, PlanOptions{AllowMassDelete: true, Targets: []string{`permission."` + gone.Name + `"`}})
	if err != nil {
		t.Fatal(err)
	}
	want := []diff.Effect{{Kind: diff.EffectConsentRemoved, Address: `permission."` + gone.Name + `"`, Permission: gone.Name,
		Applications: []string{tt.name("Zapier")}}}
	if diff := cmp.Diff(want, p.Effects); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	if reads.Load() == 0 {
		t.Errorf("the consent lists were not read")
	}
}

// TestPlanCountsMembersWithoutMFA: turning mfa_required on reads the
// members' MFA factors and counts those it locks out; over the budget, an
// organization is reported with its member count only.
func TestPlanCountsMembersWithoutMFA(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly() // gives a user an MFA factor
	ctx := context.Background()
	o := tt.org(tt.name("Acme"))
	var members []state.Member
	var ids []string
	for _, n := range []string{"ann", "ben", "cid"} {
		u := tt.user(tt.name(n))
		ids = append(ids, u.ID)
		members = append(members, state.Member{Label: "id:" + u.ID, Kind: state.RefID, Value: u.ID})
	}
	must(t, tt.C.AddOrganizationUsers(ctx, o.ID, ids))
	must(t, tt.Emu.AddUserMFA(ids[1], "Totp"))
	cfg := &state.Config{
		Settings:      state.Settings{MissingUsers: state.MissingUsersError},
		Organizations: []state.Organization{{Address: "organization.acme", Key: "acme", Name: o.Name, MFARequired: ptr(true), Members: members}},
	}
	live, p, err := Plan(ctx, tt.client(nil), cfg, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	without := []string{ids[0], ids[2]}
	if without[0] > without[1] {
		without[0], without[1] = without[1], without[0]
	}
	want := []diff.Effect{{Kind: diff.EffectMFARequired, Address: "organization.acme", Organization: o.Name, Members: 3, WithoutMFA: 2, Users: without}}
	if diff := cmp.Diff(want, p.Effects); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}

	// A budget of 2 reads does not cover the 3 members: none is read.
	live.MFA = nil
	c := tt.client(nil)
	read, err := LoadMFA(ctx, c, live, []diff.MFACheck{{Address: "organization.acme", Users: ids}}, 2, 4)
	if err != nil || read || c.Requests() != 0 {
		t.Errorf("over budget: read %v, %d requests, err %v", read, c.Requests(), err)
	}
}

// TestPlanReleaseConfig: with ReleaseConfig, Plan lets go of the member
// blocks as it plans them, except when an organization requires MFA: the
// second computation, after the MFA factors are read, still plans them.
func TestPlanReleaseConfig(t *testing.T) {
	tt := newTestTenant(t)
	ctx := context.Background()
	for _, mfa := range []bool{false, true} {
		o := tt.org(tt.name(fmt.Sprintf("Release %v", mfa)))
		var members []state.Member
		for _, n := range []string{"ann", "ben"} {
			u := tt.user(tt.name(fmt.Sprintf("%s_%v", n, mfa)))
			members = append(members, state.Member{Label: "id:" + u.ID, Kind: state.RefID, Value: u.ID})
		}
		cfg := &state.Config{
			Settings:      state.Settings{MissingUsers: state.MissingUsersError},
			Organizations: []state.Organization{{Address: "organization.acme", Key: "acme", Name: o.Name, Members: members}},
		}
		if mfa {
			cfg.Organizations[0].MFARequired = ptr(true)
		}
		_, p, err := Plan(ctx, tt.client(nil), cfg, PlanOptions{ReleaseConfig: true})
		if err != nil {
			t.Fatal(err)
		}
		joins := 0
		for _, c := range p.Changes {
			if c.Kind == diff.KindMember && c.Action == diff.Create {
				joins++
			}
		}
		if joins != 2 {
			t.Errorf("mfa %v: %d members join, want 2", mfa, joins)
		}
		kept := len(cfg.Organizations[0].Members)
		if mfa && kept != 2 {
			t.Errorf("mfa_required: %d member blocks kept, want 2 (the plan is computed twice)", kept)
		}
		if !mfa && kept != 0 {
			t.Errorf("%d member blocks kept, want them let go", kept)
		}
		if mfa && (len(p.Effects) != 1 || p.Effects[0].Members != 2 || p.Effects[0].WithoutMFA != 2) {
			t.Errorf("mfa_required: effects %+v, want the 2 joining members without MFA", p.Effects)
		}
	}
}

// TestCheckFeatures: a configuration using what the tenant's Logto lacks is
// refused before anything is read, naming the feature and the release that
// brought it; features the configuration does not use are not probed.
func TestCheckFeatures(t *testing.T) {
	s := emulatortest.Start(t, emulator.Options{Version: "1.18.0"})
	c, err := logto.New(logto.Config{Endpoint: s.URL, AppID: s.AppID, AppSecret: s.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	plain := &state.Config{Organizations: []state.Organization{{Address: "organization.a", Key: "a", Name: "A",
		JIT: &state.JIT{EmailDomains: []string{"a.com"}}}}}
	if err := CheckFeatures(ctx, c, plain, nil); err != nil || c.Requests() != 0 {
		t.Fatalf("a configuration using no detected feature: %v, %d requests", err, c.Requests())
	}
	cfg := &state.Config{
		Settings: state.Settings{MissingUsers: state.MissingUsersInvite, Invitation: state.InvitationSettings{SendEmail: true}},
		Organizations: []state.Organization{
			{Address: "organization.a", Key: "a", Name: "A", Branding: &state.Branding{}, JIT: &state.JIT{ManageSSOConnectors: true}},
			{Address: "organization.b", Key: "b", Name: "B", Branding: &state.Branding{}, CustomCSS: ptr("")},
		},
	}
	err = CheckFeatures(ctx, c, cfg, nil)
	var refused *diff.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("CheckFeatures on Logto 1.18.0: %v", err)
	}
	var got []string
	for _, p := range refused.Problems {
		got = append(got, p.Address+": "+p.Summary)
	}
	want := []string{
		"organization.a: the tenant's Logto has no organizations' logos and favicons (Logto 1.19.0 or later)",
		"organization.b: the tenant's Logto has no organizations' brand colours and custom CSS (Logto 1.32.0 or later)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if !strings.Contains(refused.Problems[0].Detail, "organization.a and 1 more") {
		t.Errorf("detail: %s", refused.Problems[0].Detail)
	}
	// Targets limit the check to the organizations they cover.
	if err := CheckFeatures(ctx, c, cfg, []string{"organization.a.jit"}); !errors.As(err, &refused) || len(refused.Problems) != 1 {
		t.Errorf("targeted check: %v", err)
	}
	// Through Plan: refused after the probes, before any read of the tenant.
	var sent []string
	lc := logto.Config{Endpoint: s.URL, AppID: s.AppID, AppSecret: s.AppSecret}
	withHook(func(req *http.Request, _ http.RoundTripper) (*http.Response, error, bool) {
		if strings.HasPrefix(req.URL.Path, "/api/") {
			sent = append(sent, req.Method+" "+req.URL.RequestURI())
		}
		return nil, nil, false
	})(&lc)
	if c, err = logto.New(lc); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Plan(ctx, c, cfg, PlanOptions{}); !errors.As(err, &refused) {
		t.Errorf("Plan: %v", err)
	}
	probes := []string{"GET /api/organization-invitations/orgsync-feature-probe/message",
		"GET /api/organizations/orgsync-feature-probe/jit/sso-connectors", "GET /api/organizations?page=1&page_size=1", "GET /api/applications/orgsync-feature-probe/custom-data",
		"GET /api/organizations?page=1&page_size=1", "GET /api/my-account/mfa-settings"}
	if diff := cmp.Diff(probes, sent); diff != "" {
		t.Errorf("requests of the refused plan (-want +got):\n%s", diff)
	}
}
