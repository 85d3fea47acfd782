package logto

import (
	"context"
	"net/http"
)

// JITEmailDomain is an organization's just-in-time provisioning email domain.
type JITEmailDomain struct {
	OrganizationID string `json:"organizationId"`
	EmailDomain    string `json:"emailDomain"`
}

// ListJITEmailDomains returns the organization's JIT email domains.
//
// GET /api/organizations/{id}/jit/email-domains
func (c *Client) ListJITEmailDomains(ctx context.Context, orgID string) ([]string, error) {
	rows, err := listAll[JITEmailDomain](ctx, c, pathf("/api/organizations/%s/jit/email-domains", orgID), nil)
	if err != nil {
		return nil, err
	}
	domains := make([]string, len(rows))
	for i, r := range rows {
		domains[i] = r.EmailDomain
	}
	return domains, nil
}

// SetJITEmailDomains replaces the organization's JIT email domains (an empty
// list removes all). The domains must be distinct.
//
// PUT /api/organizations/{id}/jit/email-domains
func (c *Client) SetJITEmailDomains(ctx context.Context, orgID string, domains []string) error {
	body := map[string][]string{"emailDomains": nonNil(domains)}
	return c.Do(ctx, http.MethodPut, pathf("/api/organizations/%s/jit/email-domains", orgID), body, nil)
}

// ListJITRoles returns the organization roles given to just-in-time
// provisioned members (plain roles, without scopes).
//
// GET /api/organizations/{id}/jit/roles
func (c *Client) ListJITRoles(ctx context.Context, orgID string) ([]OrganizationRole, error) {
	return listAll[OrganizationRole](ctx, c, pathf("/api/organizations/%s/jit/roles", orgID), nil)
}

// SetJITRoles replaces the organization's JIT roles (an empty list removes all).
//
// PUT /api/organizations/{id}/jit/roles
func (c *Client) SetJITRoles(ctx context.Context, orgID string, roleIDs []string) error {
	body := map[string][]string{"organizationRoleIds": nonNil(roleIDs)}
	return c.Do(ctx, http.MethodPut, pathf("/api/organizations/%s/jit/roles", orgID), body, nil)
}
