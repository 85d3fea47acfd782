package apply

import (
	"cmp"
	"context"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// LoadImpact reads what the token impact of a plan that changes the scopes
// of roleIDs (diff.AffectedRoles) needs beyond Fetch: the members of every
// organization of live not read yet, and, only when one of roleIDs is a
// MachineToMachine role, the applications of every organization whose
// applications were not read (users hold only User roles and applications
// only MachineToMachine roles, so a change of User roles costs one member
// read per organization and nothing more). It does nothing when roleIDs is
// empty.
func LoadImpact(ctx context.Context, c *logto.Client, live *state.Live, roleIDs []string, parallelism int) error {
	if len(roleIDs) == 0 {
		return nil
	}
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
	f := &fetcher{c: c, live: live}
	g := newGroup(ctx, cmp.Or(parallelism, DefaultFetchParallelism))
	for i := range live.Organizations {
		o := &live.Organizations[i]
		r := orgRead{members: !o.Loaded, apps: m2m && o.Applications == nil}
		if r.members || r.apps {
			f.readOrg(g, o, r)
		}
	}
	return g.Wait()
}
