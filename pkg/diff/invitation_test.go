package diff

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func inviteConfig(set state.InvitationSettings) func(*state.Config) {
	return func(c *state.Config) {
		c.Settings.MissingUsers = state.MissingUsersInvite
		c.Settings.Invitation = set
		o := &c.Organizations[0]
		o.Members = append(o.Members, member("new@acme.com", "viewer"))
	}
}

func TestInvitationEmailIsSentLast(t *testing.T) {
	cfg, live := fixture(inviteConfig(state.InvitationSettings{SendEmail: true, Link: "https://app/invite/{id}", ExpiryDays: 3}), nil)
	p := mustPlan(t, cfg, live, Options{})
	expires := testNow.Add(3 * 24 * time.Hour).UnixMilli()
	want := []string{
		`5 create_invitation {"organization":"o-acme","invitee":"new@acme.com","roles":["r-viewer"],"expires_at":` + itoa64(expires) + `}`,
		`10 send_invitation_message {"invitation":"${invitation:organization.acme.member.\"new@acme.com\"}","invitee":"new@acme.com","link":"https://app/invite/{id}"}`,
	}
	if diff := cmp.Diff(want, opLines(p.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if got := p.Operations[0].Produces(); got != `invitation:organization.acme.member."new@acme.com"` {
		t.Errorf("the create produces %q", got)
	}
	if diff := cmp.Diff([]string{`create organization.acme.member."new@acme.com" invitee=null->"new@acme.com" roles+[viewer]-[] send_email=null->true (missing_user)`},
		changeLines(p.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestInvitationWithoutEmail(t *testing.T) {
	cfg, live := fixture(inviteConfig(state.InvitationSettings{}), nil)
	p := mustPlan(t, cfg, live, Options{})
	if len(p.Operations) != 1 || p.Operations[0].Kind() != OpCreateInvitation {
		t.Fatalf("operations %v", opLines(p.Operations))
	}
	if got, want := p.Operations[0].Params.(CreateInvitation).ExpiresAt, testNow.Add(7*24*time.Hour).UnixMilli(); got != want {
		t.Errorf("expires at %d, want the default 7 days (%d)", got, want)
	}
	// A pending invitation is not repeated, nor is its e-mail.
	live.Invitations = []state.Invitation{{ID: "inv-1", OrganizationID: "o-acme", Invitee: "New@acme.com", RoleIDs: []string{"r-viewer"}}}
	cfg.Settings.Invitation.SendEmail = true
	if p := mustPlan(t, cfg, live, Options{}); p.HasChanges() {
		t.Errorf("a pending invitation is invited again: %v", opLines(p.Operations))
	}
}

func TestInvitationRevokedWhenTheUserExists(t *testing.T) {
	// carol was invited; she is a user now: she is added directly and her
	// invitation revoked. alice is a member with a stale invitation too.
	cfg, live := fixture(func(c *state.Config) {
		c.Settings.MissingUsers = state.MissingUsersInvite
		o := &c.Organizations[0]
		o.Members = append(o.Members, member("carol@acme.com", "viewer"))
	}, func(l *state.Live) {
		l.Invitations = []state.Invitation{
			{ID: "inv-carol", OrganizationID: "o-acme", Invitee: "Carol@acme.com", RoleIDs: []string{"r-viewer"}},
			{ID: "inv-alice", OrganizationID: "o-acme", Invitee: "alice@acme.com", RoleIDs: []string{"r-editor"}},
			{ID: "inv-other", OrganizationID: "o-other", Invitee: "carol@acme.com"},
		}
	})
	p := mustPlan(t, cfg, live, Options{})
	wantChanges := []string{
		`create organization.acme.member."carol@acme.com" roles+[viewer]-[]`,
		`delete organization.acme.member."alice@acme.com".invitation (user_exists)`,
		`delete organization.acme.member."carol@acme.com".invitation (user_exists)`,
	}
	if diff := cmp.Diff(wantChanges, changeLines(p.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	wantOps := []string{
		`4 add_members {"organization":"o-acme","users":["u-carol"]}`,
		`5 assign_member_roles {"organization":"o-acme","users":["u-carol"],"roles":["r-viewer"]}`,
		`6 revoke_invitation {"invitation":"inv-alice","invitee":"alice@acme.com"}`,
		`6 revoke_invitation {"invitation":"inv-carol","invitee":"Carol@acme.com"}`,
	}
	if diff := cmp.Diff(wantOps, opLines(p.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if add, _, destroy := p.Counts(); add != 1 || destroy != 2 {
		t.Errorf("counts: %d to add, %d to destroy", add, destroy)
	}
	// -target on carol keeps her revocation only.
	p = mustPlan(t, cfg, live, Options{Targets: []string{`organization.acme.member."carol@acme.com"`}})
	if len(p.Changes) != 2 || p.Changes[1].Address != `organization.acme.member."carol@acme.com".invitation` {
		t.Errorf("targeted changes %v", changeLines(p.Changes))
	}
}

func itoa64(n int64) string { return mustJSON(n) }
