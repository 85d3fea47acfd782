package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// harness is an emulator on a loopback server with a valid bearer token.
type harness struct {
	t     *testing.T
	e     *Emulator
	url   string
	token string
	vars  map[string]string
}

func start(t *testing.T, opts Options) *harness {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	h := &harness{t: t, e: e, url: srv.URL, vars: map[string]string{}}
	h.token = h.fetchToken()
	return h
}

func (h *harness) fetchToken() string {
	h.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {h.e.Resource()}, "scope": {"all"}}
	req, _ := http.NewRequest("POST", h.url+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(h.e.AppID(), h.e.AppSecret())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		h.t.Fatalf("token request: status %d", resp.StatusCode)
	}
	return tok.AccessToken
}

// expand replaces {name} placeholders with saved variables.
func (h *harness) expand(s string) string {
	for k, v := range h.vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) code() string {
	var b struct {
		Code string `json:"code"`
	}
	json.Unmarshal(r.body, &b)
	return b.Code
}

func (r result) obj() map[string]any {
	var m map[string]any
	json.Unmarshal(r.body, &m)
	return m
}

func (r result) list() []map[string]any {
	var l []map[string]any
	json.Unmarshal(r.body, &l)
	return l
}

func (h *harness) do(method, path, body string) result {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(h.expand(body))
	}
	req, err := http.NewRequest(method, h.url+h.expand(path), rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

// step is one request of a table-driven scenario.
type step struct {
	name         string
	method, path string
	body         string
	status       int
	code         string // expected Logto error code; "" = the body must not carry one
	save         string // saves the response's "id" under this variable name
	check        func(t *testing.T, r result)
}

func (h *harness) run(steps []step) {
	h.t.Helper()
	for _, s := range steps {
		r := h.do(s.method, s.path, s.body)
		if r.status != s.status {
			h.t.Fatalf("%s: %s %s: status %d, want %d; body %s", s.name, s.method, h.expand(s.path), r.status, s.status, r.body)
		}
		if got := r.code(); got != s.code {
			h.t.Fatalf("%s: code %q, want %q; body %s", s.name, got, s.code, r.body)
		}
		if s.save != "" {
			id, _ := r.obj()["id"].(string)
			if id == "" {
				h.t.Fatalf("%s: no id in %s", s.name, r.body)
			}
			h.vars[s.save] = id
		}
		if s.check != nil {
			s.check(h.t, r)
		}
	}
}

// names extracts the "name" (or given key) of each element of a list body.
func names(r result, key string) []string {
	var out []string
	for _, m := range r.list() {
		s, _ := m[key].(string)
		out = append(out, s)
	}
	return out
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s = %s, want %s", what, g, w)
	}
}

// clock lets tests move time.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.ns.Store(t.UnixNano()); return c }

func (c *clock) now() time.Time { return time.Unix(0, c.ns.Load()) }

func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func httpServer(t *testing.T, e *Emulator) string {
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
