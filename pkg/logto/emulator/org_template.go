package emulator

import (
	"slices"
	"sort"
)

var (
	nameRule = strRule{required: true, min: 1, max: 128}
	descRule = strRule{nullable: true, max: 256}
	idRule   = strRule{min: 1}
)

// ---- §1 organization scopes ----

func (e *Emulator) listOrgScopes(c *call) error {
	p, err := c.pagination(true)
	if err != nil {
		return err
	}
	q := newQ(c.r.URL.Query().Get("q"))
	var rows []*orgScopeRow
	for _, s := range e.db.orgScopesByName() {
		if q.match(&s.Name) {
			rows = append(rows, s)
		}
	}
	list(c, p, rows, func(s *orgScopeRow) any { return s.view() })
	return nil
}

func (e *Emulator) createOrgScope(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	name, _ := g.str(m, "name", nameRule)
	desc, _ := g.str(m, "description", descRule)
	if err := g.err(); err != nil {
		return err
	}
	for _, s := range e.db.OrgScopes {
		if s.Name == *name {
			return errUnique()
		}
	}
	s := &orgScopeRow{ID: e.randomID(21), Name: *name, Description: desc, Seq: e.db.next()}
	e.db.OrgScopes[s.ID] = s
	c.changed = true
	c.json(201, s.view())
	return nil
}

func (e *Emulator) getOrgScope(c *call) error {
	s, ok := e.db.OrgScopes[c.param("id")]
	if !ok {
		return errNotExistsWithID("organization_scopes", c.param("id"))
	}
	c.json(200, s.view())
	return nil
}

func (e *Emulator) patchOrgScope(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	name, hasName := g.str(m, "name", strRule{min: 1, max: 128})
	desc, hasDesc := g.str(m, "description", descRule)
	if err := g.err(); err != nil {
		return err
	}
	if !hasName && !hasDesc {
		return errEmptyUpdate()
	}
	s, ok := e.db.OrgScopes[c.param("id")]
	if !ok {
		return errNotExists("organization_scopes")
	}
	if hasName {
		for _, o := range e.db.OrgScopes {
			if o.ID != s.ID && o.Name == *name {
				return errUnique()
			}
		}
		s.Name = *name
	}
	if hasDesc {
		s.Description = desc
	}
	c.changed = true
	c.json(200, s.view())
	return nil
}

func (e *Emulator) deleteOrgScope(c *call) error {
	if _, ok := e.db.OrgScopes[c.param("id")]; !ok {
		return errNotFound()
	}
	e.db.deleteOrgScope(c.param("id"))
	c.changed = true
	c.noContent()
	return nil
}

// ---- §2 organization roles ----

func (e *Emulator) roleWithScopes(r *orgRoleRow) any {
	v := r.view()
	scopes := []obj{}
	for _, id := range r.Scopes {
		if s, ok := e.db.OrgScopes[id]; ok {
			scopes = append(scopes, obj{"id": s.ID, "name": s.Name})
		}
	}
	sortByName(scopes)
	rscopes := []obj{}
	for _, id := range r.ResourceScopes {
		s, ok := e.db.Scopes[id]
		if !ok {
			continue
		}
		res := e.db.Resources[s.ResourceID]
		ref := obj{"id": s.ResourceID, "name": ""}
		if res != nil {
			ref["name"] = res.Name
		}
		rscopes = append(rscopes, obj{"id": s.ID, "name": s.Name, "resource": ref})
	}
	sortByName(rscopes)
	v["scopes"] = scopes
	v["resourceScopes"] = rscopes
	return v
}

func sortByName(list []obj) {
	sort.SliceStable(list, func(i, j int) bool { return list[i]["name"].(string) < list[j]["name"].(string) })
}

func (e *Emulator) listOrgRoles(c *call) error {
	p, err := c.pagination(false)
	if err != nil {
		return err
	}
	q := newQ(c.r.URL.Query().Get("q"))
	var rows []*orgRoleRow
	for _, r := range e.db.orgRolesByName() {
		if q.match(&r.ID, &r.Name, r.Description) {
			rows = append(rows, r)
		}
	}
	list(c, p, rows, func(r *orgRoleRow) any { return e.roleWithScopes(r) })
	return nil
}

var roleTypeRule = strRule{enum: []string{"User", "MachineToMachine"}}

func (e *Emulator) createOrgRole(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	name, _ := g.str(m, "name", nameRule)
	desc, _ := g.str(m, "description", descRule)
	typ, _ := g.str(m, "type", roleTypeRule)
	scopeIDs, _ := g.stringList(m, "organizationScopeIds", false, false, strRule{})
	resScopeIDs, _ := g.stringList(m, "resourceScopeIds", false, false, strRule{})
	if err := g.err(); err != nil {
		return err
	}
	for _, r := range e.db.OrgRoles {
		if r.Name == *name {
			return errUnique()
		}
	}
	r := &orgRoleRow{ID: e.randomID(21), Name: *name, Description: desc, Type: "User", Seq: e.db.next()}
	if typ != nil {
		r.Type = *typ
	}
	// The scope relations are inserted with "on conflict do nothing"
	// (duplicates are fine); an unknown id fails its insert.
	unknown := func(ids []string, exists func(string) bool) bool {
		return slices.ContainsFunc(ids, func(id string) bool { return !exists(id) })
	}
	badScopes := unknown(scopeIDs, func(id string) bool { _, ok := e.db.OrgScopes[id]; return ok })
	badResScopes := unknown(resScopeIDs, func(id string) bool { _, ok := e.db.Scopes[id]; return ok })
	if e.has(sinceRoleCreateAtomic) {
		// One transaction: every reference must resolve or nothing is created.
		if badScopes || badResScopes {
			return errForeignKey()
		}
	} else if badScopes || badResScopes {
		// Before 1.41 the role, its organization scopes and its resource
		// scopes are three inserts: the role stays, with the scopes
		// inserted before the failing insert (seen on Logto 1.37.1).
		e.db.OrgRoles[r.ID] = r
		if !badScopes {
			r.Scopes = addUnique([]string{}, scopeIDs...)
		}
		c.changed = true
		return errForeignKey()
	}
	r.Scopes = addUnique([]string{}, scopeIDs...)
	r.ResourceScopes = addUnique([]string{}, resScopeIDs...)
	e.db.OrgRoles[r.ID] = r
	c.changed = true
	c.json(201, r.view())
	return nil
}

func (e *Emulator) getOrgRole(c *call) error {
	r, ok := e.db.OrgRoles[c.param("id")]
	if !ok {
		return errNotExistsWithID("organization_roles", c.param("id"))
	}
	c.json(200, r.view())
	return nil
}

func (e *Emulator) patchOrgRole(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	name, hasName := g.str(m, "name", strRule{min: 1, max: 128})
	desc, hasDesc := g.str(m, "description", descRule)
	typ, hasType := g.str(m, "type", roleTypeRule)
	if err := g.err(); err != nil {
		return err
	}
	if !hasName && !hasDesc && !hasType {
		return errEmptyUpdate()
	}
	r, ok := e.db.OrgRoles[c.param("id")]
	if !ok {
		return errNotExists("organization_roles")
	}
	if hasName {
		for _, o := range e.db.OrgRoles {
			if o.ID != r.ID && o.Name == *name {
				return errUnique()
			}
		}
		r.Name = *name
	}
	if hasDesc {
		r.Description = desc
	}
	if hasType && typ != nil {
		r.Type = *typ
	}
	c.changed = true
	c.json(200, r.view())
	return nil
}

func (e *Emulator) deleteOrgRole(c *call) error {
	if _, ok := e.db.OrgRoles[c.param("id")]; !ok {
		return errNotFound()
	}
	e.db.deleteOrgRole(c.param("id"))
	c.changed = true
	c.noContent()
	return nil
}

// roleRelation is one SchemaRouter relation of organization roles
// (organization scopes or resource scopes).
type roleRelation struct {
	path                       string
	list, add, replace, remove func(*call) error
}

func (e *Emulator) roleScopes() roleRelation {
	return e.roleRelation("scopes", "organizationScopeIds",
		func(r *orgRoleRow) *[]string { return &r.Scopes },
		func(id string) bool { _, ok := e.db.OrgScopes[id]; return ok },
		func(ids []string) []any {
			rows := []*orgScopeRow{}
			for _, id := range ids {
				rows = append(rows, e.db.OrgScopes[id])
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
			out := make([]any, len(rows))
			for i, s := range rows {
				out[i] = s.view()
			}
			return out
		})
}

func (e *Emulator) roleResourceScopes() roleRelation {
	return e.roleRelation("resource-scopes", "scopeIds",
		func(r *orgRoleRow) *[]string { return &r.ResourceScopes },
		func(id string) bool { _, ok := e.db.Scopes[id]; return ok },
		func(ids []string) []any {
			rows := []*scopeRow{}
			for _, id := range ids {
				rows = append(rows, e.db.Scopes[id])
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
			out := make([]any, len(rows))
			for i, s := range rows {
				out[i] = s.view()
			}
			return out
		})
}

func (e *Emulator) roleRelation(path, key string, set func(*orgRoleRow) *[]string, exists func(string) bool,
	views func([]string) []any) roleRelation {
	return roleRelation{
		path: path,
		list: func(c *call) error {
			p, err := c.pagination(true)
			if err != nil {
				return err
			}
			r, ok := e.db.OrgRoles[c.param("id")]
			if !ok {
				return errNotExistsWithID("organization_roles", c.param("id"))
			}
			list(c, p, views(*set(r)), func(v any) any { return v })
			return nil
		},
		add: func(c *call) error {
			m, g, err := c.object()
			if err != nil {
				return err
			}
			ids, _ := g.stringList(m, key, true, true, idRule)
			if err := g.err(); err != nil {
				return err
			}
			r, ok := e.db.OrgRoles[c.param("id")]
			if !ok {
				return errForeignKey()
			}
			for _, id := range ids {
				if !exists(id) {
					return errForeignKey()
				}
			}
			*set(r) = addUnique(*set(r), ids...)
			c.changed = true
			c.text(201)
			return nil
		},
		replace: func(c *call) error {
			m, g, err := c.object()
			if err != nil {
				return err
			}
			ids, _ := g.stringList(m, key, true, false, idRule)
			if err := g.err(); err != nil {
				return err
			}
			r, ok := e.db.OrgRoles[c.param("id")]
			if !ok {
				return errNotExistsWithID("organization_roles", c.param("id"))
			}
			if hasDuplicates(ids) {
				return errUnique()
			}
			for _, id := range ids {
				if !exists(id) {
					return errForeignKey()
				}
			}
			*set(r) = append([]string{}, ids...)
			c.changed = true
			c.noContent()
			return nil
		},
		remove: func(c *call) error {
			r, ok := e.db.OrgRoles[c.param("id")]
			if !ok || !contains(*set(r), c.param("relId")) {
				return errNotFound()
			}
			*set(r) = remove(*set(r), c.param("relId"))
			c.changed = true
			c.noContent()
			return nil
		},
	}
}
