package diff

import (
	"sort"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// Effect kinds: consequences of a plan that Logto brings about by itself.
const (
	// EffectConsentRemoved: a deleted permission leaves the consent list
	// of every third-party application that asks for it (Logto cascades
	// the delete).
	EffectConsentRemoved = "consent_removed"
	// EffectConsentRenamed: a renamed permission keeps its place in the
	// consent lists under its new name; applications that request it by
	// its old name no longer get it.
	EffectConsentRenamed = "consent_renamed"
	// EffectMFARequired: an organization starts requiring MFA; members
	// without an MFA factor get 403 on their next organization token.
	EffectMFARequired = "mfa_required"
)

// Effect is something a plan causes besides its changes, for the reviewer
// to know before applying it.
type Effect struct {
	Kind string `json:"kind"`
	// Address is the change that causes it.
	Address string `json:"address"`
	// Permission and NewName: the permission deleted or renamed (consent).
	Permission string `json:"permission,omitempty"`
	NewName    string `json:"new_name,omitempty"`
	// Applications are the names of the third-party applications whose
	// consent list holds the permission, sorted.
	Applications []string `json:"applications,omitempty"`
	// Organization is the name of the organization that starts requiring
	// MFA; Members how many user members it has after the plan.
	Organization string `json:"organization,omitempty"`
	Members      int    `json:"members,omitempty"`
	// WithoutMFA counts the members known to have no MFA factor, Users
	// lists their ids (sorted); Unchecked counts the members whose factors
	// were not read (over the read budget).
	WithoutMFA int      `json:"without_mfa,omitempty"`
	Users      []string `json:"users,omitempty"`
	Unchecked  int      `json:"unchecked,omitempty"`
}

// MFACheck is an organization whose mfa_required the plan turns on, with
// the members whose MFA factors the live state does not hold.
type MFACheck struct {
	Address string
	Users   []string
}

// MFAChecks lists, per organization the plan makes require MFA, the members
// whose MFA factors are not known yet: the caller may read them
// (state.Live.MFA) and plan again, for an exact count of the members it
// locks out. Nil for a plan read back from a file.
func (p *Plan) MFAChecks() []MFACheck { return p.mfaChecks }

// PermissionsLeaving returns the ids of live permissions the plan for
// desired deletes or renames: the caller reads the consent lists of the
// third-party applications (state.Live.ThirdPartyApps) so that the plan
// names the applications concerned. Problems are ignored here; Compute
// reports them.
func PermissionsLeaving(desired *state.Config, live *state.Live) []string {
	if desired == nil || live == nil {
		return nil
	}
	p := newPlanner(desired, live, Options{})
	p.planPermissions()
	var out []string
	for _, it := range p.items {
		if it.ch.Kind == KindPermission && (it.ch.Action == Delete || it.ch.Action == Rename) && it.ch.ID != "" {
			out = append(out, it.ch.ID)
		}
	}
	sort.Strings(out)
	return out
}

// effects computes the effects of the kept items and their operations.
func (p *planner) effects(changes []*Change, models opModels) ([]Effect, []MFACheck) {
	var out []Effect
	for _, ch := range changes {
		if ch.Kind != KindPermission || ch.ID == "" {
			continue
		}
		e := Effect{Address: ch.Address}
		switch ch.Action {
		case Delete:
			e.Kind, e.Permission = EffectConsentRemoved, p.livePermByID[ch.ID].Name
		case Rename:
			e.Kind, e.Permission = EffectConsentRenamed, ch.PreviousName()
			if n, ok := ch.After["name"].(string); ok {
				e.NewName = n
			}
		default:
			continue
		}
		for _, a := range p.live.ThirdPartyApps {
			if contains(a.PermissionIDs, ch.ID) {
				e.Applications = append(e.Applications, a.Name)
			}
		}
		if len(e.Applications) > 0 {
			sort.Strings(e.Applications)
			out = append(out, e)
		}
	}

	var checks []MFACheck
	var after *model
	for _, o := range models.ops {
		var orgID, name string
		switch op := o.Params.(type) {
		case UpdateOrganization:
			if op.MFARequired == nil || !*op.MFARequired {
				continue
			}
			orgID = string(op.Organization)
			if lo := p.liveOrgByID[orgID]; lo != nil {
				name = lo.Name
			}
			if op.Name != nil {
				name = *op.Name
			}
		case CreateOrganization:
			if op.MFARequired == nil || !*op.MFARequired {
				continue
			}
			orgID, name = ref("org:"+o.Address), op.Name
		default:
			continue
		}
		if after == nil {
			after = p.beforeModel().derive()
			for i := range models.ops {
				for _, e := range models.of(i) {
					after.apply(e)
				}
			}
		}
		mo := after.orgs[orgID]
		if mo == nil || len(mo.users) == 0 {
			continue
		}
		e := Effect{Kind: EffectMFARequired, Address: o.Address, Organization: name, Members: len(mo.users)}
		var unknown []string
		for _, uid := range sortedKeys(mo.users) {
			has, known := p.live.MFA[uid]
			switch {
			case !known:
				unknown = append(unknown, uid)
			case !has:
				e.Users = append(e.Users, uid)
			}
		}
		e.WithoutMFA, e.Unchecked = len(e.Users), len(unknown)
		out = append(out, e)
		if len(unknown) > 0 {
			checks = append(checks, MFACheck{Address: o.Address, Users: unknown})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return effectOrder(out[i].Kind) < effectOrder(out[j].Kind)
		}
		return strings.Compare(out[i].Address, out[j].Address) < 0
	})
	return out, checks
}

func effectOrder(kind string) int {
	switch kind {
	case EffectMFARequired:
		return 0
	case EffectConsentRemoved:
		return 1
	}
	return 2
}
