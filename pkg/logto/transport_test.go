package logto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// failFirst answers the first n requests with status (and a body naming the
// attempt), then 200 {"id":"ok"}; it returns the request counter.
func failFirst(f *fixture, path string, n int32, status int, header http.Header) *atomic.Int32 {
	var calls atomic.Int32
	f.handle(path, func(w http.ResponseWriter, r *http.Request) {
		k := calls.Add(1)
		if k <= n {
			for h, v := range header {
				w.Header()[h] = v
			}
			writeJSON(w, status, fmt.Sprintf(`{"code":"test.fail","message":"attempt %d"}`, k))
			return
		}
		writeJSON(w, 200, `{"id":"ok"}`)
	})
	return &calls
}

func TestRetryIdempotentMethodsOn5xxAnd429(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		for _, status := range []int{500, 502, 503, 504, 429} {
			t.Run(fmt.Sprintf("%s %d", method, status), func(t *testing.T) {
				f := setup(t)
				calls := failFirst(f, "/api/x", 2, status, nil)
				if err := f.client.Do(context.Background(), method, "/api/x", nil, nil); err != nil {
					t.Fatal(err)
				}
				if calls.Load() != 3 {
					t.Errorf("attempts = %d, want 3", calls.Load())
				}
			})
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	var waits []time.Duration
	f := setup(t, func(c *Config) { c.OnRetry = func(r Retry) { waits = append(waits, r.Wait) } })
	calls := failFirst(f, "/api/x", 1, 429, http.Header{"Retry-After": {"1"}})
	if err := f.client.Do(context.Background(), http.MethodGet, "/api/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || waits[0] != time.Second {
		t.Errorf("waits before retrying = %v, want [1s], the Retry-After (backoff alone is ≤ 5 ms here)", waits)
	}
	if calls.Load() != 2 {
		t.Errorf("attempts = %d, want 2", calls.Load())
	}
}

func TestPostNotRetriedOn5xx(t *testing.T) {
	for _, status := range []int{500, 502, 503} {
		f := setup(t)
		calls := failFirst(f, "/api/organizations", 1, status, nil)
		_, err := f.client.CreateOrganization(context.Background(), CreateOrganization{Name: "acme"})
		e := asError(t, err)
		if e.StatusCode != status || calls.Load() != 1 {
			t.Errorf("status %d: error %v after %d attempts; want the %d after 1 attempt", status, err, calls.Load(), status)
		}
	}
}

func TestPostRetriedOn429(t *testing.T) {
	f := setup(t)
	calls := failFirst(f, "/api/organizations", 2, 429, nil)
	if _, err := f.client.CreateOrganization(context.Background(), CreateOrganization{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("attempts = %d, want 3 (a 429 was not processed)", calls.Load())
	}
}

func TestPostRetriedWhenIdempotent(t *testing.T) {
	f := setup(t)
	calls := failFirst(f, "/api/organizations/o1/users", 2, 500, nil)
	// AddOrganizationUsers marks itself idempotent (Logto ignores existing members).
	if err := f.client.AddOrganizationUsers(context.Background(), "o1", []string{"u1"}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("attempts = %d, want 3", calls.Load())
	}
	// So does any POST made through Do with an Idempotent context.
	calls = failFirst(f, "/api/organization-roles/r1/scopes", 1, 503, nil)
	err := f.client.Do(Idempotent(context.Background()), http.MethodPost, "/api/organization-roles/r1/scopes",
		map[string][]string{"organizationScopeIds": {"s1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("attempts = %d, want 2", calls.Load())
	}
}

// hijackClose drops the connection after reading the whole request: the
// server may have applied it.
func hijackClose(t *testing.T, calls *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}
}

func TestPostNotRetriedWhenConnectionDropsAfterSend(t *testing.T) {
	f := setup(t)
	var calls atomic.Int32
	f.handle("/api/organizations", hijackClose(t, &calls))
	_, err := f.client.CreateOrganization(context.Background(), CreateOrganization{Name: "acme"})
	if err == nil {
		t.Fatal("want an error")
	}
	if !strings.Contains(err.Error(), "POST /api/organizations") {
		t.Errorf("error %q does not name the request", err)
	}
	if calls.Load() != 1 {
		t.Errorf("attempts = %d, want 1: the POST may have been applied", calls.Load())
	}
}

func TestGetRetriedWhenConnectionDrops(t *testing.T) {
	f := setup(t)
	var calls atomic.Int32
	drop := hijackClose(t, &calls)
	f.handle("/api/organizations/o1", func(w http.ResponseWriter, r *http.Request) {
		if calls.Load() < 2 {
			drop(w, r)
			return
		}
		calls.Add(1)
		writeJSON(w, 200, `{"id":"o1"}`)
	})
	if _, err := getOrganization(context.Background(), f.client, "o1"); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("attempts = %d, want 3", calls.Load())
	}
}

// dialFailTransport fails the first n /api requests as a refused connection
// would (before anything is sent), then delegates.
type dialFailTransport struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (d *dialFailTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/api/") && d.n.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	}
	return d.next.RoundTrip(r)
}

func TestPostRetriedOnDialError(t *testing.T) {
	tr := &dialFailTransport{next: http.DefaultTransport}
	tr.n.Store(2)
	f := setup(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	var calls atomic.Int32
	f.handle("/api/organizations", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 201, `{"id":"o1","name":"acme"}`)
	})
	org, err := f.client.CreateOrganization(context.Background(), CreateOrganization{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if org.ID != "o1" || calls.Load() != 1 {
		t.Errorf("org %+v after %d server calls", org, calls.Load())
	}
	if got := f.client.Requests(); got != 4 {
		t.Errorf("Requests() = %d, want 4 (token + 2 refused + 1)", got)
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	for _, status := range []int{400, 403, 404, 409, 422} {
		f := setup(t)
		calls := failFirst(f, "/api/x", 5, status, nil)
		err := f.client.Do(context.Background(), http.MethodGet, "/api/x", nil, nil)
		if StatusOf(err) != status || calls.Load() != 1 {
			t.Errorf("status %d: %v after %d attempts, want 1 attempt", status, err, calls.Load())
		}
	}
}

func TestRetriesExhaustedKeepLastBody(t *testing.T) {
	f := setup(t, func(c *Config) { c.MaxRetries = 3 })
	calls := failFirst(f, "/api/x", 100, 503, nil)
	err := f.client.Do(context.Background(), http.MethodGet, "/api/x", nil, nil)
	e := asError(t, err)
	if calls.Load() != 4 {
		t.Errorf("attempts = %d, want 4 (1 + 3 retries)", calls.Load())
	}
	if e.StatusCode != 503 || e.Code != "test.fail" || e.Message != "attempt 4" || !strings.Contains(e.Body, "attempt 4") {
		t.Errorf("error = %+v, want the last response's body", e)
	}
	if e.Attempts != 4 || !strings.Contains(e.Error(), "after 4 attempts") {
		t.Errorf("Attempts = %d, Error() = %q", e.Attempts, e.Error())
	}
}

func TestRetriesDisabled(t *testing.T) {
	f := setup(t, func(c *Config) { c.MaxRetries = -1 })
	calls := failFirst(f, "/api/x", 100, 503, nil)
	if err := f.client.Do(context.Background(), http.MethodGet, "/api/x", nil, nil); StatusOf(err) != 503 {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("attempts = %d, want 1", calls.Load())
	}
}

func TestTokenQuotaNotRetried(t *testing.T) {
	f := setup(t)
	mux := http.NewServeMux()
	var calls atomic.Int32
	mux.HandleFunc("/oidc/token", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 429, `{"code":"auth.exceed_token_limit","message":"Token limit exceeded"}`)
	})
	f.server.Config.Handler = mux
	err := f.client.Do(context.Background(), http.MethodGet, "/api/x", nil, nil)
	if !HasCode(err, "auth.exceed_token_limit") || calls.Load() != 1 {
		t.Errorf("err = %v after %d attempts, want the quota error after 1", err, calls.Load())
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The context ends while the client waits to retry.
	f := setup(t, func(c *Config) {
		c.RetryWaitMin, c.RetryWaitMax = time.Hour, time.Hour
		c.OnRetry = func(Retry) { cancel() }
	})
	calls := failFirst(f, "/api/x", 100, 503, nil)
	err := f.client.Do(ctx, http.MethodGet, "/api/x", nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the context's end", err)
	}
	if calls.Load() != 1 {
		t.Errorf("attempts = %d", calls.Load())
	}
}

func TestCheckRetry(t *testing.T) {
	post := withCallState(context.Background(), &callState{idempotent: false})
	get := withCallState(context.Background(), &callState{idempotent: true})
	unretried := withCallState(context.Background(), &callState{unretried: true})
	unretriedPut := withCallState(context.Background(), &callState{idempotent: true, unretried: true})
	resp := func(status int) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(""))}
	}
	dial := &net.OpError{Op: "dial", Err: errors.New("connection refused")}
	reset := &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}
	tests := []struct {
		name string
		ctx  context.Context
		resp *http.Response
		err  error
		want bool
	}{
		{"get 200", get, resp(200), nil, false},
		{"get 500", get, resp(500), nil, true},
		{"get 501", get, resp(501), nil, false},
		{"get 404", get, resp(404), nil, false},
		{"get 429", get, resp(429), nil, true},
		{"get reset", get, nil, reset, true},
		{"post 500", post, resp(500), nil, false},
		{"post 429", post, resp(429), nil, true},
		{"post 422", post, resp(422), nil, false},
		{"unretried post 429", unretried, resp(429), nil, false},
		{"unretried post 500", unretried, resp(500), nil, false},
		{"unretried post dial", unretried, nil, dial, true},
		{"unretried put 429", unretriedPut, resp(429), nil, true},
		{"post dial", post, nil, dial, true},
		{"post dns", post, nil, &net.DNSError{Err: "no such host", Name: "x"}, true},
		{"post reset", post, nil, reset, false},
		{"post EOF", post, nil, io.ErrUnexpectedEOF, false},
		{"get bad scheme", get, nil, errors.New(`unsupported protocol scheme "ftp"`), false},
	}
	for _, tt := range tests {
		got, err := checkRetry(tt.ctx, tt.resp, tt.err)
		if got != tt.want || err != nil {
			t.Errorf("%s: checkRetry = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	ctx, cancel := context.WithCancel(get)
	cancel()
	if ok, err := checkRetry(ctx, resp(503), nil); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, %v", ok, err)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"99999", maxRetryAfter, true},
		{"Fri, 01 May 2026 12:00:07 GMT", 7 * time.Second, true},
		{"Fri, 01 May 2026 11:00:00 GMT", 0, true},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestBackoff(t *testing.T) {
	minW, maxW := 100*time.Millisecond, time.Second
	for attempt := range 8 {
		exp := min(maxW, minW<<attempt)
		for range 50 {
			d := backoff(minW, maxW, attempt, nil)
			if d < exp/2 || d >= exp {
				t.Fatalf("attempt %d: %v outside [%v, %v)", attempt, d, exp/2, exp)
			}
		}
	}
	r429 := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"4"}}}
	if d := backoff(minW, maxW, 0, r429); d != 4*time.Second {
		t.Errorf("429 Retry-After 4: %v", d)
	}
	r503 := &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"2"}}}
	if d := backoff(minW, maxW, 0, r503); d != 2*time.Second {
		t.Errorf("503 Retry-After 2: %v", d)
	}
	r500 := &http.Response{StatusCode: 500, Header: http.Header{"Retry-After": {"9"}}}
	if d := backoff(minW, maxW, 0, r500); d >= minW {
		t.Errorf("500 with Retry-After: %v, want plain backoff", d)
	}
	if d := backoff(minW, maxW, 1000, nil); d < maxW/2 || d >= maxW {
		t.Errorf("huge attempt: %v, want capped at %v", d, maxW)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	f := setup(t)
	failFirst(f, "/api/organizations/o1", 1, 503, nil)
	var reauth atomic.Bool
	f.handle("/api/organizations/o2", func(w http.ResponseWriter, r *http.Request) {
		if reauth.CompareAndSwap(false, true) {
			writeJSON(w, 401, `{"code":"auth.unauthorized"}`)
			return
		}
		writeJSON(w, 200, `{"id":"o2"}`)
	})
	ctx := context.Background()
	if _, err := getOrganization(ctx, f.client, "o1"); err != nil {
		t.Fatal(err)
	}
	if _, err := getOrganization(ctx, f.client, "o2"); err != nil {
		t.Fatal(err)
	}
	logs := f.logs.String()
	for _, secret := range []string{testAppSecret, "tok-1", "tok-2", "Bearer", "Authorization", "Basic "} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	// ...and they do carry the per-attempt facts.
	for _, want := range []string{`"method":"GET"`, `"path":"/api/organizations/o1"`, `"status":503`, `"attempt":2`, `"duration":`, `"path":"/oidc/token"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestNopLoggerByDefault(t *testing.T) {
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", AppID: "a", AppSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.log.GetLevel() != zerolog.Disabled && c.log.Debug().Enabled() {
		t.Error("the zero Config logs; want nothing")
	}
}
