package apply

import (
	"context"
	"fmt"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// TenantReader reads a whole tenant without a configuration, organization
// by organization, for export. It reads and converts exactly as Fetch
// does (the same requests, the same checks of Logto's answers).
type TenantReader struct {
	f   *fetcher
	sso bool // read the organizations' JIT SSO connectors
}

// ReadTenant reads the organization template and what naming it needs:
// permissions, roles, API resources (when a role has API permissions),
// every application, the organizations (without their members,
// applications or JIT settings) and, when the tenant has enterprise SSO
// connectors and its Logto has JIT by connector, the connectors. Read each
// organization's relations with ReadOrganization.
func ReadTenant(ctx context.Context, c *logto.Client) (*TenantReader, *state.Live, error) {
	live := &state.Live{Users: map[string]state.User{}, Applications: map[string]state.App{}, RecordApp: c.AppID()}
	r := &TenantReader{f: &fetcher{c: c, cfg: &state.Config{}, live: live}}
	scopes, err := c.ListOrganizationScopes(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read organization permissions (GET /api/organization-scopes): %w", err)
	}
	if live.Permissions, err = convertScopes(scopes); err != nil {
		return nil, nil, err
	}
	roles, err := c.ListOrganizationRoles(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read organization roles (GET /api/organization-roles): %w", err)
	}
	if live.Roles, err = convertRoles(roles); err != nil {
		return nil, nil, err
	}
	if needResources(r.f.cfg, live.Roles) {
		res, err := c.ListResources(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("read API resources (GET /api/resources): %w", err)
		}
		if live.Resources, err = convertResources(res); err != nil {
			return nil, nil, err
		}
	}
	apps, err := c.ListApplications(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read applications (GET /api/applications): %w", err)
	}
	if err := r.f.addApps(apps); err != nil {
		return nil, nil, err
	}
	orgs, err := c.ListOrganizations(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read organizations (GET /api/organizations): %w", err)
	}
	if live.Organizations, err = convertOrganizations(orgs); err != nil {
		return nil, nil, err
	}
	conns, err := c.ListSSOConnectors(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read enterprise SSO connectors (GET /api/sso-connectors): %w", err)
	}
	if len(conns) > 0 {
		if r.sso, err = c.Supports(ctx, logto.FeatureJITSSOConnectors); err != nil {
			return nil, nil, err
		}
		if live.SSOConnectors, err = convertSSOConnectors(conns); err != nil {
			return nil, nil, err
		}
	}
	return r, live, nil
}

// ReadOrganization reads the members, applications and JIT settings (with
// SSO connectors, when the tenant has them) of the i-th organization of
// the tenant ReadTenant returned, one request after the other. Calls for
// different organizations may run concurrently.
func (r *TenantReader) ReadOrganization(ctx context.Context, i int) error {
	g := newGroup(ctx, 1)
	r.f.readOrg(g.Go, &r.f.live.Organizations[i], orgRead{members: true, apps: true, jit: true, sso: r.sso})
	return g.Wait()
}

// User is what the organizations read so far say about the user with the
// given id. Safe to call while other organizations are being read.
func (r *TenantReader) User(id string) state.User {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.live.Users[id]
}

// Application is the tenant's application with the given id, as read by
// ReadTenant or, for one that joined later, by ReadOrganization. Safe to
// call while other organizations are being read.
func (r *TenantReader) Application(id string) state.App {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.live.Applications[id]
}
