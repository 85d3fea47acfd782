package logto

import (
	"context"
	"net/http"
	"net/url"
)

// OrganizationRole is an organization role. Scopes and ResourceScopes are
// only filled by ListOrganizationRoles (Logto's other role endpoints strip them).
type OrganizationRole struct {
	ID             string             `json:"id"`
	Name           string             `json:"name"`
	Description    *string            `json:"description"`
	Type           string             `json:"type"` // "User" or "MachineToMachine"
	Scopes         []IDName           `json:"scopes"`
	ResourceScopes []ResourceScopeRef `json:"resourceScopes"`
}

// ResourceScopeRef is an API resource scope as embedded in an organization
// role: the resource carries its id and name, not its indicator.
type ResourceScopeRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Resource IDName `json:"resource"`
}

// CreateOrganizationRole is the body of a role creation.
type CreateOrganizationRole struct {
	Name                 string   `json:"name"`
	Description          *string  `json:"description,omitempty"`
	Type                 string   `json:"type,omitempty"` // "" means User
	OrganizationScopeIDs []string `json:"organizationScopeIds,omitempty"`
	ResourceScopeIDs     []string `json:"resourceScopeIds,omitempty"`
}

// ListOrganizationRoles returns every organization role with its
// organization scopes and resource scopes, ordered by name.
//
// GET /api/organization-roles
func (c *Client) ListOrganizationRoles(ctx context.Context) ([]OrganizationRole, error) {
	return listAll[OrganizationRole](ctx, c, "/api/organization-roles", nil)
}

// CreateOrganizationRole creates an organization role. The answer is the
// plain role (no scopes).
//
// POST /api/organization-roles
func (c *Client) CreateOrganizationRole(ctx context.Context, in CreateOrganizationRole) (*OrganizationRole, error) {
	var out OrganizationRole
	if err := c.doRequired(ctx, http.MethodPost, "/api/organization-roles", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateOrganizationRole patches an organization role ("name",
// "description", "type"). An empty patch is refused.
//
// PATCH /api/organization-roles/{id}
func (c *Client) UpdateOrganizationRole(ctx context.Context, id string, patch map[string]any) (*OrganizationRole, error) {
	if len(patch) == 0 {
		return nil, errEmptyPatch
	}
	var out OrganizationRole
	if err := c.doRequired(ctx, http.MethodPatch, pathf("/api/organization-roles/%s", id), patch, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteOrganizationRole deletes an organization role; its assignments go
// with it.
//
// DELETE /api/organization-roles/{id}
func (c *Client) DeleteOrganizationRole(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, pathf("/api/organization-roles/%s", id), nil, nil)
}

// SetOrganizationRoleScopes replaces the role's organization scopes (an
// empty list removes all). The ids must be distinct.
//
// PUT /api/organization-roles/{id}/scopes
func (c *Client) SetOrganizationRoleScopes(ctx context.Context, roleID string, scopeIDs []string) error {
	body := map[string][]string{"organizationScopeIds": nonNil(scopeIDs)}
	return c.Do(ctx, http.MethodPut, pathf("/api/organization-roles/%s/scopes", roleID), body, nil)
}

// SetOrganizationRoleResourceScopes replaces the role's API resource scopes
// (an empty list removes all). The ids must be distinct.
//
// PUT /api/organization-roles/{id}/resource-scopes
func (c *Client) SetOrganizationRoleResourceScopes(ctx context.Context, roleID string, scopeIDs []string) error {
	body := map[string][]string{"scopeIds": nonNil(scopeIDs)}
	return c.Do(ctx, http.MethodPut, pathf("/api/organization-roles/%s/resource-scopes", roleID), body, nil)
}

// nonNil makes a nil slice encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// FindOrganizationRolesByName returns the organization roles named exactly
// name (names are unique, so at most one).
//
// GET /api/organization-roles?q={name}
func (c *Client) FindOrganizationRolesByName(ctx context.Context, name string) ([]OrganizationRole, error) {
	rows, err := listAll[OrganizationRole](ctx, c, "/api/organization-roles", url.Values{"q": {name}})
	if err != nil {
		return nil, err
	}
	exact := rows[:0]
	for _, r := range rows {
		if r.Name == name {
			exact = append(exact, r)
		}
	}
	return exact, nil
}
