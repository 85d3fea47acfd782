package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func tokenRequest(t *testing.T, h *harness, form url.Values, basicID, basicSecret string) result {
	t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

func TestTokenEndpoint(t *testing.T) {
	h := start(t, Options{AppID: "app", AppSecret: "secret"})
	res := h.e.Resource()
	cases := []struct {
		name       string
		form       url.Values
		id, secret string
		status     int
		errCode    string
	}{
		{"basic auth", url.Values{"grant_type": {"client_credentials"}, "resource": {res}, "scope": {"all"}}, "app", "secret", 200, ""},
		{"form credentials", url.Values{"grant_type": {"client_credentials"}, "resource": {res}, "scope": {"all"},
			"client_id": {"app"}, "client_secret": {"secret"}}, "", "", 200, ""},
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "resource": {res}}, "app", "nope", 401, "invalid_client"},
		{"unknown app", url.Values{"grant_type": {"client_credentials"}, "resource": {res}}, "ghost", "secret", 401, "invalid_client"},
		{"wrong resource", url.Values{"grant_type": {"client_credentials"}, "resource": {"https://other/api"}}, "app", "secret", 400, "invalid_target"},
		{"missing resource", url.Values{"grant_type": {"client_credentials"}}, "app", "secret", 400, "invalid_target"},
		{"wrong grant", url.Values{"grant_type": {"password"}, "resource": {res}}, "app", "secret", 400, "unsupported_grant_type"},
		{"no grant", url.Values{"resource": {res}}, "app", "secret", 400, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tokenRequest(t, h, c.form, c.id, c.secret)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			m := r.obj()
			if c.errCode == "" {
				equal(t, "token fields", []any{m["expires_in"], m["token_type"], m["scope"]}, []any{3600, "Bearer", "all"})
				return
			}
			equal(t, "error", []any{m["error"], m["code"]}, []any{c.errCode, "oidc." + c.errCode})
			if m["error_description"] == "" {
				t.Fatal("error_description missing")
			}
		})
	}
}

func TestAPIAuthentication(t *testing.T) {
	clk := newClock(time.Now())
	h := start(t, Options{})
	h.e.now = clk.now
	h.token = h.fetchToken()
	get := func(auth string) result {
		req, _ := http.NewRequest("GET", h.url+"/api/organizations", nil)
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
	other := h.do("POST", "/api/applications", `{"name":"other","type":"MachineToMachine"}`).obj()
	otherTok := tokenRequest(t, h, url.Values{"grant_type": {"client_credentials"}, "resource": {h.e.Resource()}},
		other["id"].(string), other["secret"].(string)).obj()["access_token"].(string)
	cases := []struct {
		name   string
		auth   string
		status int
		code   string
	}{
		{"valid", "Bearer " + h.token, 200, ""},
		{"missing header", "", 401, "auth.authorization_header_missing"},
		{"garbage bearer", "Bearer abc.def.ghi", 401, "auth.unauthorized"},
		{"tampered", "Bearer " + h.token + "x", 401, "auth.unauthorized"},
		{"app without the Management API role", "Bearer " + otherTok, 403, "auth.forbidden"},
	}
	for _, c := range cases {
		r := get(c.auth)
		if r.status != c.status || r.code() != c.code {
			t.Fatalf("%s: %d %q, want %d %q", c.name, r.status, r.code(), c.status, c.code)
		}
	}
	clk.advance(time.Hour + time.Second)
	if r := get("Bearer " + h.token); r.status != 401 || r.code() != "auth.unauthorized" {
		t.Fatalf("expired token: %d %s", r.status, r.body)
	}
}

// TestFaults checks that faults hit both before and after the change: some
// failed creates exist afterwards, some do not.
func TestFaults(t *testing.T) {
	h := start(t, Options{Seed: 7, FaultRate: 0.5})
	statuses := map[int]int{}
	failed := map[string]bool{}
	dropped := 0
	const n = 200
	for i := range n {
		name := fmt.Sprintf("org-%03d", i)
		req, _ := http.NewRequest("POST", h.url+"/api/organizations", strings.NewReader(`{"name":"`+name+`"}`))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		tr := &http.Transport{DisableKeepAlives: true}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			dropped++
			failed[name] = true
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses[resp.StatusCode]++
		if resp.StatusCode != 201 {
			failed[name] = true
		}
	}
	for _, s := range []int{201, 500, 503, 429} {
		if statuses[s] == 0 {
			t.Fatalf("no %d among %v", s, statuses)
		}
	}
	if dropped == 0 {
		t.Fatal("no dropped connection")
	}
	h.e.SetFaultRate(0)
	created := map[string]bool{}
	for p := 1; ; p++ {
		r := h.do("GET", fmt.Sprintf("/api/organizations?page_size=100&page=%d", p), "")
		l := names(r, "name")
		for _, n := range l {
			created[n] = true
		}
		if len(l) < 100 {
			break
		}
	}
	before, after := 0, 0
	for name := range failed {
		if created[name] {
			after++
		} else {
			before++
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("faults before the change: %d, after: %d; want both", before, after)
	}
	if got := h.e.Requests(); got < n {
		t.Fatalf("Requests() = %d, want at least %d", got, n)
	}
	h.e.ResetRequests()
	h.do("GET", "/api/organizations", "")
	equal(t, "requests after reset", h.e.Requests(), 1)
}

func TestFailNext(t *testing.T) {
	h := start(t, Options{})
	h.e.FailNext("POST", "/api/organizations", 503, "custom.code")
	h.run([]step{
		{name: "GET is not matched", method: "GET", path: "/api/organizations", status: 200},
		{name: "injected", method: "POST", path: "/api/organizations", body: `{"name":"a"}`, status: 503, code: "custom.code"},
		{name: "one-shot", method: "POST", path: "/api/organizations", body: `{"name":"a"}`, status: 201},
		{name: "not applied", method: "GET", path: "/api/organizations", status: 200,
			check: func(t *testing.T, r result) { equal(t, "count", len(r.list()), 1) }},
	})
}

func TestFailNextAfter(t *testing.T) {
	h := start(t, Options{})
	h.e.FailNextAfter("POST", "/api/resources", 503, "")
	h.run([]step{
		{name: "created, answer replaced", method: "POST", path: "/api/resources", body: `{"name":"lock","indicator":"orgsync:lock"}`, status: 503},
		{name: "the row exists", method: "POST", path: "/api/resources", body: `{"name":"lock","indicator":"orgsync:lock"}`, status: 422, code: "resource.resource_identifier_in_use"},
	})
	// A dropped connection after the insert: the client never sees the id.
	h.e.FailNextAfter("POST", "/api/resources", DropConnection, "")
	req, _ := http.NewRequest("POST", h.url+"/api/resources", strings.NewReader(`{"name":"lock 2","indicator":"orgsync:lock2"}`))
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	h.e.FailNext("POST", "/api/resources", DropConnection, "")
	req, _ = http.NewRequest("POST", h.url+"/api/resources", strings.NewReader(`{"name":"lock 3","indicator":"orgsync:lock3"}`))
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	h.run([]step{{name: "inserted before the drop, not before the early drop", method: "GET", path: "/api/resources", status: 200,
		check: func(t *testing.T, r result) {
			equal(t, "indicators", names(r, "indicator"), []string{DefaultResource, "orgsync:lock", "orgsync:lock2"})
		}}})
}

func TestRateLimit(t *testing.T) {
	h := start(t, Options{RateLimit: true, RateLimitCapacity: 5, RateLimitPerSecond: 0.001})
	// The token request used one.
	var codes []int
	for range 6 {
		codes = append(codes, h.do("GET", "/api/organizations", "").status)
	}
	equal(t, "statuses", codes, []int{200, 200, 200, 200, 429, 429})
}

func TestSetRateLimit(t *testing.T) {
	h := start(t, Options{RateLimitCapacity: 3, RateLimitPerSecond: 0.001})
	for range 5 {
		if got := h.do("GET", "/api/organizations", "").status; got != 200 {
			t.Fatalf("without the limit: status %d", got)
		}
	}
	h.e.SetRateLimit(true)
	var codes []int
	for range 4 {
		codes = append(codes, h.do("GET", "/api/organizations", "").status)
	}
	equal(t, "statuses", codes, []int{200, 200, 200, 429})
	equal(t, "throttled", h.e.Throttled(), int64(1))
	h.e.SetRateLimit(false)
	if got := h.do("GET", "/api/organizations", "").status; got != 200 {
		t.Fatalf("limit switched off: status %d", got)
	}
	h.e.ResetRequests()
	equal(t, "throttled after reset", h.e.Throttled(), int64(0))
}

func TestRateLimitRefill(t *testing.T) {
	clk := newClock(time.Now())
	e, err := New(Options{RateLimit: true, RateLimitCapacity: 2, RateLimitPerSecond: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.now = clk.now
	e.bucketLast = clk.now()
	var got []bool
	var dues []time.Duration
	take := func() {
		ok, due := e.takeToken()
		got, dues = append(got, ok), append(dues, due)
	}
	take()
	take()
	take()
	clk.advance(1500 * time.Millisecond)
	take()
	take()
	equal(t, "allowed", got, []bool{true, true, false, true, false})
	equal(t, "due", dues, []time.Duration{0, 0, time.Second, 0, 500 * time.Millisecond})
}

// TestRateLimitAnswer: the limit's 429 carries a bare message, and
// Retry-After (whole seconds until the bucket holds a request, at least 1)
// only when asked for.
func TestRateLimitAnswer(t *testing.T) {
	for _, retryAfter := range []bool{false, true} {
		// The harness's token request takes the bucket's only request.
		h := start(t, Options{RateLimit: true, RateLimitCapacity: 1, RateLimitPerSecond: 0.25, RateLimitRetryAfter: retryAfter})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/organizations", nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		h.e.ServeHTTP(rec, req)
		equal(t, "status", rec.Code, http.StatusTooManyRequests)
		equal(t, "body", strings.TrimSpace(rec.Body.String()), `{"message":"Too Many Requests"}`)
		want := ""
		if retryAfter {
			want = "4"
		}
		equal(t, "Retry-After", rec.Header().Get("Retry-After"), want)
	}
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	h := start(t, Options{StatePath: path, AppID: "app", AppSecret: "secret"})
	h.run([]step{
		{name: "scope", method: "POST", path: "/api/organization-scopes", body: `{"name":"read"}`, status: 201, save: "s"},
		{name: "role", method: "POST", path: "/api/organization-roles", body: `{"name":"r","organizationScopeIds":["{s}"]}`, status: 201},
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme","customData":{"k":"v"}}`, status: 201, save: "org"},
		{name: "user", method: "POST", path: "/api/users", body: `{"primaryEmail":"a@b.co"}`, status: 200, save: "u"},
		{name: "member", method: "POST", path: "/api/organizations/{org}/users", body: `{"userIds":["{u}"]}`, status: 201},
		{name: "custom data", method: "PATCH", path: "/api/applications/app/custom-data", body: `{"orgsync":{"x":1}}`, status: 200},
	})
	// A second emulator on the same file (no app id given) sees everything
	// and accepts the old token.
	e2, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "app", []string{e2.AppID(), e2.AppSecret()}, []string{"app", "secret"})
	h2 := &harness{t: t, e: e2, vars: h.vars, token: h.token}
	srv := httpServer(t, e2)
	h2.url = srv
	h2.run([]step{
		{name: "roles", method: "GET", path: "/api/organization-roles", status: 200, check: func(t *testing.T, r result) {
			equal(t, "scopes", r.list()[0]["scopes"], []map[string]any{{"id": h.vars["s"], "name": "read"}})
		}},
		{name: "org", method: "GET", path: "/api/organizations/{org}", status: 200,
			check: func(t *testing.T, r result) { equal(t, "customData", r.obj()["customData"], map[string]any{"k": "v"}) }},
		{name: "members", method: "GET", path: "/api/organizations/{org}/users", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["u"]}) }},
		{name: "app custom data", method: "GET", path: "/api/applications/app", status: 200,
			check: func(t *testing.T, r result) {
				equal(t, "customData", r.obj()["customData"], map[string]any{"orgsync": map[string]any{"x": 1}})
			}},
	})
	if _, err := New(Options{StatePath: filepath.Join(t.TempDir(), "missing.json")}); err != nil {
		t.Fatalf("a missing state file starts empty: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := writeFile(bad, "{not json"); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: bad}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("corrupt state: err %v should name the file", err)
	}
}

// TestLatencyIsConcurrent: the latency is waited outside any lock, so that
// eight requests wait it at the same time (checked with a latency no request
// gets through, not with a clock).
func TestLatencyIsConcurrent(t *testing.T) {
	e, err := New(Options{Latency: time.Hour, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/organizations", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				t.Errorf("a request got through an hour of latency: %d", resp.StatusCode)
			}
		})
	}
	for e.Requests() < 8 { // all eight are waiting their latency
		time.Sleep(time.Millisecond)
	}
	cancel()
	wg.Wait()
}

func TestETag(t *testing.T) {
	h := start(t, Options{})
	r := h.do("GET", "/api/organizations", "")
	etag := r.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on GET")
	}
	req, _ := http.NewRequest("GET", h.url+"/api/organizations", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("If-None-Match", etag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	equal(t, "status", resp.StatusCode, 304)
}

func TestConcurrentWrites(t *testing.T) {
	h := start(t, Options{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			h.do("POST", "/api/organization-scopes", fmt.Sprintf(`{"name":"s%d"}`, i))
			h.do("GET", "/api/organization-scopes", "")
		})
	}
	wg.Wait()
	var l []any
	json.Unmarshal(h.do("GET", "/api/organization-scopes", "").body, &l)
	equal(t, "scopes", len(l), 20)
}

func TestBodyOverLimit(t *testing.T) {
	h := start(t, Options{})
	big := `{"name":"x","customData":{"blob":"` + strings.Repeat("a", maxBodyBytes) + `"}}`
	r := h.do("POST", "/api/organizations", big)
	if r.status != 404 || string(r.body) != "Not Found" {
		t.Fatalf("over-limit body: %d %q, want 404 Not Found as Logto answers", r.status, r.body)
	}
	if l := h.do("GET", "/api/organizations", "").list(); len(l) != 0 {
		t.Fatalf("over-limit create was applied: %v", l)
	}
}
