package logto

import "context"

// SSOConnector is an enterprise SSO connector as orgsync reads it. Logto's
// rows also carry the connector's config, which holds the identity
// provider's client secret or signing certificate: the client never decodes
// it, so nothing downstream can print it.
type SSOConnector struct {
	ID            string   `json:"id"`
	ConnectorName string   `json:"connectorName"` // unique in the tenant, case-sensitive
	ProviderName  string   `json:"providerName"`  // OIDC, SAML, AzureAD, GoogleWorkspace, Okta, AzureAdOidc
	Domains       []string `json:"domains"`       // email domains, lower case
}

// ListSSOConnectors returns every enterprise SSO connector.
//
// GET /api/sso-connectors
func (c *Client) ListSSOConnectors(ctx context.Context) ([]SSOConnector, error) {
	return listAll[SSOConnector](ctx, c, "/api/sso-connectors", nil)
}
