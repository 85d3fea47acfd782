package logto

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

const (
	testAppID     = "m2m-app-id"
	testAppSecret = "s3cr3t-app-secret-value"
)

// fixture is one test's fake Logto: an httptest server with its own mux
// (go-github style), a token endpoint that issues "tok-1", "tok-2", …, and a
// client pointed at it with millisecond retry waits.
type fixture struct {
	t      *testing.T
	mux    *http.ServeMux
	server *httptest.Server
	client *Client
	logs   *syncBuffer

	tokens    atomic.Int32 // token requests served
	expiresIn atomic.Int64 // expires_in of issued tokens (seconds)
}

// syncBuffer is a bytes.Buffer safe for concurrent log writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// setup starts a fake Logto and returns a client for it. mutate adjusts the
// client configuration before New.
func setup(t *testing.T, mutate ...func(*Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, mux: http.NewServeMux(), logs: &syncBuffer{}}
	f.expiresIn.Store(3600)
	f.mux.HandleFunc("/oidc/token", f.serveToken)
	f.server = httptest.NewServer(f.mux)
	t.Cleanup(f.server.Close)

	cfg := Config{
		Endpoint:     f.server.URL,
		AppID:        testAppID,
		AppSecret:    testAppSecret,
		Logger:       zerolog.New(f.logs).Level(zerolog.DebugLevel),
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.client = c
	return f
}

func (f *fixture) serveToken(w http.ResponseWriter, r *http.Request) {
	n := f.tokens.Add(1)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"tok-%d","expires_in":%d,"token_type":"Bearer","scope":"all"}`, n, f.expiresIn.Load())
}

// handle registers an /api handler that also checks the bearer token.
func (f *fixture) handle(pattern string, h http.HandlerFunc) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "Bearer tok-") {
			f.t.Errorf("%s %s: Authorization = %q, want a bearer token", r.Method, r.URL.Path, auth)
		}
		h(w, r)
	})
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("request method = %s, want %s", r.Method, want)
	}
}

// testQuery checks the query parameters exactly.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s %s query mismatch (-want +got):\n%s", r.Method, r.URL.Path, diff)
	}
}

// testBody checks that the request body is the JSON document want ("" = no body).
func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	data, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading request body: %v", err)
	}
	if want == "" {
		if len(data) != 0 {
			t.Errorf("%s %s: body = %s, want none", r.Method, r.URL.Path, data)
		}
		return
	}
	var got, exp any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%s %s: request body %q is not JSON: %v", r.Method, r.URL.Path, data, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad expected JSON %q: %v", want, err)
	}
	if diff := cmp.Diff(exp, got); diff != "" {
		t.Errorf("%s %s body mismatch (-want +got):\n%s", r.Method, r.URL.Path, diff)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type = %q, want application/json", r.Method, r.URL.Path, ct)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// asError returns err's *Error or fails the test.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error = %v (%T), want *Error", err, err)
	}
	return e
}

func ptr[T any](v T) *T { return &v }

// getOrganization reads one organization (GET /api/organizations/{id}), a
// read orgsync itself does not make, for the client's own tests.
func getOrganization(ctx context.Context, c *Client, id string) (*Organization, error) {
	var out Organization
	if err := c.doRequired(ctx, http.MethodGet, pathf("/api/organizations/%s", id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
