package diff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestRefusals(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*state.Config)
		live func(*state.Live)
		opts Options
		want []string // "address: summary" prefixes
	}{
		{
			name: "rename when both names exist",
			cfg: func(c *state.Config) {
				c.Permissions[1].PreviousNames = []string{"read:x"}
			},
			want: []string{`permission."write:x": both the permission and its previous name "read:x" exist`},
		},
		{
			name: "several previous names exist",
			cfg: func(c *state.Config) {
				c.Permissions = append(c.Permissions, state.Permission{Name: "z", PreviousNames: []string{"read:x", "write:x"}})
			},
			want: []string{`permission.z: several previous names of this permission exist`},
		},
		{
			name: "role rename when both names exist",
			cfg:  func(c *state.Config) { c.Roles[2].PreviousNames = []string{"editor"} },
			want: []string{`role.viewer: both the role and its previous name "editor" exist`},
		},
		{
			name: "ambiguous organization name",
			live: func(l *state.Live) {
				l.Record.Organizations, l.Record.Addresses = nil, nil
				l.Organizations = append(l.Organizations, state.LiveOrganization{ID: "o-acme2", Name: "Acme", Loaded: true})
			},
			want: []string{`organization.acme: 2 live organizations are named "Acme": o-acme, o-acme2`},
		},
		{
			name: "pinned id that does not exist",
			cfg:  func(c *state.Config) { c.Organizations[0].ID = "o-nope" },
			want: []string{`organization.acme: no organization has id "o-nope"`},
		},
		{
			name: "missing user with missing_users error",
			cfg: func(c *state.Config) {
				c.Organizations[0].Members = append(c.Organizations[0].Members, member("zed@acme.com", "viewer"))
			},
			want: []string{`organization.acme.member."zed@acme.com": no Logto user matches "zed@acme.com"`},
		},
		{
			name: "invite needs an email",
			cfg: func(c *state.Config) {
				c.Settings.MissingUsers = state.MissingUsersInvite
				c.Organizations[0].Members = append(c.Organizations[0].Members, member("zed", "viewer"))
			},
			want: []string{`organization.acme.member.zed: no Logto user matches "zed", and only email members can be invited`},
		},
		{
			name: "application name not unique",
			cfg: func(c *state.Config) {
				c.Organizations[0].Applications = append(c.Organizations[0].Applications, state.Application{Label: "dup", Kind: state.RefName, Value: "dup"})
			},
			live: func(l *state.Live) {
				l.Applications["app-d1"] = state.App{ID: "app-d1", Name: "dup", Type: state.RoleTypeM2M}
				l.Applications["app-d2"] = state.App{ID: "app-d2", Name: "dup", Type: state.RoleTypeM2M}
			},
			want: []string{`organization.acme.application.dup: 2 applications are named "dup": app-d1, app-d2`},
		},
		{
			name: "application of the wrong type",
			cfg: func(c *state.Config) {
				c.Organizations[0].Applications = append(c.Organizations[0].Applications, state.Application{Label: "web", Kind: state.RefName, Value: "web"})
			},
			want: []string{`organization.acme.application.web: application app-web is a Traditional application`},
		},
		{
			name: "unknown application",
			cfg: func(c *state.Config) {
				c.Organizations[0].Applications = append(c.Organizations[0].Applications, state.Application{Label: "id:app-nope", Kind: state.RefID, Value: "app-nope"})
			},
			want: []string{`organization.acme.application."id:app-nope": no application has id "app-nope"`},
		},
		{
			name: "unknown API resource and scope",
			cfg: func(c *state.Config) {
				c.Roles[2].APIPermissions = map[string][]string{api: {"nope"}, "https://other": {"x"}}
			},
			want: []string{
				`role.viewer: API resource "https://api.acme.com" has no permission "nope"`,
				`role.viewer: unknown API resource "https://other"`,
			},
		},
		{
			name: "prevent_destroy kept in the record after the block is removed",
			cfg:  func(c *state.Config) { c.Permissions = c.Permissions[:1]; c.Roles[1].Permissions = []string{"read:x"} },
			live: func(l *state.Live) { l.Record.PreventDestroy = []string{"ps-write"} },
			opts: Options{AllowMassDelete: true},
			want: []string{`permission."write:x": prevent_destroy forbids deleting this object`},
		},
		{
			name: "allow-destroy for another address does not help",
			cfg:  func(c *state.Config) { c.Permissions = c.Permissions[:1]; c.Roles[1].Permissions = []string{"read:x"} },
			live: func(l *state.Live) { l.Record.PreventDestroy = []string{"ps-write"} },
			opts: Options{AllowMassDelete: true, AllowDestroy: []string{`permission."read:x"`}},
			want: []string{`permission."write:x": prevent_destroy forbids deleting this object`},
		},
		{
			name: "mass delete",
			cfg:  func(c *state.Config) { c.Permissions = nil; c.Roles = nil; c.Organizations = nil },
			want: []string{
				"organization.*: the plan deletes 1 of 1 managed organization, more than half",
				"permission.*: the plan deletes 2 of 2 managed permissions, more than half",
				"role.*: the plan deletes 3 of 3 managed roles, more than half",
			},
		},
		{
			name: "mass delete of unmanaged objects counts live objects",
			cfg:  func(c *state.Config) { c.Settings.ExclusiveOrganizations = true },
			live: func(l *state.Live) {
				l.Organizations = append(l.Organizations, state.LiveOrganization{ID: "o-x", Name: "X"})
			},
			want: []string{"organization.*: the plan deletes 2 of 2 organizations orgsync does not manage (exclusive), more than half"},
		},
		{
			name: "the only managed application is its own kind",
			cfg:  func(c *state.Config) { c.Organizations[0].Applications = nil },
			want: []string{"application.*: the plan deletes 1 of 1 managed application, more than half"},
		},
		{
			name: "members orgsync never managed do not dilute the member guard",
			cfg: func(c *state.Config) {
				c.Organizations[0].Members = nil
				c.Organizations[0].ExclusiveMembers = true
			},
			live: func(l *state.Live) {
				for _, u := range []string{"u-carol", "u-dave"} {
					l.Organizations[0].Members = append(l.Organizations[0].Members, state.LiveMember{UserID: u})
				}
			},
			want: []string{
				"member.*: the plan deletes 2 of 2 managed members, more than half",
				"member.*: the plan deletes 2 of 2 members orgsync does not manage (exclusive), more than half",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, live := fixture(tt.cfg, tt.live)
			probs := mustRefuse(t, cfg, live, tt.opts)
			if len(probs) != len(tt.want) {
				t.Fatalf("got %d problems, want %d: %+v", len(probs), len(tt.want), probs)
			}
			for i, w := range tt.want {
				got := probs[i].Address + ": " + probs[i].Summary
				if !strings.HasPrefix(got, w) {
					t.Errorf("problem %d = %q, want prefix %q", i, got, w)
				}
				if probs[i].Detail == "" {
					t.Errorf("problem %d has no detail", i)
				}
			}
		})
	}
}

func TestGuardsLifted(t *testing.T) {
	t.Run("allow-destroy deletes and drops the mark", func(t *testing.T) {
		cfg, live := baseConfig(), baseLive()
		cfg.Permissions = cfg.Permissions[:1]
		cfg.Roles[1].Permissions = []string{"read:x"}
		live.Record.PreventDestroy = []string{"ps-write"}
		p := mustPlan(t, cfg, live, Options{AllowDestroy: []string{`permission."write:x"`}})
		last := p.Operations[len(p.Operations)-1]
		want := []RecordEdit{
			{Kind: KindPermission, ID: "ps-write", Remove: true, Address: `permission."write:x"`},
			{Kind: RecordPreventDestroy, ID: "ps-write", Remove: true, Address: `permission."write:x"`},
		}
		if last.Kind() != OpDeletePermission || !cmp.Equal(want, last.RecordEdits()) {
			t.Errorf("delete operation = %s, record edits %+v", last, last.RecordEdits())
		}
	})
	t.Run("allow-mass-delete", func(t *testing.T) {
		cfg := baseConfig()
		cfg.Permissions, cfg.Roles, cfg.Organizations = nil, nil, nil
		p := mustPlan(t, cfg, baseLive(), Options{AllowMassDelete: true})
		// Roles and permissions and the organization go; the organization's members go with it.
		want := []string{
			"delete organization.acme (not_in_config)",
			"delete role.bot (not_in_config)", "delete role.editor (not_in_config)", "delete role.viewer (not_in_config)",
			`delete permission."read:x" (not_in_config)`, `delete permission."write:x" (not_in_config)`,
		}
		if diff := cmp.Diff(want, changeLines(p.Changes)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
	})
	t.Run("record address prefers the managed one of two same-named organizations", func(t *testing.T) {
		live := baseLive()
		live.Organizations = append(live.Organizations, state.LiveOrganization{ID: "o-acme2", Name: "Acme", Loaded: true})
		p := mustPlan(t, baseConfig(), live, Options{})
		if p.HasChanges() {
			t.Errorf("want no changes, got %v", changeLines(p.Changes))
		}
	})
	t.Run("record address follows a renamed organization", func(t *testing.T) {
		cfg := baseConfig()
		cfg.Organizations[0].Name = "Acme Corp"
		p := mustPlan(t, cfg, baseLive(), Options{})
		want := []string{`update organization.acme name="Acme"->"Acme Corp"`}
		if diff := cmp.Diff(want, changeLines(p.Changes)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
	})
	t.Run("pinned id", func(t *testing.T) {
		cfg, live := baseConfig(), baseLive()
		cfg.Organizations[0].ID, cfg.Organizations[0].Name = "o-acme", "Renamed"
		live.Record = state.Record{}
		p := mustPlan(t, cfg, live, Options{})
		want := []string{`update organization.acme name="Acme"->"Renamed"`}
		if diff := cmp.Diff(want, changeLines(p.Changes)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
	})
}

func TestMissingUsers(t *testing.T) {
	withZed := func(mode string) *state.Config {
		c := baseConfig()
		c.Settings.MissingUsers = mode
		c.Organizations[0].Members = append(c.Organizations[0].Members, member("Zed@Acme.com", "editor", "viewer"))
		c.Organizations[0].Members[2].Value = "zed@acme.com"
		return c
	}
	t.Run("skip", func(t *testing.T) {
		p := mustPlan(t, withZed(state.MissingUsersSkip), baseLive(), Options{})
		if p.HasChanges() || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], `no Logto user matches "Zed@Acme.com"; skipped`) {
			t.Errorf("changes %v, warnings %q", changeLines(p.Changes), p.Warnings)
		}
	})
	t.Run("invite", func(t *testing.T) {
		p := mustPlan(t, withZed(state.MissingUsersInvite), baseLive(), Options{})
		want := []string{`5 create_invitation {"organization":"o-acme","invitee":"zed@acme.com","roles":["r-editor","r-viewer"],"expires_at":1778241600000}`}
		if diff := cmp.Diff(want, opLines(p.Operations)); diff != "" {
			t.Errorf("operations (-want +got):\n%s", diff)
		}
		if len(p.Changes) != 1 || p.Changes[0].Kind != KindInvitation || p.Changes[0].Address != `organization.acme.member."Zed@Acme.com"` {
			t.Errorf("changes = %+v", p.Changes)
		}
		if len(p.TokenImpact) != 0 {
			t.Errorf("an invitation grants nothing yet: %+v", p.TokenImpact)
		}
	})
	t.Run("no second pending invitation", func(t *testing.T) {
		live := baseLive()
		live.Invitations = []state.Invitation{{ID: "inv-1", OrganizationID: "o-acme", Invitee: "ZED@acme.com"}}
		p := mustPlan(t, withZed(state.MissingUsersInvite), live, Options{})
		if p.HasChanges() {
			t.Errorf("want no changes, got %v", changeLines(p.Changes))
		}
	})
	t.Run("invite into a new organization", func(t *testing.T) {
		c := withZed(state.MissingUsersInvite)
		c.Organizations[0].Name = "Brand new"
		live := baseLive()
		live.Record = state.Record{}
		live.Invitations = []state.Invitation{{ID: "inv-1", OrganizationID: "o-acme", Invitee: "zed@acme.com"}}
		p := mustPlan(t, c, live, Options{})
		var found bool
		for _, o := range p.Operations {
			if inv, ok := o.Params.(CreateInvitation); ok {
				found = inv.Organization == "${org:organization.acme}"
			}
		}
		if !found {
			t.Errorf("no invitation to the new organization: %v", opLines(p.Operations))
		}
	})
}

func TestTargets(t *testing.T) {
	cfg, live := baseConfig(), baseLive()
	cfg.Permissions = append(cfg.Permissions, state.Permission{Name: "z:new"}, state.Permission{Name: "z:other"})
	cfg.Permissions[1].Description = "changed"
	cfg.Roles = append(cfg.Roles, state.Role{Name: "zeta", Permissions: []string{"z:new"}})
	cfg.Roles[2].Description = "changed too"
	cfg.Organizations[0].Members[0].Roles = []string{"zeta"}
	cfg.Organizations = append(cfg.Organizations, state.Organization{Address: "organization.beta", Key: "beta", Name: "Beta"})
	live.Record.Permissions = append(live.Record.Permissions, "ps-old")
	live.Permissions = append(live.Permissions, state.LivePermission{ID: "ps-old", Name: "old"}, state.LivePermission{ID: "ps-old2", Name: "old2"})
	live.Record.Permissions = append(live.Record.Permissions, "ps-old2", "ps-old3")
	live.Permissions = append(live.Permissions, state.LivePermission{ID: "ps-old3", Name: "old3"})

	p := mustPlan(t, cfg, live, Options{Targets: []string{`organization.acme.member."alice@acme.com"`}})
	want := []string{
		`create permission."z:new" name=null->"z:new"`,
		`create role.zeta name=null->"zeta" permissions+[z:new]-[] type=null->"User"`,
		`update organization.acme.member."alice@acme.com" roles+[zeta]-[viewer]`,
	}
	if diff := cmp.Diff(want, changeLines(p.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	for _, e := range p.RecordEdits {
		if !e.Remove {
			t.Errorf("adoption outside the targets: %+v", e)
		}
	}

	p = mustPlan(t, cfg, live, Options{Targets: []string{"organization.beta", `permission."old"`}})
	want = []string{`create organization.beta name=null->"Beta"`, `delete permission.old (not_in_config)`}
	if diff := cmp.Diff(want, changeLines(p.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestNormalizeAddress(t *testing.T) {
	for in, want := range map[string]string{
		`permission."old"`:                      `permission.old`,
		`permission."invite:member"`:            `permission."invite:member"`,
		`organization.acme.member."bob"`:        `organization.acme.member.bob`,
		`organization.c["acme"].member."a@b.c"`: `organization.c["acme"].member."a@b.c"`,
		`role.admin`:                            `role.admin`,
	} {
		if got := NormalizeAddress(in); got != want {
			t.Errorf("NormalizeAddress(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestMissingUsersGrouped(t *testing.T) {
	cfg, live := baseConfig(), baseLive()
	for i := range 1000 {
		cfg.Organizations[0].Members = append(cfg.Organizations[0].Members, member(fmt.Sprintf("ghost%04d@acme.com", i), "viewer"))
	}
	probs := mustRefuse(t, cfg, live, Options{})
	if len(probs) != 1 || probs[0].Summary != "1000 declared members have no Logto user" ||
		!strings.Contains(probs[0].Detail, `organization.acme.member."ghost0000@acme.com"`) || !strings.Contains(probs[0].Detail, "… and 980 more") {
		t.Fatalf("problems: %d, first %+v", len(probs), probs[0])
	}
}
