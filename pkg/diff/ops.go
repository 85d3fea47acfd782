package diff

import (
	"sort"
	"strings"
)

type groupKey struct {
	org, orgAddr string
	app          bool
}

// operations builds the operations of the kept items, and lets go of them
// (items[i] = nil): their own calls plus
// bulk calls merging membership and role additions per organization, in
// stage order and, within a stage, by address; with each its model
// changes (nil for a bulk call: opModelChanges).
func (p *planner) operations(items []*item) opModels {
	var ops []plannedOp
	// The items with assignments, by organization (and subject kind): one
	// group at a time is split into joins and role sets below. The items
	// are referred to, not copied: a large plan has one per member.
	// Each item is let go (items[i] = nil) once its operations are taken,
	// or, with an assignment, once its group's bulk calls are made.
	groups := map[groupKey][]*item{}
	for i, it := range items {
		ops = append(ops, it.ops()...)
		if in := &it.assign; in.grp != nil && (in.join || len(in.add) > 0) {
			k := groupKey{in.grp.org, in.grp.orgAddr, in.grp.app}
			groups[k] = append(groups[k], it)
		}
		items[i] = nil
	}
	keys := make([]groupKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].orgAddr != keys[j].orgAddr {
			return keys[i].orgAddr < keys[j].orgAddr
		}
		return !keys[i].app && keys[j].app
	})
	for _, k := range keys {
		org := Ref(k.org)
		var joins []*item
		adds := map[string][]*item{} // by the role set they add
		for _, it := range groups[k] {
			if it.assign.join {
				joins = append(joins, it)
			}
			if add := it.assign.add; len(add) > 0 {
				set := strings.Join(add, "\x00")
				adds[set] = append(adds[set], it)
			}
		}
		delete(groups, k)
		for _, chunk := range chunks(joins) {
			op := Operation{Stage: StageMemberships, Address: k.orgAddr, Covers: make([]string, 0, len(chunk))}
			ids := make([]string, len(chunk))
			for i, it := range chunk {
				ids[i] = it.ch.ID
				op.Covers = append(op.Covers, it.ch.Address)
			}
			op.Params = AddMembers{Organization: org, Users: ids}
			if k.app {
				op.Params = AddApplications{Organization: org, Applications: ids}
			}
			ops = append(ops, plannedOp{op: op}) // opModelChanges
		}
		for _, g := range roleGroups(adds) {
			roleIDs := g.roles
			for _, chunk := range chunks(g.subjects) {
				op := Operation{Stage: StageAssignments, Address: k.orgAddr, Covers: make([]string, 0, len(chunk))}
				ids := make([]string, len(chunk))
				for i, it := range chunk {
					ids[i] = it.ch.ID
					op.Covers = append(op.Covers, it.ch.Address)
				}
				op.Params = AssignMemberRoles{Organization: org, Users: ids, Roles: refs(roleIDs)}
				if k.app {
					op.Params = AssignApplicationRoles{Organization: org, Applications: ids, Roles: refs(roleIDs)}
				}
				ops = append(ops, plannedOp{op: op}) // opModelChanges
			}
		}
	}
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].op.Stage != ops[j].op.Stage {
			return ops[i].op.Stage < ops[j].op.Stage
		}
		return ops[i].op.Address < ops[j].op.Address
	})
	m := opModels{changes: make([][]modelChange, len(ops)), ops: make([]Operation, len(ops))}
	for i := range ops {
		m.ops[i], m.changes[i] = ops[i].op, ops[i].modelChanges
	}
	return m
}

// roleGroup is one bulk role assignment: roles given to every subject
// (the items that assign them).
type roleGroup struct {
	roles    []string
	subjects []*item
}

// roleGroups turns one organization's role additions (keyed by the role set
// they add) into the fewest bulk assignments of the two groupings Logto's
// cartesian POST .../roles allows: one call per distinct role set, or one
// call per role with every subject that gains it. Members with one role
// each favour the first; members with overlapping sets of several roles
// the second.
func roleGroups(bySet map[string][]*item) []roleGroup {
	byRole := map[string][]*item{}
	for _, group := range bySet {
		for _, it := range group {
			for _, r := range it.assign.add {
				byRole[r] = append(byRole[r], it)
			}
		}
	}
	var out []roleGroup
	if len(byRole) < len(bySet) {
		for _, r := range sortedKeys(byRole) {
			out = append(out, roleGroup{roles: []string{r}, subjects: byRole[r]})
		}
		return out
	}
	for _, set := range sortedKeys(bySet) {
		out = append(out, roleGroup{roles: bySet[set][0].assign.add, subjects: bySet[set]})
	}
	return out
}

// chunks sorts the items of assignments by subject and splits them into
// bulk-sized groups.
func chunks(in []*item) [][]*item {
	if len(in) == 0 {
		return nil
	}
	sorted := make([]*item, len(in))
	copy(sorted, in)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ch.ID < sorted[j].ch.ID })
	var out [][]*item
	for len(sorted) > bulkChunk {
		out = append(out, sorted[:bulkChunk])
		sorted = sorted[bulkChunk:]
	}
	return append(out, sorted)
}

// cleanupRecord drops recorded ids that no longer exist live.
func (p *planner) cleanupRecord() {
	rec := &p.live.Record
	addr := func(id string) string { return rec.Addresses[id] }
	for _, id := range rec.Permissions {
		if p.livePermByID[id] == nil {
			p.edits = append(p.edits, RecordEdit{Kind: KindPermission, ID: id, Remove: true, Address: addr(id)})
			p.goneDrift(KindPermission, addr(id), id)
		}
	}
	for _, id := range rec.Roles {
		if p.liveRoleByID[id] == nil {
			p.edits = append(p.edits, RecordEdit{Kind: KindRole, ID: id, Remove: true, Address: addr(id)})
			p.goneDrift(KindRole, addr(id), id)
		}
	}
	goneOrgs := map[string]bool{}
	for _, id := range rec.Organizations {
		if p.liveOrgByID[id] == nil {
			goneOrgs[id] = true
			p.goneDrift(KindOrganization, addr(id), id)
		}
	}
	for _, m := range []map[string][]string{rec.Members, rec.Applications} {
		for org := range m {
			if p.liveOrgByID[org] == nil {
				goneOrgs[org] = true
			}
		}
	}
	for _, id := range sortedKeys(goneOrgs) {
		p.edits = append(p.edits, RecordEdit{Kind: KindOrganization, ID: id, Remove: true, Address: addr(id)})
	}
	// Members the plan adds back keep their record entry (the join records them).
	joining := map[[2]string]bool{}
	if len(rec.Members) > 0 || len(rec.Applications) > 0 {
		for _, it := range p.items {
			if it.assign.join {
				joining[[2]string{it.assign.grp.org, it.ch.ID}] = true
			}
		}
	}
	for _, kind := range []string{KindMember, KindApplication} {
		m := rec.Members
		if kind == KindApplication {
			m = rec.Applications
		}
		for _, org := range sortedKeys(m) {
			lo := p.liveOrgByID[org]
			if lo == nil || !lo.Loaded || lo.MembersOfRole != "" {
				continue
			}
			live := map[string]bool{}
			if kind == KindMember {
				for _, lm := range lo.Members {
					live[lm.UserID] = true
				}
			} else {
				for _, la := range lo.Applications {
					live[la.AppID] = true
				}
			}
			for _, id := range m[org] {
				if !live[id] && !joining[[2]string{org, id}] {
					p.edits = append(p.edits, RecordEdit{Kind: kind, ID: id, Org: org, Remove: true})
				}
			}
		}
	}
	for _, id := range rec.PreventDestroy {
		if p.livePermByID[id] == nil && p.liveRoleByID[id] == nil && p.liveOrgByID[id] == nil {
			p.edits = append(p.edits, RecordEdit{Kind: RecordPreventDestroy, ID: id, Remove: true, Address: addr(id)})
		}
	}
}
