package diff

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/state"
)

// Execution stages (Operation.Stage). Creates and updates run first, in
// dependency order; deletes run last, in reverse dependency order.
const (
	StagePermissions  = 1 // permission creates, updates, renames
	StageRoles        = 2 // role creates, updates, renames, scope sets
	StageOrgs         = 3 // organization creates and updates
	StageMemberships  = 4 // users and applications join organizations
	StageAssignments  = 5 // organization role assignments, JIT, invitations
	StageRemoveMember = 6 // users and applications leave organizations
	StageDeleteOrgs   = 7
	StageDeleteRoles  = 8
	StageDeletePerms  = 9
	StageMessages     = 10 // invitation e-mails, once everything else is done
)

// DefaultTokenTTL is the access-token lifetime assumed when Options.TokenTTL is 0.
const DefaultTokenTTL = 3600

// InvitationTTLDays is how long a planned organization invitation stays valid.
const InvitationTTLDays = 7

// bulkChunk caps the ids sent in one bulk call, keeping bodies far below
// Logto's 1 MB request limit.
const bulkChunk = 500

// item is one planned change with what is needed to carry it out. A large
// plan has one per member: what only some items need is held apart
// (itemRest), so that a member that joins is an item of 64 bytes.
type item struct {
	ch *Change
	// assign is the item's membership or role addition, merged into bulk
	// calls after target filtering (assign.grp == nil: none).
	assign assignment
	rest   *itemRest // nil when the item has none of it
}

// itemRest is what members and applications that join or gain roles
// do not need.
type itemRest struct {
	deps []string // addresses of the objects this change needs (roles, permissions, its organization)
	ops  []plannedOp
	del  *deletion
}

// newItem is an item for ch with deps and ops.
func newItem(ch *Change, deps []string, ops []plannedOp) *item {
	it := &item{ch: ch}
	if deps != nil || ops != nil {
		it.rest = &itemRest{deps: deps, ops: ops}
	}
	return it
}

// more is the item's rest, made when it has none yet.
func (it *item) more() *itemRest {
	if it.rest == nil {
		it.rest = &itemRest{}
	}
	return it.rest
}

// deps are the addresses of the objects the change needs.
func (it *item) deps() []string {
	if it.rest == nil {
		return nil
	}
	return it.rest.deps
}

// ops are the item's own operations (bulk calls come from assign).
func (it *item) ops() []plannedOp {
	if it.rest == nil {
		return nil
	}
	return it.rest.ops
}

// setOps replaces the item's own operations.
func (it *item) setOps(ops ...plannedOp) { it.more().ops = ops }

// addOps appends operations to the item's own.
func (it *item) addOps(ops ...plannedOp) {
	r := it.more()
	r.ops = append(r.ops, ops...)
}

// del is what the guards know of the item's delete (nil: none).
func (it *item) del() *deletion {
	if it.rest == nil {
		return nil
	}
	return it.rest.del
}

// deletion is what the guards know of a delete.
type deletion struct {
	// problem refuses the plan if this item is kept (prevent_destroy).
	problem *Problem
	// massKind is the mass-delete guard kind of a delete; exclusive marks a
	// delete of an object orgsync never managed.
	massKind  string
	exclusive bool
}

// problem is what refuses the plan if the item is kept.
func (it *item) problem() *Problem {
	if d := it.del(); d != nil {
		return d.problem
	}
	return nil
}

// plannedOp is an operation with its effect on the scope model (for token impact).
type plannedOp struct {
	op Operation
	// modelChanges are what the operation changes in the impact model; nil
	// for bulk membership calls, whose parameters say it (opModelChanges).
	modelChanges []modelChange
}

// assignment is a membership or role addition that bulk calls carry out;
// the subject (user or application id) and its address are the item's
// change's ID and Address.
type assignment struct {
	grp  *assignGroup
	add  []string // role ids to add, sorted
	join bool     // the subject joins the organization
}

// assignGroup is the organization and the subject kind of assignments:
// one per organization and kind, shared by its members' assignments
// (planner.assignGroup).
type assignGroup struct {
	org, orgAddr string // org id (or reference) and address
	app          bool
}

// recordSets are the ownership record as sets, for constant-time lookups.
type recordSets struct {
	perms, roles, orgs, prevent map[string]bool
	members, apps               map[string]map[string]bool
	orgByAddr                   map[string]string
}

type apiScope struct{ indicator, name string }

type planner struct {
	cfg  *state.Config
	live *state.Live
	opts Options
	rec  recordSets

	problems  []Problem
	warnings  []string
	items     []*item
	edits     []RecordEdit
	unmanaged Unmanaged

	livePermByID   map[string]*state.LivePermission
	livePermByName map[string]*state.LivePermission
	liveRoleByID   map[string]*state.LiveRole
	liveRoleByName map[string]*state.LiveRole
	liveOrgByID    map[string]*state.LiveOrganization
	liveOrgsByName map[string][]*state.LiveOrganization
	scopeByID      map[string]apiScope
	scopeByKey     map[apiScope]string
	resourceTTL    map[string]int
	usersByEmail   map[string]string
	usersByName    map[string]string
	appsByName     map[string][]string

	permID    map[string]string // declared permission name => live id or reference
	roleID    map[string]string // declared role name => live id or reference
	permAfter map[string]string // live permission id => declared name it is matched to
	roleAfter map[string]string // live role id => declared name it is matched to
	permGone  map[string]bool   // live permission ids the plan deletes
	roleGone  map[string]bool   // live role ids the plan deletes

	// massLive counts live objects per guard kind (for exclusive deletes).
	massLive map[string]int

	// intentAddr maps ids found through the record's intents to the
	// address their create announced; intentEdits record them.
	intentAddr  map[string]string
	intentEdits []RecordEdit

	// owner maps ids another workspace manages to its name; leftToOthers
	// counts, per workspace, what an exclusive kind left alone for it.
	owner        map[string]string
	leftToOthers map[string]int

	// drift and applied are what track found; gone holds the addresses
	// of recorded objects deleted outside orgsync.
	drift   []Drift
	applied []AppliedEdit
	gone    map[string]bool

	permNames, roleNames map[string]string // see cfgPermNames

	// sharedFingerprints holds the one-attribute fingerprint maps track
	// hands out, by attribute and fingerprint.
	sharedFingerprints map[[2]string]map[string]string
	// listFingerprints remembers the fingerprints of string lists
	// (fingerprint).
	listFingerprints map[string]string
	// sharedRoles holds the role-name lists of members and applications,
	// by content: tens of thousands of subjects hold a few role sets.
	sharedRoles map[string]*sharedRoleList
	// sharedSubjects are the Change.Values of members and applications,
	// by their role lists (subjectValues).
	sharedSubjects map[subjectKey]*subjectValues
	// sharedJoinAttrs are joinAttrs' slices, by their shared role list.
	sharedJoinAttrs map[*string][]AttrChange
	// assignGroups are the assignments' organizations (assignGroup).
	assignGroups map[assignGroup]*assignGroup
}

// assignGroup is the one assignGroup of the organization org (id or
// reference) at orgAddr, for members or, with app, applications.
func (p *planner) assignGroup(org, orgAddr string, app bool) *assignGroup {
	k := assignGroup{org: org, orgAddr: orgAddr, app: app}
	if g := p.assignGroups[k]; g != nil {
		return g
	}
	if p.assignGroups == nil {
		p.assignGroups = map[assignGroup]*assignGroup{}
	}
	g := &k
	p.assignGroups[k] = g
	return g
}

// Compute plans how to bring the live state to the desired one. It returns a
// *RefusedError when the plan must not be applied (prevent_destroy, mass
// delete, ambiguous or missing objects), and a plain error when its inputs
// are incomplete.
func Compute(desired *state.Config, live *state.Live, opts Options) (*Plan, error) {
	if desired == nil || live == nil {
		return nil, errors.New("diff: Compute needs both a desired and a live state")
	}
	p := newPlanner(desired, live, opts)
	p.resolveIntents()
	p.planPermissions()
	p.planRoles()
	if err := p.planOrganizations(); err != nil {
		return nil, err
	}
	p.cleanupRecord()
	return p.finish()
}

func newPlanner(desired *state.Config, live *state.Live, opts Options) *planner {
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	norm := func(in []string) []string {
		out := make([]string, len(in))
		for i, a := range in {
			out[i] = NormalizeAddress(strings.TrimSpace(a))
		}
		return out
	}
	opts.Targets, opts.AllowDestroy = norm(opts.Targets), norm(opts.AllowDestroy)
	p := &planner{
		cfg:            desired,
		live:           live,
		opts:           opts,
		livePermByID:   make(map[string]*state.LivePermission, len(live.Permissions)),
		livePermByName: make(map[string]*state.LivePermission, len(live.Permissions)),
		liveRoleByID:   make(map[string]*state.LiveRole, len(live.Roles)),
		liveRoleByName: make(map[string]*state.LiveRole, len(live.Roles)),
		liveOrgByID:    make(map[string]*state.LiveOrganization, len(live.Organizations)),
		liveOrgsByName: make(map[string][]*state.LiveOrganization, len(live.Organizations)),
		scopeByID:      map[string]apiScope{},
		scopeByKey:     map[apiScope]string{},
		resourceTTL:    map[string]int{},
		usersByEmail:   make(map[string]string, len(live.Users)),
		usersByName:    make(map[string]string, len(live.Users)),
		appsByName:     map[string][]string{},
		permID:         map[string]string{},
		roleID:         map[string]string{},
		permAfter:      map[string]string{},
		roleAfter:      map[string]string{},
		permGone:       map[string]bool{},
		roleGone:       map[string]bool{},
		massLive:       map[string]int{},
		intentAddr:     map[string]string{},
	}
	for i := range live.Permissions {
		lp := &live.Permissions[i]
		p.livePermByID[lp.ID] = lp
		p.livePermByName[lp.Name] = lp
	}
	for i := range live.Roles {
		lr := &live.Roles[i]
		p.liveRoleByID[lr.ID] = lr
		p.liveRoleByName[lr.Name] = lr
	}
	for i := range live.Organizations {
		lo := &live.Organizations[i]
		p.liveOrgByID[lo.ID] = lo
		p.liveOrgsByName[lo.Name] = append(p.liveOrgsByName[lo.Name], lo)
	}
	for _, r := range live.Resources {
		p.resourceTTL[r.Indicator] = r.AccessTokenTTL
		for _, s := range r.Scopes {
			k := apiScope{r.Indicator, s.Name}
			p.scopeByID[s.ID] = k
			p.scopeByKey[k] = s.ID
		}
	}
	for _, id := range sortedKeys(live.Users) {
		u := live.Users[id]
		if u.Email != "" {
			if _, dup := p.usersByEmail[strings.ToLower(u.Email)]; !dup {
				p.usersByEmail[strings.ToLower(u.Email)] = id
			}
		}
		if u.Username != "" {
			p.usersByName[u.Username] = id
		}
	}
	for _, id := range sortedKeys(live.Applications) {
		a := live.Applications[id]
		p.appsByName[a.Name] = append(p.appsByName[a.Name], id)
	}
	p.rec = newRecordSets(&live.Record)
	p.owner, p.leftToOthers, p.gone = map[string]string{}, map[string]int{}, map[string]bool{}
	for _, ws := range sortedKeys(live.OtherRecords) {
		r := live.OtherRecords[ws]
		for _, ids := range [][]string{r.Permissions, r.Roles, r.Organizations} {
			for _, id := range ids {
				if _, dup := p.owner[id]; !dup {
					p.owner[id] = ws
				}
			}
		}
	}
	if note := live.RecordStorage.Note; note != "" {
		p.warnings = append(p.warnings, note)
	}
	p.massLive[KindPermission] = len(live.Permissions)
	p.massLive[KindRole] = len(live.Roles)
	p.massLive[KindOrganization] = len(live.Organizations)
	return p
}

func newRecordSets(r *state.Record) recordSets {
	set := func(ids []string) map[string]bool {
		m := make(map[string]bool, len(ids))
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	nested := func(in map[string][]string) map[string]map[string]bool {
		m := make(map[string]map[string]bool, len(in))
		for org, ids := range in {
			m[org] = set(ids)
		}
		return m
	}
	rs := recordSets{
		perms:     set(r.Permissions),
		roles:     set(r.Roles),
		orgs:      set(r.Organizations),
		prevent:   set(r.PreventDestroy),
		members:   nested(r.Members),
		apps:      nested(r.Applications),
		orgByAddr: map[string]string{},
	}
	for _, id := range sortedKeys(r.Addresses) {
		if rs.orgs[id] {
			if _, dup := rs.orgByAddr[r.Addresses[id]]; !dup {
				rs.orgByAddr[r.Addresses[id]] = id
			}
		}
	}
	return rs
}

// workspace is the name of the configuration's workspace.
func (p *planner) workspace() string {
	if ws := p.cfg.Settings.Workspace; ws != "" {
		return ws
	}
	return state.DefaultWorkspace
}

// recordedAddress is the address the record (or a resolved intent) holds
// for id.
func (p *planner) recordedAddress(id string) string {
	if a, ok := p.intentAddr[id]; ok {
		return a
	}
	return p.live.Record.Addresses[id]
}

// intentSkew is how much earlier than the announcing apply's start Logto's
// clock may have stamped an organization that apply created.
const intentSkew = 5 * time.Minute

// resolveIntents finds the objects that creates announced in the record
// made (an apply that died before recording them): they are managed from
// now on, so that removing their blocks deletes them. Every intent is
// dropped from the record, found or not.
func (p *planner) resolveIntents() {
	for _, in := range p.live.Record.Intents {
		p.intentEdits = append(p.intentEdits, RecordEdit{Kind: RecordIntent, Address: in.Address, Remove: true})
		var id string
		switch in.Kind {
		case KindPermission:
			if lp := p.livePermByName[in.Name]; lp != nil && !p.rec.perms[lp.ID] {
				id = lp.ID
				p.rec.perms[id] = true
			}
		case KindRole:
			if lr := p.liveRoleByName[in.Name]; lr != nil && !p.rec.roles[lr.ID] {
				id = lr.ID
				p.rec.roles[id] = true
			}
		case KindOrganization:
			var cands []string
			for _, lo := range p.liveOrgsByName[in.Name] {
				if !p.rec.orgs[lo.ID] && !slices.Contains(in.Exclude, lo.ID) &&
					(lo.CreatedAt == 0 || lo.CreatedAt >= in.Since-intentSkew.Milliseconds()) {
					cands = append(cands, lo.ID)
				}
			}
			switch len(cands) {
			case 1:
				id = cands[0]
				p.rec.orgs[id] = true
				if _, taken := p.rec.orgByAddr[in.Address]; !taken {
					p.rec.orgByAddr[in.Address] = id
				}
			case 0:
			default:
				sort.Strings(cands)
				p.warnings = append(p.warnings, fmt.Sprintf("%s: an interrupted apply announced creating organization %q, and %d organizations of that name appeared since (%s); "+
					"none was recorded as managed: delete the extra ones, or pin the block with id", in.Address, in.Name, len(cands), strings.Join(cands, ", ")))
			}
		}
		if id == "" {
			continue
		}
		p.intentAddr[id] = in.Address
		p.intentEdits = append(p.intentEdits, RecordEdit{Kind: in.Kind, ID: id, Address: in.Address})
		if in.PreventDestroy {
			p.rec.prevent[id] = true
			p.intentEdits = append(p.intentEdits, RecordEdit{Kind: RecordPreventDestroy, ID: id, Address: in.Address})
		}
	}
}

func (p *planner) problem(addr, summary, detail string) {
	p.problems = append(p.problems, Problem{Address: addr, Summary: summary, Detail: detail})
}

func (p *planner) add(it *item) *item {
	p.items = append(p.items, it)
	return it
}

// adopt records a declared object matched live as managed (and protected).
// A recorded prevent_destroy mark is never dropped silently: only a plan with
// -allow-destroy for the address drops it (PRODUCT.md §2), so turning the
// flag off in a block keeps the protection until then.
func (p *planner) adopt(kind, id, addr string, managed bool, prevent bool) {
	if ws := p.owner[id]; ws != "" && !managed {
		p.problem(addr, fmt.Sprintf("workspace %q manages this %s (id %s)", ws, kind, id),
			fmt.Sprintf("Two configurations must not manage one object. This configuration is workspace %q. Remove the block here, "+
				"or stop managing it there (orgsync state rm -workspace %s %s) and plan again.", p.workspace(), ws, p.live.OtherRecords[ws].Addresses[id]))
		return
	}
	if !managed || p.recordedAddress(id) != addr {
		p.edits = append(p.edits, RecordEdit{Kind: kind, ID: id, Address: addr})
	}
	if prevent && !p.rec.prevent[id] {
		p.edits = append(p.edits, RecordEdit{Kind: RecordPreventDestroy, ID: id, Address: addr})
	}
}

// markPrevent records the prevent_destroy mark of a member or application
// of kind (in organization org, an id or a reference) when its block sets
// it.
func (p *planner) markPrevent(kind, org, id, addr string, prevent bool) {
	if prevent && !p.rec.prevent[state.AppliedKey(kind, org, id)] {
		p.edits = append(p.edits, RecordEdit{Kind: RecordPreventDestroy, ID: id, Org: org, Of: kind, Address: addr})
	}
}

// guardDelete applies prevent_destroy to the delete of a live object: it
// refuses unless the address is in Options.AllowDestroy, in which case the
// delete also drops the mark from the record.
func (p *planner) guardDelete(it *item, id string, addrs ...string) {
	if !p.rec.prevent[id] {
		return
	}
	for _, a := range p.opts.AllowDestroy {
		for _, addr := range addrs {
			if a != "" && a == addr {
				ops := it.ops()
				for i := range ops {
					ops[i].op.Params = dropPreventDestroy(ops[i].op.Params)
				}
				return
			}
		}
	}
	r := it.more()
	if r.del == nil {
		r.del = &deletion{}
	}
	r.del.problem = &Problem{
		Address: it.ch.Address,
		Summary: "prevent_destroy forbids deleting this object",
		Detail: fmt.Sprintf("%s (id %s) is protected by lifecycle.prevent_destroy (kept in the ownership record even after its block is removed). "+
			"Declare it again to keep it, or plan with -allow-destroy '%s' to delete it.", it.ch.Address, id, it.ch.Address),
	}
}

// finish filters by target, applies the guards, builds the operations and
// computes the token impact.
func (p *planner) finish() (*Plan, error) {
	kept := p.keep()
	problems := p.checkTargets()
	for _, pr := range p.problems {
		if p.problemInScope(pr.Address, kept) {
			problems = append(problems, pr)
		}
	}
	items := p.items
	if kept != nil {
		items = nil
		for _, it := range p.items {
			if kept[it] {
				items = append(items, it)
			}
		}
	}
	for _, it := range items {
		if pr := it.problem(); pr != nil {
			problems = append(problems, *pr)
		}
	}
	problems = append(groupMissingUsers(problems), p.massDelete(items)...)
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Address < problems[j].Address })
		return nil, &RefusedError{Problems: problems}
	}
	// The items (one per member, with their assignments and operations)
	// are let go as their operations are made (operations), before the
	// token impact, the largest computation, runs. Nothing past
	// this point reads the configuration: the caller may let it go (100,000
	// member blocks) while the operations and the impact are made.
	p.items, kept, p.cfg = nil, nil, nil

	changes := make([]*Change, len(items))
	for i, it := range items {
		changes[i] = it.ch
	}
	models := p.operations(items) // lets go of the items
	items = nil
	for _, ws := range sortedKeys(p.leftToOthers) {
		p.warnings = append(p.warnings, fmt.Sprintf("%d %s that workspace %q manages left alone: an exclusive kind never deletes another workspace's objects",
			p.leftToOthers[ws], pluralKind(p.leftToOthers[ws], "object"), ws))
	}
	if len(p.opts.Targets) > 0 {
		p.warnings = append([]string{targetWarning(p.opts.Targets)}, p.warnings...)
	}
	plan := &Plan{
		Targets:    p.opts.Targets,
		Unmanaged:  p.unmanaged,
		Warnings:   p.warnings,
		Operations: models.ops,
	}
	plan.Effects, plan.mfaChecks = p.effects(changes, models)
	plan.Changes = p.orderChanges(changes, models.ops)
	for _, e := range p.edits {
		if e.Remove || len(p.opts.Targets) == 0 || p.targeted(e.Address) {
			plan.RecordEdits = append(plan.RecordEdits, e)
		}
	}
	plan.RecordEdits = append(plan.RecordEdits, p.intentEdits...)
	plan.Drift = p.finishDrift(plan.Changes)
	plan.LastApply = lastApply(p.live.Record)
	plan.Applied = p.applied
	plan.TokenImpact = p.impact(models, nil, p.opts.ImpactDetail)
	if n := p.live.ImpactUnread; n > 0 {
		plan.ImpactGap = &ImpactGap{UnreadOrganizations: n, Requests: p.live.ImpactUnreadRequests, Budget: p.live.ImpactBudget}
		plan.Warnings = append(plan.Warnings, plan.ImpactGap.String())
	}
	// ImpactOf lives as long as the plan (an apply): it keeps only what the
	// token impact reads (impactPlanner) and the model changes of ops, not
	// the configuration or the planner's items and indexes.
	ip := p.impactPlanner()
	plan.impact = func(done func(int) bool) []Impact { return ip.impact(models, done, true) }
	return plan, nil
}

// impactPlanner is a planner with only what impact reads: the live state,
// the options and the indexes of permissions, API scopes and resources.
func (p *planner) impactPlanner() *planner {
	return &planner{live: p.live, opts: p.opts, livePermByName: p.livePermByName, scopeByID: p.scopeByID, resourceTTL: p.resourceTTL}
}

// targeted reports whether addr is inside one of Options.Targets.
func (p *planner) targeted(addr string) bool {
	for _, t := range p.opts.Targets {
		if inTarget(t, addr) {
			return true
		}
	}
	return false
}

// keep selects the items inside the targets, plus the creates and renames
// they depend on; nil when the plan has no targets: every item.
func (p *planner) keep() map[*item]bool {
	if len(p.opts.Targets) == 0 {
		return nil
	}
	kept := make(map[*item]bool, len(p.items))
	byAddr := map[string][]*item{}
	for _, it := range p.items {
		byAddr[it.ch.Address] = append(byAddr[it.ch.Address], it)
	}
	var queue []*item
	for _, it := range p.items {
		if p.targeted(it.ch.Address) {
			kept[it] = true
			queue = append(queue, it)
		}
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		for _, d := range it.deps() {
			for _, dep := range byAddr[d] {
				if kept[dep] || (dep.ch.Action != Create && dep.ch.Action != Rename) {
					continue
				}
				kept[dep] = true
				queue = append(queue, dep)
			}
		}
	}
	return kept
}

// problemInScope: with targets, problems about organizations outside them do
// not refuse the plan; problems about the template (permissions, roles) always do.
func (p *planner) problemInScope(addr string, kept map[*item]bool) bool {
	if len(p.opts.Targets) == 0 || !strings.HasPrefix(addr, "organization.") {
		return true
	}
	if p.targeted(addr) {
		return true
	}
	for it := range kept {
		if it.ch.Address == addr {
			return true
		}
	}
	return false
}

// missingUserSummary starts the problem of a member with no Logto user.
const missingUserSummary = "no Logto user matches "

// groupMissingUsers turns many missing-user problems (a directory not
// synced yet) into one that lists them, instead of one per member.
func groupMissingUsers(problems []Problem) []Problem {
	const alone = 5
	var missing []Problem
	var out []Problem
	for _, pr := range problems {
		if strings.HasPrefix(pr.Summary, missingUserSummary) {
			missing = append(missing, pr)
			continue
		}
		out = append(out, pr)
	}
	if len(missing) <= alone {
		return append(out, missing...)
	}
	const listed = 20
	var b strings.Builder
	for i, pr := range missing {
		if i == listed {
			fmt.Fprintf(&b, "\n  … and %d more", len(missing)-listed)
			break
		}
		b.WriteString("\n  " + pr.Address)
	}
	return append(out, Problem{
		Address: "organization.*.member",
		Summary: fmt.Sprintf("%d declared members have no Logto user", len(missing)),
		Detail: "Create the users first, remove the member blocks, or set missing_users = \"skip\" or \"invite\" in the orgsync block. The members:" +
			b.String(),
	})
}

// massDelete refuses plans that delete more than half of the objects of a
// kind the plan may delete: of the managed ones (deleted because the
// configuration dropped them), and, where a kind is exclusive, of the live
// ones orgsync never managed (deleted because they are not declared).
// Members and applications are separate kinds, as in the plan's report.
func (p *planner) massDelete(items []*item) []Problem {
	if p.opts.AllowMassDelete {
		return nil
	}
	managedDeletes, strangerDeletes := map[string]int{}, map[string]int{}
	for _, it := range items {
		switch {
		case it.del() == nil || it.del().massKind == "":
		case it.del().exclusive:
			strangerDeletes[it.del().massKind]++
		default:
			managedDeletes[it.del().massKind]++
		}
	}
	managed := p.managedCounts()
	var out []Problem
	refuse := func(kind string, n, of int, what string) {
		out = append(out, Problem{
			Address: kind + ".*",
			Summary: fmt.Sprintf("the plan deletes %d of %d %s, more than half", n, of, what),
			Detail: "A configuration that is empty or only partly checked out would wipe the tenant. " + p.foreignHint() +
				"If these deletes are intended, plan again with -allow-mass-delete.",
		})
	}
	for _, kind := range []string{KindPermission, KindRole, KindOrganization, KindMember, KindApplication} {
		if n := managedDeletes[kind]; n > 0 && 2*n > managed[kind] {
			refuse(kind, n, managed[kind], pluralKind(managed[kind], "managed "+kind))
		}
		if n, live := strangerDeletes[kind], p.massLive[kind]-managed[kind]; n > 0 && 2*n > live {
			refuse(kind, n, live, pluralKind(live, kind)+" orgsync does not manage (exclusive)")
		}
	}
	return out
}

// managedCounts counts, per kind, the live objects the record manages.
func (p *planner) managedCounts() map[string]int {
	managed := map[string]int{}
	for id := range p.rec.perms {
		if p.livePermByID[id] != nil {
			managed[KindPermission]++
		}
	}
	for id := range p.rec.roles {
		if p.liveRoleByID[id] != nil {
			managed[KindRole]++
		}
	}
	for id := range p.rec.orgs {
		if p.liveOrgByID[id] != nil {
			managed[KindOrganization]++
		}
	}
	for orgID, lo := range p.liveOrgByID {
		if !lo.Loaded || lo.MembersOfRole != "" {
			continue
		}
		for _, m := range lo.Members {
			if p.rec.members[orgID][m.UserID] {
				managed[KindMember]++
			}
		}
		for _, a := range lo.Applications {
			if p.rec.apps[orgID][a.AppID] {
				managed[KindApplication]++
			}
		}
	}
	return managed
}

func pluralKind(n int, what string) string {
	if n == 1 {
		return what
	}
	return what + "s"
}

// orderChanges sorts the kept changes in the execution order of their
// first operation, then by address.
func (p *planner) orderChanges(changes []*Change, ops []Operation) []*Change {
	first := make(map[string]int, len(changes))
	note := func(addr string, stage int) {
		if s, ok := first[addr]; !ok || stage < s {
			first[addr] = stage
		}
	}
	for _, o := range ops {
		note(o.Address, o.Stage)
		for _, a := range o.Covers {
			note(a, o.Stage)
		}
	}
	sort.SliceStable(changes, func(i, j int) bool {
		si, sj := first[changes[i].Address], first[changes[j].Address]
		if si != sj {
			return si < sj
		}
		return changes[i].Address < changes[j].Address
	})
	return changes
}

// foreignHint explains a mass delete by a configuration that declares none
// of what the record manages: most likely another configuration that
// shares the tenant and the workspace.
func (p *planner) foreignHint() string {
	recorded := 0
	for _, id := range p.live.Record.Permissions {
		if p.permAfter[id] != "" {
			return ""
		}
		recorded++
	}
	for _, id := range p.live.Record.Roles {
		if p.roleAfter[id] != "" {
			return ""
		}
		recorded++
	}
	declared := map[string]bool{}
	for _, o := range p.cfg.Organizations {
		declared[o.Address] = true
	}
	for _, id := range p.live.Record.Organizations {
		if declared[p.live.Record.Addresses[id]] {
			return ""
		}
		recorded++
	}
	if recorded == 0 {
		return ""
	}
	return fmt.Sprintf("This configuration declares none of the %d objects the ownership record of workspace %q manages: "+
		"it looks like a different configuration sharing the tenant. Give each configuration its own workspace "+
		"(orgsync { workspace = \"...\" }), or plan from the directory that manages them. ", recorded, p.workspace())
}
