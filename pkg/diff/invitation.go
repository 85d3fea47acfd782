package diff

import (
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/state"
)

// invitationTTL is how long a planned invitation stays valid.
func (p *planner) invitationTTL() time.Duration {
	days := p.cfg.Settings.Invitation.ExpiryDays
	if days <= 0 {
		days = InvitationTTLDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// inviteByEmail adds, with invitation { send_email = true }, the e-mail of a
// planned invitation: a separate call after everything else, because Logto
// rolls back an invitation whose create fails to send its message (no
// e-mail connector, a recipient over the rate limit). Sent separately, a
// failed e-mail leaves the invitation pending, and the next plan does not
// invite again.
func (p *planner) inviteByEmail(it *item, email string) *item {
	set := p.cfg.Settings.Invitation
	if !set.SendEmail {
		return it
	}
	it.ch.After["send_email"] = true
	it.ch.Attrs = append(it.ch.Attrs, scalarAttrs(nil, map[string]any{"send_email": true}, "send_email")...)
	addr := it.ch.Address
	it.addOps(plannedOp{op: Operation{Stage: StageMessages, Address: addr,
		Params: SendInvitationMessage{Invitation: refTo("invitation:" + addr), Invitee: email, Link: set.Link}}})
	return it
}

// invitationAddress is the address of the pending invitation of a member.
func invitationAddress(memberAddr string) string { return memberAddr + ".invitation" }

// revokeSuperseded plans the revocation of pending invitations of a
// declared member who is a Logto user now: the plan makes them a member
// directly (or they are one already), so the invitation has no use left and
// accepting it later would only fail. Invitations are read with
// missing_users = "invite".
func (p *planner) revokeSuperseded(lo *state.LiveOrganization, m *state.Member, orgAddr, maddr, uid string) {
	if lo == nil || len(p.live.Invitations) == 0 {
		return
	}
	emails := map[string]bool{}
	if memberKind(m.Label, m.Kind) == state.RefEmail {
		emails[strings.ToLower(m.Value)] = true
	}
	if u, ok := p.live.Users[uid]; ok && u.Email != "" {
		emails[strings.ToLower(u.Email)] = true
	}
	addr := invitationAddress(maddr)
	var it *item
	for _, inv := range p.live.Invitations {
		if inv.OrganizationID != lo.ID || !emails[strings.ToLower(inv.Invitee)] {
			continue
		}
		if it == nil {
			it = p.add(newItem(
				&Change{Address: addr, Kind: KindInvitation, Action: Delete, ID: inv.ID, ChangeNotes: &ChangeNotes{Reason: "user_exists"},
					Before: map[string]any{"invitee": inv.Invitee, "roles": displays(inv.RoleIDs, p.roleDisplay)}},
				[]string{orgAddr}, nil))
		}
		// Invitees are unique per organization only case-sensitively.
		it.addOps(plannedOp{op: Operation{Stage: StageRemoveMember, Address: addr,
			Params: RevokeInvitation{Invitation: inv.ID, Invitee: inv.Invitee}}})
	}
}
