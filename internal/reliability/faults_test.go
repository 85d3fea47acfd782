package reliability

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/scaletest"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	tenantseed "github.com/orgsync/orgsync/pkg/seed"
	"github.com/orgsync/orgsync/pkg/state"
)

// faultRate is the share of Management API requests the emulator fails in
// the fault scenarios: 500, 503, 429 or a dropped connection, before or
// after the change is applied.
const faultRate = 0.10

// faultScenario applies cfg to a freshly seeded tenant that fails faultRate
// of its requests: up to faultyAttempts applies with faults on, then up to
// two with faults off. After every attempt the Result must be an exact
// account of the tenant, no declared organization may exist twice and no
// declared member role the tenant held may be gone; at the end the tenant
// must have converged (checkConverged).
func faultScenario(t *testing.T, cfg *state.Config, seedTenant func(context.Context, *logto.Client, *state.Config) error, seed int64, faultyAttempts int) (attempts int) {
	t.Helper()
	ctx := context.Background()
	tn := newTenant(t, emulator.Options{FaultRate: faultRate, Seed: seed}, nil)
	c := tn.client(nil)
	if err := seedTenant(ctx, c, cfg); err != nil {
		t.Fatalf("seed: %v", err)
	}
	held := map[string]bool{}
	before := inspect(ctx, t, c, cfg, nil)
	converged := false
	for attempt := 1; attempt <= faultyAttempts+2 && !converged; attempt++ {
		faulty := attempt <= faultyAttempts
		if faulty {
			tn.faultsOn()
		}
		p, res, execErr := applyConfig(ctx, c, cfg, scaletest.RunOptions{})
		if res == nil {
			var refused *diff.RefusedError
			if errors.As(execErr, &refused) || !faulty {
				t.Fatalf("attempt %d: lock or plan: %v", attempt, execErr)
			}
			tn.faultsOff()
			continue // a failed read (or lock) plans nothing
		}
		if testing.Verbose() {
			for _, f := range res.Failed {
				t.Logf("attempt %d: failed: %v", attempt, f)
			}
			t.Logf("attempt %d: %d done, %d failed, %d not started, err %v", attempt, len(res.Done), len(res.Failed), len(res.NotStarted), execErr)
		}
		tn.faultsOff()
		after := inspect(ctx, t, c, cfg, before)
		checkResult(ctx, t, c, p, res, execErr, before, after)
		if dup := after.duplicateOrgs(cfg); len(dup) > 0 {
			t.Fatalf("attempt %d: organizations exist twice: %v", attempt, dup)
		}
		now := after.heldRoles(cfg)
		var lost []string
		for k := range held {
			if !now[k] {
				lost = append(lost, k)
			}
		}
		if len(lost) > 0 {
			sort.Strings(lost)
			t.Fatalf("attempt %d: declared member roles the tenant held are gone: %v", attempt, lost)
		}
		held, before = now, after
		converged = execErr == nil && !p.HasChanges()
		attempts = attempt
	}
	if !converged {
		t.Fatalf("no convergence after %d applies with faults and 2 without", faultyAttempts)
	}
	checkConverged(ctx, t, c, cfg)
	return attempts
}

// TestFaultsSaaS applies examples/saas under 10% injected faults over many
// seeds: every attempt completes or fails with an exact account, re-running
// converges, and the end state has no duplicates, no lost roles and a
// truthful ownership record.
func TestFaultsSaaS(t *testing.T) {
	t.Parallel()
	cfg := loadDir(t, filepath.Join("..", "..", "examples", "saas"))
	seeds := 20
	if testing.Short() {
		seeds = 5
	}
	for i := range seeds {
		seed := int64(1000 + i)
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			n := faultScenario(t, cfg, seedConfig, seed, 6)
			t.Logf("converged after %d applies", n)
		})
	}
}

// TestFaultsW1Slice applies the first 200 organizations of workload W1
// (4,000 memberships; 100 under the race detector) under 10% injected
// faults, with the same guarantees.
func TestFaultsW1Slice(t *testing.T) {
	t.Parallel()
	orgs, seeds := 200, 3
	switch {
	case testing.Short():
		orgs, seeds = 50, 1
	case raceEnabled:
		// The race detector makes each apply about ten times slower; the
		// faults and guarantees are the same at half the size.
		orgs, seeds = 100, 2
	}
	cfg := scaletest.W1Slice(orgs)
	for i := range seeds {
		seed := int64(2000 + i)
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			n := faultScenario(t, cfg, tenantseed.Referenced, seed, 8)
			t.Logf("%d organizations converged after %d applies in %s", orgs, n, time.Since(start).Round(time.Millisecond))
		})
	}
}
