package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// The applications of the organizations Fetch reads are known either from
// one read per organization (GET /api/organizations/{id}/applications) or
// from the reads of every machine-to-machine application of the tenant
// (GET /api/applications/{id}/organizations, the organizations it is in
// with its roles there): only machine-to-machine applications can join an
// organization (Logto's check_application_type constraint), so the second
// covers every organization at once. Fetch reads per application when the
// tenant has fewer such applications than there are organizations to read;
// once every application's first page is in, their Total-Number tells how
// many pages remain, and when those are not fewer than the organizations
// either (an application in thousands of organizations), it reads per
// organization after all: at worst the applications' first pages more.
//
// Both routes came with Logto 1.18.0 (core CHANGELOG, 87615d58c), so a
// release with organization applications has the per-application read too.
// The first per-application read doubles as the feature probe: answered 404
// without a Logto code (no such route), the organizations are read one by
// one instead, at no extra request but that one.

// appReads collects the per-application reads of one Fetch.
type appReads struct {
	orgs  map[string]*state.LiveOrganization // whose applications are read, by id
	lists map[string]*logto.PagedList[logto.ApplicationOrganization]

	mu       sync.Mutex
	pending  int              // applications whose first page is not in yet
	more     map[string][]int // pages still to read, by application
	fallback bool             // read per organization instead
}

// byApplication decides whether the applications of the organizations
// plans reads apps of are read per application; when so, it takes those
// reads out of plans and returns what collects them (nil: per
// organization). The machine-to-machine applications must have been listed
// (f.m2mApps), and the tenant's Logto not be known to lack the route.
func (f *fetcher) byApplication(plans map[string]orgRead) *appReads {
	if f.m2mApps == nil {
		return nil
	}
	if has, known := f.c.Known(logto.FeatureApplicationOrganizations); known && !has {
		return nil
	}
	byID := map[string]*state.LiveOrganization{}
	for i := range f.live.Organizations {
		o := &f.live.Organizations[i]
		if plans[o.ID].apps {
			byID[o.ID] = o
		}
	}
	if len(f.m2mApps) >= len(byID) {
		return nil
	}
	for id := range byID {
		r := plans[id]
		r.apps = false
		plans[id] = r
	}
	a := &appReads{orgs: byID, lists: map[string]*logto.PagedList[logto.ApplicationOrganization]{},
		pending: len(f.m2mApps), more: map[string][]int{}}
	for _, id := range f.m2mApps {
		a.lists[id] = f.c.ApplicationOrganizationPages(id)
	}
	return a
}

// schedule queues the reads on g (from a function g runs): the first
// application's first page alone, then the other first pages, then the
// remaining pages or the per-organization reads.
func (a *appReads) schedule(g *group, f *fetcher) {
	if len(f.m2mApps) == 0 {
		return // no application can be in an organization
	}
	first := f.m2mApps[0]
	g.SpawnFirst(func(ctx context.Context) error {
		_, more, err := a.lists[first].Read(ctx, 1)
		if logto.RouteMissing(err) {
			f.c.Learned(logto.FeatureApplicationOrganizations, false)
			a.perOrganization(g, f)
			return nil
		}
		if err != nil {
			return appReadError(first, err)
		}
		f.c.Learned(logto.FeatureApplicationOrganizations, true)
		for _, id := range f.m2mApps[1:] {
			g.SpawnFirst(func(ctx context.Context) error {
				_, more, err := a.lists[id].Read(ctx, 1)
				if err != nil {
					return appReadError(id, err)
				}
				a.firstPageIn(g, f, id, more)
				return nil
			})
		}
		a.firstPageIn(g, f, first, more)
		return nil
	})
}

// firstPageIn notes the pages application id still has; after the last
// application's first page it queues the remaining pages, or, when they
// are not fewer than the organizations to read, the per-organization reads.
func (a *appReads) firstPageIn(g *group, f *fetcher, id string, more []int) {
	a.mu.Lock()
	a.more[id] = more
	a.pending--
	last := a.pending == 0
	remaining := 0
	for _, pages := range a.more {
		remaining += len(pages)
	}
	a.mu.Unlock()
	if !last {
		return
	}
	if remaining >= len(a.orgs) {
		a.perOrganization(g, f)
		return
	}
	for app, pages := range a.more {
		for _, p := range pages {
			g.SpawnFirst(func(ctx context.Context) error {
				if _, _, err := a.lists[app].Read(ctx, p); err != nil {
					return appReadError(app, err)
				}
				return nil
			})
		}
	}
}

// perOrganization queues the per-organization reads instead.
func (a *appReads) perOrganization(g *group, f *fetcher) {
	a.mu.Lock()
	a.fallback = true
	a.mu.Unlock()
	for _, o := range a.orgs {
		g.SpawnFirst(func(ctx context.Context) error { return f.readOrgApps(ctx, o) })
	}
}

func appReadError(id string, err error) error {
	return fmt.Errorf("read the organizations of application %s (GET /api/applications/{id}/organizations): %w", id, err)
}

// publish sets the applications of every organization read per
// application, once the group is done (readOrgApps set them after a
// fallback). A list whose pages do not add up fails the read.
func (a *appReads) publish() error {
	if a.fallback {
		return nil
	}
	found := map[string][]state.LiveApplication{}
	for app, list := range a.lists {
		orgs, err := list.Rows()
		if err != nil {
			return appReadError(app, err)
		}
		for _, o := range orgs {
			if o.ID == "" {
				return fmt.Errorf("read the organizations of application %s: an organization without an id in Logto's answer", app)
			}
			if _, ok := a.orgs[o.ID]; ok {
				found[o.ID] = append(found[o.ID], state.LiveApplication{AppID: app, RoleIDs: idsOf(o.OrganizationRoles)})
			}
		}
	}
	for id, o := range a.orgs {
		apps := append(make([]state.LiveApplication, 0, len(found[id])), found[id]...)
		slices.SortFunc(apps, func(x, y state.LiveApplication) int { return strings.Compare(x.AppID, y.AppID) })
		o.Applications = apps
	}
	return nil
}

// readOrgApps reads one organization's applications (the per-organization
// read) into o.Applications and f.live.Applications.
func (f *fetcher) readOrgApps(ctx context.Context, o *state.LiveOrganization) error {
	id := o.ID
	apps, err := f.c.ListOrganizationApplications(ctx, id)
	if err != nil {
		return fmt.Errorf("read the applications of organization %q (%s): %w", o.Name, id, err)
	}
	out := make([]state.LiveApplication, 0, len(apps))
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range apps {
		if a.ID == "" {
			return fmt.Errorf("read the applications of organization %q (%s): an application without an id in Logto's answer", o.Name, id)
		}
		out = append(out, state.LiveApplication{AppID: a.ID, RoleIDs: idsOf(a.OrganizationRoles)})
		if _, ok := f.live.Applications[a.ID]; !ok {
			f.live.Applications[a.ID] = state.App{ID: a.ID, Name: a.Name, Type: a.Type}
		}
	}
	slices.SortFunc(out, func(a, b state.LiveApplication) int { return strings.Compare(a.AppID, b.AppID) })
	o.Applications = out
	return nil
}
