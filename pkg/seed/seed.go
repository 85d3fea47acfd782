// Package seed creates, in a tenant, what a configuration refers to but
// orgsync does not manage: users, machine-to-machine applications and API
// resources with their scopes, enterprise SSO connectors (unconfigured). The demo, the benchmarks and the end-to-end
// tests use it to prepare an emulator (or a test tenant) before a plan.
package seed

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// Parallelism bounds the concurrent requests of Referenced.
const Parallelism = 16

// Summary lists what a configuration refers to outside orgsync's objects.
type Summary struct {
	Emails       []string            // members referred to by email, sorted
	Usernames    []string            // members referred to by username, sorted
	Applications []string            // applications referred to by name, sorted
	Resources    map[string][]string // API resource indicator => scope names, sorted
	// SSOConnectors are the enterprise SSO connectors jit blocks name, sorted.
	SSOConnectors []string
}

// Summarize collects what cfg refers to. Members and applications referred
// to by id are left out: Logto chooses ids, so they cannot be created.
func Summarize(cfg *state.Config) Summary {
	emails, usernames, apps := map[string]bool{}, map[string]bool{}, map[string]bool{}
	sso := map[string]bool{}
	for _, o := range cfg.Organizations {
		if o.JIT != nil {
			for _, n := range o.JIT.SSOConnectors {
				sso[n] = true
			}
		}
		for _, m := range o.Members {
			switch m.Kind {
			case state.RefEmail:
				emails[m.Value] = true
			case state.RefUsername:
				usernames[m.Value] = true
			}
		}
		for _, a := range o.Applications {
			if a.Kind == state.RefName {
				apps[a.Value] = true
			}
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
	s := Summary{Emails: keys(emails), Usernames: keys(usernames), Applications: keys(apps),
		Resources: map[string][]string{}}
	if len(sso) > 0 {
		s.SSOConnectors = keys(sso)
	}
	for ind, scopes := range resources {
		s.Resources[ind] = keys(scopes)
	}
	return s
}

// String says what Referenced creates, e.g. "7 users, application ci-bot,
// API resource https://api.example.com with 2 scopes".
func (s Summary) String() string {
	parts := []string{fmt.Sprintf("%d users", len(s.Emails)+len(s.Usernames))}
	for _, a := range s.Applications {
		parts = append(parts, "application "+a)
	}
	for _, ind := range keys(s.Resources) {
		parts = append(parts, fmt.Sprintf("API resource %s with %d scopes", ind, len(s.Resources[ind])))
	}
	for _, n := range s.SSOConnectors {
		parts = append(parts, "SSO connector "+n)
	}
	return strings.Join(parts, ", ")
}

// Referenced creates the users, machine-to-machine applications and API
// resources (with scopes) that cfg refers to and the tenant does not have
// yet, at most Parallelism requests at a time; what exists already is left
// as it is, so running it twice creates nothing the second time. A user made
// for an email gets the email's local part as its name. The first failure
// stops it and is returned.
func Referenced(ctx context.Context, c *logto.Client, cfg *state.Config) error {
	s := Summarize(cfg)
	if len(s.Applications) > 0 {
		// Application names are not unique in Logto: look before creating.
		apps, err := c.ListApplications(ctx, state.RoleTypeM2M)
		if err != nil {
			return fmt.Errorf("list applications: %w", err)
		}
		have := map[string]bool{}
		for _, a := range apps {
			have[a.Name] = true
		}
		s.Applications = slices.DeleteFunc(s.Applications, func(n string) bool { return have[n] })
	}
	if len(s.SSOConnectors) > 0 {
		conns, err := c.ListSSOConnectors(ctx)
		if err != nil {
			return fmt.Errorf("list SSO connectors: %w", err)
		}
		have := map[string]bool{}
		for _, sc := range conns {
			have[sc.ConnectorName] = true
		}
		s.SSOConnectors = slices.DeleteFunc(s.SSOConnectors, func(n string) bool { return have[n] })
	}
	existing := map[string]logto.Resource{}
	if len(s.Resources) > 0 {
		res, err := c.ListResources(ctx)
		if err != nil {
			return fmt.Errorf("list API resources: %w", err)
		}
		for _, r := range res {
			existing[r.Indicator] = r
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		sem   = make(chan struct{}, Parallelism)
	)
	do := func(fn func() error) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	for _, e := range s.Emails {
		do(func() error {
			name, _, _ := strings.Cut(e, "@")
			if _, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: e, Name: name}); err != nil && !logto.HasCode(err, "user.email_already_in_use") {
				return fmt.Errorf("create user %s: %w", e, err)
			}
			return nil
		})
	}
	for _, u := range s.Usernames {
		do(func() error {
			if _, err := c.CreateUser(ctx, logto.CreateUser{Username: u}); err != nil && !logto.HasCode(err, "user.username_already_in_use") {
				return fmt.Errorf("create user %s: %w", u, err)
			}
			return nil
		})
	}
	for _, a := range s.Applications {
		do(func() error {
			if _, err := c.CreateApplication(ctx, a, state.RoleTypeM2M); err != nil {
				return fmt.Errorf("create application %s: %w", a, err)
			}
			return nil
		})
	}
	for _, n := range s.SSOConnectors {
		do(func() error {
			// An OIDC connector without a configuration: enough for JIT
			// provisioning to refer to (nobody can sign in through it).
			body := map[string]any{"providerName": "OIDC", "connectorName": n}
			if err := c.Do(ctx, http.MethodPost, "/api/sso-connectors", body, nil); err != nil {
				return fmt.Errorf("create SSO connector %s: %w", n, err)
			}
			return nil
		})
	}
	for _, ind := range keys(s.Resources) {
		do(func() error {
			res, ok := existing[ind]
			if !ok {
				created, err := c.CreateResource(ctx, ind, ind)
				if err != nil {
					return fmt.Errorf("create API resource %s: %w", ind, err)
				}
				res = *created
			}
			for _, sc := range s.Resources[ind] {
				if slices.ContainsFunc(res.Scopes, func(x logto.Scope) bool { return x.Name == sc }) {
					continue
				}
				if _, err := c.CreateResourceScope(ctx, res.ID, sc, nil); err != nil {
					return fmt.Errorf("create scope %s of API resource %s: %w", sc, ind, err)
				}
			}
			return nil
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
