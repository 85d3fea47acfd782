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

// ListJITSSOConnectors returns the enterprise SSO connectors whose users
// join the organization on their first SSO sign-in (id, names and domains;
// the connectors' config is not decoded).
//
// GET /api/organizations/{id}/jit/sso-connectors
func (c *Client) ListJITSSOConnectors(ctx context.Context, orgID string) ([]SSOConnector, error) {
	return listAll[SSOConnector](ctx, c, pathf("/api/organizations/%s/jit/sso-connectors", orgID), nil)
}

// SetJITSSOConnectors replaces the organization's JIT SSO connectors in one
// transaction (an empty list removes all). An unknown id is a 422
// entity.relation_foreign_key_not_found and leaves the previous set.
//
// PUT /api/organizations/{id}/jit/sso-connectors
func (c *Client) SetJITSSOConnectors(ctx context.Context, orgID string, connectorIDs []string) error {
	body := map[string][]string{"ssoConnectorIds": nonNil(connectorIDs)}
	return c.Do(ctx, http.MethodPut, pathf("/api/organizations/%s/jit/sso-connectors", orgID), body, nil)
}
