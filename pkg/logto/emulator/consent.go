package emulator

// ---- third-party applications' user consent scopes
// (routes/applications/application-user-consent-scope.ts,
// libraries/application.ts) ----

// consentScopeTypes are ApplicationUserConsentScopeType, the {scopeType} of
// DELETE /applications/{id}/user-consent-scopes/{scopeType}/{scopeId}.
var consentScopeTypes = []string{"organization-scopes", "resource-scopes", "organization-resource-scopes", "user-scopes"}

// userScopes are core-kit's UserScope values.
var userScopes = []string{"profile", "email", "phone", "address", "custom_data", "identities", "roles",
	"urn:logto:scope:organizations", "urn:logto:scope:organization_roles", "urn:logto:scope:sessions"}

func (e *Emulator) addUserConsentScopes(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	orgScopes, hasOrg := g.stringList(m, "organizationScopes", false, false, strRule{})
	resScopes, hasRes := g.stringList(m, "resourceScopes", false, false, strRule{})
	orgResScopes, hasOrgRes := g.stringList(m, "organizationResourceScopes", false, false, strRule{})
	users, _ := g.stringList(m, "userScopes", false, false, strRule{enum: userScopes})
	if err := g.err(); err != nil {
		return err
	}
	a, ok := e.db.Apps[c.param("id")]
	if !ok {
		return errNotExistsWithID("applications", c.param("id"))
	}
	if !a.IsThirdParty {
		return &apiError{Status: 422, Code: "application.third_party_application_only",
			Message: "The feature is only available for third-party applications."}
	}
	invalidOrg, invalidRes, invalidOrgRes := []string{}, []string{}, []string{}
	for _, id := range orgScopes {
		if _, ok := e.db.OrgScopes[id]; !ok {
			invalidOrg = append(invalidOrg, id)
		}
	}
	for _, id := range resScopes {
		if _, ok := e.db.Scopes[id]; !ok {
			invalidRes = append(invalidRes, id)
		}
	}
	for _, id := range orgResScopes {
		if _, ok := e.db.Scopes[id]; !ok {
			invalidOrgRes = append(invalidOrgRes, id)
		}
	}
	if len(invalidOrg)+len(invalidRes)+len(invalidOrgRes) > 0 {
		return &apiError{Status: 422, Code: "application.user_consent_scopes_not_found", Message: "Invalid user consent scopes.",
			Data: obj{"invalidOrganizationScopes": invalidOrg, "invalidResourceScopes": invalidRes,
				"invalidOrganizationResourceScopes": invalidOrgRes}}
	}
	for _, id := range append(append([]string{}, resScopes...), orgResScopes...) {
		if r := e.db.Resources[e.db.Scopes[id].ResourceID]; r != nil && r.isManagementAPI() {
			return &apiError{Status: 422, Code: "application.consent_management_api_scopes_not_allowed",
				Message: "Management API scopes are not allowed."}
		}
	}
	// Logto inserts each list in turn, outside a transaction; an empty list
	// makes an empty insert, which fails (422 entity.invalid_input, seen on
	// Logto 1.37.1) after the lists before it were stored.
	for _, l := range []struct {
		given bool
		ids   []string
		set   *[]string
	}{{hasOrg, orgScopes, &a.ConsentOrgScopes}, {hasRes, resScopes, &a.ConsentResourceScopes},
		{hasOrgRes, orgResScopes, &a.ConsentOrgResourceScopes}} {
		if !l.given {
			continue
		}
		if len(l.ids) == 0 {
			return errEmptyUpdate()
		}
		*l.set = addUnique(*l.set, l.ids...)
		c.changed = true
	}
	if len(users) > 0 {
		a.ConsentUserScopes = addUnique(a.ConsentUserScopes, users...)
		c.changed = true
	}
	c.text(201)
	return nil
}

func (e *Emulator) listUserConsentScopes(c *call) error {
	a, ok := e.db.Apps[c.param("id")]
	if !ok {
		return errNotExistsWithID("applications", c.param("id"))
	}
	orgScopes := []obj{}
	for _, id := range a.ConsentOrgScopes {
		if s, ok := e.db.OrgScopes[id]; ok {
			orgScopes = append(orgScopes, obj{"id": s.ID, "name": s.Name, "description": s.Description})
		}
	}
	users := a.ConsentUserScopes
	if users == nil {
		users = []string{}
	}
	c.json(200, obj{
		"organizationScopes":         orgScopes,
		"resourceScopes":             e.groupedResourceScopes(a.ConsentResourceScopes),
		"organizationResourceScopes": e.groupedResourceScopes(a.ConsentOrgResourceScopes),
		"userScopes":                 users,
	})
	return nil
}

// groupedResourceScopes is groupResourceScopesByResourceId: [{resource
// {id, name, indicator}, scopes [{id, name, description}]}], resources in
// the order their first scope appears.
func (e *Emulator) groupedResourceScopes(ids []string) []obj {
	out := []obj{}
	index := map[string]int{}
	for _, id := range ids {
		s, ok := e.db.Scopes[id]
		if !ok {
			continue
		}
		i, seen := index[s.ResourceID]
		if !seen {
			r := e.db.Resources[s.ResourceID]
			i = len(out)
			index[s.ResourceID] = i
			out = append(out, obj{"resource": obj{"id": r.ID, "name": r.Name, "indicator": r.Indicator}, "scopes": []obj{}})
		}
		out[i]["scopes"] = append(out[i]["scopes"].([]obj), obj{"id": s.ID, "name": s.Name, "description": s.Description})
	}
	return out
}

func (e *Emulator) removeUserConsentScope(c *call) error {
	typ := c.param("type")
	if !contains(consentScopeTypes, typ) {
		g := &guard{kind: "params"}
		g.add([]any{"scopeType"}, "invalid_enum_value", "Invalid enum value. Expected 'organization-scopes' | 'resource-scopes' | 'organization-resource-scopes' | 'user-scopes', received '"+typ+"'")
		return g.err()
	}
	a, ok := e.db.Apps[c.param("id")]
	if !ok {
		return errNotExistsWithID("applications", c.param("id"))
	}
	set := map[string]*[]string{
		"organization-scopes": &a.ConsentOrgScopes, "resource-scopes": &a.ConsentResourceScopes,
		"organization-resource-scopes": &a.ConsentOrgResourceScopes, "user-scopes": &a.ConsentUserScopes,
	}[typ]
	if !contains(*set, c.param("scopeId")) {
		return errNotFound()
	}
	*set = remove(*set, c.param("scopeId"))
	c.changed = true
	c.noContent()
	return nil
}
