package logto

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// OrganizationScope is an organization permission.
type OrganizationScope struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// ListOrganizationScopes returns every organization scope, ordered by name.
//
// GET /api/organization-scopes
func (c *Client) ListOrganizationScopes(ctx context.Context) ([]OrganizationScope, error) {
	return listAll[OrganizationScope](ctx, c, "/api/organization-scopes", nil)
}

// CreateOrganizationScope creates an organization scope. A duplicate name is
// a 422 entity.unique_integrity_violation.
//
// POST /api/organization-scopes
func (c *Client) CreateOrganizationScope(ctx context.Context, name string, description *string) (*OrganizationScope, error) {
	body := map[string]any{"name": name}
	if description != nil {
		body["description"] = *description
	}
	var out OrganizationScope
	if err := c.doRequired(ctx, http.MethodPost, "/api/organization-scopes", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateOrganizationScope patches an organization scope ("name",
// "description"). An empty patch is refused: Logto answers it with 422.
//
// PATCH /api/organization-scopes/{id}
func (c *Client) UpdateOrganizationScope(ctx context.Context, id string, patch map[string]any) (*OrganizationScope, error) {
	if len(patch) == 0 {
		return nil, errEmptyPatch
	}
	var out OrganizationScope
	if err := c.doRequired(ctx, http.MethodPatch, pathf("/api/organization-scopes/%s", id), patch, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteOrganizationScope deletes an organization scope; its role
// assignments go with it.
//
// DELETE /api/organization-scopes/{id}
func (c *Client) DeleteOrganizationScope(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, pathf("/api/organization-scopes/%s", id), nil, nil)
}

// errEmptyPatch guards the PATCH methods: Logto rejects {} with 422
// entity.invalid_input.
var errEmptyPatch = errors.New("logto: empty PATCH: nothing to update (Logto rejects an empty PATCH body)")

// FindOrganizationScopesByName returns the organization scopes named
// exactly name (names are unique, so at most one).
//
// GET /api/organization-scopes?q={name}
func (c *Client) FindOrganizationScopesByName(ctx context.Context, name string) ([]OrganizationScope, error) {
	// q is a case-insensitive substring match, a superset of the exact one.
	rows, err := listAll[OrganizationScope](ctx, c, "/api/organization-scopes", url.Values{"q": {name}})
	if err != nil {
		return nil, err
	}
	exact := rows[:0]
	for _, s := range rows {
		if s.Name == name {
			exact = append(exact, s)
		}
	}
	return exact, nil
}
