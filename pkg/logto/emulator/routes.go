package emulator

import "strings"

// buildRoutes lists the routes of the modelled Logto release: a route
// introduced after it is left out.
func (e *Emulator) buildRoutes() []route {
	var rs []route
	add := func(method, pattern string, h func(*call) error) {
		rs = append(rs, route{method: method, pattern: strings.Split(pattern, "/"), handler: h})
	}
	addSince := func(since, method, pattern string, h func(*call) error) {
		if e.has(since) {
			add(method, pattern, h)
		}
	}
	// §1 organization scopes
	add("GET", "organization-scopes", e.listOrgScopes)
	add("POST", "organization-scopes", e.createOrgScope)
	add("GET", "organization-scopes/:id", e.getOrgScope)
	add("PATCH", "organization-scopes/:id", e.patchOrgScope)
	add("DELETE", "organization-scopes/:id", e.deleteOrgScope)

	// §2 organization roles
	add("GET", "organization-roles", e.listOrgRoles)
	add("POST", "organization-roles", e.createOrgRole)
	add("GET", "organization-roles/:id", e.getOrgRole)
	add("PATCH", "organization-roles/:id", e.patchOrgRole)
	add("DELETE", "organization-roles/:id", e.deleteOrgRole)
	for _, rel := range []roleRelation{e.roleScopes(), e.roleResourceScopes()} {
		since := OldestVersion
		if rel.path == "resource-scopes" {
			since = sinceRoleResourceScopes
		}
		addSince(since, "GET", "organization-roles/:id/"+rel.path, rel.list)
		addSince(since, "POST", "organization-roles/:id/"+rel.path, rel.add)
		addSince(since, "PUT", "organization-roles/:id/"+rel.path, rel.replace)
		addSince(since, "DELETE", "organization-roles/:id/"+rel.path+"/:relId", rel.remove)
	}

	// §3 organizations
	add("GET", "organizations", e.listOrgs)
	add("POST", "organizations", e.createOrg)
	add("GET", "organizations/:id", e.getOrg)
	add("PATCH", "organizations/:id", e.patchOrg)
	add("DELETE", "organizations/:id", e.deleteOrg)

	// §4 / §5 members
	for _, m := range []memberKind{e.userMembers(), e.appMembers()} {
		since := OldestVersion
		if !m.isUser {
			since = sinceOrganizationApps
		}
		addSince(since, "POST", "organizations/:id/"+m.path+"/roles", m.assignRoles)
		addSince(since, "GET", "organizations/:id/"+m.path, m.list)
		addSince(since, "POST", "organizations/:id/"+m.path, m.add)
		addSince(since, "PUT", "organizations/:id/"+m.path, m.replace)
		addSince(since, "DELETE", "organizations/:id/"+m.path+"/:memberId", m.remove)
		addSince(since, "GET", "organizations/:id/"+m.path+"/:memberId/roles", m.listRoles)
		addSince(since, "POST", "organizations/:id/"+m.path+"/:memberId/roles", m.addRoles)
		addSince(since, "PUT", "organizations/:id/"+m.path+"/:memberId/roles", m.replaceRoles)
		addSince(since, "DELETE", "organizations/:id/"+m.path+"/:memberId/roles/:roleId", m.removeRole)
	}
	add("GET", "organizations/:id/users/:memberId/scopes", e.listOrgUserScopes)

	// §6 JIT
	addSince(sinceJIT, "GET", "organizations/:id/jit/email-domains", e.listJITDomains)
	addSince(sinceJIT, "POST", "organizations/:id/jit/email-domains", e.addJITDomain)
	addSince(sinceJIT, "PUT", "organizations/:id/jit/email-domains", e.replaceJITDomains)
	addSince(sinceJIT, "DELETE", "organizations/:id/jit/email-domains/:domain", e.removeJITDomain)
	addSince(sinceJIT, "GET", "organizations/:id/jit/roles", e.listJITRoles)
	addSince(sinceJIT, "POST", "organizations/:id/jit/roles", e.addJIT(jitRoles))
	addSince(sinceJIT, "PUT", "organizations/:id/jit/roles", e.replaceJIT(jitRoles))
	addSince(sinceJIT, "DELETE", "organizations/:id/jit/roles/:roleId", e.removeJIT(jitRoles))
	addSince(sinceJIT, "GET", "organizations/:id/jit/sso-connectors", e.listJITSSOConnectors)
	addSince(sinceJIT, "POST", "organizations/:id/jit/sso-connectors", e.addJIT(jitSSOConnectors))
	addSince(sinceJIT, "PUT", "organizations/:id/jit/sso-connectors", e.replaceJIT(jitSSOConnectors))
	addSince(sinceJIT, "DELETE", "organizations/:id/jit/sso-connectors/:connectorId", e.removeJIT(jitSSOConnectors))

	// §7 invitations
	add("GET", "organization-invitations", e.listInvitations)
	add("POST", "organization-invitations", e.createInvitation)
	add("GET", "organization-invitations/:id", e.getInvitation)
	add("DELETE", "organization-invitations/:id", e.deleteInvitation)
	add("PUT", "organization-invitations/:id/status", e.setInvitationStatus)
	addSince(sinceInvitationMessage, "POST", "organization-invitations/:id/message", e.sendInvitation)

	// §8 users
	add("GET", "users", e.listUsers)
	add("POST", "users", e.createUser)
	add("GET", "users/:id", e.getUser)
	add("DELETE", "users/:id", e.deleteUser)
	add("GET", "users/:id/organizations", e.listUserOrgs)
	add("GET", "users/:id/mfa-verifications", e.listUserMFAVerifications)

	// §10 applications
	add("GET", "applications", e.listApps)
	add("POST", "applications", e.createApp)
	add("GET", "applications/:id", e.getApp)
	add("PATCH", "applications/:id", e.patchApp)
	addSince(sinceAppCustomDataPatch, "PATCH", "applications/:id/custom-data", e.patchAppCustomData)
	add("DELETE", "applications/:id", e.deleteApp)
	addSince(sinceOrganizationApps, "GET", "applications/:id/organizations", e.listAppOrgs)
	addSince(sinceUserConsentScopes, "GET", "applications/:id/user-consent-scopes", e.listUserConsentScopes)
	addSince(sinceUserConsentScopes, "POST", "applications/:id/user-consent-scopes", e.addUserConsentScopes)
	addSince(sinceUserConsentScopes, "DELETE", "applications/:id/user-consent-scopes/:type/:scopeId", e.removeUserConsentScope)

	// §9 resources
	add("GET", "resources", e.listResources)
	add("POST", "resources", e.createResource)
	add("GET", "resources/:id", e.getResource)
	add("PATCH", "resources/:id", e.patchResource)
	add("DELETE", "resources/:id", e.deleteResource)
	add("DELETE", "resources/:id/scopes/:scopeId", e.deleteResourceScope)
	add("GET", "resources/:id/scopes", e.listResourceScopes)
	add("POST", "resources/:id/scopes", e.createResourceScope)

	// enterprise SSO connectors
	add("GET", "sso-connectors", e.listSSOConnectors)
	add("POST", "sso-connectors", e.createSSOConnector)
	add("GET", "sso-connectors/:id", e.getSSOConnector)
	add("DELETE", "sso-connectors/:id", e.deleteSSOConnector)

	// The account API (routes/account), authenticated with a user's access
	// token, not the Management API's: the emulator issues no user tokens,
	// so it answers as Logto does to the tokens it does issue.
	for _, method := range []string{"GET", "PATCH"} {
		if e.has(sinceAccountMFASettings) {
			rs = append(rs, route{method: method, pattern: []string{"my-account", "mfa-settings"}, handler: e.accountAPI, anonymous: true})
		}
	}
	return rs
}
