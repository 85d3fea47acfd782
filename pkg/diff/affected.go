package diff

import (
	"sort"

	"github.com/orgsync/orgsync/pkg/state"
)

// AffectedRoles returns the ids of live roles whose effective scope set (their
// organization permissions and API permissions, by name) the plan for
// desired changes, or that it deletes. The caller reads the members of every
// organization not yet Loaded that holds one of them, so that the token
// impact covers undeclared organizations too. Problems that would refuse the
// plan are ignored here; Compute reports them.
func AffectedRoles(desired *state.Config, live *state.Live) []string {
	if desired == nil || live == nil {
		return nil
	}
	p := newPlanner(desired, live, Options{})
	p.planPermissions()
	p.planRoles()
	before := &model{perms: map[string]string{}, roles: map[string]*modelRole{}, orgs: map[string]*modelOrg{}}
	for _, lp := range live.Permissions {
		before.perms[lp.ID] = lp.Name
	}
	for _, lr := range live.Roles {
		before.roles[lr.ID] = &modelRole{name: lr.Name, perms: lr.PermissionIDs, scopes: lr.ResourceScopeIDs}
	}
	after := before.derive()
	for _, it := range p.items {
		for _, o := range it.ops() {
			for _, e := range o.modelChanges {
				after.apply(e)
			}
		}
	}
	bKeys, aKeys := p.roleKeys(before), p.roleKeys(after)
	var out []string
	for _, lr := range live.Roles {
		if a, ok := aKeys[lr.ID]; !ok || !sameKeys(bKeys[lr.ID], a) {
			out = append(out, lr.ID)
		}
	}
	sort.Strings(out)
	return out
}
