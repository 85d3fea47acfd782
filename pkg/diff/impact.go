package diff

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// modelChangeKind is what an operation does to the scope model.
type modelChangeKind uint8

const (
	effPermSet    modelChangeKind = iota // a permission is created or renamed
	effPermDel                           // a permission is deleted (and leaves every role)
	effRoleCreate                        // a role is created
	effRoleName                          // a role is renamed
	effRolePerms                         // a role's organization permissions are replaced
	effRoleScopes                        // a role's API permissions are replaced
	effRoleDel                           // a role is deleted (and leaves every subject)
	effOrgCreate                         // an organization is created
	effOrgName                           // an organization is renamed
	effOrgDel                            // an organization is deleted with its members
	effJoin                              // a subject joins an organization
	effAddRoles                          // a subject gains roles
	effSetRoles                          // a subject's roles are replaced
	effDelRole                           // a subject loses one role
	effLeave                             // a subject leaves an organization
)

// modelChange is the change one operation makes to who holds which scope.
type modelChange struct {
	k       modelChangeKind
	id, org string // object id (subject id for memberships); organization id
	name    string
	app     bool
	ids     []string
	// subjects, when not nil, are the subject ids a membership change
	// applies to, each as if it were id (one change for a bulk call).
	subjects []string
}

type modelRole struct {
	name          string
	perms, scopes []string
}

type modelOrg struct {
	name        string
	users, apps map[string][]string
}

// model is who holds which role and which scopes each role carries.
type model struct {
	perms map[string]string // permission id => name
	roles map[string]*modelRole
	orgs  map[string]*modelOrg // only organizations whose members are known
	owned map[string]bool      // orgs copied from the before model (copy on write)
}

func (p *planner) beforeModel() *model {
	m := &model{perms: map[string]string{}, roles: map[string]*modelRole{}, orgs: map[string]*modelOrg{}}
	for _, lp := range p.live.Permissions {
		m.perms[lp.ID] = lp.Name
	}
	for _, lr := range p.live.Roles {
		m.roles[lr.ID] = &modelRole{name: lr.Name, perms: lr.PermissionIDs, scopes: lr.ResourceScopeIDs}
	}
	for i := range p.live.Organizations {
		lo := &p.live.Organizations[i]
		if !lo.Loaded {
			continue
		}
		o := &modelOrg{name: lo.Name, users: make(map[string][]string, len(lo.Members)), apps: make(map[string][]string, len(lo.Applications))}
		for _, mm := range lo.Members {
			o.users[mm.UserID] = mm.RoleIDs
		}
		for _, a := range lo.Applications {
			o.apps[a.AppID] = a.RoleIDs
		}
		m.orgs[lo.ID] = o
	}
	return m
}

// derive returns a model that shares the organizations of m until they change.
func (m *model) derive() *model {
	n := &model{perms: make(map[string]string, len(m.perms)), roles: make(map[string]*modelRole, len(m.roles)),
		orgs: make(map[string]*modelOrg, len(m.orgs)), owned: map[string]bool{}}
	for k, v := range m.perms {
		n.perms[k] = v
	}
	for k, v := range m.roles {
		c := *v
		n.roles[k] = &c
	}
	for k, v := range m.orgs {
		n.orgs[k] = v
	}
	return n
}

func (m *model) org(id string) *modelOrg {
	o := m.orgs[id]
	if o == nil || m.owned[id] {
		return o
	}
	c := &modelOrg{name: o.name, users: make(map[string][]string, len(o.users)), apps: make(map[string][]string, len(o.apps))}
	for k, v := range o.users {
		c.users[k] = v
	}
	for k, v := range o.apps {
		c.apps[k] = v
	}
	m.orgs[id] = c
	m.owned[id] = true
	return c
}

// orgScope is the organization the change applies to; "" for a change to
// a permission or a role.
func (e modelChange) orgScope() string {
	switch e.k {
	case effOrgCreate, effOrgName, effOrgDel:
		return e.id
	case effJoin, effAddRoles, effSetRoles, effDelRole, effLeave:
		return e.org
	}
	return ""
}

func (m *model) apply(e modelChange) {
	switch e.k {
	case effPermSet:
		m.perms[e.id] = e.name
	case effPermDel:
		delete(m.perms, e.id)
	case effRoleCreate:
		m.roles[e.id] = &modelRole{name: e.name}
	case effRoleName, effRolePerms, effRoleScopes:
		r := m.roles[e.id]
		if r == nil {
			return
		}
		switch e.k {
		case effRoleName:
			r.name = e.name
		case effRolePerms:
			r.perms = e.ids
		default:
			r.scopes = e.ids
		}
	case effRoleDel:
		delete(m.roles, e.id)
	case effOrgCreate:
		m.orgs[e.id] = &modelOrg{name: e.name, users: map[string][]string{}, apps: map[string][]string{}}
		m.owned[e.id] = true
	case effOrgName:
		if o := m.org(e.id); o != nil {
			o.name = e.name
		}
	case effOrgDel:
		delete(m.orgs, e.id)
	default:
		o := m.org(e.org)
		if o == nil {
			return
		}
		subjects := o.users
		if e.app {
			subjects = o.apps
		}
		if e.subjects == nil {
			applySubject(subjects, e, e.id)
			return
		}
		for _, id := range e.subjects {
			applySubject(subjects, e, id)
		}
	}
}

// opModels are the model changes of a plan's operations: those the planner
// kept (changes[i] of operation i, nil for a bulk membership call), else
// those its parameters say (opModelChanges).
type opModels struct {
	changes [][]modelChange
	ops     []Operation
}

func (m opModels) of(i int) []modelChange {
	if c := m.changes[i]; c != nil {
		return c
	}
	return opModelChanges(m.ops[i])
}

// opModelChanges are the model changes of a bulk membership call, from its
// parameters; none for other operations.
func opModelChanges(op Operation) []modelChange {
	strs := func(refs []Ref) []string {
		out := make([]string, len(refs))
		for i, r := range refs {
			out[i] = string(r)
		}
		return out
	}
	switch x := op.Params.(type) {
	case AddMembers:
		return []modelChange{{k: effJoin, org: string(x.Organization), subjects: x.Users}}
	case AddApplications:
		return []modelChange{{k: effJoin, org: string(x.Organization), app: true, subjects: x.Applications}}
	case AssignMemberRoles:
		return []modelChange{{k: effAddRoles, org: string(x.Organization), ids: strs(x.Roles), subjects: x.Users}}
	case AssignApplicationRoles:
		return []modelChange{{k: effAddRoles, org: string(x.Organization), app: true, ids: strs(x.Roles), subjects: x.Applications}}
	}
	return nil
}

// bulkOrganization is the organization of a bulk membership call ("" for
// other operations): that of each of its opModelChanges.
func bulkOrganization(op Operation) string {
	switch x := op.Params.(type) {
	case AddMembers:
		return string(x.Organization)
	case AddApplications:
		return string(x.Organization)
	case AssignMemberRoles:
		return string(x.Organization)
	case AssignApplicationRoles:
		return string(x.Organization)
	}
	return ""
}

// applySubject applies the membership change e to the subject id.
func applySubject(subjects map[string][]string, e modelChange, id string) {
	cur, member := subjects[id]
	switch e.k {
	case effJoin:
		if !member {
			subjects[id] = nil
		}
	case effAddRoles:
		if member {
			subjects[id] = sortedUnique(append(append([]string(nil), cur...), e.ids...))
		}
	case effSetRoles:
		if member {
			subjects[id] = e.ids
		}
	case effDelRole:
		if member {
			var keep []string
			for _, r := range cur {
				if !contains(e.ids, r) {
					keep = append(keep, r)
				}
			}
			subjects[id] = keep
		}
	case effLeave:
		delete(subjects, id)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// permKey is one effective permission: an organization permission by name, or
// an API permission by resource indicator and scope name.
type permKey struct {
	api       bool
	res, name string
}

// roleKeys returns each role's permissions by name, sorted.
func (p *planner) roleKeys(m *model) map[string][]permKey {
	out := make(map[string][]permKey, len(m.roles))
	for id, r := range m.roles {
		var ks []permKey
		for _, pid := range r.perms {
			if n, ok := m.perms[pid]; ok {
				ks = append(ks, permKey{name: n})
			}
		}
		for _, sid := range r.scopes {
			if s, ok := p.scopeByID[sid]; ok {
				ks = append(ks, permKey{api: true, res: s.indicator, name: s.name})
			} else {
				ks = append(ks, permKey{api: true, res: "?", name: sid})
			}
		}
		sort.Slice(ks, func(i, j int) bool { return pkeyLess(ks[i], ks[j]) })
		out[id] = ks
	}
	return out
}

func pkeyLess(a, b permKey) bool {
	if a.api != b.api {
		return !a.api
	}
	if a.res != b.res {
		return a.res < b.res
	}
	return a.name < b.name
}

func sameKeys(a, b []permKey) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// holdings computes what a role set grants, each permission with the
// lexicographically first role granting it; results are cached per role set.
type holdings struct {
	m     *model
	keys  map[string][]permKey
	cache map[string]map[permKey]string
}

func (h *holdings) of(roleIDs []string) (string, map[permKey]string) {
	ck := strings.Join(roleIDs, "\x00")
	if v, ok := h.cache[ck]; ok {
		return ck, v
	}
	out := map[permKey]string{}
	for _, rid := range roleIDs {
		r := h.m.roles[rid]
		if r == nil {
			continue
		}
		for _, k := range h.keys[rid] {
			if cur, ok := out[k]; !ok || r.name < cur {
				out[k] = r.name
			}
		}
	}
	h.cache[ck] = out
	return ck, out
}

type delta struct {
	kind string
	key  permKey
	role string
}

type impactKey struct {
	kind, perm, res, role string
	api                   bool
}

type impactTally struct {
	// perOrg holds, with detail, one entry per organization, in the order
	// they are visited (sorted by id); open says the organization being
	// visited has added to the tally (its entry comes when it is closed).
	perOrg []*OrgSubjects
	open   bool
	lag    int
	// users and apps are the subjects so far, orgs the names of the
	// organizations they are in.
	users, apps subjectSet
	orgs        subjectSet // of interned organization names
	api         bool
	// open subjects and their causes (openUserCauses[i] is the cause of
	// openUsers[i]) of the organization being tallied; scratch reused from
	// one organization to the next.
	openUsers, openUserCauses []string
	openApps, openAppCauses   []string
}

// impact computes the token impact of the operations (PRODUCT.md §5), or,
// when done is not nil, of those for which it reports true: it compares,
// for every subject of every organization whose members are known, what
// it holds before the plan and after.
// ops[i] are the model changes of operation i (opModelChanges).
// With detail, each impact has its subjects per organization
// (Impact.PerOrganization).
func (p *planner) impact(ops opModels, done func(int) bool, detail bool) []Impact {
	before := p.beforeModel()
	after := before.derive()
	// Permission and role changes apply first (membership changes do not
	// read them); an organization's own changes apply, in operation order,
	// just before it is visited, and its changed copy is let go after: the
	// after model holds one changed organization at a time, not 100,000
	// new memberships.
	byOrg := map[string][]int32{} // operation indexes, by the organization they change
	for i := range ops.ops {
		if done != nil && !done(i) {
			continue
		}
		if ops.changes[i] == nil { // a bulk call: all in its organization
			if org := bulkOrganization(ops.ops[i]); org != "" {
				byOrg[org] = append(byOrg[org], int32(i))
			}
			continue
		}
		for _, e := range ops.changes[i] {
			org := e.orgScope()
			if org == "" {
				after.apply(e)
				continue
			}
			if l := byOrg[org]; len(l) == 0 || l[len(l)-1] != int32(i) {
				byOrg[org] = append(l, int32(i))
			}
		}
	}
	r := p.newImpactRun(before, after)
	r.detail = detail
	for _, orgID := range orgIDs(before, byOrg) {
		for _, i := range byOrg[orgID] {
			for _, e := range ops.of(int(i)) {
				if e.orgScope() == orgID {
					after.apply(e)
				}
			}
		}
		delete(byOrg, orgID)
		if before.orgs[orgID] == nil && after.orgs[orgID] == nil {
			continue // not created, or its members are unknown
		}
		r.visitOrg(orgID)
		delete(after.orgs, orgID)
	}
	impacts := r.buildImpacts()
	// buildImpacts gives equal subject and organization sets one list: the
	// impacts holding the same lists share their Subjects too, and every
	// impact naming a subject its one Subject.
	type listsKey struct {
		users, apps *string
		nu, na      int
	}
	subjects := map[listsKey][]*Subject{}
	named := map[[2]string]*Subject{}
	for i := range impacts {
		im := &impacts[i]
		k := listsKey{firstOf(im.Users), firstOf(im.Applications), len(im.Users), len(im.Applications)}
		l, ok := subjects[k]
		if !ok {
			l = p.subjectsOf(im.Users, im.Applications, named)
			subjects[k] = l
		}
		im.Subjects = l
	}
	return impacts
}

// impactRun is one computation of token impact: the models before and
// after the plan, what changed in them, and the tallies so far.
type impactRun struct {
	p             *planner
	before, after *model
	changed       map[string]bool // role ids whose permissions changed
	fresh         map[string]bool // organization permission names new in this plan
	afterRoles    map[string]bool // role names after the plan
	afterPerms    map[string]bool // permission names after the plan
	bh, ah        *holdings
	deltas        map[[2]string][]delta // per (before, after) role set
	acc           map[impactKey]*impactTally
	// open are the tallies the organization being visited added to;
	// shared hands out its subject lists (closeOrg).
	open   []*impactTally
	shared sharedSubjects
	// detail: the tallies keep their subjects per organization.
	detail bool
	// subjectNames and orgNames intern the tallies' subject ids and
	// organization names.
	subjectNames, orgNames interned
}

func (p *planner) newImpactRun(before, after *model) *impactRun {
	bKeys, aKeys := p.roleKeys(before), p.roleKeys(after)
	r := &impactRun{p: p, before: before, after: after,
		changed: map[string]bool{}, fresh: map[string]bool{},
		afterRoles: make(map[string]bool, len(after.roles)), afterPerms: make(map[string]bool, len(after.perms)),
		bh:     &holdings{m: before, keys: bKeys, cache: map[string]map[permKey]string{}},
		ah:     &holdings{m: after, keys: aKeys, cache: map[string]map[permKey]string{}},
		deltas: map[[2]string][]delta{}, acc: map[impactKey]*impactTally{}, shared: sharedSubjects{}}
	for id, ks := range bKeys {
		if a, ok := aKeys[id]; !ok || !sameKeys(ks, a) {
			r.changed[id] = true
		}
	}
	for id := range aKeys {
		if _, ok := bKeys[id]; !ok {
			r.changed[id] = true
		}
	}
	// Organization permissions whose name did not exist before the plan.
	for id, n := range after.perms {
		if old, ok := before.perms[id]; !ok || old != n {
			r.fresh[n] = true
		}
	}
	for _, n := range before.perms {
		delete(r.fresh, n)
	}
	for _, role := range after.roles {
		r.afterRoles[role.name] = true
	}
	for _, n := range after.perms {
		r.afterPerms[n] = true
	}
	return r
}

// orgIDs are the organizations to visit, sorted: those of the model before
// the plan and those the plan's operations change.
func orgIDs(before *model, changed map[string][]int32) []string {
	ids := make([]string, 0, len(before.orgs)+len(changed))
	for id := range before.orgs {
		ids = append(ids, id)
	}
	for id := range changed {
		if before.orgs[id] == nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// classify is the impact kind of gaining permission k.
func (r *impactRun) classify(k permKey, app bool) string {
	switch {
	case app:
		return ImpactRefresh
	case k.api || r.fresh[k.name] || !r.p.grantsHave(k.name):
		return ImpactReconsent
	}
	return ImpactRefresh
}

// visitOrg tallies the gains and losses of every user and application of
// one organization.
func (r *impactRun) visitOrg(orgID string) {
	bo, ao := r.before.orgs[orgID], r.after.orgs[orgID]
	if bo == ao && len(r.changed) == 0 {
		return
	}
	name := ""
	if bo != nil {
		name = bo.name
	}
	if ao != nil {
		name = ao.name
	}
	for _, app := range []bool{false, true} {
		bs, as := subjectsIn(bo, app), subjectsIn(ao, app)
		for s, br := range bs {
			ar, inA := as[s]
			r.visit(orgID, name, app, s, br, ar, true, inA, ao == nil)
		}
		for s, ar := range as {
			if _, inB := bs[s]; !inB {
				r.visit(orgID, name, app, s, nil, ar, false, true, false)
			}
		}
	}
	r.closeOrg(orgID, name)
}

// closeOrg completes the tallies of the organization just visited: their
// subject lists and cause maps are sorted and shared between the impacts
// with the same subjects and causes, so that only one organization's
// lists at a time are held unshared. Impacts whose entries for the
// organization are equal share one.
func (r *impactRun) closeOrg(orgID, orgName string) {
	entries := map[[2]*string]*OrgSubjects{} // by the shared lists they hold
	for _, a := range r.open {
		a.users.add(&r.subjectNames, a.openUsers...)
		a.apps.add(&r.subjectNames, a.openApps...)
		a.orgs.add(&r.orgNames, orgName)
		if !r.detail {
			a.open = false
			a.openUsers, a.openUserCauses = a.openUsers[:0], a.openUserCauses[:0]
			a.openApps, a.openAppCauses = a.openApps[:0], a.openAppCauses[:0]
			continue
		}
		users, userCauses := r.shared.subjects(orgID, false, a.openUsers, a.openUserCauses)
		apps, appCauses := r.shared.subjects(orgID, true, a.openApps, a.openAppCauses)
		k := [2]*string{firstOf(users), firstOf(apps)}
		os := entries[k]
		if os == nil {
			os = &OrgSubjects{OrganizationID: orgID, OrganizationName: orgName,
				Users: users, UserCauses: userCauses, Applications: apps, AppCauses: appCauses}
			entries[k] = os
		}
		a.perOrg = append(a.perOrg, os)
		a.open = false
		a.openUsers, a.openUserCauses = a.openUsers[:0], a.openUserCauses[:0]
		a.openApps, a.openAppCauses = a.openApps[:0], a.openAppCauses[:0]
	}
	r.open = r.open[:0]
	clear(r.shared)
}

// firstOf identifies a shared list by its first element (nil when empty).
func firstOf(list []string) *string {
	if len(list) == 0 {
		return nil
	}
	return &list[0]
}

func subjectsIn(o *modelOrg, app bool) map[string][]string {
	switch {
	case o == nil:
		return nil
	case app:
		return o.apps
	}
	return o.users
}

// visit tallies what one subject gains and loses, with why.
func (r *impactRun) visit(orgID, orgName string, app bool, subject string, br, ar []string, inB, inA, orgDeleted bool) {
	if inB && inA && sameSlice(br, ar) && !anyIn(br, r.changed) {
		return
	}
	bk, bp := r.bh.of(br)
	ak, ap := r.ah.of(ar)
	dk := [2]string{bk, ak}
	if app {
		dk[0] = "app\x00" + dk[0]
	}
	ds, ok := r.deltas[dk]
	if !ok {
		for k, role := range ap {
			if _, had := bp[k]; !had {
				ds = append(ds, delta{kind: r.classify(k, app), key: k, role: role})
			}
		}
		for k, role := range bp {
			if _, has := ap[k]; !has {
				ds = append(ds, delta{kind: ImpactRevocationLag, key: k, role: role})
			}
		}
		r.deltas[dk] = ds
	}
	var cause string
	switch {
	case inB && !inA && orgDeleted:
		cause = CauseOrgDeleted
	case inB && !inA:
		cause = CauseMemberRemoved
	case !inB:
		cause = CauseMemberAdded
	case !sameSlice(br, ar):
		cause = CauseMemberRoles
	default:
		cause = CauseRolePermissions
	}
	for _, d := range ds {
		r.record(d, app, orgID, orgName, subject, cause)
	}
}

// record tallies one delta of one subject.
func (r *impactRun) record(d delta, app bool, orgID, orgName, subject, cause string) {
	if d.kind == ImpactRevocationLag && cause == CauseRolePermissions {
		switch {
		case !d.key.api && !r.afterPerms[d.key.name]:
			cause = CausePermissionDeleted
		case !r.afterRoles[d.role]:
			cause = CauseRoleDeleted
		}
	}
	k := impactKey{kind: d.kind, perm: d.key.name, role: d.role, api: d.key.api, res: d.key.res}
	a := r.acc[k]
	if a == nil {
		a = &impactTally{api: d.key.api}
		if d.kind == ImpactRevocationLag {
			a.lag = r.p.opts.TokenTTL
			if ttl := r.p.resourceTTL[d.key.res]; d.key.api && ttl > 0 {
				a.lag = ttl
			}
		}
		r.acc[k] = a
	}
	if !a.open {
		a.open = true
		r.open = append(r.open, a)
	}
	if app {
		a.openApps = append(a.openApps, subject)
		a.openAppCauses = append(a.openAppCauses, cause)
		return
	}
	a.openUsers = append(a.openUsers, subject)
	a.openUserCauses = append(a.openUserCauses, cause)
}

// subjectsOf names users and applications by what the tenant says of them.
func (p *planner) subjectsOf(users, apps []string, named map[[2]string]*Subject) []*Subject {
	out := make([]*Subject, 0, len(users)+len(apps))
	subject := func(typ, id string) *Subject {
		k := [2]string{typ, id}
		s := named[k]
		if s == nil {
			s = &Subject{Type: typ, ID: id}
			if typ == "user" {
				u := p.live.Users[id]
				s.Email, s.Username = u.Email, u.Username
			} else {
				s.Name = p.live.Applications[id].Name
			}
			named[k] = s
		}
		return s
	}
	for _, id := range users {
		out = append(out, subject("user", id))
	}
	for _, id := range apps {
		out = append(out, subject("application", id))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type == "user"
		}
		if li, lj := out[i].Label(), out[j].Label(); li != lj {
			return li < lj
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func sameSlice(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func anyIn(ids []string, set map[string]bool) bool {
	for _, id := range ids {
		if set[id] {
			return true
		}
	}
	return false
}

var kindOrder = map[string]int{ImpactReconsent: 0, ImpactRefresh: 1, ImpactRevocationLag: 2}

func (r *impactRun) buildImpacts() []Impact {
	acc := r.acc
	keys := make([]impactKey, 0, len(acc))
	for k := range acc {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.kind != b.kind {
			return kindOrder[a.kind] < kindOrder[b.kind]
		}
		if a.api != b.api {
			return !a.api
		}
		if a.res != b.res {
			return a.res < b.res
		}
		if a.perm != b.perm {
			return a.perm < b.perm
		}
		return a.role < b.role
	})
	// Tallies with the same subjects (every permission of a role reaches
	// its holders) or organizations get one list: equal sets are found
	// as interned ids, before any list of names is made.
	subjects, orgs := sharedLists{}, sharedLists{} // one per interned
	out := make([]Impact, 0, len(keys))
	for _, k := range keys {
		a := acc[k]
		im := Impact{Kind: k.kind, Permission: k.perm, Role: k.role, MaxLagSeconds: a.lag,
			Users: subjects.of(&r.subjectNames, &a.users), Applications: subjects.of(&r.subjectNames, &a.apps)}
		if k.api {
			res := k.res
			im.Resource = &res
		}
		if len(im.Applications) == 0 {
			im.Applications = nil
		}
		im.UserCount, im.AppCount = len(im.Users), len(im.Applications)
		im.PerOrganization = slices.Clip(a.perOrg)
		im.Organizations = orgs.of(&r.orgNames, &a.orgs)
		delete(acc, k) // its sets are let go as the impacts are made
		out = append(out, im)
	}
	return out
}

// interned holds strings once and names them by an int32: a tally that
// reaches thousands of organizations keeps 4 bytes per subject or
// organization, not a 16-byte string header.
type interned struct {
	index map[string]int32
	names []string
}

func (n *interned) id(s string) int32 {
	if i, ok := n.index[s]; ok {
		return i
	}
	if n.index == nil {
		n.index = map[string]int32{}
	}
	i := int32(len(n.names))
	n.index[s] = i
	n.names = append(n.names, s)
	return i
}

// subjectSet collects interned ids, duplicates included, and sorts and
// compacts them whenever they have doubled since: a set in a few bytes per
// subject, where a tally reaches thousands of organizations, each adding
// its subjects.
type subjectSet struct {
	ids     []int32
	compact int // len(ids) after the last compaction
}

func (s *subjectSet) add(n *interned, names ...string) {
	for _, v := range names {
		s.ids = append(s.ids, n.id(v))
	}
	if len(s.ids) >= 2*s.compact+64 {
		s.squash()
	}
}

func (s *subjectSet) squash() {
	slices.Sort(s.ids)
	s.ids = slices.Compact(s.ids)
	s.compact = len(s.ids)
}

// sharedLists hands out one sorted list of names per distinct set of ids
// of one interned.
type sharedLists map[[3]int32][]sharedList

type sharedList struct {
	ids   []int32
	names []string
}

// of returns the names of the set, sorted (never nil); sets equal to one
// already given share its list.
func (l sharedLists) of(n *interned, s *subjectSet) []string {
	s.squash()
	k := [3]int32{int32(len(s.ids)), -1, -1}
	if len(s.ids) > 0 {
		k[1], k[2] = s.ids[0], s.ids[len(s.ids)-1]
	}
	for _, e := range l[k] {
		if slices.Equal(e.ids, s.ids) {
			return e.names
		}
	}
	names := make([]string, len(s.ids))
	for i, id := range s.ids {
		names[i] = n.names[id]
	}
	slices.Sort(names)
	l[k] = append(l[k], sharedList{ids: s.ids, names: names})
	return names
}

// sharedSubjects hands out the sorted subject lists and cause maps of
// OrgSubjects. In a large plan most impacts of an organization name the same
// subjects for the same causes (every permission of a role reaches the
// members holding it), so equal lists and maps are built once and shared;
// nothing writes into a plan's impacts.
type sharedSubjects map[sharedKey][]sharedEntry

type sharedKey struct {
	org string
	app bool
}

type sharedEntry struct {
	ids    []string // sorted
	causes Causes   // of ids
}

// subjects sorts ids with their causes and returns a copy of the ids with
// their causes (nil and none when there are none).
func (s sharedSubjects) subjects(org string, app bool, ids, causes []string) ([]string, Causes) {
	if len(ids) == 0 {
		return nil, Causes{}
	}
	sort.Sort(idsWithCauses{ids, causes})
	k := sharedKey{org, app}
	for _, e := range s[k] {
		if slices.Equal(e.ids, ids) && slices.Equal(e.causes.causes, causes) {
			return e.ids, e.causes
		}
	}
	ids = slices.Clone(ids)
	e := sharedEntry{ids: ids, causes: newCauses(ids, slices.Clone(causes))}
	s[k] = append(s[k], e)
	return e.ids, e.causes
}

// idsWithCauses sorts subject ids and their causes together.
type idsWithCauses struct{ ids, causes []string }

func (x idsWithCauses) Len() int           { return len(x.ids) }
func (x idsWithCauses) Less(i, j int) bool { return x.ids[i] < x.ids[j] }
func (x idsWithCauses) Swap(i, j int) {
	x.ids[i], x.ids[j] = x.ids[j], x.ids[i]
	x.causes[i], x.causes[j] = x.causes[j], x.causes[i]
}

// GrantLifetime is how long a user's grant lasts in Logto (its default, 180
// days): a grant records the organization scopes that existed when the user
// authorized, so a permission is in every live grant only once it has
// existed for longer than that.
const GrantLifetime = 180 * 24 * time.Hour

// grantsHave reports whether every live grant can hold the organization
// permission name: orgsync has known it (created or adopted it, as the
// record says) for longer than GrantLifetime. When that is not known, the
// answer is no, so that the impact errs towards re-consent.
func (p *planner) grantsHave(name string) bool {
	lp := p.livePermByName[name]
	if lp == nil || p.opts.Now.IsZero() {
		return false
	}
	since := p.live.Record.PermissionSince[lp.ID]
	return since > 0 && p.opts.Now.Sub(time.UnixMilli(since)) >= GrantLifetime
}
