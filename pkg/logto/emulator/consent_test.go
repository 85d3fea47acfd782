package emulator

import "testing"

func TestUserConsentScopes(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "third-party M2M refused", method: "POST", path: "/api/applications", body: `{"name":"x","type":"MachineToMachine","isThirdParty":true}`,
			status: 400, code: "application.invalid_third_party_application_type"},
		{name: "third-party app", method: "POST", path: "/api/applications", body: `{"name":"partner","type":"Traditional","isThirdParty":true}`, status: 200, save: "app",
			check: func(t *testing.T, r result) { equal(t, "isThirdParty", r.obj()["isThirdParty"], true) }},
		{name: "first-party app", method: "POST", path: "/api/applications", body: `{"name":"web","type":"SPA"}`, status: 200, save: "web"},
		{name: "third-party filter", method: "GET", path: "/api/applications?isThirdParty=true", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["app"]}) }},
		{name: "first-party filter", method: "GET", path: "/api/applications?isThirdParty=false&types=SPA", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["web"]}) }},
		{name: "bad filter", method: "GET", path: "/api/applications?isThirdParty=yes", status: 400, code: "guard.invalid_input"},
		{name: "read", method: "POST", path: "/api/organization-scopes", body: `{"name":"read:doc","description":"Read"}`, status: 201, save: "read"},
		{name: "write", method: "POST", path: "/api/organization-scopes", body: `{"name":"write:doc"}`, status: 201, save: "write"},
		{name: "api", method: "POST", path: "/api/resources", body: `{"name":"API","indicator":"https://api.acme.com"}`, status: 201, save: "res"},
		{name: "api scope", method: "POST", path: "/api/resources/{res}/scopes", body: `{"name":"read:reports"}`, status: 201, save: "rs"},
		{name: "none yet", method: "GET", path: "/api/applications/{app}/user-consent-scopes", status: 200, check: func(t *testing.T, r result) {
			equal(t, "body", r.obj(), map[string]any{"organizationScopes": []any{}, "resourceScopes": []any{}, "organizationResourceScopes": []any{}, "userScopes": []any{}})
		}},
		{name: "first-party app refused", method: "POST", path: "/api/applications/{web}/user-consent-scopes", body: `{"organizationScopes":["{read}"]}`, status: 422, code: "application.third_party_application_only"},
		{name: "missing app", method: "POST", path: "/api/applications/zz/user-consent-scopes", body: `{"organizationScopes":["{read}"]}`, status: 404, code: "entity.not_exists_with_id"},
		{name: "unknown scope", method: "POST", path: "/api/applications/{app}/user-consent-scopes", body: `{"organizationScopes":["{read}","zz"],"resourceScopes":["yy"]}`,
			status: 422, code: "application.user_consent_scopes_not_found", check: func(t *testing.T, r result) {
				equal(t, "data", r.obj()["data"], map[string]any{"invalidOrganizationScopes": []string{"zz"}, "invalidResourceScopes": []string{"yy"}, "invalidOrganizationResourceScopes": []string{}})
			}},
		{name: "management API scope", method: "POST", path: "/api/applications/{app}/user-consent-scopes", body: `{"resourceScopes":["management-api-all"]}`,
			status: 422, code: "application.consent_management_api_scopes_not_allowed"},
		{name: "bad user scope", method: "POST", path: "/api/applications/{app}/user-consent-scopes", body: `{"userScopes":["everything"]}`, status: 400, code: "guard.invalid_input"},
		{name: "empty list", method: "POST", path: "/api/applications/{app}/user-consent-scopes", body: `{"organizationScopes":[]}`, status: 422, code: "entity.invalid_input"},
		{name: "add", method: "POST", path: "/api/applications/{app}/user-consent-scopes",
			body: `{"organizationScopes":["{read}","{write}"],"resourceScopes":["{rs}"],"userScopes":["email","urn:logto:scope:organizations"]}`, status: 201},
		{name: "add again", method: "POST", path: "/api/applications/{app}/user-consent-scopes", body: `{"organizationScopes":["{read}"]}`, status: 201},
		{name: "listed", method: "GET", path: "/api/applications/{app}/user-consent-scopes", status: 200, check: func(t *testing.T, r result) {
			m := r.obj()
			equal(t, "organization scopes", m["organizationScopes"], []map[string]any{
				{"id": h.vars["read"], "name": "read:doc", "description": "Read"}, {"id": h.vars["write"], "name": "write:doc", "description": nil}})
			equal(t, "resource scopes", m["resourceScopes"], []map[string]any{{
				"resource": map[string]any{"id": h.vars["res"], "name": "API", "indicator": "https://api.acme.com"},
				"scopes":   []map[string]any{{"id": h.vars["rs"], "name": "read:reports", "description": nil}}}})
			equal(t, "user scopes", m["userScopes"], []string{"email", "urn:logto:scope:organizations"})
		}},
		{name: "bad type", method: "DELETE", path: "/api/applications/{app}/user-consent-scopes/scopes/{read}", status: 400, code: "guard.invalid_input"},
		{name: "remove", method: "DELETE", path: "/api/applications/{app}/user-consent-scopes/organization-scopes/{read}", status: 204},
		{name: "remove again", method: "DELETE", path: "/api/applications/{app}/user-consent-scopes/organization-scopes/{read}", status: 404, code: "entity.not_found"},
		{name: "remove user scope", method: "DELETE", path: "/api/applications/{app}/user-consent-scopes/user-scopes/urn:logto:scope:organizations", status: 204},
		{name: "remove from missing app", method: "DELETE", path: "/api/applications/zz/user-consent-scopes/organization-scopes/{read}", status: 404, code: "entity.not_exists_with_id"},
		{name: "empty list after a stored one", method: "POST", path: "/api/applications/{app}/user-consent-scopes", body: `{"organizationScopes":["{read}"],"resourceScopes":[]}`, status: 422, code: "entity.invalid_input"},
		{name: "the list before it stayed", method: "GET", path: "/api/applications/{app}/user-consent-scopes", status: 200, check: func(t *testing.T, r result) {
			equal(t, "organization scopes", names(result{body: mustJSON(r.obj()["organizationScopes"])}, "name"), []string{"write:doc", "read:doc"})
		}},
		{name: "delete org scope", method: "DELETE", path: "/api/organization-scopes/{write}", status: 204},
		{name: "delete api scope", method: "DELETE", path: "/api/resources/{res}/scopes/{rs}", status: 204},
		{name: "cascaded", method: "GET", path: "/api/applications/{app}/user-consent-scopes", status: 200, check: func(t *testing.T, r result) {
			m := r.obj()
			equal(t, "left", []any{names(result{body: mustJSON(m["organizationScopes"])}, "name"), m["resourceScopes"], m["userScopes"]},
				[]any{[]string{"read:doc"}, []any{}, []string{"email"}})
		}},
	})
}
