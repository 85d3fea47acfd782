package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// matchNamed finds the live object for a declared name with previous names.
// It returns the live id, the previous name when the match is a rename, and
// ok=false when the object must be created. A conflict is a Problem; then ok
// is false and conflict true.
func (p *planner) matchNamed(kind, addr, name string, prev []string, lookup func(string) (string, bool)) (id, from string, ok, conflict bool) {
	byName, found := lookup(name)
	var hits []string
	for _, pn := range prev {
		if pn == name {
			continue
		}
		if _, ok := lookup(pn); ok {
			hits = append(hits, pn)
		}
	}
	switch {
	case found && len(hits) > 0:
		p.problem(addr, fmt.Sprintf("both the %s and its previous name %q exist", kind, hits[0]),
			fmt.Sprintf("%q is declared with previous_names %q, but live %ss named %q and %q both exist, so the rename cannot be done. "+
				"Delete or rename one of them in Logto, or drop %q from previous_names.", name, hits, kind, name, hits[0], hits[0]))
		return "", "", false, true
	case found:
		return byName, "", true, false
	case len(hits) > 1:
		p.problem(addr, fmt.Sprintf("several previous names of this %s exist", kind),
			fmt.Sprintf("previous_names %q all exist live; orgsync cannot tell which one to rename to %q. Remove the extra ones in Logto.", hits, name))
		return "", "", false, true
	case len(hits) == 1:
		id, _ := lookup(hits[0])
		return id, hits[0], true, false
	}
	return "", "", false, false
}

func permAttrs(name, desc string) map[string]any {
	return map[string]any{"name": name, "description": nullable(desc)}
}

func (p *planner) planPermissions() {
	claimed := map[string]string{}
	lookup := func(n string) (string, bool) {
		if lp := p.livePermByName[n]; lp != nil {
			return lp.ID, true
		}
		return "", false
	}
	for i := range p.cfg.Permissions {
		d := &p.cfg.Permissions[i]
		addr := d.Address()
		id, from, ok, conflict := p.matchNamed(KindPermission, addr, d.Name, d.PreviousNames, lookup)
		if !ok && !conflict {
			id, from, ok = p.renamedOutside(addr, p.live.Record.Permissions, func(id string) (string, bool) {
				if lp := p.livePermByID[id]; lp != nil && p.cfgPermNames()[lp.Name] == "" {
					return lp.Name, true
				}
				return "", false
			})
		}
		if conflict {
			// The plan is refused; keep dependants from reporting the name as unknown.
			if lp := p.livePermByName[d.Name]; lp != nil {
				p.permID[d.Name] = lp.ID
				claimed[lp.ID] = addr
			} else {
				p.permID[d.Name] = ref("permission:" + d.Name)
			}
			continue
		}
		if ok {
			if other, dup := claimed[id]; dup {
				p.problem(addr, "this permission matches the same live permission as "+other,
					"Each live permission can be matched by one block only; check previous_names.")
				continue
			}
			claimed[id] = addr
			p.planPermissionUpdate(d, p.livePermByID[id], from)
			continue
		}
		p.planPermissionCreate(d)
	}
	for i := range p.live.Permissions {
		lp := &p.live.Permissions[i]
		if _, ok := claimed[lp.ID]; ok {
			continue
		}
		addr := state.PermissionAddress(lp.Name)
		it := p.deleteItem(KindPermission, lp.ID, addr, p.rec.perms[lp.ID], p.cfg.Settings.ExclusivePermissions)
		if it == nil {
			p.unmanaged.Permissions = append(p.unmanaged.Permissions, lp.Name)
			continue
		}
		p.permGone[lp.ID] = true
		it.ch.Before = permAttrs(lp.Name, lp.Description)
		it.ops = []opx{{
			op:  Operation{Stage: StageDeletePerms, Address: addr, Params: DeletePermission{Permission: Ref(lp.ID), Name: lp.Name}},
			eff: []effect{{k: effPermDel, id: lp.ID}},
		}}
		p.guardDelete(it, lp.ID, addr, p.recordedAddress(lp.ID))
	}
}

// renamedOutside finds the live object the record manages at addr when it
// was renamed outside orgsync (its live name is declared nowhere): the plan
// renames it back instead of creating a second one. liveName reports the
// live name of a recorded id that may be taken.
func (p *planner) renamedOutside(addr string, recorded []string, liveName func(id string) (string, bool)) (id, from string, ok bool) {
	for _, rid := range recorded {
		if p.live.Record.Addresses[rid] != addr {
			continue
		}
		if name, ok := liveName(rid); ok {
			return rid, name, true
		}
	}
	return "", "", false
}

// cfgPermNames and cfgRoleNames map every declared name (and previous
// name) to the address declaring it.
func (p *planner) cfgPermNames() map[string]string {
	if p.permNames == nil {
		p.permNames = map[string]string{}
		for _, d := range p.cfg.Permissions {
			for _, n := range append([]string{d.Name}, d.PreviousNames...) {
				p.permNames[n] = d.Address()
			}
		}
	}
	return p.permNames
}

func (p *planner) cfgRoleNames() map[string]string {
	if p.roleNames == nil {
		p.roleNames = map[string]string{}
		for _, d := range p.cfg.Roles {
			for _, n := range append([]string{d.Name}, d.PreviousNames...) {
				p.roleNames[n] = d.Address()
			}
		}
	}
	return p.roleNames
}

// deleteItem starts the delete of an undeclared live object, or returns nil
// when the object is unmanaged and left alone.
func (p *planner) deleteItem(kind, id, addr string, managed, exclusive bool) *item {
	reason := "not_in_config"
	switch {
	case managed:
	case exclusive && p.owner[id] != "":
		p.leftToOthers[p.owner[id]]++
		return nil
	case exclusive:
		reason = "exclusive"
	default:
		return nil
	}
	it := &item{ch: Change{Address: addr, Kind: kind, Action: Delete, ID: id, Reason: reason}}
	it.massKind = kind
	it.exclusive = !managed
	return p.add(it)
}

func (p *planner) planPermissionUpdate(d *state.Permission, lp *state.LivePermission, from string) {
	addr := d.Address()
	p.permID[d.Name] = lp.ID
	p.permAfter[lp.ID] = d.Name
	p.adopt(KindPermission, lp.ID, addr, p.rec.perms[lp.ID], d.PreventDestroy)
	before, after := permAttrs(lp.Name, lp.Description), permAttrs(d.Name, d.Description)
	if d.Ignores("description") {
		after["description"] = before["description"]
	}
	tr := p.track(KindPermission, addr, lp.ID, lp.ID, "", before, after, d.Tracked("name", "description"), d.Sensitive)
	attrs := scalarAttrs(before, after, "description", "name")
	if len(attrs) == 0 {
		return
	}
	update := UpdatePermission{Permission: Ref(lp.ID)}
	if lp.Name != d.Name {
		update.Name = &d.Name
	}
	if lp.Description != d.Description && !d.Ignores("description") {
		update.Description = &d.Description
	}
	it := &item{ch: Change{Address: addr, Kind: KindPermission, Action: Update, ID: lp.ID, Before: before, After: after, Attrs: attrs}}
	if from != "" {
		it.ch.Action, it.ch.PreviousName, it.ch.Reason = Rename, from, "renamed_from"
	}
	tr.classify(&it.ch)
	it.ops = []opx{{
		op:  Operation{Stage: StagePermissions, Address: addr, Params: update},
		eff: []effect{{k: effPermSet, id: lp.ID, name: d.Name}},
	}}
	p.add(sensitive(it, d.Sensitive))
}

func (p *planner) planPermissionCreate(d *state.Permission) {
	addr := d.Address()
	id := ref("permission:" + d.Name)
	p.permID[d.Name] = id
	after := permAttrs(d.Name, d.Description)
	p.track(KindPermission, addr, "", id, "", nil, after, d.Tracked("name", "description"), d.Sensitive)
	p.add(sensitive(&item{
		ch: Change{Address: addr, Kind: KindPermission, Action: Create, After: after,
			Attrs: scalarAttrs(nil, after, "description", "name")},
		ops: []opx{{
			op: Operation{Stage: StagePermissions, Address: addr,
				Params: CreatePermission{Name: d.Name, Description: d.Description, PreventDestroy: d.PreventDestroy}},
			eff: []effect{{k: effPermSet, id: id, name: d.Name}},
		}},
	}, d.Sensitive))
}

// permDisplay is the name a live permission id has after the plan.
func (p *planner) permDisplay(id string) string {
	if n, ok := p.permAfter[id]; ok {
		return n
	}
	if lp := p.livePermByID[id]; lp != nil {
		return lp.Name
	}
	return id
}

// roleDisplay is the name a live role id has after the plan.
func (p *planner) roleDisplay(id string) string {
	if n, ok := p.roleAfter[id]; ok {
		return n
	}
	if lr := p.liveRoleByID[id]; lr != nil {
		return lr.Name
	}
	return id
}

// scopeDisplay renders an API permission as "indicator scope".
func (p *planner) scopeDisplay(id string) string {
	if s, ok := p.scopeByID[id]; ok {
		return s.indicator + " " + s.name
	}
	return "unknown-resource-scope " + id
}

func displays(ids []string, f func(string) string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = f(id)
	}
	sort.Strings(out)
	return out
}

type roleWant struct {
	permIDs, permNames   []string
	scopeIDs, scopeNames []string
	ok                   bool
}

// roleWanted resolves a declared role's permissions and API permissions.
func (p *planner) roleWanted(d *state.Role) roleWant {
	w := roleWant{ok: true}
	addr := d.Address()
	for _, n := range d.Permissions {
		id, ok := p.permID[n]
		if !ok {
			p.problem(addr, fmt.Sprintf("unknown permission %q", n),
				"Roles may only use permissions declared with a permission block (or fix the permission's own problem).")
			w.ok = false
			continue
		}
		w.permIDs = append(w.permIDs, id)
		w.permNames = append(w.permNames, n)
	}
	for _, ind := range sortedKeys(d.APIPermissions) {
		for _, s := range d.APIPermissions[ind] {
			id, ok := p.scopeByKey[apiScope{ind, s}]
			if !ok {
				if !p.hasResource(ind) {
					p.problem(addr, fmt.Sprintf("unknown API resource %q", ind),
						"orgsync does not manage API resources: create the resource in Logto (or fix the indicator) first.")
				} else {
					p.problem(addr, fmt.Sprintf("API resource %q has no permission %q", ind, s),
						"orgsync does not manage API resources: add the permission to the resource in Logto (or fix its name) first.")
				}
				w.ok = false
				continue
			}
			w.scopeIDs = append(w.scopeIDs, id)
			w.scopeNames = append(w.scopeNames, ind+" "+s)
		}
	}
	w.permIDs, w.scopeIDs = sortedUnique(w.permIDs), sortedUnique(w.scopeIDs)
	sort.Strings(w.permNames)
	sort.Strings(w.scopeNames)
	return w
}

func (p *planner) hasResource(indicator string) bool {
	for _, r := range p.live.Resources {
		if r.Indicator == indicator {
			return true
		}
	}
	return false
}

// roleAttrNames are the attributes of a role orgsync manages.
var roleAttrNames = []string{"name", "description", "type", "permissions", "api_permissions"}

func roleAttrs(name, desc, typ string, perms, scopes []string) map[string]any {
	if typ == "" {
		typ = state.RoleTypeUser
	}
	return map[string]any{"name": name, "description": nullable(desc), "type": typ,
		"permissions": strs(perms), "api_permissions": strs(scopes)}
}

func (p *planner) planRoles() {
	claimed := map[string]string{}
	lookup := func(n string) (string, bool) {
		if lr := p.liveRoleByName[n]; lr != nil {
			return lr.ID, true
		}
		return "", false
	}
	type match struct {
		d    *state.Role
		live *state.LiveRole
		from string
	}
	var matched []match
	var created []*state.Role
	for i := range p.cfg.Roles {
		d := &p.cfg.Roles[i]
		addr := d.Address()
		id, from, ok, conflict := p.matchNamed(KindRole, addr, d.Name, d.PreviousNames, lookup)
		if !ok && !conflict {
			id, from, ok = p.renamedOutside(addr, p.live.Record.Roles, func(id string) (string, bool) {
				if lr := p.liveRoleByID[id]; lr != nil && p.cfgRoleNames()[lr.Name] == "" {
					return lr.Name, true
				}
				return "", false
			})
		}
		if conflict {
			if lr := p.liveRoleByName[d.Name]; lr != nil {
				p.roleID[d.Name] = lr.ID
				claimed[lr.ID] = addr
			} else {
				p.roleID[d.Name] = ref("role:" + d.Name)
			}
			continue
		}
		if !ok {
			p.roleID[d.Name] = ref("role:" + d.Name)
			created = append(created, d)
			continue
		}
		if other, dup := claimed[id]; dup {
			p.problem(addr, "this role matches the same live role as "+other,
				"Each live role can be matched by one block only; check previous_names.")
			continue
		}
		claimed[id] = addr
		p.roleID[d.Name] = id
		p.roleAfter[id] = d.Name
		matched = append(matched, match{d, p.liveRoleByID[id], from})
	}
	// Names are known for every matched role before any change is rendered.
	for _, m := range matched {
		p.planRoleUpdate(m.d, m.live, m.from)
	}
	for _, d := range created {
		p.planRoleCreate(d)
	}
	for i := range p.live.Roles {
		lr := &p.live.Roles[i]
		if _, ok := claimed[lr.ID]; ok {
			continue
		}
		addr := state.RoleAddress(lr.Name)
		it := p.deleteItem(KindRole, lr.ID, addr, p.rec.roles[lr.ID], p.cfg.Settings.ExclusiveRoles)
		if it == nil {
			p.unmanaged.Roles = append(p.unmanaged.Roles, lr.Name)
			continue
		}
		p.roleGone[lr.ID] = true
		it.ch.Before = roleAttrs(lr.Name, lr.Description, lr.Type,
			displays(lr.PermissionIDs, p.permDisplay), displays(lr.ResourceScopeIDs, p.scopeDisplay))
		it.ops = []opx{{
			op:  Operation{Stage: StageDeleteRoles, Address: addr, Params: DeleteRole{Role: Ref(lr.ID), Name: lr.Name}},
			eff: []effect{{k: effRoleDel, id: lr.ID}},
		}}
		p.guardDelete(it, lr.ID, addr, p.recordedAddress(lr.ID))
	}
}

func (p *planner) roleDeps(d *state.Role) []string {
	deps := make([]string, 0, len(d.Permissions))
	for _, n := range d.Permissions {
		deps = append(deps, state.PermissionAddress(n))
	}
	return deps
}

func (p *planner) planRoleUpdate(decl *state.Role, lr *state.LiveRole, from string) {
	addr := decl.Address()
	p.adopt(KindRole, lr.ID, addr, p.rec.roles[lr.ID], decl.PreventDestroy)
	w := p.roleWanted(decl)
	if !w.ok {
		return
	}
	liveType := lr.Type
	if liveType == "" {
		liveType = state.RoleTypeUser
	}
	livePerms := displays(lr.PermissionIDs, p.permDisplay)
	liveScopes := displays(lr.ResourceScopeIDs, p.scopeDisplay)
	// Ignored attributes keep their live values.
	d := *decl
	if d.Ignores("description") {
		d.Description = lr.Description
	}
	if d.Ignores("type") {
		d.Type = liveType
	}
	if d.Ignores("permissions") {
		w.permIDs, w.permNames = lr.PermissionIDs, livePerms
	}
	if d.Ignores("api_permissions") {
		w.scopeIDs, w.scopeNames = lr.ResourceScopeIDs, liveScopes
	}
	typ := d.Type
	if typ == "" {
		typ = state.RoleTypeUser
	}
	before := roleAttrs(lr.Name, lr.Description, liveType, livePerms, liveScopes)
	after := roleAttrs(d.Name, d.Description, typ, w.permNames, w.scopeNames)
	tr := p.track(KindRole, addr, lr.ID, lr.ID, "", before, after, d.Tracked(roleAttrNames...), d.Sensitive)
	attrs := scalarAttrs(before, after, "description", "name", "type")
	var ops []opx
	update := UpdateRole{Role: Ref(lr.ID)}
	if lr.Name != d.Name {
		update.Name = &d.Name
	}
	if lr.Description != d.Description {
		update.Description = &d.Description
	}
	if liveType != typ {
		update.Type = &typ
	}
	if update.Name != nil || update.Description != nil || update.Type != nil {
		ops = append(ops, opx{
			op:  Operation{Stage: StageRoles, Address: addr, Params: update},
			eff: []effect{{k: effRoleName, id: lr.ID, name: d.Name}},
		})
	}
	if !sameSet(lr.PermissionIDs, w.permIDs) {
		added, removed, kept := setDiff(lr.PermissionIDs, w.permIDs)
		attrs = append(attrs, AttrChange{Name: "permissions", Added: displays(added, p.permDisplayOrDeclared),
			Removed: displays(removed, p.permDisplay), Kept: kept, Set: true})
		ops = append(ops, opx{
			op:  Operation{Stage: StageRoles, Address: addr, Params: SetRolePermissions{Role: Ref(lr.ID), Permissions: refs(w.permIDs)}},
			eff: []effect{{k: effRolePerms, id: lr.ID, ids: w.permIDs}},
		})
	}
	if !sameSet(lr.ResourceScopeIDs, w.scopeIDs) {
		added, removed, kept := setDiff(lr.ResourceScopeIDs, w.scopeIDs)
		attrs = append(attrs, AttrChange{Name: "api_permissions", Added: displays(added, p.scopeDisplay),
			Removed: displays(removed, p.scopeDisplay), Kept: kept, Set: true})
		ops = append(ops, opx{
			op:  Operation{Stage: StageRoles, Address: addr, Params: SetRoleAPIPermissions{Role: Ref(lr.ID), APIPermissions: refs(w.scopeIDs)}},
			eff: []effect{{k: effRoleScopes, id: lr.ID, ids: w.scopeIDs}},
		})
	}
	if len(ops) == 0 {
		return
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].Name < attrs[j].Name })
	it := &item{ch: Change{Address: addr, Kind: KindRole, Action: Update, ID: lr.ID, Before: before, After: after, Attrs: attrs},
		deps: p.roleDeps(decl), ops: ops}
	if from != "" {
		it.ch.Action, it.ch.PreviousName, it.ch.Reason = Rename, from, "renamed_from"
	}
	tr.classify(&it.ch)
	p.add(sensitive(it, d.Sensitive))
}

// permDisplayOrDeclared names a permission id or reference.
func (p *planner) permDisplayOrDeclared(id string) string {
	if strings.HasPrefix(id, "${permission:") {
		return strings.TrimSuffix(strings.TrimPrefix(id, "${permission:"), "}")
	}
	return p.permDisplay(id)
}

func (p *planner) planRoleCreate(d *state.Role) {
	addr := d.Address()
	id := ref("role:" + d.Name)
	w := p.roleWanted(d)
	if !w.ok {
		return
	}
	typ := d.Type
	if typ == "" {
		typ = state.RoleTypeUser
	}
	after := roleAttrs(d.Name, d.Description, typ, w.permNames, w.scopeNames)
	p.track(KindRole, addr, "", id, "", nil, after, d.Tracked(roleAttrNames...), d.Sensitive)
	attrs := scalarAttrs(nil, after, "description", "name", "type")
	if a, ok := setAttr("api_permissions", nil, w.scopeNames); ok {
		attrs = append(attrs, a)
	}
	if a, ok := setAttr("permissions", nil, w.permNames); ok {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].Name < attrs[j].Name })
	p.add(sensitive(&item{
		ch:   Change{Address: addr, Kind: KindRole, Action: Create, After: after, Attrs: attrs},
		deps: p.roleDeps(d),
		ops: []opx{{
			op: Operation{Stage: StageRoles, Address: addr, Params: CreateRole{Name: d.Name, Description: d.Description, Type: typ,
				Permissions: refs(w.permIDs), APIPermissions: refs(w.scopeIDs), PreventDestroy: d.PreventDestroy}},
			eff: []effect{{k: effRoleCreate, id: id, name: d.Name}, {k: effRolePerms, id: id, ids: w.permIDs}, {k: effRoleScopes, id: id, ids: w.scopeIDs}},
		}},
	}, d.Sensitive))
}
