package scale

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// SeedParallelism bounds the concurrent requests of Seed.
const SeedParallelism = 16

// Seed creates in an empty tenant what cfg refers to but orgsync does not
// manage: a user for every member email, username or id-less reference (the
// user's primary email is the member's email; usernames get a username), a
// MachineToMachine application for every application referred to by name,
// and every API resource named in a role's API permissions with the scopes
// the roles grant. It does not create permissions, roles or organizations:
// that is what an apply of cfg does. Members referred to by id cannot be
// created (Logto chooses ids) and make Seed fail.
//
// Requests run at most SeedParallelism at a time; the first failure stops
// Seed and is returned.
func Seed(ctx context.Context, c *logto.Client, cfg *state.Config) error {
	emails, usernames := map[string]bool{}, map[string]bool{}
	apps := map[string]bool{}
	for _, o := range cfg.Organizations {
		for _, m := range o.Members {
			switch m.Kind {
			case state.RefEmail:
				emails[m.Value] = true
			case state.RefUsername:
				usernames[m.Value] = true
			default:
				return fmt.Errorf("seed: member %s refers to a user by %s; only emails and usernames can be created", m.Address(o.Address), m.Kind)
			}
		}
		for _, a := range o.Applications {
			if a.Kind != state.RefName {
				return fmt.Errorf("seed: application %s refers to an application by %s; only names can be created", a.Address(o.Address), a.Kind)
			}
			apps[a.Value] = true
		}
	}
	resources := map[string]map[string]bool{}
	for _, r := range cfg.Roles {
		for ind, scopes := range r.APIPermissions {
			if resources[ind] == nil {
				resources[ind] = map[string]bool{}
			}
			for _, s := range scopes {
				resources[ind][s] = true
			}
		}
	}

	w := newWorkers(ctx, SeedParallelism)
	for _, e := range sortedKeys(emails) {
		w.do(func(ctx context.Context) error {
			if _, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: e}); err != nil {
				return fmt.Errorf("seed: create user %s: %w", e, err)
			}
			return nil
		})
	}
	for _, u := range sortedKeys(usernames) {
		w.do(func(ctx context.Context) error {
			if _, err := c.CreateUser(ctx, logto.CreateUser{Username: u}); err != nil {
				return fmt.Errorf("seed: create user %s: %w", u, err)
			}
			return nil
		})
	}
	for _, a := range sortedKeys(apps) {
		w.do(func(ctx context.Context) error {
			if _, err := c.CreateApplication(ctx, a, state.RoleTypeM2M); err != nil {
				return fmt.Errorf("seed: create application %s: %w", a, err)
			}
			return nil
		})
	}
	for _, ind := range sortedKeys(resources) {
		scopes := sortedKeys(resources[ind])
		w.do(func(ctx context.Context) error {
			res, err := c.CreateResource(ctx, ind, ind)
			if err != nil {
				return fmt.Errorf("seed: create API resource %s: %w", ind, err)
			}
			for _, s := range scopes {
				if _, err := c.CreateResourceScope(ctx, res.ID, s, nil); err != nil {
					return fmt.Errorf("seed: create scope %s of API resource %s: %w", s, ind, err)
				}
			}
			return nil
		})
	}
	return w.wait()
}

// workers runs functions with bounded concurrency; the first error cancels
// the others and is kept.
type workers struct {
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newWorkers(ctx context.Context, n int) *workers {
	ctx, cancel := context.WithCancel(ctx)
	return &workers{ctx: ctx, cancel: cancel, sem: make(chan struct{}, max(n, 1))}
}

func (w *workers) do(fn func(context.Context) error) {
	select {
	case w.sem <- struct{}{}:
	case <-w.ctx.Done():
		w.fail(w.ctx.Err())
		return
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() { <-w.sem }()
		if err := fn(w.ctx); err != nil {
			w.fail(err)
		}
	}()
}

func (w *workers) fail(err error) {
	w.once.Do(func() {
		w.err = err
		w.cancel()
	})
}

func (w *workers) wait() error {
	w.wg.Wait()
	w.cancel()
	return w.err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
