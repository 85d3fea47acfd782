// Package logtotest holds the Management API calls that tests make to set
// up or clean up a tenant (the emulator or a real Logto) and that orgsync
// itself never makes: deleting users and applications, third-party consent
// and JIT SSO connector edits one by one, reading one organization.
package logtotest

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/orgsync/orgsync/pkg/logto"
)

var errEmptyList = errors.New("logtotest: the list must not be empty")

// DeleteUser deletes a user: DELETE /api/users/{userId}.
func DeleteUser(ctx context.Context, c *logto.Client, id string) error {
	return c.Do(ctx, http.MethodDelete, "/api/users/"+url.PathEscape(id), nil, nil)
}

// DeleteApplication deletes an application: DELETE /api/applications/{id}.
func DeleteApplication(ctx context.Context, c *logto.Client, id string) error {
	return c.Do(ctx, http.MethodDelete, "/api/applications/"+url.PathEscape(id), nil, nil)
}

// GetOrganization returns one organization: GET /api/organizations/{id}.
func GetOrganization(ctx context.Context, c *logto.Client, id string) (*logto.Organization, error) {
	var out logto.Organization
	if err := c.Do(ctx, http.MethodGet, "/api/organizations/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddUserConsentOrganizationScopes adds organization scopes to a
// third-party application's consent list; adding one already there is a
// no-op. A first-party application is a 422
// application.third_party_application_only, an unknown scope a 422
// application.user_consent_scopes_not_found.
//
// POST /api/applications/{id}/user-consent-scopes
func AddUserConsentOrganizationScopes(ctx context.Context, c *logto.Client, appID string, scopeIDs []string) error {
	if len(scopeIDs) == 0 {
		return errEmptyList
	}
	body := map[string][]string{"organizationScopes": scopeIDs}
	return c.Do(logto.Idempotent(ctx), http.MethodPost, "/api/applications/"+url.PathEscape(appID)+"/user-consent-scopes", body, nil)
}

// RemoveUserConsentOrganizationScope removes an organization scope from a
// third-party application's consent list; one not there is a 404
// entity.not_found.
//
// DELETE /api/applications/{id}/user-consent-scopes/organization-scopes/{scopeId}
func RemoveUserConsentOrganizationScope(ctx context.Context, c *logto.Client, appID, scopeID string) error {
	return c.Do(ctx, http.MethodDelete, "/api/applications/"+url.PathEscape(appID)+"/user-consent-scopes/organization-scopes/"+url.PathEscape(scopeID), nil, nil)
}

// AddJITSSOConnectors adds JIT SSO connectors to the organization; adding
// one already there is a no-op.
//
// POST /api/organizations/{id}/jit/sso-connectors
func AddJITSSOConnectors(ctx context.Context, c *logto.Client, orgID string, connectorIDs []string) error {
	if len(connectorIDs) == 0 {
		return errEmptyList
	}
	body := map[string][]string{"ssoConnectorIds": connectorIDs}
	return c.Do(logto.Idempotent(ctx), http.MethodPost, "/api/organizations/"+url.PathEscape(orgID)+"/jit/sso-connectors", body, nil)
}

// RemoveJITSSOConnector removes one JIT SSO connector from the
// organization; one not assigned is a 404 entity.not_found.
//
// DELETE /api/organizations/{id}/jit/sso-connectors/{ssoConnectorId}
func RemoveJITSSOConnector(ctx context.Context, c *logto.Client, orgID, connectorID string) error {
	return c.Do(ctx, http.MethodDelete, "/api/organizations/"+url.PathEscape(orgID)+"/jit/sso-connectors/"+url.PathEscape(connectorID), nil, nil)
}

// WithAccessTokenTTL sets the lifetime of the access tokens issued for a
// created API resource (Logto's default is 3600 seconds).
func WithAccessTokenTTL(seconds int) logto.ResourceOption {
	return func(body map[string]any) { body["accessTokenTtl"] = seconds }
}
