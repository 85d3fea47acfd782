package emulator

import (
	"fmt"
	"strconv"
	"strings"
)

// NewestVersion is the Logto release the emulator models unless
// Options.Version names an older one.
const NewestVersion = "1.42.0"

// OldestVersion is the oldest Logto release Options.Version accepts: the
// first with organization invitations and third-party user consent scopes.
const OldestVersion = "1.13.0"

// The Logto releases that introduced what the emulator serves, read in
// logto-io/logto (tags v1.13.0 … v1.42.0: packages/core/src/routes,
// packages/schemas/alterations and packages/core/CHANGELOG.md). Below its
// version a route is not served (404 Not Found, as for any unknown path), a
// field is neither stored nor returned, and a behaviour is the older one.
const (
	sinceUserConsentScopes   = "1.13.0" // /applications/{id}/user-consent-scopes
	sinceInvitationMessage   = "1.15.0" // POST /organization-invitations/{id}/message
	sinceRoleResourceScopes  = "1.15.0" // /organization-roles/{id}/resource-scopes
	sinceOrganizationApps    = "1.18.0" // /organizations/{id}/applications…, /applications/{id}/organizations
	sinceJIT                 = "1.18.0" // /organizations/{id}/jit/{email-domains,roles,sso-connectors}
	sinceOrganizationBrand   = "1.19.0" // organizations.branding (logoUrl, darkLogoUrl, favicon, darkFavicon)
	sinceAppCustomDataPatch  = "1.19.0" // PATCH /applications/{id}/custom-data
	sinceOrganizationColor   = "1.32.0" // organizations.color and custom_css
	sinceAccountMFASettings  = "1.32.0" // /my-account/mfa-settings (account API)
	sinceJITDomainsOptional  = "1.36.0" // GET …/jit/email-domains paginated only when asked
	sinceUserRolesEcho       = "1.39.0" // POST …/users/{id}/roles answers {organizationRoleIds}
	sinceMembersReplaceDelta = "1.40.0" // PUT …/users keeps the roles of members who stay
	sinceRoleCreateAtomic    = "1.41.0" // POST /organization-roles creates nothing when a scope is unknown
	sinceMemberRoleFilter    = "1.41.0" // GET …/users?organizationRoleId=
	sinceMessageRateGuard    = "1.41.0" // per-recipient message rate limit
)

// version is a Logto release, major.minor.patch.
type version [3]int

func parseVersion(s string) (version, error) {
	var v version
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")
	if len(parts) != 3 {
		return v, fmt.Errorf("emulator: Logto version %q is not of the form 1.37.1", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, fmt.Errorf("emulator: Logto version %q is not of the form 1.37.1", s)
		}
		v[i] = n
	}
	return v, nil
}

func mustVersion(s string) version {
	v, err := parseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (v version) less(w version) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// has reports whether the modelled release includes what came in since.
func (e *Emulator) has(since string) bool { return !e.version.less(mustVersion(since)) }

// Version is the Logto release the emulator answers as.
func (e *Emulator) Version() string { return e.version.String() }
