package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/scaletest"
	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/state"
)

// orgsConfig declares an organization named name for each of names.
func orgsConfig(names ...string) *state.Config {
	cfg := &state.Config{Settings: state.Settings{MissingUsers: state.MissingUsersError}}
	for _, key := range names {
		cfg.Organizations = append(cfg.Organizations, state.Organization{
			Address: "organization." + key, Key: key, Name: key, Pos: "main.hcl:1:1",
		})
	}
	return cfg
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

// tenantWrites counts the writes one client sends to the tenant's objects
// (everything but the apply lock and the ownership record).
type tenantWrites struct{ n atomic.Int64 }

func (w *tenantWrites) RoundTrip(req *http.Request) (*http.Response, error) {
	p := req.URL.Path
	if req.Method != http.MethodGet && strings.HasPrefix(p, "/api/") &&
		!strings.HasPrefix(p, "/api/resources") && !strings.HasSuffix(p, "/custom-data") {
		w.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// lockTrouble delays every request of the apply lock, and answers the first
// lock create of each apply with a 429, before the lock is made (odd runs) or
// after it (even runs), as a proxy in front of Logto may.
func lockTrouble(run int, rng *rand.Rand, mu *sync.Mutex) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		creates := 0
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/api/resources") {
				next.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			delay := time.Duration(rng.IntN(20)) * time.Millisecond
			creates += map[bool]int{true: 1}[r.Method == http.MethodPost]
			throttle := r.Method == http.MethodPost && creates <= 2
			mu.Unlock()
			time.Sleep(delay)
			if !throttle {
				next.ServeHTTP(w, r)
				return
			}
			if run%2 == 0 {
				next.ServeHTTP(discard{w.Header()}, r) // made, answer lost
			}
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, "Too Many Requests")
		})
	}
}

// discard is a ResponseWriter that drops the answer.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h.Clone() }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// TestConcurrentOverlappingApplies starts two applies of overlapping
// configurations together against one tenant, with latency and 429s on the
// lock's requests, many times. Never is an object created twice, and an
// apply that loses the lock sends no write; whatever the order, the tenant
// converges.
func TestConcurrentOverlappingApplies(t *testing.T) {
	t.Parallel()
	runs := 20
	if testing.Short() {
		runs = 6
	}
	for run := range runs {
		t.Run(fmt.Sprint("run", run), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var mu sync.Mutex
			rng := rand.New(rand.NewPCG(uint64(run), 13))
			tn := newTenant(t, emulator.Options{Seed: int64(3000 + run), Latency: time.Duration(1+run%4) * time.Millisecond},
				lockTrouble(run, rng, &mu))
			shared := names("shared", 4+run%3)
			cfgs := []*state.Config{
				orgsConfig(append(names("a", 3+run%5), shared...)...),
				orgsConfig(append(names("b", 4+run%3), shared...)...),
			}
			errs := make([]error, len(cfgs))
			results := make([]*apply.Result, len(cfgs))
			writes := make([]*tenantWrites, len(cfgs))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, cfg := range cfgs {
				writes[i] = &tenantWrites{}
				c := tn.client(func(lc *logto.Config) { lc.HTTPClient = &http.Client{Transport: writes[i]} })
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, results[i], errs[i] = applyConfig(ctx, c, cfg, scaletest.RunOptions{Exec: apply.ExecOptions{Parallelism: 1 + run%3}})
				}()
			}
			close(start)
			wg.Wait()
			applied := 0
			for i := range cfgs {
				var locked *apply.LockedError
				switch {
				case errs[i] == nil:
					applied++
				case errors.As(errs[i], &locked):
					if n := writes[i].n.Load(); n != 0 || results[i] != nil {
						t.Errorf("apply %d lost the lock but sent %d writes", i, n)
					}
					if !strings.Contains(errs[i].Error(), "Nothing was changed") {
						t.Errorf("apply %d: the refusal does not say that nothing was changed: %v", i, errs[i])
					}
				default:
					t.Errorf("apply %d failed, but not on the lock: %v", i, errs[i])
				}
			}
			if applied == 0 {
				t.Fatalf("neither apply got the lock: %v", errs)
			}
			c := tn.client(nil)
			union := orgsConfig(append(append(names("a", 3+run%5), names("b", 4+run%3)...), shared...)...)
			s := inspect(ctx, t, c, union, nil)
			for name, ids := range s.orgByName {
				if len(ids) > 1 {
					t.Errorf("organization %q exists %d times", name, len(ids))
				}
			}
			// Whatever happened, the tenant converges to the union.
			if _, _, err := applyConfig(ctx, c, union, scaletest.RunOptions{}); err != nil {
				t.Fatalf("apply after the race: %v", err)
			}
			checkConverged(ctx, t, c, union)
		})
	}
}
