package apply

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// appsTenant is a tenant of five organizations that each declare one of two
// machine-to-machine applications (plus orgsync's own, which is in none),
// so that reading per application (3 requests) is cheaper than per
// organization (5).
type appsTenant struct {
	tt   *testTenant
	cfg  *state.Config
	orgs []*logto.Organization
	want map[string][]state.LiveApplication // by organization id
}

func newAppsTenant(t *testing.T) *appsTenant {
	t.Helper()
	ctx := context.Background()
	tt := newTestTenant(t)
	tt.emulatorOnly()
	a := &appsTenant{tt: tt, want: map[string][]state.LiveApplication{}}
	c := tt.C
	bot := tt.role(logto.CreateOrganizationRole{Name: tt.name("bot"), Type: state.RoleTypeM2M})
	apps := []*logto.Application{tt.app(tt.name("ci")), tt.app(tt.name("cd"))}
	a.cfg = &state.Config{Settings: state.Settings{MissingUsers: state.MissingUsersError}}
	for i := range 5 {
		o := tt.org(tt.name("org" + string(rune('a'+i))))
		a.orgs = append(a.orgs, o)
		app := apps[i%2]
		var roles []string
		if i < 4 {
			must(t, c.AddOrganizationApplications(ctx, o.ID, []string{app.ID}))
			if i%2 == 0 {
				must(t, c.AssignOrganizationApplicationsRoles(ctx, o.ID, []string{app.ID}, []string{bot.ID}))
				roles = []string{bot.ID}
			}
			a.want[o.ID] = []state.LiveApplication{{AppID: app.ID, RoleIDs: roles}}
		} else {
			a.want[o.ID] = []state.LiveApplication{} // declared, not joined yet
		}
		a.cfg.Organizations = append(a.cfg.Organizations, state.Organization{
			Address: "organization.o" + string(rune('a'+i)), Key: "o" + string(rune('a'+i)), Name: o.Name,
			Applications: []state.Application{{Label: app.Name, Kind: state.RefName, Value: app.Name, Roles: []string{bot.Name}}},
		})
	}
	return a
}

func (a *appsTenant) check(t *testing.T, live *state.Live) {
	t.Helper()
	for _, o := range a.orgs {
		got := findOrg(live, o.ID)
		if got == nil || got.Applications == nil {
			t.Fatalf("organization %s: applications not read: %+v", o.Name, got)
		}
		if d := cmp.Diff(a.want[o.ID], got.Applications); d != "" {
			t.Errorf("organization %s applications (-want +got):\n%s", o.Name, d)
		}
	}
}

// countRoutes counts a client's requests by method and path prefix.
type countRoutes struct {
	mu sync.Mutex
	n  map[string]int
}

// hook counts, and answers requests to route with status and body (as
// text/plain: Logto's answer to a path no route has is 404 "Not Found").
func (c *countRoutes) hook(route string, status int, body string) func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
	failRoute := route
	return func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
		route := req.Method + " " + req.URL.Path
		switch {
		case strings.HasPrefix(req.URL.Path, "/api/applications/") && strings.HasSuffix(req.URL.Path, "/organizations"):
			route = "GET /api/applications/{id}/organizations"
		case strings.HasPrefix(req.URL.Path, "/api/organizations/") && strings.HasSuffix(req.URL.Path, "/applications"):
			route = "GET /api/organizations/{id}/applications"
		}
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[route]++
		c.mu.Unlock()
		if failRoute != "" && route == failRoute {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
				Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil, true
		}
		return nil, nil, false
	}
}

func (c *countRoutes) get(route string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[route]
}

// TestFetchReadsApplicationsPerApplication: with fewer machine-to-machine
// applications than organizations to read, the applications are read once
// per application, and the result is what per-organization reads give.
func TestFetchReadsApplicationsPerApplication(t *testing.T) {
	a := newAppsTenant(t)
	var routes countRoutes
	c := a.tt.client(withHook(routes.hook("", 0, "")))
	live, err := Fetch(context.Background(), c, a.cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a.check(t, live)
	if got := routes.get("GET /api/applications/{id}/organizations"); got != 3 {
		t.Errorf("%d per-application reads, want 3 (ci, cd and orgsync's own)", got)
	}
	if got := routes.get("GET /api/organizations/{id}/applications"); got != 0 {
		t.Errorf("%d per-organization application reads, want none", got)
	}
	if has, known := c.Known(logto.FeatureApplicationOrganizations); !has || !known {
		t.Errorf("the answer should tell the client the route exists: has %v, known %v", has, known)
	}

	// Fewer organizations than applications: per organization.
	var few countRoutes
	cfg := *a.cfg
	cfg.Organizations = cfg.Organizations[:2]
	live, err = Fetch(context.Background(), a.tt.client(withHook(few.hook("", 0, ""))), &cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if few.get("GET /api/organizations/{id}/applications") != 2 || few.get("GET /api/applications/{id}/organizations") != 0 {
		t.Errorf("two organizations, three applications: %v", few.n)
	}
	for _, o := range a.orgs[:2] {
		if d := cmp.Diff(a.want[o.ID], findOrg(live, o.ID).Applications); d != "" {
			t.Errorf("organization %s applications (-want +got):\n%s", o.Name, d)
		}
	}
}

// TestFetchApplicationsFallBackPerOrganization: a Logto without GET
// /api/applications/{id}/organizations (404 "Not Found", no code) gets the
// per-organization reads, after that one request.
func TestFetchApplicationsFallBackPerOrganization(t *testing.T) {
	a := newAppsTenant(t)
	var routes countRoutes
	c := a.tt.client(withHook(routes.hook("GET /api/applications/{id}/organizations", 404, "Not Found")))
	live, err := Fetch(context.Background(), c, a.cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a.check(t, live)
	if got := routes.get("GET /api/applications/{id}/organizations"); got != 1 {
		t.Errorf("%d per-application reads, want the first only", got)
	}
	if got := routes.get("GET /api/organizations/{id}/applications"); got != 5 {
		t.Errorf("%d per-organization reads, want 5", got)
	}
	if has, known := c.Known(logto.FeatureApplicationOrganizations); has || !known {
		t.Errorf("the client should know the route is missing: has %v, known %v", has, known)
	}
	// The same client does not try again.
	before := routes.get("GET /api/applications/{id}/organizations")
	if _, err := Fetch(context.Background(), c, a.cfg, FetchOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := routes.get("GET /api/applications/{id}/organizations"); got != before {
		t.Errorf("a second Fetch tried the missing route again")
	}
}

// TestFetchFailedApplicationReadFails: a failed per-application read
// fails Fetch (nothing is planned from a partial read).
func TestFetchFailedApplicationReadFails(t *testing.T) {
	a := newAppsTenant(t)
	var routes countRoutes
	c := a.tt.client(func(cfg *logto.Config) {
		withHook(routes.hook("GET /api/applications/{id}/organizations", 403, "Forbidden"))(cfg)
		cfg.MaxRetries = -1
	})
	live, err := Fetch(context.Background(), c, a.cfg, FetchOptions{})
	if err == nil || live != nil || !strings.Contains(err.Error(), "read the organizations of application") || logto.StatusOf(err) != 403 {
		t.Fatalf("Fetch with a failed application read: %v, %v", live, err)
	}
}

// TestFetchReadsWithinParallelism: reads that other reads make known (the
// organization pages after the first, the applications after the first)
// stay within the parallelism, down to one request at a time.
func TestFetchReadsWithinParallelism(t *testing.T) {
	a := newAppsTenant(t)
	for i := range 230 { // three pages of organizations
		a.tt.org(a.tt.name("filler-" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26))))
	}
	for _, par := range []int{1, 3} {
		var f inflight
		c := a.tt.client(withHook(func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
			if !strings.HasPrefix(req.URL.Path, "/api/") {
				return nil, nil, false
			}
			f.enter()
			defer f.leave()
			resp, err := next.RoundTrip(req)
			return resp, err, true
		}))
		live, err := Fetch(context.Background(), c, a.cfg, FetchOptions{Parallelism: par})
		if err != nil {
			t.Fatal(err)
		}
		a.check(t, live)
		if len(live.Organizations) != 235 {
			t.Errorf("%d organizations, want 235", len(live.Organizations))
		}
		if f.max > par {
			t.Errorf("parallelism %d: %d requests at once", par, f.max)
		}
	}
}

// TestFetchRecordedOrganizationGone: the members of the organizations in
// the record are read before the organization list is in; one deleted
// since (outside orgsync) costs that read, whatever it answered, and is
// simply not in the result.
func TestFetchRecordedOrganizationGone(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	tt.protectRecord()
	ctx := context.Background()
	kept, gone := tt.org(tt.name("kept")), tt.org(tt.name("gone"))
	u := tt.user(tt.name("member"))
	must(t, tt.C.AddOrganizationUsers(ctx, kept.ID, []string{u.ID}))
	_, st := readRecord(t, tt.C)
	store(t, tt.C, state.Record{Organizations: []string{kept.ID, gone.ID, "no-such-org"},
		Addresses: map[string]string{kept.ID: "organization.kept", gone.ID: "organization.gone"}}, &st)
	must(t, tt.C.DeleteOrganization(ctx, gone.ID))
	for _, status := range []int{0, 404, 500} {
		var routes countRoutes
		hook := routes.hook("", 0, "")
		if status != 0 {
			// Whatever a read of a missing organization's members answers.
			hook = routes.hook("GET /api/organizations/"+gone.ID+"/users", status, `{"code":"entity.not_exists_with_id","message":"gone"}`)
		}
		c := tt.client(func(cfg *logto.Config) {
			withHook(hook)(cfg)
			cfg.MaxRetries = -1
		})
		cfg := &state.Config{Settings: state.Settings{MissingUsers: state.MissingUsersError}, Organizations: []state.Organization{
			{Address: "organization.kept", Key: "kept", Name: kept.Name, Members: []state.Member{{Label: u.PrimaryEmail, Kind: state.RefEmail, Value: u.PrimaryEmail}}},
		}}
		live, err := Fetch(ctx, c, cfg, FetchOptions{})
		if err != nil {
			t.Fatalf("answer %d: %v", status, err)
		}
		if o := findOrg(live, kept.ID); o == nil || !o.Loaded || len(o.Members) != 1 || o.Members[0].UserID != u.ID {
			t.Errorf("answer %d: kept organization: %+v", status, o)
		}
		if findOrg(live, gone.ID) != nil {
			t.Errorf("answer %d: the deleted organization is in the result", status)
		}
		if got := routes.get("GET /api/organizations/" + kept.ID + "/users"); got != 1 {
			t.Errorf("answer %d: the kept organization's members were read %d times, want once", status, got)
		}
	}
}

// TestFetchApplicationsInManyOrganizations: when the applications' first
// pages show more pages to come than there are organizations to read, the
// organizations are read one by one after all.
func TestFetchApplicationsInManyOrganizations(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	ctx := context.Background()
	ci := tt.app(tt.name("ci"))
	// ci and orgsync's own application are in 201 organizations each: two
	// more pages each after the first.
	var orgs []*logto.Organization
	for i := range 201 {
		o := tt.org(tt.name("org-" + strings.Repeat("x", i/26) + string(rune('a'+i%26))))
		must(t, tt.C.AddOrganizationApplications(ctx, o.ID, []string{ci.ID, tt.C.AppID()}))
		orgs = append(orgs, o)
	}
	cfg := &state.Config{Settings: state.Settings{MissingUsers: state.MissingUsersError}}
	for i, o := range orgs[:3] {
		key := "o" + string(rune('a'+i))
		cfg.Organizations = append(cfg.Organizations, state.Organization{Address: "organization." + key, Key: key, Name: o.Name,
			Applications: []state.Application{{Label: ci.Name, Kind: state.RefName, Value: ci.Name}}})
	}
	var routes countRoutes
	live, err := Fetch(ctx, tt.client(withHook(routes.hook("", 0, ""))), cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Two first pages, then 3 organizations rather than 4 more pages.
	if a, o := routes.get("GET /api/applications/{id}/organizations"), routes.get("GET /api/organizations/{id}/applications"); a != 2 || o != 3 {
		t.Errorf("%d per-application and %d per-organization reads, want 2 and 3", a, o)
	}
	for _, o := range orgs[:3] {
		got := findOrg(live, o.ID)
		want := []state.LiveApplication{{AppID: ci.ID}, {AppID: tt.C.AppID()}}
		slices.SortFunc(want, func(x, y state.LiveApplication) int { return strings.Compare(x.AppID, y.AppID) })
		if d := cmp.Diff(want, got.Applications); d != "" {
			t.Errorf("organization %s applications (-want +got):\n%s", o.Name, d)
		}
	}

	// With ten organizations to read, the four remaining pages are fewer.
	cfg.Organizations = nil
	for i, o := range orgs[:10] {
		key := "o" + string(rune('a'+i))
		cfg.Organizations = append(cfg.Organizations, state.Organization{Address: "organization." + key, Key: key, Name: o.Name,
			Applications: []state.Application{{Label: ci.Name, Kind: state.RefName, Value: ci.Name}}})
	}
	var ten countRoutes
	if live, err = Fetch(ctx, tt.client(withHook(ten.hook("", 0, ""))), cfg, FetchOptions{}); err != nil {
		t.Fatal(err)
	}
	if a, o := ten.get("GET /api/applications/{id}/organizations"), ten.get("GET /api/organizations/{id}/applications"); a != 6 || o != 0 {
		t.Errorf("%d per-application and %d per-organization reads, want 6 and 0", a, o)
	}
	for _, o := range orgs[:10] {
		if got := findOrg(live, o.ID); len(got.Applications) != 2 {
			t.Errorf("organization %s applications: %+v", o.Name, got.Applications)
		}
	}
}
