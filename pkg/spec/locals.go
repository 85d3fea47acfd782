package spec

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// loadLocals declares the attributes of every locals block and evaluates
// them in dependency order: a topological sort of the local.* references of
// each expression (ties broken by name), so that a cycle is reported as one.
func (l *loader) loadLocals(blocks []*labelOnly) {
	l.localDecls = map[string]*hcl.Attribute{}
	l.locals = map[string]cty.Value{}
	var order []*hcl.Attribute
	for _, b := range blocks {
		attrs, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		list := make([]*hcl.Attribute, 0, len(attrs))
		for _, a := range attrs {
			list = append(list, a)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Range.Start.Byte < list[j].Range.Start.Byte })
		for _, a := range list {
			if prev, dup := l.localDecls[a.Name]; dup {
				l.errorf(a.NameRange, "Duplicate local value",
					"A local value named %q was already declared at %s. Local value names must be unique across all locals blocks and files.",
					a.Name, Pos(prev.Range))
				continue
			}
			l.localDecls[a.Name] = a
			order = append(order, a)
		}
	}

	// deps[name] = the declared locals that name refers to.
	deps := map[string][]string{}
	for _, a := range order {
		seen := map[string]bool{}
		for _, t := range a.Expr.Variables() {
			if t.RootName() != "local" || len(t) < 2 {
				continue
			}
			if attr, ok := t[1].(hcl.TraverseAttr); ok {
				if _, declared := l.localDecls[attr.Name]; declared && !seen[attr.Name] {
					seen[attr.Name] = true
					deps[a.Name] = append(deps[a.Name], attr.Name)
				}
			}
		}
	}

	sorted, cyclic := topoSort(mapKeys(l.localDecls), deps)
	for _, cycle := range cyclic {
		first := l.localDecls[cycle[0]]
		path := make([]string, 0, len(cycle)+1)
		for _, n := range cycle {
			path = append(path, "local."+n)
		}
		path = append(path, "local."+cycle[0])
		l.errorf(first.Expr.Range(), "Cycle in local values",
			"The local values refer to each other in a cycle: %s. A local value cannot depend on itself, directly or through others; break the cycle.",
			strings.Join(path, " -> "))
	}
	evaluated := map[string]bool{}
	for _, name := range sorted {
		a := l.localDecls[name]
		ctx := &hcl.EvalContext{
			Variables: map[string]cty.Value{
				"var":   cty.ObjectVal(l.vars),
				"local": cty.ObjectVal(l.locals),
			},
			Functions: l.funcs,
		}
		// A local keeps the marks of what it derives from: a local built
		// from a sensitive variable is sensitive too.
		v, ok := l.markedValue(a.Expr, ctx)
		if !ok {
			v = cty.DynamicVal
		}
		l.locals[name] = v
		evaluated[name] = true
	}
	// Locals on or behind a cycle stay unknown, so that expressions using
	// them are skipped instead of failing a second time.
	for name := range l.localDecls {
		if !evaluated[name] {
			l.locals[name] = cty.DynamicVal
		}
	}
}

// topoSort orders names so that each comes after the names it depends on,
// taking the smallest ready name first. Names that cannot be ordered are
// returned as cycles (each reported once, starting at its smallest member);
// names that only depend on a cycle are left out of both.
func topoSort(names []string, deps map[string][]string) (sorted []string, cycles [][]string) {
	indeg := map[string]int{}
	users := map[string][]string{}
	for _, n := range names {
		indeg[n] += 0
		for _, d := range deps[n] {
			indeg[n]++
			users[d] = append(users[d], n)
		}
	}
	var ready []string
	for _, n := range names {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	done := map[string]bool{}
	for len(ready) > 0 {
		sort.Strings(ready)
		n := ready[0]
		ready = ready[1:]
		sorted = append(sorted, n)
		done[n] = true
		for _, u := range users[n] {
			indeg[u]--
			if indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	inCycle := map[string]bool{}
	for _, n := range names {
		if done[n] || inCycle[n] {
			continue
		}
		if c := findCycle(n, deps, done); c != nil && !inCycle[c[0]] {
			for _, m := range c {
				inCycle[m] = true
			}
			cycles = append(cycles, c)
		}
	}
	return sorted, cycles
}

// findCycle follows dependencies from start (smallest name first) until a
// name repeats, and returns that cycle rotated to start at its smallest name.
func findCycle(start string, deps map[string][]string, done map[string]bool) []string {
	var path []string
	at := map[string]int{}
	n := start
	for {
		if i, seen := at[n]; seen {
			c := append([]string(nil), path[i:]...)
			min := 0
			for j := range c {
				if c[j] < c[min] {
					min = j
				}
			}
			return append(c[min:], c[:min]...)
		}
		at[n] = len(path)
		path = append(path, n)
		var next []string
		for _, d := range deps[n] {
			if !done[d] {
				next = append(next, d)
			}
		}
		if len(next) == 0 {
			return nil
		}
		sort.Strings(next)
		n = next[0]
	}
}
