package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestEffectsConsent(t *testing.T) {
	// write:x is deleted, read:x renamed to view:x; two third-party apps ask
	// for them, a third for neither.
	cfg, live := fixture(func(c *state.Config) {
		c.Permissions = []state.Permission{{Name: "view:x", Description: "Read", PreviousNames: []string{"read:x"}}}
		for i := range c.Roles {
			c.Roles[i].Permissions = []string{"view:x"}
		}
	}, func(l *state.Live) {
		l.ThirdPartyApps = []state.ThirdPartyApp{
			{ID: "tp-1", Name: "Zapier", PermissionIDs: []string{"ps-read", "ps-write"}},
			{ID: "tp-2", Name: "Analytics", PermissionIDs: []string{"ps-write"}},
			{ID: "tp-3", Name: "Unrelated"},
		}
	})
	if got := PermissionsLeaving(cfg, live); !cmp.Equal(got, []string{"ps-read", "ps-write"}) {
		t.Errorf("PermissionsLeaving = %v", got)
	}
	p := mustPlan(t, cfg, live, Options{AllowMassDelete: true})
	want := []Effect{
		{Kind: EffectConsentRemoved, Address: `permission."write:x"`, Permission: "write:x", Applications: []string{"Analytics", "Zapier"}},
		{Kind: EffectConsentRenamed, Address: `permission."view:x"`, Permission: "read:x", NewName: "view:x", Applications: []string{"Zapier"}},
	}
	if diff := cmp.Diff(want, p.Effects); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	// A plan targeting something else reports nothing of them.
	p = mustPlan(t, cfg, live, Options{AllowMassDelete: true, Targets: []string{"organization.acme"}})
	for _, e := range p.Effects {
		t.Errorf("targeted plan reports %+v", e)
	}
}

func TestEffectsMFA(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		c.Organizations[0].MFARequired = ptr(true)
		// carol joins; alice is not declared and is removed (exclusive).
		c.Organizations[0].ExclusiveMembers = true
		c.Organizations[0].Members = []state.Member{member("bob@acme.com", "editor"), member("carol@acme.com", "viewer")}
		c.Organizations = append(c.Organizations, state.Organization{Address: "organization.new", Key: "new", Name: "New",
			MFARequired: ptr(true), Members: []state.Member{member("dave", "viewer")}})
		c.Organizations = append(c.Organizations, state.Organization{Address: "organization.empty", Key: "empty", Name: "Empty", MFARequired: ptr(true)})
	}, nil)
	p := mustPlan(t, cfg, live, Options{})
	want := []Effect{
		{Kind: EffectMFARequired, Address: "organization.acme", Organization: "Acme", Members: 2, Unchecked: 2},
		{Kind: EffectMFARequired, Address: "organization.new", Organization: "New", Members: 1, Unchecked: 1},
	}
	if diff := cmp.Diff(want, p.Effects); diff != "" {
		t.Errorf("effects before the MFA read (-want +got):\n%s", diff)
	}
	wantChecks := []MFACheck{{Address: "organization.acme", Users: []string{"u-bob", "u-carol"}}, {Address: "organization.new", Users: []string{"u-dave"}}}
	if diff := cmp.Diff(wantChecks, p.MFAChecks()); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	live.MFA = map[string]bool{"u-bob": true, "u-carol": false}
	p = mustPlan(t, cfg, live, Options{})
	want[0].Unchecked, want[0].WithoutMFA, want[0].Users = 0, 1, []string{"u-carol"}
	if diff := cmp.Diff(want, p.Effects); diff != "" {
		t.Errorf("effects after the MFA read (-want +got):\n%s", diff)
	}
	// Already required: no effect.
	live.Organizations[0].MFARequired = true
	p = mustPlan(t, cfg, live, Options{Targets: []string{"organization.acme"}})
	if len(p.Effects) != 0 {
		t.Errorf("effects when MFA was required already: %+v", p.Effects)
	}
}
