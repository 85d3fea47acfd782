package reliability

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/scaletest"
	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/seed"
	"github.com/orgsync/orgsync/pkg/spec"
	"github.com/orgsync/orgsync/pkg/state"
)

// tenant is an emulated Logto served on loopback, with a request counter by
// method in front of it.
type tenant struct {
	t     testing.TB
	emu   *emulator.Emulator
	srv   *httptest.Server
	URL   string
	count *methodCounter
	rate  float64 // the fault rate tests run with (faultsOff restores it)
}

// methodCounter counts /api requests by HTTP method (but the apply lock's).
type methodCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *methodCounter) add(method string) {
	m.mu.Lock()
	m.n[method]++
	m.mu.Unlock()
}

// get returns the number of requests with method.
func (m *methodCounter) get(method string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n[method]
}

// writes returns the number of POST, PUT, PATCH and DELETE requests.
func (m *methodCounter) writes() int {
	return m.get(http.MethodPost) + m.get(http.MethodPut) + m.get(http.MethodPatch) + m.get(http.MethodDelete)
}

func (m *methodCounter) reset() {
	m.mu.Lock()
	m.n = map[string]int{}
	m.mu.Unlock()
}

// newTenant starts an emulator built from opts; wrap, when set, wraps its
// handler (after the request counter). The fault rate starts at 0: the
// caller seeds the tenant, then calls faultsOn.
func newTenant(t testing.TB, opts emulator.Options, wrap func(http.Handler) http.Handler) *tenant {
	t.Helper()
	rate := opts.FaultRate
	opts.FaultRate = 0
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = emu
	if wrap != nil {
		h = wrap(h)
	}
	count := &methodCounter{n: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The apply lock's requests (an API resource created and deleted
		// around every apply) touch none of the tenant's objects: not counted.
		if strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/api/resources") {
			count.add(r.Method)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &tenant{t: t, emu: emu, srv: srv, URL: srv.URL, count: count, rate: rate}
}

// client returns a client with short retry waits (the emulator's faults
// carry no Retry-After).
func (tn *tenant) client(mutate func(*logto.Config)) *logto.Client {
	tn.t.Helper()
	cfg := logto.Config{
		Endpoint: tn.URL, AppID: tn.emu.AppID(), AppSecret: tn.emu.AppSecret(),
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := logto.New(cfg)
	if err != nil {
		tn.t.Fatal(err)
	}
	return c
}

func (tn *tenant) faultsOn()  { tn.emu.SetFaultRate(tn.rate) }
func (tn *tenant) faultsOff() { tn.emu.SetFaultRate(0) }

// env returns the LOGTO_* variables of the tenant.
func (tn *tenant) env() []string {
	return []string{
		"LOGTO_ENDPOINT=" + tn.URL,
		"LOGTO_APP_ID=" + tn.emu.AppID(),
		"LOGTO_APP_SECRET=" + tn.emu.AppSecret(),
	}
}

// loadDir decodes a configuration directory.
func loadDir(t testing.TB, dir string) *state.Config {
	t.Helper()
	res, diags := spec.Load(spec.Input{Dir: dir, Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatalf("load %s: %v", dir, diags)
	}
	return res.Config
}

// planFor reads the tenant and plans cfg the way `orgsync plan` does
// (apply.Plan).
func planFor(ctx context.Context, c *logto.Client, cfg *state.Config, opts diff.Options) (*diff.Plan, *state.Live, error) {
	live, p, err := apply.Plan(ctx, c, cfg, apply.PlanOptions{Targets: opts.Targets, AllowDestroy: opts.AllowDestroy,
		AllowMassDelete: opts.AllowMassDelete, Now: opts.Now})
	return p, live, err
}

// applyConfig applies cfg the way `orgsync apply -auto-approve` does: the
// lock, then the plan, then its execution (scaletest.Run). res is nil when
// the lock could not be taken or nothing was planned.
func applyConfig(ctx context.Context, c *logto.Client, cfg *state.Config, opts scaletest.RunOptions) (*diff.Plan, *apply.Result, error) {
	if opts.Lock.Info.Operation == "" {
		opts.Lock.Info = apply.LockInfo{Operation: "apply", Who: "reliability-test"}
	}
	return scaletest.Run(ctx, c, cfg, opts)
}

// seedConfig creates, in an empty tenant, the users, applications and API
// resources cfg refers to, and one organization orgsync does not manage: the
// preparation `orgsync demo` makes.
func seedConfig(ctx context.Context, c *logto.Client, cfg *state.Config) error {
	if err := seed.Referenced(ctx, c, cfg); err != nil {
		return err
	}
	_, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: "Created in the Console"})
	return err
}

// snapshot is what the tenant holds, read without faults.
type snapshot struct {
	orgs       []logto.Organization
	orgByName  map[string][]string // name => ids
	orgIDs     map[string]bool
	roleByName map[string]string
	roleIDs    map[string]bool
	permByName map[string]string
	permIDs    map[string]bool
	// members: organization id => user id => role names
	members map[string]map[string][]string
	// apps: organization id => application id => role names
	apps   map[string]map[string][]string
	users  map[string]string // member label value (email/username) => user id
	appIDs map[string]string // application name => id
	record state.Record
}

// inspect reads the tenant with c (faults must be off). Members and
// applications are read for every organization whose name cfg declares or
// that the record lists. Users and applications are taken from prev when
// it is set.
func inspect(ctx context.Context, t testing.TB, c *logto.Client, cfg *state.Config, prev *snapshot) *snapshot {
	t.Helper()
	s := &snapshot{
		orgByName: map[string][]string{}, orgIDs: map[string]bool{},
		roleByName: map[string]string{}, roleIDs: map[string]bool{},
		permByName: map[string]string{}, permIDs: map[string]bool{},
		members: map[string]map[string][]string{}, apps: map[string]map[string][]string{},
		users: map[string]string{}, appIDs: map[string]string{},
	}
	var err error
	must := func(what string) {
		if err != nil {
			t.Fatalf("inspect the tenant: %s: %v", what, err)
		}
	}
	s.orgs, err = c.ListOrganizations(ctx)
	must("organizations")
	for _, o := range s.orgs {
		s.orgByName[o.Name] = append(s.orgByName[o.Name], o.ID)
		s.orgIDs[o.ID] = true
	}
	roles, err := c.ListOrganizationRoles(ctx)
	must("roles")
	roleName := map[string]string{}
	for _, r := range roles {
		s.roleByName[r.Name] = r.ID
		s.roleIDs[r.ID] = true
		roleName[r.ID] = r.Name
	}
	perms, err := c.ListOrganizationScopes(ctx)
	must("permissions")
	for _, p := range perms {
		s.permByName[p.Name] = p.ID
		s.permIDs[p.ID] = true
	}
	s.record, _, _, err = apply.ReadRecords(ctx, c, apply.DefaultWorkspace)
	must("record")

	want := map[string]bool{}
	for _, o := range cfg.Organizations {
		for _, id := range s.orgByName[o.Name] {
			want[id] = true
		}
	}
	for _, id := range s.record.Organizations {
		if s.orgIDs[id] {
			want[id] = true
		}
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
		sem  = make(chan struct{}, 8)
	)
	for id := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			users, err := c.ListOrganizationUsers(ctx, id)
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("members of %s: %w", id, err))
				mu.Unlock()
				return
			}
			apps, err := c.ListOrganizationApplications(ctx, id)
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("applications of %s: %w", id, err))
				mu.Unlock()
				return
			}
			m := map[string][]string{}
			for _, u := range users {
				m[u.ID] = roleNames(u.OrganizationRoles)
			}
			a := map[string][]string{}
			for _, app := range apps {
				a[app.ID] = roleNames(app.OrganizationRoles)
			}
			mu.Lock()
			s.members[id], s.apps[id] = m, a
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("inspect the tenant: %v", errs[0])
	}
	if prev != nil {
		// Users and applications are not orgsync's: they do not change.
		s.users, s.appIDs = prev.users, prev.appIDs
		return s
	}

	var emails, usernames []string
	appNames := map[string]bool{}
	for _, o := range cfg.Organizations {
		for _, m := range o.Members {
			switch m.Kind {
			case state.RefEmail:
				emails = append(emails, m.Value)
			case state.RefUsername:
				usernames = append(usernames, m.Value)
			case state.RefID:
				s.users[m.Value] = m.Value
			}
		}
		for _, a := range o.Applications {
			appNames[a.Value] = true
		}
	}
	slices.Sort(emails)
	emails = slices.Compact(emails)
	for i := 0; i < len(emails); i += 100 {
		us, err := c.FindUsersByEmail(ctx, emails[i:min(i+100, len(emails))])
		if err != nil {
			t.Fatalf("inspect the tenant: users: %v", err)
		}
		for _, u := range us {
			s.users[strings.ToLower(u.PrimaryEmail)] = u.ID
		}
	}
	if len(usernames) > 0 {
		us, err := c.FindUsersByUsername(ctx, usernames)
		if err != nil {
			t.Fatalf("inspect the tenant: users: %v", err)
		}
		for _, u := range us {
			s.users[u.Username] = u.ID
		}
	}
	if len(appNames) > 0 {
		apps, err := c.ListApplications(ctx, "MachineToMachine")
		if err != nil {
			t.Fatalf("inspect the tenant: applications: %v", err)
		}
		for _, a := range apps {
			s.appIDs[a.Name] = a.ID
		}
	}
	return s
}

func roleNames(roles []logto.IDName) []string {
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names
}

// heldRoles lists "org/user/role" for every declared member role the
// tenant holds (for the no-role-lost check across attempts).
func (s *snapshot) heldRoles(cfg *state.Config) map[string]bool {
	out := map[string]bool{}
	for _, o := range cfg.Organizations {
		ids := s.orgByName[o.Name]
		if len(ids) != 1 {
			continue
		}
		for _, m := range o.Members {
			uid := s.users[m.Value]
			for _, r := range m.Roles {
				if slices.Contains(s.members[ids[0]][uid], r) {
					out[o.Name+"/"+m.Label+"/"+r] = true
				}
			}
		}
	}
	return out
}

// duplicateOrgs lists the declared organization names the tenant holds more than once.
func (s *snapshot) duplicateOrgs(cfg *state.Config) []string {
	var dup []string
	for _, o := range cfg.Organizations {
		if n := len(s.orgByName[o.Name]); n > 1 {
			dup = append(dup, fmt.Sprintf("%q ×%d", o.Name, n))
		}
	}
	return dup
}

// checkConverged asserts the end state of a converged apply of cfg: a plan
// shows no changes, no organization name exists twice, every declared member
// holds its declared roles, and the ownership record matches the tenant.
func checkConverged(ctx context.Context, t testing.TB, c *logto.Client, cfg *state.Config) {
	t.Helper()
	p, _, err := planFor(ctx, c, cfg, diff.Options{})
	if err != nil {
		t.Fatalf("plan after convergence: %v", err)
	}
	if p.HasChanges() {
		var addrs []string
		for _, ch := range p.Changes {
			addrs = append(addrs, string(ch.Action)+" "+ch.Address)
		}
		if len(addrs) > 10 {
			addrs = append(addrs[:10], "...")
		}
		t.Errorf("the plan after convergence has %d changes: %s", len(p.Changes), strings.Join(addrs, "; "))
	}
	s := inspect(ctx, t, c, cfg, nil)
	if dup := s.duplicateOrgs(cfg); len(dup) > 0 {
		t.Errorf("organizations exist twice: %s", strings.Join(dup, ", "))
	}
	if lock, err := apply.CurrentLock(ctx, c); err != nil || lock != nil {
		t.Errorf("the apply lock is still held after every apply ended: %v %v", lock, err)
	}
	if len(s.record.Intents) > 0 {
		t.Errorf("the record still announces creates after convergence: %+v", s.record.Intents)
	}
	for _, problem := range s.recordProblems(cfg) {
		t.Error(problem)
	}
	held := s.heldRoles(cfg)
	for _, o := range cfg.Organizations {
		for _, m := range o.Members {
			for _, r := range m.Roles {
				if !held[o.Name+"/"+m.Label+"/"+r] {
					t.Errorf("member %s of %q does not hold role %s", m.Label, o.Name, r)
				}
			}
		}
	}
}

// recordProblems compares the ownership record with the tenant: every id it
// manages exists, and every declared object's id is in it.
func (s *snapshot) recordProblems(cfg *state.Config) []string {
	var out []string
	rec := s.record
	for _, id := range rec.Permissions {
		if !s.permIDs[id] {
			out = append(out, "the record manages permission "+id+", which does not exist")
		}
	}
	for _, id := range rec.Roles {
		if !s.roleIDs[id] {
			out = append(out, "the record manages role "+id+", which does not exist")
		}
	}
	for _, id := range rec.Organizations {
		if !s.orgIDs[id] {
			out = append(out, "the record manages organization "+id+", which does not exist")
		}
	}
	for org, users := range rec.Members {
		for _, u := range users {
			if _, ok := s.members[org][u]; !ok {
				out = append(out, fmt.Sprintf("the record says orgsync added user %s to organization %s, who is not a member", u, org))
			}
		}
	}
	for org, apps := range rec.Applications {
		for _, a := range apps {
			if _, ok := s.apps[org][a]; !ok {
				out = append(out, fmt.Sprintf("the record says orgsync added application %s to organization %s, which is not a member", a, org))
			}
		}
	}
	for _, p := range cfg.Permissions {
		if id, ok := s.permByName[p.Name]; !ok || !slices.Contains(rec.Permissions, id) {
			out = append(out, fmt.Sprintf("declared permission %q (id %q) is not in the record", p.Name, id))
		}
	}
	for _, r := range cfg.Roles {
		if id, ok := s.roleByName[r.Name]; !ok || !slices.Contains(rec.Roles, id) {
			out = append(out, fmt.Sprintf("declared role %q (id %q) is not in the record", r.Name, id))
		}
	}
	for _, o := range cfg.Organizations {
		ids := s.orgByName[o.Name]
		if len(ids) != 1 || !slices.Contains(rec.Organizations, ids[0]) {
			out = append(out, fmt.Sprintf("declared organization %q (ids %v) is not in the record", o.Name, ids))
		}
	}
	return out
}

// checkResult asserts that an Execute's Result gives an exact account of
// what happened, compared with the tenant after it (before is the snapshot
// taken before the apply; faults must be off while checking):
//   - every operation is in exactly one of Done, Failed and NotStarted;
//   - every create in Done produced an id that exists;
//   - no create in NotStarted took effect (no new object with its name);
//   - the record the tenant holds is the one Result.Record says was last
//     written (or, when saving the record failed, possibly the one after it).
func checkResult(ctx context.Context, t testing.TB, c *logto.Client, p *diff.Plan, res *apply.Result, execErr error, before, after *snapshot) {
	t.Helper()
	if n := len(res.Done) + len(res.Failed) + len(res.NotStarted); n != len(p.Operations) {
		t.Errorf("Result accounts for %d operations, the plan has %d", n, len(p.Operations))
	}
	if execErr == nil && (len(res.Failed) > 0 || len(res.NotStarted) > 0) {
		t.Errorf("Execute returned no error, but %d failed and %d did not start", len(res.Failed), len(res.NotStarted))
	}
	if execErr != nil && len(res.Failed) == 0 && len(res.NotStarted) == 0 && !strings.Contains(execErr.Error(), "ownership record") {
		t.Errorf("Execute failed with every operation done, and not on the record: %v", execErr)
	}
	exists := func(id string) bool { return after.orgIDs[id] || after.roleIDs[id] || after.permIDs[id] }
	for _, op := range res.Done {
		if op.Produces() == "" {
			continue
		}
		if id := res.IDs[op.Produces()]; !exists(id) {
			t.Errorf("Result says %s was done with id %q, which the tenant does not have", op, id)
		}
	}
	for _, op := range res.NotStarted {
		kind, name := createdName(op)
		if kind == "" {
			continue
		}
		if created := after.newNamed(before, kind, name); len(created) > 0 {
			t.Errorf("Result says %s did not start, but the tenant has a new %s named %q: %v", op, kind, name, created)
		}
	}
	recErr := execErr != nil && strings.Contains(execErr.Error(), "ownership record could not be saved")
	switch {
	case after.record.Serial == res.Record.Serial:
		got, want := apply.NormalizeRecord(after.record), apply.NormalizeRecord(res.Record)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the tenant's record (serial %d) differs from Result.Record:\n tenant %+v\n result %+v", got.Serial, got, want)
		}
	case recErr && after.record.Serial == res.Record.Serial+1:
		// The header write failed after the change: the next record is in place.
	default:
		t.Errorf("the tenant's record has serial %d, Result.Record %d (error: %v)", after.record.Serial, res.Record.Serial, execErr)
	}
}

// createdName returns the kind and name of the object a create makes ("" for
// other operations).
func createdName(op diff.Operation) (kind, name string) {
	switch p := op.Params.(type) {
	case diff.CreateOrganization:
		return diff.KindOrganization, p.Name
	case diff.CreateRole:
		return diff.KindRole, p.Name
	case diff.CreatePermission:
		return diff.KindPermission, p.Name
	}
	return "", ""
}

// newNamed returns the ids of objects of a kind named name that are in s
// but not in before.
func (s *snapshot) newNamed(before *snapshot, kind, name string) []string {
	var out []string
	switch kind {
	case diff.KindOrganization:
		for _, id := range s.orgByName[name] {
			if !slices.Contains(before.orgByName[name], id) {
				out = append(out, id)
			}
		}
	case diff.KindRole:
		if id, ok := s.roleByName[name]; ok && before.roleByName[name] != id {
			out = append(out, id)
		}
	case diff.KindPermission:
		if id, ok := s.permByName[name]; ok && before.permByName[name] != id {
			out = append(out, id)
		}
	}
	return out
}
