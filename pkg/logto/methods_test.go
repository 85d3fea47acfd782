package logto

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pageQ is the query of the first page of a paginated list.
func pageQ(extra url.Values) url.Values {
	q := url.Values{"page": {"1"}, "page_size": {"100"}}
	for k, v := range extra {
		q[k] = v
	}
	return q
}

// methodCase is one typed method: the request it must send, the answer it
// gets and what it must return.
type methodCase struct {
	name     string
	method   string
	path     string     // request path (unescaped)
	query    url.Values // exact query
	body     string     // exact JSON body, "" = none
	status   int
	respCT   string // response content type; "" = application/json
	response string
	call     func(context.Context, *Client) (any, error)
	want     any
}

var methodCases = []methodCase{
	// organization scopes
	{
		name: "ListOrganizationScopes", method: "GET", path: "/api/organization-scopes", query: pageQ(nil),
		status: 200, response: `[{"tenantId":"t","id":"s1","name":"read:doc","description":"Read"},{"id":"s2","name":"w","description":null}]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.ListOrganizationScopes(ctx) },
		want: []OrganizationScope{{ID: "s1", Name: "read:doc", Description: ptr("Read")}, {ID: "s2", Name: "w"}},
	},
	{
		name: "CreateOrganizationScope", method: "POST", path: "/api/organization-scopes", body: `{"name":"read:doc","description":"Read"}`,
		status: 201, response: `{"tenantId":"t","id":"s1","name":"read:doc","description":"Read"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateOrganizationScope(ctx, "read:doc", ptr("Read"))
		},
		want: &OrganizationScope{ID: "s1", Name: "read:doc", Description: ptr("Read")},
	},
	{
		name: "CreateOrganizationScope without description", method: "POST", path: "/api/organization-scopes", body: `{"name":"w"}`,
		status: 201, response: `{"id":"s2","name":"w","description":null}`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.CreateOrganizationScope(ctx, "w", nil) },
		want: &OrganizationScope{ID: "s2", Name: "w"},
	},
	{
		name: "UpdateOrganizationScope", method: "PATCH", path: "/api/organization-scopes/s1", body: `{"description":null}`,
		status: 200, response: `{"id":"s1","name":"read:doc","description":null}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateOrganizationScope(ctx, "s1", map[string]any{"description": nil})
		},
		want: &OrganizationScope{ID: "s1", Name: "read:doc"},
	},
	{
		name: "DeleteOrganizationScope", method: "DELETE", path: "/api/organization-scopes/s1", status: 204,
		call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteOrganizationScope(ctx, "s1") },
	},
	// organization roles
	{
		name: "ListOrganizationRoles", method: "GET", path: "/api/organization-roles", query: pageQ(nil), status: 200,
		response: `[{"id":"r1","name":"admin","description":null,"type":"User","scopes":[{"id":"s1","name":"read:doc"}],` +
			`"resourceScopes":[{"id":"rs1","name":"read","resource":{"id":"res1","name":"API"}}]}]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.ListOrganizationRoles(ctx) },
		want: []OrganizationRole{{
			ID: "r1", Name: "admin", Type: "User",
			Scopes:         []IDName{{ID: "s1", Name: "read:doc"}},
			ResourceScopes: []ResourceScopeRef{{ID: "rs1", Name: "read", Resource: IDName{ID: "res1", Name: "API"}}},
		}},
	},
	{
		name: "CreateOrganizationRole", method: "POST", path: "/api/organization-roles",
		body:   `{"name":"bot","description":"Bots","type":"MachineToMachine","organizationScopeIds":["s1"],"resourceScopeIds":["rs1"]}`,
		status: 201, response: `{"id":"r2","name":"bot","description":"Bots","type":"MachineToMachine"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateOrganizationRole(ctx, CreateOrganizationRole{Name: "bot", Description: ptr("Bots"), Type: "MachineToMachine",
				OrganizationScopeIDs: []string{"s1"}, ResourceScopeIDs: []string{"rs1"}})
		},
		want: &OrganizationRole{ID: "r2", Name: "bot", Description: ptr("Bots"), Type: "MachineToMachine"},
	},
	{
		name: "CreateOrganizationRole minimal", method: "POST", path: "/api/organization-roles", body: `{"name":"viewer"}`,
		status: 201, response: `{"id":"r3","name":"viewer","description":null,"type":"User"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateOrganizationRole(ctx, CreateOrganizationRole{Name: "viewer"})
		},
		want: &OrganizationRole{ID: "r3", Name: "viewer", Type: "User"},
	},
	{
		name: "UpdateOrganizationRole", method: "PATCH", path: "/api/organization-roles/r1", body: `{"name":"owner"}`,
		status: 200, response: `{"id":"r1","name":"owner","type":"User"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateOrganizationRole(ctx, "r1", map[string]any{"name": "owner"})
		},
		want: &OrganizationRole{ID: "r1", Name: "owner", Type: "User"},
	},
	{
		name: "DeleteOrganizationRole", method: "DELETE", path: "/api/organization-roles/r1", status: 204,
		call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteOrganizationRole(ctx, "r1") },
	},
	{
		name: "SetOrganizationRoleScopes", method: "PUT", path: "/api/organization-roles/r1/scopes", body: `{"organizationScopeIds":["s1","s2"]}`,
		status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SetOrganizationRoleScopes(ctx, "r1", []string{"s1", "s2"})
		},
	},
	{
		name: "SetOrganizationRoleScopes empty", method: "PUT", path: "/api/organization-roles/r1/scopes", body: `{"organizationScopeIds":[]}`,
		status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SetOrganizationRoleScopes(ctx, "r1", nil)
		},
	},
	{
		name: "SetOrganizationRoleResourceScopes", method: "PUT", path: "/api/organization-roles/r1/resource-scopes", body: `{"scopeIds":["rs1"]}`,
		status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SetOrganizationRoleResourceScopes(ctx, "r1", []string{"rs1"})
		},
	},
	// organizations
	{
		name: "ListOrganizations", method: "GET", path: "/api/organizations", query: pageQ(nil), status: 200,
		response: `[{"id":"o1","name":"acme","description":null,"customData":{"k":"v"},"isMfaRequired":true,"createdAt":1700000000000}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListOrganizations(ctx) },
		want:     []Organization{{ID: "o1", Name: "acme", CustomData: map[string]any{"k": "v"}, IsMfaRequired: true, CreatedAt: 1700000000000}},
	},
	{
		name: "FindOrganizationsByName", method: "GET", path: "/api/organizations", query: pageQ(url.Values{"q": {"acme"}}), status: 200,
		response: `[{"id":"o1","name":"acme"},{"id":"o2","name":"Acme"},{"id":"o3","name":"acme-labs"},{"id":"o4","name":"acme"}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.FindOrganizationsByName(ctx, "acme") },
		want:     []Organization{{ID: "o1", Name: "acme"}, {ID: "o4", Name: "acme"}},
	},
	{
		name: "GetOrganization", method: "GET", path: "/api/organizations/o1", status: 200,
		response: `{"id":"o1","name":"acme","description":"d","customData":{}}`,
		call:     func(ctx context.Context, c *Client) (any, error) { return getOrganization(ctx, c, "o1") },
		want:     &Organization{ID: "o1", Name: "acme", Description: ptr("d"), CustomData: map[string]any{}},
	},
	{
		name: "CreateOrganization", method: "POST", path: "/api/organizations",
		body:   `{"name":"acme","description":"d","customData":{"orgsync":true},"isMfaRequired":false}`,
		status: 201, response: `{"id":"o1","name":"acme","description":"d","customData":{"orgsync":true},"isMfaRequired":false}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateOrganization(ctx, CreateOrganization{Name: "acme", Description: ptr("d"),
				CustomData: map[string]any{"orgsync": true}, IsMfaRequired: ptr(false)})
		},
		want: &Organization{ID: "o1", Name: "acme", Description: ptr("d"), CustomData: map[string]any{"orgsync": true}},
	},
	{
		name: "UpdateOrganization", method: "PATCH", path: "/api/organizations/o1", body: `{"isMfaRequired":true}`,
		status: 200, response: `{"id":"o1","name":"acme","isMfaRequired":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateOrganization(ctx, "o1", map[string]any{"isMfaRequired": true})
		},
		want: &Organization{ID: "o1", Name: "acme", IsMfaRequired: true},
	},
	{
		name: "CreateOrganization with branding", method: "POST", path: "/api/organizations",
		body: `{"name":"acme","branding":{"logoUrl":"https://cdn.example/l.png","darkFavicon":"https://cdn.example/d.ico"},` +
			`"color":{"primaryColor":"#5d34f2","isDarkModeEnabled":false},"customCss":""}`,
		status: 201, response: `{"id":"o1","name":"acme","branding":{"logoUrl":"https://cdn.example/l.png","darkFavicon":"https://cdn.example/d.ico"},` +
			`"color":{"primaryColor":"#5d34f2","isDarkModeEnabled":false},"customCss":""}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateOrganization(ctx, CreateOrganization{Name: "acme",
				Branding:  &OrganizationBranding{LogoURL: "https://cdn.example/l.png", DarkFavicon: "https://cdn.example/d.ico"},
				Color:     &OrganizationColor{PrimaryColor: "#5d34f2", IsDarkModeEnabled: ptr(false)},
				CustomCSS: ptr("")})
		},
		want: &Organization{ID: "o1", Name: "acme",
			Branding:  &OrganizationBranding{LogoURL: "https://cdn.example/l.png", DarkFavicon: "https://cdn.example/d.ico"},
			Color:     &OrganizationColor{PrimaryColor: "#5d34f2", IsDarkModeEnabled: ptr(false)},
			CustomCSS: ptr("")},
	},
	{
		name: "GetOrganization without branding", method: "GET", path: "/api/organizations/o1", status: 200,
		response: `{"id":"o1","name":"acme","branding":{},"color":{},"customCss":null}`,
		call:     func(ctx context.Context, c *Client) (any, error) { return getOrganization(ctx, c, "o1") },
		want:     &Organization{ID: "o1", Name: "acme", Branding: &OrganizationBranding{}, Color: &OrganizationColor{}},
	},
	{
		name: "UpdateOrganization branding", method: "PATCH", path: "/api/organizations/o1",
		body:   `{"branding":{"favicon":"https://cdn.example/f.ico"},"customCss":null}`,
		status: 200, response: `{"id":"o1","name":"acme","branding":{"favicon":"https://cdn.example/f.ico"},"color":{},"customCss":null}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateOrganization(ctx, "o1", map[string]any{
				"branding": OrganizationBranding{Favicon: "https://cdn.example/f.ico"}, "customCss": nil})
		},
		want: &Organization{ID: "o1", Name: "acme", Branding: &OrganizationBranding{Favicon: "https://cdn.example/f.ico"}, Color: &OrganizationColor{}},
	},
	{
		name: "DeleteOrganization", method: "DELETE", path: "/api/organizations/o1", status: 204,
		call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteOrganization(ctx, "o1") },
	},
	// members
	{
		name: "ListOrganizationUsers", method: "GET", path: "/api/organizations/o1/users", query: pageQ(nil), status: 200,
		response: `[{"id":"u1","username":null,"primaryEmail":"a@x.com","name":null,"avatar":null,"organizationRoles":[{"id":"r1","name":"admin"}]}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListOrganizationUsers(ctx, "o1") },
		want:     []OrganizationUser{{ID: "u1", PrimaryEmail: "a@x.com", OrganizationRoles: []IDName{{ID: "r1", Name: "admin"}}}},
	},
	{
		name: "AddOrganizationUsers (1.37 text body)", method: "POST", path: "/api/organizations/o1/users", body: `{"userIds":["u1","u2"]}`,
		status: 201, respCT: "text/plain; charset=utf-8", response: "Created",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.AddOrganizationUsers(ctx, "o1", []string{"u1", "u2"})
		},
	},
	{
		name: "AddOrganizationUsers (1.42 echo)", method: "POST", path: "/api/organizations/o1/users", body: `{"userIds":["u1"]}`,
		status: 201, response: `{"userIds":["u1"]}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.AddOrganizationUsers(ctx, "o1", []string{"u1"})
		},
	},
	{
		name: "ListOrganizationUsersWithRole", method: "GET", path: "/api/organizations/o1/users",
		query: pageQ(url.Values{"organizationRoleId": {"r1"}}), status: 200,
		// As Logto 1.37 answers: the filter ignored, every member listed.
		response: `[{"id":"u1","organizationRoles":[{"id":"r1","name":"admin"}]},{"id":"u2","organizationRoles":[{"id":"r2","name":"viewer"}]},{"id":"u3","organizationRoles":[]}]`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.ListOrganizationUsersWithRole(ctx, "o1", "r1")
		},
		want: []OrganizationUser{{ID: "u1", OrganizationRoles: []IDName{{ID: "r1", Name: "admin"}}}},
	},
	{
		name: "RemoveOrganizationUser", method: "DELETE", path: "/api/organizations/o1/users/u1", status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.RemoveOrganizationUser(ctx, "o1", "u1")
		},
	},
	{
		name: "AssignOrganizationUsersRoles", method: "POST", path: "/api/organizations/o1/users/roles",
		body: `{"userIds":["u1"],"organizationRoleIds":["r1","r2"]}`, status: 201, respCT: "text/plain", response: "Created",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.AssignOrganizationUsersRoles(ctx, "o1", []string{"u1"}, []string{"r1", "r2"})
		},
	},
	{
		name: "SetOrganizationUserRoles", method: "PUT", path: "/api/organizations/o1/users/u1/roles", body: `{"organizationRoleIds":[]}`,
		status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SetOrganizationUserRoles(ctx, "o1", "u1", []string{})
		},
	},
	{
		name: "ListOrganizationApplications", method: "GET", path: "/api/organizations/o1/applications", query: pageQ(nil), status: 200,
		response: `[{"id":"a1","name":"ci","type":"MachineToMachine","secret":"hidden","organizationRoles":[{"id":"r9","name":"bot"}]}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListOrganizationApplications(ctx, "o1") },
		want:     []OrganizationApplication{{ID: "a1", Name: "ci", Type: "MachineToMachine", OrganizationRoles: []IDName{{ID: "r9", Name: "bot"}}}},
	},
	{
		name: "AddOrganizationApplications", method: "POST", path: "/api/organizations/o1/applications", body: `{"applicationIds":["a1"]}`,
		status: 201,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.AddOrganizationApplications(ctx, "o1", []string{"a1"})
		},
	},
	{
		name: "RemoveOrganizationApplication", method: "DELETE", path: "/api/organizations/o1/applications/a1", status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.RemoveOrganizationApplication(ctx, "o1", "a1")
		},
	},
	{
		name: "AssignOrganizationApplicationsRoles", method: "POST", path: "/api/organizations/o1/applications/roles",
		body: `{"applicationIds":["a1"],"organizationRoleIds":["r9"]}`, status: 201,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.AssignOrganizationApplicationsRoles(ctx, "o1", []string{"a1"}, []string{"r9"})
		},
	},
	// JIT
	{
		name: "ListJITEmailDomains", method: "GET", path: "/api/organizations/o1/jit/email-domains", query: pageQ(nil), status: 200,
		response: `[{"tenantId":"t","organizationId":"o1","emailDomain":"acme.com"},{"organizationId":"o1","emailDomain":"acme.io"}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListJITEmailDomains(ctx, "o1") },
		want:     []string{"acme.com", "acme.io"},
	},
	{
		name: "SetJITEmailDomains", method: "PUT", path: "/api/organizations/o1/jit/email-domains", body: `{"emailDomains":["acme.com"]}`,
		status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SetJITEmailDomains(ctx, "o1", []string{"acme.com"})
		},
	},
	{
		name: "ListJITRoles", method: "GET", path: "/api/organizations/o1/jit/roles", query: pageQ(nil), status: 200,
		response: `[{"id":"r1","name":"member","description":null,"type":"User"}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListJITRoles(ctx, "o1") },
		want:     []OrganizationRole{{ID: "r1", Name: "member", Type: "User"}},
	},
	{
		name: "SetJITRoles", method: "PUT", path: "/api/organizations/o1/jit/roles", body: `{"organizationRoleIds":["r1"]}`, status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SetJITRoles(ctx, "o1", []string{"r1"})
		},
	},
	{
		name: "ListJITSSOConnectors", method: "GET", path: "/api/organizations/o1/jit/sso-connectors", query: pageQ(nil), status: 200,
		response: `[{"tenantId":"t","id":"c1","providerName":"OIDC","connectorName":"Acme IdP","config":{"clientSecret":"idp-secret"},"domains":["acme.com"],"branding":{},"syncProfile":false,"enableTokenStorage":false,"createdAt":1}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListJITSSOConnectors(ctx, "o1") },
		want:     []SSOConnector{{ID: "c1", ConnectorName: "Acme IdP", ProviderName: "OIDC", Domains: []string{"acme.com"}}},
	},
	{
		name: "SetJITSSOConnectors", method: "PUT", path: "/api/organizations/o1/jit/sso-connectors", body: `{"ssoConnectorIds":[]}`, status: 204,
		call: func(ctx context.Context, c *Client) (any, error) { return nil, c.SetJITSSOConnectors(ctx, "o1", nil) },
	},
	// SSO connectors
	{
		name: "ListSSOConnectors", method: "GET", path: "/api/sso-connectors", query: pageQ(nil), status: 200,
		response: `[{"tenantId":"t","id":"c1","providerName":"SAML","connectorName":"Entra","config":{"x509Certificate":"-----BEGIN"},"domains":[],"branding":{},"syncProfile":false,"enableTokenStorage":false,"createdAt":1,"name":"SAML","providerType":"saml","providerLogo":"data:","providerLogoDark":"data:"}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListSSOConnectors(ctx) },
		want:     []SSOConnector{{ID: "c1", ConnectorName: "Entra", ProviderName: "SAML", Domains: []string{}}},
	},
	// invitations
	{
		name: "ListInvitations", method: "GET", path: "/api/organization-invitations", query: url.Values{"organizationId": {"o1"}}, status: 200,
		response: `[{"id":"i1","invitee":"b@x.com","organizationId":"o1","status":"Pending","expiresAt":1800000000000,"organizationRoles":[{"id":"r1","name":"member"}]}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListInvitations(ctx, "o1") },
		want: []Invitation{{ID: "i1", Invitee: "b@x.com", OrganizationID: "o1", Status: "Pending", ExpiresAt: 1800000000000,
			OrganizationRoles: []IDName{{ID: "r1", Name: "member"}}}},
	},
	{
		name: "ListInvitations all", method: "GET", path: "/api/organization-invitations", status: 200, response: `[]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.ListInvitations(ctx, "") },
		want: []Invitation{},
	},
	{
		name: "CreateInvitation", method: "POST", path: "/api/organization-invitations",
		body:   `{"invitee":"b@x.com","organizationId":"o1","expiresAt":1800000000000,"organizationRoleIds":["r1"]}`,
		status: 201, response: `{"id":"i1","invitee":"b@x.com","organizationId":"o1","status":"Pending","expiresAt":1800000000000}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateInvitation(ctx, CreateInvitation{Invitee: "b@x.com", OrganizationID: "o1", ExpiresAt: 1800000000000,
				OrganizationRoleIDs: []string{"r1"}})
		},
		want: &Invitation{ID: "i1", Invitee: "b@x.com", OrganizationID: "o1", Status: "Pending", ExpiresAt: 1800000000000},
	},
	{
		name: "CreateInvitation with an empty message payload", method: "POST", path: "/api/organization-invitations",
		body:   `{"invitee":"b@x.com","organizationId":"o1","expiresAt":1800000000000,"inviterId":"u1","messagePayload":{}}`,
		status: 201, response: `{"id":"i2","invitee":"b@x.com","organizationId":"o1","inviterId":"u1","acceptedUserId":null,"status":"Pending","expiresAt":1800000000000}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateInvitation(ctx, CreateInvitation{Invitee: "b@x.com", OrganizationID: "o1", ExpiresAt: 1800000000000,
				InviterID: "u1", MessagePayload: map[string]any{}})
		},
		want: &Invitation{ID: "i2", Invitee: "b@x.com", OrganizationID: "o1", InviterID: ptr("u1"), Status: "Pending", ExpiresAt: 1800000000000},
	},
	{
		name: "CreateInvitation with a link", method: "POST", path: "/api/organization-invitations",
		body:   `{"invitee":"b@x.com","organizationId":"o1","expiresAt":1800000000000,"messagePayload":{"link":"https://app/invite"}}`,
		status: 201, response: `{"id":"i3","invitee":"b@x.com","organizationId":"o1","status":"Pending","expiresAt":1800000000000}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateInvitation(ctx, CreateInvitation{Invitee: "b@x.com", OrganizationID: "o1", ExpiresAt: 1800000000000,
				MessagePayload: map[string]any{"link": "https://app/invite"}})
		},
		want: &Invitation{ID: "i3", Invitee: "b@x.com", OrganizationID: "o1", Status: "Pending", ExpiresAt: 1800000000000},
	},
	{
		name: "FindInvitations", method: "GET", path: "/api/organization-invitations",
		query: url.Values{"organizationId": {"o1"}, "inviterId": {"u1"}, "invitee": {"B@x.com"}}, status: 200, response: `[]`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.FindInvitations(ctx, InvitationFilter{OrganizationID: "o1", InviterID: "u1", Invitee: "B@x.com"})
		},
		want: []Invitation{},
	},
	{
		name: "SendInvitationMessage", method: "POST", path: "/api/organization-invitations/i1/message", body: `{"link":"https://app/invite"}`, status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SendInvitationMessage(ctx, "i1", map[string]any{"link": "https://app/invite"})
		},
	},
	{
		name: "SendInvitationMessage without payload", method: "POST", path: "/api/organization-invitations/i1/message", body: `{}`, status: 204,
		call: func(ctx context.Context, c *Client) (any, error) { return nil, c.SendInvitationMessage(ctx, "i1", nil) },
	},
	{
		name: "SetInvitationStatus accept", method: "PUT", path: "/api/organization-invitations/i1/status",
		body: `{"status":"Accepted","acceptedUserId":"u2"}`, status: 200,
		response: `{"id":"i1","invitee":"b@x.com","organizationId":"o1","acceptedUserId":"u2","status":"Accepted","expiresAt":1800000000000}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SetInvitationStatus(ctx, "i1", InvitationAccepted, "u2")
		},
		want: &Invitation{ID: "i1", Invitee: "b@x.com", OrganizationID: "o1", AcceptedUserID: ptr("u2"), Status: "Accepted", ExpiresAt: 1800000000000},
	},
	{
		name: "SetInvitationStatus revoke", method: "PUT", path: "/api/organization-invitations/i1/status", body: `{"status":"Revoked"}`, status: 200,
		response: `{"id":"i1","invitee":"b@x.com","organizationId":"o1","status":"Revoked","expiresAt":1800000000000}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SetInvitationStatus(ctx, "i1", InvitationRevoked, "")
		},
		want: &Invitation{ID: "i1", Invitee: "b@x.com", OrganizationID: "o1", Status: "Revoked", ExpiresAt: 1800000000000},
	},
	// users
	{
		name: "FindUsersByEmail", method: "GET", path: "/api/users",
		query:  pageQ(url.Values{"search.primaryEmail": {"Alice@X.com", "bob@x.com"}, "mode.primaryEmail": {"exact"}}),
		status: 200, response: `[{"id":"u1","primaryEmail":"alice@x.com","username":null},{"id":"u9","primaryEmail":"carol@x.com"}]`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.FindUsersByEmail(ctx, []string{"Alice@X.com", "bob@x.com", "alice@x.com", ""})
		},
		want: []User{{ID: "u1", PrimaryEmail: "alice@x.com"}},
	},
	{
		name: "FindUsersByUsername", method: "GET", path: "/api/users",
		query:  pageQ(url.Values{"search.username": {"alice"}, "mode.username": {"exact"}}),
		status: 200, response: `[{"id":"u1","username":"Alice"},{"id":"u2","username":"alice"}]`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.FindUsersByUsername(ctx, []string{"alice"})
		},
		want: []User{{ID: "u2", Username: "alice"}},
	},
	{
		name: "GetUsersByID", method: "GET", path: "/api/users",
		query:  pageQ(url.Values{"search.id": {"u1", "u2"}, "mode.id": {"exact"}}),
		status: 200, response: `[{"id":"u2","name":"Bob"}]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.GetUsersByID(ctx, []string{"u1", "u2"}) },
		want: []User{{ID: "u2", Name: "Bob"}},
	},
	{
		name: "CreateUser", method: "POST", path: "/api/users", body: `{"primaryEmail":"a@x.com","name":"A","password":"pw-123456"}`,
		status: 200, response: `{"id":"u1","primaryEmail":"a@x.com","name":"A","username":null}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateUser(ctx, CreateUser{PrimaryEmail: "a@x.com", Name: "A", Password: "pw-123456"})
		},
		want: &User{ID: "u1", PrimaryEmail: "a@x.com", Name: "A"},
	},
	{
		name: "ListUserMFAVerifications", method: "GET", path: "/api/users/u1/mfa-verifications", status: 200,
		response: `[{"id":"m1","createdAt":"2026-03-04T05:06:07.008Z","type":"Totp"},{"id":"m2","createdAt":"2026-03-04T05:06:08.000Z","type":"BackupCode","remainCodes":9}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListUserMFAVerifications(ctx, "u1") },
		want: []MFAVerification{{ID: "m1", Type: "Totp", CreatedAt: "2026-03-04T05:06:07.008Z"},
			{ID: "m2", Type: "BackupCode", CreatedAt: "2026-03-04T05:06:08.000Z"}},
	},
	{
		name: "ListUserMFAVerifications none", method: "GET", path: "/api/users/u1/mfa-verifications", status: 200, response: `[]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.ListUserMFAVerifications(ctx, "u1") },
		want: []MFAVerification{},
	},
	// applications
	{
		name: "ListApplications", method: "GET", path: "/api/applications", query: pageQ(url.Values{"types": {"MachineToMachine"}}),
		status: 200, response: `[{"id":"a1","name":"ci","type":"MachineToMachine","secret":"never-decoded","customData":{}}]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.ListApplications(ctx, "MachineToMachine") },
		want: []Application{{ID: "a1", Name: "ci", Type: "MachineToMachine", CustomData: map[string]any{}}},
	},
	{
		name: "ListApplications all", method: "GET", path: "/api/applications", query: pageQ(nil), status: 200, response: `[]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.ListApplications(ctx) },
		want: []Application{},
	},
	{
		name: "FindApplications third-party", method: "GET", path: "/api/applications",
		query: pageQ(url.Values{"isThirdParty": {"true"}, "types": {"Traditional", "SPA"}}), status: 200,
		response: `[{"id":"a2","name":"partner","type":"Traditional","isThirdParty":true,"customData":{}}]`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.FindApplications(ctx, ApplicationFilter{Types: []string{"Traditional", "SPA"}, ThirdParty: ptr(true)})
		},
		want: []Application{{ID: "a2", Name: "partner", Type: "Traditional", IsThirdParty: true, CustomData: map[string]any{}}},
	},
	{
		name: "FindApplications first-party", method: "GET", path: "/api/applications",
		query: pageQ(url.Values{"isThirdParty": {"false"}}), status: 200, response: `[]`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.FindApplications(ctx, ApplicationFilter{ThirdParty: ptr(false)})
		},
		want: []Application{},
	},
	{
		name: "ListUserConsentOrganizationScopes", method: "GET", path: "/api/applications/a2/user-consent-scopes", status: 200,
		response: `{"organizationScopes":[{"id":"s1","name":"read:doc","description":null}],"resourceScopes":[],"organizationResourceScopes":[],"userScopes":["email"]}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.ListUserConsentOrganizationScopes(ctx, "a2")
		},
		want: []OrganizationScope{{ID: "s1", Name: "read:doc"}},
	},
	{
		name: "ListApplicationOrganizations", method: "GET", path: "/api/applications/a1/organizations", query: pageQ(nil), status: 200,
		response: `[{"tenantId":"t","id":"o1","name":"acme","description":null,"customData":{},"isMfaRequired":false,"color":{},"branding":{},"customCss":null,"createdAt":5,"organizationRoles":[{"id":"r9","name":"bot"}]}]`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.ListApplicationOrganizations(ctx, "a1") },
		want: []ApplicationOrganization{{
			Organization:      Organization{ID: "o1", Name: "acme", CustomData: map[string]any{}, Color: &OrganizationColor{}, Branding: &OrganizationBranding{}, CreatedAt: 5},
			OrganizationRoles: []IDName{{ID: "r9", Name: "bot"}},
		}},
	},
	{
		name: "GetApplication", method: "GET", path: "/api/applications/a1", status: 200,
		response: `{"id":"a1","name":"orgsync","type":"MachineToMachine","isAdmin":false,"customData":{"orgsync":{"serial":3}}}`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.GetApplication(ctx, "a1") },
		want: &Application{ID: "a1", Name: "orgsync", Type: "MachineToMachine",
			CustomData: map[string]any{"orgsync": map[string]any{"serial": float64(3)}}},
	},
	{
		name: "PatchApplicationCustomData", method: "PATCH", path: "/api/applications/a1/custom-data", body: `{"orgsync":{"serial":4}}`,
		status: 200, response: `{"orgsync":{"serial":4},"other":1}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.PatchApplicationCustomData(ctx, "a1", map[string]any{"orgsync": map[string]any{"serial": 4}})
		},
	},
	{
		name: "CreateApplication", method: "POST", path: "/api/applications", body: `{"name":"ci","type":"MachineToMachine"}`,
		status: 200, response: `{"id":"a1","name":"ci","type":"MachineToMachine","secret":"x"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateApplication(ctx, "ci", "MachineToMachine")
		},
		want: &Application{ID: "a1", Name: "ci", Type: "MachineToMachine"},
	},
	{
		name: "DeleteResource", method: "DELETE", path: "/api/resources/res1", status: 204,
		call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteResource(ctx, "res1") },
	},
	// resources
	{
		name: "ListResources", method: "GET", path: "/api/resources", query: pageQ(url.Values{"includeScopes": {"true"}}), status: 200,
		response: `[{"id":"res1","name":"API","indicator":"https://api.example","accessTokenTtl":3600,` +
			`"scopes":[{"id":"rs1","resourceId":"res1","name":"read","description":null}]}]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.ListResources(ctx) },
		want: []Resource{{ID: "res1", Name: "API", Indicator: "https://api.example", AccessTokenTTL: 3600,
			Scopes: []Scope{{ID: "rs1", ResourceID: "res1", Name: "read"}}}},
	},
	{
		name: "CreateResource", method: "POST", path: "/api/resources", body: `{"name":"API","indicator":"https://api.example"}`,
		status: 201, response: `{"id":"res1","name":"API","indicator":"https://api.example","accessTokenTtl":3600,"scopes":[]}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateResource(ctx, "API", "https://api.example")
		},
		want: &Resource{ID: "res1", Name: "API", Indicator: "https://api.example", AccessTokenTTL: 3600, Scopes: []Scope{}},
	},
	{
		name: "CreateResource with a token lifetime", method: "POST", path: "/api/resources",
		body:   `{"name":"lock","indicator":"orgsync:lock","accessTokenTtl":60}`,
		status: 201, response: `{"tenantId":"t","id":"res2","name":"lock","indicator":"orgsync:lock","isDefault":false,"accessTokenTtl":60,"scopes":[]}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateResource(ctx, "lock", "orgsync:lock", func(body map[string]any) { body["accessTokenTtl"] = 60 })
		},
		want: &Resource{ID: "res2", Name: "lock", Indicator: "orgsync:lock", AccessTokenTTL: 60, Scopes: []Scope{}},
	},
	{
		name: "GetResource", method: "GET", path: "/api/resources/res1", status: 200,
		response: `{"tenantId":"t","id":"res1","name":"API","indicator":"https://api.example","isDefault":false,"accessTokenTtl":3600}`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.GetResource(ctx, "res1") },
		want:     &Resource{ID: "res1", Name: "API", Indicator: "https://api.example", AccessTokenTTL: 3600},
	},
	{
		name: "UpdateResourceName", method: "PATCH", path: "/api/resources/res1", body: `{"name":"API v2"}`, status: 200,
		response: `{"id":"res1","name":"API v2","indicator":"https://api.example","accessTokenTtl":3600}`,
		call:     func(ctx context.Context, c *Client) (any, error) { return c.UpdateResourceName(ctx, "res1", "API v2") },
		want:     &Resource{ID: "res1", Name: "API v2", Indicator: "https://api.example", AccessTokenTTL: 3600},
	},
	{
		name: "CreateResourceScope", method: "POST", path: "/api/resources/res1/scopes", body: `{"name":"read","description":"R"}`,
		status: 201, response: `{"id":"rs1","resourceId":"res1","name":"read","description":"R"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateResourceScope(ctx, "res1", "read", ptr("R"))
		},
		want: &Scope{ID: "rs1", ResourceID: "res1", Name: "read", Description: ptr("R")},
	},
}

func TestMethods(t *testing.T) {
	for _, tc := range methodCases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			var hits int
			f.handle(tc.path, func(w http.ResponseWriter, r *http.Request) {
				hits++
				testMethod(t, r, tc.method)
				testQuery(t, r, tc.query)
				testBody(t, r, tc.body)
				ct := tc.respCT
				if ct == "" {
					ct = "application/json"
				}
				if tc.response != "" {
					w.Header().Set("Content-Type", ct)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.response))
			})
			got, err := tc.call(context.Background(), f.client)
			if err != nil {
				t.Fatal(err)
			}
			if hits != 1 {
				t.Errorf("server hit %d times, want 1", hits)
			}
			if tc.want != nil {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("result mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestMethodsMapErrors(t *testing.T) {
	for _, tc := range methodCases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			f.handle(tc.path, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 422, `{"code":"test.rejected","message":"rejected by the test"}`)
			})
			_, err := tc.call(context.Background(), f.client)
			e := asError(t, err)
			if e.StatusCode != 422 || e.Code != "test.rejected" || e.Method != tc.method || e.Path != tc.path {
				t.Errorf("error = %+v, want 422 test.rejected on %s %s", e, tc.method, tc.path)
			}
		})
	}
}

// TestSSOConnectorConfigNeverDecoded checks that a connector's config, which
// holds the identity provider's secrets, cannot reach a caller: no field of
// the decoded struct holds it, so no %+v or JSON encoding can print it.
func TestSSOConnectorConfigNeverDecoded(t *testing.T) {
	f := setup(t)
	body := `[{"id":"c1","providerName":"OIDC","connectorName":"Acme","config":{"clientId":"cid","clientSecret":"idp-secret-value"},"domains":[]}]`
	for _, path := range []string{"/api/sso-connectors", "/api/organizations/o1/jit/sso-connectors"} {
		f.handle(path, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, body) })
	}
	ctx := context.Background()
	listed, err := f.client.ListSSOConnectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jit, err := f.client.ListJITSSOConnectors(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []any{listed, jit} {
		printed := fmt.Sprintf("%+v %#v", got, got)
		encoded, _ := json.Marshal(got)
		if strings.Contains(printed+string(encoded), "idp-secret") || strings.Contains(printed+string(encoded), "cid") {
			t.Errorf("the config leaked: %s / %s", printed, encoded)
		}
	}
	if _, ok := reflect.TypeOf(SSOConnector{}).FieldByName("Config"); ok {
		t.Error("SSOConnector has a Config field")
	}
}

// TestSendInvitationMessageNotRetried: a message may have gone out before a
// failure, so the send is never repeated, not even on 429.
func TestSendInvitationMessageNotRetried(t *testing.T) {
	for _, status := range []int{429, 500, 503} {
		f := setup(t)
		hits := 0
		f.handle("/api/organization-invitations/i1/message", func(w http.ResponseWriter, r *http.Request) {
			hits++
			writeJSON(w, status, `{"code":"request.message_rate_limited","message":"Too many messages"}`)
		})
		err := f.client.SendInvitationMessage(context.Background(), "i1", nil)
		if StatusOf(err) != status || hits != 1 {
			t.Errorf("%d: err %v after %d requests, want one request", status, err, hits)
		}
	}
}

func TestEmptyPatchesAreRefused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	calls := []func() error{
		func() error { _, err := f.client.UpdateOrganizationScope(ctx, "s1", nil); return err },
		func() error { _, err := f.client.UpdateOrganizationRole(ctx, "r1", map[string]any{}); return err },
		func() error { _, err := f.client.UpdateOrganization(ctx, "o1", nil); return err },
		func() error { return f.client.PatchApplicationCustomData(ctx, "a1", nil) },
	}
	for i, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), "empty PATCH") {
			t.Errorf("call %d: err = %v", i, err)
		}
	}
	if f.client.Requests() != 0 {
		t.Errorf("%d requests sent", f.client.Requests())
	}
}

func TestPathSegmentsEscaped(t *testing.T) {
	f := setup(t)
	f.handle("/api/organizations/{org}/users/{user}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/api/organizations/a%2Fb/users/c%20d" {
			t.Errorf("escaped path = %s", r.URL.EscapedPath())
		}
		w.WriteHeader(204)
	})
	if err := f.client.RemoveOrganizationUser(context.Background(), "a/b", "c d"); err != nil {
		t.Fatal(err)
	}
}

func TestUserLookupBatches(t *testing.T) {
	f := setup(t)
	var batches []int
	f.handle("/api/users", func(w http.ResponseWriter, r *http.Request) {
		emails := r.URL.Query()["search.primaryEmail"]
		batches = append(batches, len(emails))
		rows := make([]string, len(emails))
		for i, e := range emails {
			rows[i] = `{"id":"` + e + `","primaryEmail":"` + strings.ToUpper(e) + `"}`
		}
		w.Header().Set("Total-Number", strconv.Itoa(len(rows))) // GET /api/users is always paginated
		writeJSON(w, 200, "["+strings.Join(rows, ",")+"]")
	})
	var emails []string
	for i := range 120 {
		emails = append(emails, "user"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+"@x.com")
	}
	users, err := f.client.FindUsersByEmail(context.Background(), emails)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 120 {
		t.Errorf("found %d users, want 120 (case-insensitive match)", len(users))
	}
	if len(batches) != 2 || batches[0] != 100 || batches[1] != 20 {
		t.Errorf("batches = %v, want [100 20]", batches)
	}
	if none, err := f.client.FindUsersByEmail(context.Background(), nil); err != nil || none != nil || len(batches) != 2 {
		t.Errorf("empty lookup: %v, %v, %d batches", none, err, len(batches))
	}
}

// TestUserLookupBatchesBoundTheQuery: long values make smaller batches, so
// that no lookup's query grows past maxLookupQuery; a single value longer
// than that still goes alone.
func TestUserLookupBatchesBoundTheQuery(t *testing.T) {
	f := setup(t)
	var batches []int
	f.handle("/api/users", func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.RawQuery) > maxLookupQuery+200 {
			t.Errorf("query of %d bytes", len(r.URL.RawQuery))
		}
		batches = append(batches, len(r.URL.Query()["search.username"]))
		writeJSON(w, 200, "[]")
	})
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("u%02d_%s", i, strings.Repeat("n", 1000)))
	}
	names = append(names, strings.Repeat("x", maxLookupQuery+1))
	if _, err := f.client.FindUsersByUsername(context.Background(), names); err != nil {
		t.Fatal(err)
	}
	// 1,021 bytes a parameter ("search.username=" and "&" included): 8
	// fit in 8 KiB.
	want := []int{8, 8, 8, 6, 1}
	if fmt.Sprint(batches) != fmt.Sprint(want) {
		t.Errorf("batches = %v, want %v", batches, want)
	}
}
