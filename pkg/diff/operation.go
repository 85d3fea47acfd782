package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// Ref names a Logto object an operation acts on or refers to: the live id of
// an object that exists, or "${KEY}", the id that an earlier create of the
// same plan produces (KEY is that create's Produces value). The executor
// resolves references before it calls Logto.
type Ref string

// refTo returns the reference to the id produced by the create with key.
func refTo(key string) Ref { return Ref("${" + key + "}") }

// Key returns the produced-id key of a reference; ok is false for a live id.
func (r Ref) Key() (key string, ok bool) {
	s := string(r)
	if strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") {
		return s[2 : len(s)-1], true
	}
	return "", false
}

// OpKind says what an Operation does. Every kind is carried out by exactly
// one typed call of the Logto client (pkg/apply maps them); nothing else can
// be executed.
type OpKind string

// Operation kinds, in stage order.
const (
	OpCreatePermission       OpKind = "create_permission"
	OpUpdatePermission       OpKind = "update_permission"
	OpCreateRole             OpKind = "create_role"
	OpUpdateRole             OpKind = "update_role"
	OpSetRolePermissions     OpKind = "set_role_permissions"
	OpSetRoleAPIPermissions  OpKind = "set_role_api_permissions"
	OpCreateOrganization     OpKind = "create_organization"
	OpUpdateOrganization     OpKind = "update_organization"
	OpAddMembers             OpKind = "add_members"
	OpAddApplications        OpKind = "add_applications"
	OpAssignMemberRoles      OpKind = "assign_member_roles"
	OpSetMemberRoles         OpKind = "set_member_roles"
	OpAssignApplicationRoles OpKind = "assign_application_roles"
	OpRemoveApplicationRole  OpKind = "remove_application_role"
	OpSetJITEmailDomains     OpKind = "set_jit_email_domains"
	OpSetJITRoles            OpKind = "set_jit_roles"
	OpSetJITSSOConnectors    OpKind = "set_jit_sso_connectors"
	OpCreateInvitation       OpKind = "create_invitation"
	OpRemoveMember           OpKind = "remove_member"
	OpRevokeInvitation       OpKind = "revoke_invitation"
	OpRemoveApplication      OpKind = "remove_application"
	OpDeleteOrganization     OpKind = "delete_organization"
	OpDeleteRole             OpKind = "delete_role"
	OpDeletePermission       OpKind = "delete_permission"
	OpSendInvitationMessage  OpKind = "send_invitation_message"
)

// Params are the typed parameters of one operation: one of the structs
// below. Optional fields are pointers (nil: not sent); a Description of ""
// clears the description (Logto null).
type Params interface {
	Kind() OpKind
}

// CreatePermission creates an organization scope.
type CreatePermission struct {
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	PreventDestroy bool   `json:"prevent_destroy,omitempty"`
}

// UpdatePermission renames an organization scope or changes its description.
type UpdatePermission struct {
	Permission  Ref     `json:"permission"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// DeletePermission deletes an organization scope (it leaves every role).
type DeletePermission struct {
	Permission         Ref    `json:"permission"`
	Name               string `json:"name"`
	DropPreventDestroy bool   `json:"drop_prevent_destroy,omitempty"`
}

// CreateRole creates an organization role with its permissions.
type CreateRole struct {
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	Type           string `json:"type"`
	Permissions    []Ref  `json:"permissions"`
	APIPermissions []Ref  `json:"api_permissions"` // API resource scope ids
	PreventDestroy bool   `json:"prevent_destroy,omitempty"`
}

// UpdateRole renames a role or changes its description or type.
type UpdateRole struct {
	Role        Ref     `json:"role"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Type        *string `json:"type,omitempty"`
}

// SetRolePermissions replaces a role's organization permissions.
type SetRolePermissions struct {
	Role        Ref   `json:"role"`
	Permissions []Ref `json:"permissions"`
}

// SetRoleAPIPermissions replaces a role's API permissions (resource scope ids).
type SetRoleAPIPermissions struct {
	Role           Ref   `json:"role"`
	APIPermissions []Ref `json:"api_permissions"`
}

// DeleteRole deletes an organization role (it leaves every subject).
type DeleteRole struct {
	Role               Ref    `json:"role"`
	Name               string `json:"name"`
	DropPreventDestroy bool   `json:"drop_prevent_destroy,omitempty"`
}

// CreateOrganization creates an organization. SameName lists the live
// organizations that already had the name when the plan was made: when the
// outcome of the create is unknown, they are not taken for the new one.
type CreateOrganization struct {
	Name           string       `json:"name"`
	Description    *string      `json:"description,omitempty"`
	CustomData     any          `json:"custom_data,omitempty"`
	MFARequired    *bool        `json:"mfa_required,omitempty"`
	Branding       *OrgBranding `json:"branding,omitempty"`
	Color          *OrgColor    `json:"color,omitempty"`
	CustomCSS      *string      `json:"custom_css,omitempty"`
	PreventDestroy bool         `json:"prevent_destroy,omitempty"`
	SameName       []string     `json:"same_name,omitempty"`
}

// UpdateOrganization changes an organization's attributes. CustomData,
// Branding and Color, when set, each replace the live object as a whole
// (keys left out are removed); a CustomCSS of "" removes the custom CSS.
type UpdateOrganization struct {
	Organization Ref          `json:"organization"`
	Name         *string      `json:"name,omitempty"`
	Description  *string      `json:"description,omitempty"`
	CustomData   any          `json:"custom_data,omitempty"`
	MFARequired  *bool        `json:"mfa_required,omitempty"`
	Branding     *OrgBranding `json:"branding,omitempty"`
	Color        *OrgColor    `json:"color,omitempty"`
	CustomCSS    *string      `json:"custom_css,omitempty"`
}

// OrgBranding is an organization's whole branding object: its logos and
// favicons (absolute URLs; "" is a key not sent).
type OrgBranding struct {
	LogoURL        string `json:"logo_url,omitempty"`
	DarkLogoURL    string `json:"dark_logo_url,omitempty"`
	FaviconURL     string `json:"favicon_url,omitempty"`
	DarkFaviconURL string `json:"dark_favicon_url,omitempty"`
}

// OrgColor is an organization's whole color object ("" and nil are keys
// not sent).
type OrgColor struct {
	Primary     string `json:"primary,omitempty"`
	DarkPrimary string `json:"dark_primary,omitempty"`
	DarkMode    *bool  `json:"dark_mode,omitempty"`
}

// DeleteOrganization deletes an organization with its memberships.
type DeleteOrganization struct {
	Organization       Ref  `json:"organization"`
	DropPreventDestroy bool `json:"drop_prevent_destroy,omitempty"`
}

// AddMembers makes users members of an organization (one bulk call).
type AddMembers struct {
	Organization Ref      `json:"organization"`
	Users        []string `json:"users"`
}

// AssignMemberRoles gives every listed member every listed role (one bulk
// call; roles already held are kept).
type AssignMemberRoles struct {
	Organization Ref      `json:"organization"`
	Users        []string `json:"users"`
	Roles        []Ref    `json:"roles"`
}

// SetMemberRoles replaces one member's roles.
type SetMemberRoles struct {
	Organization Ref    `json:"organization"`
	User         string `json:"user"`
	Roles        []Ref  `json:"roles"`
}

// RemoveMember removes a user from an organization.
type RemoveMember struct {
	Organization Ref    `json:"organization"`
	User         string `json:"user"`
}

// AddApplications makes machine-to-machine applications members of an
// organization (one bulk call).
type AddApplications struct {
	Organization Ref      `json:"organization"`
	Applications []string `json:"applications"`
}

// AssignApplicationRoles gives every listed application every listed role.
type AssignApplicationRoles struct {
	Organization Ref      `json:"organization"`
	Applications []string `json:"applications"`
	Roles        []Ref    `json:"roles"`
}

// RemoveApplicationRole takes one role from an application member.
type RemoveApplicationRole struct {
	Organization Ref    `json:"organization"`
	Application  string `json:"application"`
	Role         Ref    `json:"role"`
}

// RemoveApplication removes an application from an organization.
type RemoveApplication struct {
	Organization Ref    `json:"organization"`
	Application  string `json:"application"`
}

// SetJITEmailDomains replaces an organization's just-in-time email domains.
type SetJITEmailDomains struct {
	Organization Ref      `json:"organization"`
	EmailDomains []string `json:"email_domains"`
}

// SetJITRoles replaces an organization's just-in-time roles.
type SetJITRoles struct {
	Organization Ref   `json:"organization"`
	Roles        []Ref `json:"roles"`
}

// SetJITSSOConnectors replaces an organization's just-in-time enterprise
// SSO connectors (connector ids).
type SetJITSSOConnectors struct {
	Organization  Ref      `json:"organization"`
	SSOConnectors []string `json:"sso_connectors"`
}

// CreateInvitation invites an email address to an organization with roles,
// without an e-mail (SendInvitationMessage sends it, so that a failed send
// leaves the invitation in place). ExpiresAt is in Unix milliseconds.
type CreateInvitation struct {
	Organization Ref    `json:"organization"`
	Invitee      string `json:"invitee"`
	Roles        []Ref  `json:"roles"`
	ExpiresAt    int64  `json:"expires_at"`
}

// SendInvitationMessage e-mails an invitation. Link, when set, is the link
// the e-mail carries, with state.InvitationLinkID standing for the
// invitation's id.
type SendInvitationMessage struct {
	Invitation Ref    `json:"invitation"`
	Invitee    string `json:"invitee"`
	Link       string `json:"link,omitempty"`
}

// RevokeInvitation revokes a pending invitation that is no longer needed
// (its invitee is a user now, and the plan makes them a member directly).
type RevokeInvitation struct {
	Invitation string `json:"invitation"`
	Invitee    string `json:"invitee"`
}

// Kind implementations.
func (CreatePermission) Kind() OpKind       { return OpCreatePermission }
func (UpdatePermission) Kind() OpKind       { return OpUpdatePermission }
func (DeletePermission) Kind() OpKind       { return OpDeletePermission }
func (CreateRole) Kind() OpKind             { return OpCreateRole }
func (UpdateRole) Kind() OpKind             { return OpUpdateRole }
func (SetRolePermissions) Kind() OpKind     { return OpSetRolePermissions }
func (SetRoleAPIPermissions) Kind() OpKind  { return OpSetRoleAPIPermissions }
func (DeleteRole) Kind() OpKind             { return OpDeleteRole }
func (CreateOrganization) Kind() OpKind     { return OpCreateOrganization }
func (UpdateOrganization) Kind() OpKind     { return OpUpdateOrganization }
func (DeleteOrganization) Kind() OpKind     { return OpDeleteOrganization }
func (AddMembers) Kind() OpKind             { return OpAddMembers }
func (AssignMemberRoles) Kind() OpKind      { return OpAssignMemberRoles }
func (SetMemberRoles) Kind() OpKind         { return OpSetMemberRoles }
func (RemoveMember) Kind() OpKind           { return OpRemoveMember }
func (AddApplications) Kind() OpKind        { return OpAddApplications }
func (AssignApplicationRoles) Kind() OpKind { return OpAssignApplicationRoles }
func (RemoveApplicationRole) Kind() OpKind  { return OpRemoveApplicationRole }
func (RemoveApplication) Kind() OpKind      { return OpRemoveApplication }
func (SetJITEmailDomains) Kind() OpKind     { return OpSetJITEmailDomains }
func (SetJITRoles) Kind() OpKind            { return OpSetJITRoles }
func (CreateInvitation) Kind() OpKind       { return OpCreateInvitation }
func (SetJITSSOConnectors) Kind() OpKind    { return OpSetJITSSOConnectors }
func (SendInvitationMessage) Kind() OpKind  { return OpSendInvitationMessage }
func (RevokeInvitation) Kind() OpKind       { return OpRevokeInvitation }

// decoders decode the parameters of each kind (the JSON of a saved plan).
var decoders = map[OpKind]func([]byte) (Params, error){
	OpCreatePermission:       decodeParams[CreatePermission],
	OpUpdatePermission:       decodeParams[UpdatePermission],
	OpDeletePermission:       decodeParams[DeletePermission],
	OpCreateRole:             decodeParams[CreateRole],
	OpUpdateRole:             decodeParams[UpdateRole],
	OpSetRolePermissions:     decodeParams[SetRolePermissions],
	OpSetRoleAPIPermissions:  decodeParams[SetRoleAPIPermissions],
	OpDeleteRole:             decodeParams[DeleteRole],
	OpCreateOrganization:     decodeParams[CreateOrganization],
	OpUpdateOrganization:     decodeParams[UpdateOrganization],
	OpDeleteOrganization:     decodeParams[DeleteOrganization],
	OpAddMembers:             decodeParams[AddMembers],
	OpAssignMemberRoles:      decodeParams[AssignMemberRoles],
	OpSetMemberRoles:         decodeParams[SetMemberRoles],
	OpRemoveMember:           decodeParams[RemoveMember],
	OpAddApplications:        decodeParams[AddApplications],
	OpAssignApplicationRoles: decodeParams[AssignApplicationRoles],
	OpRemoveApplicationRole:  decodeParams[RemoveApplicationRole],
	OpRemoveApplication:      decodeParams[RemoveApplication],
	OpSetJITEmailDomains:     decodeParams[SetJITEmailDomains],
	OpSetJITRoles:            decodeParams[SetJITRoles],
	OpCreateInvitation:       decodeParams[CreateInvitation],
	OpSetJITSSOConnectors:    decodeParams[SetJITSSOConnectors],
	OpSendInvitationMessage:  decodeParams[SendInvitationMessage],
	OpRevokeInvitation:       decodeParams[RevokeInvitation],
}

func decodeParams[T Params](b []byte) (Params, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

// Operation is one step of a plan: a typed Logto write. Operations of one
// Stage are independent of each other; a stage starts once the previous one
// finished.
type Operation struct {
	Stage int
	// Address is the change the operation belongs to; for bulk calls on an
	// organization's members, the organization's address.
	Address string
	// Covers lists the addresses of every change a bulk call carries out
	// (one call adds many members); empty when it serves Address alone.
	Covers []string
	Params Params
	// Sensitive lists parameters whose values derive from a sensitive
	// variable (e.g. "description", "custom_data"): renderers redact them.
	Sensitive []string
}

// Kind is the operation's kind.
func (o Operation) Kind() OpKind { return o.Params.Kind() }

// Changes returns the addresses of the changes the operation carries out.
func (o Operation) Changes() []string {
	if len(o.Covers) > 0 {
		return o.Covers
	}
	return []string{o.Address}
}

// Produces is the key later operations use to refer to the id this create
// produces ("${key}"); "" for operations that create nothing.
func (o Operation) Produces() string {
	switch p := o.Params.(type) {
	case CreatePermission:
		return "permission:" + p.Name
	case CreateRole:
		return "role:" + p.Name
	case CreateOrganization:
		return "org:" + o.Address
	case CreateInvitation:
		return "invitation:" + o.Address
	}
	return ""
}

// RecordEdits are the ownership-record edits that hold once the operation
// succeeded (references are resolved by the caller).
func (o Operation) RecordEdits() []RecordEdit {
	self := refTo(o.Produces())
	switch p := o.Params.(type) {
	case CreatePermission:
		return createEdits(KindPermission, self, o.Address, p.PreventDestroy)
	case CreateRole:
		return createEdits(KindRole, self, o.Address, p.PreventDestroy)
	case CreateOrganization:
		return createEdits(KindOrganization, self, o.Address, p.PreventDestroy)
	case DeletePermission:
		return deleteEdits(KindPermission, p.Permission, o.Address, p.DropPreventDestroy)
	case DeleteRole:
		return deleteEdits(KindRole, p.Role, o.Address, p.DropPreventDestroy)
	case DeleteOrganization:
		return deleteEdits(KindOrganization, p.Organization, o.Address, p.DropPreventDestroy)
	case AddMembers:
		edits := make([]RecordEdit, len(p.Users))
		for i, u := range p.Users {
			edits[i] = RecordEdit{Kind: KindMember, ID: u, Org: string(p.Organization), Address: o.coverAt(i)}
		}
		return edits
	case AddApplications:
		edits := make([]RecordEdit, len(p.Applications))
		for i, a := range p.Applications {
			edits[i] = RecordEdit{Kind: KindApplication, ID: a, Org: string(p.Organization), Address: o.coverAt(i)}
		}
		return edits
	case RemoveMember:
		return []RecordEdit{{Kind: KindMember, ID: p.User, Org: string(p.Organization), Remove: true, Address: o.Address}}
	case RemoveApplication:
		return []RecordEdit{{Kind: KindApplication, ID: p.Application, Org: string(p.Organization), Remove: true, Address: o.Address}}
	}
	return nil
}

// Intent is the announcement of a create, written to the ownership record
// before the create is sent (since is when the apply began, Unix ms); ok is
// false for operations that create nothing.
func (o Operation) Intent(since int64) (state.Intent, bool) {
	switch p := o.Params.(type) {
	case CreatePermission:
		return state.Intent{Kind: KindPermission, Address: o.Address, Name: p.Name, PreventDestroy: p.PreventDestroy}, true
	case CreateRole:
		return state.Intent{Kind: KindRole, Address: o.Address, Name: p.Name, PreventDestroy: p.PreventDestroy}, true
	case CreateOrganization:
		return state.Intent{Kind: KindOrganization, Address: o.Address, Name: p.Name, Since: since,
			Exclude: append([]string(nil), p.SameName...), PreventDestroy: p.PreventDestroy}, true
	}
	return state.Intent{}, false
}

// coverAt is the address of the i-th subject of a bulk call.
func (o Operation) coverAt(i int) string {
	if i < len(o.Covers) {
		return o.Covers[i]
	}
	return o.Address
}

func createEdits(kind string, id Ref, addr string, prevent bool) []RecordEdit {
	edits := []RecordEdit{{Kind: kind, ID: string(id), Address: addr}}
	if prevent {
		edits = append(edits, RecordEdit{Kind: RecordPreventDestroy, ID: string(id), Address: addr})
	}
	return edits
}

func deleteEdits(kind string, id Ref, addr string, dropPrevent bool) []RecordEdit {
	edits := []RecordEdit{{Kind: kind, ID: string(id), Remove: true, Address: addr}}
	if dropPrevent {
		edits = append(edits, RecordEdit{Kind: RecordPreventDestroy, ID: string(id), Remove: true, Address: addr})
	}
	return edits
}

// String is a one-line description: stage, kind and parameters as JSON.
func (o Operation) String() string {
	b, err := marshal(o.Params)
	if err != nil {
		return fmt.Sprintf("%d %s <%v>", o.Stage, o.Kind(), err)
	}
	return fmt.Sprintf("%d %s %s", o.Stage, o.Kind(), b)
}

// jsonOperation is the JSON form of an Operation.
type jsonOperation struct {
	Stage      int             `json:"stage"`
	Kind       OpKind          `json:"kind"`
	Address    string          `json:"address"`
	Covers     []string        `json:"covers"`
	Parameters json.RawMessage `json:"parameters"`
	Sensitive  []string        `json:"sensitive,omitempty"`
}

// MarshalJSON writes the operation as {stage, kind, address, covers,
// parameters}.
func (o Operation) MarshalJSON() ([]byte, error) {
	if o.Params == nil {
		return nil, fmt.Errorf("diff: operation %s has no parameters", o.Address)
	}
	params, err := marshal(o.Params)
	if err != nil {
		return nil, err
	}
	covered := o.Covers
	if covered == nil {
		covered = []string{}
	}
	return marshal(jsonOperation{Stage: o.Stage, Kind: o.Kind(), Address: o.Address, Covers: covered, Parameters: params, Sensitive: o.Sensitive})
}

// UnmarshalJSON reads what MarshalJSON wrote; an unknown kind is an error.
func (o *Operation) UnmarshalJSON(b []byte) error {
	var j jsonOperation
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	decode, ok := decoders[j.Kind]
	if !ok {
		return fmt.Errorf("diff: unknown operation kind %q", j.Kind)
	}
	params, err := decode(j.Parameters)
	if err != nil {
		return fmt.Errorf("diff: operation %s: %w", j.Kind, err)
	}
	*o = Operation{Stage: j.Stage, Address: j.Address, Params: params, Sensitive: j.Sensitive}
	if len(j.Covers) > 0 {
		o.Covers = j.Covers
	}
	return nil
}

// dropPreventDestroy marks a delete as lifting its object's prevent_destroy
// mark (-allow-destroy).
func dropPreventDestroy(p Params) Params {
	switch d := p.(type) {
	case DeletePermission:
		d.DropPreventDestroy = true
		return d
	case DeleteRole:
		d.DropPreventDestroy = true
		return d
	case DeleteOrganization:
		d.DropPreventDestroy = true
		return d
	}
	return p
}

// marshal encodes v as compact JSON without HTML escaping (names may hold
// < > &, and plans print them as written).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
