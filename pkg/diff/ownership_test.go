package diff

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestOwnership(t *testing.T) {
	tests := []struct {
		name          string
		cfg           func(*state.Config)
		live          func(*state.Live)
		opts          Options
		wantChanges   []string
		wantUnmanaged Unmanaged
		wantEdits     []RecordEdit
	}{
		{
			name:          "unmanaged objects are left alone",
			live:          func(l *state.Live) { addStrays(l) },
			wantUnmanaged: Unmanaged{Permissions: []string{"stray:p"}, Roles: []string{"stray"}, Organizations: 2, Members: 1, Applications: 1},
		},
		{
			name: "exclusive kinds delete unmanaged objects",
			cfg: func(c *state.Config) {
				c.Settings.ExclusivePermissions, c.Settings.ExclusiveRoles, c.Settings.ExclusiveOrganizations = true, true, true
			},
			live: func(l *state.Live) { addStrays(l) },
			opts: Options{AllowMassDelete: true},
			wantChanges: []string{
				`delete organization.Other (exclusive)`,
				`delete organization.Stray (exclusive)`,
				`delete role.stray (exclusive)`,
				`delete permission."stray:p" (exclusive)`,
			},
			wantUnmanaged: Unmanaged{Members: 1, Applications: 1},
		},
		{
			name: "exclusive_members removes every undeclared member",
			cfg:  func(c *state.Config) { c.Organizations[0].ExclusiveMembers = true },
			live: func(l *state.Live) { addStrays(l) },
			opts: Options{AllowMassDelete: true},
			wantChanges: []string{
				`delete organization.acme.application."ops-bot" (exclusive)`,
				`delete organization.acme.member."carol@acme.com" (exclusive)`,
			},
			wantUnmanaged: Unmanaged{Permissions: []string{"stray:p"}, Roles: []string{"stray"}, Organizations: 2},
		},
		{
			name: "without exclusive_members only dropped managed members go",
			cfg:  func(c *state.Config) { c.Organizations[0].Members = c.Organizations[0].Members[1:] },
			live: func(l *state.Live) {
				addStrays(l)
				l.Record.Members["o-acme"] = append(l.Record.Members["o-acme"], "u-x1", "u-x2")
			},
			wantChanges:   []string{`delete organization.acme.member."alice@acme.com" (not_in_config)`},
			wantUnmanaged: Unmanaged{Permissions: []string{"stray:p"}, Roles: []string{"stray"}, Organizations: 2, Members: 1, Applications: 1},
			wantEdits: []RecordEdit{
				{Kind: KindMember, ID: "u-x1", Org: "o-acme", Remove: true},
				{Kind: KindMember, ID: "u-x2", Org: "o-acme", Remove: true},
			},
		},
		{
			name: "adoption of matched objects",
			live: func(l *state.Live) { l.Record = state.Record{} },
			wantEdits: []RecordEdit{
				{Kind: KindPermission, ID: "ps-read", Address: `permission."read:x"`},
				{Kind: KindPermission, ID: "ps-write", Address: `permission."write:x"`},
				{Kind: KindRole, ID: "r-bot", Address: "role.bot"},
				{Kind: KindRole, ID: "r-editor", Address: "role.editor"},
				{Kind: KindRole, ID: "r-viewer", Address: "role.viewer"},
				{Kind: KindOrganization, ID: "o-acme", Address: "organization.acme"},
				{Kind: KindMember, ID: "u-alice", Org: "o-acme", Address: `organization.acme.member."alice@acme.com"`},
				{Kind: KindMember, ID: "u-bob", Org: "o-acme", Address: `organization.acme.member."bob@acme.com"`},
				{Kind: KindApplication, ID: "app-ci", Org: "o-acme", Address: `organization.acme.application."ci-bot"`},
			},
			wantUnmanaged: Unmanaged{Organizations: 1},
		},
		{
			name: "record cleanup of vanished objects",
			live: func(l *state.Live) {
				l.Record.Permissions = append(l.Record.Permissions, "ps-gone")
				l.Record.Roles = append(l.Record.Roles, "r-gone")
				l.Record.Organizations = append(l.Record.Organizations, "o-gone")
				l.Record.Addresses["o-gone"] = "organization.gone"
				l.Record.PreventDestroy = []string{"o-gone"}
				l.Record.Applications["o-gone2"] = []string{"app-ci"}
			},
			wantUnmanaged: Unmanaged{Organizations: 1},
			wantEdits: []RecordEdit{
				{Kind: KindPermission, ID: "ps-gone", Remove: true},
				{Kind: KindRole, ID: "r-gone", Remove: true},
				{Kind: KindOrganization, ID: "o-gone", Remove: true, Address: "organization.gone"},
				{Kind: KindOrganization, ID: "o-gone2", Remove: true},
				{Kind: RecordPreventDestroy, ID: "o-gone", Remove: true, Address: "organization.gone"},
			},
		},
		{
			name: "declared prevent_destroy is recorded",
			cfg: func(c *state.Config) {
				c.Organizations[0].PreventDestroy = true
				c.Roles[0].PreventDestroy = true
			},
			wantUnmanaged: Unmanaged{Organizations: 1},
			wantEdits: []RecordEdit{
				{Kind: RecordPreventDestroy, ID: "r-bot", Address: "role.bot"},
				{Kind: RecordPreventDestroy, ID: "o-acme", Address: "organization.acme"},
			},
		},
		{
			name: "a declared block without prevent_destroy keeps the recorded mark",
			live: func(l *state.Live) {
				l.Record.PreventDestroy = []string{"o-acme"}
			},
			wantUnmanaged: Unmanaged{Organizations: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, live := fixture(tt.cfg, tt.live)
			p := mustPlan(t, cfg, live, tt.opts)
			if diff := cmp.Diff(tt.wantChanges, changeLines(p.Changes), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUnmanaged, p.Unmanaged); diff != "" {
				t.Errorf("unmanaged (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantEdits, p.RecordEdits, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("record edits (-want +got):\n%s", diff)
			}
			if len(tt.wantChanges) == 0 && p.HasChanges() {
				t.Errorf("HasChanges is true for a plan without changes")
			}
		})
	}
}

// addStrays adds objects orgsync never managed.
func addStrays(l *state.Live) {
	l.Permissions = append(l.Permissions, state.LivePermission{ID: "ps-stray", Name: "stray:p"})
	l.Roles = append(l.Roles, state.LiveRole{ID: "r-stray", Name: "stray"})
	l.Organizations = append(l.Organizations, state.LiveOrganization{ID: "o-stray", Name: "Stray"})
	l.Organizations[0].Members = append(l.Organizations[0].Members, state.LiveMember{UserID: "u-carol"})
	l.Organizations[0].Applications = append(l.Organizations[0].Applications, state.LiveApplication{AppID: "app-ops"})
}

func TestCreatesCarryRefsAndRecordEdits(t *testing.T) {
	cfg := baseConfig()
	cfg.Permissions = append(cfg.Permissions, state.Permission{Name: "z:new", PreventDestroy: true})
	cfg.Roles = append(cfg.Roles, state.Role{Name: "zeta", Permissions: []string{"z:new"}})
	cfg.Organizations = append(cfg.Organizations, state.Organization{Address: "organization.z", Key: "z", Name: "Acme",
		Members: []state.Member{member("carol", "zeta")}})
	p := mustPlan(t, cfg, baseLive(), Options{})
	byKind := map[OpKind]Operation{}
	for _, o := range p.Operations {
		byKind[o.Kind()] = o
	}
	perm := byKind[OpCreatePermission]
	if perm.Produces() != "permission:z:new" || perm.Params.(CreatePermission).Name != "z:new" {
		t.Errorf("permission create: %s", perm)
	}
	wantRec := []RecordEdit{{Kind: KindPermission, ID: "${permission:z:new}", Address: `permission."z:new"`},
		{Kind: RecordPreventDestroy, ID: "${permission:z:new}", Address: `permission."z:new"`}}
	if diff := cmp.Diff(wantRec, perm.RecordEdits()); diff != "" {
		t.Errorf("permission create record (-want +got):\n%s", diff)
	}
	role := byKind[OpCreateRole].Params.(CreateRole)
	if !cmp.Equal(role.Permissions, []Ref{"${permission:z:new}"}) {
		t.Errorf("role create permissions = %v", role.Permissions)
	}
	org := byKind[OpCreateOrganization]
	if got := org.Params.(CreateOrganization).SameName; !cmp.Equal(got, []string{"o-acme"}) {
		t.Errorf("organization create: same-name organizations %v, want [o-acme]", got)
	}
	if org.Produces() != "org:organization.z" {
		t.Errorf("organization produces %q", org.Produces())
	}
	join := byKind[OpAddMembers]
	if join.Params.(AddMembers).Organization != "${org:organization.z}" || !cmp.Equal(join.Covers, []string{"organization.z.member.carol"}) ||
		!cmp.Equal(join.RecordEdits(), []RecordEdit{{Kind: KindMember, ID: "u-carol", Org: "${org:organization.z}", Address: "organization.z.member.carol"}}) {
		t.Errorf("join: %s %+v", join, join.RecordEdits())
	}
	roles := byKind[OpAssignMemberRoles].Params.(AssignMemberRoles)
	if !cmp.Equal(roles.Roles, []Ref{"${role:zeta}"}) {
		t.Errorf("role assignment = %v", roles.Roles)
	}
	// Every reference is produced by an earlier stage.
	produced := map[string]int{}
	for _, o := range p.Operations {
		for _, r := range refsIn(o) {
			st, ok := produced[r]
			if !ok || st >= o.Stage {
				t.Errorf("%s uses ${%s} before it is produced", o, r)
			}
		}
		if o.Produces() != "" {
			produced[o.Produces()] = o.Stage
		}
	}
}

func refsIn(o Operation) []string {
	s := o.String()
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.Index(s[i:], "}")
		out = append(out, s[i+2:i+j])
		s = s[i+j:]
	}
}
