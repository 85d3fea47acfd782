package emulator

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestVersionOption(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "default", e.Version(), NewestVersion)
	for _, v := range []string{"1.37", "one.two.three", "1.12.9", "1.43.0", "2.0.0"} {
		if _, err := New(Options{Version: v}); err == nil {
			t.Errorf("Version %q accepted", v)
		}
	}
	e, err = New(Options{Version: "v1.37.1"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "parsed", e.Version(), "1.37.1")
}

// rawDo sends a request with the given Authorization header ("" = none).
func rawDo(t *testing.T, h *harness, method, path, auth string) result {
	t.Helper()
	req, _ := http.NewRequest(method, h.url+path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

// TestUnroutedRequests: Logto's router answers a request no route takes
// before the Management API's token check runs.
func TestUnroutedRequests(t *testing.T) {
	h := start(t, Options{})
	cases := []struct {
		name, method, path, auth string
		status                   int
		body, allow              string
	}{
		{"unknown path, no token", "GET", "/api/nothing-here", "", 404, "Not Found", ""},
		{"unknown path, bad token", "GET", "/api/organizations/x/nothing", "Bearer nope", 404, "Not Found", ""},
		{"known path, other method", "GET", "/api/organization-invitations/x/message", "", 405, "Method Not Allowed", "POST"},
		{"known path, other method, with token", "PUT", "/api/organizations", "Bearer " + h.token, 405, "Method Not Allowed", "HEAD, GET, POST"},
		{"unknown method", "PROPFIND", "/api/organizations", "", 501, "Not Implemented", "HEAD, GET, POST"},
		{"options", "OPTIONS", "/api/resources/x", "", 200, "", "HEAD, GET, PATCH, DELETE"},
		{"known route, no token", "GET", "/api/organizations", "", 401, "", ""},
	}
	for _, c := range cases {
		r := rawDo(t, h, c.method, c.path, c.auth)
		if r.status != c.status || (c.status != 401 && string(r.body) != c.body) || r.header.Get("Allow") != c.allow {
			t.Errorf("%s: %d %q Allow %q, want %d %q Allow %q", c.name, r.status, r.body, r.header.Get("Allow"), c.status, c.body, c.allow)
		}
		if c.status != 401 && r.code() != "" {
			t.Errorf("%s: a Logto code %q on an unrouted request", c.name, r.code())
		}
	}
	if r := rawDo(t, h, "HEAD", "/api/organizations", "Bearer "+h.token); r.status != 200 || len(r.body) != 0 {
		t.Errorf("HEAD: %d %q", r.status, r.body)
	}
}

func TestAccountAPIMarker(t *testing.T) {
	h := start(t, Options{})
	for _, c := range []struct{ auth, code string }{
		{"", "auth.authorization_header_missing"},
		{"Basic x", "auth.authorization_token_type_not_supported"},
		{"Bearer " + h.token, "auth.unauthorized"},
	} {
		if r := rawDo(t, h, "GET", "/api/my-account/mfa-settings", c.auth); r.status != 401 || r.code() != c.code {
			t.Errorf("auth %q: %d %s, want 401 %s", c.auth, r.status, r.body, c.code)
		}
	}
	old := start(t, Options{Version: "1.31.0"})
	if r := rawDo(t, old, "GET", "/api/my-account/mfa-settings", ""); r.status != 404 || string(r.body) != "Not Found" {
		t.Errorf("1.31.0: %d %q, want 404 Not Found", r.status, r.body)
	}
}

func TestOlderVersionsLackLaterRoutes(t *testing.T) {
	routes := []struct {
		since, method, path string
	}{
		{sinceInvitationMessage, "POST", "/api/organization-invitations/x/message"},
		{sinceRoleResourceScopes, "GET", "/api/organization-roles/x/resource-scopes"},
		{sinceOrganizationApps, "GET", "/api/applications/x/organizations"},
		{sinceOrganizationApps, "GET", "/api/organizations/x/applications"},
		{sinceJIT, "GET", "/api/organizations/x/jit/sso-connectors"},
		{sinceJIT, "GET", "/api/organizations/x/jit/email-domains"},
		{sinceAppCustomDataPatch, "PATCH", "/api/applications/x/custom-data"},
		{sinceAccountMFASettings, "GET", "/api/my-account/mfa-settings"},
	}
	for _, v := range []string{OldestVersion, "1.14.0", "1.17.0", "1.18.0", "1.31.0", "1.32.0", NewestVersion} {
		h := start(t, Options{Version: v})
		for _, rt := range routes {
			r := h.do(rt.method, rt.path, `{}`)
			served := !(r.status == 404 && r.code() == "")
			if want := h.e.has(rt.since); served != want {
				t.Errorf("%s: %s %s served = %v (%d %s), want %v", v, rt.method, rt.path, served, r.status, r.body, want)
			}
		}
	}
	// The consent scopes (1.13) are in every modelled release.
	if r := start(t, Options{Version: OldestVersion}).do("GET", "/api/applications/x/user-consent-scopes", ""); r.code() != "entity.not_exists_with_id" {
		t.Errorf("1.13.0 consent scopes: %d %s", r.status, r.body)
	}
}

func TestOrganizationFieldsByVersion(t *testing.T) {
	body := `{"name":"Acme","branding":{"logoUrl":"https://cdn.example/l.png"},"color":{"primaryColor":"#123456"},"customCss":"x"}`
	for _, c := range []struct {
		version              string
		branding, color, css bool
	}{
		{"1.18.0", false, false, false},
		{"1.19.0", true, false, false},
		{"1.31.0", true, false, false},
		{"1.32.0", true, true, true},
		{NewestVersion, true, true, true},
	} {
		h := start(t, Options{Version: c.version})
		h.run([]step{{name: c.version + " create", method: "POST", path: "/api/organizations", body: body, status: 201, save: "org"}})
		// A value the release's guard would refuse is stripped, not refused,
		// when the release has no such field.
		h.run([]step{{name: c.version + " patch", method: "PATCH", path: "/api/organizations/{org}",
			body: `{"description":"d","color":{"primaryColor":"red"},"branding":{"logoUrl":"nope"}}`, status: map[bool]int{true: 400, false: 200}[c.branding || c.color],
			code: map[bool]string{true: "guard.invalid_input", false: ""}[c.branding || c.color]}})
		for _, path := range []string{"/api/organizations/{org}", "/api/organizations"} {
			r := h.do("GET", path, "")
			m := r.obj()
			if m == nil {
				m = r.list()[0]
			}
			_, hasBranding := m["branding"]
			_, hasColor := m["color"]
			_, hasCSS := m["customCss"]
			if hasBranding != c.branding || hasColor != c.color || hasCSS != c.css {
				t.Errorf("%s %s: branding %v color %v customCss %v, want %v %v %v", c.version, path, hasBranding, hasColor, hasCSS, c.branding, c.color, c.css)
			}
			if c.branding && m["branding"].(map[string]any)["logoUrl"] != "https://cdn.example/l.png" {
				t.Errorf("%s: branding %v", c.version, m["branding"])
			}
		}
		if got := h.e.db.Orgs[h.vars["org"]]; !c.color && (len(got.Color) != 0 || got.CustomCSS != nil) {
			t.Errorf("%s stored colour or CSS it does not know: %v %v", c.version, got.Color, got.CustomCSS)
		}
	}
}

// TestVersion1371 checks the differences measured on Logto 1.37.1
// (logto-api.md §16-17) against the newest release's behaviour.
func TestVersion1371(t *testing.T) {
	setup := []step{
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org"},
		{name: "role", method: "POST", path: "/api/organization-roles", body: `{"name":"admin"}`, status: 201, save: "admin"},
		{name: "scope", method: "POST", path: "/api/organization-scopes", body: `{"name":"read"}`, status: 201, save: "read"},
		{name: "a", method: "POST", path: "/api/users", body: `{"username":"a"}`, status: 200, save: "a"},
		{name: "b", method: "POST", path: "/api/users", body: `{"username":"b"}`, status: 200, save: "b"},
		{name: "members", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":["{a}","{b}"]}`, status: 201},
	}
	old, newest := start(t, Options{Version: "1.37.1"}), start(t, Options{})
	old.run(setup)
	newest.run(setup)

	addRole := `{"organizationRoleIds":["{admin}"]}`
	old.run([]step{{name: "1.37 role add answers text", method: "POST", path: "/api/organizations/{org}/users/{a}/roles", body: addRole, status: 201,
		check: func(t *testing.T, r result) { equal(t, "body", string(r.body), "Created") }}})
	newest.run([]step{{name: "newest role add answers ids", method: "POST", path: "/api/organizations/{org}/users/{a}/roles", body: addRole, status: 201,
		check: func(t *testing.T, r result) {
			equal(t, "body", r.obj(), map[string]any{"organizationRoleIds": []string{newest.vars["admin"]}})
		}}})

	for _, h := range []*harness{old, newest} {
		h.run([]step{{name: "role of b", method: "POST", path: "/api/organizations/{org}/users/{b}/roles", body: addRole, status: 201}})
	}
	filter := "/api/organizations/{org}/users?organizationRoleId={admin}"
	old.run([]step{
		{name: "1.37 ignores the role filter", method: "GET", path: filter, status: 200,
			check: func(t *testing.T, r result) { equal(t, "members", len(r.list()), 2) }},
		{name: "1.37 ignores an empty one", method: "GET", path: "/api/organizations/{org}/users?organizationRoleId=", status: 200},
	})

	replace := `{"userIds":["{a}"]}`
	old.run([]step{
		{name: "1.37 replace", method: "PUT", path: "/api/organizations/{org}/users", body: replace, status: 204},
		{name: "1.37 survivor lost its roles", method: "GET", path: "/api/organizations/{org}/users/{a}/roles", status: 200,
			check: func(t *testing.T, r result) { equal(t, "roles", len(r.list()), 0) }},
	})
	newest.run([]step{
		{name: "newest replace", method: "PUT", path: "/api/organizations/{org}/users", body: replace, status: 204},
		{name: "newest survivor kept its roles", method: "GET", path: "/api/organizations/{org}/users/{a}/roles", status: 200,
			check: func(t *testing.T, r result) { equal(t, "roles", names(r, "name"), []string{"admin"}) }},
	})

	create := `{"name":"viewer","organizationScopeIds":["{read}"],"resourceScopeIds":["nope"]}`
	old.run([]step{
		{name: "1.37 role with an unknown scope", method: "POST", path: "/api/organization-roles", body: create, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "1.37 the role was created anyway", method: "GET", path: "/api/organization-roles?q=viewer", status: 200, check: func(t *testing.T, r result) {
			l := r.list()
			equal(t, "roles", names(r, "name"), []string{"viewer"})
			equal(t, "with the scopes inserted before the failure", l[0]["scopes"], []map[string]any{{"id": old.vars["read"], "name": "read"}})
		}},
	})
	newest.run([]step{
		{name: "newest role with an unknown scope", method: "POST", path: "/api/organization-roles", body: create, status: 422, code: "entity.relation_foreign_key_not_found"},
		{name: "newest nothing created", method: "GET", path: "/api/organization-roles?q=viewer", status: 200,
			check: func(t *testing.T, r result) { equal(t, "roles", len(r.list()), 0) }},
		{name: "duplicates in a create are fine", method: "POST", path: "/api/organization-roles", body: `{"name":"dup","organizationScopeIds":["{read}","{read}"]}`, status: 201},
	})
}

func TestJITDomainPaginationByVersion(t *testing.T) {
	for v, paginated := range map[string]bool{"1.35.0": true, "1.36.0": false} {
		h := start(t, Options{Version: v})
		h.run([]step{
			{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org"},
			{name: v + " list", method: "GET", path: "/api/organizations/{org}/jit/email-domains", status: 200, check: func(t *testing.T, r result) {
				if got := r.header.Get("Total-Number") != ""; got != paginated {
					t.Errorf("%s: paginated = %v", v, got)
				}
			}},
		})
	}
}

func TestMessageRateGuardByVersion(t *testing.T) {
	for v, limited := range map[string]bool{"1.40.1": false, "1.41.0": true} {
		h := start(t, Options{Version: v, EmailConnector: true, MessageRateLimit: 1})
		h.vars["future"] = "99999999999999"
		h.run([]step{
			{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org"},
			{name: "invite", method: "POST", path: "/api/organization-invitations", body: `{"invitee":"a@acme.com","organizationId":"{org}","expiresAt":{future},"messagePayload":{}}`, status: 201, save: "inv"},
		})
		r := h.do("POST", "/api/organization-invitations/{inv}/message", `{}`)
		if got := r.status == 429; got != limited {
			t.Errorf("%s: second message %d %s, limited = %v", v, r.status, r.body, got)
		}
	}
}

func TestSinceConstantsInRange(t *testing.T) {
	// The constants name releases the emulator accepts.
	for _, s := range []string{sinceUserConsentScopes, sinceInvitationMessage, sinceOrganizationApps, sinceOrganizationBrand,
		sinceOrganizationColor, sinceMemberRoleFilter, sinceMessageRateGuard} {
		v := mustVersion(s)
		if v.less(mustVersion(OldestVersion)) || mustVersion(NewestVersion).less(v) || !strings.HasPrefix(s, "1.") {
			t.Errorf("%s is outside the modelled range", s)
		}
	}
}
