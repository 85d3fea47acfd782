package spec

import "github.com/hashicorp/hcl/v2"

// The gohcl decoding targets. Attributes that may refer to variables, locals
// or each.* are kept as hcl.Expression and evaluated by the loader, so that
// every value keeps its source range for diagnostics.

// topLevel is the first pass over one file: block labels and ranges only.
type topLevel struct {
	Orgsync       []*labelOnly  `hcl:"orgsync,block"`
	Variables     []*namedBlock `hcl:"variable,block"`
	Locals        []*labelOnly  `hcl:"locals,block"`
	Permissions   []*namedBlock `hcl:"permission,block"`
	Roles         []*namedBlock `hcl:"role,block"`
	Organizations []*namedBlock `hcl:"organization,block"`
}

// labelOnly is a block without labels whose content is decoded later.
type labelOnly struct {
	Body     hcl.Body  `hcl:",remain"`
	DefRange hcl.Range `hcl:",def_range"`
}

// namedBlock is a block with one label whose content is decoded later.
type namedBlock struct {
	Name       string    `hcl:"name,label"`
	Body       hcl.Body  `hcl:",remain"`
	DefRange   hcl.Range `hcl:",def_range"`
	LabelRange hcl.Range `hcl:"name,label_range"`
}

type orgsyncContent struct {
	Workspace         hcl.Expression     `hcl:"workspace,optional"`
	Exclusive         *exclusiveContent  `hcl:"exclusive,block"`
	MissingUsers      hcl.Expression     `hcl:"missing_users,optional"`
	MissingUsersRange hcl.Range          `hcl:"missing_users,attr_range"`
	Invitation        *invitationContent `hcl:"invitation,block"`
}

type exclusiveContent struct {
	Permissions   hcl.Expression `hcl:"permissions,optional"`
	Roles         hcl.Expression `hcl:"roles,optional"`
	Organizations hcl.Expression `hcl:"organizations,optional"`
}

type variableContent struct {
	Type         hcl.Expression `hcl:"type,optional"`
	TypeRange    hcl.Range      `hcl:"type,attr_range"`
	Default      hcl.Expression `hcl:"default,optional"`
	DefaultRange hcl.Range      `hcl:"default,attr_range"`
	Description  hcl.Expression `hcl:"description,optional"`
	Sensitive    hcl.Expression `hcl:"sensitive,optional"`
}

type lifecycleContent struct {
	PreventDestroy hcl.Expression `hcl:"prevent_destroy,optional"`
	IgnoreChanges  hcl.Expression `hcl:"ignore_changes,optional"`
}

type permissionContent struct {
	Description   hcl.Expression    `hcl:"description,optional"`
	PreviousNames hcl.Expression    `hcl:"previous_names,optional"`
	Lifecycle     *lifecycleContent `hcl:"lifecycle,block"`
}

type roleContent struct {
	Description    hcl.Expression    `hcl:"description,optional"`
	Type           hcl.Expression    `hcl:"type,optional"`
	Permissions    hcl.Expression    `hcl:"permissions,optional"`
	APIPermissions hcl.Expression    `hcl:"api_permissions,optional"`
	PreviousNames  hcl.Expression    `hcl:"previous_names,optional"`
	Lifecycle      *lifecycleContent `hcl:"lifecycle,block"`
}

// organizationHead is the part of an organization block read before its
// instances are expanded.
type organizationHead struct {
	ForEach      hcl.Expression `hcl:"for_each,optional"`
	ForEachRange hcl.Range      `hcl:"for_each,attr_range"`
	Body         hcl.Body       `hcl:",remain"`
}

type organizationContent struct {
	ID               hcl.Expression    `hcl:"id,optional"`
	Name             hcl.Expression    `hcl:"name,optional"`
	Description      hcl.Expression    `hcl:"description,optional"`
	CustomData       hcl.Expression    `hcl:"custom_data,optional"`
	MFARequired      hcl.Expression    `hcl:"mfa_required,optional"`
	ExclusiveMembers hcl.Expression    `hcl:"exclusive_members,optional"`
	Members          []*memberContent  `hcl:"member,block"`
	Applications     []*memberContent  `hcl:"application,block"`
	JIT              *jitContent       `hcl:"jit,block"`
	Branding         *brandingContent  `hcl:"branding,block"`
	Color            *colorContent     `hcl:"color,block"`
	CustomCSS        hcl.Expression    `hcl:"custom_css,optional"`
	Lifecycle        *lifecycleContent `hcl:"lifecycle,block"`
}

type memberContent struct {
	Label      string            `hcl:"label,label"`
	Roles      hcl.Expression    `hcl:"roles,optional"`
	Lifecycle  *lifecycleContent `hcl:"lifecycle,block"`
	DefRange   hcl.Range         `hcl:",def_range"`
	LabelRange hcl.Range         `hcl:"label,label_range"`
}

type jitContent struct {
	EmailDomains  hcl.Expression    `hcl:"email_domains,optional"`
	Roles         hcl.Expression    `hcl:"roles,optional"`
	SSOConnectors hcl.Expression    `hcl:"sso_connectors,optional"`
	Lifecycle     *lifecycleContent `hcl:"lifecycle,block"`
	DefRange      hcl.Range         `hcl:",def_range"`
}

type brandingContent struct {
	LogoURL        hcl.Expression `hcl:"logo_url,optional"`
	DarkLogoURL    hcl.Expression `hcl:"dark_logo_url,optional"`
	FaviconURL     hcl.Expression `hcl:"favicon_url,optional"`
	DarkFaviconURL hcl.Expression `hcl:"dark_favicon_url,optional"`
	DefRange       hcl.Range      `hcl:",def_range"`
}

type colorContent struct {
	Primary     hcl.Expression `hcl:"primary,optional"`
	DarkPrimary hcl.Expression `hcl:"dark_primary,optional"`
	DarkMode    hcl.Expression `hcl:"dark_mode,optional"`
	DefRange    hcl.Range      `hcl:",def_range"`
}

type invitationContent struct {
	SendEmail  hcl.Expression `hcl:"send_email,optional"`
	Link       hcl.Expression `hcl:"link,optional"`
	ExpiryDays hcl.Expression `hcl:"expiry_days,optional"`
	DefRange   hcl.Range      `hcl:",def_range"`
}
