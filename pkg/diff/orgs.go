package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

func (p *planner) planOrganizations() error {
	orgs := p.cfg.Organizations
	match, failed, claimed := p.matchOrganizations()
	for i := range orgs {
		if failed[i] {
			continue
		}
		if err := p.planOrganization(&orgs[i], match[i]); err != nil {
			return err
		}
		if p.opts.ReleaseMembers && len(p.opts.Targets) == 0 {
			orgs[i].Members, orgs[i].Applications = nil, nil
		}
	}
	p.deleteUnclaimedOrganizations(claimed)
	return nil
}

// matchOrganizations matches each organization block to a live
// organization: by pinned id, then by the id the ownership record last
// managed under its address, then by exact name. It returns, per block,
// the match (nil: create) and whether the block has a problem, and the
// live ids claimed (by address).
func (p *planner) matchOrganizations() ([]*state.LiveOrganization, []bool, map[string]string) {
	orgs := p.cfg.Organizations
	match := make([]*state.LiveOrganization, len(orgs))
	failed := make([]bool, len(orgs))
	claimed := map[string]string{}
	claim := func(i int, lo *state.LiveOrganization) {
		claimed[lo.ID] = orgs[i].Address
		match[i] = lo
	}
	// 1. pinned ids
	for i := range orgs {
		o := &orgs[i]
		if o.ID == "" {
			continue
		}
		lo := p.liveOrgByID[o.ID]
		switch {
		case lo == nil:
			p.problem(o.Address, fmt.Sprintf("no organization has id %q", o.ID),
				"The id pinned by this block does not exist in the tenant: fix it, or remove it to match the organization by name.")
			failed[i] = true
			if id, ok := p.rec.orgByAddr[o.Address]; ok && claimed[id] == "" {
				// The plan is refused; do not also report the organization as deleted.
				claimed[id] = o.Address
			}
		case claimed[o.ID] != "":
			p.problem(o.Address, "this organization pins the same id as "+claimed[o.ID], "Each organization block must match a different live organization.")
			failed[i] = true
		default:
			claim(i, lo)
		}
	}
	// 2. the id the ownership record last managed under this address
	for i := range orgs {
		o := &orgs[i]
		if o.ID != "" || failed[i] {
			continue
		}
		if id, ok := p.rec.orgByAddr[o.Address]; ok {
			if lo := p.liveOrgByID[id]; lo != nil && claimed[id] == "" {
				claim(i, lo)
			}
		}
	}
	// 3. exact name
	for i := range orgs {
		o := &orgs[i]
		if o.ID != "" || failed[i] || match[i] != nil {
			continue
		}
		var cands []*state.LiveOrganization
		for _, lo := range p.liveOrgsByName[o.Name] {
			if claimed[lo.ID] == "" {
				cands = append(cands, lo)
			}
		}
		switch len(cands) {
		case 0:
		case 1:
			claim(i, cands[0])
		default:
			ids := make([]string, len(cands))
			for j, lo := range cands {
				ids[j] = lo.ID
			}
			sort.Strings(ids)
			p.problem(o.Address, fmt.Sprintf("%d live organizations are named %q: %s", len(ids), o.Name, strings.Join(ids, ", ")),
				"Logto does not keep organization names unique. Pin this block to one of them with id = \"...\", or rename the other in Logto.")
			failed[i] = true
			for _, lo := range cands {
				claimed[lo.ID] = o.Address
			}
		}
	}
	return match, failed, claimed
}

// deleteUnclaimedOrganizations plans the delete of the live organizations
// no block claims that orgsync manages (or all of them, when organizations
// are exclusive).
func (p *planner) deleteUnclaimedOrganizations(claimed map[string]string) {
	for i := range p.live.Organizations {
		lo := &p.live.Organizations[i]
		if claimed[lo.ID] != "" {
			continue
		}
		addr := state.OrganizationAddress(state.AddressPart(lo.Name))
		recAddr := p.recordedAddress(lo.ID)
		if p.rec.orgs[lo.ID] && recAddr != "" {
			addr = recAddr
		}
		it := p.deleteItem(KindOrganization, lo.ID, addr, p.rec.orgs[lo.ID], p.cfg.Settings.ExclusiveOrganizations)
		if it == nil {
			p.unmanaged.Organizations++
			continue
		}
		it.ch.Before = p.orgAttrs(lo)
		it.setOps(plannedOp{
			op:           Operation{Stage: StageDeleteOrgs, Address: addr, Params: DeleteOrganization{Organization: Ref(lo.ID)}},
			modelChanges: []modelChange{{k: effOrgDel, id: lo.ID}},
		})
		p.guardDelete(it, lo.ID, addr, recAddr)
	}
}

func (p *planner) orgAttrs(lo *state.LiveOrganization) map[string]any {
	cd := lo.CustomData
	if cd == nil {
		cd = map[string]any{}
	}
	_, plain, err := canonical(cd)
	if err != nil {
		plain = map[string]any{}
	}
	return map[string]any{"name": lo.Name, "description": nullable(lo.Description), "custom_data": plain, "mfa_required": lo.MFARequired}
}

var orgAttrNames = []string{"branding", "color", "custom_css", "custom_data", "description", "mfa_required", "name"}

// trackedOrgAttrs are the attributes of an organization block orgsync
// manages: its name, and those it sets.
func trackedOrgAttrs(o *state.Organization) []string {
	out := []string{"name"}
	if o.Description != nil {
		out = append(out, "description")
	}
	if o.CustomData != nil {
		out = append(out, "custom_data")
	}
	if o.MFARequired != nil {
		out = append(out, "mfa_required")
	}
	if o.Branding != nil {
		out = append(out, "branding")
	}
	if o.Color != nil {
		out = append(out, "color")
	}
	if o.CustomCSS != nil {
		out = append(out, "custom_css")
	}
	return out
}

// withoutIgnored is an organization block as planned against its live
// organization: lifecycle.ignore_changes attributes are not managed (the
// name keeps the live one).
func withoutIgnored(o *state.Organization, lo *state.LiveOrganization, customData any) (*state.Organization, any) {
	if len(o.Ignored) == 0 {
		return o, customData
	}
	c := *o
	if c.Ignores("name") {
		c.Name = lo.Name
	}
	if c.Ignores("description") {
		c.Description = nil
	}
	if c.Ignores("custom_data") {
		c.CustomData, customData = nil, nil
	}
	if c.Ignores("mfa_required") {
		c.MFARequired = nil
	}
	if c.Ignores("branding") {
		c.Branding = nil
	}
	if c.Ignores("color") {
		c.Color = nil
	}
	if c.Ignores("custom_css") {
		c.CustomCSS = nil
	}
	return &c, customData
}

func (p *planner) planOrganization(o *state.Organization, lo *state.LiveOrganization) error {
	addr := o.Address
	var customData any
	if o.CustomData != nil {
		_, plain, err := canonical(o.CustomData)
		if err != nil {
			p.problem(addr, "custom_data cannot be encoded as JSON", err.Error())
			return nil
		}
		customData = plain
	}
	var orgID string
	if lo == nil {
		orgID = ref("org:" + addr)
		after := map[string]any{"name": o.Name}
		create := CreateOrganization{Name: o.Name, CustomData: customData, MFARequired: o.MFARequired, PreventDestroy: o.PreventDestroy}
		if o.Description != nil {
			after["description"] = nullable(*o.Description)
			if *o.Description != "" {
				create.Description = o.Description
			}
		}
		if customData != nil {
			after["custom_data"] = customData
		}
		if o.MFARequired != nil {
			after["mfa_required"] = *o.MFARequired
		}
		create.Branding, create.Color, create.CustomCSS = p.createBranding(o, after)
		for _, same := range p.liveOrgsByName[o.Name] {
			create.SameName = append(create.SameName, same.ID)
		}
		sort.Strings(create.SameName)
		p.track(KindOrganization, addr, "", orgID, "", nil, after, o.Tracked(trackedOrgAttrs(o)...), o.Sensitive)
		p.add(sensitive(newItem(
			&Change{Address: addr, Kind: KindOrganization, Action: Create, After: after, Attrs: scalarAttrs(nil, after, orgAttrNames...)},
			nil, []plannedOp{{
				op:           Operation{Stage: StageOrgs, Address: addr, Params: create},
				modelChanges: []modelChange{{k: effOrgCreate, id: orgID, name: o.Name}},
			}},
		), o.Sensitive))
	} else {
		orgID = lo.ID
		p.adopt(KindOrganization, lo.ID, addr, p.rec.orgs[lo.ID], o.PreventDestroy)
		o, customData := withoutIgnored(o, lo, customData)
		before := p.orgAttrs(lo)
		after := make(map[string]any, len(before))
		for k, v := range before {
			after[k] = v
		}
		update := UpdateOrganization{Organization: Ref(lo.ID)}
		changed := false
		after["name"] = o.Name
		if o.Name != lo.Name {
			update.Name, changed = &o.Name, true
		}
		if o.Description != nil {
			after["description"] = nullable(*o.Description)
			if *o.Description != lo.Description {
				update.Description, changed = o.Description, true
			}
		}
		if customData != nil {
			after["custom_data"] = customData
			if mustJSON(customData) != mustJSON(before["custom_data"]) {
				update.CustomData, changed = customData, true
			}
		}
		if o.MFARequired != nil {
			after["mfa_required"] = *o.MFARequired
			if *o.MFARequired != lo.MFARequired {
				update.MFARequired, changed = o.MFARequired, true
			}
		}
		if br, col, css, ok := p.updateBranding(o, lo, before, after); ok {
			update.Branding, update.Color, update.CustomCSS, changed = br, col, css, true
		}
		tr := p.track(KindOrganization, addr, lo.ID, lo.ID, "", before, after, o.Tracked(trackedOrgAttrs(o)...), o.Sensitive)
		if changed {
			it := newItem(
				&Change{Address: addr, Kind: KindOrganization, Action: Update, ID: lo.ID, Before: before, After: after,
					Attrs: scalarAttrs(before, after, orgAttrNames...)},
				nil, []plannedOp{{op: Operation{Stage: StageOrgs, Address: addr, Params: update},
					modelChanges: []modelChange{{k: effOrgName, id: lo.ID, name: o.Name}}}},
			)
			tr.classify(it.ch)
			p.add(sensitive(it, o.Sensitive))
		}
		needed := len(p.opts.Targets) == 0 || p.targeted(addr)
		if !lo.Loaded || (o.JIT != nil && !lo.JITLoaded) || (o.JIT != nil && o.JIT.ManageSSOConnectors && !lo.JITSSOLoaded) {
			if needed {
				return fmt.Errorf("diff: the members, applications or JIT settings of organization %s (id %s) were not read; "+
					"read every declared organization in full before planning", addr, lo.ID)
			}
			return nil
		}
		p.massLive[KindMember] += len(lo.Members)
		p.massLive[KindApplication] += len(lo.Applications)
	}
	p.planMembers(o, lo, orgID)
	p.planApplications(o, lo, orgID)
	p.planJIT(o, lo, orgID)
	return nil
}

// roleIDs resolves role names for a member, application, JIT or invitation.
func (p *planner) roleIDs(names []string, addr string) ([]string, bool) {
	ids := make([]string, 0, len(names))
	ok := true
	for _, n := range names {
		id, found := p.roleID[n]
		if !found {
			p.problem(addr, fmt.Sprintf("unknown role %q", n), "Use a role declared with a role block (or fix the role's own problem).")
			ok = false
			continue
		}
		ids = append(ids, id)
	}
	return sortedUnique(ids), ok
}

// roleName names a role id or reference after the plan.
func (p *planner) roleName(id string) string {
	if strings.HasPrefix(id, "${role:") {
		return strings.TrimSuffix(strings.TrimPrefix(id, "${role:"), "}")
	}
	return p.roleDisplay(id)
}

// subjectDeps are the dependencies of a change in the organization at
// orgAddr that needs roles: the organization and the roles. Only a
// targeted plan reads dependencies (keep): without targets there are none
// to hold, one list per member in a large plan.
func (p *planner) subjectDeps(orgAddr string, roles []string) []string {
	if len(p.opts.Targets) == 0 {
		return nil
	}
	deps := make([]string, 0, len(roles)+1)
	deps = append(deps, orgAddr)
	for _, r := range roles {
		deps = append(deps, state.RoleAddress(r))
	}
	return deps
}

func memberKind(label string, k state.MemberRefKind) state.MemberRefKind {
	if k != "" {
		return k
	}
	switch {
	case strings.HasPrefix(label, "id:"):
		return state.RefID
	case strings.Contains(label, "@"):
		return state.RefEmail
	}
	return state.RefUsername
}

func (p *planner) resolveUser(m *state.Member, liveRoles map[string][]string) (string, bool) {
	v := m.Value
	if v == "" {
		v = strings.TrimPrefix(m.Label, "id:")
	}
	switch memberKind(m.Label, m.Kind) {
	case state.RefEmail:
		id, ok := p.usersByEmail[strings.ToLower(v)]
		return id, ok
	case state.RefID:
		if _, ok := p.live.Users[v]; ok {
			return v, true
		}
		_, ok := liveRoles[v]
		return v, ok
	default:
		id, ok := p.usersByName[v]
		return id, ok
	}
}

// userLabel is how an undeclared live member is addressed.
func (p *planner) userLabel(id string) string {
	if u, ok := p.live.Users[id]; ok {
		if u.Email != "" {
			return u.Email
		}
		if u.Username != "" {
			return u.Username
		}
	}
	return "id:" + id
}

// subjectValues returns the shared Change.Values of members (or
// applications) whose roles are before and after (role names; nil for a
// side that does not exist).
func (p *planner) subjectValues(key string, before, after []string) *subjectValues {
	var k subjectKey
	k.key = key
	if before != nil {
		k.before = p.roleListRef(before)
	}
	if after != nil {
		k.after = p.roleListRef(after)
	}
	if s, ok := p.sharedSubjects[k]; ok {
		return s
	}
	if p.sharedSubjects == nil {
		p.sharedSubjects = map[subjectKey]*subjectValues{}
	}
	s := &subjectValues{key: key}
	if k.before != nil {
		s.before = k.before.boxed
	}
	if k.after != nil {
		s.after = k.after.boxed
	}
	p.sharedSubjects[k] = s
	return s
}

// subjectKey identifies shared subjectValues by their shared role lists.
type subjectKey struct {
	key           string
	before, after *sharedRoleList
}

// rolesValue is the attributes track compares of a member or an
// application with role names roles: a map shared by the subjects that
// hold the same, which nothing writes into.
func (p *planner) rolesValue(roles []string) map[string]any {
	r := p.roleListRef(roles)
	if r.values == nil {
		r.values = map[string]any{"roles": r.boxed}
	}
	return r.values
}

// joinAttrs is the attribute change of a subject that joins with roles a:
// one slice shared by the subjects that join with the same roles (a
// create's attribute changes are not classified or edited afterwards).
func (p *planner) joinAttrs(a AttrChange) []AttrChange {
	a.Added, _ = p.roleList(a.Added)
	k := &a.Added[0] // setAttr reports a change only when roles are added
	if attrs, ok := p.sharedJoinAttrs[k]; ok {
		return attrs
	}
	if p.sharedJoinAttrs == nil {
		p.sharedJoinAttrs = map[*string][]AttrChange{}
	}
	attrs := []AttrChange{a}
	p.sharedJoinAttrs[k] = attrs
	return attrs
}

// sharedRoleList is a role-name list, the same list as an attribute value,
// and as rolesValue.
type sharedRoleList struct {
	list   []string
	boxed  any
	values map[string]any
}

// roleList returns the shared copy of the role list roles (never nil),
// alone and as an attribute value. Nothing writes into a plan's lists.
func (p *planner) roleList(roles []string) ([]string, any) {
	s := p.roleListRef(roles)
	return s.list, s.boxed
}

// roleListRef is roleList's entry for roles.
func (p *planner) roleListRef(roles []string) *sharedRoleList {
	k := strings.Join(roles, "\x00")
	if s, ok := p.sharedRoles[k]; ok {
		return s
	}
	if p.sharedRoles == nil {
		p.sharedRoles = map[string]*sharedRoleList{}
	}
	l := copyStrings(roles)
	s := &sharedRoleList{list: l, boxed: l}
	p.sharedRoles[k] = s
	return s
}

// declared is a member or application block resolved to its live id.
type declared struct {
	app       bool
	addr, id  string
	roles     []string // role names as declared
	prevent   bool
	ignored   state.Ignored
	orgAddr   string
	liveRoles map[string][]string // the organization's live subjects of this kind
}

func (d declared) kind() string {
	if d.app {
		return KindApplication
	}
	return KindMember
}

func (d declared) idAttr() string {
	if d.app {
		return "application_id"
	}
	return "user_id"
}

// managed reports whether the record says orgsync added the subject.
func (p *planner) managed(app bool, org, id string) bool {
	if app {
		return p.rec.apps[org][id]
	}
	return p.rec.members[org][id]
}

// liveSubjects maps the live members (or applications) of an organization
// to their role ids.
func liveSubjects(lo *state.LiveOrganization, app bool) map[string][]string {
	out := map[string][]string{}
	if lo == nil {
		return out
	}
	if app {
		for _, a := range lo.Applications {
			out[a.AppID] = a.RoleIDs
		}
		return out
	}
	for _, m := range lo.Members {
		out[m.UserID] = m.RoleIDs
	}
	return out
}

// planSubject plans one declared member or application: it joins with its
// roles, or its roles change; drift, prevent_destroy and ignore_changes as
// for any block.
func (p *planner) planSubject(lo *state.LiveOrganization, orgID string, d declared) {
	kind := d.kind()
	ids, ok := p.roleIDs(d.roles, d.addr)
	if !ok {
		return
	}
	if len(ids) > 0 {
		ids, _ = p.roleList(ids) // shared by the subjects with the same roles
	}
	names := sortedUnique(d.roles)
	lr, isMember := d.liveRoles[d.id]
	if isMember && d.ignored.Ignores("roles") {
		ids, names = lr, displays(lr, p.roleDisplay)
	}
	p.markPrevent(kind, orgID, d.id, d.addr, d.prevent)
	after := p.rolesValue(names)
	deps := p.subjectDeps(d.orgAddr, d.roles)
	if !isMember {
		p.track(kind, d.addr, "", d.id, orgID, nil, after, d.ignored.Tracked("roles"), nil)
		it := newItem(&Change{Address: d.addr, Kind: kind, Action: Create, ID: d.id,
			subject: p.subjectValues(d.idAttr(), nil, names)}, deps, nil)
		it.assign = assignment{grp: p.assignGroup(orgID, d.orgAddr, d.app), join: true, add: ids}
		if a, ok := setAttr("roles", nil, names); ok {
			it.ch.Attrs = p.joinAttrs(a)
		}
		if lo != nil && p.managed(d.app, lo.ID, d.id) {
			p.drift = append(p.drift, Drift{Address: d.addr, Kind: kind, Action: DriftDelete, ID: d.id})
			p.gone[d.addr] = true
		}
		p.add(it)
		return
	}
	beforeNames := displays(lr, p.roleDisplay)
	before := p.rolesValue(beforeNames)
	tr := p.track(kind, d.addr, state.AppliedKey(kind, lo.ID, d.id), d.id, lo.ID, before, after, d.ignored.Tracked("roles"), nil)
	if !p.managed(d.app, lo.ID, d.id) {
		p.edits = append(p.edits, RecordEdit{Kind: kind, ID: d.id, Org: lo.ID, Address: d.addr})
	}
	if sameSet(lr, ids) {
		return
	}
	added, removed, kept := setDiff(lr, ids)
	it := newItem(&Change{Address: d.addr, Kind: kind, Action: Update, ID: d.id,
		subject: p.subjectValues(d.idAttr(), beforeNames, names),
		Attrs:   []AttrChange{{Name: "roles", Added: displays(added, p.roleName), Removed: displays(removed, p.roleDisplay), Kept: kept, Set: true}}},
		deps, nil)
	tr.classify(it.ch)
	switch {
	case len(removed) == 0:
		it.assign = assignment{grp: p.assignGroup(orgID, d.orgAddr, d.app), add: added}
	case !d.app:
		// One PUT replaces a member's roles.
		it.addOps(plannedOp{
			op:           Operation{Stage: StageAssignments, Address: d.addr, Params: SetMemberRoles{Organization: Ref(orgID), User: d.id, Roles: refs(ids)}},
			modelChanges: []modelChange{{k: effSetRoles, org: orgID, id: d.id, ids: ids}},
		})
	default:
		// An application's roles cannot be cleared with PUT: add, then
		// remove one by one.
		if len(added) > 0 {
			it.assign = assignment{grp: p.assignGroup(orgID, d.orgAddr, true), add: added}
		}
		for _, r := range removed {
			it.addOps(plannedOp{
				op:           Operation{Stage: StageAssignments, Address: d.addr, Params: RemoveApplicationRole{Organization: Ref(orgID), Application: d.id, Role: Ref(r)}},
				modelChanges: []modelChange{{k: effDelRole, org: orgID, id: d.id, app: true, ids: []string{r}}},
			})
		}
	}
	p.add(it)
}

// removeUndeclared plans the removal of the live members (or
// applications) of an organization its block does not declare.
func (p *planner) removeUndeclared(lo *state.LiveOrganization, o *state.Organization, app bool, declaredIDs map[string]string) {
	if lo == nil {
		return
	}
	live := liveSubjects(lo, app)
	for _, id := range sortedKeys(live) {
		if declaredIDs[id] == "" {
			p.removeSubject(lo, o, o.Address, app, id, live[id])
		}
	}
}

func (p *planner) planMembers(o *state.Organization, lo *state.LiveOrganization, orgID string) {
	addr := o.Address
	liveRoles := liveSubjects(lo, false)
	seen := make(map[string]string, len(o.Members))
	for i := range o.Members {
		m := &o.Members[i]
		maddr := m.Address(addr)
		uid, ok := p.resolveUser(m, liveRoles)
		if !ok {
			p.missingUser(lo, orgID, addr, m, maddr)
			continue
		}
		if other, dup := seen[uid]; dup {
			p.problem(maddr, "this member is the same user as "+other, fmt.Sprintf("Both blocks resolve to user %s; keep one.", uid))
			continue
		}
		seen[uid] = maddr
		p.revokeSuperseded(lo, m, addr, maddr, uid)
		p.planSubject(lo, orgID, declared{addr: maddr, id: uid, roles: m.Roles, prevent: m.PreventDestroy, ignored: m.Ignored,
			orgAddr: addr, liveRoles: liveRoles})
	}
	p.removeUndeclared(lo, o, false, seen)
}

// removeSubject plans the removal of a live member (or, with app, an
// application) that the organization's block does not declare: a delete
// when orgsync added it or members are exclusive, else it is counted as
// unmanaged and left alone.
func (p *planner) removeSubject(lo *state.LiveOrganization, o *state.Organization, addr string, app bool, id string, roleIDs []string) {
	kind, label, managed := KindMember, p.userLabel(id), p.rec.members[lo.ID][id]
	attr, counter := "user_id", &p.unmanaged.Members
	saddr := state.MemberAddress(addr, label)
	var remove Params = RemoveMember{Organization: Ref(lo.ID), User: id}
	if app {
		kind, label, managed = KindApplication, p.appLabel(id), p.rec.apps[lo.ID][id]
		attr, counter = "application_id", &p.unmanaged.Applications
		saddr = state.ApplicationAddress(addr, label)
		remove = RemoveApplication{Organization: Ref(lo.ID), Application: id}
	}
	it := p.deleteItem(kind, id, saddr, managed, o.ExclusiveMembers)
	if it == nil {
		*counter++
		return
	}
	p.guardDelete(it, state.AppliedKey(kind, lo.ID, id), saddr)
	it.ch.subject = p.subjectValues(attr, displays(roleIDs, p.roleDisplay), nil)
	it.setOps(plannedOp{
		op:           Operation{Stage: StageRemoveMember, Address: saddr, Params: remove},
		modelChanges: []modelChange{{k: effLeave, org: lo.ID, id: id, app: app}},
	})
}

func (p *planner) pendingInvitation(orgID, email string) bool {
	for _, inv := range p.live.Invitations {
		if inv.OrganizationID == orgID && strings.EqualFold(inv.Invitee, email) {
			return true
		}
	}
	return false
}

func (p *planner) missingUser(lo *state.LiveOrganization, orgID, orgAddr string, m *state.Member, maddr string) {
	switch p.cfg.Settings.MissingUsers {
	case state.MissingUsersSkip:
		p.warnings = append(p.warnings, fmt.Sprintf("%s: no Logto user matches %q; skipped (missing_users = \"skip\")", maddr, m.Label))
	case state.MissingUsersInvite:
		if memberKind(m.Label, m.Kind) != state.RefEmail {
			p.problem(maddr, fmt.Sprintf("no Logto user matches %q, and only email members can be invited", m.Label),
				"Create the user first, or declare the member by email address so that missing_users = \"invite\" can invite them.")
			return
		}
		email := strings.ToLower(m.Value)
		if email == "" {
			email = strings.ToLower(m.Label)
		}
		if lo != nil && p.pendingInvitation(lo.ID, email) {
			return
		}
		if p.opts.Now.IsZero() {
			p.problem(maddr, "cannot plan an invitation without the planning time",
				"diff.Options.Now must be set when missing_users = \"invite\" (the invitation expires 7 days after it).")
			return
		}
		ids, ok := p.roleIDs(m.Roles, maddr)
		if !ok {
			return
		}
		names := sortedUnique(m.Roles)
		after := map[string]any{"invitee": email, "roles": copyStrings(names)}
		attrs := scalarAttrs(nil, after, "invitee")
		if a, ok := setAttr("roles", nil, names); ok {
			attrs = append(attrs, a)
		}
		expires := p.opts.Now.Add(p.invitationTTL()).UnixMilli()
		p.add(p.inviteByEmail(newItem(
			&Change{Address: maddr, Kind: KindInvitation, Action: Create, After: after, Attrs: attrs, ChangeNotes: &ChangeNotes{Reason: "missing_user"}},
			p.subjectDeps(orgAddr, m.Roles),
			[]plannedOp{{op: Operation{Stage: StageAssignments, Address: maddr,
				Params: CreateInvitation{Organization: Ref(orgID), Invitee: email, Roles: refs(ids), ExpiresAt: expires}}}},
		), email))
	default:
		p.problem(maddr, fmt.Sprintf(missingUserSummary+"%q", m.Label),
			"Create the user first, remove the member block, or set missing_users = \"skip\" or \"invite\" in the orgsync block.")
	}
}

// resolveApp finds the live application an application block names.
func (p *planner) resolveApp(a *state.Application, addr string) (string, bool) {
	kind := a.Kind
	v := a.Value
	if kind == "" {
		kind = state.RefName
		if strings.HasPrefix(a.Label, "id:") {
			kind = state.RefID
		}
	}
	if v == "" {
		v = strings.TrimPrefix(a.Label, "id:")
	}
	var id string
	if kind == state.RefID {
		if _, ok := p.live.Applications[v]; !ok {
			p.problem(addr, fmt.Sprintf("no application has id %q", v), "Fix the id, or create the application in Logto first.")
			return "", false
		}
		id = v
	} else {
		ids := p.appsByName[v]
		switch len(ids) {
		case 0:
			p.problem(addr, fmt.Sprintf("no application is named %q", v), "Fix the name, or create the machine-to-machine application in Logto first.")
			return "", false
		case 1:
			id = ids[0]
		default:
			p.problem(addr, fmt.Sprintf("%d applications are named %q: %s", len(ids), v, strings.Join(ids, ", ")),
				"Application names are not unique; refer to one by id: application \"id:<appId>\".")
			return "", false
		}
	}
	if t := p.live.Applications[id].Type; t != state.RoleTypeM2M {
		p.problem(addr, fmt.Sprintf("application %s is a %s application", id, t),
			"Only machine-to-machine applications can join organizations.")
		return "", false
	}
	return id, true
}

// appLabel is how an undeclared live application member is addressed.
func (p *planner) appLabel(id string) string {
	if a, ok := p.live.Applications[id]; ok && a.Name != "" && len(p.appsByName[a.Name]) == 1 {
		return a.Name
	}
	return "id:" + id
}

func (p *planner) planApplications(o *state.Organization, lo *state.LiveOrganization, orgID string) {
	addr := o.Address
	liveRoles := liveSubjects(lo, true)
	seen := map[string]string{}
	for i := range o.Applications {
		a := &o.Applications[i]
		aaddr := a.Address(addr)
		id, ok := p.resolveApp(a, aaddr)
		if !ok {
			continue
		}
		if other, dup := seen[id]; dup {
			p.problem(aaddr, "this application is the same as "+other, "Both blocks resolve to application "+id+"; keep one.")
			continue
		}
		seen[id] = aaddr
		p.planSubject(lo, orgID, declared{app: true, addr: aaddr, id: id, roles: a.Roles, prevent: a.PreventDestroy, ignored: a.Ignored,
			orgAddr: addr, liveRoles: liveRoles})
	}
	p.removeUndeclared(lo, o, true, seen)
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return sortedUnique(out)
}

func (p *planner) planJIT(o *state.Organization, lo *state.LiveOrganization, orgID string) {
	if o.JIT == nil {
		return
	}
	addr := state.JITAddress(o.Address)
	domains := lowerAll(o.JIT.EmailDomains)
	ids, ok := p.roleIDs(o.JIT.Roles, addr)
	if !ok {
		return
	}
	sso, ok := p.jitSSO(o.JIT, lo, addr)
	if !ok {
		return
	}
	var liveDomains, liveRoles []string
	roleNames := sortedUnique(o.JIT.Roles)
	var before map[string]any
	if lo != nil {
		liveDomains, liveRoles = lowerAll(lo.JIT.EmailDomains), sortedUnique(lo.JIT.Roles)
		before = map[string]any{"email_domains": copyStrings(liveDomains), "roles": displays(liveRoles, p.roleDisplay)}
		if o.JIT.Ignores("email_domains") {
			domains = liveDomains
		}
		if o.JIT.Ignores("roles") {
			ids, roleNames = liveRoles, displays(liveRoles, p.roleDisplay)
		}
	}
	after := map[string]any{"email_domains": copyStrings(domains), "roles": copyStrings(roleNames)}
	names := o.JIT.Tracked("email_domains", "roles")
	manageSSO := o.JIT.ManageSSOConnectors && !o.JIT.Ignores("sso_connectors")
	if manageSSO {
		after["sso_connectors"] = copyStrings(sso.names)
		if before != nil {
			before["sso_connectors"] = copyStrings(sso.liveNames)
		}
		names = append(names, "sso_connectors")
	} else {
		sso.changed = false
	}
	var tr tracked
	if lo != nil {
		tr = p.track(KindJIT, addr, state.AppliedKey(KindJIT, lo.ID, ""), lo.ID, lo.ID, before, after, names, nil)
	} else {
		p.track(KindJIT, addr, "", orgID, orgID, nil, after, names, nil)
	}
	sameDomains, sameRoles := sameSet(liveDomains, domains), sameSet(liveRoles, ids)
	if sameDomains && sameRoles && !sso.changed {
		return
	}
	it := newItem(&Change{Address: addr, Kind: KindJIT, Action: Update, ID: orgID, After: after, Before: before}, p.subjectDeps(o.Address, o.JIT.Roles), nil)
	if lo == nil {
		it.ch.Action, it.ch.ID = Create, ""
	}
	if !sameDomains {
		a, _ := setAttr("email_domains", liveDomains, domains)
		it.ch.Attrs = append(it.ch.Attrs, a)
		it.addOps(plannedOp{op: Operation{Stage: StageAssignments, Address: addr,
			Params: SetJITEmailDomains{Organization: Ref(orgID), EmailDomains: copyStrings(domains)}}})
	}
	if !sameRoles {
		added, removed, kept := setDiff(liveRoles, ids)
		it.ch.Attrs = append(it.ch.Attrs, AttrChange{Name: "roles", Added: displays(added, p.roleName),
			Removed: displays(removed, p.roleDisplay), Kept: kept, Set: true})
		it.addOps(plannedOp{op: Operation{Stage: StageAssignments, Address: addr,
			Params: SetJITRoles{Organization: Ref(orgID), Roles: refs(ids)}}})
	}
	if sso.changed {
		a, _ := setAttr("sso_connectors", sso.liveNames, sso.names)
		it.ch.Attrs = append(it.ch.Attrs, a)
		it.addOps(plannedOp{op: Operation{Stage: StageAssignments, Address: addr,
			Params: SetJITSSOConnectors{Organization: Ref(orgID), SSOConnectors: copyStrings(sso.ids)}}})
	}
	tr.classify(it.ch)
	p.add(it)
}
