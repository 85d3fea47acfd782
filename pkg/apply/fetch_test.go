package apply

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// seeded is a tenant with one object of every kind Fetch reads, and the
// config that declares them.
type seeded struct {
	tt             *testTenant
	pa, pb         *logto.OrganizationScope
	roleU, roleM   *logto.OrganizationRole
	o1, o2, o3, o4 *logto.Organization
	u1, u2, u3     *logto.User
	ci             *logto.Application
	resID, rsID    string
	indicator      string
	cfg            *state.Config
}

func seed(t *testing.T) *seeded {
	t.Helper()
	ctx := context.Background()
	tt := newTestTenant(t)
	tt.protectRecord()
	s := &seeded{tt: tt}
	c := tt.C
	s.pa, s.pb = tt.scope(tt.name("read:a")), tt.scope(tt.name("read:b"))

	s.indicator = "https://" + strings.TrimSuffix(tt.prefix, "-") + ".example.com"
	res, err := c.CreateResource(ctx, tt.name("api"), s.indicator)
	if err != nil {
		t.Fatal(err)
	}
	tt.cleanup(func(ctx context.Context) error {
		return c.Do(ctx, http.MethodDelete, "/api/resources/"+res.ID, nil, nil)
	})
	rs, err := c.CreateResourceScope(ctx, res.ID, "read:reports", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.resID, s.rsID = res.ID, rs.ID

	desc := "Members"
	s.roleU = tt.role(logto.CreateOrganizationRole{Name: tt.name("member"), Description: &desc,
		OrganizationScopeIDs: []string{s.pb.ID, s.pa.ID}, ResourceScopeIDs: []string{rs.ID}})
	s.roleM = tt.role(logto.CreateOrganizationRole{Name: tt.name("bot"), Type: state.RoleTypeM2M})

	s.o1, s.o2, s.o3, s.o4 = tt.org(tt.name("one")), tt.org(tt.name("two")), tt.org(tt.name("three")), tt.org(tt.name("four"))
	s.u1, s.u2, s.u3 = tt.user(tt.name("u1")), tt.user(tt.name("u2")), tt.user(tt.name("u3"))
	s.ci = tt.app(tt.name("ci"))
	must(t, c.AddOrganizationUsers(ctx, s.o1.ID, []string{s.u1.ID}))
	must(t, c.AssignOrganizationUsersRoles(ctx, s.o1.ID, []string{s.u1.ID}, []string{s.roleU.ID}))
	must(t, c.AddOrganizationUsers(ctx, s.o4.ID, []string{s.u2.ID}))
	must(t, c.AddOrganizationApplications(ctx, s.o1.ID, []string{s.ci.ID}))
	must(t, c.AssignOrganizationApplicationsRoles(ctx, s.o1.ID, []string{s.ci.ID}, []string{s.roleM.ID}))
	must(t, c.SetJITEmailDomains(ctx, s.o2.ID, []string{"b.example.com", "a.example.com"}))
	must(t, c.SetJITRoles(ctx, s.o2.ID, []string{s.roleU.ID}))
	if _, err := c.CreateInvitation(ctx, logto.CreateInvitation{
		Invitee: "ghost-" + tt.prefix + "x@example.com", OrganizationID: s.o1.ID,
		ExpiresAt: time.Now().Add(time.Hour).UnixMilli(), OrganizationRoleIDs: []string{s.roleU.ID},
	}); err != nil {
		t.Fatal(err)
	}
	_, st := readRecord(t, c)
	store(t, c, state.Record{Organizations: []string{s.o4.ID}}, &st)

	s.cfg = &state.Config{
		Settings:    state.Settings{MissingUsers: state.MissingUsersInvite},
		Permissions: []state.Permission{{Name: s.pa.Name}, {Name: s.pb.Name}},
		Roles: []state.Role{
			{Name: s.roleU.Name, Type: state.RoleTypeUser, APIPermissions: map[string][]string{s.indicator: {"read:reports"}}},
		},
		Organizations: []state.Organization{
			{Address: "organization.one", Key: "one", Name: s.o1.Name,
				Members: []state.Member{
					{Label: strings.ToUpper(s.u1.PrimaryEmail), Kind: state.RefEmail, Value: s.u1.PrimaryEmail},
					{Label: s.u2.PrimaryEmail, Kind: state.RefEmail, Value: s.u2.PrimaryEmail},
					{Label: "id:" + s.u3.ID, Kind: state.RefID, Value: s.u3.ID},
					{Label: "ghost@example.com", Kind: state.RefEmail, Value: "ghost-" + tt.prefix + "x@example.com"},
				},
				Applications: []state.Application{{Label: s.ci.Name, Kind: state.RefName, Value: s.ci.Name}},
			},
			{Address: "organization.two", Key: "two", ID: s.o2.ID, Name: "renamed", JIT: &state.JIT{}},
			{Address: "organization.new", Key: "new", Name: tt.name("not-there")},
		},
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func findOrg(live *state.Live, id string) *state.LiveOrganization {
	for i := range live.Organizations {
		if live.Organizations[i].ID == id {
			return &live.Organizations[i]
		}
	}
	return nil
}

func TestFetchSeededTenant(t *testing.T) {
	s := seed(t)
	c := s.tt.client(nil) // fresh: its request count starts at zero
	live, err := Fetch(context.Background(), c, s.cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !s.tt.real() {
		// token, scopes, roles, organizations, record, invitations, M2M
		// applications, resources, o1 users + applications, o2 users + JIT
		// domains + JIT roles, o4 users and applications (in the record, so
		// the plan may delete it, and a machine-to-machine role exists), one
		// email lookup (u2 and the ghost; u1 is known from o1's listing), one
		// id lookup.
		const want = 17
		if got := c.Requests(); got != want {
			t.Errorf("Fetch sent %d requests, want %d", got, want)
		}
	}

	if live.RecordApp != c.AppID() || !slices.Equal(live.Record.Organizations, []string{s.o4.ID}) {
		t.Errorf("record: app %q, %+v", live.RecordApp, live.Record)
	}
	var perms []state.LivePermission
	for _, p := range live.Permissions {
		if strings.HasPrefix(p.Name, s.tt.prefix) {
			perms = append(perms, p)
		}
	}
	wantPerms := []state.LivePermission{{ID: s.pa.ID, Name: s.pa.Name}, {ID: s.pb.ID, Name: s.pb.Name}}
	if d := cmp.Diff(wantPerms, perms); d != "" {
		t.Errorf("permissions (-want +got):\n%s", d)
	}
	roleU := findRole(live, s.roleU.ID)
	wantRole := state.LiveRole{ID: s.roleU.ID, Name: s.roleU.Name, Description: "Members", Type: state.RoleTypeUser,
		PermissionIDs: sortedSet([]string{s.pa.ID, s.pb.ID}), ResourceScopeIDs: []string{s.rsID}}
	if d := cmp.Diff(&wantRole, roleU); d != "" {
		t.Errorf("role (-want +got):\n%s", d)
	}
	if r := findRole(live, s.roleM.ID); r == nil || r.Type != state.RoleTypeM2M || len(r.PermissionIDs) != 0 {
		t.Errorf("M2M role: %+v", r)
	}
	idx := slices.IndexFunc(live.Resources, func(r state.Resource) bool { return r.ID == s.resID })
	if idx < 0 || live.Resources[idx].Indicator != s.indicator ||
		!slices.Equal(live.Resources[idx].Scopes, []state.ResourceScope{{ID: s.rsID, Name: "read:reports"}}) {
		t.Errorf("resources: %+v", live.Resources)
	}

	o1 := findOrg(live, s.o1.ID)
	if !o1.Loaded || o1.JITLoaded || o1.CustomData == nil {
		t.Errorf("o1 flags: %+v", o1)
	}
	if d := cmp.Diff([]state.LiveMember{{UserID: s.u1.ID, RoleIDs: []string{s.roleU.ID}}}, o1.Members); d != "" {
		t.Errorf("o1 members (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]state.LiveApplication{{AppID: s.ci.ID, RoleIDs: []string{s.roleM.ID}}}, o1.Applications); d != "" {
		t.Errorf("o1 applications (-want +got):\n%s", d)
	}
	o2 := findOrg(live, s.o2.ID)
	if !o2.Loaded || !o2.JITLoaded || o2.Applications != nil || len(o2.Members) != 0 {
		t.Errorf("o2 (pinned by id, JIT declared): %+v", o2)
	}
	if d := cmp.Diff(state.JIT{EmailDomains: []string{"a.example.com", "b.example.com"}, Roles: []string{s.roleU.ID}}, o2.JIT); d != "" {
		t.Errorf("o2 JIT (-want +got):\n%s", d)
	}
	if o3 := findOrg(live, s.o3.ID); o3 == nil || o3.Loaded || o3.JITLoaded {
		t.Errorf("o3 (undeclared) should be listed but not loaded: %+v", o3)
	}
	if o4 := findOrg(live, s.o4.ID); !o4.Loaded || len(o4.Members) != 1 || o4.Applications == nil {
		t.Errorf("o4 (in the record) should be loaded: %+v", o4)
	}
	for _, u := range []*logto.User{s.u1, s.u2, s.u3} {
		if got := live.Users[u.ID]; got != (state.User{ID: u.ID, Username: u.Username, Email: u.PrimaryEmail}) {
			t.Errorf("user %s: %+v", u.ID, got)
		}
	}
	if got := live.Applications[s.ci.ID]; got.Name != s.ci.Name || got.Type != "MachineToMachine" {
		t.Errorf("application: %+v", got)
	}
	inv := slices.IndexFunc(live.Invitations, func(i state.Invitation) bool { return i.OrganizationID == s.o1.ID })
	if inv < 0 || !slices.Equal(live.Invitations[inv].RoleIDs, []string{s.roleU.ID}) {
		t.Errorf("invitations: %+v", live.Invitations)
	}
	if !slices.IsSortedFunc(live.Organizations, func(a, b state.LiveOrganization) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("organizations are not sorted by name")
	}
}

func findRole(live *state.Live, id string) *state.LiveRole {
	for i := range live.Roles {
		if live.Roles[i].ID == id {
			return &live.Roles[i]
		}
	}
	return nil
}

// TestFetchMinimalRequests: a small tenant that already matches its config
// costs one request per collection and one member page per organization.
func TestFetchMinimalRequests(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	ctx := context.Background()
	pa, pb := tt.scope("read:a"), tt.scope("read:b")
	role := tt.role(logto.CreateOrganizationRole{Name: "member", OrganizationScopeIDs: []string{pa.ID, pb.ID}})
	cfg := &state.Config{
		Settings:    state.Settings{MissingUsers: state.MissingUsersError},
		Permissions: []state.Permission{{Name: "read:a"}, {Name: "read:b"}},
		Roles:       []state.Role{{Name: "member", Type: state.RoleTypeUser, Permissions: []string{"read:a", "read:b"}}},
	}
	for _, name := range []string{"acme", "globex"} {
		o := tt.org(name)
		u := tt.user(name + "_admin")
		must(t, tt.C.AddOrganizationUsers(ctx, o.ID, []string{u.ID}))
		must(t, tt.C.AssignOrganizationUsersRoles(ctx, o.ID, []string{u.ID}, []string{role.ID}))
		cfg.Organizations = append(cfg.Organizations, state.Organization{
			Address: "organization." + name, Key: name, Name: name,
			Members: []state.Member{{Label: u.PrimaryEmail, Kind: state.RefEmail, Value: u.PrimaryEmail, Roles: []string{"member"}}},
		})
	}
	c := tt.client(nil)
	live, err := Fetch(ctx, c, cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// token + scopes + roles + organizations + record + 2 member pages.
	if got, want := c.Requests(), int64(7); got != want {
		t.Errorf("Fetch sent %d requests, want %d", got, want)
	}
	if len(live.Users) != 2 || len(live.Organizations) != 2 || !live.Organizations[0].Loaded {
		t.Errorf("live: %+v", live)
	}

	// -target organization.acme reads only acme's members.
	c = tt.client(nil)
	live, err = Fetch(ctx, c, cfg, FetchOptions{Targets: []string{`organization.acme.member."x@example.com"`}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Requests(), int64(6); got != want {
		t.Errorf("targeted Fetch sent %d requests, want %d", got, want)
	}
	if !live.Organizations[0].Loaded || live.Organizations[1].Loaded {
		t.Errorf("targeted Fetch loaded: %v, %v", live.Organizations[0].Loaded, live.Organizations[1].Loaded)
	}
}

func TestFetchAbortsOnFailedRead(t *testing.T) {
	if newTestTenant(t).real() {
		t.Skip("needs the emulator (fault injection)")
	}
	tests := []struct {
		prefix func(s *seeded) string
		want   string
	}{
		{func(*seeded) string { return "/api/organization-scopes" }, "read organization permissions"},
		{func(*seeded) string { return "/api/organization-roles" }, "read organization roles"},
		{func(s *seeded) string { return "/api/organizations/" + s.o1.ID + "/users" }, "read the members of organization"},
		{func(s *seeded) string { return "/api/organizations/" + s.o4.ID + "/users" }, "read the members of organization"},
		{func(s *seeded) string { return "/api/organizations/" + s.o1.ID + "/applications" }, "read the applications of organization"},
		{func(s *seeded) string { return "/api/organizations/" + s.o2.ID + "/jit/email-domains" }, "just-in-time email domains"},
		{func(s *seeded) string { return "/api/organizations/" + s.o2.ID + "/jit/roles" }, "just-in-time roles"},
		{func(s *seeded) string { return "/api/applications/" + s.tt.C.AppID() }, "read the ownership record"},
		{func(*seeded) string { return "/api/users" }, "look up"},
		{func(*seeded) string { return "/api/resources" }, "read API resources"},
		{func(*seeded) string { return "/api/organization-invitations" }, "read organization invitations"},
		// A prefix of every per-organization path too: whichever read comes first fails.
		{func(*seeded) string { return "/api/organizations" }, "organization"},
	}
	for _, tc := range tests {
		// A fresh tenant per case: reads cancelled by an earlier failure may
		// still reach the server and must not consume this case's fault.
		s := seed(t)
		prefix := tc.prefix(s)
		t.Run(prefix, func(t *testing.T) {
			s.tt.Emu.FailNext(http.MethodGet, prefix, http.StatusForbidden, "auth.forbidden")
			live, err := Fetch(context.Background(), s.tt.C, s.cfg, FetchOptions{Parallelism: 3})
			if err == nil || live != nil {
				t.Fatalf("Fetch succeeded despite a failed read of %s", prefix)
			}
			if !strings.Contains(err.Error(), tc.want) || logto.StatusOf(err) != http.StatusForbidden {
				t.Fatalf("error %q: want one containing %q and wrapping the 403", err, tc.want)
			}
			// Nothing left armed: the next Fetch works.
			if _, err := Fetch(context.Background(), s.tt.C, s.cfg, FetchOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFetchAbortsOnMalformedResponses(t *testing.T) {
	s := seed(t)
	s.tt.emulatorOnly()
	appID := s.tt.C.AppID()
	tests := []struct {
		name   string
		path   string // exact request path to garble
		header http.Header
		body   string
		want   string
	}{
		{"object instead of list", "/api/organization-scopes", nil, `{"oops":true}`, "organization permissions"},
		{"role without id", "/api/organization-roles", nil, `[{"id":"","name":"x","scopes":[]}]`, "without id"},
		{"truncated JSON", "/api/organizations/" + s.o1.ID + "/users", nil, `[{"id":"u1"`, "members of organization"},
		{"total mismatch", "/api/organizations", http.Header{"Total-Number": {"250"}}, `[]`, "read organizations"},
		{"html", "/api/organization-roles", http.Header{"Content-Type": {"text/html"}}, `<html><title>Bad gateway</title></html>`, "organization roles"},
		{"record header", "/api/applications/" + appID, nil, `{"id":"` + appID + `","name":"x","type":"MachineToMachine","customData":{"orgsync_record":[1,2]}}`, "malformed"},
		{"user lookup", "/api/users", nil, `[{"id":"","primaryEmail":"ghost-` + s.tt.prefix + `x@example.com"}]`, "look up"},
		{"user lookup truncated", "/api/users", nil, `[{"id":`, "look up"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet && r.URL.Path == tc.path {
					for k, v := range tc.header {
						w.Header()[k] = v
					}
					if w.Header().Get("Content-Type") == "" {
						w.Header().Set("Content-Type", "application/json")
					}
					w.Write([]byte(tc.body))
					return
				}
				s.tt.Emu.ServeHTTP(w, r)
			}))
			defer srv.Close()
			c := s.tt.client(func(cfg *logto.Config) { cfg.Endpoint = srv.URL })
			live, err := Fetch(context.Background(), c, s.cfg, FetchOptions{})
			if err == nil || live != nil {
				t.Fatalf("Fetch accepted a malformed answer for %s", tc.path)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestFetchCancelled(t *testing.T) {
	s := seed(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fetch(ctx, s.tt.C, s.cfg, FetchOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
