package apply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/internal/logtotest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// testTenant is the Logto the end-to-end tests talk to: the in-memory
// emulator, or a real Logto when ORGSYNC_TEST_LOGTO_ENDPOINT,
// ORGSYNC_TEST_LOGTO_APP_ID and ORGSYNC_TEST_LOGTO_APP_SECRET are set.
// Objects the tests create carry a unique prefix and are deleted when the
// test ends (against a real Logto; the emulator simply goes away).
type testTenant struct {
	t      *testing.T
	C      *logto.Client
	Emu    *emulator.Emulator // nil against a real Logto
	cfg    logto.Config
	prefix string
	held   *Lock // the apply lock the test took (lock)
}

func newTestTenant(t *testing.T) *testTenant {
	t.Helper()
	tt := &testTenant{t: t, prefix: "orgsync-test-" + randomHex(4) + "-"}
	if ep := os.Getenv("ORGSYNC_TEST_LOGTO_ENDPOINT"); ep != "" {
		tt.cfg = logto.Config{
			Endpoint:     ep,
			AppID:        os.Getenv("ORGSYNC_TEST_LOGTO_APP_ID"),
			AppSecret:    os.Getenv("ORGSYNC_TEST_LOGTO_APP_SECRET"),
			InsecureHTTP: strings.HasPrefix(ep, "http://"),
		}
	} else {
		s := emulatortest.Start(t, emulator.Options{})
		tt.Emu = s.E
		tt.cfg = logto.Config{Endpoint: s.URL, AppID: s.AppID, AppSecret: s.AppSecret}
	}
	tt.cfg.RetryWaitMin, tt.cfg.RetryWaitMax = 5*time.Millisecond, 20*time.Millisecond
	tt.C = tt.client(nil)
	return tt
}

// real reports whether the tests run against a real Logto.
func (tt *testTenant) real() bool { return tt.Emu == nil }

// emulatorOnly skips tests that need fault injection or exact request counts.
func (tt *testTenant) emulatorOnly() {
	tt.t.Helper()
	if tt.real() {
		tt.t.Skip("needs the emulator (fault injection or exact request counts)")
	}
}

// client returns a new client for the tenant; mutate may adjust its config
// (an HTTPClient with a fault-injecting transport, say).
func (tt *testTenant) client(mutate func(*logto.Config)) *logto.Client {
	tt.t.Helper()
	cfg := tt.cfg
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := logto.New(cfg)
	if err != nil {
		tt.t.Fatal(err)
	}
	return c
}

// name returns a unique object name.
func (tt *testTenant) name(s string) string { return tt.prefix + s }

func (tt *testTenant) cleanup(fn func(ctx context.Context) error) {
	if !tt.real() {
		return
	}
	tt.t.Cleanup(func() {
		if err := fn(context.Background()); err != nil && !logto.IsNotFound(err) {
			tt.t.Logf("cleanup: %v", err)
		}
	})
}

func (tt *testTenant) scope(name string) *logto.OrganizationScope {
	tt.t.Helper()
	s, err := tt.C.CreateOrganizationScope(context.Background(), name, nil)
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.cleanup(func(ctx context.Context) error { return tt.C.DeleteOrganizationScope(ctx, s.ID) })
	return s
}

func (tt *testTenant) role(in logto.CreateOrganizationRole) *logto.OrganizationRole {
	tt.t.Helper()
	r, err := tt.C.CreateOrganizationRole(context.Background(), in)
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.cleanup(func(ctx context.Context) error { return tt.C.DeleteOrganizationRole(ctx, r.ID) })
	return r
}

func (tt *testTenant) org(name string) *logto.Organization {
	tt.t.Helper()
	o, err := tt.C.CreateOrganization(context.Background(), logto.CreateOrganization{Name: name})
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.cleanupOrg(o.ID)
	return o
}

func (tt *testTenant) cleanupOrg(id string) {
	tt.cleanup(func(ctx context.Context) error { return tt.C.DeleteOrganization(ctx, id) })
}

// cleanupCreated deletes, at the end of the test, the objects with the test
// prefix that an Execute created.
func (tt *testTenant) cleanupCreated() {
	tt.cleanup(func(ctx context.Context) error {
		orgs, err := tt.C.ListOrganizations(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if strings.HasPrefix(o.Name, tt.prefix) {
				tt.C.DeleteOrganization(ctx, o.ID)
			}
		}
		roles, err := tt.C.ListOrganizationRoles(ctx)
		if err != nil {
			return err
		}
		for _, r := range roles {
			if strings.HasPrefix(r.Name, tt.prefix) {
				tt.C.DeleteOrganizationRole(ctx, r.ID)
			}
		}
		scopes, err := tt.C.ListOrganizationScopes(ctx)
		if err != nil {
			return err
		}
		for _, s := range scopes {
			if strings.HasPrefix(s.Name, tt.prefix) {
				tt.C.DeleteOrganizationScope(ctx, s.ID)
			}
		}
		return nil
	})
}

func (tt *testTenant) user(username string) *logto.User {
	tt.t.Helper()
	u, err := tt.C.CreateUser(context.Background(), logto.CreateUser{
		Username: strings.ReplaceAll(username, "-", "_"), PrimaryEmail: strings.ToLower(strings.ReplaceAll(username, "-", "_")) + "@example.com",
	})
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.cleanup(func(ctx context.Context) error { return logtotest.DeleteUser(ctx, tt.C, u.ID) })
	return u
}

func (tt *testTenant) app(name string) *logto.Application {
	tt.t.Helper()
	a, err := tt.C.CreateApplication(context.Background(), name, "MachineToMachine")
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.cleanup(func(ctx context.Context) error {
		return tt.C.Do(ctx, http.MethodDelete, "/api/applications/"+a.ID, nil, nil)
	})
	return a
}

// protectRecord restores the ownership-record keys of the application's
// custom data when the test ends (tests write records; a real tenant's
// record must survive them). On the emulator it also starts from none.
func (tt *testTenant) protectRecord() {
	tt.t.Helper()
	if !tt.real() {
		return
	}
	app, err := tt.C.GetApplication(context.Background(), tt.C.AppID())
	if err != nil {
		tt.t.Fatal(err)
	}
	before := app.CustomData
	tt.t.Cleanup(func() {
		ctx := context.Background()
		now, err := tt.C.GetApplication(ctx, tt.C.AppID())
		if err != nil {
			tt.t.Logf("restore record: %v", err)
			return
		}
		patch := map[string]any{}
		for k := range now.CustomData {
			if strings.HasPrefix(k, RecordKey) {
				patch[k] = before[k]
			}
		}
		if len(patch) > 0 {
			if err := tt.C.PatchApplicationCustomData(ctx, tt.C.AppID(), patch); err != nil {
				tt.t.Logf("restore record: %v", err)
			}
		}
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// hookTransport lets a test see or alter requests to /api.
type hookTransport struct {
	base http.RoundTripper
	// hook runs instead of base when it returns handled.
	hook func(req *http.Request, next http.RoundTripper) (resp *http.Response, err error, handled bool)
}

func (h *hookTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if h.hook != nil {
		if resp, err, ok := h.hook(req, h.base); ok {
			return resp, err
		}
	}
	return h.base.RoundTrip(req)
}

func withHook(hook func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool)) func(*logto.Config) {
	return func(cfg *logto.Config) {
		cfg.HTTPClient = &http.Client{Transport: &hookTransport{base: http.DefaultTransport, hook: hook}}
	}
}

// inflight measures the largest number of concurrent /api requests.
type inflight struct {
	mu       sync.Mutex
	cur, max int
}

func (f *inflight) enter() {
	f.mu.Lock()
	f.cur++
	f.max = max(f.max, f.cur)
	f.mu.Unlock()
}

func (f *inflight) leave() {
	f.mu.Lock()
	f.cur--
	f.mu.Unlock()
}

// scopeNamed returns the live organization scope named name, or nil.
func (tt *testTenant) scopeNamed(name string) *logto.OrganizationScope {
	tt.t.Helper()
	found, err := tt.C.FindOrganizationScopesByName(context.Background(), name)
	if err != nil {
		tt.t.Fatal(err)
	}
	if len(found) == 0 {
		return nil
	}
	return &found[0]
}
