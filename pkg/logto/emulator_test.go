package logto_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/internal/logtotest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// target is the Logto the end-to-end tests run against: the emulator, or a
// real tenant when ORGSYNC_TEST_LOGTO_ENDPOINT, ORGSYNC_TEST_LOGTO_APP_ID
// and ORGSYNC_TEST_LOGTO_APP_SECRET are set (ORGSYNC_TEST_LOGTO_RESOURCE
// optionally). Against a real tenant every object is named with a unique
// prefix and deleted afterwards.
type target struct {
	client *logto.Client
	prefix string // unique per run
	real   bool
}

func newTarget(t *testing.T, opts emulator.Options, tune func(*logto.Config)) *target {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	tg := &target{prefix: "orgsync-e2e-" + hex.EncodeToString(b) + "-"}
	var cfg logto.Config
	if endpoint := os.Getenv("ORGSYNC_TEST_LOGTO_ENDPOINT"); endpoint != "" {
		cfg = logto.Config{
			Endpoint:     endpoint,
			AppID:        os.Getenv("ORGSYNC_TEST_LOGTO_APP_ID"),
			AppSecret:    os.Getenv("ORGSYNC_TEST_LOGTO_APP_SECRET"),
			Resource:     os.Getenv("ORGSYNC_TEST_LOGTO_RESOURCE"),
			InsecureHTTP: true, // the test environment was chosen explicitly
		}
		tg.real = true
	} else {
		srv := emulatortest.Start(t, opts)
		cfg = logto.Config{
			Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret,
			RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
		}
	}
	if tune != nil {
		tune(&cfg)
	}
	c, err := logto.New(cfg)
	if err != nil {
		t.Fatalf("logto.New: %v", err)
	}
	tg.client = c
	return tg
}

// cleanup registers a deletion that tolerates an object already gone.
func (tg *target) cleanup(t *testing.T, what string, del func(context.Context) error) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := del(ctx); err != nil && !logto.IsNotFound(err) {
			t.Errorf("cleanup: deleting %s: %v", what, err)
		}
	})
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func names(list []logto.IDName) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.Name
	}
	sort.Strings(out)
	return out
}

func TestEndToEnd(t *testing.T) {
	tg := newTarget(t, emulator.Options{Seed: 7}, nil)
	c, p := tg.client, tg.prefix
	ctx := context.Background()

	// Organization scopes: create, duplicate, update, list.
	read, err := c.CreateOrganizationScope(ctx, p+"read:doc", ptr("Read documents"))
	check(t, err)
	tg.cleanup(t, "scope "+read.ID, func(ctx context.Context) error { return c.DeleteOrganizationScope(ctx, read.ID) })
	write, err := c.CreateOrganizationScope(ctx, p+"write:doc", nil)
	check(t, err)
	tg.cleanup(t, "scope "+write.ID, func(ctx context.Context) error { return c.DeleteOrganizationScope(ctx, write.ID) })
	if write.ID == "" || write.Description != nil {
		t.Errorf("created scope %+v", write)
	}
	_, err = c.CreateOrganizationScope(ctx, p+"read:doc", nil)
	if !logto.HasCode(err, "entity.unique_integrity_violation") || logto.StatusOf(err) != 422 {
		t.Errorf("duplicate scope: %v, want 422 entity.unique_integrity_violation", err)
	}
	upd, err := c.UpdateOrganizationScope(ctx, write.ID, map[string]any{"description": "Write documents"})
	check(t, err)
	if upd.Description == nil || *upd.Description != "Write documents" {
		t.Errorf("updated scope %+v", upd)
	}

	// Roles with organization and API resource scopes.
	res, err := c.CreateResource(ctx, p+"api", "https://"+strings.TrimSuffix(p, "-")+".example.com/api")
	check(t, err)
	tg.cleanup(t, "resource "+res.ID, func(ctx context.Context) error { return c.DeleteResource(ctx, res.ID) })
	rs, err := c.CreateResourceScope(ctx, res.ID, "read:reports", ptr("Reports"))
	check(t, err)
	admin, err := c.CreateOrganizationRole(ctx, logto.CreateOrganizationRole{
		Name: p + "admin", Description: ptr("Admins"), OrganizationScopeIDs: []string{read.ID},
	})
	check(t, err)
	tg.cleanup(t, "role "+admin.ID, func(ctx context.Context) error { return c.DeleteOrganizationRole(ctx, admin.ID) })
	bot, err := c.CreateOrganizationRole(ctx, logto.CreateOrganizationRole{Name: p + "bot", Type: "MachineToMachine"})
	check(t, err)
	tg.cleanup(t, "role "+bot.ID, func(ctx context.Context) error { return c.DeleteOrganizationRole(ctx, bot.ID) })
	if admin.Type != "User" || bot.Type != "MachineToMachine" {
		t.Errorf("role types %q, %q", admin.Type, bot.Type)
	}
	check(t, c.SetOrganizationRoleScopes(ctx, admin.ID, []string{read.ID, write.ID}))
	check(t, c.SetOrganizationRoleResourceScopes(ctx, admin.ID, []string{rs.ID}))
	// A relation add through the generic Do, as the plan executor sends it.
	check(t, c.Do(logto.Idempotent(ctx), http.MethodPost, "/api/organization-roles/"+bot.ID+"/scopes",
		map[string][]string{"organizationScopeIds": {read.ID}}, nil))
	roles, err := c.ListOrganizationRoles(ctx)
	check(t, err)
	byName := map[string]logto.OrganizationRole{}
	for _, r := range roles {
		byName[r.Name] = r
	}
	if got := names(byName[p+"admin"].Scopes); !slices.Equal(got, []string{p + "read:doc", p + "write:doc"}) {
		t.Errorf("admin scopes = %v", got)
	}
	if rsc := byName[p+"admin"].ResourceScopes; len(rsc) != 1 || rsc[0].ID != rs.ID || rsc[0].Resource.ID != res.ID {
		t.Errorf("admin resource scopes = %+v", rsc)
	}
	if got := names(byName[p+"bot"].Scopes); !slices.Equal(got, []string{p + "read:doc"}) {
		t.Errorf("bot scopes = %v", got)
	}
	resources, err := c.ListResources(ctx)
	check(t, err)
	found := false
	for _, r := range resources {
		if r.ID == res.ID {
			found = len(r.Scopes) == 1 && r.Scopes[0].Name == "read:reports" && r.Indicator == res.Indicator
		}
	}
	if !found {
		t.Errorf("ListResources lacks %s with its scope", res.ID)
	}

	// Organizations.
	org, err := c.CreateOrganization(ctx, logto.CreateOrganization{
		Name: p + "acme", CustomData: map[string]any{"tier": "gold"}, IsMfaRequired: ptr(true),
	})
	check(t, err)
	tg.cleanup(t, "organization "+org.ID, func(ctx context.Context) error { return c.DeleteOrganization(ctx, org.ID) })
	other, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: p + "acme-labs"})
	check(t, err)
	tg.cleanup(t, "organization "+other.ID, func(ctx context.Context) error { return c.DeleteOrganization(ctx, other.ID) })
	got, err := logtotest.GetOrganization(ctx, c, org.ID)
	check(t, err)
	if got.Name != p+"acme" || !got.IsMfaRequired || got.CustomData["tier"] != "gold" || got.CreatedAt == 0 {
		t.Errorf("GetOrganization = %+v", got)
	}
	exact, err := c.FindOrganizationsByName(ctx, p+"acme")
	check(t, err)
	if len(exact) != 1 || exact[0].ID != org.ID {
		t.Errorf("FindOrganizationsByName = %+v, want only %s", exact, org.ID)
	}
	if _, err := c.UpdateOrganization(ctx, org.ID, map[string]any{"description": "ACME Inc."}); err != nil {
		t.Fatal(err)
	}
	all, err := c.ListOrganizations(ctx)
	check(t, err)
	if !slices.ContainsFunc(all, func(o logto.Organization) bool {
		return o.ID == org.ID && o.Description != nil && *o.Description == "ACME Inc."
	}) {
		t.Errorf("ListOrganizations lacks the updated %s", org.ID)
	}
	if _, err := logtotest.GetOrganization(ctx, c, "does-not-exist"); !logto.IsNotFound(err) {
		t.Errorf("GetOrganization(missing) = %v, want a 404", err)
	}

	// Users and membership.
	alice, err := c.CreateUser(ctx, logto.CreateUser{
		PrimaryEmail: p + "alice@example.com", Username: strings.ReplaceAll(p, "-", "_") + "alice", Name: "Alice",
	})
	check(t, err)
	tg.cleanup(t, "user "+alice.ID, func(ctx context.Context) error { return logtotest.DeleteUser(ctx, c, alice.ID) })
	bob, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: p + "bob@example.com"})
	check(t, err)
	tg.cleanup(t, "user "+bob.ID, func(ctx context.Context) error { return logtotest.DeleteUser(ctx, c, bob.ID) })
	users, err := c.FindUsersByEmail(ctx, []string{strings.ToUpper(p) + "ALICE@EXAMPLE.COM", p + "bob@example.com", p + "nobody@example.com"})
	check(t, err)
	if ids := userIDs(users); !slices.Equal(ids, sorted(alice.ID, bob.ID)) {
		t.Errorf("FindUsersByEmail = %v, want alice and bob", ids)
	}
	users, err = c.FindUsersByUsername(ctx, []string{alice.Username})
	check(t, err)
	if len(users) != 1 || users[0].ID != alice.ID {
		t.Errorf("FindUsersByUsername = %+v", users)
	}
	users, err = c.GetUsersByID(ctx, []string{bob.ID, "unknown-user-id"})
	check(t, err)
	if len(users) != 1 || users[0].ID != bob.ID {
		t.Errorf("GetUsersByID = %+v", users)
	}

	check(t, c.AddOrganizationUsers(ctx, org.ID, []string{alice.ID, bob.ID}))
	check(t, c.AddOrganizationUsers(ctx, org.ID, []string{alice.ID})) // already a member: no-op
	check(t, c.AssignOrganizationUsersRoles(ctx, org.ID, []string{alice.ID, bob.ID}, []string{admin.ID}))
	check(t, c.SetOrganizationUserRoles(ctx, org.ID, bob.ID, nil))
	members, err := c.ListOrganizationUsers(ctx, org.ID)
	check(t, err)
	roleNames := map[string][]string{}
	for _, m := range members {
		roleNames[m.ID] = names(m.OrganizationRoles)
	}
	if len(members) != 2 || !slices.Equal(roleNames[alice.ID], []string{p + "admin"}) || len(roleNames[bob.ID]) != 0 {
		t.Errorf("members = %v", roleNames)
	}
	check(t, c.RemoveOrganizationUser(ctx, org.ID, bob.ID))
	if err := c.RemoveOrganizationUser(ctx, org.ID, bob.ID); !logto.IsNotFound(err) {
		t.Errorf("removing a non-member = %v, want a 404", err)
	}

	// Applications.
	app, err := c.CreateApplication(ctx, p+"ci", "MachineToMachine")
	check(t, err)
	tg.cleanup(t, "application "+app.ID, func(ctx context.Context) error { return logtotest.DeleteApplication(ctx, c, app.ID) })
	m2m, err := c.ListApplications(ctx, "MachineToMachine")
	check(t, err)
	if !slices.ContainsFunc(m2m, func(a logto.Application) bool { return a.ID == app.ID }) {
		t.Errorf("ListApplications(MachineToMachine) lacks %s", app.ID)
	}
	check(t, c.AddOrganizationApplications(ctx, org.ID, []string{app.ID}))
	check(t, c.AssignOrganizationApplicationsRoles(ctx, org.ID, []string{app.ID}, []string{bot.ID}))
	apps, err := c.ListOrganizationApplications(ctx, org.ID)
	check(t, err)
	if len(apps) != 1 || apps[0].ID != app.ID || !slices.Equal(names(apps[0].OrganizationRoles), []string{p + "bot"}) {
		t.Errorf("organization applications = %+v", apps)
	}
	check(t, c.PatchApplicationCustomData(ctx, app.ID, map[string]any{"a": 1}))
	check(t, c.PatchApplicationCustomData(ctx, app.ID, map[string]any{"b": map[string]any{"x": "y"}}))
	gotApp, err := c.GetApplication(ctx, app.ID)
	check(t, err)
	if gotApp.CustomData["a"] != float64(1) || gotApp.CustomData["b"] == nil {
		t.Errorf("custom data after two merges = %v", gotApp.CustomData)
	}
	check(t, c.RemoveOrganizationApplication(ctx, org.ID, app.ID))

	// JIT.
	check(t, c.SetJITEmailDomains(ctx, org.ID, []string{"acme.example", "acme-labs.example"}))
	domains, err := c.ListJITEmailDomains(ctx, org.ID)
	check(t, err)
	sort.Strings(domains)
	if !slices.Equal(domains, []string{"acme-labs.example", "acme.example"}) {
		t.Errorf("JIT domains = %v", domains)
	}
	check(t, c.SetJITRoles(ctx, org.ID, []string{admin.ID}))
	jitRoles, err := c.ListJITRoles(ctx, org.ID)
	check(t, err)
	if len(jitRoles) != 1 || jitRoles[0].ID != admin.ID {
		t.Errorf("JIT roles = %+v", jitRoles)
	}

	// Invitations (no email is sent).
	inv, err := c.CreateInvitation(ctx, logto.CreateInvitation{
		Invitee: p + "carol@example.com", OrganizationID: org.ID,
		ExpiresAt: time.Now().Add(24 * time.Hour).UnixMilli(), OrganizationRoleIDs: []string{admin.ID},
	})
	check(t, err)
	tg.cleanup(t, "invitation "+inv.ID, func(ctx context.Context) error {
		return c.Do(ctx, http.MethodDelete, "/api/organization-invitations/"+inv.ID, nil, nil)
	})
	invs, err := c.ListInvitations(ctx, org.ID)
	check(t, err)
	if len(invs) != 1 || invs[0].ID != inv.ID || invs[0].Status != "Pending" || !slices.Equal(names(invs[0].OrganizationRoles), []string{p + "admin"}) {
		t.Errorf("ListInvitations(org) = %+v", invs)
	}
	everyone, err := c.ListInvitations(ctx, "")
	check(t, err)
	if !slices.ContainsFunc(everyone, func(i logto.Invitation) bool { return i.ID == inv.ID }) {
		t.Errorf("ListInvitations(\"\") lacks %s", inv.ID)
	}
}

// TestEndToEndResourceLock exercises API resources the way a lock uses
// them: the indicator is unique, a loser is told so (or, racing, gets a 500
// with nothing created), and a released indicator can be taken again.
func TestEndToEndResourceLock(t *testing.T) {
	tg := newTarget(t, emulator.Options{Seed: 9}, nil)
	c, p := tg.client, tg.prefix
	ctx := context.Background()
	indicator := "orgsync:" + p + "lock"

	lock, err := c.CreateResource(ctx, p+"lock", indicator, logtotest.WithAccessTokenTTL(60))
	check(t, err)
	tg.cleanup(t, "resource "+lock.ID, func(ctx context.Context) error { return c.DeleteResource(ctx, lock.ID) })
	if lock.ID == "" || lock.Indicator != indicator || lock.AccessTokenTTL != 60 {
		t.Errorf("created %+v", lock)
	}
	_, err = c.CreateResource(ctx, p+"lock", indicator)
	if !logto.HasCode(err, logto.CodeResourceIndicatorInUse) || logto.StatusOf(err) != 422 {
		t.Errorf("second create = %v, want 422 %s", err, logto.CodeResourceIndicatorInUse)
	}
	got, err := c.GetResource(ctx, lock.ID)
	check(t, err)
	if got.Indicator != indicator || got.AccessTokenTTL != 60 {
		t.Errorf("GetResource = %+v", got)
	}
	renamed, err := c.UpdateResourceName(ctx, lock.ID, p+"lock held by host-1")
	check(t, err)
	if renamed.Name != p+"lock held by host-1" || renamed.Indicator != indicator {
		t.Errorf("renamed %+v", renamed)
	}
	check(t, c.DeleteResource(ctx, lock.ID))
	err = c.DeleteResource(ctx, lock.ID)
	if !logto.IsNotFound(err) || !logto.HasCode(err, logto.CodeNotExistsWithID) {
		t.Errorf("second delete = %v, want 404 %s", err, logto.CodeNotExistsWithID)
	}
	if _, err := c.GetResource(ctx, lock.ID); !logto.HasCode(err, logto.CodeNotExistsWithID) {
		t.Errorf("GetResource(deleted) = %v", err)
	}
	again, err := c.CreateResource(ctx, p+"lock", indicator)
	check(t, err)
	tg.cleanup(t, "resource "+again.ID, func(ctx context.Context) error { return c.DeleteResource(ctx, again.ID) })
	if again.ID == lock.ID || again.AccessTokenTTL != 3600 {
		t.Errorf("re-created %+v, want a new id and the default lifetime", again)
	}
}

// TestResourceLockRace is the emulator's model of a lost create race: the
// loser gets a 500, is not retried, and nothing is created for it.
func TestResourceLockRace(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{Seed: 4})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	check(t, err)
	ctx := context.Background()
	winner, err := c.CreateResource(ctx, "lock", "orgsync:lock")
	check(t, err)
	srv.E.SetResourceRace(func(string) bool { return true })
	before := c.Requests()
	_, err = c.CreateResource(ctx, "lock", "orgsync:lock")
	if logto.StatusOf(err) != 500 || logto.HasCode(err, logto.CodeResourceIndicatorInUse) {
		t.Errorf("racing loser = %v, want a 500 without a code", err)
	}
	if n := c.Requests() - before; n != 1 {
		t.Errorf("the losing create took %d requests, want 1 (no retry of a POST that may have happened)", n)
	}
	// A winner whose answer is lost: the row exists although the call failed.
	srv.E.SetResourceRace(nil)
	srv.E.FailNextAfter("POST", "/api/resources", emulator.DropConnection, "")
	if _, err := c.CreateResource(ctx, "lock 2", "orgsync:lock2"); err == nil {
		t.Fatal("create with a dropped answer succeeded")
	}
	all, err := c.ListResources(ctx)
	check(t, err)
	var indicators []string
	for _, r := range all {
		indicators = append(indicators, r.Indicator)
	}
	if !slices.Equal(indicators, []string{emulator.DefaultResource, winner.Indicator, "orgsync:lock2"}) {
		t.Errorf("resources = %v", indicators)
	}
}

func TestEndToEndSSOConnectors(t *testing.T) {
	tg := newTarget(t, emulator.Options{Seed: 13}, nil)
	c, p := tg.client, tg.prefix
	ctx := context.Background()
	create := func(name string) string {
		t.Helper()
		var out struct{ ID string }
		// Unconfigured connectors: Logto would fetch a configured one's
		// identity provider.
		check(t, c.Do(ctx, http.MethodPost, "/api/sso-connectors", map[string]any{
			"providerName": "OIDC", "connectorName": name, "domains": []string{strings.ToUpper(strings.TrimSuffix(p, "-")) + ".example"},
		}, &out))
		tg.cleanup(t, "SSO connector "+out.ID, func(ctx context.Context) error {
			return c.Do(ctx, http.MethodDelete, "/api/sso-connectors/"+out.ID, nil, nil)
		})
		return out.ID
	}
	a, b := create(p+"idp-a"), create(p+"idp-b")
	err := c.Do(ctx, http.MethodPost, "/api/sso-connectors", map[string]any{"providerName": "OIDC", "connectorName": p + "idp-a"}, nil)
	if logto.StatusOf(err) != 409 || !logto.HasCode(err, "single_sign_on.duplicate_connector_name") {
		t.Errorf("duplicate connector name = %v, want 409", err)
	}
	all, err := c.ListSSOConnectors(ctx)
	check(t, err)
	var ours []logto.SSOConnector
	for _, x := range all {
		if strings.HasPrefix(x.ConnectorName, p) {
			ours = append(ours, x)
		}
	}
	if len(ours) != 2 || ours[0].ID != a || ours[0].ProviderName != "OIDC" || ours[1].ID != b ||
		!slices.Equal(ours[0].Domains, []string{strings.TrimSuffix(p, "-") + ".example"}) {
		t.Errorf("ListSSOConnectors = %+v", ours)
	}

	org, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: p + "sso"})
	check(t, err)
	tg.cleanup(t, "organization "+org.ID, func(ctx context.Context) error { return c.DeleteOrganization(ctx, org.ID) })
	check(t, logtotest.AddJITSSOConnectors(ctx, c, org.ID, []string{a}))
	check(t, logtotest.AddJITSSOConnectors(ctx, c, org.ID, []string{a})) // idempotent
	check(t, c.SetJITSSOConnectors(ctx, org.ID, []string{a, b}))
	err = c.SetJITSSOConnectors(ctx, org.ID, []string{a, "no-such-connector"})
	if !logto.HasCode(err, "entity.relation_foreign_key_not_found") {
		t.Errorf("unknown connector = %v, want 422 entity.relation_foreign_key_not_found", err)
	}
	jit, err := c.ListJITSSOConnectors(ctx, org.ID)
	check(t, err)
	if len(jit) != 2 || jit[0].ConnectorName != p+"idp-a" || jit[1].ConnectorName != p+"idp-b" {
		t.Errorf("JIT SSO connectors after a failed replace = %+v, want both kept", jit)
	}
	check(t, logtotest.RemoveJITSSOConnector(ctx, c, org.ID, a))
	if err := logtotest.RemoveJITSSOConnector(ctx, c, org.ID, a); !logto.IsNotFound(err) {
		t.Errorf("removing an unassigned connector = %v, want a 404", err)
	}
	check(t, c.Do(ctx, http.MethodDelete, "/api/sso-connectors/"+b, nil, nil))
	jit, err = c.ListJITSSOConnectors(ctx, org.ID)
	check(t, err)
	if len(jit) != 0 {
		t.Errorf("a deleted connector is still assigned: %+v", jit)
	}
}

func TestEndToEndOrganizationBranding(t *testing.T) {
	tg := newTarget(t, emulator.Options{Seed: 17}, nil)
	c, p := tg.client, tg.prefix
	ctx := context.Background()
	org, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: p + "branded",
		Branding: &logto.OrganizationBranding{LogoURL: "https://cdn.example/l.png", Favicon: "https://cdn.example/f.ico"},
		Color:    &logto.OrganizationColor{PrimaryColor: "#5d34f2", IsDarkModeEnabled: ptr(true), DarkPrimaryColor: "#222222"},
	})
	check(t, err)
	tg.cleanup(t, "organization "+org.ID, func(ctx context.Context) error { return c.DeleteOrganization(ctx, org.ID) })
	if org.Branding == nil || org.Branding.Favicon != "https://cdn.example/f.ico" || org.Color == nil ||
		org.Color.IsDarkModeEnabled == nil || !*org.Color.IsDarkModeEnabled || org.CustomCSS != nil {
		t.Errorf("created %+v", org)
	}
	plain, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: p + "plain"})
	check(t, err)
	tg.cleanup(t, "organization "+plain.ID, func(ctx context.Context) error { return c.DeleteOrganization(ctx, plain.ID) })
	if plain.Branding == nil || *plain.Branding != (logto.OrganizationBranding{}) || plain.Color == nil || plain.CustomCSS != nil {
		t.Errorf("an organization without branding = %+v, want empty branding and colour", plain)
	}
	_, err = c.UpdateOrganization(ctx, org.ID, map[string]any{"color": logto.OrganizationColor{PrimaryColor: "red"}})
	if logto.StatusOf(err) != 400 || !logto.HasCode(err, "guard.invalid_input") {
		t.Errorf("a named colour = %v, want 400 guard.invalid_input", err)
	}
	upd, err := c.UpdateOrganization(ctx, org.ID, map[string]any{
		"color": logto.OrganizationColor{PrimaryColor: "#112233"}, "customCss": ".logo{height:2em}"})
	check(t, err)
	got, err := logtotest.GetOrganization(ctx, c, org.ID)
	check(t, err)
	for _, o := range []*logto.Organization{upd, got} {
		if *o.Color != (logto.OrganizationColor{PrimaryColor: "#112233"}) || o.Branding.LogoURL != "https://cdn.example/l.png" ||
			o.CustomCSS == nil || *o.CustomCSS != ".logo{height:2em}" {
			t.Errorf("after replacing the colour: %+v %+v %v", o.Color, o.Branding, o.CustomCSS)
		}
	}
}

// TestInvitationMessagesAndStatus needs the emulator's e-mail connector
// and message log.
func TestInvitationMessagesAndStatus(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{Seed: 19, MessageRateLimit: 2})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	check(t, err)
	ctx := context.Background()
	org, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: "acme"})
	check(t, err)
	boss, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: "boss@acme.example"})
	check(t, err)
	expires := time.Now().Add(time.Hour).UnixMilli()
	_, err = c.CreateInvitation(ctx, logto.CreateInvitation{Invitee: "carol@acme.example", OrganizationID: org.ID,
		ExpiresAt: expires, MessagePayload: map[string]any{}})
	if logto.StatusOf(err) != 501 || !logto.HasCode(err, "connector.not_found") {
		t.Fatalf("invitation e-mail without a connector = %v, want 501 connector.not_found", err)
	}
	if invs, err := c.ListInvitations(ctx, org.ID); err != nil || len(invs) != 0 {
		t.Fatalf("after the failed create: %v, %v; want no invitation", invs, err)
	}
	inv, err := c.CreateInvitation(ctx, logto.CreateInvitation{Invitee: "carol@acme.example", OrganizationID: org.ID,
		ExpiresAt: expires, InviterID: boss.ID})
	check(t, err)
	if err := c.SendInvitationMessage(ctx, inv.ID, nil); !logto.HasCode(err, "connector.not_found") {
		t.Errorf("send without a connector = %v", err)
	}
	srv.E.SetEmailConnector(true)
	check(t, c.SendInvitationMessage(ctx, inv.ID, map[string]any{"link": "https://app.example/invite/" + inv.ID}))
	check(t, c.SendInvitationMessage(ctx, inv.ID, nil))
	if err := c.SendInvitationMessage(ctx, inv.ID, nil); logto.StatusOf(err) != 429 || !logto.HasCode(err, "request.message_rate_limited") {
		t.Errorf("third send = %v, want 429 request.message_rate_limited", err)
	}
	sent := srv.E.SentMessages()
	if len(sent) != 2 || sent[0].To != "carol@acme.example" || sent[0].Payload["link"] != "https://app.example/invite/"+inv.ID {
		t.Errorf("sent = %+v", sent)
	}
	found, err := c.FindInvitations(ctx, logto.InvitationFilter{Invitee: "CAROL@acme.example", InviterID: boss.ID})
	check(t, err)
	if len(found) != 1 || found[0].ID != inv.ID || found[0].InviterID == nil || *found[0].InviterID != boss.ID {
		t.Errorf("FindInvitations = %+v", found)
	}
	if _, err := c.SetInvitationStatus(ctx, inv.ID, logto.InvitationAccepted, "no-such-user"); !logto.HasCode(err, "entity.not_found") {
		t.Errorf("accept by a missing user = %v, want 404 entity.not_found", err)
	}
	carol, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: "Carol@acme.example"})
	check(t, err)
	accepted, err := c.SetInvitationStatus(ctx, inv.ID, logto.InvitationAccepted, carol.ID)
	check(t, err)
	if accepted.Status != "Accepted" || accepted.AcceptedUserID == nil || *accepted.AcceptedUserID != carol.ID {
		t.Errorf("accepted %+v", accepted)
	}
	if _, err := c.SetInvitationStatus(ctx, inv.ID, logto.InvitationRevoked, ""); logto.StatusOf(err) != 422 {
		t.Errorf("revoking an accepted invitation = %v, want 422", err)
	}
	members, err := c.ListOrganizationUsers(ctx, org.ID)
	check(t, err)
	if len(members) != 1 || members[0].ID != carol.ID {
		t.Errorf("members = %+v", members)
	}
}

func TestEndToEndUserConsentScopes(t *testing.T) {
	tg := newTarget(t, emulator.Options{Seed: 23}, nil)
	c, p := tg.client, tg.prefix
	ctx := context.Background()
	var partner logto.Application
	check(t, c.Do(ctx, http.MethodPost, "/api/applications",
		map[string]any{"name": p + "partner", "type": "Traditional", "isThirdParty": true}, &partner))
	tg.cleanup(t, "application "+partner.ID, func(ctx context.Context) error { return logtotest.DeleteApplication(ctx, c, partner.ID) })
	first, err := c.CreateApplication(ctx, p+"web", "SPA")
	check(t, err)
	tg.cleanup(t, "application "+first.ID, func(ctx context.Context) error { return logtotest.DeleteApplication(ctx, c, first.ID) })
	third, err := c.FindApplications(ctx, logto.ApplicationFilter{ThirdParty: ptr(true)})
	check(t, err)
	if !slices.ContainsFunc(third, func(a logto.Application) bool { return a.ID == partner.ID && a.IsThirdParty }) ||
		slices.ContainsFunc(third, func(a logto.Application) bool { return a.ID == first.ID }) {
		t.Errorf("third-party applications = %+v", third)
	}
	read, err := c.CreateOrganizationScope(ctx, p+"read", nil)
	check(t, err)
	tg.cleanup(t, "scope "+read.ID, func(ctx context.Context) error { return c.DeleteOrganizationScope(ctx, read.ID) })
	write, err := c.CreateOrganizationScope(ctx, p+"write", nil)
	check(t, err)
	tg.cleanup(t, "scope "+write.ID, func(ctx context.Context) error { return c.DeleteOrganizationScope(ctx, write.ID) })

	if err := logtotest.AddUserConsentOrganizationScopes(ctx, c, first.ID, []string{read.ID}); !logto.HasCode(err, "application.third_party_application_only") {
		t.Errorf("consent scopes of a first-party app = %v", err)
	}
	if err := logtotest.AddUserConsentOrganizationScopes(ctx, c, partner.ID, []string{"no-such-scope"}); !logto.HasCode(err, "application.user_consent_scopes_not_found") {
		t.Errorf("unknown consent scope = %v", err)
	}
	check(t, logtotest.AddUserConsentOrganizationScopes(ctx, c, partner.ID, []string{read.ID, write.ID}))
	check(t, logtotest.AddUserConsentOrganizationScopes(ctx, c, partner.ID, []string{read.ID}))
	got, err := c.ListUserConsentOrganizationScopes(ctx, partner.ID)
	check(t, err)
	if len(got) != 2 || got[0].Name != p+"read" || got[1].Name != p+"write" {
		t.Errorf("consent scopes = %+v", got)
	}
	check(t, c.DeleteOrganizationScope(ctx, write.ID))
	check(t, logtotest.RemoveUserConsentOrganizationScope(ctx, c, partner.ID, read.ID))
	if err := logtotest.RemoveUserConsentOrganizationScope(ctx, c, partner.ID, read.ID); !logto.IsNotFound(err) {
		t.Errorf("removing an absent consent scope = %v, want 404", err)
	}
	got, err = c.ListUserConsentOrganizationScopes(ctx, partner.ID)
	check(t, err)
	if len(got) != 0 {
		t.Errorf("after deleting one scope and removing the other: %+v", got)
	}
}

func TestUserMFAVerifications(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{Seed: 29})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	check(t, err)
	ctx := context.Background()
	u, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: "mfa@acme.example"})
	check(t, err)
	none, err := c.ListUserMFAVerifications(ctx, u.ID)
	check(t, err)
	if none == nil || len(none) != 0 {
		t.Errorf("without MFA: %#v, want an empty list", none)
	}
	check(t, srv.E.AddUserMFA(u.ID, "Totp"))
	got, err := c.ListUserMFAVerifications(ctx, u.ID)
	check(t, err)
	if len(got) != 1 || got[0].Type != "Totp" {
		t.Fatalf("factors = %+v", got)
	}
	if _, err := time.Parse(time.RFC3339, got[0].CreatedAt); err != nil {
		t.Errorf("createdAt %q is not an ISO time: %v", got[0].CreatedAt, err)
	}
	if _, err := c.ListUserMFAVerifications(ctx, "no-such-user"); !logto.HasCode(err, "entity.not_found") {
		t.Errorf("missing user = %v, want 404 entity.not_found", err)
	}
}

func TestEndToEndCheaperReads(t *testing.T) {
	tg := newTarget(t, emulator.Options{Seed: 31}, nil)
	c, p := tg.client, tg.prefix
	ctx := context.Background()
	app, err := c.CreateApplication(ctx, p+"ci", "MachineToMachine")
	check(t, err)
	tg.cleanup(t, "application "+app.ID, func(ctx context.Context) error { return logtotest.DeleteApplication(ctx, c, app.ID) })
	bot, err := c.CreateOrganizationRole(ctx, logto.CreateOrganizationRole{Name: p + "bot", Type: "MachineToMachine"})
	check(t, err)
	tg.cleanup(t, "role "+bot.ID, func(ctx context.Context) error { return c.DeleteOrganizationRole(ctx, bot.ID) })
	admin, err := c.CreateOrganizationRole(ctx, logto.CreateOrganizationRole{Name: p + "admin"})
	check(t, err)
	tg.cleanup(t, "role "+admin.ID, func(ctx context.Context) error { return c.DeleteOrganizationRole(ctx, admin.ID) })
	var orgs []string
	for i := range 3 {
		o, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: fmt.Sprintf("%sorg-%d", p, i)})
		check(t, err)
		tg.cleanup(t, "organization "+o.ID, func(ctx context.Context) error { return c.DeleteOrganization(ctx, o.ID) })
		check(t, c.AddOrganizationApplications(ctx, o.ID, []string{app.ID}))
		orgs = append(orgs, o.ID)
	}
	check(t, c.AssignOrganizationApplicationsRoles(ctx, orgs[1], []string{app.ID}, []string{bot.ID}))
	memberships, err := c.ListApplicationOrganizations(ctx, app.ID)
	check(t, err)
	roles := map[string][]string{}
	for _, m := range memberships {
		roles[m.ID] = names(m.OrganizationRoles)
	}
	if len(memberships) != 3 || len(roles[orgs[0]]) != 0 || !slices.Equal(roles[orgs[1]], []string{p + "bot"}) {
		t.Errorf("ListApplicationOrganizations = %v", roles)
	}
	if _, err := c.ListApplicationOrganizations(ctx, "no-such-app"); !logto.HasCode(err, logto.CodeNotExistsWithID) {
		t.Errorf("missing application = %v", err)
	}

	a, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: p + "a@example.com"})
	check(t, err)
	tg.cleanup(t, "user "+a.ID, func(ctx context.Context) error { return logtotest.DeleteUser(ctx, c, a.ID) })
	b, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: p + "b@example.com"})
	check(t, err)
	tg.cleanup(t, "user "+b.ID, func(ctx context.Context) error { return logtotest.DeleteUser(ctx, c, b.ID) })
	check(t, c.AddOrganizationUsers(ctx, orgs[0], []string{a.ID, b.ID}))
	check(t, c.AssignOrganizationUsersRoles(ctx, orgs[0], []string{b.ID}, []string{admin.ID}))
	holders, err := c.ListOrganizationUsersWithRole(ctx, orgs[0], admin.ID)
	check(t, err)
	if len(holders) != 1 || holders[0].ID != b.ID {
		t.Errorf("ListOrganizationUsersWithRole = %+v, want only b", holders)
	}
}

func TestEndToEndPagination(t *testing.T) {
	tg := newTarget(t, emulator.Options{Seed: 11}, nil)
	c, p := tg.client, tg.prefix
	ctx := context.Background()
	const n = 205 // three pages of 100
	want := make([]string, 0, n)
	for i := range n {
		s, err := c.CreateOrganizationScope(ctx, fmt.Sprintf("%sp%03d", p, i), nil)
		check(t, err)
		tg.cleanup(t, "scope "+s.ID, func(ctx context.Context) error { return c.DeleteOrganizationScope(ctx, s.ID) })
		want = append(want, s.Name)
	}
	before := c.Requests()
	scopes, err := c.ListOrganizationScopes(ctx)
	check(t, err)
	var got []string
	for _, s := range scopes {
		if strings.HasPrefix(s.Name, p) {
			got = append(got, s.Name)
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Fatalf("listed %d of our %d scopes", len(got), n)
	}
	if !tg.real {
		if pages := c.Requests() - before; pages != 3 {
			t.Errorf("list took %d requests, want 3 pages", pages)
		}
	}
}

// TestEndToEndUnderFaults reads and writes through an emulator that fails a
// third of the /api requests (5xx, 429, dropped connections, before or after
// applying the change): reads and idempotent writes must all succeed.
func TestEndToEndUnderFaults(t *testing.T) {
	if os.Getenv("ORGSYNC_TEST_LOGTO_ENDPOINT") != "" {
		t.Skip("fault injection needs the emulator")
	}
	srv := emulatortest.Start(t, emulator.Options{Seed: 3})
	c, err := logto.New(logto.Config{
		Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, MaxRetries: 12,
	})
	check(t, err)
	ctx := context.Background()
	org, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: "faulty"})
	check(t, err)
	var ids []string
	for i := range 5 {
		u, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: fmt.Sprintf("u%d@faulty.example", i)})
		check(t, err)
		ids = append(ids, u.ID)
	}
	srv.E.SetFaultRate(0.33)
	for range 20 {
		check(t, c.AddOrganizationUsers(ctx, org.ID, ids))
		members, err := c.ListOrganizationUsers(ctx, org.ID)
		check(t, err)
		if len(members) != len(ids) {
			t.Fatalf("members = %d, want %d", len(members), len(ids))
		}
		check(t, c.SetJITEmailDomains(ctx, org.ID, []string{"faulty.example"}))
	}
	const calls = 1 + 5 + 20*3 + 1 // creates, faulty loop, token
	t.Logf("%d HTTP requests for %d calls", c.Requests(), calls)
	if c.Requests() <= calls {
		t.Errorf("Requests() = %d: no fault was retried?", c.Requests())
	}
}

// TestEndToEndRateLimit runs against an emulator with a small Logto
// Cloud-like bucket: the client's adaptive budget and 429 retries must get
// every call through.
func TestEndToEndRateLimit(t *testing.T) {
	if os.Getenv("ORGSYNC_TEST_LOGTO_ENDPOINT") != "" {
		t.Skip("the rate limit scenario needs the emulator")
	}
	srv := emulatortest.Start(t, emulator.Options{Seed: 5, RateLimit: true, RateLimitCapacity: 10, RateLimitPerSecond: 200})
	c, err := logto.New(logto.Config{
		Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 20 * time.Millisecond, MaxRetries: 10,
		RequestsPerSecond: 2000,
	})
	check(t, err)
	ctx := context.Background()
	for range 60 {
		if _, err := c.ListOrganizationScopes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	const calls = 60 + 1 // lists, token
	t.Logf("%d HTTP requests for %d calls", c.Requests(), calls)
	if c.Requests() <= calls {
		t.Errorf("Requests() = %d: the emulator's limit was never hit", c.Requests())
	}
}

func userIDs(users []logto.User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	sort.Strings(ids)
	return ids
}

func sorted(s ...string) []string {
	sort.Strings(s)
	return s
}

func ptr[T any](v T) *T { return &v }
