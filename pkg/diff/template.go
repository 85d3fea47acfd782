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

// templateDecl is a declared permission or role, for matching.
type templateDecl struct {
	name, addr string
	prev       []string
}

// templateMatch is where a declared permission or role goes: a live id
// (renamed from from, when set), or a create.
type templateMatch struct {
	index    int // into the declarations
	id, from string
	create   bool
}

// templateKind is how the permissions (or roles) of the tenant are found.
type templateKind struct {
	kind     string
	byName   func(name string) (id string, ok bool)
	liveName func(id string) (name string, ok bool) // of a live id
	recorded []string                               // the record's ids of the kind
	declared map[string]string                      // cfgPermNames or cfgRoleNames
	ids      map[string]string                      // p.permID or p.roleID, filled in
}

// matchTemplate matches declared permissions or roles to live ones, by
// name, previous names, or the record (an object renamed outside orgsync),
// and reports conflicts. It fills k.ids for every declaration and returns
// the matches in declaration order and the live ids claimed.
func (p *planner) matchTemplate(k templateKind, decls []templateDecl) ([]templateMatch, map[string]string) {
	claimed := map[string]string{}
	var out []templateMatch
	for i, d := range decls {
		id, from, ok, conflict := p.matchNamed(k.kind, d.addr, d.name, d.prev, k.byName)
		if !ok && !conflict {
			id, from, ok = p.renamedOutside(d.addr, k.recorded, func(id string) (string, bool) {
				if n, live := k.liveName(id); live && k.declared[n] == "" {
					return n, true
				}
				return "", false
			})
		}
		switch {
		case conflict:
			// The plan is refused; keep dependants from reporting the name as unknown.
			if lid, live := k.byName(d.name); live {
				k.ids[d.name] = lid
				claimed[lid] = d.addr
			} else {
				k.ids[d.name] = ref(k.kind + ":" + d.name)
			}
		case !ok:
			k.ids[d.name] = ref(k.kind + ":" + d.name)
			out = append(out, templateMatch{index: i, create: true})
		case claimed[id] != "":
			p.problem(d.addr, fmt.Sprintf("this %s matches the same live %s as %s", k.kind, k.kind, claimed[id]),
				fmt.Sprintf("Each live %s can be matched by one block only; check previous_names.", k.kind))
		default:
			claimed[id] = d.addr
			k.ids[d.name] = id
			out = append(out, templateMatch{index: i, id: id, from: from})
		}
	}
	return out, claimed
}

// deleteTemplate plans the delete of a live permission or role no block
// claims, when orgsync manages it or the kind is exclusive; it returns nil
// when the object is left alone.
func (p *planner) deleteTemplate(kind, id, addr string, managed, exclusive bool, before map[string]any, op Operation, modelChanges modelChange) *item {
	it := p.deleteItem(kind, id, addr, managed, exclusive)
	if it == nil {
		return nil
	}
	it.ch.Before = before
	op.Address = addr
	it.setOps(plannedOp{op: op, modelChanges: []modelChange{modelChanges}})
	p.guardDelete(it, id, addr, p.recordedAddress(id))
	return it
}

func (p *planner) planPermissions() {
	decls := make([]templateDecl, len(p.cfg.Permissions))
	for i, d := range p.cfg.Permissions {
		decls[i] = templateDecl{name: d.Name, addr: d.Address(), prev: d.PreviousNames}
	}
	matches, claimed := p.matchTemplate(templateKind{
		kind: KindPermission,
		byName: func(n string) (string, bool) {
			if lp := p.livePermByName[n]; lp != nil {
				return lp.ID, true
			}
			return "", false
		},
		liveName: func(id string) (string, bool) {
			if lp := p.livePermByID[id]; lp != nil {
				return lp.Name, true
			}
			return "", false
		},
		recorded: p.live.Record.Permissions, declared: p.cfgPermNames(), ids: p.permID,
	}, decls)
	for _, m := range matches {
		d := &p.cfg.Permissions[m.index]
		if m.create {
			p.planPermissionCreate(d)
		} else {
			p.planPermissionUpdate(d, p.livePermByID[m.id], m.from)
		}
	}
	for i := range p.live.Permissions {
		lp := &p.live.Permissions[i]
		if _, ok := claimed[lp.ID]; ok {
			continue
		}
		it := p.deleteTemplate(KindPermission, lp.ID, state.PermissionAddress(lp.Name), p.rec.perms[lp.ID], p.cfg.Settings.ExclusivePermissions,
			permAttrs(lp.Name, lp.Description),
			Operation{Stage: StageDeletePerms, Params: DeletePermission{Permission: Ref(lp.ID), Name: lp.Name}},
			modelChange{k: effPermDel, id: lp.ID})
		if it == nil {
			p.unmanaged.Permissions = append(p.unmanaged.Permissions, lp.Name)
			continue
		}
		p.permGone[lp.ID] = true
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
	it := &item{ch: &Change{Address: addr, Kind: kind, Action: Delete, ID: id, ChangeNotes: &ChangeNotes{Reason: reason}}}
	it.more().del = &deletion{massKind: kind, exclusive: !managed}
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
	it := &item{ch: &Change{Address: addr, Kind: KindPermission, Action: Update, ID: lp.ID, Before: before, After: after, Attrs: attrs}}
	if from != "" {
		it.ch.Action, it.ch.Notes().PreviousName, it.ch.Notes().Reason = Rename, from, "renamed_from"
	}
	tr.classify(it.ch)
	it.setOps(plannedOp{
		op:           Operation{Stage: StagePermissions, Address: addr, Params: update},
		modelChanges: []modelChange{{k: effPermSet, id: lp.ID, name: d.Name}},
	})
	p.add(sensitive(it, d.Sensitive))
}

func (p *planner) planPermissionCreate(d *state.Permission) {
	addr := d.Address()
	id := ref("permission:" + d.Name)
	p.permID[d.Name] = id
	after := permAttrs(d.Name, d.Description)
	p.track(KindPermission, addr, "", id, "", nil, after, d.Tracked("name", "description"), d.Sensitive)
	p.add(sensitive(newItem(
		&Change{Address: addr, Kind: KindPermission, Action: Create, After: after,
			Attrs: scalarAttrs(nil, after, "description", "name")},
		nil, []plannedOp{{
			op: Operation{Stage: StagePermissions, Address: addr,
				Params: CreatePermission{Name: d.Name, Description: d.Description, PreventDestroy: d.PreventDestroy}},
			modelChanges: []modelChange{{k: effPermSet, id: id, name: d.Name}},
		}},
	), d.Sensitive))
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
		"permissions": copyStrings(perms), "api_permissions": copyStrings(scopes)}
}

func (p *planner) planRoles() {
	decls := make([]templateDecl, len(p.cfg.Roles))
	for i, d := range p.cfg.Roles {
		decls[i] = templateDecl{name: d.Name, addr: d.Address(), prev: d.PreviousNames}
	}
	matches, claimed := p.matchTemplate(templateKind{
		kind: KindRole,
		byName: func(n string) (string, bool) {
			if lr := p.liveRoleByName[n]; lr != nil {
				return lr.ID, true
			}
			return "", false
		},
		liveName: func(id string) (string, bool) {
			if lr := p.liveRoleByID[id]; lr != nil {
				return lr.Name, true
			}
			return "", false
		},
		recorded: p.live.Record.Roles, declared: p.cfgRoleNames(), ids: p.roleID,
	}, decls)
	// Names are known for every matched role before any change is rendered.
	for _, m := range matches {
		if !m.create {
			p.roleAfter[m.id] = p.cfg.Roles[m.index].Name
		}
	}
	for _, m := range matches {
		if !m.create {
			p.planRoleUpdate(&p.cfg.Roles[m.index], p.liveRoleByID[m.id], m.from)
		}
	}
	for _, m := range matches {
		if m.create {
			p.planRoleCreate(&p.cfg.Roles[m.index])
		}
	}
	for i := range p.live.Roles {
		lr := &p.live.Roles[i]
		if _, ok := claimed[lr.ID]; ok {
			continue
		}
		it := p.deleteTemplate(KindRole, lr.ID, state.RoleAddress(lr.Name), p.rec.roles[lr.ID], p.cfg.Settings.ExclusiveRoles,
			roleAttrs(lr.Name, lr.Description, lr.Type, displays(lr.PermissionIDs, p.permDisplay), displays(lr.ResourceScopeIDs, p.scopeDisplay)),
			Operation{Stage: StageDeleteRoles, Params: DeleteRole{Role: Ref(lr.ID), Name: lr.Name}},
			modelChange{k: effRoleDel, id: lr.ID})
		if it == nil {
			p.unmanaged.Roles = append(p.unmanaged.Roles, lr.Name)
			continue
		}
		p.roleGone[lr.ID] = true
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
	var ops []plannedOp
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
		ops = append(ops, plannedOp{
			op:           Operation{Stage: StageRoles, Address: addr, Params: update},
			modelChanges: []modelChange{{k: effRoleName, id: lr.ID, name: d.Name}},
		})
	}
	if !sameSet(lr.PermissionIDs, w.permIDs) {
		added, removed, kept := setDiff(lr.PermissionIDs, w.permIDs)
		attrs = append(attrs, AttrChange{Name: "permissions", Added: displays(added, p.permDisplayOrDeclared),
			Removed: displays(removed, p.permDisplay), Kept: kept, Set: true})
		ops = append(ops, plannedOp{
			op:           Operation{Stage: StageRoles, Address: addr, Params: SetRolePermissions{Role: Ref(lr.ID), Permissions: refs(w.permIDs)}},
			modelChanges: []modelChange{{k: effRolePerms, id: lr.ID, ids: w.permIDs}},
		})
	}
	if !sameSet(lr.ResourceScopeIDs, w.scopeIDs) {
		added, removed, kept := setDiff(lr.ResourceScopeIDs, w.scopeIDs)
		attrs = append(attrs, AttrChange{Name: "api_permissions", Added: displays(added, p.scopeDisplay),
			Removed: displays(removed, p.scopeDisplay), Kept: kept, Set: true})
		ops = append(ops, plannedOp{
			op:           Operation{Stage: StageRoles, Address: addr, Params: SetRoleAPIPermissions{Role: Ref(lr.ID), APIPermissions: refs(w.scopeIDs)}},
			modelChanges: []modelChange{{k: effRoleScopes, id: lr.ID, ids: w.scopeIDs}},
		})
	}
	if len(ops) == 0 {
		return
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].Name < attrs[j].Name })
	it := newItem(&Change{Address: addr, Kind: KindRole, Action: Update, ID: lr.ID, Before: before, After: after, Attrs: attrs},
		p.roleDeps(decl), ops)
	if from != "" {
		it.ch.Action, it.ch.Notes().PreviousName, it.ch.Notes().Reason = Rename, from, "renamed_from"
	}
	tr.classify(it.ch)
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
	p.add(sensitive(newItem(
		&Change{Address: addr, Kind: KindRole, Action: Create, After: after, Attrs: attrs},
		p.roleDeps(d),
		[]plannedOp{{
			op: Operation{Stage: StageRoles, Address: addr, Params: CreateRole{Name: d.Name, Description: d.Description, Type: typ,
				Permissions: refs(w.permIDs), APIPermissions: refs(w.scopeIDs), PreventDestroy: d.PreventDestroy}},
			modelChanges: []modelChange{{k: effRoleCreate, id: id, name: d.Name}, {k: effRolePerms, id: id, ids: w.permIDs}, {k: effRoleScopes, id: id, ids: w.scopeIDs}},
		}},
	), d.Sensitive))
}
