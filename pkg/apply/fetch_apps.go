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
// from one read per machine-to-machine application of the tenant (GET
// /api/applications/{id}/organizations, the organizations it is in with its
// roles there): only machine-to-machine applications can join an
// organization (Logto's check_application_type constraint), so the second
// covers every organization at once. Fetch takes whichever costs fewer
// requests, counting one per organization or application.
//
// Both routes came with Logto 1.18.0 (core CHANGELOG, 87615d58c), so a
// release with organization applications has the per-application read too.
// The first per-application read doubles as the feature probe: answered 404
// without a Logto code (no such route), the organizations are read one by
// one instead, at no extra request but that one.

// appReads collects the per-application reads of one Fetch.
type appReads struct {
	orgs map[string]*state.LiveOrganization // whose applications are read, by id

	mu       sync.Mutex
	found    map[string][]state.LiveApplication // by organization id
	fallback bool                               // read per organization instead
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
	return &appReads{orgs: byID, found: map[string][]state.LiveApplication{}}
}

// schedule reads every machine-to-machine application's organizations on
// g (from a function g runs): the first alone, then the others at once.
func (a *appReads) schedule(g *group, f *fetcher) {
	if len(f.m2mApps) == 0 {
		return // no application can be in an organization
	}
	g.SpawnFirst(func(ctx context.Context) error {
		err := a.read(ctx, f, f.m2mApps[0])
		if logto.RouteMissing(err) {
			f.c.Learned(logto.FeatureApplicationOrganizations, false)
			a.mu.Lock()
			a.fallback = true
			a.mu.Unlock()
			for _, o := range a.orgs {
				g.SpawnFirst(func(ctx context.Context) error { return f.readOrgApps(ctx, o) })
			}
			return nil
		}
		if err != nil {
			return err
		}
		f.c.Learned(logto.FeatureApplicationOrganizations, true)
		for _, id := range f.m2mApps[1:] {
			g.SpawnFirst(func(ctx context.Context) error { return a.read(ctx, f, id) })
		}
		return nil
	})
}

// read reads the organizations of application id.
func (a *appReads) read(ctx context.Context, f *fetcher, id string) error {
	orgs, err := f.c.ListApplicationOrganizations(ctx, id)
	if logto.RouteMissing(err) {
		return err
	}
	if err != nil {
		return fmt.Errorf("read the organizations of application %s (GET /api/applications/{id}/organizations): %w", id, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, o := range orgs {
		if o.ID == "" {
			return fmt.Errorf("read the organizations of application %s: an organization without an id in Logto's answer", id)
		}
		if _, ok := a.orgs[o.ID]; ok {
			a.found[o.ID] = append(a.found[o.ID], state.LiveApplication{AppID: id, RoleIDs: idsOf(o.OrganizationRoles)})
		}
	}
	return nil
}

// publish sets the applications of every organization read per
// application (once the group is done).
func (a *appReads) publish() {
	if a.fallback {
		return // readOrgApps set them
	}
	for id, o := range a.orgs {
		apps := append(make([]state.LiveApplication, 0, len(a.found[id])), a.found[id]...)
		slices.SortFunc(apps, func(x, y state.LiveApplication) int { return strings.Compare(x.AppID, y.AppID) })
		o.Applications = apps
	}
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
