package spec

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/orgsync/orgsync/pkg/state"
	"github.com/zclconf/go-cty/cty"
)

// Logto's column limits (varchar lengths, counted in characters).
const (
	maxNameLen        = 128
	maxDescriptionLen = 256
	maxDomainLen      = 128
)

var (
	emailRE    = regexp.MustCompile(`^\S+@\S+\.\S+$`)
	usernameRE = regexp.MustCompile(`^[A-Z_a-z]\w*$`)
)

// isEmail reports whether s matches emailRE: no whitespace (RE2's \s:
// tab, newline, form feed, carriage return, space), an "@" after at least
// one character, and a "." after at least one character following it with
// at least one character after it. It is emailRE without the regexp
// engine, which took a tenth of the time of loading a large configuration.
func isEmail(s string) bool {
	at, dot := -1, -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\t', '\n', '\f', '\r', ' ':
			return false
		case '@':
			if at < 0 && i >= 1 {
				at = i
			}
		case '.':
			if i <= len(s)-2 {
				dot = i
			}
		}
	}
	return at >= 1 && dot >= at+2
}

// permissionDecl is a declared permission with what later checks need.
type permissionDecl struct {
	state.Permission
	LabelRange hcl.Range
	prevNames  []strItem
}

// roleDecl is a declared role with what later checks need.
type roleDecl struct {
	state.Role
	LabelRange hcl.Range
	prevNames  []strItem
}

// renamable is a declaration that may list previous_names.
type renamable interface {
	renames() (name, pos string, prev []strItem)
}

func (p *permissionDecl) renames() (string, string, []strItem) { return p.Name, p.Pos, p.prevNames }
func (r *roleDecl) renames() (string, string, []strItem)       { return r.Name, r.Pos, r.prevNames }

// decodeBody expands dynamic blocks in body and decodes it into target.
func (l *loader) decodeBody(body hcl.Body, ctx *hcl.EvalContext, target any) {
	// Decoding goes on after an error (an unsupported argument, say): the
	// fields that did decode are still checked, so that every problem is
	// reported at once.
	l.diags = append(l.diags, gohcl.DecodeBody(dynblock.Expand(body, ctx), ctx, target)...)
}

func (l *loader) loadSettings(blocks []*labelOnly) state.Settings {
	s := state.Settings{MissingUsers: state.MissingUsersError}
	for i, b := range blocks {
		if i > 0 {
			l.errorf(b.DefRange, "Duplicate orgsync block",
				"An orgsync block was already declared at %s. Only one is allowed across all files; merge them.",
				Pos(blocks[0].DefRange))
			continue
		}
		var c orgsyncContent
		l.decodeBody(b.Body, l.ctx, &c)
		if ws, set := l.evalString(c.Workspace, l.ctx, "workspace"); set {
			if !state.ValidWorkspace(ws) {
				l.errorf(c.Workspace.Range(), "Invalid workspace",
					"workspace must be 1 to 40 lowercase letters, digits and hyphens, starting with a letter or digit, not %q.", ws)
			} else {
				s.Workspace = ws
			}
		}
		if c.Invitation != nil {
			s.Invitation = l.loadInvitation(c.Invitation, c.MissingUsers)
		}
		if c.Exclusive != nil {
			s.ExclusivePermissions, _ = l.evalBool(c.Exclusive.Permissions, l.ctx, "exclusive.permissions")
			s.ExclusiveRoles, _ = l.evalBool(c.Exclusive.Roles, l.ctx, "exclusive.roles")
			s.ExclusiveOrganizations, _ = l.evalBool(c.Exclusive.Organizations, l.ctx, "exclusive.organizations")
		}
		if m, set := l.evalString(c.MissingUsers, l.ctx, "missing_users"); set {
			valid := []string{state.MissingUsersError, state.MissingUsersInvite, state.MissingUsersSkip}
			if !contains(valid, m) {
				l.errorf(c.MissingUsers.Range(), "Invalid missing_users",
					"missing_users must be \"error\", \"skip\" or \"invite\", not %q.%s", m, didYouMean(m, valid))
				continue
			}
			s.MissingUsers = m
		}
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkName reports an empty or over-long name; it reports false if so.
func (l *loader) checkName(kind, name string, rng hcl.Range) bool {
	if strings.TrimSpace(name) == "" {
		l.errorf(rng, "Empty "+kind+" name", "The %s name cannot be empty or blank.", kind)
		return false
	}
	if n := utf8.RuneCountInString(name); n > maxNameLen {
		l.errorf(rng, strings.ToUpper(kind[:1])+kind[1:]+" name too long",
			"The %s name %q has %d characters; Logto accepts at most %d.", kind, name, n, maxNameLen)
		return false
	}
	return true
}

func (l *loader) checkDescription(kind string, desc string, rng hcl.Range) {
	if n := utf8.RuneCountInString(desc); n > maxDescriptionLen {
		l.errorf(rng, "Description too long",
			"The %s description has %d characters; Logto accepts at most %d. Shorten it.", kind, n, maxDescriptionLen)
	}
}

func hasSpace(s string) bool { return strings.IndexFunc(s, unicode.IsSpace) >= 0 }

func (l *loader) loadPermissions(blocks []*namedBlock) []state.Permission {
	l.permissions = map[string]*permissionDecl{}
	var decls []*permissionDecl
	for _, b := range blocks {
		p := &permissionDecl{LabelRange: b.LabelRange}
		p.Name = b.Name
		p.Pos = Pos(b.DefRange)
		if l.checkName("permission", b.Name, b.LabelRange) && hasSpace(b.Name) {
			l.errorf(b.LabelRange, "Invalid permission name",
				"The permission name %q contains whitespace. Logto stores it, but an OAuth scope string cannot carry it: scopes are separated by spaces. Use a name like \"read:reports\".",
				b.Name)
		}
		if prev, dup := l.permissions[b.Name]; dup {
			l.errorf(b.LabelRange, "Duplicate permission",
				"A permission named %q was already declared at %s. Permission names must be unique across all files.",
				b.Name, prev.Pos)
			continue
		}
		l.permissions[b.Name] = p
		decls = append(decls, p)
		var c permissionContent
		l.decodeBody(b.Body, l.ctx, &c)
		if d, set, sensitive := l.evalSensitiveString(c.Description, l.ctx, "description"); set {
			p.Description = d
			l.checkDescription("permission", d, c.Description.Range())
			if sensitive {
				p.Sensitive = []string{"description"}
			}
		}
		p.prevNames = l.evalStrings(c.PreviousNames, l.ctx, "previous_names")
		p.PreviousNames = sortedUnique(p.prevNames)
		if c.Lifecycle != nil {
			p.PreventDestroy, p.Ignored = l.lifecycle(c.Lifecycle, l.ctx, "permission", permissionIgnorable)
		}
	}
	checkPreviousNames(l, "permission", decls, l.permissions)
	var out []state.Permission
	for _, p := range decls {
		out = append(out, p.Permission)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// checkPreviousNames reports previous_names that are the name of a declared
// block (its own or another's) or that two blocks both claim.
func checkPreviousNames[D renamable](l *loader, kind string, decls []D, byName map[string]D) {
	claimed := map[string]struct {
		owner string
		rng   hcl.Range
	}{}
	for _, d := range decls {
		name, _, prev := d.renames()
		for _, p := range prev {
			if !l.checkName("previous "+kind, p.Value, p.Range) {
				continue
			}
			if p.Value == name {
				l.errorf(p.Range, "Invalid previous name",
					"The %s %q lists its own name in previous_names. previous_names holds the names it had before a rename; remove %q.",
					kind, name, p.Value)
				continue
			}
			if other, ok := byName[p.Value]; ok {
				_, at, _ := other.renames()
				l.errorf(p.Range, "Previous name still declared",
					"%q is listed in previous_names of %s %q, but a %s with that name is declared at %s. A rename cannot take over a name that is still declared: remove the previous name or the other block.",
					p.Value, kind, name, kind, at)
				continue
			}
			if c, dup := claimed[p.Value]; dup && c.owner != name {
				l.errorf(p.Range, "Duplicate previous name",
					"%q is also listed in previous_names of %s %q at %s. Only one %s can be renamed from a given name.",
					p.Value, kind, c.owner, Pos(c.rng), kind)
				continue
			}
			claimed[p.Value] = struct {
				owner string
				rng   hcl.Range
			}{name, p.Range}
		}
	}
}

func (l *loader) loadRoles(blocks []*namedBlock) []state.Role {
	l.roles = map[string]*roleDecl{}
	var decls []*roleDecl
	for _, b := range blocks {
		r := &roleDecl{LabelRange: b.LabelRange}
		r.Name = b.Name
		r.Pos = Pos(b.DefRange)
		r.Type = state.RoleTypeUser
		l.checkName("role", b.Name, b.LabelRange)
		if prev, dup := l.roles[b.Name]; dup {
			l.errorf(b.LabelRange, "Duplicate role",
				"A role named %q was already declared at %s. Role names must be unique across all files.",
				b.Name, prev.Pos)
			continue
		}
		l.roles[b.Name] = r
		decls = append(decls, r)
		var c roleContent
		l.decodeBody(b.Body, l.ctx, &c)
		if d, set, sensitive := l.evalSensitiveString(c.Description, l.ctx, "description"); set {
			r.Description = d
			l.checkDescription("role", d, c.Description.Range())
			if sensitive {
				r.Sensitive = []string{"description"}
			}
		}
		if t, set := l.evalString(c.Type, l.ctx, "type"); set {
			valid := []string{state.RoleTypeM2M, state.RoleTypeUser}
			if contains(valid, t) {
				r.Type = t
			} else {
				l.errorf(c.Type.Range(), "Invalid role type",
					"A role type is \"User\" or \"MachineToMachine\", not %q.%s", t, didYouMean(t, valid))
			}
		}
		perms := l.evalStrings(c.Permissions, l.ctx, "permissions")
		for _, p := range perms {
			if _, ok := l.permissions[p.Value]; !ok {
				l.errorf(p.Range, "Reference to undeclared permission",
					"Role %q refers to the permission %q, which no permission block declares.%s Declare it with a permission %q {} block, or fix the name.",
					r.Name, p.Value, didYouMean(p.Value, mapKeys(l.permissions)), p.Value)
			}
		}
		r.Permissions = sortedUnique(perms)
		for _, ap := range l.evalAPIPermissions(c.APIPermissions, l.ctx) {
			if strings.TrimSpace(ap.Indicator) == "" {
				l.errorf(ap.Range, "Empty API resource indicator",
					"An api_permissions key is the indicator of an API resource, like \"https://api.example.com\"; it cannot be empty.")
				continue
			}
			for _, s := range ap.Scopes {
				switch {
				case strings.TrimSpace(s.Value) == "":
					l.errorf(s.Range, "Empty API scope name",
						"The scopes of %q include an empty name. Give the name of a scope of that API resource.", ap.Indicator)
				case hasSpace(s.Value):
					l.errorf(s.Range, "Invalid API scope name",
						"The scope name %q contains whitespace; Logto rejects API scope names with spaces. Fix the name.", s.Value)
				}
			}
			if r.APIPermissions == nil {
				r.APIPermissions = map[string][]string{}
			}
			r.APIPermissions[ap.Indicator] = sortedUnique(append(ap.Scopes, itemsOf(r.APIPermissions[ap.Indicator])...))
		}
		r.prevNames = l.evalStrings(c.PreviousNames, l.ctx, "previous_names")
		r.PreviousNames = sortedUnique(r.prevNames)
		if c.Lifecycle != nil {
			r.PreventDestroy, r.Ignored = l.lifecycle(c.Lifecycle, l.ctx, "role", roleIgnorable)
		}
	}
	checkPreviousNames(l, "role", decls, l.roles)
	var out []state.Role
	for _, r := range decls {
		out = append(out, r.Role)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func itemsOf(values []string) []strItem {
	out := make([]strItem, len(values))
	for i, v := range values {
		out[i] = strItem{Value: v}
	}
	return out
}

// checkRoleRefs reports role names that are not declared, or whose type does
// not fit the holder (User roles for members and JIT, MachineToMachine roles
// for applications).
func (l *loader) checkRoleRefs(items []strItem, holderOf func() string, wantType string) {
	for _, it := range items {
		r, ok := l.roles[it.Value]
		if ok && r.Type == wantType {
			continue
		}
		holder := holderOf()
		if !ok {
			l.errorf(it.Range, "Reference to undeclared role",
				"%s refers to the role %q, which no role block declares.%s Declare it with a role %q {} block, or fix the name.",
				holder, it.Value, didYouMean(it.Value, mapKeys(l.roles)), it.Value)
			continue
		}
		if wantType == state.RoleTypeUser {
			l.errorf(it.Range, "Machine-to-machine role given to a user",
				"%s is given the role %q, which is a MachineToMachine role (declared at %s). Users can only hold User roles: use a User role here, or give %q to an application block.",
				holder, it.Value, r.Pos, it.Value)
		} else {
			l.errorf(it.Range, "User role given to an application",
				"%s is given the role %q, which is a User role (declared at %s). Applications can only hold MachineToMachine roles: use one with type = \"MachineToMachine\".",
				holder, it.Value, r.Pos)
		}
	}
}

// orgInstance is one organization: a block, or one for_each instance of it.
type orgInstance struct {
	org       state.Organization
	nameRange hcl.Range
	idRange   hcl.Range
}

func (l *loader) loadOrganizations(sources []orgSource) []state.Organization {
	labels := map[string]hcl.Range{}
	var all []*orgInstance
	for _, src := range sources {
		for _, b := range l.organizationsOf(src) {
			all = l.loadOrganizationBlock(b, labels, all)
		}
	}
	return l.checkOrganizations(all)
}

// loadOrganizationBlock decodes an organization block (each instance of it,
// with for_each) and appends it to all.
func (l *loader) loadOrganizationBlock(b *namedBlock, labels map[string]hcl.Range, all []*orgInstance) []*orgInstance {
	if prev, dup := labels[b.Name]; dup {
		l.errorf(b.LabelRange, "Duplicate organization block",
			"An organization block labelled %q was already declared at %s. Block labels are addresses and must be unique across all files.",
			b.Name, Pos(prev))
		return all
	}
	labels[b.Name] = b.DefRange
	if strings.TrimSpace(b.Name) == "" {
		l.errorf(b.LabelRange, "Empty organization label", "An organization block needs a non-empty label.")
		return all
	}
	head, diags := decodeOrganizationHead(b.Body)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return all
	}
	if head.ForEachRange.Filename == "" {
		all = append(all, l.loadOrganization(b, head.Body, state.AddressPart(b.Name), b.Name, b.LabelRange, l.ctx))
		return all
	}
	for _, inst := range l.forEach(head.ForEach) {
		ctx := l.ctx.NewChild()
		ctx.Variables = map[string]cty.Value{
			"each": cty.ObjectVal(map[string]cty.Value{
				"key":   cty.StringVal(inst.key),
				"value": inst.value,
			}),
		}
		key := state.AddressPart(b.Name) + "[" + strconv.Quote(inst.key) + "]"
		all = append(all, l.loadOrganization(b, head.Body, key, inst.key, head.ForEach.Range(), ctx))
	}
	return all
}

// checkOrganizations reports organizations with the same Logto name or id
// and returns them sorted by address.
func (l *loader) checkOrganizations(all []*orgInstance) []state.Organization {
	// Logto names: organizations are matched by name unless pinned by id.
	byName := map[string]*orgInstance{}
	byID := map[string]*orgInstance{}
	for _, o := range all {
		if prev, dup := byName[o.org.Name]; dup && (o.org.ID == "" || prev.org.ID == "") {
			l.errorf(o.nameRange, "Duplicate organization name",
				"%s has the Logto name %q, like %s declared at %s. orgsync matches organizations by name, so names must be unique; rename one, or pin both with id.",
				o.org.Address, o.org.Name, prev.org.Address, prev.org.Pos)
		} else if !dup {
			byName[o.org.Name] = o
		}
		if o.org.ID == "" {
			continue
		}
		if prev, dup := byID[o.org.ID]; dup {
			l.errorf(o.idRange, "Duplicate organization id",
				"%s is pinned to the organization id %q, like %s declared at %s. Each live organization can be declared once.",
				o.org.Address, o.org.ID, prev.org.Address, prev.org.Pos)
			continue
		}
		byID[o.org.ID] = o
	}
	var out []state.Organization
	for _, o := range all {
		out = append(out, o.org)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

type forEachInstance struct {
	key   string
	value cty.Value
}

// forEach evaluates an organization's for_each: a map (or object), or a set
// of strings. Instances come in key order.
func (l *loader) forEach(expr hcl.Expression) []forEachInstance {
	v, ok := l.value(expr, l.ctx)
	if !ok {
		return nil
	}
	if v.IsNull() {
		l.errorf(expr.Range(), "Invalid for_each argument",
			"The for_each value is null. It must be a map, or a set of strings.")
		return nil
	}
	ty := v.Type()
	var out []forEachInstance
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			out = append(out, forEachInstance{k.AsString(), ev})
		}
	case ty.IsSetType():
		if !ty.ElementType().Equals(cty.String) {
			l.errorf(expr.Range(), "Invalid for_each argument",
				"The for_each set must hold strings, not %s.", ty.ElementType().FriendlyName())
			return nil
		}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if ev.IsNull() {
				l.errorf(expr.Range(), "Invalid for_each argument", "The for_each set holds a null value; remove it.")
				return nil
			}
			out = append(out, forEachInstance{ev.AsString(), ev})
		}
	default:
		l.errorf(expr.Range(), "Invalid for_each argument",
			"The for_each value must be a map, or a set of strings, not %s. Convert a list of strings with toset(...).",
			ty.FriendlyName())
		return nil
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

func (l *loader) loadOrganization(b *namedBlock, body hcl.Body, key, defaultName string, nameRange hcl.Range, ctx *hcl.EvalContext) *orgInstance {
	o := &orgInstance{nameRange: nameRange}
	org := &o.org
	org.Key = key
	org.Address = state.OrganizationAddress(key)
	org.Name = defaultName
	org.Pos = Pos(b.DefRange)
	c := l.decodeOrganization(body, ctx)
	if id, set := l.evalString(c.ID, ctx, "id"); set {
		if strings.TrimSpace(id) == "" || hasSpace(id) {
			l.errorf(c.ID.Range(), "Invalid organization id",
				"The organization id %q is not a Logto id. Give the id of a live organization, or remove id.", id)
		} else {
			org.ID = id
			o.idRange = c.ID.Range()
		}
	}
	if name, set := l.evalString(c.Name, ctx, "name"); set {
		org.Name = name
		o.nameRange = c.Name.Range()
	}
	l.checkName("organization", org.Name, o.nameRange)
	if d, set, sensitive := l.evalSensitiveString(c.Description, ctx, "description"); set {
		org.Description = &d
		l.checkDescription("organization", d, c.Description.Range())
		if sensitive {
			org.Sensitive = append(org.Sensitive, "description")
		}
	}
	if cd, set, sensitive := l.evalCustomData(c.CustomData, ctx); set {
		org.CustomData = cd
		if sensitive {
			org.Sensitive = append(org.Sensitive, "custom_data")
		}
	}
	if m, set := l.evalBool(c.MFARequired, ctx, "mfa_required"); set {
		org.MFARequired = &m
	}
	org.ExclusiveMembers, _ = l.evalBool(c.ExclusiveMembers, ctx, "exclusive_members")
	if c.Lifecycle != nil {
		org.PreventDestroy, org.Ignored = l.lifecycle(c.Lifecycle, ctx, "organization", organizationIgnorable)
	}
	l.loadMembers(org, c.Members, ctx)
	l.loadApplications(org, c.Applications, ctx)
	if c.JIT != nil {
		org.JIT = l.loadJIT(org, c.JIT, ctx)
	}
	l.loadBranding(org, &c, ctx)
	return o
}

func (l *loader) loadMembers(org *state.Organization, blocks []*memberContent, ctx *hcl.EvalContext) {
	seen := make(map[string]*memberContent, len(blocks))
	if len(blocks) > 0 {
		org.Members = make([]state.Member, 0, len(blocks))
	}
	for _, b := range blocks {
		m := state.Member{Label: b.Label}
		switch {
		case strings.HasPrefix(b.Label, "id:"):
			m.Kind, m.Value = state.RefID, strings.TrimPrefix(b.Label, "id:")
			if m.Value == "" || hasSpace(m.Value) {
				l.errorf(b.LabelRange, "Invalid member",
					"The member label %q has no valid user id after \"id:\". Write \"id:<userId>\".", b.Label)
				continue
			}
		case strings.Contains(b.Label, "@"):
			m.Kind, m.Value = state.RefEmail, strings.ToLower(b.Label)
			if !isEmail(b.Label) {
				l.errorf(b.LabelRange, "Invalid member",
					"The member label %q is not an email address like \"alice@example.com\".", b.Label)
				continue
			}
		default:
			m.Kind, m.Value = state.RefUsername, b.Label
			if !usernameRE.MatchString(b.Label) {
				l.errorf(b.LabelRange, "Invalid member",
					"The member label %q is neither an email address, a username Logto accepts (letters, digits and underscores, not starting with a digit), nor \"id:<userId>\".",
					b.Label)
				continue
			}
		}
		if n := utf8.RuneCountInString(m.Value); n > maxNameLen {
			l.errorf(b.LabelRange, "Invalid member",
				"The member label %q has %d characters; Logto usernames and emails have at most %d.", b.Label, n, maxNameLen)
			continue
		}
		refKey := string(m.Kind) + ":" + m.Value
		if prev, dup := seen[refKey]; dup {
			why := ""
			if m.Kind == state.RefEmail && prev.Label != b.Label {
				why = " (email addresses are compared case-insensitively)"
			}
			l.errorf(b.LabelRange, "Duplicate member",
				"%s refers to the same user as the member %q declared at %s%s. Declare each member once per organization.",
				state.MemberAddress(org.Address, b.Label), prev.Label, Pos(prev.DefRange), why)
			continue
		}
		seen[refKey] = b
		roles := l.evalStrings(b.Roles, ctx, "roles")
		l.checkRoleRefs(roles, func() string { return "Member " + strconv.Quote(b.Label) }, state.RoleTypeUser)
		m.Roles = l.internRoles(roles)
		m.PreventDestroy, m.Ignored = l.lifecycle(b.Lifecycle, ctx, "member", memberIgnorable)
		org.Members = append(org.Members, m)
	}
	sort.Slice(org.Members, func(i, j int) bool { return org.Members[i].Label < org.Members[j].Label })
}

func (l *loader) loadApplications(org *state.Organization, blocks []*memberContent, ctx *hcl.EvalContext) {
	seen := make(map[string]*memberContent, len(blocks))
	if len(blocks) > 0 {
		org.Applications = make([]state.Application, 0, len(blocks))
	}
	for _, b := range blocks {
		a := state.Application{Label: b.Label, Kind: state.RefName, Value: b.Label}
		if strings.HasPrefix(b.Label, "id:") {
			a.Kind, a.Value = state.RefID, strings.TrimPrefix(b.Label, "id:")
			if a.Value == "" || hasSpace(a.Value) {
				l.errorf(b.LabelRange, "Invalid application",
					"The application label %q has no valid application id after \"id:\". Write \"id:<appId>\".", b.Label)
				continue
			}
		} else if !l.checkName("application", b.Label, b.LabelRange) {
			continue
		}
		refKey := string(a.Kind) + ":" + a.Value
		if prev, dup := seen[refKey]; dup {
			l.errorf(b.LabelRange, "Duplicate application",
				"%s was already declared at %s. Declare each application once per organization.",
				state.ApplicationAddress(org.Address, b.Label), Pos(prev.DefRange))
			continue
		}
		seen[refKey] = b
		roles := l.evalStrings(b.Roles, ctx, "roles")
		l.checkRoleRefs(roles, func() string { return "Application " + strconv.Quote(b.Label) }, state.RoleTypeM2M)
		a.Roles = l.internRoles(roles)
		a.PreventDestroy, a.Ignored = l.lifecycle(b.Lifecycle, ctx, "application", memberIgnorable)
		org.Applications = append(org.Applications, a)
	}
	sort.Slice(org.Applications, func(i, j int) bool { return org.Applications[i].Label < org.Applications[j].Label })
}

func (l *loader) loadJIT(org *state.Organization, b *jitContent, ctx *hcl.EvalContext) *state.JIT {
	jit := &state.JIT{}
	domains := l.evalStrings(b.EmailDomains, ctx, "email_domains")
	var ok []strItem
	for _, d := range domains {
		switch {
		case strings.TrimSpace(d.Value) == "":
			l.errorf(d.Range, "Invalid email domain", "A JIT email domain cannot be empty. Write a domain like \"acme.com\".")
		case strings.Contains(d.Value, "@") || hasSpace(d.Value):
			l.errorf(d.Range, "Invalid email domain",
				"%q is not an email domain. Write the part after \"@\" only, like \"acme.com\".", d.Value)
		case utf8.RuneCountInString(d.Value) > maxDomainLen:
			l.errorf(d.Range, "Email domain too long",
				"The email domain %q has %d characters; Logto accepts at most %d.", d.Value, utf8.RuneCountInString(d.Value), maxDomainLen)
		default:
			ok = append(ok, strItem{Value: strings.ToLower(d.Value), Range: d.Range})
		}
	}
	jit.EmailDomains = sortedUnique(ok)
	roles := l.evalStrings(b.Roles, ctx, "roles")
	l.checkRoleRefs(roles, func() string { return fmt.Sprintf("The jit block of %s", org.Address) }, state.RoleTypeUser)
	jit.Roles = sortedUnique(roles)
	l.loadJITSSO(org, jit, b, ctx)
	jit.PreventDestroy, jit.Ignored = l.lifecycle(b.Lifecycle, ctx, "jit", jitIgnorable)
	return jit
}
