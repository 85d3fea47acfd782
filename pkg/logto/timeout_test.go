package logto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// notices collects the retry notices of a client.
type notices struct {
	mu   sync.Mutex
	list []Retry
}

func (n *notices) add(r Retry) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, r)
}

func (n *notices) get() []Retry {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Retry(nil), n.list...)
}

// hang answers nothing until the client gives up on the request or the
// test ends.
func hang(done <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a closed connection only once the body is read
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

// stopOnCleanup returns a channel closed when the test ends, so that hanging
// handlers return before the server closes (call it after setup: cleanups
// run last first).
func stopOnCleanup(t *testing.T) <-chan struct{} {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return done
}

func TestRetryNoticeOnServerError(t *testing.T) {
	var n notices
	f := setup(t, func(c *Config) { c.OnRetry = n.add })
	failFirst(f, "/api/organizations", 2, 503, nil)
	if err := f.client.Do(context.Background(), http.MethodGet, "/api/organizations?page=1", nil, nil); err != nil {
		t.Fatal(err)
	}
	got := n.get()
	if len(got) != 2 {
		t.Fatalf("%d notices, want 2: %v", len(got), got)
	}
	for i, r := range got {
		if r.Method != "GET" || r.Path != "/api/organizations" || r.Attempt != i+2 || r.MaxAttempts != 6 || r.Status != 503 {
			t.Errorf("notice %d = %+v", i, r)
		}
		if s := r.String(); !strings.HasPrefix(s, "Logto answered 503 Service Unavailable to GET /api/organizations: retrying in ") ||
			!strings.HasSuffix(s, fmt.Sprintf("(attempt %d of 6)", i+2)) {
			t.Errorf("notice %d reads %q", i, s)
		}
	}
	if strings.Contains(f.logs.String(), `"level":"warn"`) {
		t.Errorf("with OnRetry set, retries are not logged as well:\n%s", f.logs.String())
	}
}

func TestRetryLoggedWithoutHook(t *testing.T) {
	f := setup(t)
	failFirst(f, "/api/x", 1, 502, nil)
	if err := f.client.Do(context.Background(), http.MethodGet, "/api/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `"level":"warn"`) || !strings.Contains(logs, "Logto answered 502 Bad Gateway to GET /api/x: retrying in") {
		t.Errorf("no warn line for the retry:\n%s", logs)
	}
}

// TestResponseTimeout: an endpoint that accepts the connection and never
// answers fails each attempt after ResponseTimeout; the client retries
// (saying so) and then reports the request.
func TestResponseTimeout(t *testing.T) {
	var n notices
	f := setup(t, func(c *Config) {
		c.ResponseTimeout = 20 * time.Millisecond
		c.MaxRetries = 2
		c.OnRetry = n.add
	})
	f.handle("/api/organizations", hang(stopOnCleanup(t)))
	_, err := f.client.ListOrganizations(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	if !strings.Contains(err.Error(), "GET /api/organizations") || !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Errorf("error %q should name the request and the attempts", err)
	}
	got := n.get()
	if len(got) != 2 {
		t.Fatalf("%d notices, want 2: %v", len(got), got)
	}
	if s := got[0].String(); !strings.HasPrefix(s, "Logto did not answer GET /api/organizations in time: retrying in ") || !strings.HasSuffix(s, "(attempt 2 of 3)") {
		t.Errorf("notice reads %q", s)
	}
}

// TestTokenRequestBounded: a token endpoint that never answers is retried
// at most tokenMaxRetries times, whatever MaxRetries says.
func TestTokenRequestBounded(t *testing.T) {
	var n notices
	f := setup(t, func(c *Config) {
		c.ResponseTimeout = 20 * time.Millisecond
		c.MaxRetries = 10
		c.OnRetry = n.add
	})
	done := stopOnCleanup(t)
	f.mux = http.NewServeMux()
	f.mux.HandleFunc("/oidc/token", hang(done))
	f.server.Config.Handler = f.mux
	err := f.client.Do(context.Background(), http.MethodGet, "/api/x", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "authentication failed: POST /oidc/token") {
		t.Fatalf("err = %v, want the token request's failure", err)
	}
	got := n.get()
	if len(got) != tokenMaxRetries {
		t.Fatalf("%d retries of the token request, want %d: %v", len(got), tokenMaxRetries, got)
	}
	for _, r := range got {
		if r.Path != "/oidc/token" || r.MaxAttempts != tokenMaxRetries+1 {
			t.Errorf("notice %+v", r)
		}
	}
}

// TestContextCauseInErrors: when the caller's context ends, the error says
// why, in the caller's words, wherever the call was waiting.
func TestContextCauseInErrors(t *testing.T) {
	cause := errors.New("the deadline passed")
	t.Run("waiting for an answer", func(t *testing.T) {
		f := setup(t)
		done := stopOnCleanup(t)
		f.handle("/api/x", hang(done))
		ctx, cancel := context.WithCancelCause(context.Background())
		f.handle("/api/ready", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
		if err := f.client.Do(ctx, http.MethodGet, "/api/ready", nil, nil); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { errc <- f.client.Do(ctx, http.MethodGet, "/api/x", nil, nil) }()
		waitFor(t, func() bool { return f.client.Requests() >= 3 }) // token, ready, x
		cancel(cause)
		err := <-errc
		if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "GET /api/x: the deadline passed") {
			t.Errorf("err = %v, want the cause", err)
		}
	})
	t.Run("waiting for a token", func(t *testing.T) {
		f := setup(t)
		done := stopOnCleanup(t)
		f.mux = http.NewServeMux()
		f.mux.HandleFunc("/oidc/token", hang(done))
		f.server.Config.Handler = f.mux
		ctx, cancel := context.WithCancelCause(context.Background())
		errc := make(chan error, 2)
		for range 2 { // a leader fetching the token and a follower waiting for it
			go func() { errc <- f.client.Do(ctx, http.MethodGet, "/api/x", nil, nil) }()
		}
		waitFor(t, func() bool { return f.client.Requests() >= 1 })
		cancel(cause)
		for range 2 {
			if err := <-errc; !errors.Is(err, cause) || strings.Contains(err.Error(), "check LOGTO_ENDPOINT") {
				t.Errorf("err = %v, want the cause and no hint about the endpoint", err)
			}
		}
	})
}

// waitFor polls cond until it holds (the test's own timeout bounds it).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

func TestRetryString(t *testing.T) {
	dial := &url.Error{Op: "Get", URL: "http://127.0.0.1:9/api/z", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}
	for _, tc := range []struct {
		r    Retry
		want string
	}{
		{Retry{Method: "GET", Path: "/api/x", Attempt: 2, MaxAttempts: 6, Wait: 1500 * time.Millisecond, Status: 429},
			"Logto is rate limiting (429) GET /api/x: retrying in 1.5s (attempt 2 of 6)"},
		{Retry{Method: "PUT", Path: "/api/y", Attempt: 3, MaxAttempts: 6, Wait: 1234567 * time.Microsecond, Status: 500},
			"Logto answered 500 Internal Server Error to PUT /api/y: retrying in 1.2s (attempt 3 of 6)"},
		{Retry{Method: "GET", Path: "/api/z", Attempt: 2, MaxAttempts: 3, Wait: 300 * time.Millisecond, Err: errors.New("EOF")},
			"Logto did not answer GET /api/z (EOF): retrying in 300ms (attempt 2 of 3)"},
		{Retry{Method: "GET", Path: "/api/z", Attempt: 2, MaxAttempts: 6, Wait: 700 * time.Millisecond, Err: dial},
			"Could not connect to Logto for GET /api/z (dial tcp: connect: connection refused): retrying in 700ms (attempt 2 of 6)"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
