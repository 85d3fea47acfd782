package logto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Feature is a Logto capability orgsync uses that older Logto releases
// lack. Supports tells whether a tenant has it, at plan time and without
// writing anything.
//
// Detection rests on two things Logto does (read in logto-io/logto):
//
//   - Its router (koa-router, mounted under /api in routes/init.ts) runs a
//     router's middleware, the Management API token check included, only
//     when a route matches the path and method. A path no route has is
//     answered 404 with the text body "Not Found" and no Logto error code;
//     a path a route has with another method is answered 405. Any answer
//     of a route itself carries a JSON body with a code: a missing object
//     is 404 entity.not_exists_with_id, a bad body 400 guard.invalid_input.
//     So a GET of a route with an id no object has tells whether the route
//     exists, and a GET of a POST-only route (405) as well.
//   - Its response guards strip the fields a release does not know, so a
//     field is absent from every row of a release without it. A release
//     that has a field returns it for every row (branding and color are {}
//     when unset), so one row is enough; with no row to look at, a route
//     introduced in the same release stands in for the field.
type Feature struct {
	Name  string // stable identifier
	Since string // the first Logto release with the feature
	About string // what the feature is, for messages
	Probe Probe
}

// ProbeKind says how a Probe's answer is read.
type ProbeKind int

const (
	// ProbeRoute: the feature is there when the route exists: any answer
	// but 404 without a Logto code (405, a 4xx with a code, or 2xx).
	ProbeRoute ProbeKind = iota
	// ProbeField: the feature is there when the list's first row has
	// Field; an empty list falls back to Fallback.
	ProbeField
	// ProbeQueryGuard: the feature is there when the server validates the
	// query parameter the path sends empty (400 guard.invalid_input); a
	// release without it strips the parameter and answers 200.
	ProbeQueryGuard
)

// Probe is a read-only request that tells whether a Feature is there.
type Probe struct {
	Kind ProbeKind
	// Path is the GET path, query included; ProbeID stands for an id no
	// object has.
	Path      string
	Field     string // ProbeField: the key every row of the release has
	Fallback  *Probe // ProbeField: a ProbeRoute of the same release, for an empty list
	Anonymous bool   // sent without the access token (a route outside the Management API)
}

// ProbeID is the id the probes put in paths: Logto never generates one
// with dashes, so no object has it.
const ProbeID = "orgsync-feature-probe"

// The features orgsync detects, each dated from logto-io/logto (tags
// v1.13.0 to v1.42.0).
var (
	// FeatureUserConsentOrganizationScopes: /api/applications/{id}/user-consent-scopes
	// (core CHANGELOG 1.13.0, 32df9acde; alteration
	// 1.13.0-1702372401-add-application-permissions-tables.ts).
	FeatureUserConsentOrganizationScopes = Feature{
		Name: "user-consent-organization-scopes", Since: "1.13.0",
		About: "third-party applications' user consent organization scopes",
		Probe: Probe{Kind: ProbeRoute, Path: "/api/applications/" + ProbeID + "/user-consent-scopes"},
	}
	// FeatureInvitationMessages: POST /api/organization-invitations/{id}/message
	// (absent from routes/organization/invitations.ts in v1.14.0, present
	// in v1.15.0; sending on create with messagePayload is older, 1.13.0).
	// The probe's GET of the POST-only route is answered 405.
	FeatureInvitationMessages = Feature{
		Name: "invitation-messages", Since: "1.15.0",
		About: "sending an organization invitation's e-mail again",
		Probe: Probe{Kind: ProbeRoute, Path: "/api/organization-invitations/" + ProbeID + "/message"},
	}
	// FeatureJITSSOConnectors: /api/organizations/{id}/jit/sso-connectors
	// (core CHANGELOG 1.18.0, efa884c40; alteration
	// 1.18.0-1718786576-organization-jit-sso-connectors.ts).
	FeatureJITSSOConnectors = Feature{
		Name: "organization-jit-sso-connectors", Since: "1.18.0",
		About: "organizations' just-in-time provisioning by enterprise SSO connector",
		Probe: Probe{Kind: ProbeRoute, Path: "/api/organizations/" + ProbeID + "/jit/sso-connectors"},
	}
	// FeatureApplicationOrganizations: GET /api/applications/{id}/organizations
	// (core CHANGELOG 1.18.0, 87615d58c).
	FeatureApplicationOrganizations = Feature{
		Name: "application-organizations", Since: "1.18.0",
		About: "listing an application's organizations in one read",
		Probe: Probe{Kind: ProbeRoute, Path: "/api/applications/" + ProbeID + "/organizations"},
	}
	// FeatureOrganizationBranding: organizations.branding with logoUrl,
	// darkLogoUrl, favicon and darkFavicon (alteration
	// 1.19.0-1720253939-add-organization-branding.ts; brandingGuard gained
	// darkFavicon in the same release). With no organization to look at,
	// PATCH /api/applications/{id}/custom-data (also new in 1.19.0) stands
	// in: its GET is answered 405.
	FeatureOrganizationBranding = Feature{
		Name: "organization-branding", Since: "1.19.0",
		About: "organizations' logos and favicons",
		Probe: Probe{Kind: ProbeField, Path: "/api/organizations?page=1&page_size=1", Field: "branding",
			Fallback: &Probe{Kind: ProbeRoute, Path: "/api/applications/" + ProbeID + "/custom-data"}},
	}
	// FeatureOrganizationColor: organizations.color (primaryColor,
	// isDarkModeEnabled, darkPrimaryColor) and custom_css (core CHANGELOG
	// 1.32.0, 0ef4260e34; alteration
	// 1.32.0-1756370721-align-app-and-org-sign-in-exp-configs.ts). With no
	// organization to look at, the account API's GET
	// /api/my-account/mfa-settings (also new in 1.32.0) stands in: asked
	// without a token it is answered 401 auth.authorization_header_missing.
	FeatureOrganizationColor = Feature{
		Name: "organization-color", Since: "1.32.0",
		About: "organizations' brand colours and custom CSS",
		Probe: Probe{Kind: ProbeField, Path: "/api/organizations?page=1&page_size=1", Field: "color",
			Fallback: &Probe{Kind: ProbeRoute, Path: "/api/my-account/mfa-settings", Anonymous: true}},
	}
	// FeatureMemberRoleFilter: GET /api/organizations/{id}/users?organizationRoleId=
	// (query guard added between v1.40.1 and v1.41.0 in
	// routes/organization/user/index.ts; seen ignored on 1.37.1). Its guard
	// refuses an empty value; an older release strips the parameter.
	FeatureMemberRoleFilter = Feature{
		Name: "organization-member-role-filter", Since: "1.41.0",
		About: "filtering an organization's members by role on the server",
		Probe: Probe{Kind: ProbeQueryGuard, Path: "/api/organizations/" + ProbeID + "/users?organizationRoleId="},
	}
)

// Features lists the detected features by release.
var Features = []Feature{
	FeatureUserConsentOrganizationScopes,
	FeatureInvitationMessages,
	FeatureJITSSOConnectors,
	FeatureApplicationOrganizations,
	FeatureOrganizationBranding,
	FeatureOrganizationColor,
	FeatureMemberRoleFilter,
}

// Supports reports whether the tenant has f, with read-only GET requests
// (one or two). The answer is kept for the client's lifetime. An answer
// that tells nothing (a 5xx, an authorization failure, a network error) is
// an error, not false.
func (c *Client) Supports(ctx context.Context, f Feature) (bool, error) {
	c.featureMu.Lock()
	known, ok := c.features[f.Name]
	c.featureMu.Unlock()
	if ok {
		return known, nil
	}
	has, err := c.probe(ctx, f.Probe)
	if err != nil {
		return false, fmt.Errorf("logto: detecting %s (Logto %s+): %w", f.About, f.Since, err)
	}
	c.featureMu.Lock()
	if c.features == nil {
		c.features = map[string]bool{}
	}
	c.features[f.Name] = has
	c.featureMu.Unlock()
	return has, nil
}

// Known reports what the client already knows of f: has is meaningful
// only when known is true (Supports answered, or Learned was told). It
// sends nothing.
func (c *Client) Known(f Feature) (has, known bool) {
	c.featureMu.Lock()
	defer c.featureMu.Unlock()
	has, known = c.features[f.Name]
	return has, known
}

// Learned records what a request other than f's probe showed of f (a
// route that answered, or RouteMissing), so that Supports and Known need
// not ask again.
func (c *Client) Learned(f Feature, has bool) {
	c.featureMu.Lock()
	defer c.featureMu.Unlock()
	if c.features == nil {
		c.features = map[string]bool{}
	}
	c.features[f.Name] = has
}

// RouteMissing reports whether err is Logto's answer to a path no route
// has: 404 without a Logto error code (a route's own 404 carries one, such
// as entity.not_exists_with_id). For a GET it means the release lacks the
// route.
func RouteMissing(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound && e.Code == ""
}

func (c *Client) probe(ctx context.Context, p Probe) (bool, error) {
	if p.Anonymous {
		ctx = context.WithValue(ctx, anonymousKey{}, true)
	}
	switch p.Kind {
	case ProbeRoute:
		err := c.Do(ctx, http.MethodGet, p.Path, nil, nil)
		if err == nil {
			return true, nil
		}
		var e *Error
		if !errors.As(err, &e) {
			return false, err
		}
		switch {
		case RouteMissing(err):
			return false, nil // no such route
		case e.StatusCode == http.StatusMethodNotAllowed:
			return true, nil // the route exists with another method
		case (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden) && !p.Anonymous:
			return false, err // the token check ran, but says nothing of the route
		case e.StatusCode >= 400 && e.StatusCode < 500 && e.Code != "":
			return true, nil // the route answered
		}
		return false, err
	case ProbeField:
		var rows []map[string]json.RawMessage
		res, err := c.do(ctx, http.MethodGet, p.Path, nil, &rows)
		if err != nil {
			return false, err
		}
		if !res.decoded {
			return false, fmt.Errorf("GET %s: the response carried no JSON list", strings.SplitN(p.Path, "?", 2)[0])
		}
		if len(rows) > 0 {
			_, has := rows[0][p.Field]
			return has, nil
		}
		if p.Fallback == nil {
			return false, errors.New("no row to look at")
		}
		return c.probe(ctx, *p.Fallback)
	case ProbeQueryGuard:
		err := c.Do(ctx, http.MethodGet, p.Path, nil, nil)
		switch {
		case err == nil:
			return false, nil // the parameter was stripped
		case StatusOf(err) == http.StatusBadRequest && HasCode(err, "guard.invalid_input"):
			return true, nil
		}
		return false, err
	}
	return false, fmt.Errorf("unknown probe kind %d", p.Kind)
}
