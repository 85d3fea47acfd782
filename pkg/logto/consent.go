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

// AddUserConsentOrganizationScopes adds organization scopes to a third-party
// application's consent list; adding one already there is a no-op. A
// first-party application is a 422 application.third_party_application_only,
// an unknown scope a 422 application.user_consent_scopes_not_found. The list
// must not be empty.
//
// POST /api/applications/{id}/user-consent-scopes
func (c *Client) AddUserConsentOrganizationScopes(ctx context.Context, appID string, scopeIDs []string) error {
	if len(scopeIDs) == 0 {
		return errEmptyList
	}
	body := map[string][]string{"organizationScopes": scopeIDs}
	return c.Do(Idempotent(ctx), http.MethodPost, pathf("/api/applications/%s/user-consent-scopes", appID), body, nil)
}

// RemoveUserConsentOrganizationScope removes an organization scope from a
// third-party application's consent list; one not there is a 404
// entity.not_found.
//
// DELETE /api/applications/{id}/user-consent-scopes/organization-scopes/{scopeId}
func (c *Client) RemoveUserConsentOrganizationScope(ctx context.Context, appID, scopeID string) error {
	return c.Do(ctx, http.MethodDelete, pathf("/api/applications/%s/user-consent-scopes/organization-scopes/%s", appID, scopeID), nil, nil)
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
