package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestNoChanges(t *testing.T) {
	p := mustPlan(t, baseConfig(), baseLive(), Options{})
	if p.HasChanges() || len(p.Operations) > 0 || len(p.TokenImpact) > 0 || len(p.RecordEdits) > 0 || len(p.Warnings) > 0 {
		t.Fatalf("want an empty plan, got changes %v ops %v impact %v edits %v warnings %v",
			changeLines(p.Changes), opLines(p.Operations), p.TokenImpact, p.RecordEdits, p.Warnings)
	}
	want := Unmanaged{Organizations: 1}
	if diff := cmp.Diff(want, p.Unmanaged); diff != "" {
		t.Errorf("unmanaged (-want +got):\n%s", diff)
	}
}

func TestNoPhantomDiffs(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*state.Config)
		live func(*state.Live)
	}{
		{"unsorted live sets", nil, func(l *state.Live) {
			l.Roles[1].PermissionIDs = []string{"ps-write", "ps-read"}
			l.Organizations[0].JIT.EmailDomains = []string{"ACME.COM"}
		}},
		{"email case", func(c *state.Config) {
			c.Organizations[0].Members[1] = member("BOB@acme.com", "editor")
			c.Organizations[0].Members[1].Value = "bob@acme.com"
		}, nil},
		{"custom_data key order and number form", func(c *state.Config) {
			c.Organizations[0].CustomData = map[string]any{"tier": "gold", "seats": 5.0}
		}, nil},
		{"unmanaged organization fields", func(c *state.Config) {
			o := &c.Organizations[0]
			o.Description, o.CustomData, o.MFARequired, o.JIT = nil, nil, nil, nil
		}, func(l *state.Live) { l.Organizations[0].MFARequired = true }},
		{"empty description is null", func(c *state.Config) {
			c.Organizations[0].Description = ptr("")
		}, func(l *state.Live) { l.Organizations[0].Description = "" }},
		{"default role type", func(c *state.Config) { c.Roles[2].Type = "" }, func(l *state.Live) { l.Roles[2].Type = "" }},
		{"member by username and by id", func(c *state.Config) {
			c.Organizations[0].Members = []state.Member{member("alice", "viewer"), member("id:u-bob", "editor")}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, live := fixture(tt.cfg, tt.live)
			p := mustPlan(t, cfg, live, Options{})
			if p.HasChanges() || len(p.Operations) > 0 {
				t.Fatalf("want no changes, got %v\n%v", changeLines(p.Changes), opLines(p.Operations))
			}
		})
	}
}

func TestChanges(t *testing.T) {
	tests := []struct {
		name        string
		cfg         func(*state.Config)
		live        func(*state.Live)
		opts        Options
		wantChanges []string
		wantOps     []string
	}{
		{
			name:        "permission description",
			cfg:         func(c *state.Config) { c.Permissions[1].Description = "Write" },
			wantChanges: []string{`update permission."write:x" description=null->"Write"`},
			wantOps:     []string{`1 update_permission {"permission":"ps-write","description":"Write"}`},
		},
		{
			name:        "permission description cleared",
			cfg:         func(c *state.Config) { c.Permissions[0].Description = "" },
			wantChanges: []string{`update permission."read:x" description="Read"->null`},
			wantOps:     []string{`1 update_permission {"permission":"ps-read","description":""}`},
		},
		{
			name: "permission create used by a role",
			cfg: func(c *state.Config) {
				c.Permissions = append(c.Permissions, state.Permission{Name: "z:new", Description: "New"})
				c.Roles[2].Permissions = []string{"read:x", "z:new"}
			},
			wantChanges: []string{
				`create permission."z:new" description=null->"New" name=null->"z:new"`,
				`update role.viewer permissions+[z:new]-[]`,
			},
			wantOps: []string{
				`1 create_permission {"name":"z:new","description":"New"}`,
				`2 set_role_permissions {"role":"r-viewer","permissions":["${permission:z:new}","ps-read"]}`,
			},
		},
		{
			name: "permission rename",
			cfg: func(c *state.Config) {
				c.Permissions[1] = state.Permission{Name: "x:write", PreviousNames: []string{"write:x"}}
				c.Roles[1].Permissions = []string{"read:x", "x:write"}
			},
			wantChanges: []string{`rename permission."x:write" name="write:x"->"x:write" (renamed_from)`},
			wantOps:     []string{`1 update_permission {"permission":"ps-write","name":"x:write"}`},
		},
		{
			name: "role create with API permissions",
			cfg: func(c *state.Config) {
				c.Roles = append(c.Roles, state.Role{Name: "zeta", Description: "Z", Type: state.RoleTypeUser,
					Permissions: []string{"write:x"}, APIPermissions: map[string][]string{api: {"write:reports", "read:reports"}}})
			},
			wantChanges: []string{`create role.zeta api_permissions+[https://api.acme.com read:reports https://api.acme.com write:reports]-[] description=null->"Z" name=null->"zeta" permissions+[write:x]-[] type=null->"User"`},
			wantOps:     []string{`2 create_role {"name":"zeta","description":"Z","type":"User","permissions":["ps-write"],"api_permissions":["rs-read","rs-write"]}`},
		},
		{
			name: "role update of every attribute",
			cfg: func(c *state.Config) {
				r := &c.Roles[2]
				r.Description, r.Type, r.Permissions = "Views", state.RoleTypeM2M, []string{"write:x"}
				r.APIPermissions = map[string][]string{api: {"read:reports"}}
			},
			wantChanges: []string{`update role.viewer api_permissions+[https://api.acme.com read:reports]-[] description=null->"Views" permissions+[write:x]-[read:x] type="User"->"MachineToMachine"`},
			wantOps: []string{
				`2 update_role {"role":"r-viewer","description":"Views","type":"MachineToMachine"}`,
				`2 set_role_permissions {"role":"r-viewer","permissions":["ps-write"]}`,
				`2 set_role_api_permissions {"role":"r-viewer","api_permissions":["rs-read"]}`,
			},
		},
		{
			name: "role rename",
			cfg: func(c *state.Config) {
				c.Roles[2] = state.Role{Name: "reader", Type: state.RoleTypeUser, Permissions: []string{"read:x"}, PreviousNames: []string{"viewer"}}
				c.Organizations[0].Members[0].Roles = []string{"reader"}
				c.Organizations[0].JIT.Roles = []string{"reader"}
			},
			wantChanges: []string{`rename role.reader name="viewer"->"reader" (renamed_from)`},
			wantOps:     []string{`2 update_role {"role":"r-viewer","name":"reader"}`},
		},
		{
			name: "organization attributes",
			cfg: func(c *state.Config) {
				o := &c.Organizations[0]
				o.Name, o.Description, o.MFARequired = "Acme Inc.", ptr(""), ptr(true)
				o.CustomData = map[string]any{"tier": "platinum"}
			},
			wantChanges: []string{`update organization.acme custom_data={"seats":5,"tier":"gold"}->{"tier":"platinum"} description="Acme's tenant"->null mfa_required=false->true name="Acme"->"Acme Inc."`},
			wantOps:     []string{`3 update_organization {"organization":"o-acme","name":"Acme Inc.","description":"","custom_data":{"tier":"platinum"},"mfa_required":true}`},
		},
		{
			name: "organization create with members, applications and JIT",
			cfg: func(c *state.Config) {
				c.Organizations = append(c.Organizations, state.Organization{
					Address: "organization.beta", Key: "beta", Name: "Beta", Description: ptr("B"),
					Members:      []state.Member{member("alice@acme.com", "viewer"), member("carol", "editor", "viewer"), member("id:u-dave", "viewer")},
					Applications: []state.Application{{Label: "ops-bot", Kind: state.RefName, Value: "ops-bot", Roles: []string{"bot"}}},
					JIT:          &state.JIT{EmailDomains: []string{"Beta.io"}},
				})
			},
			wantChanges: []string{
				`create organization.beta description=null->"B" name=null->"Beta"`,
				`create organization.beta.application."ops-bot" roles+[bot]-[]`,
				`create organization.beta.member."alice@acme.com" roles+[viewer]-[]`,
				`create organization.beta.member."id:u-dave" roles+[viewer]-[]`,
				`create organization.beta.member.carol roles+[editor viewer]-[]`,
				`create organization.beta.jit email_domains+[beta.io]-[]`,
			},
			wantOps: []string{
				`3 create_organization {"name":"Beta","description":"B"}`,
				`4 add_members {"organization":"${org:organization.beta}","users":["u-alice","u-carol","u-dave"]}`,
				`4 add_applications {"organization":"${org:organization.beta}","applications":["app-ops"]}`,
				`5 assign_member_roles {"organization":"${org:organization.beta}","users":["u-carol"],"roles":["r-editor","r-viewer"]}`,
				`5 assign_member_roles {"organization":"${org:organization.beta}","users":["u-alice","u-dave"],"roles":["r-viewer"]}`,
				`5 assign_application_roles {"organization":"${org:organization.beta}","applications":["app-ops"],"roles":["r-bot"]}`,
				`5 set_jit_email_domains {"organization":"${org:organization.beta}","email_domains":["beta.io"]}`,
			},
		},
		{
			name: "member role additions are grouped, removals replace",
			cfg: func(c *state.Config) {
				o := &c.Organizations[0]
				o.Members = []state.Member{member("alice@acme.com", "editor", "viewer"), member("bob@acme.com", "viewer"),
					member("carol@acme.com", "editor")}
			},
			wantChanges: []string{
				`create organization.acme.member."carol@acme.com" roles+[editor]-[]`,
				`update organization.acme.member."alice@acme.com" roles+[editor]-[]`,
				`update organization.acme.member."bob@acme.com" roles+[viewer]-[editor]`,
			},
			wantOps: []string{
				`4 add_members {"organization":"o-acme","users":["u-carol"]}`,
				`5 assign_member_roles {"organization":"o-acme","users":["u-alice","u-carol"],"roles":["r-editor"]}`,
				`5 set_member_roles {"organization":"o-acme","user":"u-bob","roles":["r-viewer"]}`,
			},
		},
		{
			name:        "member loses every role",
			cfg:         func(c *state.Config) { c.Organizations[0].Members[1].Roles = nil },
			wantChanges: []string{`update organization.acme.member."bob@acme.com" roles+[]-[editor]`},
			wantOps:     []string{`5 set_member_roles {"organization":"o-acme","user":"u-bob","roles":[]}`},
		},
		{
			name: "application roles",
			cfg: func(c *state.Config) {
				c.Roles = append(c.Roles, state.Role{Name: "deployer", Type: state.RoleTypeM2M})
				c.Organizations[0].Applications[0].Roles = []string{"deployer"}
			},
			live: func(l *state.Live) {
				l.Roles = append(l.Roles, state.LiveRole{ID: "r-deployer", Name: "deployer", Type: state.RoleTypeM2M})
				l.Record.Roles = append(l.Record.Roles, "r-deployer")
			},
			wantChanges: []string{`update organization.acme.application."ci-bot" roles+[deployer]-[bot]`},
			wantOps: []string{
				`5 assign_application_roles {"organization":"o-acme","applications":["app-ci"],"roles":["r-deployer"]}`,
				`5 remove_application_role {"organization":"o-acme","application":"app-ci","role":"r-bot"}`,
			},
		},
		{
			name: "application by id",
			cfg: func(c *state.Config) {
				c.Organizations[0].Applications = append(c.Organizations[0].Applications,
					state.Application{Label: "id:app-ops", Kind: state.RefID, Value: "app-ops", Roles: []string{"bot"}})
			},
			wantChanges: []string{`create organization.acme.application."id:app-ops" roles+[bot]-[]`},
			wantOps: []string{
				`4 add_applications {"organization":"o-acme","applications":["app-ops"]}`,
				`5 assign_application_roles {"organization":"o-acme","applications":["app-ops"],"roles":["r-bot"]}`,
			},
		},
		{
			name: "JIT",
			cfg: func(c *state.Config) {
				c.Organizations[0].JIT = &state.JIT{EmailDomains: []string{"acme.io"}, Roles: []string{"editor"}}
			},
			wantChanges: []string{`update organization.acme.jit email_domains+[acme.io]-[acme.com] roles+[editor]-[viewer]`},
			wantOps: []string{
				`5 set_jit_email_domains {"organization":"o-acme","email_domains":["acme.io"]}`,
				`5 set_jit_roles {"organization":"o-acme","roles":["r-editor"]}`,
			},
		},
		{
			name: "deletes in reverse dependency order",
			cfg: func(c *state.Config) {
				c.Permissions = c.Permissions[:1]
				c.Roles = []state.Role{c.Roles[0], c.Roles[2]}
				c.Roles[1].Permissions = []string{"read:x"}
				c.Organizations[0].Members = c.Organizations[0].Members[:1]
				c.Organizations[0].Applications = nil
				c.Organizations[0].JIT = nil
			},
			live: func(l *state.Live) {
				l.Record.Organizations = append(l.Record.Organizations, "o-other")
				l.Record.Addresses["o-other"] = "organization.other"
				l.Organizations = append(l.Organizations, state.LiveOrganization{ID: "o-third", Name: "Third", Loaded: true})
				l.Record.Organizations = append(l.Record.Organizations, "o-third", "o-fourth")
				l.Organizations = append(l.Organizations, state.LiveOrganization{ID: "o-fourth", Name: "Fourth", Loaded: true})
				l.Record.Members["o-acme"] = append(l.Record.Members["o-acme"], "u-carol")
				l.Organizations[0].Members = append(l.Organizations[0].Members, state.LiveMember{UserID: "u-carol"})
			},
			opts: Options{AllowMassDelete: true},
			wantChanges: []string{
				`delete organization.acme.application."ci-bot" (not_in_config)`,
				`delete organization.acme.member."Bob@Acme.com" (not_in_config)`,
				`delete organization.acme.member."carol@acme.com" (not_in_config)`,
				`delete organization.Fourth (not_in_config)`,
				`delete organization.Third (not_in_config)`,
				`delete organization.other (not_in_config)`,
				`delete role.editor (not_in_config)`,
				`delete permission."write:x" (not_in_config)`,
			},
			wantOps: []string{
				`6 remove_application {"organization":"o-acme","application":"app-ci"}`,
				`6 remove_member {"organization":"o-acme","user":"u-bob"}`,
				`6 remove_member {"organization":"o-acme","user":"u-carol"}`,
				`7 delete_organization {"organization":"o-fourth"}`,
				`7 delete_organization {"organization":"o-third"}`,
				`7 delete_organization {"organization":"o-other"}`,
				`8 delete_role {"role":"r-editor","name":"editor"}`,
				`9 delete_permission {"permission":"ps-write","name":"write:x"}`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, live := fixture(tt.cfg, tt.live)
			p := mustPlan(t, cfg, live, tt.opts)
			if diff := cmp.Diff(tt.wantChanges, changeLines(p.Changes)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOps, opLines(p.Operations)); diff != "" {
				t.Errorf("operations (-want +got):\n%s", diff)
			}
			for i, o := range p.Operations {
				if i > 0 && o.Stage < p.Operations[i-1].Stage {
					t.Errorf("operation %d (%s) is out of stage order", i, o)
				}
				if isEmptyUpdate(o.Params) {
					t.Errorf("update without a field: %s", o)
				}
			}
		})
	}
}

// isEmptyUpdate reports an update that would send an empty PATCH (Logto
// refuses those).
func isEmptyUpdate(p Params) bool {
	switch u := p.(type) {
	case UpdatePermission:
		return u.Name == nil && u.Description == nil
	case UpdateRole:
		return u.Name == nil && u.Description == nil && u.Type == nil
	case UpdateOrganization:
		return u.Name == nil && u.Description == nil && u.CustomData == nil && u.MFARequired == nil
	}
	return false
}
