package apply

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/orgsync/orgsync/pkg/state"
)

// TestRunReadsTheRecordOnce: one apply reads the ownership record once and
// writes it twice (the announcement of its creates, then the result), and
// takes and releases the lock with one request each.
func TestRunReadsTheRecordOnce(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	tt.cleanupCreated()
	var mu sync.Mutex
	count := map[string]int{}
	c := tt.client(withHook(func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
		p := req.URL.Path
		key := ""
		switch {
		case p == "/api/applications/"+tt.cfg.AppID:
			key = req.Method + " application"
		case strings.HasSuffix(p, "/custom-data"):
			key = req.Method + " custom-data"
		case p == "/api/resources":
			key = req.Method + " resources"
		case strings.HasPrefix(p, "/api/resources/"):
			key = req.Method + " resource"
		}
		mu.Lock()
		count[key]++
		mu.Unlock()
		return nil, nil, false
	}))
	cfg := &state.Config{
		Settings:    state.Settings{MissingUsers: state.MissingUsersError},
		Permissions: []state.Permission{{Name: tt.name("read:x")}},
		Roles:       []state.Role{{Name: tt.name("viewer"), Type: state.RoleTypeUser, Permissions: []string{tt.name("read:x")}}},
		Organizations: []state.Organization{{Address: "organization.acme", Key: "acme", Name: tt.name("Acme")},
			{Address: "organization.globex", Key: "globex", Name: tt.name("Globex")}},
	}
	ctx := context.Background()
	lock, err := AcquireLock(ctx, c, LockOptions{Info: LockInfo{Operation: "apply", Who: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	live, p, err := Plan(ctx, c, cfg, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Execute(ctx, c, p, live, ExecOptions{Lock: lock})
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if len(res.Done) != 4 {
		t.Fatalf("%d operations done, want 4", len(res.Done))
	}
	want := map[string]int{"GET application": 1, "PATCH custom-data": 2, "POST resources": 1, "DELETE resource": 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d requests, want %d (all: %v)", k, count[k], n, count)
		}
	}
}
