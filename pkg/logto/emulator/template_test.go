package emulator

import (
	"fmt"
	"strings"
	"testing"
)

func TestOrganizationScopes(t *testing.T) {
	h := start(t, Options{})
	long := strings.Repeat("x", 129)
	h.run([]step{
		{name: "create", method: "POST", path: "/api/organization-scopes", body: `{"name":"read:doc","description":"Read"}`,
			status: 201, save: "s1", check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "keys", []any{m["tenantId"], m["name"], m["description"], len(m["id"].(string))}, []any{"default", "read:doc", "Read", 21})
			}},
		{name: "create b", method: "POST", path: "/api/organization-scopes", body: `{"name":"a:first"}`, status: 201, save: "s2"},
		{name: "duplicate name", method: "POST", path: "/api/organization-scopes", body: `{"name":"read:doc"}`, status: 422, code: "entity.unique_integrity_violation"},
		{name: "case differs: allowed", method: "POST", path: "/api/organization-scopes", body: `{"name":"READ:doc"}`, status: 201},
		{name: "missing name", method: "POST", path: "/api/organization-scopes", body: `{}`, status: 400, code: "guard.invalid_input",
			check: func(t *testing.T, r result) {
				if d, _ := r.obj()["details"].(string); !strings.Contains(d, `"name"`) {
					t.Fatalf("details %q should name the key path", d)
				}
			}},
		{name: "name too long", method: "POST", path: "/api/organization-scopes", body: `{"name":"` + long + `"}`, status: 400, code: "guard.invalid_input"},
		{name: "description too long", method: "POST", path: "/api/organization-scopes", body: `{"name":"ok","description":"` + strings.Repeat("d", 257) + `"}`, status: 400, code: "guard.invalid_input"},
		{name: "malformed JSON", method: "POST", path: "/api/organization-scopes", body: `{"name":`, status: 400, code: "",
			check: func(t *testing.T, r result) {
				if _, ok := r.obj()["message"]; !ok {
					t.Fatalf("malformed JSON body %s lacks message", r.body)
				}
			}},
		{name: "list by name, unpaginated", method: "GET", path: "/api/organization-scopes", status: 200, check: func(t *testing.T, r result) {
			equal(t, "names", names(r, "name"), []string{"READ:doc", "a:first", "read:doc"})
			if r.header.Get("Total-Number") != "" {
				t.Fatal("optional pagination must not send Total-Number without page params")
			}
		}},
		{name: "q is case-insensitive substring", method: "GET", path: "/api/organization-scopes?q=READ", status: 200, check: func(t *testing.T, r result) {
			equal(t, "names", names(r, "name"), []string{"READ:doc", "read:doc"})
		}},
		{name: "get", method: "GET", path: "/api/organization-scopes/{s1}", status: 200},
		{name: "get missing", method: "GET", path: "/api/organization-scopes/nope", status: 404, code: "entity.not_exists_with_id"},
		{name: "patch empty", method: "PATCH", path: "/api/organization-scopes/{s1}", body: `{}`, status: 422, code: "entity.invalid_input"},
		{name: "patch missing", method: "PATCH", path: "/api/organization-scopes/nope", body: `{"name":"x"}`, status: 404, code: "entity.not_exists"},
		{name: "patch to duplicate", method: "PATCH", path: "/api/organization-scopes/{s1}", body: `{"name":"a:first"}`, status: 422, code: "entity.unique_integrity_violation"},
		{name: "patch", method: "PATCH", path: "/api/organization-scopes/{s1}", body: `{"name":"doc:read","description":null}`, status: 200,
			check: func(t *testing.T, r result) {
				equal(t, "patched", []any{r.obj()["name"], r.obj()["description"]}, []any{"doc:read", nil})
			}},
		{name: "delete", method: "DELETE", path: "/api/organization-scopes/{s1}", status: 204},
		{name: "delete again", method: "DELETE", path: "/api/organization-scopes/{s1}", status: 404, code: "entity.not_found"},
	})
}

func TestOrganizationRoles(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "scope a", method: "POST", path: "/api/organization-scopes", body: `{"name":"a"}`, status: 201, save: "a"},
		{name: "scope b", method: "POST", path: "/api/organization-scopes", body: `{"name":"b"}`, status: 201, save: "b"},
		{name: "resource", method: "POST", path: "/api/resources", body: `{"name":"API","indicator":"https://api.example.com"}`, status: 201, save: "res"},
		{name: "resource scope", method: "POST", path: "/api/resources/{res}/scopes", body: `{"name":"read:reports"}`, status: 201, save: "rs"},
		{name: "create with unknown scope: nothing created", method: "POST", path: "/api/organization-roles",
			body: `{"name":"admin","organizationScopeIds":["{a}","missing"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "still absent", method: "GET", path: "/api/organization-roles", status: 200, check: func(t *testing.T, r result) {
			equal(t, "roles", len(r.list()), 0)
		}},
		{name: "bad type", method: "POST", path: "/api/organization-roles", body: `{"name":"x","type":"Robot"}`, status: 400, code: "guard.invalid_input"},
		{name: "create", method: "POST", path: "/api/organization-roles",
			body: `{"name":"admin","description":"Admins","organizationScopeIds":["{b}","{a}"],"resourceScopeIds":["{rs}"]}`, status: 201, save: "admin",
			check: func(t *testing.T, r result) {
				m := r.obj()
				if _, ok := m["scopes"]; ok {
					t.Fatal("POST returns the plain role")
				}
				equal(t, "type", m["type"], "User")
			}},
		{name: "duplicate", method: "POST", path: "/api/organization-roles", body: `{"name":"admin"}`, status: 422, code: "entity.unique_integrity_violation"},
		{name: "m2m", method: "POST", path: "/api/organization-roles", body: `{"name":"bot","type":"MachineToMachine"}`, status: 201, save: "bot"},
		{name: "list with scopes", method: "GET", path: "/api/organization-roles", status: 200, check: func(t *testing.T, r result) {
			l := r.list()
			equal(t, "order", names(r, "name"), []string{"admin", "bot"})
			equal(t, "scopes", l[0]["scopes"], []map[string]any{{"id": h.vars["a"], "name": "a"}, {"id": h.vars["b"], "name": "b"}})
			equal(t, "resourceScopes", l[0]["resourceScopes"], []map[string]any{{"id": h.vars["rs"], "name": "read:reports",
				"resource": map[string]any{"id": h.vars["res"], "name": "API"}}})
			if r.header.Get("Total-Number") != "2" {
				t.Fatalf("roles list is always paginated: Total-Number %q", r.header.Get("Total-Number"))
			}
		}},
		{name: "get plain", method: "GET", path: "/api/organization-roles/{admin}", status: 200, check: func(t *testing.T, r result) {
			if _, ok := r.obj()["scopes"]; ok {
				t.Fatal("GET by id returns the plain role")
			}
		}},
		{name: "get missing", method: "GET", path: "/api/organization-roles/x", status: 404, code: "entity.not_exists_with_id"},
		{name: "add existing scope: idempotent", method: "POST", path: "/api/organization-roles/{admin}/scopes", body: `{"organizationScopeIds":["{a}"]}`, status: 201},
		{name: "add empty", method: "POST", path: "/api/organization-roles/{admin}/scopes", body: `{"organizationScopeIds":[]}`, status: 400, code: "guard.invalid_input"},
		{name: "add unknown", method: "POST", path: "/api/organization-roles/{admin}/scopes", body: `{"organizationScopeIds":["zz"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "put duplicates", method: "PUT", path: "/api/organization-roles/{admin}/scopes", body: `{"organizationScopeIds":["{a}","{a}"]}`, status: 422, code: "entity.unique_integrity_violation"},
		{name: "put unknown keeps set", method: "PUT", path: "/api/organization-roles/{admin}/scopes", body: `{"organizationScopeIds":["zz"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "relation list", method: "GET", path: "/api/organization-roles/{admin}/scopes", status: 200, check: func(t *testing.T, r result) {
			equal(t, "scopes", names(r, "name"), []string{"a", "b"})
		}},
		{name: "put replaces", method: "PUT", path: "/api/organization-roles/{admin}/scopes", body: `{"organizationScopeIds":["{b}"]}`, status: 204},
		{name: "delete absent relation", method: "DELETE", path: "/api/organization-roles/{admin}/scopes/{a}", status: 404, code: "entity.not_found"},
		{name: "delete relation", method: "DELETE", path: "/api/organization-roles/{admin}/scopes/{b}", status: 204},
		{name: "relation paged", method: "GET", path: "/api/organization-roles/{admin}/resource-scopes?page=1", status: 200, check: func(t *testing.T, r result) {
			equal(t, "resource scopes", names(r, "name"), []string{"read:reports"})
			equal(t, "total", r.header.Get("Total-Number"), "1")
		}},
		{name: "resource scopes put empty clears", method: "PUT", path: "/api/organization-roles/{admin}/resource-scopes", body: `{"scopeIds":[]}`, status: 204},
		{name: "relation of missing role", method: "GET", path: "/api/organization-roles/x/scopes", status: 404, code: "entity.not_exists_with_id"},
		{name: "delete scope cascades", method: "POST", path: "/api/organization-roles/{admin}/scopes", body: `{"organizationScopeIds":["{a}"]}`, status: 201},
		{name: "delete scope", method: "DELETE", path: "/api/organization-scopes/{a}", status: 204},
		{name: "role lost scope", method: "GET", path: "/api/organization-roles/{admin}/scopes", status: 200, check: func(t *testing.T, r result) {
			equal(t, "scopes", len(r.list()), 0)
		}},
		{name: "patch type", method: "PATCH", path: "/api/organization-roles/{bot}", body: `{"description":"robots"}`, status: 200},
		{name: "delete role", method: "DELETE", path: "/api/organization-roles/{bot}", status: 204},
		{name: "delete role again", method: "DELETE", path: "/api/organization-roles/{bot}", status: 404, code: "entity.not_found"},
	})
}

func TestOrganizationsAndMembers(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme","customData":{"a":1,"b":2}}`, status: 201, save: "org",
			check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "id length", len(m["id"].(string)), 12)
				equal(t, "fields", []any{m["isMfaRequired"], m["customData"], m["tenantId"]}, []any{false, map[string]any{"a": 1, "b": 2}, "default"})
			}},
		{name: "same name allowed", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org2"},
		{name: "bad color", method: "POST", path: "/api/organizations", body: `{"name":"x","color":{"primaryColor":"red"}}`, status: 400, code: "guard.invalid_input"},
		{name: "q search", method: "GET", path: "/api/organizations?q=acm", status: 200, check: func(t *testing.T, r result) {
			equal(t, "ids", names(r, "id"), []string{h.vars["org"], h.vars["org2"]})
		}},
		{name: "patch replaces customData", method: "PATCH", path: "/api/organizations/{org}", body: `{"customData":{"c":3}}`, status: 200,
			check: func(t *testing.T, r result) { equal(t, "customData", r.obj()["customData"], map[string]any{"c": 3}) }},
		{name: "patch empty", method: "PATCH", path: "/api/organizations/{org}", body: `{}`, status: 422, code: "entity.invalid_input"},
		{name: "patch missing", method: "PATCH", path: "/api/organizations/nope", body: `{"name":"x"}`, status: 404, code: "entity.not_exists"},
		{name: "get missing", method: "GET", path: "/api/organizations/nope", status: 404, code: "entity.not_exists_with_id"},
		{name: "user alice", method: "POST", path: "/api/users", body: `{"primaryEmail":"alice@acme.com","username":"alice"}`, status: 200, save: "alice"},
		{name: "user bob", method: "POST", path: "/api/users", body: `{"primaryEmail":"bob@acme.com"}`, status: 200, save: "bob"},
		{name: "role admin", method: "POST", path: "/api/organization-roles", body: `{"name":"admin"}`, status: 201, save: "admin"},
		{name: "role member", method: "POST", path: "/api/organization-roles", body: `{"name":"member"}`, status: 201, save: "member"},
		{name: "role bot", method: "POST", path: "/api/organization-roles", body: `{"name":"bot","type":"MachineToMachine"}`, status: 201, save: "bot"},
		{name: "add users", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":["{alice}","{alice}"]}`, status: 201,
			check: func(t *testing.T, r result) {
				equal(t, "echo", r.obj()["userIds"], []string{h.vars["alice"], h.vars["alice"]})
			}},
		{name: "add again: idempotent", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":["{alice}"]}`, status: 201},
		{name: "add empty", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":[]}`, status: 400, code: "guard.invalid_input"},
		{name: "add unknown user", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":["ghost"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "assign to non-member", method: "POST", path: "/api/organizations/{org}/users/roles", body: `{"userIds":["{bob}"],"organizationRoleIds":["{admin}"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "assign M2M role", method: "POST", path: "/api/organizations/{org}/users/roles", body: `{"userIds":["{alice}"],"organizationRoleIds":["{bot}"]}`, status: 422, code: "entity.db_constraint_violated"},
		{name: "assign unknown role", method: "POST", path: "/api/organizations/{org}/users/roles", body: `{"userIds":["{alice}"],"organizationRoleIds":["zz"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "assign", method: "POST", path: "/api/organizations/{org}/users/roles", body: `{"userIds":["{alice}"],"organizationRoleIds":["{member}","{admin}"]}`, status: 201},
		{name: "PUT users keeps survivors' roles", method: "PUT", path: "/api/organizations/{org}/users", body: `{"userIds":["{alice}","{bob}","{bob}"]}`, status: 204},
		{name: "list members", method: "GET", path: "/api/organizations/{org}/users", status: 200, check: func(t *testing.T, r result) {
			l := r.list()
			byID := map[string]map[string]any{}
			for _, m := range l {
				byID[m["id"].(string)] = m
			}
			equal(t, "alice roles", byID[h.vars["alice"]]["organizationRoles"], []map[string]any{
				{"id": h.vars["admin"], "name": "admin"}, {"id": h.vars["member"], "name": "member"}})
			equal(t, "bob roles", byID[h.vars["bob"]]["organizationRoles"], []any{})
			ids := names(r, "id")
			if ids[0] > ids[1] {
				t.Fatalf("members not ordered by id: %v", ids)
			}
			equal(t, "total", r.header.Get("Total-Number"), "2")
		}},
		{name: "filter by role", method: "GET", path: "/api/organizations/{org}/users?organizationRoleId={admin}", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["alice"]}) }},
		{name: "q members", method: "GET", path: "/api/organizations/{org}/users?q=BOB", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["bob"]}) }},
		{name: "roles of non-member", method: "GET", path: "/api/organizations/{org2}/users/{alice}/roles", status: 422, code: "organization.require_membership"},
		{name: "add roles by name", method: "POST", path: "/api/organizations/{org}/users/{bob}/roles", body: `{"organizationRoleNames":["member"],"organizationRoleIds":["{member}"]}`, status: 201,
			check: func(t *testing.T, r result) {
				equal(t, "ids", r.obj()["organizationRoleIds"], []string{h.vars["member"]})
			}},
		{name: "unknown role name", method: "POST", path: "/api/organizations/{org}/users/{bob}/roles", body: `{"organizationRoleNames":["nope"]}`, status: 422, code: "organization.role_names_not_found"},
		{name: "empty list is fine", method: "POST", path: "/api/organizations/{org}/users/{bob}/roles", body: `{"organizationRoleIds":[]}`, status: 201},
		{name: "user roles", method: "GET", path: "/api/organizations/{org}/users/{alice}/roles", status: 200,
			check: func(t *testing.T, r result) { equal(t, "roles", names(r, "name"), []string{"admin", "member"}) }},
		{name: "delete unassigned role", method: "DELETE", path: "/api/organizations/{org}/users/{bob}/roles/{admin}", status: 404, code: "entity.not_found"},
		{name: "put roles empty clears", method: "PUT", path: "/api/organizations/{org}/users/{bob}/roles", body: `{}`, status: 204},
		{name: "bob has none", method: "GET", path: "/api/organizations/{org}/users/{bob}/roles", status: 200,
			check: func(t *testing.T, r result) { equal(t, "roles", len(r.list()), 0) }},
		{name: "scopes of member", method: "GET", path: "/api/organizations/{org}/users/{alice}/scopes", status: 200},
		{name: "remove non-member", method: "DELETE", path: "/api/organizations/{org2}/users/{alice}", status: 404, code: "entity.not_found"},
		{name: "remove member", method: "DELETE", path: "/api/organizations/{org}/users/{alice}", status: 204},
		{name: "re-add: roles gone", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":["{alice}"]}`, status: 201},
		{name: "alice roles gone", method: "GET", path: "/api/organizations/{org}/users/{alice}/roles", status: 200,
			check: func(t *testing.T, r result) { equal(t, "roles", len(r.list()), 0) }},
		{name: "user orgs", method: "GET", path: "/api/users/{alice}/organizations", status: 200,
			check: func(t *testing.T, r result) { equal(t, "orgs", names(r, "id"), []string{h.vars["org"]}) }},
		{name: "delete user cascades", method: "DELETE", path: "/api/users/{bob}", status: 204},
		{name: "bob gone from org", method: "GET", path: "/api/organizations/{org}/users", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["alice"]}) }},
		{name: "delete org", method: "DELETE", path: "/api/organizations/{org}", status: 204},
		{name: "delete org again", method: "DELETE", path: "/api/organizations/{org}", status: 404, code: "entity.not_found"},
		{name: "members of deleted org", method: "GET", path: "/api/organizations/{org}/users", status: 200,
			check: func(t *testing.T, r result) { equal(t, "members", len(r.list()), 0) }},
	})
}

func TestOrganizationApplicationsAndJIT(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org"},
		{name: "m2m app", method: "POST", path: "/api/applications", body: `{"name":"ci-bot","type":"MachineToMachine"}`, status: 200, save: "bot"},
		{name: "spa app", method: "POST", path: "/api/applications", body: `{"name":"web","type":"SPA"}`, status: 200, save: "spa"},
		{name: "user role", method: "POST", path: "/api/organization-roles", body: `{"name":"member"}`, status: 201, save: "member"},
		{name: "m2m role", method: "POST", path: "/api/organization-roles", body: `{"name":"automation","type":"MachineToMachine"}`, status: 201, save: "auto"},
		{name: "non-M2M app", method: "POST", path: "/api/organizations/{org}/applications", body: `{"applicationIds":["{spa}"]}`, status: 422, code: "entity.db_constraint_violated"},
		{name: "unknown app", method: "POST", path: "/api/organizations/{org}/applications", body: `{"applicationIds":["zz"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "add app", method: "POST", path: "/api/organizations/{org}/applications", body: `{"applicationIds":["{bot}"]}`, status: 201},
		{name: "add again", method: "POST", path: "/api/organizations/{org}/applications", body: `{"applicationIds":["{bot}"]}`, status: 201},
		{name: "User role to app", method: "POST", path: "/api/organizations/{org}/applications/{bot}/roles", body: `{"organizationRoleIds":["{member}"]}`, status: 422, code: "entity.db_constraint_violated"},
		{name: "app role", method: "POST", path: "/api/organizations/{org}/applications/{bot}/roles", body: `{"organizationRoleIds":["{auto}"]}`, status: 201},
		{name: "put roles empty", method: "PUT", path: "/api/organizations/{org}/applications/{bot}/roles", body: `{"organizationRoleIds":[]}`, status: 400, code: "guard.invalid_input"},
		{name: "list apps", method: "GET", path: "/api/organizations/{org}/applications", status: 200, check: func(t *testing.T, r result) {
			l := r.list()
			equal(t, "roles", l[0]["organizationRoles"], []map[string]any{{"id": h.vars["auto"], "name": "automation"}})
			if _, ok := l[0]["secret"]; ok {
				t.Fatal("organization applications list must omit secrets")
			}
		}},
		{name: "app orgs", method: "GET", path: "/api/applications/{bot}/organizations", status: 200,
			check: func(t *testing.T, r result) { equal(t, "orgs", names(r, "id"), []string{h.vars["org"]}) }},
		{name: "remove app role", method: "DELETE", path: "/api/organizations/{org}/applications/{bot}/roles/{auto}", status: 204},
		{name: "remove absent app role", method: "DELETE", path: "/api/organizations/{org}/applications/{bot}/roles/{auto}", status: 404, code: "entity.not_found"},
		{name: "roles of non-member app", method: "GET", path: "/api/organizations/{org}/applications/{spa}/roles", status: 422, code: "organization.require_membership"},
		{name: "remove app", method: "DELETE", path: "/api/organizations/{org}/applications/{bot}", status: 204},
		{name: "remove absent app", method: "DELETE", path: "/api/organizations/{org}/applications/{bot}", status: 404, code: "entity.not_found"},

		{name: "jit domain", method: "POST", path: "/api/organizations/{org}/jit/email-domains", body: `{"emailDomain":"acme.com"}`, status: 201,
			check: func(t *testing.T, r result) {
				equal(t, "body", r.obj(), map[string]any{"tenantId": "default", "organizationId": h.vars["org"], "emailDomain": "acme.com"})
			}},
		{name: "jit domain duplicate", method: "POST", path: "/api/organizations/{org}/jit/email-domains", body: `{"emailDomain":"acme.com"}`, status: 422, code: "entity.unique_integrity_violation"},
		{name: "jit domain put dup", method: "PUT", path: "/api/organizations/{org}/jit/email-domains", body: `{"emailDomains":["a.com","a.com"]}`, status: 422, code: "entity.unique_integrity_violation"},
		{name: "jit domain put", method: "PUT", path: "/api/organizations/{org}/jit/email-domains", body: `{"emailDomains":["a.com","b.com"]}`, status: 204},
		{name: "jit domains", method: "GET", path: "/api/organizations/{org}/jit/email-domains", status: 200,
			check: func(t *testing.T, r result) { equal(t, "domains", names(r, "emailDomain"), []string{"a.com", "b.com"}) }},
		{name: "jit domain delete", method: "DELETE", path: "/api/organizations/{org}/jit/email-domains/a.com", status: 204},
		{name: "jit domain delete absent", method: "DELETE", path: "/api/organizations/{org}/jit/email-domains/a.com", status: 404, code: "entity.not_found"},
		{name: "jit role", method: "POST", path: "/api/organizations/{org}/jit/roles", body: `{"organizationRoleIds":["{member}"]}`, status: 201},
		{name: "jit role again", method: "POST", path: "/api/organizations/{org}/jit/roles", body: `{"organizationRoleIds":["{member}"]}`, status: 201},
		{name: "jit role unknown", method: "POST", path: "/api/organizations/{org}/jit/roles", body: `{"organizationRoleIds":["zz"]}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "jit roles", method: "GET", path: "/api/organizations/{org}/jit/roles", status: 200,
			check: func(t *testing.T, r result) { equal(t, "roles", names(r, "name"), []string{"member"}) }},
		{name: "jit roles put empty", method: "PUT", path: "/api/organizations/{org}/jit/roles", body: `{"organizationRoleIds":[]}`, status: 204},
		{name: "jit role delete absent", method: "DELETE", path: "/api/organizations/{org}/jit/roles/{member}", status: 404, code: "entity.not_found"},
	})
}

func TestMemberRoleFilter(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org"},
		{name: "admin", method: "POST", path: "/api/organization-roles", body: `{"name":"admin"}`, status: 201, save: "admin"},
		{name: "a", method: "POST", path: "/api/users", body: `{"username":"a"}`, status: 200, save: "a"},
		{name: "b", method: "POST", path: "/api/users", body: `{"username":"b"}`, status: 200, save: "b"},
		{name: "members", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":["{a}","{b}"]}`, status: 201},
		{name: "role", method: "POST", path: "/api/organizations/{org}/users/{a}/roles", body: `{"organizationRoleIds":["{admin}"]}`, status: 201},
		{name: "filtered", method: "GET", path: "/api/organizations/{org}/users?organizationRoleId={admin}", status: 200, check: func(t *testing.T, r result) {
			equal(t, "ids", names(r, "id"), []string{h.vars["a"]})
			equal(t, "total", r.header.Get("Total-Number"), "1")
		}},
		{name: "unknown role", method: "GET", path: "/api/organizations/{org}/users?organizationRoleId=zz", status: 200,
			check: func(t *testing.T, r result) { equal(t, "len", len(r.list()), 0) }},
		{name: "empty role id", method: "GET", path: "/api/organizations/{org}/users?organizationRoleId=", status: 400, code: "guard.invalid_input"},
	})
}

func TestApplicationOrganizations(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "app", method: "POST", path: "/api/applications", body: `{"name":"ci","type":"MachineToMachine"}`, status: 200, save: "app"},
		{name: "bot", method: "POST", path: "/api/organization-roles", body: `{"name":"bot","type":"MachineToMachine"}`, status: 201, save: "bot"},
		{name: "none", method: "GET", path: "/api/applications/{app}/organizations", status: 200, check: func(t *testing.T, r result) {
			equal(t, "body", string(r.body), "[]")
			if r.header.Get("Total-Number") != "" {
				t.Error("paginated only when asked")
			}
		}},
	})
	for i := range 3 {
		h.run([]step{
			{name: "org", method: "POST", path: "/api/organizations", body: fmt.Sprintf(`{"name":"org %d"}`, i), status: 201, save: "org"},
			{name: "member", method: "POST", path: "/api/organizations/{org}/applications", body: `{"applicationIds":["{app}"]}`, status: 201},
		})
		if i == 1 {
			h.run([]step{{name: "role", method: "POST", path: "/api/organizations/{org}/applications/{app}/roles", body: `{"organizationRoleIds":["{bot}"]}`, status: 201}})
		}
	}
	h.run([]step{
		{name: "all", method: "GET", path: "/api/applications/{app}/organizations", status: 200, check: func(t *testing.T, r result) {
			l := r.list()
			equal(t, "names", names(r, "name"), []string{"org 0", "org 1", "org 2"})
			equal(t, "roles", []any{l[0]["organizationRoles"], l[1]["organizationRoles"]}, []any{[]any{}, []map[string]any{{"id": h.vars["bot"], "name": "bot"}}})
			for _, k := range []string{"tenantId", "customData", "isMfaRequired", "branding", "color", "customCss", "createdAt"} {
				if _, ok := l[0][k]; !ok {
					t.Errorf("organization row lacks %s", k)
				}
			}
		}},
		{name: "paginated", method: "GET", path: "/api/applications/{app}/organizations?page=2&page_size=2", status: 200, check: func(t *testing.T, r result) {
			equal(t, "page", []any{names(r, "name"), r.header.Get("Total-Number")}, []any{[]string{"org 2"}, "3"})
		}},
		{name: "page past the end", method: "GET", path: "/api/applications/{app}/organizations?page=5&page_size=2", status: 200,
			check: func(t *testing.T, r result) { equal(t, "body", string(r.body), "[]") }},
		{name: "page size 100", method: "GET", path: "/api/applications/{app}/organizations?page_size=100", status: 200},
		{name: "page size 101", method: "GET", path: "/api/applications/{app}/organizations?page_size=101", status: 400, code: "guard.invalid_pagination"},
		{name: "missing app", method: "GET", path: "/api/applications/zz/organizations", status: 404, code: "entity.not_exists_with_id"},
	})
}
