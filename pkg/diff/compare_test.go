package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestCompareChanges(t *testing.T) {
	// The organization's block plans a description and leaves custom data
	// unmanaged; a role gains a permission.
	setup := func(c *state.Config) {
		c.Organizations[0].Description = ptr("Planned")
		c.Organizations[0].CustomData = nil
		c.Roles[2].Permissions = []string{"read:x", "write:x"}
	}
	cfg, live := baseConfig(), baseLive()
	setup(cfg)
	reviewed := mustPlan(t, cfg, live, Options{})
	if len(reviewed.Changes) != 2 {
		t.Fatalf("fixture: want 2 changes, got %v", changeLines(reviewed.Changes))
	}

	tests := []struct {
		name string
		cfg  func(*state.Config)
		live func(*state.Live)
		want []Difference
	}{
		{name: "nothing moved"},
		{name: "unmanaged attributes, new undeclared organization and a new member in a non-exclusive one move",
			live: func(l *state.Live) {
				l.Organizations[0].CustomData = map[string]any{"written": "by an app"}
				l.Organizations[0].Members = append(l.Organizations[0].Members, state.LiveMember{UserID: "u-stranger"})
				l.Organizations = append(l.Organizations, state.LiveOrganization{ID: "o-new", Name: "Made by an app", Loaded: true})
			}},
		{name: "the planned attribute's live value moved",
			live: func(l *state.Live) { l.Organizations[0].Description = "Changed in the Console" },
			want: []Difference{{Address: "organization.acme", Attribute: "description",
				Reviewed: `"Acme's tenant" -> "Planned"`, Now: `"Changed in the Console" -> "Planned"`}}},
		{name: "the planned change is already made",
			live: func(l *state.Live) { l.Roles[2].PermissionIDs = []string{"ps-read", "ps-write"} },
			want: []Difference{{Address: "role.viewer", Reviewed: "update (role)", Now: "no change"}}},
		{name: "a new change appears",
			live: func(l *state.Live) { l.Permissions[0].Description = "Edited" },
			want: []Difference{{Address: `permission."read:x"`, Reviewed: "no change", Now: "update (permission)"}}},
		{name: "the organization was replaced by another of the same name",
			live: func(l *state.Live) {
				l.Organizations[0].ID = "o-acme-2"
				l.Record.Organizations = nil
			},
			want: []Difference{{Address: "organization.acme", Attribute: "id", Reviewed: `"o-acme"`, Now: `"o-acme-2"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, l := baseConfig(), baseLive()
			setup(c)
			if tt.cfg != nil {
				tt.cfg(c)
			}
			if tt.live != nil {
				tt.live(l)
			}
			now := mustPlan(t, c, l, Options{})
			if diff := cmp.Diff(tt.want, CompareChanges(reviewed.Changes, now.Changes)); diff != "" {
				t.Errorf("differences (-want +got):\n%s", diff)
			}
		})
	}
}
