package reliability

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/state"
)

// orgsConfig declares n organizations named prefix-0 ... prefix-(n-1).
// appCustomData returns the custom data of the application c signs in as.
func appCustomData(ctx context.Context, t testing.TB, c *logto.Client) map[string]any {
	t.Helper()
	app, err := c.GetApplication(ctx, c.AppID())
	if err != nil {
		t.Fatal(err)
	}
	return app.CustomData
}

func orgsConfig(prefix string, n int) *state.Config {
	cfg := &state.Config{Settings: state.Settings{MissingUsers: state.MissingUsersError}}
	for i := range n {
		key := fmt.Sprintf("%s%03d", prefix, i)
		cfg.Organizations = append(cfg.Organizations, state.Organization{
			Address: "organization." + key, Key: key, Name: key, Pos: "main.hcl:1:1",
		})
	}
	return cfg
}

// TestConcurrentApplies runs two applies of different configurations
// against one tenant at the same time, over many seeds, with latency. The
// guarantee: the ownership record stays readable (never torn), and every
// apply that reports success has every organization it declares in the
// record; an apply that loses the race fails with an error that says so.
func TestConcurrentApplies(t *testing.T) {
	t.Parallel()
	runs := 12
	if testing.Short() {
		runs = 4
	}
	for run := range runs {
		t.Run(fmt.Sprint("run", run), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tn := newTenant(t, emulator.Options{Seed: int64(3000 + run), Latency: time.Duration(1+run%4) * time.Millisecond}, nil)
			cfgs := []*state.Config{orgsConfig("a", 3+run%5), orgsConfig("b", 4+run%3)}
			errs := make([]error, len(cfgs))
			var wg sync.WaitGroup
			for i, cfg := range cfgs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := tn.client(nil)
					p, live, err := planFor(ctx, c, cfg, diff.Options{})
					if err != nil {
						errs[i] = err
						return
					}
					_, errs[i] = apply.Execute(ctx, c, p, live, apply.ExecOptions{Parallelism: 1 + run%3})
				}()
			}
			wg.Wait()
			c := tn.client(nil)
			rec, err := apply.ReadRecord(ctx, c)
			if err != nil {
				t.Fatalf("the ownership record is unreadable after two concurrent applies: %v (errors: %v)", err, errs)
			}
			orgs, err := c.ListOrganizations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]string{}
			for _, o := range orgs {
				ids[o.Name] = o.ID
			}
			for i, cfg := range cfgs {
				if errs[i] != nil {
					if !apply.IsLocked(errs[i]) && !apply.IsConflict(errs[i]) {
						t.Errorf("apply %d failed, but not clearly on the concurrent apply: %v", i, errs[i])
					}
					continue
				}
				for _, o := range cfg.Organizations {
					if !slices.Contains(rec.Organizations, ids[o.Name]) {
						t.Errorf("apply %d succeeded but organization %q (%s) is not in the record (other apply: %v)", i, o.Name, ids[o.Name], errs[1-i])
					}
				}
			}
			// Whatever happened, the tenant converges to the union of both
			// (one tenant has one record: the configurations share it).
			union := &state.Config{Settings: cfgs[0].Settings}
			for _, cfg := range cfgs {
				union.Organizations = append(union.Organizations, cfg.Organizations...)
			}
			p, live, err := planFor(ctx, c, union, diff.Options{})
			if err != nil {
				t.Fatalf("plan after the race: %v", err)
			}
			if _, err := apply.Execute(ctx, c, p, live, apply.ExecOptions{}); err != nil {
				t.Fatalf("apply after the race: %v", err)
			}
			checkConverged(ctx, t, c, union)
			if v, ok := appCustomData(ctx, t, c)[apply.LockKey]; ok && v != nil {
				t.Errorf("the apply lock is still there after every apply ended: %v", v)
			}
		})
	}
}
