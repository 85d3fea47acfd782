package logto

import (
	"context"
	"net/http"
	"net/url"
)

// Organization is a Logto organization.
type Organization struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Description   *string        `json:"description"`
	CustomData    map[string]any `json:"customData"`
	IsMfaRequired bool           `json:"isMfaRequired"`
	CreatedAt     int64          `json:"createdAt"` // epoch milliseconds
}

// CreateOrganization is the body of an organization creation.
type CreateOrganization struct {
	Name          string         `json:"name"`
	Description   *string        `json:"description,omitempty"`
	CustomData    map[string]any `json:"customData,omitempty"`
	IsMfaRequired *bool          `json:"isMfaRequired,omitempty"`
}

// listAttempts is how often an organization list is read again when
// duplicates across pages hid some rows (Logto lists organizations without
// ORDER BY, so page boundaries may move between requests).
const listAttempts = 3

// ListOrganizations returns every organization, de-duplicated by id.
//
// GET /api/organizations
func (c *Client) ListOrganizations(ctx context.Context) ([]Organization, error) {
	return c.listOrganizations(ctx, nil)
}

// FindOrganizationsByName returns the organizations named exactly name
// (case-sensitive). Names are not unique in Logto, so there may be several.
//
// GET /api/organizations?q={name}
func (c *Client) FindOrganizationsByName(ctx context.Context, name string) ([]Organization, error) {
	// q is a case-insensitive substring match (where % and _ are wildcards),
	// a superset of the exact matches.
	orgs, err := c.listOrganizations(ctx, url.Values{"q": {name}})
	if err != nil {
		return nil, err
	}
	exact := orgs[:0]
	for _, o := range orgs {
		if o.Name == name {
			exact = append(exact, o)
		}
	}
	return exact, nil
}

func (c *Client) listOrganizations(ctx context.Context, query url.Values) ([]Organization, error) {
	const path = "/api/organizations"
	var err error
	for range listAttempts {
		var rows []Organization
		var total int
		rows, total, err = listPages[Organization](ctx, c, path, query)
		if err != nil {
			return nil, err
		}
		seen := make(map[string]bool, len(rows))
		unique := rows[:0]
		for _, o := range rows {
			if !seen[o.ID] {
				seen[o.ID] = true
				unique = append(unique, o)
			}
		}
		if err = checkTotal(path, total, len(unique)); err == nil {
			return unique, nil
		}
	}
	return nil, err
}

// GetOrganization returns one organization.
//
// GET /api/organizations/{id}
func (c *Client) GetOrganization(ctx context.Context, id string) (*Organization, error) {
	var out Organization
	if err := c.doRequired(ctx, http.MethodGet, pathf("/api/organizations/%s", id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateOrganization creates an organization. Names are not unique: a
// second create with the same name makes a second organization.
//
// POST /api/organizations
func (c *Client) CreateOrganization(ctx context.Context, in CreateOrganization) (*Organization, error) {
	var out Organization
	if err := c.doRequired(ctx, http.MethodPost, "/api/organizations", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateOrganization patches an organization ("name", "description",
// "customData" (replaced wholesale), "isMfaRequired", …). An empty patch is
// refused.
//
// PATCH /api/organizations/{id}
func (c *Client) UpdateOrganization(ctx context.Context, id string, patch map[string]any) (*Organization, error) {
	if len(patch) == 0 {
		return nil, errEmptyPatch
	}
	var out Organization
	if err := c.doRequired(ctx, http.MethodPatch, pathf("/api/organizations/%s", id), patch, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteOrganization deletes an organization with its memberships, JIT
// settings and invitations.
//
// DELETE /api/organizations/{id}
func (c *Client) DeleteOrganization(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, pathf("/api/organizations/%s", id), nil, nil)
}
