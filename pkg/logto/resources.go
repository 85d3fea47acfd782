package logto

import (
	"context"
	"net/http"
	"net/url"
)

// Resource is an API resource, identified by its indicator.
type Resource struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Indicator      string  `json:"indicator"`
	AccessTokenTTL int     `json:"accessTokenTtl"` // seconds
	Scopes         []Scope `json:"scopes"`
}

// Scope is an API resource scope (permission).
type Scope struct {
	ID          string  `json:"id"`
	ResourceID  string  `json:"resourceId"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// ListResources returns every API resource with all its scopes.
//
// GET /api/resources?includeScopes=true
func (c *Client) ListResources(ctx context.Context) ([]Resource, error) {
	return listAll[Resource](ctx, c, "/api/resources", url.Values{"includeScopes": {"true"}})
}

// CreateResource creates an API resource. A used indicator is a 422
// resource.resource_identifier_in_use.
//
// POST /api/resources
func (c *Client) CreateResource(ctx context.Context, name, indicator string) (*Resource, error) {
	body := map[string]string{"name": name, "indicator": indicator}
	var out Resource
	if err := c.doRequired(ctx, http.MethodPost, "/api/resources", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateResourceScope creates a scope of an API resource.
//
// POST /api/resources/{resourceId}/scopes
func (c *Client) CreateResourceScope(ctx context.Context, resourceID, name string, description *string) (*Scope, error) {
	body := map[string]any{"name": name}
	if description != nil {
		body["description"] = *description
	}
	var out Scope
	if err := c.doRequired(ctx, http.MethodPost, pathf("/api/resources/%s/scopes", resourceID), body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteResource deletes an API resource with its scopes.
//
// DELETE /api/resources/{id}
func (c *Client) DeleteResource(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, pathf("/api/resources/%s", id), nil, nil)
}
