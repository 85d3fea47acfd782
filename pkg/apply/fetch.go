// Package apply is the Logto-side I/O of a reconcile: it reads the live
// tenant into a state.Live (Fetch), keeps the ownership record in the tenant
// (ReadRecord, WriteRecord), carries out a diff.Plan (Execute) and stores
// plans for a later apply (WritePlanFile, ReadPlanFile, Fingerprint, Stale).
package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// DefaultFetchParallelism is how many reads Fetch runs at once by default.
const DefaultFetchParallelism = 8

// FetchOptions steer Fetch.
type FetchOptions struct {
	// Parallelism bounds the concurrent reads (default DefaultFetchParallelism).
	Parallelism int
	// Targets limits the per-organization reads (members, applications, JIT)
	// and the user lookups to the targeted organizations when every target is
	// an organization address (organization.acme, organization.acme.member."x",
	// organization.customer for all its for_each instances). Targets on
	// permissions or roles read every declared organization, since their
	// token impact concerns members.
	Targets []string
}

// Fetch reads what the plan for cfg needs from the tenant: organization
// scopes, roles, all organizations, the ownership record, API resources (only
// when API permissions are involved), M2M applications (only when the config
// declares organization applications), pending invitations (only with
// missing_users = "invite"), and the members, applications and JIT settings
// of the declared organizations that exist (and of those in the record),
// then looks up the declared members that are not members yet.
//
// Any failed or incomplete read fails Fetch: nothing may be planned from
// partial knowledge. The result is normalized: slices sorted, null
// descriptions read as "", custom data never nil, relations by id.
//
// LiveOrganization.Applications is non-nil exactly when the organization's
// applications were read (they are read when the config declares
// applications for it, when exclusive_members is set, or when the record
// lists applications orgsync added there): one read per organization, or
// one per machine-to-machine application when that is fewer (see
// appReads).
//
// The reads run at most opts.Parallelism at a time, each as soon as what
// decides it is known: the organization pages after the first all at
// once, members of organizations the record or a page shows before the
// whole list is in.
func Fetch(ctx context.Context, c *logto.Client, cfg *state.Config, opts FetchOptions) (*state.Live, error) {
	par := cmp.Or(opts.Parallelism, DefaultFetchParallelism)
	f := &fetcher{c: c, cfg: cfg, live: &state.Live{
		Users:        map[string]state.User{},
		Applications: map[string]state.App{},
		RecordApp:    c.AppID(),
	}}
	scope := newTargetScope(opts.Targets)
	declaresApps := false
	for _, o := range cfg.Organizations {
		if scope.org(o.Address) && len(o.Applications) > 0 {
			declaresApps = true
		}
	}

	// The reads run in one group, each as soon as what it needs is known:
	// the collections first; the members of the organizations that will be
	// read whatever the rest says as soon as the record or a page of the
	// organization list shows them (readMembersAhead); once the
	// collections the choice of the other reads rests on are in
	// (organizations, roles, record, applications), those reads (join). No
	// slot waits for a whole phase to end.
	g := newGroup(ctx, par)
	ahead := newDeclaredOrgs(cfg, scope)
	f.ahead = map[string]*membersAhead{}
	var pending atomic.Int32 // collections not in yet, plus one until all are queued
	pending.Add(1)
	collected := func() {
		if pending.Add(-1) == 0 {
			g.Spawn(func(ctx context.Context) error { return f.join(ctx, g, scope) })
		}
	}
	collection := func(fn func(ctx context.Context) error) {
		pending.Add(1)
		g.Spawn(func(ctx context.Context) error {
			if err := fn(ctx); err != nil {
				return err
			}
			collected()
			return nil
		})
	}
	g.Spawn(func(ctx context.Context) error {
		scopes, err := c.ListOrganizationScopes(ctx)
		if err != nil {
			return fmt.Errorf("read organization permissions (GET /api/organization-scopes): %w", err)
		}
		perms, err := convertScopes(scopes)
		f.live.Permissions = perms
		return err
	})
	collection(func(ctx context.Context) error {
		roles, err := c.ListOrganizationRoles(ctx)
		if err != nil {
			return fmt.Errorf("read organization roles (GET /api/organization-roles): %w", err)
		}
		f.live.Roles, err = convertRoles(roles)
		return err
	})
	// The organizations' pages after the first are read at once, as soon as
	// the first page's Total-Number tells how many there are.
	f.orgPages = c.OrganizationPages()
	var readOrgPage func(ctx context.Context, page int) error
	readOrgPage = func(ctx context.Context, page int) error {
		rows, more, err := f.orgPages.Read(ctx, page)
		if err != nil {
			return fmt.Errorf("read organizations (GET /api/organizations): %w", err)
		}
		for _, o := range rows {
			if ahead.declares(o) {
				f.readMembersAhead(g, o.ID)
			}
		}
		for _, p := range more {
			pending.Add(1)
			g.SpawnFirst(func(ctx context.Context) error {
				if err := readOrgPage(ctx, p); err != nil {
					return err
				}
				collected()
				return nil
			})
		}
		return nil
	}
	collection(func(ctx context.Context) error { return readOrgPage(ctx, 1) })
	collection(func(ctx context.Context) error {
		rec, storage, others, err := ReadRecords(ctx, c, cfg.Settings.Workspace)
		f.live.Record, f.live.RecordStorage, f.live.OtherRecords = rec, storage, others
		if err != nil {
			return err
		}
		f.readRecordedMembers(g, scope)
		return nil
	})
	if cfg.Settings.MissingUsers == state.MissingUsersInvite {
		g.Spawn(func(ctx context.Context) error {
			inv, err := c.ListInvitations(ctx, "")
			if err != nil {
				return fmt.Errorf("read organization invitations (GET /api/organization-invitations): %w", err)
			}
			f.live.Invitations, err = convertInvitations(inv)
			return err
		})
	}
	if managesJITSSO(cfg, scope) {
		g.Spawn(func(ctx context.Context) error {
			conns, err := c.ListSSOConnectors(ctx)
			if err != nil {
				return fmt.Errorf("read enterprise SSO connectors (GET /api/sso-connectors): %w", err)
			}
			f.live.SSOConnectors, err = convertSSOConnectors(conns)
			return err
		})
	}
	if declaresApps {
		collection(func(ctx context.Context) error {
			apps, err := c.ListApplications(ctx, "MachineToMachine")
			if err != nil {
				return fmt.Errorf("read machine-to-machine applications (GET /api/applications): %w", err)
			}
			f.m2mApps = make([]string, 0, len(apps))
			for _, a := range apps {
				f.m2mApps = append(f.m2mApps, a.ID)
			}
			f.m2mApps = sortedSet(f.m2mApps)
			if f.m2mApps == nil {
				f.m2mApps = []string{}
			}
			return f.addApps(apps)
		})
	}
	// API resources, when the configuration alone says they are needed
	// (otherwise join asks the live roles).
	f.resourcesRead = needResources(cfg, nil)
	if f.resourcesRead {
		g.Spawn(f.readResources)
	}
	collected()
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := f.publishMembersAhead(); err != nil {
		return nil, err
	}
	if f.apps != nil {
		if err := f.apps.publish(); err != nil {
			return nil, err
		}
	}

	// Phase 3: the declared members who are not members yet.
	if err := f.lookupUsers(ctx, par, scope); err != nil {
		return nil, err
	}
	return f.live, nil
}

// fetcher holds one Fetch's results while reads run concurrently.
type fetcher struct {
	c    *logto.Client
	cfg  *state.Config
	live *state.Live
	mu   sync.Mutex // guards live.Users and live.Applications
	// m2mApps are the ids of the tenant's machine-to-machine applications,
	// sorted, when Fetch listed them (nil otherwise).
	m2mApps []string

	// Fetch's own: the organization list, the reads join chose, the members
	// reads started before the organization list was in (guarded by mu),
	// the per-application reads, and whether API resources are read
	// already.
	orgPages      *logto.PagedList[logto.Organization]
	plans         map[string]orgRead
	ahead         map[string]*membersAhead
	apps          *appReads
	resourcesRead bool
}

// join runs once the collections are in: it settles the organization list
// and schedules the reads of the organizations' relations on g (but the
// members reads readMembersAhead started).
func (f *fetcher) join(ctx context.Context, g *group, scope targetScope) error {
	orgs, err := f.orgPages.Rows()
	if errors.Is(err, logto.ErrIncompleteRead) {
		// Rows moved between pages read at the same time: read the list
		// again, page after page (the client retries a few times).
		orgs, err = f.c.ListOrganizations(ctx)
	}
	if err != nil {
		return fmt.Errorf("read organizations (GET /api/organizations): %w", err)
	}
	if f.live.Organizations, err = convertOrganizations(orgs); err != nil {
		return err
	}
	if !f.resourcesRead && needResources(f.cfg, f.live.Roles) {
		g.Spawn(f.readResources)
	}
	f.plans = f.orgReads(scope)
	f.apps = f.byApplication(f.plans)
	if f.apps != nil {
		f.apps.schedule(g, f) // first: they would otherwise be the last to finish
	}
	for i := range f.live.Organizations {
		o := &f.live.Organizations[i]
		if p, ok := f.plans[o.ID]; ok {
			f.mu.Lock()
			_, early := f.ahead[o.ID]
			f.mu.Unlock()
			if early {
				p.members = false
			}
			f.readOrg(g.Spawn, o, p)
		}
	}
	return nil
}

func (f *fetcher) readResources(ctx context.Context) error {
	res, err := f.c.ListResources(ctx)
	if err != nil {
		return fmt.Errorf("read API resources (GET /api/resources): %w", err)
	}
	f.live.Resources, err = convertResources(res)
	return err
}

// The members of an organization are read before the organization list
// is in when the organization will be read whatever the rest of the list
// says (see orgReads): it is in the record (within the targets' scope, or
// of no address), or a page of the list shows it under the name or the
// pinned id of a declared organization. The answers are kept aside,
// errors included, until the list says which organizations exist
// (publishMembersAhead): an organization the record lists but that was
// deleted since costs its request and nothing else.

// membersAhead is one such read, converted as soon as it is in.
type membersAhead struct {
	members []state.LiveMember
	users   []state.User
	err     error
}

// declaredOrgs are the names (of blocks without a pinned id) and the
// pinned ids of the declared organizations in the targets' scope.
type declaredOrgs struct{ names, ids map[string]bool }

func newDeclaredOrgs(cfg *state.Config, scope targetScope) declaredOrgs {
	d := declaredOrgs{names: map[string]bool{}, ids: map[string]bool{}}
	for _, o := range cfg.Organizations {
		switch {
		case !scope.org(o.Address):
		case o.ID != "":
			d.ids[o.ID] = true
		default:
			d.names[o.Name] = true
		}
	}
	return d
}

func (d declaredOrgs) declares(o logto.Organization) bool { return d.ids[o.ID] || d.names[o.Name] }

// readRecordedMembers reads ahead the members of the organizations the
// record lists, but those of addresses outside the targets' scope.
func (f *fetcher) readRecordedMembers(g *group, scope targetScope) {
	rec := f.live.Record
	for _, id := range rec.Organizations {
		if addr, ok := rec.Addresses[id]; ok && !scope.org(addr) {
			continue
		}
		f.readMembersAhead(g, id)
	}
}

// readMembersAhead queues the members read of organization id on g, once.
func (f *fetcher) readMembersAhead(g *group, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ahead[id]; ok {
		return
	}
	r := &membersAhead{}
	f.ahead[id] = r
	g.Spawn(func(ctx context.Context) error {
		users, err := f.c.ListOrganizationUsers(ctx, id)
		if err == nil {
			r.members, r.users, err = convertMembers(users)
		}
		r.err = err
		return nil
	})
}

// publishMembersAhead sets the members of the organizations read ahead
// that orgReads asks for; a failed read of one fails the read.
func (f *fetcher) publishMembersAhead() error {
	for i := range f.live.Organizations {
		o := &f.live.Organizations[i]
		r, ok := f.ahead[o.ID]
		if !ok || !f.plans[o.ID].members {
			continue
		}
		if r.err != nil {
			return fmt.Errorf("read the members of organization %q (%s): %w", o.Name, o.ID, r.err)
		}
		f.publishMembers(o, r.members, r.users, "")
	}
	return nil
}

// setMembers publishes a members read of o.
func (f *fetcher) setMembers(o *state.LiveOrganization, users []logto.OrganizationUser, role string) error {
	members, known, err := convertMembers(users)
	if err != nil {
		return fmt.Errorf("read the members of organization %q (%s): %w", o.Name, o.ID, err)
	}
	f.publishMembers(o, members, known, role)
	return nil
}

// publishMembers sets o's members and records what the listing said of
// the users.
func (f *fetcher) publishMembers(o *state.LiveOrganization, members []state.LiveMember, users []state.User, role string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range users {
		f.live.Users[u.ID] = u
	}
	o.Members = members
	o.Loaded = true
	o.MembersOfRole = role
}

// convertMembers turns a member listing into sorted members and users.
func convertMembers(users []logto.OrganizationUser) ([]state.LiveMember, []state.User, error) {
	members := make([]state.LiveMember, 0, len(users))
	known := make([]state.User, 0, len(users))
	for _, u := range users {
		if u.ID == "" {
			return nil, nil, fmt.Errorf("a member without an id in Logto's answer")
		}
		members = append(members, state.LiveMember{UserID: u.ID, RoleIDs: idsOf(u.OrganizationRoles)})
		known = append(known, state.User{ID: u.ID, Username: u.Username, Email: u.PrimaryEmail})
	}
	return sortedMembers(members), known, nil
}

// orgRead says which relations of one organization to read.
type orgRead struct {
	members, apps, jit bool
	// memberRole, when set, reads only the members holding this role.
	memberRole string
	sso        bool // JIT SSO connectors (with jit)
}

// orgReads decides, per live organization id, what to read: declared
// organizations matched by pinned id or exact name, and organizations in
// the record (the plan may delete them).
func (f *fetcher) orgReads(scope targetScope) map[string]orgRead {
	byID := map[string]bool{}
	byName := map[string][]string{}
	for _, o := range f.live.Organizations {
		byID[o.ID] = true
		byName[o.Name] = append(byName[o.Name], o.ID)
	}
	rec := f.live.Record
	out := map[string]orgRead{}
	add := func(id string, r orgRead) {
		if !byID[id] {
			return
		}
		cur := out[id]
		out[id] = orgRead{members: true, apps: cur.apps || r.apps, jit: cur.jit || r.jit, sso: cur.sso || r.sso}
	}
	// Every way the planner can match a block: its pinned id; else the id
	// the record last managed under its address, a create an interrupted
	// apply announced under it, and the organizations of its name.
	recordedAt := map[string][]string{}
	for _, id := range rec.Organizations {
		if addr := rec.Addresses[id]; addr != "" {
			recordedAt[addr] = append(recordedAt[addr], id)
		}
	}
	announced := map[string][]string{}
	for _, in := range rec.Intents {
		if in.Kind == diff.KindOrganization {
			announced[in.Address] = append(announced[in.Address], byName[in.Name]...)
		}
	}
	declared := map[string]bool{}
	for _, o := range f.cfg.Organizations {
		if !scope.org(o.Address) {
			continue
		}
		ids := append(append(append([]string(nil), byName[o.Name]...), recordedAt[o.Address]...), announced[o.Address]...)
		if o.ID != "" {
			ids = []string{o.ID}
		}
		for _, id := range ids {
			declared[id] = true
			add(id, orgRead{
				apps: len(o.Applications) > 0 || o.ExclusiveMembers || len(rec.Applications[id]) > 0,
				jit:  o.JIT != nil,
				sso:  o.JIT != nil && o.JIT.ManageSSOConnectors,
			})
		}
	}
	// Organizations the plan may delete (managed ones, and every one when
	// organizations are exclusive) are read too: deleting one takes every
	// member's permissions there, which the token impact reports. Their
	// applications are read when some live role is a machine-to-machine one.
	m2m := false
	for _, r := range f.live.Roles {
		m2m = m2m || r.Type == state.RoleTypeM2M
	}
	for _, id := range rec.Organizations {
		if addr, ok := rec.Addresses[id]; (ok && !scope.org(addr)) || declared[id] {
			continue
		}
		add(id, orgRead{apps: m2m || len(rec.Applications[id]) > 0})
	}
	if f.cfg.Settings.ExclusiveOrganizations && scope.all {
		for _, o := range f.live.Organizations {
			if !declared[o.ID] {
				add(o.ID, orgRead{apps: m2m})
			}
		}
	}
	return out
}

// readOrg schedules the reads of one organization's relations with start
// (a group's Go, or its Spawn from a function the group runs). Each read
// writes only its own fields of o.
func (f *fetcher) readOrg(start func(func(ctx context.Context) error), o *state.LiveOrganization, r orgRead) {
	id := o.ID
	if r.members {
		start(func(ctx context.Context) error {
			var users []logto.OrganizationUser
			var err error
			if r.memberRole != "" {
				users, err = f.c.ListOrganizationUsersWithRole(ctx, id, r.memberRole)
			} else {
				users, err = f.c.ListOrganizationUsers(ctx, id)
			}
			if err != nil {
				return fmt.Errorf("read the members of organization %q (%s): %w", o.Name, id, err)
			}
			return f.setMembers(o, users, r.memberRole)
		})
	}
	if r.apps {
		start(func(ctx context.Context) error { return f.readOrgApps(ctx, o) })
	}
	if r.jit {
		// Two reads (three with SSO connectors) fill one JIT value: the
		// last to finish publishes it.
		var mu sync.Mutex
		pending := 2
		if r.sso {
			pending = 3
		}
		var jit state.JIT
		done := func() {
			pending--
			if pending == 0 {
				o.JIT = jit
				o.JITLoaded = true
				o.JITSSOLoaded = r.sso
			}
		}
		if r.sso {
			start(func(ctx context.Context) error {
				conns, err := f.c.ListJITSSOConnectors(ctx, id)
				if err != nil {
					return fmt.Errorf("read the just-in-time SSO connectors of organization %q (%s): %w", o.Name, id, err)
				}
				ids := make([]string, 0, len(conns))
				for _, sc := range conns {
					if sc.ID == "" {
						return fmt.Errorf("read the just-in-time SSO connectors of organization %q (%s): a connector without an id in Logto's answer", o.Name, id)
					}
					ids = append(ids, sc.ID)
				}
				mu.Lock()
				defer mu.Unlock()
				jit.SSOConnectors = sortedSet(ids)
				done()
				return nil
			})
		}
		start(func(ctx context.Context) error {
			domains, err := f.c.ListJITEmailDomains(ctx, id)
			if err != nil {
				return fmt.Errorf("read the just-in-time email domains of organization %q (%s): %w", o.Name, id, err)
			}
			mu.Lock()
			defer mu.Unlock()
			jit.EmailDomains = sortedSet(domains)
			done()
			return nil
		})
		start(func(ctx context.Context) error {
			roles, err := f.c.ListJITRoles(ctx, id)
			if err != nil {
				return fmt.Errorf("read the just-in-time roles of organization %q (%s): %w", o.Name, id, err)
			}
			ids := make([]string, 0, len(roles))
			for _, r := range roles {
				if r.ID == "" {
					return fmt.Errorf("read the just-in-time roles of organization %q (%s): a role without an id in Logto's answer", o.Name, id)
				}
				ids = append(ids, r.ID)
			}
			mu.Lock()
			defer mu.Unlock()
			jit.Roles = sortedSet(ids)
			done()
			return nil
		})
	}
}

// lookupUsers finds the declared members that the member listings did not
// already show, with batched exact searches.
func (f *fetcher) lookupUsers(ctx context.Context, par int, scope targetScope) error {
	emails, usernames, ids := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, u := range f.live.Users {
		emails[strings.ToLower(u.Email)] = true
		usernames[u.Username] = true
		ids[u.ID] = true
	}
	var needEmails, needUsernames, needIDs []string
	for _, o := range f.cfg.Organizations {
		if !scope.org(o.Address) {
			continue
		}
		for _, m := range o.Members {
			switch m.Kind {
			case state.RefEmail:
				if v := strings.ToLower(m.Value); !emails[v] {
					needEmails = append(needEmails, v)
				}
			case state.RefUsername:
				if !usernames[m.Value] {
					needUsernames = append(needUsernames, m.Value)
				}
			case state.RefID:
				if !ids[m.Value] {
					needIDs = append(needIDs, m.Value)
				}
			}
		}
	}
	needEmails, needUsernames, needIDs = sortedSet(needEmails), sortedSet(needUsernames), sortedSet(needIDs)
	g := newGroup(ctx, par)
	lookup := func(what string, keys []string, find func(context.Context, []string) ([]logto.User, error)) {
		if len(keys) == 0 {
			return
		}
		g.Go(func(ctx context.Context) error {
			users, err := find(ctx, keys)
			if err != nil {
				return fmt.Errorf("look up %d declared member(s) by %s (GET /api/users): %w", len(keys), what, err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, u := range users {
				if u.ID == "" {
					return fmt.Errorf("look up declared members by %s: a user without an id in Logto's answer", what)
				}
				f.live.Users[u.ID] = state.User{ID: u.ID, Username: u.Username, Email: u.PrimaryEmail}
			}
			return nil
		})
	}
	lookup("email", needEmails, f.c.FindUsersByEmail)
	lookup("username", needUsernames, f.c.FindUsersByUsername)
	lookup("id", needIDs, f.c.GetUsersByID)
	return g.Wait()
}

// addApps records listed applications.
func (f *fetcher) addApps(apps []logto.Application) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range apps {
		if a.ID == "" {
			return fmt.Errorf("read applications: an application without an id in Logto's answer")
		}
		f.live.Applications[a.ID] = state.App{ID: a.ID, Name: a.Name, Type: a.Type}
	}
	return nil
}

// needResources reports whether API resources must be read: some declared
// role has API permissions, or some live role has resource scopes.
func needResources(cfg *state.Config, roles []state.LiveRole) bool {
	for _, r := range cfg.Roles {
		if len(r.APIPermissions) > 0 {
			return true
		}
	}
	for _, r := range roles {
		if len(r.ResourceScopeIDs) > 0 {
			return true
		}
	}
	return false
}

// targetScope answers which organizations the targets cover.
type targetScope struct {
	all     bool
	targets []string
}

func newTargetScope(targets []string) targetScope {
	s := targetScope{all: len(targets) == 0}
	for _, t := range targets {
		if !strings.HasPrefix(t, "organization.") {
			s.all = true
		}
	}
	s.targets = targets
	return s
}

// org reports whether the organization at addr is targeted.
func (s targetScope) org(addr string) bool {
	if s.all {
		return true
	}
	for _, t := range s.targets {
		if addr == t || strings.HasPrefix(addr, t+"[") || strings.HasPrefix(t, addr+".") {
			return true
		}
	}
	return false
}

func idsOf(list []logto.IDName) []string {
	ids := make([]string, 0, len(list))
	for _, r := range list {
		ids = append(ids, r.ID)
	}
	return sortedSet(ids)
}

func sortedMembers(m []state.LiveMember) []state.LiveMember {
	slices.SortFunc(m, func(a, b state.LiveMember) int { return strings.Compare(a.UserID, b.UserID) })
	return m
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func convertScopes(in []logto.OrganizationScope) ([]state.LivePermission, error) {
	out := make([]state.LivePermission, 0, len(in))
	for _, s := range in {
		if s.ID == "" || s.Name == "" {
			return nil, fmt.Errorf("read organization permissions: an entry without id or name in Logto's answer")
		}
		out = append(out, state.LivePermission{ID: s.ID, Name: s.Name, Description: deref(s.Description)})
	}
	slices.SortFunc(out, func(a, b state.LivePermission) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

func convertRoles(in []logto.OrganizationRole) ([]state.LiveRole, error) {
	out := make([]state.LiveRole, 0, len(in))
	for _, r := range in {
		if r.ID == "" || r.Name == "" {
			return nil, fmt.Errorf("read organization roles: an entry without id or name in Logto's answer")
		}
		res := make([]string, 0, len(r.ResourceScopes))
		for _, s := range r.ResourceScopes {
			res = append(res, s.ID)
		}
		out = append(out, state.LiveRole{
			ID:               r.ID,
			Name:             r.Name,
			Description:      deref(r.Description),
			Type:             cmp.Or(r.Type, state.RoleTypeUser),
			PermissionIDs:    idsOf(r.Scopes),
			ResourceScopeIDs: sortedSet(res),
		})
	}
	slices.SortFunc(out, func(a, b state.LiveRole) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

func convertOrganizations(in []logto.Organization) ([]state.LiveOrganization, error) {
	out := make([]state.LiveOrganization, 0, len(in))
	seen := map[string]bool{}
	for _, o := range in {
		if o.ID == "" {
			return nil, fmt.Errorf("read organizations: an entry without an id in Logto's answer")
		}
		if seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		cd := o.CustomData
		if cd == nil {
			cd = map[string]any{}
		}
		lo := state.LiveOrganization{
			ID: o.ID, Name: o.Name, Description: deref(o.Description), CustomData: cd, MFARequired: o.IsMfaRequired, CreatedAt: o.CreatedAt,
		}
		convertBranding(&lo, o)
		out = append(out, lo)
	}
	slices.SortFunc(out, func(a, b state.LiveOrganization) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

func convertResources(in []logto.Resource) ([]state.Resource, error) {
	out := make([]state.Resource, 0, len(in))
	for _, r := range in {
		if r.ID == "" {
			return nil, fmt.Errorf("read API resources: an entry without an id in Logto's answer")
		}
		scopes := make([]state.ResourceScope, 0, len(r.Scopes))
		for _, s := range r.Scopes {
			if s.ID == "" {
				return nil, fmt.Errorf("read API resources: a scope of %s without an id in Logto's answer", r.Indicator)
			}
			scopes = append(scopes, state.ResourceScope{ID: s.ID, Name: s.Name})
		}
		slices.SortFunc(scopes, func(a, b state.ResourceScope) int {
			return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
		})
		out = append(out, state.Resource{ID: r.ID, Name: r.Name, Indicator: r.Indicator, Scopes: scopes, AccessTokenTTL: r.AccessTokenTTL})
	}
	slices.SortFunc(out, func(a, b state.Resource) int {
		return cmp.Or(strings.Compare(a.Indicator, b.Indicator), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// invitationPending is Logto's status of an open invitation.
const invitationPending = "Pending"

func convertInvitations(in []logto.Invitation) ([]state.Invitation, error) {
	var out []state.Invitation
	for _, inv := range in {
		if inv.ID == "" {
			return nil, fmt.Errorf("read organization invitations: an entry without an id in Logto's answer")
		}
		if inv.Status != invitationPending {
			continue
		}
		out = append(out, state.Invitation{
			ID: inv.ID, OrganizationID: inv.OrganizationID, Invitee: inv.Invitee, RoleIDs: idsOf(inv.OrganizationRoles),
		})
	}
	slices.SortFunc(out, func(a, b state.Invitation) int {
		return cmp.Or(strings.Compare(a.OrganizationID, b.OrganizationID), strings.Compare(a.Invitee, b.Invitee),
			strings.Compare(a.ID, b.ID))
	})
	return out, nil
}
