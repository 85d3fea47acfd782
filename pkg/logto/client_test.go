package logto

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" = success
	}{
		{"https cloud", Config{Endpoint: "https://abc123.logto.app", AppID: "a", AppSecret: "s"}, ""},
		{"trailing slash", Config{Endpoint: "https://auth.example.com/", AppID: "a", AppSecret: "s"}, ""},
		{"http loopback", Config{Endpoint: "http://127.0.0.1:3001", AppID: "a", AppSecret: "s"}, ""},
		{"http localhost", Config{Endpoint: "http://localhost:3001", AppID: "a", AppSecret: "s"}, ""},
		{"http ipv6 loopback", Config{Endpoint: "http://[::1]:3001", AppID: "a", AppSecret: "s"}, ""},
		{"http remote refused", Config{Endpoint: "http://logto.internal:3001", AppID: "a", AppSecret: "s"}, "-insecure-http"},
		{"http remote allowed", Config{Endpoint: "http://logto.internal:3001", AppID: "a", AppSecret: "s", InsecureHTTP: true}, ""},
		{"empty endpoint", Config{AppID: "a", AppSecret: "s"}, "LOGTO_ENDPOINT"},
		{"api suffix", Config{Endpoint: "https://abc.logto.app/api", AppID: "a", AppSecret: "s"}, "without it"},
		{"bad scheme", Config{Endpoint: "ftp://abc.logto.app", AppID: "a", AppSecret: "s"}, "http(s) URL"},
		{"credentials in URL", Config{Endpoint: "https://u:p@abc.logto.app", AppID: "a", AppSecret: "s"}, "credentials"},
		{"no app id", Config{Endpoint: "https://abc.logto.app", AppSecret: "s"}, "LOGTO_APP_ID"},
		{"no secret", Config{Endpoint: "https://abc.logto.app", AppID: "a"}, "LOGTO_APP_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("New succeeded, want an error mentioning %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("New error = %q, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestDefaultResource(t *testing.T) {
	tests := map[string]string{
		"https://abc123.logto.app":       "https://abc123.logto.app/api",
		"https://ABC123.logto.app/":      "https://abc123.logto.app/api",
		"https://abc123.logto.app:443":   "https://abc123.logto.app/api",
		"http://127.0.0.1:3001":          "https://default.logto.app/api",
		"https://auth.example.com":       "https://default.logto.app/api",
		"https://a.b.logto.app":          "https://default.logto.app/api",
		"https://logto.app":              "https://default.logto.app/api",
		"https://abc.logto.app.evil.com": "https://default.logto.app/api",
		"::not a url":                    "https://default.logto.app/api",
	}
	for endpoint, want := range tests {
		if got := DefaultResource(endpoint); got != want {
			t.Errorf("DefaultResource(%q) = %q, want %q", endpoint, got, want)
		}
	}
}

func TestAuthRequestShape(t *testing.T) {
	f := setup(t, func(c *Config) { c.Resource = "https://custom.example/api" })
	var tokenCalls int
	mux := http.NewServeMux()
	mux.HandleFunc("/oidc/token", func(w http.ResponseWriter, r *http.Request) {
		tokenCalls++
		testMethod(t, r, http.MethodPost)
		id, secret, ok := r.BasicAuth()
		if !ok || id != testAppID || secret != testAppSecret {
			t.Errorf("token request Basic auth = %q/%q (ok %v), want the app id and secret", id, secret, ok)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("token request Content-Type = %q", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"grant_type": "client_credentials", "resource": "https://custom.example/api", "scope": "all"} {
			if got := r.PostForm.Get(k); got != want {
				t.Errorf("token form %s = %q, want %q", k, got, want)
			}
		}
		if r.PostForm.Has("client_secret") {
			t.Error("the secret travels in the form; it belongs in the Basic header only")
		}
		writeJSON(w, 200, `{"access_token":"tok-x","expires_in":3600,"token_type":"Bearer","scope":"all"}`)
	})
	mux.HandleFunc("/api/organizations/o1", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer tok-x" {
			t.Errorf("Authorization = %q, want Bearer tok-x", got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("Accept = %q", got)
		}
		writeJSON(w, 200, `{"id":"o1","name":"acme"}`)
	})
	f.server.Config.Handler = mux
	if _, err := getOrganization(context.Background(), f.client, "o1"); err != nil {
		t.Fatal(err)
	}
	if tokenCalls != 1 {
		t.Errorf("token requests = %d, want 1", tokenCalls)
	}
}

func TestAuthTokenCachedAndShared(t *testing.T) {
	f := setup(t)
	f.handle("/api/organizations/o1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":"o1"}`)
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := getOrganization(context.Background(), f.client, "o1"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := f.tokens.Load(); n != 1 {
		t.Errorf("token requests = %d for 20 concurrent calls, want 1", n)
	}
	if got, want := f.client.Requests(), int64(21); got != want {
		t.Errorf("Requests() = %d, want %d (20 calls + 1 token)", got, want)
	}
}

func TestAuthRenewsBeforeExpiry(t *testing.T) {
	f := setup(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	f.client.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	var seen []string
	f.handle("/api/organizations/o1", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		writeJSON(w, 200, `{"id":"o1"}`)
	})
	ctx := context.Background()
	get := func() {
		t.Helper()
		if _, err := getOrganization(ctx, f.client, "o1"); err != nil {
			t.Fatal(err)
		}
	}
	get()
	advance(3600*time.Second - 61*time.Second) // still more than 60 s left
	get()
	advance(2 * time.Second) // 59 s left: renew now
	get()
	want := []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-2"}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("tokens used = %v, want %v", seen, want)
	}
}

func TestAuthShortLivedTokenMargin(t *testing.T) {
	f := setup(t)
	f.expiresIn.Store(60) // a 60 s token is renewed after 30 s, not immediately
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.client.now = func() time.Time { return now }
	f.handle("/api/organizations/o1", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"id":"o1"}`) })
	for range 3 {
		if _, err := getOrganization(context.Background(), f.client, "o1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.tokens.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestAuthReauthenticatesOnceOn401(t *testing.T) {
	f := setup(t)
	var calls []string
	f.handle("/api/organizations/o1", func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			writeJSON(w, 401, `{"code":"auth.unauthorized","message":"Unauthorized"}`)
			return
		}
		writeJSON(w, 200, `{"id":"o1","name":"acme"}`)
	})
	org, err := getOrganization(context.Background(), f.client, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if org.Name != "acme" {
		t.Errorf("name = %q", org.Name)
	}
	if want := "Bearer tok-1,Bearer tok-2"; strings.Join(calls, ",") != want {
		t.Errorf("calls = %v, want %s", calls, want)
	}
}

func TestAuthPersistent401IsAnError(t *testing.T) {
	f := setup(t)
	var calls int
	f.handle("/api/organizations/o1", func(w http.ResponseWriter, r *http.Request) {
		calls++
		writeJSON(w, 401, `{"code":"auth.unauthorized","message":"Unauthorized"}`)
	})
	_, err := getOrganization(context.Background(), f.client, "o1")
	e := asError(t, err)
	if e.StatusCode != 401 || e.Code != "auth.unauthorized" {
		t.Errorf("error = %+v", e)
	}
	if calls != 2 || f.tokens.Load() != 2 {
		t.Errorf("API calls = %d, token requests = %d; want 2 and 2 (one re-authentication)", calls, f.tokens.Load())
	}
}

func TestAuthTokenEndpointError(t *testing.T) {
	f := setup(t)
	mux := http.NewServeMux()
	var calls int
	mux.HandleFunc("/oidc/token", func(w http.ResponseWriter, r *http.Request) {
		calls++
		writeJSON(w, 401, `{"error":"invalid_client","error_description":"client authentication failed","code":"oidc.invalid_client","message":"client authentication failed"}`)
	})
	f.server.Config.Handler = mux
	_, err := f.client.ListOrganizationScopes(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"authentication failed", "oidc.invalid_client", "client authentication failed", "LOGTO_APP_ID / LOGTO_APP_SECRET / LOGTO_RESOURCE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if StatusOf(err) != 401 {
		t.Errorf("StatusOf = %d, want 401", StatusOf(err))
	}
	if calls != 1 {
		t.Errorf("token requests = %d, want 1 (a 4xx is not retried)", calls)
	}
	if strings.Contains(err.Error(), testAppSecret) {
		t.Error("the error shows the secret")
	}
}

func TestAuthTokenResponseWithoutToken(t *testing.T) {
	f := setup(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/oidc/token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"token_type":"Bearer"}`)
	})
	f.server.Config.Handler = mux
	err := f.client.Do(context.Background(), http.MethodGet, "/api/organizations/o1", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no access_token") {
		t.Fatalf("error = %v, want it to mention the missing access_token", err)
	}
}

func TestDoBodies(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantErr     string // "" = success
		wantDecoded bool
	}{
		{"json", 201, "application/json", `{"id":"x"}`, "", true},
		{"text created (Logto 1.37)", 201, "text/plain; charset=utf-8", "Created", "", false},
		{"empty 204", 204, "", "", "", false},
		{"empty 201", 201, "application/json", "", "", false},
		{"json without content type", 200, "", `{"id":"x"}`, "", true},
		{"json labelled text/plain", 200, "text/plain", `{"id":"x"}`, "", true},
		{"other text", 200, "text/plain", "OK", "", false},
		{"malformed json", 200, "application/json", `{"id":`, "POST /api/things: 200 response: malformed JSON", false},
		{"html from a proxy", 200, "text/html", "<html><body>hi</body></html>", "HTML page", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.handle("/api/things", func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			var out struct{ ID string }
			res, err := f.client.do(context.Background(), http.MethodPost, "/api/things", map[string]string{"a": "b"}, &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.decoded != tt.wantDecoded || (tt.wantDecoded && out.ID != "x") {
				t.Errorf("decoded = %v, out = %+v", res.decoded, out)
			}
			// Do with a nil out accepts the same bodies.
			if err := f.client.Do(context.Background(), http.MethodPost, "/api/things", nil, nil); err != nil {
				t.Errorf("Do(out=nil): %v", err)
			}
		})
	}
}

func TestDoRawMessage(t *testing.T) {
	f := setup(t)
	f.handle("/api/organizations/o1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":"o1","extra":[1,2]}`)
	})
	var raw json.RawMessage
	if err := f.client.Do(context.Background(), http.MethodGet, "/api/organizations/o1", nil, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw) != `{"id":"o1","extra":[1,2]}` {
		t.Errorf("raw = %s", raw)
	}
}

func TestDoRequiresJSONForTypedCreates(t *testing.T) {
	f := setup(t)
	f.handle("/api/organization-scopes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(201)
		w.Write([]byte("Created"))
	})
	_, err := f.client.CreateOrganizationScope(context.Background(), "read", nil)
	if err == nil || !strings.Contains(err.Error(), "POST /api/organization-scopes") {
		t.Fatalf("error = %v, want one naming the request", err)
	}
}

func TestDoRejectsRelativePath(t *testing.T) {
	f := setup(t)
	if err := f.client.Do(context.Background(), http.MethodGet, "api/x", nil, nil); err == nil {
		t.Fatal("want an error for a path without a leading slash")
	}
	if f.client.Requests() != 0 {
		t.Error("a request was sent")
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        Error
		wantString  string
	}{
		{
			name: "logto error", status: 422, contentType: "application/json",
			body:       `{"code":"entity.unique_integrity_violation","message":"The entity already exists.","data":null}`,
			want:       Error{StatusCode: 422, Code: "entity.unique_integrity_violation", Message: "The entity already exists."},
			wantString: "POST /api/organization-scopes: 422 entity.unique_integrity_violation: The entity already exists.",
		},
		{
			name: "guard error with details", status: 400, contentType: "application/json",
			body:       `{"code":"guard.invalid_input","message":"The request body is invalid.","details":"Error in key path \"name\": (too_small)"}`,
			want:       Error{StatusCode: 400, Code: "guard.invalid_input", Message: "The request body is invalid.", Details: `Error in key path "name": (too_small)`},
			wantString: `POST /api/organization-scopes: 400 guard.invalid_input: The request body is invalid. (Error in key path "name": (too_small))`,
		},
		{
			name: "malformed json without code", status: 400, contentType: "application/json",
			body:       `{"message":"Unexpected token"}`,
			want:       Error{StatusCode: 400, Message: "Unexpected token"},
			wantString: "POST /api/organization-scopes: 400: Unexpected token",
		},
		{
			name: "text not found (oversized body on 1.37)", status: 404, contentType: "text/plain",
			body:       "Not Found",
			want:       Error{StatusCode: 404, Message: "Not Found"},
			wantString: "POST /api/organization-scopes: 404: Not Found",
		},
		{
			name: "empty 503", status: 501, body: "",
			want:       Error{StatusCode: 501, Message: "Not Implemented"},
			wantString: "POST /api/organization-scopes: 501: Not Implemented",
		},
		{
			name: "forbidden gets a hint", status: 403, contentType: "application/json",
			body: `{"code":"auth.forbidden","message":"Forbidden"}`,
			want: Error{StatusCode: 403, Code: "auth.forbidden", Message: "Forbidden (the access token lacks the Management API scope \"all\": " +
				"give the application a machine-to-machine role with the Logto Management API permission)"},
		},
		{
			name: "html gateway page", status: 502, contentType: "text/html",
			body: "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
			want: Error{StatusCode: 502, Message: "the server answered with an HTML page instead of a Logto JSON error " +
				"(a proxy, load balancer or wrong LOGTO_ENDPOINT?): 502 Bad Gateway"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.handle("/api/organization-scopes", func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			_, err := f.client.CreateOrganizationScope(context.Background(), "read", nil)
			e := asError(t, err)
			if e.Method != http.MethodPost || e.Path != "/api/organization-scopes" {
				t.Errorf("method/path = %s %s", e.Method, e.Path)
			}
			if e.StatusCode != tt.want.StatusCode || e.Code != tt.want.Code || e.Message != tt.want.Message || e.Details != tt.want.Details {
				t.Errorf("error = %+v, want %+v", *e, tt.want)
			}
			if e.Body != tt.body {
				t.Errorf("Body = %q, want the raw body %q", e.Body, tt.body)
			}
			if tt.wantString != "" && e.Error() != tt.wantString {
				t.Errorf("Error() = %q, want %q", e.Error(), tt.wantString)
			}
			if StatusOf(err) != tt.status || !HasCode(err, tt.want.Code) || IsNotFound(err) != (tt.status == 404) {
				t.Errorf("helpers: StatusOf %d HasCode %v IsNotFound %v", StatusOf(err), HasCode(err, tt.want.Code), IsNotFound(err))
			}
		})
	}
}

func TestErrorHelpersOnWrappedAndForeignErrors(t *testing.T) {
	e := &Error{Method: "DELETE", Path: "/api/x", StatusCode: 404, Code: "entity.not_found"}
	wrapped := errors.Join(errors.New("deleting role.admin"), e)
	if !IsNotFound(wrapped) || !HasCode(wrapped, "entity.not_found") || StatusOf(wrapped) != 404 {
		t.Error("helpers do not see through wrapping")
	}
	plain := errors.New("boom")
	if IsNotFound(plain) || HasCode(plain, "") || StatusOf(plain) != 0 {
		t.Error("helpers misreport a non-*Error")
	}
}

func TestErrorBodyTruncated(t *testing.T) {
	f := setup(t)
	long := `{"code":"x","message":"` + strings.Repeat("é", 3000) + `"}`
	f.handle("/api/x", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 400, long) })
	e := asError(t, f.client.Do(context.Background(), http.MethodGet, "/api/x", nil, nil))
	if len(e.Body) > maxErrorBody+len("…") {
		t.Errorf("Body is %d bytes, want at most %d", len(e.Body), maxErrorBody)
	}
	if !strings.HasSuffix(e.Body, "…") || !utf8.ValidString(e.Body) {
		t.Errorf("Body is not a clean UTF-8 truncation: %q", e.Body[len(e.Body)-12:])
	}
}
