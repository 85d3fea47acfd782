package apply

import (
	"cmp"
	"context"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// DefaultImpactBudget is how many list requests LoadImpact makes at most
// unless told otherwise: about a minute at Logto Cloud's request budget.
const DefaultImpactBudget = 1000

// ImpactOptions steer LoadImpact.
type ImpactOptions struct {
	// Parallelism bounds the concurrent reads (DefaultFetchParallelism).
	Parallelism int
	// Budget is the most list requests to make (DefaultImpactBudget when 0;
	// no limit when negative). Each organization costs one request for its
	// members, and one more for its applications when a MachineToMachine
	// role changes.
	Budget int
}

// LoadImpact reads what the token impact of a plan that changes the scopes
// of roleIDs (diff.AffectedRoles) needs beyond Fetch: the members of every
// organization of live not read yet, and, only when one of roleIDs is a
// MachineToMachine role, the applications of every organization whose
// applications were not read (users hold only User roles and applications
// only MachineToMachine roles, so a change of User roles costs one member
// read per organization and nothing more). When a single User role
// changes, only that role's holders are asked for (Logto 1.41+ filters on
// the server; older versions list every member, filtered here). It does nothing when roleIDs is empty.
//
// Organizations are read in the order of live up to the budget; those left
// out are counted in live.ImpactUnread, so that the plan says its impact
// is incomplete instead of reporting none.
func LoadImpact(ctx context.Context, c *logto.Client, live *state.Live, roleIDs []string, opts ImpactOptions) error {
	if len(roleIDs) == 0 {
		return nil
	}
	budget := cmp.Or(opts.Budget, DefaultImpactBudget)
	live.ImpactBudget = budget
	m2m := false
	for _, r := range live.Roles {
		for _, id := range roleIDs {
			if r.ID == id && r.Type == state.RoleTypeM2M {
				m2m = true
			}
		}
	}
	if live.Users == nil {
		live.Users = map[string]state.User{}
	}
	if live.Applications == nil {
		live.Applications = map[string]state.App{}
	}
	var reads []orgRead
	var orgs []*state.LiveOrganization
	for i := range live.Organizations {
		o := &live.Organizations[i]
		if r := (orgRead{members: !o.Loaded, apps: m2m && o.Applications == nil}); r.members || r.apps {
			reads = append(reads, r)
			orgs = append(orgs, o)
		}
	}
	if len(reads) == 0 {
		return nil
	}
	// Logto before 1.41 ignores the role filter and lists every member,
	// which costs the same as not asking, so no probe is needed.
	memberRole := ""
	if !m2m && len(roleIDs) == 1 {
		memberRole = roleIDs[0]
	}
	f := &fetcher{c: c, live: live}
	g := newGroup(ctx, cmp.Or(opts.Parallelism, DefaultFetchParallelism))
	spent := 0
	for i, r := range reads {
		cost := 0
		if r.members {
			cost++
		}
		if r.apps {
			cost++
		}
		if budget >= 0 && spent+cost > budget {
			live.ImpactUnread++
			live.ImpactUnreadRequests += cost
			continue
		}
		spent += cost
		if r.members {
			r.memberRole = memberRole
		}
		f.readOrg(g.Go, orgs[i], r)
	}
	return g.Wait()
}
