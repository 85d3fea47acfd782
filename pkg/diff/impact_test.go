package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/orgsync/orgsync/pkg/state"
)

// impactLines renders impacts as "kind permission [resource] via role: orgs users apps lag".
func impactLines(im []Impact) []string {
	out := make([]string, 0, len(im))
	for _, i := range im {
		s := i.Kind + " " + i.Permission
		if i.Resource != nil {
			s += " @" + *i.Resource
		}
		s += fmt.Sprintf(" via %s: orgs=%s users=%s", i.Role, strings.Join(i.Organizations, ","), strings.Join(i.Users, ","))
		if len(i.Applications) > 0 {
			s += " apps=" + strings.Join(i.Applications, ",")
		}
		if i.MaxLagSeconds > 0 {
			s += fmt.Sprintf(" lag=%d", i.MaxLagSeconds)
		}
		if i.UserCount != len(i.Users) || i.AppCount != len(i.Applications) {
			s += " BAD-COUNTS"
		}
		out = append(out, s)
	}
	return out
}

func TestTokenImpact(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*state.Config)
		live func(*state.Live)
		opts Options
		want []string
	}{
		{
			name: "no scope change, no impact",
			cfg: func(c *state.Config) {
				c.Roles[2].Description = "x"
				c.Permissions[0].Description = "y"
				c.Organizations[0].Name = "Acme 2"
			},
		},
		{
			name: "existing permission added to a role: refresh, also in undeclared organizations",
			cfg:  func(c *state.Config) { c.Roles[2].Permissions = []string{"read:x", "write:x"} },
			want: []string{"refresh write:x via viewer: orgs=Acme,Other users=u-alice"},
		},
		{
			name: "existing permission orgsync created a month ago: grants before it lack it, reconsent",
			cfg:  func(c *state.Config) { c.Roles[2].Permissions = []string{"read:x", "write:x"} },
			live: func(l *state.Live) { l.Record.PermissionSince["ps-write"] = testNow.AddDate(0, -1, 0).UnixMilli() },
			want: []string{"reconsent write:x via viewer: orgs=Acme,Other users=u-alice"},
		},
		{
			name: "existing permission orgsync never recorded a time for: reconsent",
			cfg:  func(c *state.Config) { c.Roles[2].Permissions = []string{"read:x", "write:x"} },
			live: func(l *state.Live) { delete(l.Record.PermissionSince, "ps-write") },
			want: []string{"reconsent write:x via viewer: orgs=Acme,Other users=u-alice"},
		},
		{
			name: "new permission: reconsent for users, refresh for applications",
			cfg: func(c *state.Config) {
				c.Permissions = append(c.Permissions, state.Permission{Name: "z:new"})
				c.Roles[2].Permissions = []string{"read:x", "z:new"}
				c.Roles[0].Permissions = []string{"read:x", "z:new"}
			},
			want: []string{
				"reconsent z:new via viewer: orgs=Acme,Other users=u-alice",
				"refresh z:new via bot: orgs=Acme users= apps=app-ci",
			},
		},
		{
			name: "renamed permission",
			cfg: func(c *state.Config) {
				c.Permissions[0] = state.Permission{Name: "r:x", Description: "Read", PreviousNames: []string{"read:x"}}
				for i := range c.Roles {
					c.Roles[i].Permissions[0] = "r:x"
				}
			},
			want: []string{
				"reconsent r:x via editor: orgs=Acme users=u-bob",
				"reconsent r:x via viewer: orgs=Acme,Other users=u-alice",
				"refresh r:x via bot: orgs=Acme users= apps=app-ci",
				"revocation_lag read:x via bot: orgs=Acme users= apps=app-ci lag=3600",
				"revocation_lag read:x via editor: orgs=Acme users=u-bob lag=3600",
				"revocation_lag read:x via viewer: orgs=Acme,Other users=u-alice lag=3600",
			},
		},
		{
			name: "API permissions: reconsent for users, refresh for applications",
			cfg: func(c *state.Config) {
				c.Roles[1].APIPermissions = map[string][]string{api: {"read:reports", "write:reports"}}
				c.Roles[0].APIPermissions = map[string][]string{api: {"read:reports"}}
			},
			want: []string{
				"reconsent write:reports @https://api.acme.com via editor: orgs=Acme users=u-bob",
				"refresh read:reports @https://api.acme.com via bot: orgs=Acme users= apps=app-ci",
			},
		},
		{
			name: "lost API permission lags for the resource's token lifetime",
			cfg:  func(c *state.Config) { c.Roles[1].APIPermissions = nil },
			want: []string{"revocation_lag read:reports @https://api.acme.com via editor: orgs=Acme users=u-bob lag=600"},
		},
		{
			name: "permission removed from a role, custom token lifetime",
			cfg:  func(c *state.Config) { c.Roles[1].Permissions = []string{"read:x"} },
			opts: Options{TokenTTL: 900},
			want: []string{"revocation_lag write:x via editor: orgs=Acme users=u-bob lag=900"},
		},
		{
			name: "role deleted",
			cfg: func(c *state.Config) {
				c.Roles = c.Roles[:2]
				c.Organizations[0].Members[0].Roles = nil
				c.Organizations[0].JIT.Roles = nil
			},
			want: []string{"revocation_lag read:x via viewer: orgs=Acme,Other users=u-alice lag=3600"},
		},
		{
			name: "member removed",
			cfg:  func(c *state.Config) { c.Organizations[0].Members = c.Organizations[0].Members[:1] },
			want: []string{
				"revocation_lag read:x via editor: orgs=Acme users=u-bob lag=3600",
				"revocation_lag write:x via editor: orgs=Acme users=u-bob lag=3600",
				"revocation_lag read:reports @https://api.acme.com via editor: orgs=Acme users=u-bob lag=600",
			},
		},
		{
			name: "role removed from a member, another added",
			cfg:  func(c *state.Config) { c.Organizations[0].Members[1].Roles = []string{"viewer"} },
			want: []string{
				"revocation_lag write:x via editor: orgs=Acme users=u-bob lag=3600",
				"revocation_lag read:reports @https://api.acme.com via editor: orgs=Acme users=u-bob lag=600",
			},
		},
		{
			name: "new members and a new organization",
			cfg: func(c *state.Config) {
				c.Organizations[0].Members = append(c.Organizations[0].Members, member("carol", "viewer"))
				c.Organizations = append(c.Organizations, state.Organization{Address: "organization.beta", Key: "beta", Name: "Beta",
					Members:      []state.Member{member("dave", "viewer")},
					Applications: []state.Application{{Label: "ops-bot", Kind: state.RefName, Value: "ops-bot", Roles: []string{"bot"}}}})
			},
			want: []string{
				"refresh read:x via bot: orgs=Beta users= apps=app-ops",
				"refresh read:x via viewer: orgs=Acme,Beta users=u-carol,u-dave",
			},
		},
		{
			name: "organization deleted",
			cfg:  func(c *state.Config) { c.Organizations = nil },
			live: func(l *state.Live) {
				l.Record.Organizations = append(l.Record.Organizations, "o-x", "o-y")
				l.Organizations = append(l.Organizations, state.LiveOrganization{ID: "o-x", Name: "X"}, state.LiveOrganization{ID: "o-y", Name: "Y"})
			},
			opts: Options{AllowMassDelete: true},
			want: []string{
				"revocation_lag read:x via bot: orgs=Acme users= apps=app-ci lag=3600",
				"revocation_lag read:x via editor: orgs=Acme users=u-bob lag=3600",
				"revocation_lag read:x via viewer: orgs=Acme users=u-alice lag=3600",
				"revocation_lag write:x via editor: orgs=Acme users=u-bob lag=3600",
				"revocation_lag read:reports @https://api.acme.com via editor: orgs=Acme users=u-bob lag=600",
			},
		},
		{
			name: "permission deleted",
			cfg: func(c *state.Config) {
				c.Permissions = c.Permissions[:1]
				c.Roles[1].Permissions = []string{"read:x"}
			},
			want: []string{"revocation_lag write:x via editor: orgs=Acme users=u-bob lag=3600"},
		},
		{
			name: "lexicographically first role",
			cfg: func(c *state.Config) {
				c.Roles = append(c.Roles, state.Role{Name: "admin", Permissions: []string{"write:x"}})
				c.Organizations[0].Members[0].Roles = []string{"admin", "editor", "viewer"}
			},
			want: []string{
				"reconsent read:reports @https://api.acme.com via editor: orgs=Acme users=u-alice",
				"refresh write:x via admin: orgs=Acme users=u-alice",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, live := fixture(tt.cfg, tt.live)
			p := mustPlan(t, cfg, live, tt.opts)
			if diff := cmp.Diff(tt.want, impactLines(p.TokenImpact), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("impact (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenImpactPerOrganization(t *testing.T) {
	cfg := baseConfig()
	cfg.Roles[2].Permissions = []string{"read:x", "write:x"}
	p := mustPlan(t, cfg, baseLive(), Options{ImpactDetail: true})
	want := []Impact{{
		Kind: ImpactRefresh, Permission: "write:x", Role: "viewer",
		Organizations: []string{"Acme", "Other"}, Users: []string{"u-alice"}, UserCount: 1,
		PerOrganization: []*OrgSubjects{
			{OrganizationID: "o-acme", OrganizationName: "Acme", Users: []string{"u-alice"}, UserCauses: NewCauses(map[string]string{"u-alice": CauseRolePermissions})},
			{OrganizationID: "o-other", OrganizationName: "Other", Users: []string{"u-alice"}, UserCauses: NewCauses(map[string]string{"u-alice": CauseRolePermissions})},
		},
		Subjects: []*Subject{{Type: "user", ID: "u-alice", Email: "alice@acme.com", Username: "alice"}},
	}}
	if diff := cmp.Diff(want, p.TokenImpact); diff != "" {
		t.Errorf("impact (-want +got):\n%s", diff)
	}
}

// Without Options.ImpactDetail the token impact is the same but for its
// subjects per organization, which are left out.
func TestTokenImpactWithoutDetail(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		c.Permissions = append(c.Permissions, state.Permission{Name: "z:new"})
		c.Roles[2].Permissions = []string{"read:x", "write:x", "z:new"}
		c.Roles[0].Permissions = []string{"z:new"}
		c.Organizations[0].Members = append(c.Organizations[0].Members, member("carol@acme.com", "viewer"))
	}, nil)
	detailed := mustPlan(t, cfg, live, Options{ImpactDetail: true}).TokenImpact
	plain := mustPlan(t, cfg, live, Options{}).TokenImpact
	if len(detailed) < 3 {
		t.Fatalf("the fixture has %d impacts; want several", len(detailed))
	}
	for i := range detailed {
		if len(detailed[i].PerOrganization) == 0 {
			t.Errorf("impact %d: no subjects per organization with ImpactDetail", i)
		}
		detailed[i].PerOrganization = nil
	}
	if diff := cmp.Diff(detailed, plain); diff != "" {
		t.Errorf("impact without detail (-detailed without PerOrganization +plain):\n%s", diff)
	}
}

// ImpactOf of every operation is the plan's token impact, and of none is
// nothing: the planner it keeps holds what the impact needs.
func TestImpactOf(t *testing.T) {
	cfg := baseConfig()
	cfg.Roles[2].Permissions = []string{"read:x", "write:x"}
	cfg.Organizations[0].Members = cfg.Organizations[0].Members[:1]
	p := mustPlan(t, cfg, baseLive(), Options{ImpactDetail: true})
	if len(p.TokenImpact) == 0 || len(p.Operations) < 2 {
		t.Fatalf("the fixture plans %d operations with %d impacts; want some of both", len(p.Operations), len(p.TokenImpact))
	}
	all, ok := p.ImpactOf(func(int) bool { return true })
	if !ok {
		t.Fatal("ImpactOf of a computed plan is not known")
	}
	if diff := cmp.Diff(p.TokenImpact, all); diff != "" {
		t.Errorf("impact of every operation (-plan +ImpactOf):\n%s", diff)
	}
	none, _ := p.ImpactOf(func(int) bool { return false })
	if len(none) != 0 {
		t.Errorf("impact of no operation: %d entries, want none", len(none))
	}
}

func TestAffectedRoles(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*state.Config)
		want []string
	}{
		{"nothing changes", nil, nil},
		{"description only", func(c *state.Config) { c.Roles[0].Description = "d" }, nil},
		{"permission set", func(c *state.Config) { c.Roles[2].Permissions = []string{"write:x"} }, []string{"r-viewer"}},
		{"API permission set", func(c *state.Config) { c.Roles[1].APIPermissions = nil }, []string{"r-editor"}},
		{"renamed permission affects every holder", func(c *state.Config) {
			c.Permissions[1] = state.Permission{Name: "w", PreviousNames: []string{"write:x"}}
			c.Roles[1].Permissions = []string{"read:x", "w"}
		}, []string{"r-editor"}},
		{"deleted role", func(c *state.Config) { c.Roles = c.Roles[1:] }, []string{"r-bot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			if diff := cmp.Diff(tt.want, AffectedRoles(cfg, baseLive()), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("AffectedRoles (-want +got):\n%s", diff)
			}
		})
	}
}

// A subjectSet compacts as it grows and returns each subject once, sorted
// by name (not by interned id); equal sets share one list of names.
func TestSubjectSet(t *testing.T) {
	var names interned
	names.id("u999") // interned first: ids are not in name order
	var s, same subjectSet
	want := map[string]bool{}
	for i := range 1000 {
		ids := []string{fmt.Sprintf("u%03d", i%137), fmt.Sprintf("u%03d", (i*7)%251)}
		s.add(&names, ids...)
		same.add(&names, ids[1], ids[0])
		for _, id := range ids {
			want[id] = true
		}
		if len(s.ids) > 2*len(want)+64+len(ids) {
			t.Fatalf("after %d additions the set holds %d ids for %d subjects", i+1, len(s.ids), len(want))
		}
	}
	lists := sharedLists{}
	got := lists.of(&names, &s)
	if diff := cmp.Diff(sortedKeys(want), got); diff != "" {
		t.Errorf("subjects (-want +got):\n%s", diff)
	}
	if again := lists.of(&names, &same); &again[0] != &got[0] {
		t.Error("an equal set got a list of its own")
	}
	var empty subjectSet
	if l := lists.of(&names, &empty); l == nil || len(l) != 0 {
		t.Errorf("an empty set gives %#v, want an empty list", l)
	}
}

// The token impact files a bulk call under its organization without making
// its model changes: every change opModelChanges makes of it is in
// bulkOrganization's organization.
func TestBulkOrganization(t *testing.T) {
	for _, params := range []Params{
		AddMembers{Organization: "o1", Users: []string{"u1", "u2"}},
		AddApplications{Organization: "o2", Applications: []string{"a1"}},
		AssignMemberRoles{Organization: "o3", Users: []string{"u1"}, Roles: []Ref{"r1"}},
		AssignApplicationRoles{Organization: "o4", Applications: []string{"a1"}, Roles: []Ref{"r2"}},
	} {
		op := Operation{Params: params}
		org := bulkOrganization(op)
		changes := opModelChanges(op)
		if org == "" || len(changes) == 0 {
			t.Fatalf("%T: organization %q, %d model changes", params, org, len(changes))
		}
		for _, e := range changes {
			if e.orgScope() != org {
				t.Errorf("%T: a model change in %q, bulkOrganization says %q", params, e.orgScope(), org)
			}
		}
	}
	if org := bulkOrganization(Operation{Params: CreateOrganization{Name: "x"}}); org != "" {
		t.Errorf("a create is filed under %q", org)
	}
}

// Impacts reaching the same subjects in the same organizations (every
// permission a role gains reaches its holders) share one list of users,
// of organization names and of Subjects; different sets do not, and every
// impact naming a user shares its one Subject.
func TestImpactsShareTheirLists(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		c.Permissions = append(c.Permissions, state.Permission{Name: "x:new"}, state.Permission{Name: "y:new"}, state.Permission{Name: "z:new"})
		c.Roles[2].Permissions = []string{"read:x", "x:new", "y:new", "z:new"}
		c.Roles[1].Permissions = append(c.Roles[1].Permissions, "z:new")
		for i, m := range c.Organizations[0].Members {
			if m.Label == "bob@acme.com" { // an editor and a viewer
				c.Organizations[0].Members[i] = member(m.Label, "editor", "viewer")
			}
		}
	}, nil)
	p := mustPlan(t, cfg, live, Options{})
	var equal, different int
	named := map[string]*Subject{}
	lists := map[string]int{} // by user, the impacts naming it
	for i, a := range p.TokenImpact {
		for _, s := range a.Subjects {
			if v, ok := named[s.ID]; ok && v != s {
				t.Errorf("user %s is named by two Subjects", s.ID)
			}
			named[s.ID] = s
		}
		for _, b := range p.TokenImpact[i+1:] {
			if len(a.Users) == 0 || len(b.Users) == 0 {
				continue
			}
			same := &a.Users[0] == &b.Users[0]
			switch {
			case slices.Equal(a.Users, b.Users) && slices.Equal(a.Organizations, b.Organizations):
				equal++
				if !same || &a.Organizations[0] != &b.Organizations[0] || &a.Subjects[0] != &b.Subjects[0] {
					t.Errorf("%s and %s reach the same users %v but hold lists of their own", a.Permission, b.Permission, a.Users)
				}
			case !slices.Equal(a.Users, b.Users):
				different++
				if same {
					t.Errorf("%s (%v) and %s (%v) share one list", a.Permission, a.Users, b.Permission, b.Users)
				}
			}
		}
	}
	for _, im := range p.TokenImpact {
		for _, s := range im.Subjects {
			lists[s.ID]++
		}
	}
	if equal == 0 || different == 0 || lists["u-bob"] < 2 {
		t.Fatalf("the fixture gives %d pairs of equal and %d of different user sets, u-bob in %d impacts: the checks prove nothing",
			equal, different, lists["u-bob"])
	}
}
