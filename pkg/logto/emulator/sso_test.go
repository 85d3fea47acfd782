package emulator

import (
	"path/filepath"
	"testing"
)

const oidcConfigBody = `{"clientId":"cid","clientSecret":"idp-secret","issuer":"https://idp.example","extra":"dropped"}`

func TestSSOConnectors(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "none", method: "GET", path: "/api/sso-connectors", status: 200, check: func(t *testing.T, r result) {
			equal(t, "len", len(r.list()), 0)
			if r.header.Get("Total-Number") != "" {
				t.Error("the list is paginated only when asked")
			}
		}},
		{name: "provider required", method: "POST", path: "/api/sso-connectors", body: `{"connectorName":"x"}`, status: 400, code: "guard.invalid_input"},
		{name: "unknown provider", method: "POST", path: "/api/sso-connectors", body: `{"providerName":"Kerberos","connectorName":"x"}`, status: 422, code: "connector.not_found"},
		{name: "partial config", method: "POST", path: "/api/sso-connectors", body: `{"providerName":"OIDC","connectorName":"x","config":{"clientId":"cid"}}`, status: 400, code: "connector.invalid_config"},
		{name: "public domain", method: "POST", path: "/api/sso-connectors", body: `{"providerName":"OIDC","connectorName":"x","domains":["Gmail.com"]}`, status: 422, code: "single_sign_on.forbidden_domains",
			check: func(t *testing.T, r result) {
				equal(t, "data", r.obj()["data"], map[string]any{"data": []string{"gmail.com"}})
			}},
		{name: "duplicate domain", method: "POST", path: "/api/sso-connectors", body: `{"providerName":"OIDC","connectorName":"x","domains":["acme.com","ACME.com"]}`, status: 422, code: "single_sign_on.duplicated_domains"},
		{name: "token storage needs a vault", method: "POST", path: "/api/sso-connectors", body: `{"providerName":"OIDC","connectorName":"x","enableTokenStorage":true}`, status: 422, code: "request.feature_not_supported"},
		{name: "create configured", method: "POST", path: "/api/sso-connectors",
			body:   `{"providerName":"OIDC","connectorName":"Acme IdP","config":` + oidcConfigBody + `,"domains":["Acme.com"],"branding":{"displayName":"Acme","junk":1}}`,
			status: 200, save: "acme", check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "fields", []any{len(m["id"].(string)), m["providerName"], m["connectorName"], m["domains"], m["branding"], m["syncProfile"], m["enableTokenStorage"]},
					[]any{12, "OIDC", "Acme IdP", []string{"acme.com"}, map[string]any{"displayName": "Acme"}, false, false})
				equal(t, "config parsed", m["config"], map[string]any{"clientId": "cid", "clientSecret": "idp-secret", "issuer": "https://idp.example", "trustUnverifiedEmail": false})
				if _, ok := m["providerType"]; ok {
					t.Error("the create answer is the plain row")
				}
			}},
		{name: "duplicate name", method: "POST", path: "/api/sso-connectors", body: `{"providerName":"SAML","connectorName":"Acme IdP"}`, status: 409, code: "single_sign_on.duplicate_connector_name"},
		{name: "name is case-sensitive", method: "POST", path: "/api/sso-connectors", body: `{"providerName":"SAML","connectorName":"acme idp"}`, status: 200, save: "saml"},
		{name: "saml by metadata url", method: "POST", path: "/api/sso-connectors", body: `{"providerName":"AzureAD","connectorName":"Entra","config":{"metadataUrl":"https://idp/meta"}}`, status: 200,
			check: func(t *testing.T, r result) {
				equal(t, "config", r.obj()["config"], map[string]any{"metadataUrl": "https://idp/meta"})
			}},
		{name: "get", method: "GET", path: "/api/sso-connectors/{acme}", status: 200, check: func(t *testing.T, r result) {
			m := r.obj()
			equal(t, "provider details", []any{m["name"], m["providerType"], m["connectorName"]}, []any{"OIDC", "oidc", "Acme IdP"})
			if _, ok := m["config"]; !ok {
				t.Error("Logto returns the config")
			}
		}},
		{name: "get missing", method: "GET", path: "/api/sso-connectors/zz", status: 404, code: "entity.not_exists_with_id"},
		{name: "list in creation order", method: "GET", path: "/api/sso-connectors", status: 200,
			check: func(t *testing.T, r result) {
				equal(t, "names", names(r, "connectorName"), []string{"Acme IdP", "acme idp", "Entra"})
				equal(t, "types", names(r, "providerType"), []string{"oidc", "saml", "saml"})
			}},
		{name: "paginated when asked", method: "GET", path: "/api/sso-connectors?page_size=2", status: 200, check: func(t *testing.T, r result) {
			equal(t, "page", []any{len(r.list()), r.header.Get("Total-Number")}, []any{2, "3"})
		}},
		{name: "delete", method: "DELETE", path: "/api/sso-connectors/{saml}", status: 204},
		{name: "delete again", method: "DELETE", path: "/api/sso-connectors/{saml}", status: 404, code: "entity.not_exists_with_id"},
	})
}

func TestJITSSOConnectors(t *testing.T) {
	h := start(t, Options{})
	a, err := h.e.AddSSOConnector(SSOConnector{ProviderName: "OIDC", ConnectorName: "A"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.e.AddSSOConnector(SSOConnector{ProviderName: "Okta", ConnectorName: "B",
		Config: map[string]any{"clientId": "c", "clientSecret": "s", "issuer": "https://okta.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.AddSSOConnector(SSOConnector{ProviderName: "OIDC", ConnectorName: "A"}); err == nil {
		t.Fatal("AddSSOConnector accepted a duplicate name")
	}
	h.vars["a"], h.vars["b"] = a, b
	h.run([]step{
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org"},
		{name: "org 2", method: "POST", path: "/api/organizations", body: `{"name":"Globex"}`, status: 201, save: "org2"},
		{name: "empty", method: "GET", path: "/api/organizations/{org}/jit/sso-connectors", status: 200,
			check: func(t *testing.T, r result) { equal(t, "len", len(r.list()), 0) }},
		{name: "missing org", method: "GET", path: "/api/organizations/zz/jit/sso-connectors", status: 404, code: "entity.not_exists_with_id"},
		{name: "empty add", method: "POST", path: "/api/organizations/{org}/jit/sso-connectors", body: `{"ssoConnectorIds":[]}`, status: 400, code: "guard.invalid_input"},
		{name: "unknown connector", method: "POST", path: "/api/organizations/{org}/jit/sso-connectors", body: `{"ssoConnectorIds":["{a}","zz"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "add", method: "POST", path: "/api/organizations/{org}/jit/sso-connectors", body: `{"ssoConnectorIds":["{a}"]}`, status: 201},
		{name: "add again", method: "POST", path: "/api/organizations/{org}/jit/sso-connectors", body: `{"ssoConnectorIds":["{a}","{a}"]}`, status: 201},
		{name: "whole rows with config", method: "GET", path: "/api/organizations/{org}/jit/sso-connectors", status: 200, check: func(t *testing.T, r result) {
			l := r.list()
			equal(t, "ids", names(r, "id"), []string{a})
			equal(t, "row", []any{l[0]["connectorName"], l[0]["providerName"], l[0]["config"]}, []any{"A", "OIDC", map[string]any{}})
		}},
		{name: "replace", method: "PUT", path: "/api/organizations/{org}/jit/sso-connectors", body: `{"ssoConnectorIds":["{b}","{a}"]}`, status: 204},
		{name: "replace with unknown", method: "PUT", path: "/api/organizations/{org}/jit/sso-connectors", body: `{"ssoConnectorIds":["{a}","zz"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "replace with duplicates", method: "PUT", path: "/api/organizations/{org}/jit/sso-connectors", body: `{"ssoConnectorIds":["{a}","{a}"]}`, status: 422, code: "entity.unique_integrity_violation"},
		{name: "previous set intact", method: "GET", path: "/api/organizations/{org}/jit/sso-connectors", status: 200, check: func(t *testing.T, r result) {
			equal(t, "ids", names(r, "id"), []string{b, a})
			equal(t, "secret kept in the row", r.list()[0]["config"].(map[string]any)["clientSecret"], "s")
		}},
		{name: "paginated when asked", method: "GET", path: "/api/organizations/{org}/jit/sso-connectors?page=2&page_size=1", status: 200,
			check: func(t *testing.T, r result) {
				equal(t, "page 2", []any{names(r, "id"), r.header.Get("Total-Number")}, []any{[]string{a}, "2"})
			}},
		{name: "other org", method: "PUT", path: "/api/organizations/{org2}/jit/sso-connectors", body: `{"ssoConnectorIds":["{a}"]}`, status: 204},
		{name: "replace on missing org", method: "PUT", path: "/api/organizations/zz/jit/sso-connectors", body: `{"ssoConnectorIds":["{a}"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "remove", method: "DELETE", path: "/api/organizations/{org}/jit/sso-connectors/{b}", status: 204},
		{name: "remove again", method: "DELETE", path: "/api/organizations/{org}/jit/sso-connectors/{b}", status: 404, code: "entity.not_found"},
		{name: "delete connector", method: "DELETE", path: "/api/sso-connectors/{a}", status: 204},
		{name: "gone from org", method: "GET", path: "/api/organizations/{org}/jit/sso-connectors", status: 200,
			check: func(t *testing.T, r result) { equal(t, "len", len(r.list()), 0) }},
		{name: "gone from org 2", method: "GET", path: "/api/organizations/{org2}/jit/sso-connectors", status: 200,
			check: func(t *testing.T, r result) { equal(t, "len", len(r.list()), 0) }},
		{name: "jit roles of a missing org", method: "GET", path: "/api/organizations/zz/jit/roles", status: 404, code: "entity.not_exists_with_id"},
	})
}

func TestSSOConnectorsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddSSOConnector(SSOConnector{ProviderName: "SAML", ConnectorName: "Kept"}); err != nil {
		t.Fatal(err)
	}
	e2, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, e: e2, url: httpServer(t, e2), vars: map[string]string{}}
	h.token = h.fetchToken()
	h.run([]step{{name: "reloaded", method: "GET", path: "/api/sso-connectors", status: 200,
		check: func(t *testing.T, r result) { equal(t, "names", names(r, "connectorName"), []string{"Kept"}) }}})
}
