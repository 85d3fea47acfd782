package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ---- enterprise SSO connectors (routes/sso-connector/index.ts) ----

// ssoProvider is one of Logto's SSO connector factories (packages/core/src/sso).
type ssoProvider struct {
	typ  string // providerType: "oidc" or "saml"
	name string // display name (English)
	// config validates a connector config like the factory's configGuard and
	// returns it parsed (unknown keys stripped, defaults added), or false.
	config func(map[string]any) (map[string]any, bool)
}

var ssoProviders = map[string]ssoProvider{
	"OIDC":            {typ: "oidc", name: "OIDC", config: oidcConfig(true)},
	"Okta":            {typ: "oidc", name: "Okta", config: oidcConfig(true)},
	"AzureAdOidc":     {typ: "oidc", name: "Microsoft Entra ID (OIDC)", config: oidcConfig(true)},
	"GoogleWorkspace": {typ: "oidc", name: "Google Workspace", config: oidcConfig(false)},
	"SAML":            {typ: "saml", name: "SAML", config: samlConfig},
	"AzureAD":         {typ: "saml", name: "Microsoft Entra ID (SAML)", config: samlConfig},
}

// The factories' logos are data: URLs; the emulator answers a small one.
const ssoProviderLogo = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="

// singleSignOnDomainBlackList is Logto's list of public email domains an SSO
// connector may not claim (packages/schemas/src/types/sso-connector.ts).
var singleSignOnDomainBlackList = []string{
	"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "icloud.com", "aol.com",
	"yandex.com", "mail.com", "protonmail.com", "yanex.com", "gmx.com", "mail.ru", "zoho.com",
	"qq.com", "163.com", "126.com", "sina.com", "sohu.com",
}

// oidcConfig is basicOidcConnectorConfigGuard ({clientId, clientSecret,
// issuer, scope?, trustUnverifiedEmail? = false}); Google Workspace omits
// issuer (Google's is fixed) and adds offlineAccess?.
func oidcConfig(withIssuer bool) func(map[string]any) (map[string]any, bool) {
	return func(in map[string]any) (map[string]any, bool) {
		out := map[string]any{}
		required := []string{"clientId", "clientSecret"}
		if withIssuer {
			required = append(required, "issuer")
		}
		for _, k := range required {
			s, ok := in[k].(string)
			if !ok {
				return nil, false
			}
			out[k] = s
		}
		if v, ok := in["scope"]; ok {
			s, isString := v.(string)
			if !isString {
				return nil, false
			}
			out["scope"] = s
		}
		out["trustUnverifiedEmail"] = false
		if v, ok := in["trustUnverifiedEmail"]; ok {
			b, isBool := v.(bool)
			if !isBool {
				return nil, false
			}
			out["trustUnverifiedEmail"] = b
		}
		if !withIssuer {
			if v, ok := in["offlineAccess"]; ok {
				b, isBool := v.(bool)
				if !isBool {
					return nil, false
				}
				out["offlineAccess"] = b
			}
		}
		return out, true
	}
}

// samlConfig is samlConnectorConfigGuard: a metadata URL, metadata XML, or
// the IdP's entityId, signInEndpoint and x509Certificate, each with an
// optional attributeMapping (the first alternative that fits wins).
func samlConfig(in map[string]any) (map[string]any, bool) {
	alternatives := [][]string{{"metadataUrl"}, {"metadata"}, {"entityId", "signInEndpoint", "x509Certificate"}}
	for _, keys := range alternatives {
		out := map[string]any{}
		fits := true
		for _, k := range keys {
			s, ok := in[k].(string)
			if !ok {
				fits = false
				break
			}
			out[k] = s
		}
		if !fits {
			continue
		}
		if v, ok := in["attributeMapping"]; ok {
			m, isObject := v.(map[string]any)
			if !isObject {
				continue
			}
			for _, x := range m {
				if _, isString := x.(string); !isString {
					fits = false
				}
			}
			if !fits {
				continue
			}
			out["attributeMapping"] = m
		}
		return out, true
	}
	return nil, false
}

// ssoConnectorInput is a validated create body.
type ssoConnectorInput struct {
	providerName, connectorName string
	config                      map[string]any // nil: not given
	domains                     []string
	branding                    map[string]any
	syncProfile, tokenStorage   *bool
}

func parseSSOConnectorBody(m map[string]json.RawMessage, g *guard) ssoConnectorInput {
	var in ssoConnectorInput
	pn, _ := g.str(m, "providerName", strRule{required: true, min: 1, max: 128})
	cn, _ := g.str(m, "connectorName", strRule{required: true, min: 1, max: 128})
	if pn != nil {
		in.providerName = *pn
	}
	if cn != nil {
		in.connectorName = *cn
	}
	in.config, _ = g.object(m, "config", false)
	in.domains, _ = g.stringList(m, "domains", false, false, strRule{})
	in.branding, _ = g.object(m, "branding", false)
	for k, v := range in.branding {
		switch k {
		case "displayName", "logo", "darkLogo":
			if _, ok := v.(string); !ok {
				g.add([]any{"branding", k}, "invalid_type", "Expected string, received "+jsType(v))
			}
		default:
			delete(in.branding, k)
		}
	}
	in.syncProfile, _ = g.boolean(m, "syncProfile")
	in.tokenStorage, _ = g.boolean(m, "enableTokenStorage")
	return in
}

// insertSSOConnector runs POST /api/sso-connectors' checks in Logto's order
// and stores the connector.
func (e *Emulator) insertSSOConnector(in ssoConnectorInput) (*ssoConnectorRow, error) {
	p, ok := ssoProviders[in.providerName]
	if !ok {
		return nil, &apiError{Status: 422, Code: "connector.not_found",
			Message: fmt.Sprintf("Cannot find any available connector for type: %s.", in.providerName)}
	}
	domains := make([]string, len(in.domains))
	for i, d := range in.domains {
		domains[i] = strings.ToLower(d)
	}
	if err := checkSSODomains(domains); err != nil {
		return nil, err
	}
	var config map[string]any
	if in.config != nil {
		parsed, ok := p.config(in.config)
		if !ok {
			return nil, &apiError{Status: 400, Code: "connector.invalid_config", Message: "The connector's config is invalid."}
		}
		// Logto then fetches the provider's discovery document or SAML
		// metadata and rejects one it cannot reach; the emulator does not.
		config = parsed
	}
	for _, c := range e.db.SSOConnectors {
		if c.ConnectorName == in.connectorName {
			return nil, &apiError{Status: 409, Code: "single_sign_on.duplicate_connector_name",
				Message: "Connector name already exists. Please choose a different name."}
		}
	}
	if in.tokenStorage != nil && *in.tokenStorage {
		// Token storage needs a secret vault key (SECRET_VAULT_KEK), which the
		// emulator, like a default OSS deployment, does not have.
		return nil, &apiError{Status: 422, Code: "request.feature_not_supported",
			Message: "This feature is not supported in the current environment."}
	}
	row := &ssoConnectorRow{ID: e.randomID(12), ProviderName: in.providerName, ConnectorName: in.connectorName,
		Config: orEmpty(config), Domains: domains, Branding: orEmpty(in.branding), CreatedAt: e.nowMS(), Seq: e.db.next()}
	if in.syncProfile != nil {
		row.SyncProfile = *in.syncProfile
	}
	e.db.SSOConnectors[row.ID] = row
	return row, nil
}

// checkSSODomains is validateConnectorDomains: public email domains and
// duplicates are refused, each set listed in data.data.
func checkSSODomains(domains []string) error {
	seen := map[string]bool{}
	var forbidden, duplicated []string
	for _, d := range domains {
		if contains(singleSignOnDomainBlackList, d) && !contains(forbidden, d) {
			forbidden = append(forbidden, d)
		}
		if seen[d] && !contains(duplicated, d) {
			duplicated = append(duplicated, d)
		}
		seen[d] = true
	}
	if len(forbidden) > 0 {
		return &apiError{Status: 422, Code: "single_sign_on.forbidden_domains",
			Message: "Public email domains are not allowed.", Data: obj{"data": forbidden}}
	}
	if len(duplicated) > 0 {
		return &apiError{Status: 422, Code: "single_sign_on.duplicated_domains",
			Message: "There are duplicate domains.", Data: obj{"data": duplicated}}
	}
	return nil
}

// ssoConnectorDetail is ssoConnectorWithProviderConfigGuard: the row and the
// provider's static details (no providerConfig: the emulator reaches no
// identity provider, and Logto leaves it out when it cannot either).
func (c *ssoConnectorRow) detail() obj {
	v := c.view()
	p := ssoProviders[c.ProviderName]
	v["name"] = p.name
	v["providerType"] = p.typ
	v["providerLogo"] = ssoProviderLogo
	v["providerLogoDark"] = ssoProviderLogo
	return v
}

func (e *Emulator) ssoConnectorsInOrder() []*ssoConnectorRow {
	rows := mapValues(e.db.SSOConnectors)
	sortBySeq(rows, func(c *ssoConnectorRow) int64 { return c.Seq })
	return rows
}

func (e *Emulator) listSSOConnectors(c *call) error {
	p, err := c.pagination(true)
	if err != nil {
		return err
	}
	list(c, p, e.ssoConnectorsInOrder(), func(r *ssoConnectorRow) any { return r.detail() })
	return nil
}

func (e *Emulator) createSSOConnector(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	in := parseSSOConnectorBody(m, g)
	if err := g.err(); err != nil {
		return err
	}
	row, err := e.insertSSOConnector(in)
	if err != nil {
		return err
	}
	c.changed = true
	c.json(200, row.view())
	return nil
}

func (e *Emulator) getSSOConnector(c *call) error {
	r, ok := e.db.SSOConnectors[c.param("id")]
	if !ok {
		return errNotExistsWithID("sso_connectors", c.param("id"))
	}
	c.json(200, r.detail())
	return nil
}

func (e *Emulator) deleteSSOConnector(c *call) error {
	if _, ok := e.db.SSOConnectors[c.param("id")]; !ok {
		return errNotExistsWithID("sso_connectors", c.param("id"))
	}
	e.db.deleteSSOConnector(c.param("id"))
	c.changed = true
	c.noContent()
	return nil
}

// SSOConnector describes an enterprise SSO connector for AddSSOConnector.
type SSOConnector struct {
	ProviderName  string         // OIDC, SAML, AzureAD, GoogleWorkspace, Okta or AzureAdOidc
	ConnectorName string         // unique, case-sensitive
	Config        map[string]any // nil: an unconfigured connector
	Domains       []string
}

// AddSSOConnector creates an enterprise SSO connector as POST
// /api/sso-connectors would (same checks) and returns its id.
func (e *Emulator) AddSSOConnector(in SSOConnector) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	row, err := e.insertSSOConnector(ssoConnectorInput{providerName: in.ProviderName, connectorName: in.ConnectorName,
		config: in.Config, domains: in.Domains})
	if err != nil {
		return "", err
	}
	if e.opts.StatePath != "" {
		if err := e.saveLocked(); err != nil {
			return "", err
		}
	}
	return row.ID, nil
}

// ---- organization JIT SSO connectors (SchemaRouter relation "jit/sso-connectors") ----

func (e *Emulator) listJITSSOConnectors(c *call) error {
	p, err := c.pagination(true)
	if err != nil {
		return err
	}
	o, ok := e.db.Orgs[c.param("id")]
	if !ok {
		return errNotExistsWithID("organizations", c.param("id"))
	}
	rows := []*ssoConnectorRow{}
	for _, id := range o.JITSSOConnectors {
		if r, ok := e.db.SSOConnectors[id]; ok {
			rows = append(rows, r)
		}
	}
	// The relation returns whole rows, config (with its secrets) included.
	list(c, p, rows, func(r *ssoConnectorRow) any { return r.view() })
	return nil
}
