package emulator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ---- §8 users ----

var (
	userSearchFields = []string{"id", "primaryEmail", "primaryPhone", "username", "name"}
	usernamePattern  = regexp.MustCompile(`^[A-Z_a-z]\w*$`)
	userEmailPattern = regexp.MustCompile(`^\S+@\S+\.\S+$`)
	phonePattern     = regexp.MustCompile(`^\d+$`)
)

func (u *userRow) field(name string) *string {
	switch name {
	case "id":
		return &u.ID
	case "primaryEmail":
		return u.PrimaryEmail
	case "primaryPhone":
		return u.PrimaryPhone
	case "username":
		return u.Username
	case "name":
		return u.Name
	}
	return nil
}

func (e *Emulator) listUsers(c *call) error {
	p, err := c.pagination(false)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	exRole, exOrg := q.Get("excludeRoleId"), q.Get("excludeOrganizationId")
	if exRole != "" && exOrg != "" {
		return errInvalidRequest(400, "`excludeRoleId` and `excludeOrganizationId` cannot be used at the same time.")
	}
	s, err := parseSearch(c.r.URL.RawQuery, userSearchFields)
	if err != nil {
		return err
	}
	rows := mapValues(e.db.Users)
	sortBySeq(rows, func(u *userRow) int64 { return -u.Seq })
	var out []*userRow
	for _, u := range rows {
		if exOrg != "" {
			if o, ok := e.db.Orgs[exOrg]; ok {
				if _, member := o.Users[u.ID]; member {
					continue
				}
			}
		}
		ok, err := s.match(userSearchFields, u.field)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, u)
		}
	}
	list(c, p, out, func(u *userRow) any { return u.view() })
	return nil
}

func (e *Emulator) createUser(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	email, _ := g.str(m, "primaryEmail", strRule{pattern: userEmailPattern})
	phone, _ := g.str(m, "primaryPhone", strRule{pattern: phonePattern})
	username, _ := g.str(m, "username", strRule{pattern: usernamePattern})
	password, hasPassword := g.str(m, "password", strRule{min: 1})
	digest, hasDigest := g.str(m, "passwordDigest", strRule{max: 256})
	algo, _ := g.str(m, "passwordAlgorithm", strRule{enum: []string{"Argon2i", "Argon2id", "Argon2d", "SHA1", "SHA256", "MD5", "Bcrypt", "Legacy"}})
	name, _ := g.str(m, "name", strRule{})
	avatar, _ := g.str(m, "avatar", strRule{nullable: true})
	if avatar != nil && *avatar != "" && !isURL(*avatar) {
		g.add([]any{"avatar"}, "invalid_union", "Invalid input")
	}
	customData, _ := g.object(m, "customData", false)
	profile, _ := g.object(m, "profile", false)
	if err := g.err(); err != nil {
		return err
	}
	if hasPassword && hasDigest {
		return &apiError{Status: 400, Code: "user.password_and_digest",
			Message: "You cannot set both plain text password and password digest."}
	}
	if hasDigest && algo == nil {
		return &apiError{Status: 400, Code: "user.password_algorithm_required",
			Message: "Password algorithm is required."}
	}
	for _, v := range []*string{email, username} {
		if v != nil && len([]rune(*v)) > 128 {
			return &apiError{Status: 422, Code: "entity.value_too_long", Message: "The value is too long."}
		}
	}
	for _, u := range e.db.Users {
		if username != nil && u.Username != nil && *u.Username == *username {
			return &apiError{Status: 422, Code: "user.username_already_in_use", Message: "This username is already in use."}
		}
		if email != nil && u.PrimaryEmail != nil && strings.EqualFold(*u.PrimaryEmail, *email) {
			return &apiError{Status: 422, Code: "user.email_already_in_use", Message: "This email is associated with an existing account."}
		}
		if phone != nil && u.PrimaryPhone != nil && *u.PrimaryPhone == *phone {
			return &apiError{Status: 422, Code: "user.phone_already_in_use", Message: "This phone number is associated with an existing account."}
		}
	}
	now := e.nowMS()
	u := &userRow{ID: e.randomID(12), Username: username, PrimaryEmail: email, PrimaryPhone: phone, Name: name,
		Avatar: avatar, CustomData: orEmpty(customData), Profile: orEmpty(profile),
		HasPassword: (hasPassword && password != nil) || (hasDigest && digest != nil),
		CreatedAt:   now, UpdatedAt: now, Seq: e.db.next()}
	e.db.Users[u.ID] = u
	c.changed = true
	c.json(200, u.view())
	return nil
}

func (e *Emulator) getUser(c *call) error {
	u, ok := e.db.Users[c.param("id")]
	if !ok {
		return errNotFound()
	}
	c.json(200, u.view())
	return nil
}

func (e *Emulator) deleteUser(c *call) error {
	if _, ok := e.db.Users[c.param("id")]; !ok {
		return errNotFound()
	}
	e.db.deleteUser(c.param("id"))
	c.changed = true
	c.noContent()
	return nil
}

// mfaFactors are Logto's MfaFactor values.
var mfaFactors = []string{"Totp", "WebAuthn", "BackupCode", "EmailVerificationCode", "PhoneVerificationCode"}

// backupCodes is how many codes a backup-code factor has (all unused).
const backupCodes = 10

// listUserMFAVerifications is transpileUserMfaVerifications: id, createdAt
// and type, plus remainCodes for backup codes and the device for WebAuthn.
func (e *Emulator) listUserMFAVerifications(c *call) error {
	u, ok := e.db.Users[c.param("id")]
	if !ok {
		return errNotFound()
	}
	out := []obj{}
	for _, v := range u.MFAVerifications {
		entry := obj{"id": v.ID, "createdAt": v.CreatedAt, "type": v.Type}
		switch v.Type {
		case "BackupCode":
			entry["remainCodes"] = backupCodes
		case "WebAuthn":
			entry["agent"] = "emulator"
			entry["name"] = "Emulated passkey"
		}
		out = append(out, entry)
	}
	c.json(200, out)
	return nil
}

// AddUserMFA gives a user an MFA factor (Totp, WebAuthn, BackupCode,
// EmailVerificationCode or PhoneVerificationCode), as if the user had bound
// it while signing in. A user holds at most one Totp factor.
func (e *Emulator) AddUserMFA(userID, factor string) error {
	if !contains(mfaFactors, factor) {
		return fmt.Errorf("emulator: unknown MFA factor %q (want one of %s)", factor, strings.Join(mfaFactors, ", "))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.db.Users[userID]
	if !ok {
		return fmt.Errorf("emulator: no user %q", userID)
	}
	if factor == "Totp" && slices.ContainsFunc(u.MFAVerifications, func(v mfaVerification) bool { return v.Type == "Totp" }) {
		return fmt.Errorf("emulator: user %q already has a Totp factor", userID)
	}
	u.MFAVerifications = append(u.MFAVerifications, mfaVerification{ID: e.randomID(21), Type: factor,
		CreatedAt: e.now().UTC().Format("2006-01-02T15:04:05.000Z")})
	if e.opts.StatePath != "" {
		return e.saveLocked()
	}
	return nil
}

func (e *Emulator) listUserOrgs(c *call) error {
	id := c.param("id")
	if _, ok := e.db.Users[id]; !ok {
		return errNotFound()
	}
	out := []any{}
	for _, o := range e.orgsInOrder() {
		if roles, ok := o.Users[id]; ok {
			v := e.orgView(o)
			v["organizationRoles"] = e.db.roleRefs(roles)
			out = append(out, v)
		}
	}
	c.json(200, out)
	return nil
}

// ---- §10 applications ----

var (
	appTypes         = []string{"Native", "SPA", "Traditional", "MachineToMachine", "Protected", "SAML"}
	appSearchFields  = []string{"id", "name", "description"}
	appNameRule      = strRule{required: true, min: 1, max: 256}
	appDescRule      = strRule{nullable: true}
	scopeSearchField = []string{"id", "name", "description"}
)

func (a *appRow) field(name string) *string {
	switch name {
	case "id":
		return &a.ID
	case "name":
		return &a.Name
	case "description":
		return a.Description
	}
	return nil
}

func (e *Emulator) appDetail(a *appRow) obj {
	v := a.view(true)
	v["isAdmin"] = a.ManagementAccess
	return v
}

func (e *Emulator) listApps(c *call) error {
	p, err := c.pagination(true)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	types := q["types"]
	for _, t := range types {
		if !contains(appTypes, t) {
			g := &guard{kind: "query"}
			g.add([]any{"types"}, "invalid_enum_value", "Invalid enum value. Expected '"+strings.Join(appTypes, "' | '")+"', received '"+t+"'")
			return g.err()
		}
	}
	exRole, exOrg := q.Get("excludeRoleId"), q.Get("excludeOrganizationId")
	if exRole != "" && exOrg != "" {
		return errInvalidRequest(400, "`excludeRoleId` and `excludeOrganizationId` cannot be used at the same time.")
	}
	thirdParty := q.Get("isThirdParty")
	if _, given := q["isThirdParty"]; given && thirdParty != "true" && thirdParty != "false" {
		g := &guard{kind: "query"}
		g.add([]any{"isThirdParty"}, "invalid_union", "Invalid input")
		return g.err()
	}
	s, err := parseSearch(c.r.URL.RawQuery, appSearchFields)
	if err != nil {
		return err
	}
	rows := mapValues(e.db.Apps)
	sortBySeq(rows, func(a *appRow) int64 { return -a.Seq })
	var out []*appRow
	for _, a := range rows {
		if len(types) > 0 && !slices.Contains(types, a.Type) {
			continue
		}
		if thirdParty != "" && (thirdParty == "true") != a.IsThirdParty {
			continue
		}
		if exOrg != "" {
			if o, ok := e.db.Orgs[exOrg]; ok {
				if _, member := o.Apps[a.ID]; member {
					continue
				}
			}
		}
		ok, err := s.match(appSearchFields, a.field)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, a)
		}
	}
	list(c, p, out, func(a *appRow) any { return a.view(true) })
	return nil
}

func (e *Emulator) createApp(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	name, _ := g.str(m, "name", appNameRule)
	typ, _ := g.str(m, "type", strRule{required: true, enum: appTypes})
	desc, _ := g.str(m, "description", appDescRule)
	customData, _ := g.object(m, "customData", false)
	thirdParty, _ := g.boolean(m, "isThirdParty")
	if err := g.err(); err != nil {
		return err
	}
	if thirdParty != nil && *thirdParty && !contains([]string{"Traditional", "SPA", "Native"}, *typ) {
		return &apiError{Status: 400, Code: "application.invalid_third_party_application_type",
			Message: "Only traditional web, single-page, and native applications can be marked as third-party apps."}
	}
	a := &appRow{ID: e.randomID(21), Name: *name, Type: *typ, Description: desc, Secret: e.randomID(32),
		CustomData: orEmpty(customData), CreatedAt: e.nowMS(), Seq: e.db.next()}
	if thirdParty != nil {
		a.IsThirdParty = *thirdParty
	}
	e.db.Apps[a.ID] = a
	c.changed = true
	c.json(200, a.view(true))
	return nil
}

func (e *Emulator) getApp(c *call) error {
	a, ok := e.db.Apps[c.param("id")]
	if !ok {
		return errNotExistsWithID("applications", c.param("id"))
	}
	c.json(200, e.appDetail(a))
	return nil
}

func (e *Emulator) patchApp(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	name, hasName := g.str(m, "name", strRule{min: 1, max: 256})
	desc, hasDesc := g.str(m, "description", appDescRule)
	customData, hasCustom := g.object(m, "customData", false)
	if err := g.err(); err != nil {
		return err
	}
	a, ok := e.db.Apps[c.param("id")]
	if !ok {
		return errNotExistsWithID("applications", c.param("id"))
	}
	if hasName {
		a.Name = *name
	}
	if hasDesc {
		a.Description = desc
	}
	if hasCustom {
		a.CustomData = customData
	}
	if hasName || hasDesc || hasCustom {
		c.changed = true
	}
	c.json(200, e.appDetail(a))
	return nil
}

func (e *Emulator) patchAppCustomData(c *call) error {
	m, _, err := c.object()
	if err != nil {
		return err
	}
	a, ok := e.db.Apps[c.param("id")]
	if !ok {
		return errNotExistsWithID("applications", c.param("id"))
	}
	merged := map[string]any{}
	for k, v := range a.CustomData {
		merged[k] = v
	}
	for k := range m {
		v, _, _ := decodeField(m, k)
		merged[k] = v
	}
	a.CustomData = merged
	c.changed = true
	c.json(200, merged)
	return nil
}

func (e *Emulator) deleteApp(c *call) error {
	if _, ok := e.db.Apps[c.param("id")]; !ok {
		return errNotExistsWithID("applications", c.param("id"))
	}
	e.db.deleteApp(c.param("id"))
	c.changed = true
	c.noContent()
	return nil
}

func (e *Emulator) listAppOrgs(c *call) error {
	p, err := c.pagination(true)
	if err != nil {
		return err
	}
	id := c.param("id")
	if _, ok := e.db.Apps[id]; !ok {
		return errNotExistsWithID("applications", id)
	}
	var rows []*orgRow
	for _, o := range e.orgsInOrder() {
		if _, ok := o.Apps[id]; ok {
			rows = append(rows, o)
		}
	}
	list(c, p, rows, func(o *orgRow) any {
		v := e.orgView(o)
		v["organizationRoles"] = e.db.roleRefs(o.Apps[id])
		return v
	})
	return nil
}

// ---- §9 resources ----

var managementAPIPattern = regexp.MustCompile(`^https://[^.]+\.logto\.app/api$`)

func (e *Emulator) resourceView(r *resourceRow, withScopes bool) obj {
	v := r.view()
	if withScopes {
		v["scopes"] = e.resourceScopes(r.ID)
	}
	return v
}

func (e *Emulator) resourceScopes(resourceID string) []any {
	var rows []*scopeRow
	for _, s := range e.db.Scopes {
		if s.ResourceID == resourceID {
			rows = append(rows, s)
		}
	}
	sortBySeq(rows, func(s *scopeRow) int64 { return s.Seq })
	out := []any{}
	for _, s := range rows {
		out = append(out, s.view())
	}
	return out
}

func (e *Emulator) listResources(c *call) error {
	p, err := c.pagination(true)
	if err != nil {
		return err
	}
	include := c.r.URL.Query().Get("includeScopes") == "true"
	rows := mapValues(e.db.Resources)
	sortBySeq(rows, func(r *resourceRow) int64 { return r.Seq })
	list(c, p, rows, func(r *resourceRow) any { return e.resourceView(r, include) })
	return nil
}

func (e *Emulator) createResource(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	// Resources.createGuard: name and indicator are text columns (no max).
	name, _ := g.str(m, "name", strRule{required: true, min: 1})
	indicator, _ := g.str(m, "indicator", strRule{required: true, min: 1})
	ttl, hasTTL := g.number(m, "accessTokenTtl", false)
	if err := g.err(); err != nil {
		return err
	}
	// Logto checks, then inserts (routes/resource.ts): a create that loses
	// the race between the two hits the unique constraint, which no handler
	// translates.
	for _, r := range e.db.Resources {
		if r.Indicator == *indicator {
			if e.loseResourceRace(*indicator) {
				return errInternal()
			}
			return &apiError{Status: 422, Code: "resource.resource_identifier_in_use",
				Message: "The API identifier " + *indicator + " is already in use"}
		}
	}
	r := &resourceRow{ID: e.randomID(21), Name: *name, Indicator: *indicator, AccessTokenTTL: 3600, Seq: e.db.next()}
	if hasTTL {
		r.AccessTokenTTL = int64(ttl)
	}
	e.db.Resources[r.ID] = r
	c.changed = true
	v := r.view()
	v["scopes"] = []any{}
	c.json(201, v)
	return nil
}

func (e *Emulator) getResource(c *call) error {
	r, ok := e.db.Resources[c.param("id")]
	if !ok {
		return errNotExistsWithID("resources", c.param("id"))
	}
	c.json(200, r.view())
	return nil
}

// isManagementAPI is Logto's isManagementApi: the seeded resource, or any
// https://{tenant}.logto.app/api indicator.
func (r *resourceRow) isManagementAPI() bool {
	return r.ID == managementAPIResourceID || managementAPIPattern.MatchString(r.Indicator)
}

func (e *Emulator) patchResource(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	// The update guard omits id, indicator and isDefault: they are dropped.
	name, hasName := g.str(m, "name", strRule{min: 1})
	ttl, hasTTL := g.number(m, "accessTokenTtl", false)
	if err := g.err(); err != nil {
		return err
	}
	r, ok := e.db.Resources[c.param("id")]
	if !ok {
		return errNotExistsWithID("resources", c.param("id"))
	}
	if r.isManagementAPI() {
		return &apiError{Status: 400, Code: "resource.cannot_modify_management_api", Message: "Cannot modify Logto Management API."}
	}
	if !hasName && !hasTTL {
		return errEmptyUpdate()
	}
	if hasName {
		r.Name = *name
	}
	if hasTTL {
		r.AccessTokenTTL = int64(ttl)
	}
	c.changed = true
	c.json(200, r.view())
	return nil
}

func (s *scopeRow) field(name string) *string {
	switch name {
	case "id":
		return &s.ID
	case "name":
		return &s.Name
	case "description":
		return s.Description
	}
	return nil
}

func (e *Emulator) listResourceScopes(c *call) error {
	p, err := c.pagination(false)
	if err != nil {
		return err
	}
	id := c.param("id")
	if _, ok := e.db.Resources[id]; !ok {
		return errNotExistsWithID("resources", id)
	}
	s, err := parseSearch(c.r.URL.RawQuery, scopeSearchField)
	if err != nil {
		return err
	}
	var rows []*scopeRow
	for _, sc := range e.db.Scopes {
		if sc.ResourceID != id {
			continue
		}
		ok, err := s.match(scopeSearchField, sc.field)
		if err != nil {
			return err
		}
		if ok {
			rows = append(rows, sc)
		}
	}
	sortBySeq(rows, func(s *scopeRow) int64 { return s.Seq })
	list(c, p, rows, func(s *scopeRow) any { return s.view() })
	return nil
}

func (e *Emulator) createResourceScope(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	name, _ := g.str(m, "name", strRule{required: true, min: 1, max: 256})
	desc, _ := g.str(m, "description", strRule{nullable: true})
	if err := g.err(); err != nil {
		return err
	}
	r, ok := e.db.Resources[c.param("id")]
	if !ok {
		return errNotExistsWithID("resources", c.param("id"))
	}
	if r.isManagementAPI() {
		return &apiError{Status: 400, Code: "resource.cannot_modify_management_api", Message: "Cannot modify Logto Management API."}
	}
	if strings.ContainsAny(*name, " \t\n") {
		return &apiError{Status: 400, Code: "scope.name_with_space", Message: "The name of the scope cannot contain any spaces."}
	}
	for _, s := range e.db.Scopes {
		if s.ResourceID == r.ID && s.Name == *name {
			return &apiError{Status: 422, Code: "scope.name_exists", Message: "The scope name " + *name + " is already in use."}
		}
	}
	s := &scopeRow{ID: e.randomID(21), ResourceID: r.ID, Name: *name, Description: desc, CreatedAt: e.nowMS(), Seq: e.db.next()}
	e.db.Scopes[s.ID] = s
	c.changed = true
	c.json(201, s.view())
	return nil
}

func (e *Emulator) deleteResource(c *call) error {
	r, ok := e.db.Resources[c.param("id")]
	if !ok {
		return errNotExistsWithID("resources", c.param("id"))
	}
	if r.isManagementAPI() {
		return &apiError{Status: 400, Code: "resource.cannot_delete_management_api", Message: "Cannot delete Logto Management API."}
	}
	e.db.deleteResource(r.ID)
	c.changed = true
	c.noContent()
	return nil
}

func (e *Emulator) deleteResourceScope(c *call) error {
	r, ok := e.db.Resources[c.param("id")]
	if !ok {
		return errNotExistsWithID("resources", c.param("id"))
	}
	if r.isManagementAPI() {
		return &apiError{Status: 400, Code: "resource.cannot_modify_management_api", Message: "Cannot modify Logto Management API."}
	}
	s, ok := e.db.Scopes[c.param("scopeId")]
	if !ok || s.ResourceID != r.ID {
		return errNotFound()
	}
	e.db.deleteScope(s.ID)
	c.changed = true
	c.noContent()
	return nil
}
