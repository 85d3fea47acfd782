package emulator

import (
	"slices"
	"sort"
)

const (
	tenantID                = "default"
	managementAPIResourceID = "management-api"
	managementAPIScopeID    = "management-api-all"
)

// db is the whole tenant; it is what Save writes as JSON.
type db struct {
	Seq         int64                     `json:"seq"`
	SigningKey  string                    `json:"signingKey"`
	AdminAppID  string                    `json:"adminAppId"`
	OrgScopes   map[string]*orgScopeRow   `json:"organizationScopes"`
	OrgRoles    map[string]*orgRoleRow    `json:"organizationRoles"`
	Orgs        map[string]*orgRow        `json:"organizations"`
	Users       map[string]*userRow       `json:"users"`
	Apps        map[string]*appRow        `json:"applications"`
	Resources   map[string]*resourceRow   `json:"resources"`
	Scopes      map[string]*scopeRow      `json:"scopes"`
	Invitations map[string]*invitationRow `json:"invitations"`
	// SSOConnectors are enterprise SSO connectors; their config holds the
	// identity provider's secrets.
	SSOConnectors map[string]*ssoConnectorRow `json:"ssoConnectors"`
}

func newDB() *db {
	d := &db{}
	d.fill()
	return d
}

// fill replaces nil maps (from an older or hand-edited state file).
func (d *db) fill() {
	if d.OrgScopes == nil {
		d.OrgScopes = map[string]*orgScopeRow{}
	}
	if d.OrgRoles == nil {
		d.OrgRoles = map[string]*orgRoleRow{}
	}
	if d.Orgs == nil {
		d.Orgs = map[string]*orgRow{}
	}
	if d.Users == nil {
		d.Users = map[string]*userRow{}
	}
	if d.Apps == nil {
		d.Apps = map[string]*appRow{}
	}
	if d.Resources == nil {
		d.Resources = map[string]*resourceRow{}
	}
	if d.Scopes == nil {
		d.Scopes = map[string]*scopeRow{}
	}
	if d.Invitations == nil {
		d.Invitations = map[string]*invitationRow{}
	}
	if d.SSOConnectors == nil {
		d.SSOConnectors = map[string]*ssoConnectorRow{}
	}
	for _, o := range d.Orgs {
		if o.Users == nil {
			o.Users = map[string][]string{}
		}
		if o.Apps == nil {
			o.Apps = map[string][]string{}
		}
		if o.CustomData == nil {
			o.CustomData = map[string]any{}
		}
	}
}

// next returns the next insertion sequence number (stable orders).
func (d *db) next() int64 { d.Seq++; return d.Seq }

type orgScopeRow struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	Seq         int64   `json:"seq"`
}

type orgRoleRow struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Description    *string  `json:"description"`
	Type           string   `json:"type"`
	Scopes         []string `json:"scopes"`         // organization scope ids, insertion order
	ResourceScopes []string `json:"resourceScopes"` // resource scope ids
	Seq            int64    `json:"seq"`
}

type orgRow struct {
	ID               string              `json:"id"`
	Name             string              `json:"name"`
	Description      *string             `json:"description"`
	CustomData       map[string]any      `json:"customData"`
	IsMfaRequired    bool                `json:"isMfaRequired"`
	Color            map[string]any      `json:"color"`
	Branding         map[string]any      `json:"branding"`
	CustomCSS        *string             `json:"customCss"`
	CreatedAt        int64               `json:"createdAt"`
	Users            map[string][]string `json:"users"` // member user id → organization role ids
	Apps             map[string][]string `json:"apps"`  // member application id → organization role ids
	JITDomains       []string            `json:"jitEmailDomains"`
	JITRoles         []string            `json:"jitRoles"`
	JITSSOConnectors []string            `json:"jitSsoConnectors"`
	Seq              int64               `json:"seq"`
}

type userRow struct {
	ID           string         `json:"id"`
	Username     *string        `json:"username"`
	PrimaryEmail *string        `json:"primaryEmail"`
	PrimaryPhone *string        `json:"primaryPhone"`
	Name         *string        `json:"name"`
	Avatar       *string        `json:"avatar"`
	CustomData   map[string]any `json:"customData"`
	Profile      map[string]any `json:"profile"`
	HasPassword  bool           `json:"hasPassword"`
	// MFAVerifications are the user's MFA factors (users.mfa_verifications).
	MFAVerifications []mfaVerification `json:"mfaVerifications,omitempty"`
	CreatedAt        int64             `json:"createdAt"`
	UpdatedAt        int64             `json:"updatedAt"`
	Seq              int64             `json:"seq"`
}

// mfaVerification is one entry of users.mfa_verifications; createdAt is an
// ISO 8601 string there, not epoch milliseconds.
type mfaVerification struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CreatedAt string `json:"createdAt"`
}

type appRow struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Description      *string        `json:"description"`
	Type             string         `json:"type"`
	Secret           string         `json:"secret"`
	CustomData       map[string]any `json:"customData"`
	IsThirdParty     bool           `json:"isThirdParty"`
	ManagementAccess bool           `json:"managementAccess"` // holds the Management API "all" scope
	// The scopes a third-party application asks its users to consent to.
	ConsentOrgScopes         []string `json:"userConsentOrganizationScopes,omitempty"`
	ConsentResourceScopes    []string `json:"userConsentResourceScopes,omitempty"`
	ConsentOrgResourceScopes []string `json:"userConsentOrganizationResourceScopes,omitempty"`
	ConsentUserScopes        []string `json:"userConsentUserScopes,omitempty"`
	CreatedAt                int64    `json:"createdAt"`
	Seq                      int64    `json:"seq"`
}

type resourceRow struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Indicator      string `json:"indicator"`
	IsDefault      bool   `json:"isDefault"`
	AccessTokenTTL int64  `json:"accessTokenTtl"`
	Seq            int64  `json:"seq"`
}

type scopeRow struct {
	ID          string  `json:"id"`
	ResourceID  string  `json:"resourceId"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	CreatedAt   int64   `json:"createdAt"`
	Seq         int64   `json:"seq"`
}

type invitationRow struct {
	ID             string   `json:"id"`
	InviterID      *string  `json:"inviterId"`
	Invitee        string   `json:"invitee"`
	AcceptedUserID *string  `json:"acceptedUserId"`
	OrganizationID string   `json:"organizationId"`
	Status         string   `json:"status"`
	CreatedAt      int64    `json:"createdAt"`
	UpdatedAt      int64    `json:"updatedAt"`
	ExpiresAt      int64    `json:"expiresAt"`
	RoleIDs        []string `json:"organizationRoleIds"`
	Seq            int64    `json:"seq"`
}

type ssoConnectorRow struct {
	ID            string         `json:"id"`
	ProviderName  string         `json:"providerName"`
	ConnectorName string         `json:"connectorName"`
	Config        map[string]any `json:"config"`
	Domains       []string       `json:"domains"`
	Branding      map[string]any `json:"branding"`
	SyncProfile   bool           `json:"syncProfile"`
	CreatedAt     int64          `json:"createdAt"`
	Seq           int64          `json:"seq"`
}

func ptr[T any](v T) *T { return &v }

// obj is a JSON object in Logto's field order is not significant; maps keep
// the views short.
type obj = map[string]any

func (s *orgScopeRow) view() obj {
	return obj{"tenantId": tenantID, "id": s.ID, "name": s.Name, "description": s.Description}
}

func (r *orgRoleRow) view() obj {
	return obj{"tenantId": tenantID, "id": r.ID, "name": r.Name, "description": r.Description, "type": r.Type}
}

func (o *orgRow) view() obj {
	return obj{
		"tenantId": tenantID, "id": o.ID, "name": o.Name, "description": o.Description,
		"customData": orEmpty(o.CustomData), "isMfaRequired": o.IsMfaRequired,
		"color": orEmpty(o.Color), "branding": orEmpty(o.Branding), "customCss": o.CustomCSS,
		"createdAt": o.CreatedAt,
	}
}

func (u *userRow) view() obj {
	return obj{
		"id": u.ID, "username": u.Username, "primaryEmail": u.PrimaryEmail, "primaryPhone": u.PrimaryPhone,
		"name": u.Name, "avatar": u.Avatar, "customData": orEmpty(u.CustomData), "identities": obj{},
		"lastSignInAt": nil, "createdAt": u.CreatedAt, "updatedAt": u.UpdatedAt, "profile": orEmpty(u.Profile),
		"applicationId": nil, "isSuspended": false, "hasPassword": u.HasPassword,
	}
}

func (a *appRow) view(withSecret bool) obj {
	v := obj{
		"tenantId": tenantID, "id": a.ID, "name": a.Name, "description": a.Description, "type": a.Type,
		"oidcClientMetadata":   obj{"redirectUris": []string{}, "postLogoutRedirectUris": []string{}},
		"customClientMetadata": obj{}, "protectedAppMetadata": nil, "customData": orEmpty(a.CustomData),
		"isThirdParty": a.IsThirdParty, "createdAt": a.CreatedAt,
	}
	if withSecret {
		v["secret"] = a.Secret
	}
	return v
}

func (r *resourceRow) view() obj {
	return obj{"tenantId": tenantID, "id": r.ID, "name": r.Name, "indicator": r.Indicator,
		"isDefault": r.IsDefault, "accessTokenTtl": r.AccessTokenTTL}
}

func (c *ssoConnectorRow) view() obj {
	domains := c.Domains
	if domains == nil {
		domains = []string{}
	}
	return obj{"tenantId": tenantID, "id": c.ID, "providerName": c.ProviderName, "connectorName": c.ConnectorName,
		"config": orEmpty(c.Config), "domains": domains, "branding": orEmpty(c.Branding), "syncProfile": c.SyncProfile,
		"enableTokenStorage": false, "createdAt": c.CreatedAt}
}

func (s *scopeRow) view() obj {
	return obj{"tenantId": tenantID, "id": s.ID, "resourceId": s.ResourceID, "name": s.Name,
		"description": s.Description, "createdAt": s.CreatedAt}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Sorted row lists.

func (d *db) orgScopesByName() []*orgScopeRow {
	out := mapValues(d.OrgScopes)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (d *db) orgRolesByName() []*orgRoleRow {
	out := mapValues(d.OrgRoles)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func mapValues[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func sortBySeq[T any](rows []T, seq func(T) int64) {
	sort.Slice(rows, func(i, j int) bool { return seq(rows[i]) < seq(rows[j]) })
}

// idNames turns organization role ids into [{id,name}] sorted by name.
func (d *db) roleRefs(ids []string) []obj {
	roles := make([]*orgRoleRow, 0, len(ids))
	for _, id := range ids {
		if r, ok := d.OrgRoles[id]; ok {
			roles = append(roles, r)
		}
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i].Name < roles[j].Name })
	out := make([]obj, len(roles))
	for i, r := range roles {
		out[i] = obj{"id": r.ID, "name": r.Name}
	}
	return out
}

// deleteOrgRole removes a role and every reference to it.
func (d *db) deleteOrgRole(id string) {
	delete(d.OrgRoles, id)
	for _, o := range d.Orgs {
		for u, roles := range o.Users {
			o.Users[u] = remove(roles, id)
		}
		for a, roles := range o.Apps {
			o.Apps[a] = remove(roles, id)
		}
		o.JITRoles = remove(o.JITRoles, id)
	}
	for _, inv := range d.Invitations {
		inv.RoleIDs = remove(inv.RoleIDs, id)
	}
}

func (d *db) deleteOrgScope(id string) {
	delete(d.OrgScopes, id)
	for _, r := range d.OrgRoles {
		r.Scopes = remove(r.Scopes, id)
	}
	for _, a := range d.Apps {
		a.ConsentOrgScopes = remove(a.ConsentOrgScopes, id)
	}
}

func (d *db) deleteUser(id string) {
	delete(d.Users, id)
	for _, o := range d.Orgs {
		delete(o.Users, id)
	}
	for _, inv := range d.Invitations {
		if inv.InviterID != nil && *inv.InviterID == id {
			inv.InviterID = nil
		}
		if inv.AcceptedUserID != nil && *inv.AcceptedUserID == id {
			inv.AcceptedUserID = nil
		}
	}
}

func (d *db) deleteApp(id string) {
	delete(d.Apps, id)
	for _, o := range d.Orgs {
		delete(o.Apps, id)
	}
}

func (d *db) deleteOrg(id string) {
	delete(d.Orgs, id)
	for iid, inv := range d.Invitations {
		if inv.OrganizationID == id {
			delete(d.Invitations, iid)
		}
	}
}

// deleteResource removes an API resource with its scopes (and every
// reference to them).
func (d *db) deleteResource(id string) {
	for sid, s := range d.Scopes {
		if s.ResourceID == id {
			d.deleteScope(sid)
		}
	}
	delete(d.Resources, id)
}

func (d *db) deleteScope(id string) {
	delete(d.Scopes, id)
	for _, r := range d.OrgRoles {
		r.ResourceScopes = remove(r.ResourceScopes, id)
	}
	for _, a := range d.Apps {
		a.ConsentResourceScopes = remove(a.ConsentResourceScopes, id)
		a.ConsentOrgResourceScopes = remove(a.ConsentOrgResourceScopes, id)
	}
}

// deleteSSOConnector removes a connector and its JIT assignments.
func (d *db) deleteSSOConnector(id string) {
	delete(d.SSOConnectors, id)
	for _, o := range d.Orgs {
		o.JITSSOConnectors = remove(o.JITSSOConnectors, id)
	}
}

func remove(list []string, v string) []string {
	if i := slices.Index(list, v); i >= 0 {
		return slices.Delete(slices.Clone(list), i, i+1)
	}
	return list
}

// addUnique appends the values of add not yet in list.
func addUnique(list []string, add ...string) []string {
	for _, v := range add {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

func hasDuplicates(list []string) bool {
	seen := make(map[string]bool, len(list))
	for _, v := range list {
		if seen[v] {
			return true
		}
		seen[v] = true
	}
	return false
}
