package logto_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// recorder remembers every request the client sends.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) api() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*http.Request
	for _, q := range r.reqs {
		if strings.HasPrefix(q.URL.Path, "/api/") {
			out = append(out, q)
		}
	}
	return out
}

func newProbeClient(t *testing.T, srv *emulatortest.Server) (*logto.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret,
		HTTPClient: &http.Client{Transport: rec}, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	check(t, err)
	return c, rec
}

// TestSupports probes every feature against the emulator modelling each
// release around the features' introductions, with and without an
// organization to look at, and checks that only GET requests were sent.
func TestSupports(t *testing.T) {
	versions := []string{"1.13.0", "1.14.0", "1.15.0", "1.17.0", "1.18.0", "1.19.0", "1.31.0", "1.32.0",
		"1.37.1", "1.40.1", "1.41.0", emulator.NewestVersion}
	ctx := context.Background()
	for _, v := range versions {
		for _, withOrg := range []bool{false, true} {
			srv := emulatortest.Start(t, emulator.Options{Version: v})
			if withOrg {
				seed, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
				check(t, err)
				_, err = seed.CreateOrganization(ctx, logto.CreateOrganization{Name: "acme"})
				check(t, err)
			}
			c, rec := newProbeClient(t, srv)
			for _, f := range logto.Features {
				got, err := c.Supports(ctx, f)
				if err != nil {
					t.Fatalf("%s (organization %v): %s: %v", v, withOrg, f.Name, err)
				}
				want := !versionLess(v, f.Since)
				if got != want {
					t.Errorf("%s (organization %v): Supports(%s) = %v, want %v (since %s)", v, withOrg, f.Name, got, want, f.Since)
				}
			}
			for _, req := range rec.api() {
				if req.Method != http.MethodGet {
					t.Errorf("%s: a probe sent %s %s", v, req.Method, req.URL.Path)
				}
				if req.URL.Path == "/api/my-account/mfa-settings" && req.Header.Get("Authorization") != "" {
					t.Errorf("%s: the account API probe carried the Management API token", v)
				}
			}
			before := len(rec.api())
			for _, f := range logto.Features {
				if _, err := c.Supports(ctx, f); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(rec.api()) - before; n != 0 {
				t.Errorf("%s: asking again sent %d requests, want the kept answers", v, n)
			}
		}
	}
}

func TestSupportsDoesNotGuess(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{})
	c, _ := newProbeClient(t, srv)
	ctx := context.Background()
	for range 6 { // the first attempt and five retries
		srv.E.FailNext("GET", "/api/organizations/"+logto.ProbeID+"/jit/sso-connectors", 503, "")
	}
	if _, err := c.Supports(ctx, logto.FeatureJITSSOConnectors); err == nil || logto.StatusOf(err) != 503 ||
		!strings.Contains(err.Error(), "Logto 1.18.0+") {
		t.Errorf("a failing probe = %v, want the 503", err)
	}
	// An error is not kept: the next call probes again.
	if ok, err := c.Supports(ctx, logto.FeatureJITSSOConnectors); err != nil || !ok {
		t.Errorf("after the failures: %v, %v", ok, err)
	}
	srv.E.FailNext("GET", "/api/applications/"+logto.ProbeID+"/organizations", 403, "auth.forbidden")
	if _, err := c.Supports(ctx, logto.FeatureApplicationOrganizations); logto.StatusOf(err) != 403 {
		t.Errorf("a refused probe = %v, want the 403", err)
	}
}

// versionLess compares two major.minor.patch versions.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range 3 {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}
