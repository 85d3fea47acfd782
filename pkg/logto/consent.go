package logto

import (
	"context"
	"net/http"
)

// userConsentScopes is the body of GET /api/applications/{id}/user-consent-scopes
// as far as orgsync reads it.
type userConsentScopes struct {
	OrganizationScopes []OrganizationScope `json:"organizationScopes"`
}

// ListUserConsentOrganizationScopes returns the organization scopes a
// third-party application asks its users to consent to.
//
// GET /api/applications/{id}/user-consent-scopes
func (c *Client) ListUserConsentOrganizationScopes(ctx context.Context, appID string) ([]OrganizationScope, error) {
	var out userConsentScopes
	if err := c.doRequired(ctx, http.MethodGet, pathf("/api/applications/%s/user-consent-scopes", appID), nil, &out); err != nil {
		return nil, err
	}
	return nonNilSlice(out.OrganizationScopes), nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
