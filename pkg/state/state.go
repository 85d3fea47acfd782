// Package state holds orgsync's normalized model of a Logto organization template:
// the desired state decoded from HCL (Config) and the live state read from a
// tenant (Live). Both are plain values with no I/O; slices are kept sorted so
// that two equal states compare equal and render identically.
package state

// Role types, as Logto spells them.
const (
	RoleTypeUser = "User"
	RoleTypeM2M  = "MachineToMachine"
)

// missing_users settings.
const (
	MissingUsersError  = "error"
	MissingUsersSkip   = "skip"
	MissingUsersInvite = "invite"
)

// Config is the desired state: everything one configuration directory declares.
type Config struct {
	Settings      Settings
	Permissions   []Permission   // sorted by Name
	Roles         []Role         // sorted by Name
	Organizations []Organization // sorted by Address
}

// Settings is the orgsync {} block.
type Settings struct {
	// Workspace names the configuration's ownership record ("" means
	// DefaultWorkspace): objects another workspace manages are never
	// adopted or deleted.
	Workspace              string
	ExclusivePermissions   bool
	ExclusiveRoles         bool
	ExclusiveOrganizations bool
	MissingUsers           string // MissingUsersError (default), MissingUsersSkip, MissingUsersInvite
	// Invitation is the orgsync { invitation {} } block: how missing users
	// are invited. The zero value invites without an e-mail, valid for
	// InvitationDefaultExpiryDays.
	Invitation InvitationSettings `json:",omitzero"`
}

// Permission is a Logto organization scope, keyed by Name.
type Permission struct {
	Name           string
	Description    string   // "" means no description (Logto null)
	PreviousNames  []string // sorted
	PreventDestroy bool
	Ignored               // lifecycle.ignore_changes
	Pos            string // "file:line:col" of the block, for plan-time messages
	// Sensitive lists the attributes whose value derives from a sensitive
	// variable: plans print them as (sensitive value).
	Sensitive []string
}

// Address is the plan address of the permission, e.g. permission."invite:member".
func (p Permission) Address() string { return PermissionAddress(p.Name) }

// Role is a Logto organization role, keyed by Name.
type Role struct {
	Name           string
	Description    string
	Type           string              // RoleTypeUser or RoleTypeM2M
	Permissions    []string            // organization permission names, sorted, unique
	APIPermissions map[string][]string // resource indicator => scope names (sorted, unique)
	PreviousNames  []string            // sorted
	PreventDestroy bool
	Ignored        // lifecycle.ignore_changes
	Pos            string
	Sensitive      []string // attributes derived from a sensitive variable
}

// Address is the plan address of the role, e.g. role.admin.
func (r Role) Address() string { return RoleAddress(r.Name) }

// Organization is a declared organization.
type Organization struct {
	// Address is the full plan address, e.g. organization.acme or organization.customer["acme"].
	Address string
	// Key is the part after "organization.", e.g. acme or customer["acme"].
	Key string
	// ID pins the organization to a live id; "" matches by Name.
	ID string
	// Name is the Logto organization name (default: the block label).
	Name string
	// Nil pointers mean "not managed": the live value is left as it is.
	Description      *string
	CustomData       map[string]any // nil: not managed; non-nil (possibly empty): replaces the live object
	MFARequired      *bool
	ExclusiveMembers bool
	Members          []Member      // sorted by Label
	Applications     []Application // sorted by Label
	JIT              *JIT          // nil: not managed
	// Branding, Color and CustomCSS are nil when not managed. A declared
	// branding or color block manages the whole object: keys it leaves
	// unset are removed live (Logto replaces each object as a whole).
	Branding       *Branding `json:",omitempty"`
	Color          *Color    `json:",omitempty"`
	CustomCSS      *string   `json:",omitempty"` // "" removes the custom CSS
	PreventDestroy bool
	Ignored        // lifecycle.ignore_changes
	Pos            string
	Sensitive      []string // attributes derived from a sensitive variable ("description", "custom_data")
}

// MemberRefKind says how a member label refers to a Logto user.
type MemberRefKind string

const (
	RefEmail    MemberRefKind = "email"
	RefUsername MemberRefKind = "username"
	RefID       MemberRefKind = "id"
	RefName     MemberRefKind = "name" // applications only
)

// Member is a user member of an organization.
type Member struct {
	Label string        // as written: "alice@acme.com", "bob", "id:u123"
	Kind  MemberRefKind // RefEmail, RefUsername or RefID
	Value string        // email lower-cased; username as is; id without the "id:" prefix
	Roles []string      // User-type role names, sorted, unique
	// PreventDestroy and Ignored are the block's lifecycle settings.
	PreventDestroy bool
	Ignored
}

// Address is the member's plan address within org.
func (m Member) Address(org string) string { return MemberAddress(org, m.Label) }

// Application is a machine-to-machine application member of an organization.
type Application struct {
	Label string        // as written: "ci-bot" or "id:abc"
	Kind  MemberRefKind // RefName or RefID
	Value string        // name, or id without "id:"
	Roles []string      // MachineToMachine role names, sorted, unique
	// PreventDestroy and Ignored are the block's lifecycle settings.
	PreventDestroy bool
	Ignored
}

// Address is the application's plan address within org.
func (a Application) Address(org string) string { return ApplicationAddress(org, a.Label) }

// JIT is an organization's just-in-time provisioning settings.
type JIT struct {
	EmailDomains []string // lower-cased, sorted, unique
	Roles        []string // role names, sorted, unique
	// PreventDestroy and Ignored are the block's lifecycle settings.
	PreventDestroy bool
	Ignored
	// SSOConnectors are enterprise SSO connectors by connector name
	// (desired, sorted, unique) or by id (live, sorted). In a desired JIT
	// they are managed only when ManageSSOConnectors is set (the
	// sso_connectors attribute is given), so that a jit block written
	// before it leaves the connectors configured in the Console alone.
	SSOConnectors       []string `json:",omitempty"`
	ManageSSOConnectors bool     `json:",omitempty"`
}

// Live is what orgsync read from a tenant. IDs are Logto's. Relations refer to
// other objects by id, so that renames are seen for what they are.
type Live struct {
	Permissions   []LivePermission   // sorted by Name
	Roles         []LiveRole         // sorted by Name
	Organizations []LiveOrganization // sorted by Name, then ID
	Resources     []Resource         // sorted by Indicator
	// Users holds every user the plan looked up, keyed by id.
	Users map[string]User
	// Applications holds the tenant's applications, keyed by id.
	Applications map[string]App
	// Invitations are the pending organization invitations that were read.
	Invitations []Invitation
	// Record is the ownership record kept in the tenant.
	Record Record
	// RecordStorage says where Record is stored (for the next write).
	RecordStorage RecordStorage
	// RecordApp is the id of the application whose custom data holds Record.
	RecordApp string
	// OtherRecords are the records of the other workspaces, by name: what
	// they manage is never adopted or deleted.
	OtherRecords map[string]Record
	// ImpactUnread counts the organizations whose members the token impact
	// needed but the read left out, as over ImpactBudget requests; 0 when
	// the impact is complete. ImpactUnreadRequests is what reading them
	// would cost.
	ImpactUnread         int
	ImpactUnreadRequests int
	ImpactBudget         int
	// SSOConnectors are the tenant's enterprise SSO connectors, read when a
	// jit block sets sso_connectors; sorted by Name.
	SSOConnectors []SSOConnector
	// ThirdPartyApps are the third-party applications with the
	// organization permissions their users consent to, read when the plan
	// deletes or renames a permission; sorted by Name, then ID.
	ThirdPartyApps []ThirdPartyApp
	// MFA says, for the users whose MFA factors were read, whether they
	// have one (read for the members of organizations whose mfa_required
	// turns on, within a request budget).
	MFA map[string]bool
}

// LivePermission is a live organization scope.
type LivePermission struct {
	ID          string
	Name        string
	Description string // null reads as ""
}

// LiveRole is a live organization role with its scopes.
type LiveRole struct {
	ID               string
	Name             string
	Description      string
	Type             string
	PermissionIDs    []string // organization scope ids, sorted
	ResourceScopeIDs []string // API resource scope ids, sorted
}

// LiveOrganization is a live organization. Members, Applications and JIT are
// only filled in when Loaded is true (the plan read them).
type LiveOrganization struct {
	ID          string
	Name        string
	Description string
	CustomData  map[string]any // never nil once read
	MFARequired bool
	CreatedAt   int64 // Unix milliseconds
	Loaded      bool  // members were read
	// MembersOfRole, when set, says Members holds only the members holding
	// this role: a read for token impact, where nothing else matters.
	MembersOfRole string
	Members       []LiveMember      // sorted by UserID
	Applications  []LiveApplication // sorted by AppID; read when Loaded
	JITLoaded     bool
	JIT           JIT // role ids in Roles, domains as stored, connector ids in SSOConnectors
	// JITSSOLoaded: JIT.SSOConnectors was read (only when the block sets
	// sso_connectors).
	JITSSOLoaded bool
	// Branding and Color are nil when the tenant's Logto has none (before
	// 1.19 and 1.32); an organization without them has empty ones.
	Branding  *Branding
	Color     *Color
	CustomCSS string // null reads as ""
}

// LiveMember is a user's membership with its organization role ids.
type LiveMember struct {
	UserID  string
	RoleIDs []string // sorted
}

// LiveApplication is an application's membership with its organization role ids.
type LiveApplication struct {
	AppID   string
	RoleIDs []string // sorted
}

// User is a Logto user, as much as orgsync needs of one.
type User struct {
	ID       string
	Username string
	Email    string // primaryEmail as stored
}

// App is a Logto application.
type App struct {
	ID   string
	Name string
	Type string // "MachineToMachine", "Traditional", ...
}

// Resource is an API resource and its scopes.
type Resource struct {
	ID        string
	Name      string
	Indicator string
	Scopes    []ResourceScope // sorted by Name
	// AccessTokenTTL is the resource's access-token lifetime in seconds
	// (accessTokenTtl; 0 when not read).
	AccessTokenTTL int
}

// ResourceScope is one scope (API permission) of a Resource.
type ResourceScope struct {
	ID   string
	Name string
}

// Invitation is a pending organization invitation.
type Invitation struct {
	ID             string
	OrganizationID string
	Invitee        string
	RoleIDs        []string
}

// DefaultWorkspace is the workspace of a configuration that names none.
const DefaultWorkspace = "default"

// ValidWorkspace reports whether ws is a workspace name: 1 to 40 lowercase
// letters, digits and hyphens, starting with a letter or digit.
func ValidWorkspace(ws string) bool {
	if ws == "" || len(ws) > 40 || ws[0] == '-' {
		return false
	}
	for _, r := range ws {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Ignored lists the attributes of a block's lifecycle.ignore_changes: they
// are set when the object is created and never planned again.
type Ignored []string

// Ignores reports whether attr is ignored.
func (ig Ignored) Ignores(attr string) bool {
	for _, a := range ig {
		if a == attr {
			return true
		}
	}
	return false
}

// Tracked returns the names that are not ignored.
func (ig Ignored) Tracked(names ...string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !ig.Ignores(n) {
			out = append(out, n)
		}
	}
	return out
}

// Branding is an organization's logos and favicons, each an absolute URL;
// "" is a key that is not set.
type Branding struct {
	LogoURL        string `json:",omitempty"`
	DarkLogoURL    string `json:",omitempty"`
	FaviconURL     string `json:",omitempty"`
	DarkFaviconURL string `json:",omitempty"`
}

// Color is an organization's brand colours (#RGB or #RRGGBB as written);
// "" and a nil DarkMode are keys that are not set.
type Color struct {
	Primary     string `json:",omitempty"`
	DarkPrimary string `json:",omitempty"`
	DarkMode    *bool  `json:",omitempty"`
}

// InvitationSettings say how missing users are invited
// (missing_users = "invite").
type InvitationSettings struct {
	// SendEmail makes Logto e-mail each new invitation.
	SendEmail bool `json:",omitempty"`
	// Link is the link the e-mail carries; "{id}" stands for the
	// invitation's id. "" leaves it to Logto's e-mail template.
	Link string `json:",omitempty"`
	// ExpiryDays is how long an invitation stays valid; 0 means
	// InvitationDefaultExpiryDays.
	ExpiryDays int `json:",omitempty"`
}

// InvitationDefaultExpiryDays is how long an invitation stays valid unless
// the configuration says otherwise.
const InvitationDefaultExpiryDays = 7

// InvitationLinkID is the placeholder of the invitation id in
// InvitationSettings.Link.
const InvitationLinkID = "{id}"

// SSOConnector is an enterprise SSO connector (its configuration, which
// holds secrets, is never read).
type SSOConnector struct {
	ID   string
	Name string // connectorName, unique in the tenant
}

// ThirdPartyApp is a third-party application and the organization
// permissions (scope ids, sorted) its users are asked to consent to.
type ThirdPartyApp struct {
	ID            string
	Name          string
	PermissionIDs []string
}
