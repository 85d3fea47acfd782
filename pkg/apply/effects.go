package apply

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// DefaultMFABudget is how many users' MFA factors a plan reads at most (one
// request each) to count the members an organization that starts requiring
// MFA locks out. Organizations whose members do not fit are reported with
// their member count only.
const DefaultMFABudget = 100

// LoadConsent reads, when the plan deletes or renames permissions
// (permIDs, from diff.PermissionsLeaving), the third-party applications and
// the organization permissions their users consent to, so that the plan
// names the applications whose consent lists change: 1 request, plus 1 per
// third-party application. With no such permission it reads nothing.
func LoadConsent(ctx context.Context, c *logto.Client, live *state.Live, permIDs []string, par int) error {
	if len(permIDs) == 0 {
		return nil
	}
	yes := true
	apps, err := c.FindApplications(ctx, logto.ApplicationFilter{ThirdParty: &yes})
	if err != nil {
		return fmt.Errorf("read third-party applications (GET /api/applications?isThirdParty=true): %w", err)
	}
	var mu sync.Mutex
	var out []state.ThirdPartyApp
	g := newGroup(ctx, par)
	for _, a := range apps {
		if !a.IsThirdParty {
			continue
		}
		if a.ID == "" {
			return fmt.Errorf("read third-party applications: an application without an id in Logto's answer")
		}
		g.Go(func(ctx context.Context) error {
			scopes, err := c.ListUserConsentOrganizationScopes(ctx, a.ID)
			if err != nil {
				return fmt.Errorf("read the consent scopes of third-party application %q (%s): %w", a.Name, a.ID, err)
			}
			ids := make([]string, 0, len(scopes))
			for _, s := range scopes {
				ids = append(ids, s.ID)
			}
			mu.Lock()
			defer mu.Unlock()
			out = append(out, state.ThirdPartyApp{ID: a.ID, Name: a.Name, PermissionIDs: sortedSet(ids)})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	slices.SortFunc(out, func(a, b state.ThirdPartyApp) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	live.ThirdPartyApps = out
	return nil
}

// LoadMFA reads the MFA factors of the members of organizations the plan
// makes require MFA (diff.Plan.MFAChecks) into live.MFA, at most budget
// users in all: an organization is read whole or not at all, in plan
// order, so that every count reported is exact. It reports whether it read
// anything (then the plan is computed again).
func LoadMFA(ctx context.Context, c *logto.Client, live *state.Live, checks []diff.MFACheck, budget, par int) (bool, error) {
	var users []string
	seen := map[string]bool{}
	for _, ch := range checks {
		var need []string
		for _, u := range ch.Users {
			if _, known := live.MFA[u]; !known && !seen[u] {
				need = append(need, u)
			}
		}
		if len(users)+len(need) > budget {
			continue
		}
		for _, u := range need {
			seen[u] = true
		}
		users = append(users, need...)
	}
	if len(users) == 0 {
		return false, nil
	}
	if live.MFA == nil {
		live.MFA = map[string]bool{}
	}
	var mu sync.Mutex
	g := newGroup(ctx, par)
	for _, u := range users {
		g.Go(func(ctx context.Context) error {
			factors, err := c.ListUserMFAVerifications(ctx, u)
			if err != nil {
				return fmt.Errorf("read the MFA factors of user %s (GET /api/users/%s/mfa-verifications): %w", u, u, err)
			}
			mu.Lock()
			defer mu.Unlock()
			live.MFA[u] = len(factors) > 0
			return nil
		})
	}
	return true, g.Wait()
}
