package emulator

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestInvitations(t *testing.T) {
	clk := newClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	h := start(t, Options{})
	h.e.now = clk.now
	future := clk.now().Add(time.Hour).UnixMilli()
	past := clk.now().Add(-time.Second).UnixMilli()
	h.vars["future"] = fmt.Sprint(future)
	h.vars["past"] = fmt.Sprint(past)
	h.run([]step{
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org"},
		{name: "role", method: "POST", path: "/api/organization-roles", body: `{"name":"member"}`, status: 201, save: "member"},
		{name: "member user", method: "POST", path: "/api/users", body: `{"primaryEmail":"in@acme.com"}`, status: 200, save: "in"},
		{name: "add member", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":["{in}"]}`, status: 201},
		{name: "past expiry", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"new@acme.com","organizationId":"{org}","expiresAt":{past}}`, status: 400, code: "request.invalid_input"},
		{name: "bad email", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"nope","organizationId":"{org}","expiresAt":{future}}`, status: 400, code: "guard.invalid_input"},
		{name: "already member", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"in@acme.com","organizationId":"{org}","expiresAt":{future}}`, status: 422, code: "request.invalid_input"},
		{name: "unknown org", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"new@acme.com","organizationId":"zz","expiresAt":{future}}`, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "message needs a connector", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"new@acme.com","organizationId":"{org}","expiresAt":{future},"messagePayload":{}}`, status: 501, code: "connector.not_found"},
		{name: "create", method: "POST", path: "/api/organization-invitations",
			body:   `{"invitee":"new@acme.com","organizationId":"{org}","expiresAt":{future},"organizationRoleIds":["{member}"],"messagePayload":false}`,
			status: 201, save: "inv", check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "fields", []any{m["status"], m["organizationRoles"]}, []any{"Pending", []map[string]any{{"id": h.vars["member"], "name": "member"}}})
			}},
		{name: "pending duplicate", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"new@acme.com","organizationId":"{org}","expiresAt":{future}}`, status: 422, code: "entity.unique_integrity_violation"},
		{name: "filter invitee case-insensitive", method: "GET", path: "/api/organization-invitations?invitee=NEW@acme.com", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["inv"]}) }},
		{name: "filter org", method: "GET", path: "/api/organization-invitations?organizationId=other", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", len(r.list()), 0) }},
		{name: "get missing", method: "GET", path: "/api/organization-invitations/zz", status: 404, code: "entity.not_found"},
	})
	clk.advance(2 * time.Hour)
	h.run([]step{
		{name: "computed Expired", method: "GET", path: "/api/organization-invitations/{inv}", status: 200,
			check: func(t *testing.T, r result) { equal(t, "status", r.obj()["status"], "Expired") }},
		{name: "cannot accept expired", method: "PUT", path: "/api/organization-invitations/{inv}/status", body: `{"status":"Accepted","acceptedUserId":"{in}"}`, status: 422, code: "request.invalid_input"},
		{name: "delete", method: "DELETE", path: "/api/organization-invitations/{inv}", status: 204},
		{name: "delete again", method: "DELETE", path: "/api/organization-invitations/{inv}", status: 404, code: "entity.not_found"},
	})
	h.vars["future"] = fmt.Sprint(clk.now().Add(time.Hour).UnixMilli())
	h.run([]step{
		{name: "new invitation", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"New@acme.com","organizationId":"{org}","expiresAt":{future},"organizationRoleIds":["{member}"]}`, status: 201, save: "inv2"},
		{name: "invitee signs up", method: "POST", path: "/api/users", body: `{"primaryEmail":"new@acme.com"}`, status: 200, save: "newbie"},
		{name: "accept", method: "PUT", path: "/api/organization-invitations/{inv2}/status", body: `{"status":"Accepted","acceptedUserId":"{newbie}"}`, status: 200,
			check: func(t *testing.T, r result) { equal(t, "status", r.obj()["status"], "Accepted") }},
		{name: "member with invitation roles", method: "GET", path: "/api/organizations/{org}/users/{newbie}/roles", status: 200,
			check: func(t *testing.T, r result) { equal(t, "roles", names(r, "name"), []string{"member"}) }},
		{name: "org delete cascades invitations", method: "DELETE", path: "/api/organizations/{org}", status: 204},
		{name: "invitation gone", method: "GET", path: "/api/organization-invitations/{inv2}", status: 404, code: "entity.not_found"},
	})
}

func TestUsers(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "create", method: "POST", path: "/api/users", body: `{"primaryEmail":"Alice@Acme.com","username":"alice","name":"Alice","password":"pw"}`, status: 200, save: "alice",
			check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "fields", []any{len(m["id"].(string)), m["hasPassword"], m["primaryEmail"]}, []any{12, true, "Alice@Acme.com"})
			}},
		{name: "email taken case-insensitively", method: "POST", path: "/api/users", body: `{"primaryEmail":"alice@acme.COM"}`, status: 422, code: "user.email_already_in_use"},
		{name: "username taken", method: "POST", path: "/api/users", body: `{"username":"alice"}`, status: 422, code: "user.username_already_in_use"},
		{name: "bad email", method: "POST", path: "/api/users", body: `{"primaryEmail":"not-an-email"}`, status: 400, code: "guard.invalid_input"},
		{name: "bad username", method: "POST", path: "/api/users", body: `{"username":"1abc"}`, status: 400, code: "guard.invalid_input"},
		{name: "empty password", method: "POST", path: "/api/users", body: `{"password":""}`, status: 400, code: "guard.invalid_input"},
		{name: "password and digest", method: "POST", path: "/api/users", body: `{"password":"a","passwordDigest":"b","passwordAlgorithm":"MD5"}`, status: 400, code: "user.password_and_digest"},
		{name: "bob", method: "POST", path: "/api/users", body: `{"primaryEmail":"bob_x@acme.com","username":"bob"}`, status: 200, save: "bob"},
		{name: "carol", method: "POST", path: "/api/users", body: `{"primaryEmail":"bobAx@acme.com","username":"carol"}`, status: 200, save: "carol"},
		{name: "list newest first", method: "GET", path: "/api/users", status: 200, check: func(t *testing.T, r result) {
			equal(t, "ids", names(r, "id"), []string{h.vars["carol"], h.vars["bob"], h.vars["alice"]})
			equal(t, "total", r.header.Get("Total-Number"), "3")
		}},
		{name: "exact batch, case-insensitive", method: "GET", path: "/api/users?search.primaryEmail=ALICE@acme.com&search.primaryEmail=bob_x@acme.com&mode.primaryEmail=exact", status: 200,
			check: func(t *testing.T, r result) {
				equal(t, "ids", names(r, "id"), []string{h.vars["bob"], h.vars["alice"]})
			}},
		{name: "exact is not a wildcard", method: "GET", path: "/api/users?search.primaryEmail=bob_x@acme.com&mode.primaryEmail=exact", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["bob"]}) }},
		{name: "case-sensitive exact", method: "GET", path: "/api/users?search.primaryEmail=alice@acme.com&mode.primaryEmail=exact&isCaseSensitive=true", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", len(r.list()), 0) }},
		{name: "like is verbatim (no implicit %)", method: "GET", path: "/api/users?search.primaryEmail=bob", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", len(r.list()), 0) }},
		{name: "like _ is a wildcard", method: "GET", path: "/api/users?search.primaryEmail=bob_x%25", status: 200,
			check: func(t *testing.T, r result) {
				equal(t, "ids", names(r, "id"), []string{h.vars["carol"], h.vars["bob"]})
			}},
		{name: "exact on id", method: "GET", path: "/api/users?search.id={alice}&search.id=unknown&mode.id=exact", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["alice"]}) }},
		{name: "several values need exact", method: "GET", path: "/api/users?search.username=a&search.username=b", status: 400, code: "request.invalid_input"},
		{name: "empty value", method: "GET", path: "/api/users?search.username=", status: 400, code: "request.invalid_input"},
		{name: "unknown field", method: "GET", path: "/api/users?search.password=x", status: 400, code: "request.invalid_input"},
		{name: "nested field", method: "GET", path: "/api/users?search.a.b=x", status: 400, code: "request.invalid_input"},
		{name: "bad mode", method: "GET", path: "/api/users?search.name=x&mode.name=fuzzy", status: 400, code: "request.invalid_input"},
		{name: "similar_to needs case sensitivity", method: "GET", path: "/api/users?search.name=x&mode.name=similar_to", status: 400, code: "request.invalid_input"},
		{name: "both excludes", method: "GET", path: "/api/users?excludeRoleId=a&excludeOrganizationId=b", status: 400, code: "request.invalid_input"},
		{name: "joint and", method: "GET", path: "/api/users?search.username=bob&search.primaryEmail=%25acme.com&mode.username=exact&joint=and", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["bob"]}) }},
		{name: "get", method: "GET", path: "/api/users/{alice}", status: 200},
		{name: "get missing", method: "GET", path: "/api/users/zz", status: 404, code: "entity.not_found"},
		{name: "delete", method: "DELETE", path: "/api/users/{alice}", status: 204},
		{name: "email free again", method: "POST", path: "/api/users", body: `{"primaryEmail":"alice@acme.com"}`, status: 200},
		{name: "orgs of missing user", method: "GET", path: "/api/users/{alice}/organizations", status: 404, code: "entity.not_found"},
	})
}

func TestApplications(t *testing.T) {
	h := start(t, Options{AppID: "orgsync-app", AppSecret: "s3cret"})
	h.run([]step{
		{name: "seeded app", method: "GET", path: "/api/applications/orgsync-app", status: 200, check: func(t *testing.T, r result) {
			m := r.obj()
			equal(t, "fields", []any{m["type"], m["isAdmin"], m["secret"]}, []any{"MachineToMachine", true, "s3cret"})
		}},
		{name: "create", method: "POST", path: "/api/applications", body: `{"name":"web","type":"SPA","description":"Web"}`, status: 200, save: "web",
			check: func(t *testing.T, r result) { equal(t, "id length", len(r.obj()["id"].(string)), 21) }},
		{name: "bad type", method: "POST", path: "/api/applications", body: `{"name":"x","type":"Robot"}`, status: 400, code: "guard.invalid_input"},
		{name: "types filter", method: "GET", path: "/api/applications?types=MachineToMachine", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{"orgsync-app"}) }},
		{name: "search name", method: "GET", path: "/api/applications?search.name=web&mode.name=exact", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["web"]}) }},
		{name: "custom data merge", method: "PATCH", path: "/api/applications/orgsync-app/custom-data", body: `{"orgsync":{"v":1},"other":true}`, status: 200},
		{name: "custom data merge 2", method: "PATCH", path: "/api/applications/orgsync-app/custom-data", body: `{"orgsync":{"v":2}}`, status: 200,
			check: func(t *testing.T, r result) {
				equal(t, "merged", r.obj(), map[string]any{"orgsync": map[string]any{"v": 2}, "other": true})
			}},
		{name: "custom data must be an object", method: "PATCH", path: "/api/applications/orgsync-app/custom-data", body: `[1]`, status: 400, code: "guard.invalid_input"},
		{name: "patch replaces", method: "PATCH", path: "/api/applications/orgsync-app", body: `{"customData":{"only":1}}`, status: 200,
			check: func(t *testing.T, r result) { equal(t, "replaced", r.obj()["customData"], map[string]any{"only": 1}) }},
		{name: "custom data of missing", method: "PATCH", path: "/api/applications/zz/custom-data", body: `{}`, status: 404, code: "entity.not_exists_with_id"},
		{name: "delete", method: "DELETE", path: "/api/applications/{web}", status: 204},
		{name: "get deleted", method: "GET", path: "/api/applications/{web}", status: 404, code: "entity.not_exists_with_id"},
	})
}

func TestResources(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "seeded management API", method: "GET", path: "/api/resources?includeScopes=true", status: 200, check: func(t *testing.T, r result) {
			l := r.list()
			equal(t, "indicator", l[0]["indicator"], DefaultResource)
			equal(t, "scopes", names(result{body: mustJSON(l[0]["scopes"])}, "name"), []string{"all"})
			if r.header.Get("Total-Number") != "" {
				t.Fatal("resources list is optionally paginated")
			}
		}},
		{name: "cannot modify management API", method: "POST", path: "/api/resources/management-api/scopes", body: `{"name":"x"}`, status: 400, code: "resource.cannot_modify_management_api"},
		{name: "cannot patch management API", method: "PATCH", path: "/api/resources/management-api", body: `{"name":"x"}`, status: 400, code: "resource.cannot_modify_management_api"},
		{name: "cannot delete management API", method: "DELETE", path: "/api/resources/management-api", status: 400, code: "resource.cannot_delete_management_api"},
		{name: "name required", method: "POST", path: "/api/resources", body: `{"indicator":"https://api.acme.com"}`, status: 400, code: "guard.invalid_input"},
		{name: "empty indicator", method: "POST", path: "/api/resources", body: `{"name":"API","indicator":""}`, status: 400, code: "guard.invalid_input"},
		{name: "ttl must be a number", method: "POST", path: "/api/resources", body: `{"name":"API","indicator":"x","accessTokenTtl":"1h"}`, status: 400, code: "guard.invalid_input"},
		{name: "create", method: "POST", path: "/api/resources", body: `{"name":"API","indicator":"https://api.acme.com"}`, status: 201, save: "res",
			check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "fields", []any{len(m["id"].(string)), m["name"], m["indicator"], m["accessTokenTtl"], m["isDefault"], m["scopes"], m["tenantId"]},
					[]any{21, "API", "https://api.acme.com", 3600, false, []any{}, "default"})
				if _, ok := m["createdAt"]; ok {
					t.Error("resources have no createdAt")
				}
			}},
		{name: "indicator in use", method: "POST", path: "/api/resources", body: `{"name":"API 2","indicator":"https://api.acme.com"}`, status: 422, code: "resource.resource_identifier_in_use",
			check: func(t *testing.T, r result) {
				equal(t, "body", r.obj(), map[string]any{"code": "resource.resource_identifier_in_use",
					"message": "The API identifier https://api.acme.com is already in use"})
			}},
		{name: "any non-empty indicator, ttl set", method: "POST", path: "/api/resources", body: `{"name":"Lock","indicator":"orgsync:lock","accessTokenTtl":60}`, status: 201, save: "lock",
			check: func(t *testing.T, r result) { equal(t, "ttl", r.obj()["accessTokenTtl"], 60) }},
		{name: "ttl on get", method: "GET", path: "/api/resources/{lock}", status: 200, check: func(t *testing.T, r result) {
			m := r.obj()
			equal(t, "fields", []any{m["indicator"], m["accessTokenTtl"]}, []any{"orgsync:lock", 60})
			if _, ok := m["scopes"]; ok {
				t.Error("GET /resources/{id} has no scopes")
			}
		}},
		{name: "ttl on list", method: "GET", path: "/api/resources", status: 200, check: func(t *testing.T, r result) {
			equal(t, "indicators", names(r, "indicator"), []string{DefaultResource, "https://api.acme.com", "orgsync:lock"})
			equal(t, "ttl", r.list()[2]["accessTokenTtl"], 60)
		}},
		{name: "rename", method: "PATCH", path: "/api/resources/{lock}", body: `{"name":"Lock 2","indicator":"ignored","isDefault":true}`, status: 200,
			check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "fields", []any{m["name"], m["indicator"], m["isDefault"], m["accessTokenTtl"]}, []any{"Lock 2", "orgsync:lock", false, 60})
			}},
		{name: "patch ttl", method: "PATCH", path: "/api/resources/{lock}", body: `{"accessTokenTtl":120}`, status: 200,
			check: func(t *testing.T, r result) { equal(t, "ttl", r.obj()["accessTokenTtl"], 120) }},
		{name: "indicator alone is an empty patch", method: "PATCH", path: "/api/resources/{lock}", body: `{"indicator":"x"}`, status: 422, code: "entity.invalid_input"},
		{name: "empty name", method: "PATCH", path: "/api/resources/{lock}", body: `{"name":""}`, status: 400, code: "guard.invalid_input"},
		{name: "patch missing", method: "PATCH", path: "/api/resources/zz", body: `{"name":"x"}`, status: 404, code: "entity.not_exists_with_id"},
		{name: "scope with space", method: "POST", path: "/api/resources/{res}/scopes", body: `{"name":"read reports"}`, status: 400, code: "scope.name_with_space"},
		{name: "scope", method: "POST", path: "/api/resources/{res}/scopes", body: `{"name":"read:reports"}`, status: 201, save: "sc"},
		{name: "scope exists", method: "POST", path: "/api/resources/{res}/scopes", body: `{"name":"read:reports"}`, status: 422, code: "scope.name_exists"},
		{name: "scopes always paginated", method: "GET", path: "/api/resources/{res}/scopes", status: 200, check: func(t *testing.T, r result) {
			equal(t, "total", r.header.Get("Total-Number"), "1")
		}},
		{name: "scopes exact search", method: "GET", path: "/api/resources/{res}/scopes?search.name=read:reports&mode.name=exact", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["sc"]}) }},
		{name: "role holding the scope", method: "POST", path: "/api/organization-roles", body: `{"name":"r","resourceScopeIds":["{sc}"]}`, status: 201, save: "role"},
		{name: "get missing", method: "GET", path: "/api/resources/zz", status: 404, code: "entity.not_exists_with_id"},
		{name: "delete", method: "DELETE", path: "/api/resources/{res}", status: 204},
		{name: "delete again", method: "DELETE", path: "/api/resources/{res}", status: 404, code: "entity.not_exists_with_id",
			check: func(t *testing.T, r result) {
				equal(t, "message", r.obj()["message"], "The resources with ID `"+h.vars["res"]+"` does not exist.")
			}},
		{name: "scopes cascade out of roles", method: "GET", path: "/api/organization-roles/{role}/resource-scopes", status: 200,
			check: func(t *testing.T, r result) { equal(t, "scopes", len(r.list()), 0) }},
		{name: "re-create the indicator", method: "POST", path: "/api/resources", body: `{"name":"API","indicator":"https://api.acme.com"}`, status: 201,
			check: func(t *testing.T, r result) {
				if r.obj()["id"] == h.vars["res"] {
					t.Error("a re-created indicator got the deleted resource's id")
				}
			}},
	})
}

func TestResourceCreateRace(t *testing.T) {
	h := start(t, Options{})
	var asked []string
	losses := 1
	h.e.SetResourceRace(func(indicator string) bool {
		asked = append(asked, indicator)
		losses--
		return losses >= 0
	})
	h.run([]step{
		{name: "winner", method: "POST", path: "/api/resources", body: `{"name":"lock","indicator":"orgsync:lock"}`, status: 201},
		{name: "loser of the race", method: "POST", path: "/api/resources", body: `{"name":"lock","indicator":"orgsync:lock"}`, status: 500,
			check: func(t *testing.T, r result) {
				equal(t, "body", r.obj(), map[string]any{"message": "Internal server error."})
			}},
		{name: "later loser", method: "POST", path: "/api/resources", body: `{"name":"lock","indicator":"orgsync:lock"}`, status: 422, code: "resource.resource_identifier_in_use"},
	})
	equal(t, "asked", asked, []string{"orgsync:lock", "orgsync:lock"})
	h.e.SetResourceRace(nil)
	h.run([]step{
		{name: "race off", method: "POST", path: "/api/resources", body: `{"name":"lock","indicator":"orgsync:lock"}`, status: 422, code: "resource.resource_identifier_in_use"},
		{name: "one resource", method: "GET", path: "/api/resources", status: 200,
			check: func(t *testing.T, r result) { equal(t, "count", len(r.list()), 2) }},
	})
}

func TestPagination(t *testing.T) {
	h := start(t, Options{})
	for i := range 25 {
		h.run([]step{{name: "org", method: "POST", path: "/api/organizations", body: fmt.Sprintf(`{"name":"org %02d"}`, i), status: 201}})
	}
	h.run([]step{
		{name: "default page size 20", method: "GET", path: "/api/organizations", status: 200, check: func(t *testing.T, r result) {
			l := r.list()
			equal(t, "len", len(l), 20)
			equal(t, "first", l[0]["name"], "org 00")
			equal(t, "total", r.header.Get("Total-Number"), "25")
			host := strings.TrimPrefix(h.url, "http://")
			equal(t, "links", r.header.Values("Link"), []string{
				`<http://` + host + `/organizations?page=1>; rel="first"`,
				`<http://` + host + `/organizations?page=2>; rel="last"`,
				`<http://` + host + `/organizations?page=2>; rel="next"`,
			})
		}},
		{name: "page 2 keeps the query", method: "GET", path: "/api/organizations?q=org&page=2&page_size=10", status: 200, check: func(t *testing.T, r result) {
			equal(t, "names", names(r, "name")[0], "org 10")
			host := strings.TrimPrefix(h.url, "http://")
			equal(t, "links", r.header.Values("Link"), []string{
				`<http://` + host + `/organizations?q=org&page=1&page_size=10>; rel="first"`,
				`<http://` + host + `/organizations?q=org&page=3&page_size=10>; rel="last"`,
				`<http://` + host + `/organizations?q=org&page=1&page_size=10>; rel="prev"`,
				`<http://` + host + `/organizations?q=org&page=3&page_size=10>; rel="next"`,
			})
		}},
		{name: "max 100", method: "GET", path: "/api/organizations?page_size=100", status: 200,
			check: func(t *testing.T, r result) { equal(t, "len", len(r.list()), 25) }},
		{name: "over max", method: "GET", path: "/api/organizations?page_size=101", status: 400, code: "guard.invalid_pagination"},
		{name: "page 0", method: "GET", path: "/api/organizations?page=0", status: 400, code: "guard.invalid_pagination"},
		{name: "page_size 0", method: "GET", path: "/api/organization-scopes?page_size=0", status: 400, code: "guard.invalid_pagination"},
		{name: "past the end", method: "GET", path: "/api/organizations?page=9", status: 200,
			check: func(t *testing.T, r result) { equal(t, "len", len(r.list()), 0) }},
		{name: "empty list has one page", method: "GET", path: "/api/organization-roles", status: 200, check: func(t *testing.T, r result) {
			equal(t, "total", r.header.Get("Total-Number"), "0")
			equal(t, "link count", len(r.header.Values("Link")), 2)
		}},
		{name: "optional pagination turned on by page_size", method: "GET", path: "/api/organization-scopes?page_size=5", status: 200,
			check: func(t *testing.T, r result) { equal(t, "total", r.header.Get("Total-Number"), "0") }},
		{name: "unknown route", method: "GET", path: "/api/nothing-here", status: 404},
	})
}
