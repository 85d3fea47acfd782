package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
)

func lockOpts(who string) LockOptions {
	return LockOptions{Info: LockInfo{Operation: "apply", Who: who, PID: 1}}
}

// TestLockExactlyOneWins: of many concurrent takers exactly one holds the
// lock, also when Logto answers some losers 500 (its check-then-insert race)
// and the winner's answer is lost; the others are told who holds it.
func TestLockExactlyOneWins(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	tt := newTestTenant(t)
	ctx := context.Background()
	for round := range rounds {
		if !tt.real() {
			var n atomic.Int32
			tt.Emu.SetResourceRace(func(indicator string) bool { return indicator == LockIndicator && n.Add(1)%3 == 0 })
			if round%2 == 0 {
				// The first create's answer is lost after the lock was made.
				tt.Emu.FailNextAfter(http.MethodPost, "/api/resources", http.StatusBadGateway, "")
			}
		}
		const takers = 6
		var wg sync.WaitGroup
		locks := make([]*Lock, takers)
		errs := make([]error, takers)
		for i := range takers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				locks[i], errs[i] = AcquireLock(ctx, tt.client(nil), lockOpts(fmt.Sprintf("taker-%d", i)))
			}()
		}
		wg.Wait()
		var winners []*Lock
		for i, l := range locks {
			if l != nil {
				winners = append(winners, l)
				continue
			}
			var le *LockedError
			if !errors.As(errs[i], &le) || !strings.Contains(errs[i].Error(), "Nothing was changed") {
				t.Fatalf("round %d: taker %d: %v", round, i, errs[i])
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: %d takers hold the lock", round, len(winners))
		}
		cur, err := CurrentLock(ctx, tt.C)
		if err != nil || cur == nil || cur.ID != winners[0].Info().ID {
			t.Fatalf("round %d: the tenant's lock %+v is not the winner's %+v (%v)", round, cur, winners[0].Info(), err)
		}
		if err := winners[0].Check(ctx); err != nil {
			t.Fatalf("round %d: the winner's lock: %v", round, err)
		}
		if err := winners[0].Release(ctx); err != nil {
			t.Fatal(err)
		}
		if cur, _ := CurrentLock(ctx, tt.C); cur != nil {
			t.Fatalf("round %d: lock left after release: %+v", round, cur)
		}
	}
	if !tt.real() {
		tt.Emu.SetResourceRace(nil)
	}
}

// TestLockTwoApplicationsExcludeEachOther: the lock is the tenant's, not
// the signing-in application's.
func TestLockTwoApplicationsExcludeEachOther(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly() // a second application with the Management API role
	id, secret := tt.Emu.AddManagementApp("second pipeline")
	other := tt.client(func(cfg *logto.Config) { cfg.AppID, cfg.AppSecret = id, secret })
	ctx := context.Background()
	l, err := AcquireLock(ctx, tt.C, lockOpts("first"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	_, err = AcquireLock(ctx, other, lockOpts("second"))
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.Who != "first" {
		t.Fatalf("the second application took the lock: %v", err)
	}
}

// TestLockWaitsForTheHolder: -lock-timeout waits, says for whom, and gets
// the lock once the holder releases it.
func TestLockWaitsForTheHolder(t *testing.T) {
	tt := newTestTenant(t)
	ctx := context.Background()
	holder, err := AcquireLock(ctx, tt.C, lockOpts("holder"))
	if err != nil {
		t.Fatal(err)
	}
	defer setPoll(10 * time.Millisecond)()
	waited := make(chan LockInfo, 1)
	got := make(chan error, 1)
	go func() {
		opts := lockOpts("waiter")
		opts.Timeout = time.Minute
		opts.OnWait = func(h LockInfo) { waited <- h }
		l, err := AcquireLock(ctx, tt.client(nil), opts)
		if l != nil {
			defer l.Release(ctx)
		}
		got <- err
	}()
	if h := <-waited; h.Who != "holder" {
		t.Fatalf("waited for %+v", h)
	}
	if err := holder.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the waiter did not get the lock: %v", err)
	}
}

func setPoll(d time.Duration) func() {
	old := pollInterval
	pollInterval = d
	return func() { pollInterval = old }
}

// TestLockExpiredIsTakenOver: a lock whose holder died (no heartbeat) is
// taken over once its lease ran out, by deleting that instance.
func TestLockExpiredIsTakenOver(t *testing.T) {
	tt := newTestTenant(t)
	ctx := context.Background()
	dead := LockInfo{ID: "deadbeef", Operation: "apply", Who: "crashed@runner", Created: time.Now().Add(-time.Hour),
		Expires: time.Now().Add(-time.Minute)}
	r, err := tt.C.CreateResource(ctx, dead.name(), LockIndicator)
	if err != nil {
		t.Fatal(err)
	}
	l, err := AcquireLock(ctx, tt.C, lockOpts("next"))
	if err != nil {
		t.Fatalf("an expired lock was not taken over: %v", err)
	}
	defer l.Release(ctx)
	if info := l.Info(); info.ResourceID == r.ID || info.ID == dead.ID {
		t.Fatalf("took over by reusing the dead instance: %+v", info)
	}
	// A lock that has not expired is not taken over.
	live := LockInfo{ID: "cafe", Operation: "apply", Who: "alive", Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tt.C.CreateResource(ctx, live.name(), LockIndicator); err != nil {
		t.Fatal(err)
	}
	defer ForceUnlock(ctx, tt.C, "cafe")
	var le *LockedError
	if _, err := AcquireLock(ctx, tt.C, lockOpts("impatient")); !errors.As(err, &le) || le.Holder.ID != "cafe" {
		t.Fatalf("a live lock was taken over: %v", err)
	}
}

// TestLockHeartbeatRenews: a holder keeps its lock past its lease.
func TestLockHeartbeatRenews(t *testing.T) {
	tt := newTestTenant(t)
	ctx := context.Background()
	opts := lockOpts("long apply")
	opts.Lease = 1500 * time.Millisecond
	l, err := AcquireLock(ctx, tt.C, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	first := l.Info().Expires
	// Wait until the heartbeat renewed the lease twice (no wall-clock
	// bound: the test waits as long as it takes).
	for !l.Info().Expires.After(first.Add(time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := l.Check(ctx); err != nil {
		t.Fatalf("a renewed lock failed its check: %v", err)
	}
	cur, _ := CurrentLock(ctx, tt.C)
	if cur == nil || !cur.Expires.Equal(l.Info().Expires) {
		t.Fatalf("the tenant's lock %+v does not carry the renewed lease %v", cur, l.Info().Expires)
	}
	var le *LockedError
	if _, err := AcquireLock(ctx, tt.client(nil), lockOpts("other")); !errors.As(err, &le) {
		t.Fatalf("a renewed lock was taken: %v", err)
	}
}

// TestExecuteStopsWhenTheLeaseRunsOut: a holder that cannot renew its lease
// stops before its next stage.
func TestExecuteStopsWhenTheLeaseRunsOut(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	tt.cleanupCreated()
	ctx := context.Background()
	var renewals atomic.Int32
	c := tt.client(withHook(func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
		if req.Method == http.MethodPatch && strings.HasPrefix(req.URL.Path, "/api/resources/") {
			renewals.Add(1)
			return nil, errors.New("connection refused (renewals fail in this test)"), true
		}
		return nil, nil, false
	}))
	opts := lockOpts("unlucky")
	opts.Lease = 600 * time.Millisecond
	lock, err := AcquireLock(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(ctx)
	live := liveRecord(t, c)
	plan := &diff.Plan{Operations: []diff.Operation{createScope(0, tt.name("a")), createScope(1, tt.name("b"))}}
	res, err := Execute(ctx, c, plan, live, ExecOptions{Lock: lock, Notify: func(ev Event) {
		if ev.Done && ev.Op.Stage == 0 {
			// Stage 0 outlasts the lease while no renewal gets through.
			for renewals.Load() < 2 || lock.Check(ctx) == nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}})
	if !errors.Is(err, ErrLockLost) || !strings.Contains(err.Error(), "could not be renewed") {
		t.Fatalf("error: %v", err)
	}
	if len(res.Done) != 1 || len(res.NotStarted) != 1 || tt.scopeNamed(tt.name("b")) != nil {
		t.Fatalf("after the lease ran out: done %v, not started %v", addresses(res.Done), addresses(res.NotStarted))
	}
}

// TestForceUnlock removes a lock by its ID only.
func TestForceUnlock(t *testing.T) {
	tt := newTestTenant(t)
	ctx := context.Background()
	l, err := AcquireLock(ctx, tt.C, lockOpts("stuck"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ForceUnlock(ctx, tt.C, "not-the-id"); err == nil || !strings.Contains(err.Error(), "another ID") {
		t.Fatalf("a wrong ID unlocked: %v", err)
	}
	if cur, err := ForceUnlock(ctx, tt.C, l.Info().ID); err != nil || cur.Who != "stuck" {
		t.Fatalf("force-unlock: %+v, %v", cur, err)
	}
	if err := l.Check(ctx); !errors.Is(err, ErrLockLost) {
		t.Fatalf("the force-unlocked holder still holds it: %v", err)
	}
	next, err := AcquireLock(ctx, tt.C, lockOpts("next"))
	if err != nil {
		t.Fatal(err)
	}
	next.Release(ctx)
	l.Release(ctx) // releasing a lost lock deletes nothing
	if _, err := ForceUnlock(ctx, tt.C, "x"); err == nil || !strings.Contains(err.Error(), "no apply lock") {
		t.Fatalf("force-unlock without a lock: %v", err)
	}
}

// TestExecuteChecksTheLockOncePerStep: an apply of three stages reads the
// lock before the announcement, before the second and the third stage and
// before the final record write; the first stage starts on the
// announcement's check, made just before.
func TestExecuteChecksTheLockOncePerStep(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	var mu sync.Mutex
	var steps []string
	c := tt.client(withHook(func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case req.Method == http.MethodGet && strings.HasPrefix(req.URL.Path, "/api/resources/"):
			steps = append(steps, "check")
		case req.Method == http.MethodPatch && strings.HasSuffix(req.URL.Path, "/custom-data"):
			steps = append(steps, "record")
		case req.Method == http.MethodPost && req.URL.Path == "/api/organization-scopes":
			steps = append(steps, "create")
		}
		return nil, nil, false
	}))
	lock := tt.lock(c)
	plan := &diff.Plan{Operations: []diff.Operation{createScope(0, tt.name("a")), createScope(1, tt.name("b")), createScope(2, tt.name("c"))}}
	if _, err := Execute(context.Background(), c, plan, liveRecord(t, c), ExecOptions{Lock: lock}); err != nil {
		t.Fatal(err)
	}
	want := "check record create check create check create check record"
	if got := strings.Join(steps, " "); got != want {
		t.Errorf("steps:\n got %s\nwant %s", got, want)
	}
}
