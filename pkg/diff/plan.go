// Package diff is the planner: it turns a desired state (state.Config) and a
// live state (state.Live) into an ordered Plan of attribute-level changes, the
// Logto calls that carry them out, and their token impact. It does no I/O.
package diff

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/orgsync/orgsync/pkg/state"
)

// FormatVersion is the version of the JSON plan format.
const FormatVersion = "1"

// Action is what a change does to an object. The values are the JSON words.
type Action string

const (
	Create Action = "create" // + a new object
	Update Action = "update" // ~ attributes change in place
	Delete Action = "delete" // - the object is removed
	Rename Action = "rename" // > renamed in place (previous_names), possibly with other updates
)

// Symbol is the one-character plan symbol: + ~ - >.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Delete:
		return "-"
	case Rename:
		return ">"
	}
	return "?"
}

// Kinds of objects a change applies to.
const (
	KindPermission   = "permission"
	KindRole         = "role"
	KindOrganization = "organization"
	KindMember       = "member"
	KindApplication  = "application"
	KindJIT          = "jit"
	KindInvitation   = "invitation"
)

// Change is one object's planned change, already diffed attribute by attribute
// so that renderers only format.
type Change struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	Action  Action `json:"action"`
	// ID is the live Logto id of the object (empty for creates of permissions,
	// roles and organizations); for members and applications it is the user or
	// application id, known before the membership exists.
	ID string `json:"id,omitempty"`
	// Before and After are the object's attributes as JSON values (nil for a
	// create's Before and a delete's After). Read them with Values: a
	// planned member's or application's are held compactly until asked for.
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
	// Attrs lists only the attributes that differ, sorted by Name.
	Attrs []AttrChange `json:"attributes,omitempty"`
	// ChangeNotes are what few changes have (nil when all are empty):
	// read them with Reason, PreviousName, Sensitive and Classification.
	// A plan of 5,000 organizations has 100,000 member changes with none.
	*ChangeNotes

	// subject holds, in place of Before and After, a member's or an
	// application's attributes: see Values.
	subject *subjectValues
}

// ChangeNotes are the parts of a Change that few changes have. Nothing
// writes into the notes of a computed plan: a copy of a Change shares them.
type ChangeNotes struct {
	// Reason is a snake_case keyword for deletes and other non-obvious actions,
	// e.g. "not_in_config", "exclusive", "renamed_from".
	Reason string `json:"reason,omitempty"`
	// PreviousName is the live name a Rename renames from.
	PreviousName string `json:"previous_name,omitempty"`
	// Sensitive lists the attributes (of Before, After and Attrs) whose
	// values derive from a sensitive variable: renderers redact them.
	Sensitive []string `json:"sensitive,omitempty"`
	// Classification says, from what orgsync last applied, whether the
	// configuration changed (ClassPending), the tenant changed outside
	// orgsync (ClassDrift), or both; "" when orgsync never applied the
	// object.
	Classification string `json:"classification,omitempty"`
}

// Reason is ChangeNotes.Reason ("" without notes).
func (c Change) Reason() string {
	if c.ChangeNotes == nil {
		return ""
	}
	return c.ChangeNotes.Reason
}

// PreviousName is ChangeNotes.PreviousName ("" without notes).
func (c Change) PreviousName() string {
	if c.ChangeNotes == nil {
		return ""
	}
	return c.ChangeNotes.PreviousName
}

// Sensitive is ChangeNotes.Sensitive (nil without notes).
func (c Change) Sensitive() []string {
	if c.ChangeNotes == nil {
		return nil
	}
	return c.ChangeNotes.Sensitive
}

// Classification is ChangeNotes.Classification ("" without notes).
func (c Change) Classification() string {
	if c.ChangeNotes == nil {
		return ""
	}
	return c.ChangeNotes.Classification
}

// Notes returns the change's notes, made when it has none, for the
// planner and decoders to write into.
func (c *Change) Notes() *ChangeNotes {
	if c.ChangeNotes == nil {
		c.ChangeNotes = &ChangeNotes{}
	}
	return c.ChangeNotes
}

// subjectValues are the Before and After of a member or an application
// but its id: the id attribute's name and the role-name lists (boxed, nil
// for a side that does not exist). Subjects with the same roles share one.
type subjectValues struct {
	key           string
	before, after any
}

// Values returns the object's attributes before and after the change (nil
// for a side that does not exist). The planner holds those of members and
// applications, a large plan's bulk (100,000 in a plan of 5,000
// organizations), as their id and a role list shared by the subjects with
// the same roles, and builds their maps here, when they are shown.
func (c *Change) Values() (before, after map[string]any) {
	s := c.subject
	if s == nil {
		return c.Before, c.After
	}
	if s.before != nil {
		before = map[string]any{s.key: c.ID, "roles": s.before}
	}
	if s.after != nil {
		after = map[string]any{s.key: c.ID, "roles": s.after}
	}
	return before, after
}

// WithValues returns the change with before and after as its Before and
// After (for renderers that rewrite them, such as redaction).
func (c Change) WithValues(before, after map[string]any) Change {
	c.Before, c.After, c.subject = before, after, nil
	return c
}

// MarshalJSON encodes the change with its Values as "before" and "after".
func (c Change) MarshalJSON() ([]byte, error) {
	type plain Change // without this method
	v := plain(c.WithValues(c.Values()))
	return json.Marshal(v)
}

// AttrChange is the difference in one attribute.
type AttrChange struct {
	Name string `json:"name"`
	// Scalars and objects: JSON encodings of the values; nil when absent.
	Before *string `json:"before,omitempty"`
	After  *string `json:"after,omitempty"`
	// Sets (permissions, roles, email domains...): members added and removed, sorted.
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	// Kept counts unchanged set members (shown as "N unchanged hidden").
	Kept int  `json:"kept,omitempty"`
	Set  bool `json:"set,omitempty"`
	// Sensitive: the values derive from a sensitive variable.
	Sensitive bool `json:"sensitive,omitempty"`
	// Classification is the attribute's Class* ("" when not known).
	Classification string `json:"classification,omitempty"`
}

// RecordEdit adds or removes one id in the ownership record.
type RecordEdit struct {
	// Kind: "permission", "role", "organization", "member", "application", "prevent_destroy".
	Kind string `json:"kind"`
	// ID (may be a "${ref}") of the object; for members and applications the
	// user or application id.
	ID string `json:"id"`
	// Org is the organization id (or "${ref}") for members and applications.
	Org     string `json:"org,omitempty"`
	Remove  bool   `json:"remove,omitempty"`
	Address string `json:"address,omitempty"`
	// Of is, for a prevent_destroy mark of a member or application, its
	// kind: the mark is then kept under state.AppliedKey(Of, Org, ID).
	Of string `json:"of,omitempty"`
}

// Plan is the result of Compute.
type Plan struct {
	// Targets are the -target addresses the plan was limited to (none:
	// the whole configuration).
	Targets     []string    `json:"targets,omitempty"`
	Changes     []*Change   `json:"changes"`      // in execution order of their first operation; nothing writes into them
	Operations  []Operation `json:"operations"`   // ordered by Stage; within a stage in a stable order
	TokenImpact []Impact    `json:"token_impact"` // what the changes mean for issued tokens
	Unmanaged   Unmanaged   `json:"unmanaged"`
	// Warnings are shown above the plan (e.g. skipped missing users).
	Warnings []string `json:"warnings,omitempty"`
	// Effects are what the changes cause beyond themselves: third-party
	// consent lists a deleted or renamed permission leaves, members an
	// organization requiring MFA locks out.
	Effects []Effect `json:"effects,omitempty"`
	// RecordEdits are ownership-record edits that hold whatever the operations
	// do: adoption of declared objects matched live, prevent_destroy marks of
	// declared objects, and removal of recorded ids that no longer exist. The
	// executor applies them at the end of every apply (also when the plan has
	// no changes, and also after a partial failure). They never contradict
	// the edits of Operations, so their order relative to those does not matter.
	RecordEdits []RecordEdit `json:"record_edits,omitempty"`

	// Drift lists the objects changed outside orgsync since it last applied
	// them, by address; LastApply describes that apply (nil when unknown).
	Drift     []Drift          `json:"drift,omitempty"`
	LastApply *state.LastApply `json:"last_apply,omitempty"`
	// Applied is what the apply records of the objects it brings in line
	// (the executor keeps an edit only when its address fully succeeded).
	Applied []AppliedEdit `json:"applied,omitempty"`

	// ImpactGap, when set, says the token impact is incomplete: some
	// organizations that may hold a changed role were not read.
	ImpactGap *ImpactGap `json:"impact_gap,omitempty"`

	// impact recomputes the token impact of a subset of the operations
	// (those for which done reports true); nil for a plan read from a file.
	impact func(done func(i int) bool) []Impact
	// mfaChecks are the members whose MFA factors the plan would need
	// (MFAChecks); nil for a plan read from a file.
	mfaChecks []MFACheck
}

// ImpactOf returns the token impact of the operations for which done
// reports true (by index into Operations): what a partly applied plan did.
// ok is false when the plan no longer knows the state it was computed from
// (a plan read back from a file).
func (p *Plan) ImpactOf(done func(i int) bool) (impact []Impact, ok bool) {
	if p.impact == nil {
		return nil, false
	}
	return p.impact(done), true
}

// DropExecution lets go of what only carrying the plan out needs: its
// operations, record edits and applied fingerprints, and what ImpactOf
// and MFAChecks keep. For a plan that is shown as text or markdown and
// neither applied nor saved (`orgsync plan` without -out), which read the
// same without them: in a plan of 5,000 organizations they are a third of
// its memory.
func (p *Plan) DropExecution() {
	p.Operations, p.RecordEdits, p.Applied = nil, nil, nil
	p.impact, p.mfaChecks = nil, nil
}

// HasChanges reports whether applying the plan would change anything in the
// tenant's objects. A plan whose only effect is RecordEdits (adopting objects
// that already match) has no changes; the executor still saves the record.
func (p *Plan) HasChanges() bool { return len(p.Changes) > 0 }

// Counts returns the summary numbers: creates; updates and renames; deletes.
func (p *Plan) Counts() (add, change, destroy int) {
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			add++
		case Update, Rename:
			change++
		case Delete:
			destroy++
		}
	}
	return
}

// Impact kinds (PRODUCT.md §5).
const (
	ImpactReconsent     = "reconsent"
	ImpactRefresh       = "refresh"
	ImpactRevocationLag = "revocation_lag"
)

// Impact is one token-impact entry: a permission gained or lost through one
// role by a set of subjects.
type Impact struct {
	Kind       string  `json:"kind"`
	Permission string  `json:"permission"`
	Resource   *string `json:"resource"` // API resource indicator; nil for organization permissions
	Role       string  `json:"role"`     // the role through which it is gained or lost ("" when not through a role)
	// Organizations are the organization names concerned, sorted.
	Organizations []string `json:"organizations"`
	// Users and Applications are subject ids, sorted.
	Users        []string `json:"users"`
	Applications []string `json:"applications,omitempty"`
	UserCount    int      `json:"user_count"`
	AppCount     int      `json:"application_count,omitempty"`
	// MaxLagSeconds: for revocation_lag, how long issued tokens may keep it.
	MaxLagSeconds int `json:"max_lag_seconds,omitempty"`
	// PerOrganization holds the subject ids per organization id (for
	// -impact-out; only with Options.ImpactDetail, and in ImpactOf). Impacts with the same subjects in an organization may
	// share its entry: nothing writes into them.
	PerOrganization []*OrgSubjects `json:"per_organization,omitempty"`
	// Subjects names the users and applications of the entry (users, then
	// applications, each sorted by label), so that people can be told.
	Subjects []*Subject `json:"subjects,omitempty"`
}

// Subject is a user or an application an impact concerns, as people know
// it: an email or username for users, a name for applications.
type Subject struct {
	Type     string `json:"type"` // "user" or "application"
	ID       string `json:"id"`
	Email    string `json:"email,omitempty"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"`
}

// Label is how a subject is named in messages: email, username, name or id.
func (s Subject) Label() string {
	for _, v := range []string{s.Email, s.Username, s.Name} {
		if v != "" {
			return v
		}
	}
	return s.ID
}

// ImpactGap is what the token impact left out: organizations the
// configuration does not declare whose members were not read, as reading
// them would have passed the impact budget (in list requests).
type ImpactGap struct {
	UnreadOrganizations int `json:"unread_organizations"`
	// Requests is what reading them would cost.
	Requests int `json:"requests"`
	Budget   int `json:"budget"`
}

// String is the plan's warning about the gap.
func (g *ImpactGap) String() string {
	orgs := "organizations"
	if g.UnreadOrganizations == 1 {
		orgs = "organization"
	}
	return fmt.Sprintf("the token impact is incomplete: the members of %d %s that may hold a changed role were not read, "+
		"as that would pass the impact budget of %d requests; the impact shown covers only the organizations read. "+
		"Plan with -impact-budget unlimited to read them all (%d more requests).",
		g.UnreadOrganizations, orgs, g.Budget, g.Requests)
}

// OrgSubjects is the subjects of an Impact in one organization.
type OrgSubjects struct {
	OrganizationID   string   `json:"organization_id"`
	OrganizationName string   `json:"organization_name"`
	Users            []string `json:"users,omitempty"`
	Applications     []string `json:"applications,omitempty"`
	// UserCauses and AppCauses say, per subject id, which change brings
	// the gain or loss: one of the Cause constants.
	UserCauses Causes `json:"user_causes,omitzero"`
	AppCauses  Causes `json:"application_causes,omitzero"`
}

// Causes maps subject ids to their Cause: two lists sorted by id, which a
// large plan's impacts share, in JSON an object as a map would be.
type Causes struct {
	ids, causes []string
}

// NewCauses returns the causes of m (subject id to Cause).
func NewCauses(m map[string]string) Causes {
	ids := sortedKeys(m)
	causes := make([]string, len(ids))
	for i, id := range ids {
		causes[i] = m[id]
	}
	return newCauses(ids, causes)
}

// newCauses pairs ids, sorted and unique, with their causes.
func newCauses(ids, causes []string) Causes {
	if len(ids) == 0 {
		return Causes{}
	}
	return Causes{ids: ids, causes: causes}
}

// Of is the cause of subject id ("" when it has none).
func (c Causes) Of(id string) string {
	if i, ok := slices.BinarySearch(c.ids, id); ok {
		return c.causes[i]
	}
	return ""
}

// Len is the number of subjects with a cause.
func (c Causes) Len() int { return len(c.ids) }

// Equal reports whether c and d hold the same causes (go-cmp uses it).
func (c Causes) Equal(d Causes) bool {
	return slices.Equal(c.ids, d.ids) && slices.Equal(c.causes, d.causes)
}

// IsZero reports whether there are no causes (omitted from JSON).
func (c Causes) IsZero() bool { return len(c.ids) == 0 }

// Map returns the causes as a new map.
func (c Causes) Map() map[string]string {
	m := make(map[string]string, len(c.ids))
	for i, id := range c.ids {
		m[id] = c.causes[i]
	}
	return m
}

// MarshalJSON encodes the causes as an object, keys sorted, as a map.
func (c Causes) MarshalJSON() ([]byte, error) { return json.Marshal(c.Map()) }

// UnmarshalJSON decodes an object of subject ids to causes.
func (c *Causes) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*c = NewCauses(m)
	return nil
}

// Why a subject gains or loses a permission in an organization.
const (
	CauseRolePermissions   = "role_permissions"     // a role it holds gains or loses the permission
	CauseMemberRoles       = "member_roles"         // its roles in the organization change
	CauseMemberAdded       = "member_added"         // it joins the organization
	CauseMemberRemoved     = "member_removed"       // it leaves the organization
	CauseOrgDeleted        = "organization_deleted" // the organization is deleted
	CauseRoleDeleted       = "role_deleted"         // a role it holds is deleted
	CausePermissionDeleted = "permission_deleted"   // the permission is deleted
)

// Unmanaged counts live objects orgsync does not manage and leaves alone.
type Unmanaged struct {
	Permissions   []string `json:"permissions,omitempty"` // names
	Roles         []string `json:"roles,omitempty"`       // names
	Organizations int      `json:"organizations"`         // count (tenants may have thousands)
	Members       int      `json:"members,omitempty"`     // live members of declared orgs not in config
	Applications  int      `json:"applications,omitempty"`
}

// Options steer Compute.
type Options struct {
	// Targets limits the plan to these addresses and what they contain
	// (organization.acme also covers its members); empty means everything.
	// Creates and renames of the permissions, roles and organizations that
	// targeted changes need are kept too; deletes outside the targets are not.
	// Addresses are compared after NormalizeAddress.
	Targets []string
	// AllowMassDelete lifts the guard against deleting more than half of the
	// managed objects of a kind.
	AllowMassDelete bool
	// AllowDestroy lists addresses whose prevent_destroy is lifted (and
	// dropped from the record).
	AllowDestroy []string
	// TokenTTL is the longest access-token lifetime, in seconds, used for
	// revocation lag (default 3600).
	TokenTTL int
	// Now is the planning time; invitations expire 7 days after it. Required
	// only when the plan creates invitations.
	Now time.Time
	// ImpactDetail keeps the token impact's subjects per organization
	// (Impact.PerOrganization), which only the -impact-out file shows: in
	// a plan of thousands of organizations they are most of the impact's
	// memory. ImpactOf always computes them.
	ImpactDetail bool
	// ReleaseMembers lets Compute empty each organization's Members and
	// Applications in the desired configuration once it has planned them
	// (not when Targets are set: they are read again): for a caller with
	// no further use of them. A configuration of 5,000 organizations
	// holds 100,000 member blocks.
	ReleaseMembers bool
	// ShowOnly says the plan is only shown, neither applied nor saved:
	// Compute leaves out Plan.Applied, which only an apply records (one
	// entry per member it adds).
	ShowOnly bool
}

// Problem is one reason a plan is refused (prevent_destroy, mass delete,
// ambiguous organization name, a missing user with missing_users = "error").
type Problem struct {
	Address string `json:"address"`
	Summary string `json:"summary"`
	Detail  string `json:"detail"`
}

// RefusedError is returned by Compute when the plan must not be applied.
type RefusedError struct{ Problems []Problem }

func (e *RefusedError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Address + ": " + e.Problems[0].Summary
	}
	s := "the plan is refused:"
	for _, p := range e.Problems {
		s += "\n  " + p.Address + ": " + p.Summary
	}
	return s
}
