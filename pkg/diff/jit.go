package diff

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// jitSSOPlan is the just-in-time SSO connector part of a jit block.
type jitSSOPlan struct {
	names, ids []string // declared, by connector name and by id (sorted)
	liveNames  []string // the organization's connectors, by name (id when unknown)
	changed    bool
}

// jitSSO resolves a jit block's sso_connectors (connector names) to the
// tenant's connectors. Nothing is planned when the block does not set
// sso_connectors: connectors configured in the Console are left alone. A
// name no connector has is a problem naming the connectors that exist
// (orgsync does not create connectors: they hold the identity provider's
// secrets).
func (p *planner) jitSSO(j *state.JIT, lo *state.LiveOrganization, addr string) (jitSSOPlan, bool) {
	var out jitSSOPlan
	if !j.ManageSSOConnectors {
		return out, true
	}
	byName := make(map[string]string, len(p.live.SSOConnectors))
	byID := make(map[string]string, len(p.live.SSOConnectors))
	var all []string
	for _, c := range p.live.SSOConnectors {
		byName[c.Name] = c.ID
		byID[c.ID] = c.Name
		all = append(all, strconv.Quote(c.Name))
	}
	ok := true
	for _, n := range sortedUnique(j.SSOConnectors) {
		id, found := byName[n]
		if !found {
			have := "The tenant has no enterprise SSO connector."
			if len(all) > 0 {
				have = "The tenant's connectors are " + strings.Join(all, ", ") + "."
			}
			p.problem(addr, fmt.Sprintf("no enterprise SSO connector is named %q", n),
				have+" Connector names are case-sensitive. orgsync does not create connectors (they hold the identity provider's secrets): "+
					"create it in the Console (Enterprise SSO), or fix the name.")
			ok = false
			continue
		}
		out.names = append(out.names, n)
		out.ids = append(out.ids, id)
	}
	if !ok {
		return out, false
	}
	var liveIDs []string
	if lo != nil {
		liveIDs = sortedUnique(lo.JIT.SSOConnectors)
	}
	for _, id := range liveIDs {
		name, known := byID[id]
		if !known {
			name = id
		}
		out.liveNames = append(out.liveNames, name)
	}
	sort.Strings(out.liveNames)
	out.ids = sortedUnique(out.ids)
	out.changed = !sameSet(liveIDs, out.ids)
	return out, true
}
