package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// knownAddresses are every address the plan could act on: what the
// configuration declares, what lives in the tenant under the names the
// plan would give it, and what the record last managed.
func (p *planner) knownAddresses() map[string]bool {
	known := map[string]bool{}
	for _, d := range p.cfg.Permissions {
		known[d.Address()] = true
	}
	for _, d := range p.cfg.Roles {
		known[d.Address()] = true
	}
	for _, o := range p.cfg.Organizations {
		known[o.Address] = true
		for _, m := range o.Members {
			known[m.Address(o.Address)] = true
		}
		for _, a := range o.Applications {
			known[a.Address(o.Address)] = true
		}
		if o.JIT != nil {
			known[state.JITAddress(o.Address)] = true
		}
	}
	for _, lp := range p.live.Permissions {
		known[state.PermissionAddress(lp.Name)] = true
	}
	for _, lr := range p.live.Roles {
		known[state.RoleAddress(lr.Name)] = true
	}
	for _, lo := range p.live.Organizations {
		known[state.OrganizationAddress(state.AddressPart(lo.Name))] = true
	}
	for _, addr := range p.live.Record.Addresses {
		known[addr] = true
	}
	for _, it := range p.items {
		known[it.ch.Address] = true
	}
	return known
}

// checkTargets reports -target and -allow-destroy addresses that name no
// object the plan knows of, with the closest one: a typo must not make a
// plan that silently does nothing.
func (p *planner) checkTargets() []Problem {
	if len(p.opts.Targets) == 0 && len(p.opts.AllowDestroy) == 0 {
		return nil
	}
	known := p.knownAddresses()
	list := make([]string, 0, len(known))
	for a := range known {
		list = append(list, a)
	}
	sort.Strings(list)
	var out []Problem
	check := func(flag, target string) {
		for _, a := range list {
			if inTarget(target, a) {
				return
			}
		}
		detail := "No declared, live or recorded object has this address or is inside it."
		if c := closest(target, list); c != "" {
			detail += fmt.Sprintf(" Did you mean %s?", c)
		}
		out = append(out, Problem{Address: target, Summary: flag + " matches nothing", Detail: detail})
	}
	for _, t := range p.opts.Targets {
		check("-target", t)
	}
	for _, t := range p.opts.AllowDestroy {
		check("-allow-destroy", t)
	}
	return out
}

// closest returns the candidate nearest to s (edit distance), when it is
// near enough to be a typo.
func closest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+3
	for _, c := range candidates {
		if d := state.EditDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// targetWarning is shown above every targeted plan.
func targetWarning(targets []string) string {
	return "Targeting is in effect: this plan covers only " + strings.Join(targets, ", ") +
		" (and the creates they need); it is not the whole plan. Plan without -target to see every change."
}
