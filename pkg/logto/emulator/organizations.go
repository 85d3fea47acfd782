package emulator

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
)

// ---- §3 organizations ----

// hexColor is core-kit's hexColorRegEx (the same in Logto 1.37.1 and 1.42):
// #RGB or #RRGGBB, any case. Logto 1.37.1 was seen to refuse red, #12345 and
// 5d34f2, all of which this refuses too; it also takes the short #abc.
var hexColor = regexp.MustCompile(`(?i)^#[\da-f]{3}([\da-f]{3})?$`)

// orgFields are the create/update fields of an organization.
type orgFields struct {
	name, desc, css             *string
	hasName, hasDesc, hasCSS    bool
	customData, color, branding map[string]any
	hasCustom, hasColor, hasBr  bool
	mfa                         *bool
	hasMfa                      bool
}

func (f orgFields) empty() bool {
	return !f.hasName && !f.hasDesc && !f.hasCSS && !f.hasCustom && !f.hasColor && !f.hasBr && !f.hasMfa
}

// brandingKeys are brandingGuard's (packages/schemas, jsonb-types/
// sign-in-experience.ts). It and partialColorGuard are non-strict zod
// objects, so unknown keys are dropped without an error.
var brandingKeys = []string{"logoUrl", "darkLogoUrl", "favicon", "darkFavicon"}

func parseOrgFields(m map[string]json.RawMessage, g *guard, create bool) orgFields {
	var f orgFields
	nr := strRule{min: 1, max: 128}
	nr.required = create
	f.name, f.hasName = g.str(m, "name", nr)
	f.desc, f.hasDesc = g.str(m, "description", descRule)
	f.css, f.hasCSS = g.str(m, "customCss", strRule{nullable: true})
	f.customData, f.hasCustom = g.object(m, "customData", false)
	f.mfa, f.hasMfa = g.boolean(m, "isMfaRequired")
	f.color, f.hasColor = g.object(m, "color", false)
	for k, v := range f.color {
		switch k {
		case "primaryColor", "darkPrimaryColor":
			if s, ok := v.(string); !ok {
				g.add([]any{"color", k}, "invalid_type", "Expected string, received "+jsType(v))
			} else if !hexColor.MatchString(s) {
				g.add([]any{"color", k}, "invalid_string", "Invalid")
			}
		case "isDarkModeEnabled":
			if _, ok := v.(bool); !ok {
				g.add([]any{"color", k}, "invalid_type", "Expected boolean, received "+jsType(v))
			}
		default:
			delete(f.color, k)
		}
	}
	f.branding, f.hasBr = g.object(m, "branding", false)
	for k, v := range f.branding {
		if !contains(brandingKeys, k) {
			delete(f.branding, k)
			continue
		}
		if s, ok := v.(string); !ok {
			g.add([]any{"branding", k}, "invalid_type", "Expected string, received "+jsType(v))
		} else if !isURL(s) {
			g.add([]any{"branding", k}, "invalid_string", "Invalid url")
		}
	}
	return f
}

func (f orgFields) apply(o *orgRow) {
	if f.hasName && f.name != nil {
		o.Name = *f.name
	}
	if f.hasDesc {
		o.Description = f.desc
	}
	if f.hasCSS {
		o.CustomCSS = f.css
	}
	if f.hasCustom {
		o.CustomData = f.customData
	}
	if f.hasMfa {
		o.IsMfaRequired = *f.mfa
	}
	if f.hasColor {
		o.Color = f.color
	}
	if f.hasBr {
		o.Branding = f.branding
	}
}

// orgView is an organization as the modelled release returns it (its
// response guard has no branding before 1.19, no color or customCss before
// 1.32).
func (e *Emulator) orgView(o *orgRow) obj {
	v := o.view()
	if !e.has(sinceOrganizationBrand) {
		delete(v, "branding")
	}
	if !e.has(sinceOrganizationColor) {
		delete(v, "color")
		delete(v, "customCss")
	}
	return v
}

// dropUnknownOrgFields removes what the modelled release's organization
// guard does not know, as zod strips unknown keys.
func (e *Emulator) dropUnknownOrgFields(m map[string]json.RawMessage) {
	if !e.has(sinceOrganizationBrand) {
		delete(m, "branding")
	}
	if !e.has(sinceOrganizationColor) {
		delete(m, "color")
		delete(m, "customCss")
	}
}

func (e *Emulator) orgsInOrder() []*orgRow {
	rows := mapValues(e.db.Orgs)
	sortBySeq(rows, func(o *orgRow) int64 { return o.Seq })
	return rows
}

func (e *Emulator) listOrgs(c *call) error {
	p, err := c.pagination(false)
	if err != nil {
		return err
	}
	query := c.r.URL.Query()
	q := newQ(query.Get("q"))
	featured := query.Get("showFeatured")
	var rows []*orgRow
	for _, o := range e.orgsInOrder() {
		if q.match(&o.ID, &o.Name) {
			rows = append(rows, o)
		}
	}
	list(c, p, rows, func(o *orgRow) any {
		v := e.orgView(o)
		if featured == "true" || featured == "1" {
			ids := slices.Sorted(mapKeys(o.Users))
			users := []obj{}
			for _, id := range ids[:min(3, len(ids))] {
				u := e.db.Users[id]
				users = append(users, obj{"id": u.ID, "avatar": u.Avatar, "name": u.Name})
			}
			v["usersCount"] = len(o.Users)
			v["featuredUsers"] = users
		}
		return v
	})
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (e *Emulator) createOrg(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	e.dropUnknownOrgFields(m)
	f := parseOrgFields(m, g, true)
	if err := g.err(); err != nil {
		return err
	}
	o := &orgRow{ID: e.randomID(12), CustomData: map[string]any{}, Color: map[string]any{}, Branding: map[string]any{},
		CreatedAt: e.nowMS(), Users: map[string][]string{}, Apps: map[string][]string{}, Seq: e.db.next()}
	f.apply(o)
	e.db.Orgs[o.ID] = o
	c.changed = true
	c.json(201, e.orgView(o))
	return nil
}

func (e *Emulator) getOrg(c *call) error {
	o, ok := e.db.Orgs[c.param("id")]
	if !ok {
		return errNotExistsWithID("organizations", c.param("id"))
	}
	c.json(200, e.orgView(o))
	return nil
}

func (e *Emulator) patchOrg(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	e.dropUnknownOrgFields(m)
	f := parseOrgFields(m, g, false)
	if err := g.err(); err != nil {
		return err
	}
	if f.empty() {
		return errEmptyUpdate()
	}
	o, ok := e.db.Orgs[c.param("id")]
	if !ok {
		return errNotExists("organizations")
	}
	f.apply(o)
	c.changed = true
	c.json(200, e.orgView(o))
	return nil
}

func (e *Emulator) deleteOrg(c *call) error {
	if _, ok := e.db.Orgs[c.param("id")]; !ok {
		return errNotFound()
	}
	e.db.deleteOrg(c.param("id"))
	c.changed = true
	c.noContent()
	return nil
}

// ---- §4 / §5 members (users and applications) ----

// memberKind holds the member routes of one kind; the handlers share the
// mechanics and differ where Logto's routes differ.
type memberKind struct {
	path                                          string
	list, add, replace, remove, assignRoles       func(*call) error
	listRoles, addRoles, replaceRoles, removeRole func(*call) error
	idsKey                                        string
	isUser                                        bool
	roleType                                      string
	members                                       func(o *orgRow) map[string][]string
	check                                         func(id string) error // nil, FK or constraint error for a new member
	view                                          func(id string) obj
	search                                        func(id string) []*string
	e                                             *Emulator
}

func (e *Emulator) userMembers() memberKind {
	k := memberKind{
		path: "users", idsKey: "userIds", isUser: true, roleType: "User", e: e,
		members: func(o *orgRow) map[string][]string { return o.Users },
		check: func(id string) error {
			if _, ok := e.db.Users[id]; !ok {
				return errForeignKey()
			}
			return nil
		},
		view: func(id string) obj { return e.db.Users[id].view() },
		search: func(id string) []*string {
			u := e.db.Users[id]
			return []*string{&u.ID, u.PrimaryEmail, u.PrimaryPhone, u.Username, u.Name}
		},
	}
	return k.bind()
}

func (e *Emulator) appMembers() memberKind {
	k := memberKind{
		path: "applications", idsKey: "applicationIds", roleType: "MachineToMachine", e: e,
		members: func(o *orgRow) map[string][]string { return o.Apps },
		check: func(id string) error {
			a, ok := e.db.Apps[id]
			if !ok {
				return errForeignKey()
			}
			if a.Type != "MachineToMachine" {
				return errConstraint()
			}
			return nil
		},
		view: func(id string) obj { return e.db.Apps[id].view(false) },
		search: func(id string) []*string {
			a := e.db.Apps[id]
			return []*string{&a.ID, &a.Name, a.Description}
		},
	}
	return k.bind()
}

func (k memberKind) bind() memberKind {
	k.list, k.add, k.replace, k.remove = k.doList, k.doAdd, k.doReplace, k.doRemove
	k.assignRoles = k.doAssignRoles
	k.listRoles, k.addRoles, k.replaceRoles, k.removeRole = k.doListRoles, k.doAddRoles, k.doReplaceRoles, k.doRemoveRole
	return k
}

func (k memberKind) doList(c *call) error {
	p, err := c.pagination(false)
	if err != nil {
		return err
	}
	query := c.r.URL.Query()
	q := newQ(query.Get("q"))
	roleFilter := ""
	if k.isUser && k.e.has(sinceMemberRoleFilter) {
		// Logto 1.41's query guard: organizationRoleId: z.string().min(1).optional().
		if v, given := query["organizationRoleId"]; given {
			if v[0] == "" {
				g := &guard{kind: "query"}
				g.add([]any{"organizationRoleId"}, "too_small", "String must contain at least 1 character(s)")
				return g.err()
			}
			roleFilter = v[0]
		}
	}
	var ids []string
	if o, ok := k.e.db.Orgs[c.param("id")]; ok {
		for id, roles := range k.members(o) {
			if roleFilter != "" && !contains(roles, roleFilter) {
				continue
			}
			if q.match(k.search(id)...) {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	o := k.e.db.Orgs[c.param("id")]
	list(c, p, ids, func(id string) any {
		v := k.view(id)
		v["organizationRoles"] = k.e.db.roleRefs(k.members(o)[id])
		return v
	})
	return nil
}

func (k memberKind) doAdd(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	ids, _ := g.stringList(m, k.idsKey, true, true, idRule)
	if err := g.err(); err != nil {
		return err
	}
	o, ok := k.e.db.Orgs[c.param("id")]
	if !ok {
		return errForeignKey()
	}
	for _, id := range ids {
		if err := k.check(id); err != nil {
			return err
		}
	}
	mem := k.members(o)
	for _, id := range ids {
		if _, ok := mem[id]; !ok {
			mem[id] = []string{}
		}
	}
	c.changed = true
	if k.isUser {
		c.json(201, obj{"userIds": ids})
	} else {
		c.text(201)
	}
	return nil
}

func (k memberKind) doReplace(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	ids, _ := g.stringList(m, k.idsKey, true, false, idRule)
	if err := g.err(); err != nil {
		return err
	}
	o, ok := k.e.db.Orgs[c.param("id")]
	if !ok {
		if len(ids) == 0 {
			c.noContent()
			return nil
		}
		return errForeignKey()
	}
	for _, id := range ids {
		if err := k.check(id); err != nil {
			return err
		}
	}
	mem := k.members(o)
	keep := map[string]bool{}
	// Before 1.40 the user set is deleted and inserted again, and the roles
	// of members who stay go with their old rows.
	reset := k.isUser && !k.e.has(sinceMembersReplaceDelta)
	for _, id := range ids {
		keep[id] = true
		if _, ok := mem[id]; !ok || reset {
			mem[id] = []string{}
		}
	}
	for id := range mem {
		if !keep[id] {
			delete(mem, id)
		}
	}
	c.changed = true
	c.noContent()
	return nil
}

func (k memberKind) doRemove(c *call) error {
	o, ok := k.e.db.Orgs[c.param("id")]
	if !ok {
		return errNotFound()
	}
	mem := k.members(o)
	if _, ok := mem[c.param("memberId")]; !ok {
		return errNotFound()
	}
	delete(mem, c.param("memberId"))
	c.changed = true
	c.noContent()
	return nil
}

// checkRoles verifies role ids exist (FK) and have the kind's type (check
// constraint).
func (k memberKind) checkRoles(ids []string) error {
	for _, id := range ids {
		if _, ok := k.e.db.OrgRoles[id]; !ok {
			return errForeignKey()
		}
	}
	for _, id := range ids {
		if k.e.db.OrgRoles[id].Type != k.roleType {
			return errConstraint()
		}
	}
	return nil
}

func (k memberKind) doAssignRoles(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	ids, _ := g.stringList(m, k.idsKey, true, true, idRule)
	roleIDs, _ := g.stringList(m, "organizationRoleIds", true, true, idRule)
	if err := g.err(); err != nil {
		return err
	}
	o, ok := k.e.db.Orgs[c.param("id")]
	if !ok {
		return errForeignKey()
	}
	mem := k.members(o)
	for _, id := range ids {
		if _, ok := mem[id]; !ok {
			return errForeignKey()
		}
	}
	if err := k.checkRoles(roleIDs); err != nil {
		return err
	}
	for _, id := range ids {
		mem[id] = addUnique(mem[id], roleIDs...)
	}
	c.changed = true
	c.text(201)
	return nil
}

// member returns the member's role list, or require_membership.
func (k memberKind) member(c *call) (*orgRow, error) {
	o, ok := k.e.db.Orgs[c.param("id")]
	if !ok {
		return nil, errRequireMembership()
	}
	if _, ok := k.members(o)[c.param("memberId")]; !ok {
		return nil, errRequireMembership()
	}
	return o, nil
}

func (k memberKind) doListRoles(c *call) error {
	p, err := c.pagination(true)
	if err != nil {
		return err
	}
	o, err := k.member(c)
	if err != nil {
		return err
	}
	list(c, p, k.e.rolesByName(k.members(o)[c.param("memberId")]), func(r *orgRoleRow) any { return r.view() })
	return nil
}

func (e *Emulator) rolesByName(ids []string) []*orgRoleRow {
	rows := []*orgRoleRow{}
	for _, id := range ids {
		if r, ok := e.db.OrgRoles[id]; ok {
			rows = append(rows, r)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows
}

// roleBody parses {organizationRoleIds, organizationRoleNames?} and resolves
// names (users only).
func (k memberKind) roleBody(c *call, nonempty bool) ([]string, error) {
	m, g, err := c.object()
	if err != nil {
		return nil, err
	}
	ids, _ := g.stringList(m, "organizationRoleIds", !k.isUser, nonempty, idRule)
	var names []string
	if k.isUser {
		names, _ = g.stringList(m, "organizationRoleNames", false, false, idRule)
	}
	if err := g.err(); err != nil {
		return nil, err
	}
	if _, err := k.member(c); err != nil {
		return nil, err
	}
	if len(names) > 0 {
		var missing []string
		for _, n := range names {
			found := false
			for _, r := range k.e.db.OrgRoles {
				if r.Name == n {
					ids = append(ids, r.ID)
					found = true
					break
				}
			}
			if !found {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return nil, &apiError{Status: 422, Code: "organization.role_names_not_found",
				Message: "Cannot find organization roles with names: " + joinNames(missing) + "."}
		}
	}
	if err := k.checkRoles(ids); err != nil {
		return nil, err
	}
	return ids, nil
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

func (k memberKind) doAddRoles(c *call) error {
	ids, err := k.roleBody(c, !k.isUser)
	if err != nil {
		return err
	}
	o := k.e.db.Orgs[c.param("id")]
	mem := k.members(o)
	id := c.param("memberId")
	mem[id] = addUnique(mem[id], ids...)
	c.changed = true
	if k.isUser && k.e.has(sinceUserRolesEcho) {
		c.json(201, obj{"organizationRoleIds": addUnique([]string{}, ids...)})
	} else {
		c.text(201)
	}
	return nil
}

func (k memberKind) doReplaceRoles(c *call) error {
	ids, err := k.roleBody(c, !k.isUser)
	if err != nil {
		return err
	}
	if !k.isUser && hasDuplicates(ids) {
		return errUnique()
	}
	o := k.e.db.Orgs[c.param("id")]
	k.members(o)[c.param("memberId")] = addUnique([]string{}, ids...)
	c.changed = true
	c.noContent()
	return nil
}

func (k memberKind) doRemoveRole(c *call) error {
	o, err := k.member(c)
	if err != nil {
		return err
	}
	mem := k.members(o)
	id := c.param("memberId")
	if !contains(mem[id], c.param("roleId")) {
		return errNotFound()
	}
	mem[id] = remove(mem[id], c.param("roleId"))
	c.changed = true
	c.noContent()
	return nil
}

func (e *Emulator) listOrgUserScopes(c *call) error {
	o, err := e.userMembers().member(c)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	rows := []*orgScopeRow{}
	for _, rid := range o.Users[c.param("memberId")] {
		r, ok := e.db.OrgRoles[rid]
		if !ok {
			continue
		}
		for _, sid := range r.Scopes {
			if s, ok := e.db.OrgScopes[sid]; ok && !seen[sid] {
				seen[sid] = true
				rows = append(rows, s)
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	out := make([]any, len(rows))
	for i, s := range rows {
		out[i] = s.view()
	}
	c.json(200, out)
	return nil
}

// ---- §6 JIT ----

func jitDomainView(orgID, domain string) obj {
	return obj{"tenantId": tenantID, "organizationId": orgID, "emailDomain": domain}
}

func (e *Emulator) listJITDomains(c *call) error {
	p, err := c.pagination(e.has(sinceJITDomainsOptional))
	if err != nil {
		return err
	}
	var domains []string
	if o, ok := e.db.Orgs[c.param("id")]; ok {
		domains = o.JITDomains
	}
	list(c, p, domains, func(d string) any { return jitDomainView(c.param("id"), d) })
	return nil
}

var domainRule = strRule{required: true, min: 1, max: 128}

func (e *Emulator) addJITDomain(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	d, _ := g.str(m, "emailDomain", domainRule)
	if err := g.err(); err != nil {
		return err
	}
	o, ok := e.db.Orgs[c.param("id")]
	if !ok {
		return errForeignKey()
	}
	if contains(o.JITDomains, *d) {
		return errUnique()
	}
	o.JITDomains = append(o.JITDomains, *d)
	c.changed = true
	c.json(201, jitDomainView(o.ID, *d))
	return nil
}

func (e *Emulator) replaceJITDomains(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	ds, _ := g.stringList(m, "emailDomains", true, false, strRule{min: 1, max: 128})
	if err := g.err(); err != nil {
		return err
	}
	o, ok := e.db.Orgs[c.param("id")]
	if !ok {
		if len(ds) == 0 {
			c.noContent()
			return nil
		}
		return errForeignKey()
	}
	if hasDuplicates(ds) {
		return errUnique()
	}
	o.JITDomains = append([]string{}, ds...)
	c.changed = true
	c.noContent()
	return nil
}

func (e *Emulator) removeJITDomain(c *call) error {
	o, ok := e.db.Orgs[c.param("id")]
	if !ok || !contains(o.JITDomains, c.param("domain")) {
		return errNotFound()
	}
	o.JITDomains = remove(o.JITDomains, c.param("domain"))
	c.changed = true
	c.noContent()
	return nil
}

func (e *Emulator) listJITRoles(c *call) error {
	p, err := c.pagination(true)
	if err != nil {
		return err
	}
	// A SchemaRouter relation: the organization must exist.
	o, ok := e.db.Orgs[c.param("id")]
	if !ok {
		return errNotExistsWithID("organizations", c.param("id"))
	}
	list(c, p, e.rolesByName(o.JITRoles), func(r *orgRoleRow) any { return r.view() })
	return nil
}

// jitList is one of an organization's JIT lists that Logto serves with the
// same three routes: add (POST, a non-empty list; ids already there are
// kept once), replace (PUT) and remove one (DELETE .../:param).
type jitList struct {
	bodyKey string // the request body's list of ids
	param   string // the DELETE route's id parameter
	exists  func(e *Emulator, id string) bool
	ids     func(o *orgRow) *[]string
}

var (
	jitRoles = jitList{bodyKey: "organizationRoleIds", param: "roleId",
		exists: func(e *Emulator, id string) bool { _, ok := e.db.OrgRoles[id]; return ok },
		ids:    func(o *orgRow) *[]string { return &o.JITRoles }}
	jitSSOConnectors = jitList{bodyKey: "ssoConnectorIds", param: "connectorId",
		exists: func(e *Emulator, id string) bool { _, ok := e.db.SSOConnectors[id]; return ok },
		ids:    func(o *orgRow) *[]string { return &o.JITSSOConnectors }}
)

// jitBody parses the list's ids and checks the foreign keys.
func (e *Emulator) jitBody(c *call, l jitList, nonempty bool) (*orgRow, []string, error) {
	m, g, err := c.object()
	if err != nil {
		return nil, nil, err
	}
	ids, _ := g.stringList(m, l.bodyKey, true, nonempty, idRule)
	if err := g.err(); err != nil {
		return nil, nil, err
	}
	o, ok := e.db.Orgs[c.param("id")]
	if !ok && len(ids) > 0 {
		return nil, nil, errForeignKey()
	}
	for _, id := range ids {
		if !l.exists(e, id) {
			return nil, nil, errForeignKey()
		}
	}
	return o, ids, nil
}

func (e *Emulator) addJIT(l jitList) func(*call) error {
	return func(c *call) error {
		o, ids, err := e.jitBody(c, l, true)
		if err != nil {
			return err
		}
		list := l.ids(o)
		*list = addUnique(*list, ids...)
		c.changed = true
		c.text(201)
		return nil
	}
}

func (e *Emulator) replaceJIT(l jitList) func(*call) error {
	return func(c *call) error {
		o, ids, err := e.jitBody(c, l, false)
		if err != nil {
			return err
		}
		if hasDuplicates(ids) {
			return errUnique()
		}
		if o != nil {
			*l.ids(o) = append([]string{}, ids...)
			c.changed = true
		}
		c.noContent()
		return nil
	}
}

func (e *Emulator) removeJIT(l jitList) func(*call) error {
	return func(c *call) error {
		o, ok := e.db.Orgs[c.param("id")]
		if !ok || !contains(*l.ids(o), c.param(l.param)) {
			return errNotFound()
		}
		list := l.ids(o)
		*list = remove(*list, c.param(l.param))
		c.changed = true
		c.noContent()
		return nil
	}
}
