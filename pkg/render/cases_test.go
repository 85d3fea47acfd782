package render

import (
	"fmt"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/state"
)

func str(s string) *string { return &s }

// goldenCases are hand-built plans, one golden directory each under
// testdata/render/<name>.
var goldenCases = map[string]*diff.Plan{
	"mixed":      mixedPlan(),
	"no_changes": {Unmanaged: diff.Unmanaged{Organizations: 12, Roles: []string{"viewer"}}},
	"empty":      {},
	"rename_only": {Changes: []*diff.Change{{
		Address: `permission."invite:member"`, Kind: diff.KindPermission, Action: diff.Rename,
		ID: "scope_1", ChangeNotes: &diff.ChangeNotes{PreviousName: "member:invite", Reason: "renamed_from"},
		Before: map[string]any{"name": "member:invite", "description": "Invite"},
		After:  map[string]any{"name": "invite:member", "description": "Invite"},
		Attrs:  []diff.AttrChange{{Name: "name", Before: str(`"member:invite"`), After: str(`"invite:member"`)}},
	}}},
	"impact_incomplete": incompletePlan(),
}

// incompletePlan changes a role's permissions on a tenant whose other
// organizations were too many to read: no impact was found in what was
// read, and the plan must say the rest is unknown.
func incompletePlan() *diff.Plan {
	gap := &diff.ImpactGap{UnreadOrganizations: 19000, Requests: 19000, Budget: 1000}
	return &diff.Plan{
		Changes: []*diff.Change{{
			Address: "role.viewer", Kind: diff.KindRole, Action: diff.Update, ID: "role_1",
			Before: map[string]any{"name": "viewer", "permissions": []string{"read:docs"}},
			After:  map[string]any{"name": "viewer", "permissions": []string{"read:docs", "export:docs"}},
			Attrs:  []diff.AttrChange{{Name: "permissions", Added: []string{"export:docs"}, Kept: 1}},
		}},
		Warnings:  []string{gap.String()},
		ImpactGap: gap,
	}
}

// mixedPlan has every action, set and object diffs, deletes with reasons,
// warnings, unmanaged objects and all three token-impact kinds.
func mixedPlan() *diff.Plan {
	api := "https://api.acme.com"
	return &diff.Plan{
		Drift: []diff.Drift{
			{Address: `organization.acme.member."alice@acme.com"`, Kind: diff.KindMember, Action: diff.DriftDelete, ID: "u_alice", Planned: true},
			{Address: "organization.hooli", Kind: diff.KindOrganization, Action: diff.DriftUpdate, ID: "org_hoo",
				Attributes: []diff.DriftAttr{{Name: "description", Live: str(`"Hooli XYZ"`), Pending: true}}},
			{Address: "role.admin", Kind: diff.KindRole, Action: diff.DriftUpdate, ID: "role_1", Planned: true,
				Attributes: []diff.DriftAttr{{Name: "description", Applied: str(`"Full access"`), Live: str(`"Admins"`)}}},
		},
		LastApply: &state.LastApply{Version: "1.4.0", Commit: "1a2b3c4d5e6f7a8b9c0d", At: 1732975200000},
		Warnings: []string{
			`organization.acme.member."dave@acme.com": no Logto user has this email; skipped (missing_users = "skip")`,
			"the tenant has 2 organizations named \"Initech\"; organization.initech is pinned by id",
		},
		Changes: []*diff.Change{
			{
				Address: `permission."manage:billing"`, Kind: diff.KindPermission, Action: diff.Create,
				After: map[string]any{"name": "manage:billing", "description": "Manage billing"},
			},
			{
				Address: `permission."invite:member"`, Kind: diff.KindPermission, Action: diff.Rename,
				ID: "scope_1", ChangeNotes: &diff.ChangeNotes{PreviousName: "member:invite", Reason: "renamed_from"},
				Before: map[string]any{"name": "member:invite", "description": "Invite"},
				After:  map[string]any{"name": "invite:member", "description": "Invite people"},
				Attrs: []diff.AttrChange{
					{Name: "description", Before: str(`"Invite"`), After: str(`"Invite people"`)},
					{Name: "name", Before: str(`"member:invite"`), After: str(`"invite:member"`)},
				},
			},
			{
				Address: "role.admin", Kind: diff.KindRole, Action: diff.Update, ID: "role_1",
				Before: map[string]any{
					"name": "admin", "description": "Admins", "type": "User",
					"permissions":     []string{"invite:member", "read:members", "view:reports", "x:legacy"},
					"api_permissions": map[string]any{},
				},
				After: map[string]any{
					"name": "admin", "description": "Full access", "type": "User",
					"permissions":     []string{"invite:member", "manage:billing", "read:members", "view:reports"},
					"api_permissions": map[string]any{api: []string{"read:reports"}},
				},
				Attrs: []diff.AttrChange{
					{Name: "api_permissions", Before: str(`{}`), After: str(`{"https://api.acme.com":["read:reports"]}`), Classification: diff.ClassPending},
					{Name: "description", Before: str(`"Admins"`), After: str(`"Full access"`), Classification: diff.ClassDrift},
					{Name: "permissions", Set: true, Added: []string{"manage:billing"}, Removed: []string{"x:legacy"}, Kept: 3, Classification: diff.ClassPending},
				},
				ChangeNotes: &diff.ChangeNotes{Classification: diff.ClassBoth},
			},
			{
				Address: "role.automation", Kind: diff.KindRole, Action: diff.Create,
				After: map[string]any{
					"name": "automation", "description": nil, "type": "MachineToMachine",
					"permissions": []string{"read:members"}, "api_permissions": map[string]any{},
				},
			},
			{
				Address: "organization.acme", Kind: diff.KindOrganization, Action: diff.Update, ID: "org_acme",
				Before: map[string]any{
					"name": "Acme", "description": "Acme's tenant", "mfa_required": false,
					"custom_data": map[string]any{"tier": "free", "seats": 10, "flags": map[string]any{"beta": true}, "tags": []string{"a", "b"}},
				},
				After: map[string]any{
					"name": "Acme", "mfa_required": true,
					"custom_data": map[string]any{"tier": "enterprise", "seats": 10, "flags": map[string]any{"beta": false, "sso": true}, "region": "eu", "tags": []string{"a", "c"}},
				},
				Attrs: []diff.AttrChange{
					{
						Name:   "custom_data",
						Before: str(`{"flags":{"beta":true},"seats":10,"tags":["a","b"],"tier":"free"}`),
						After:  str(`{"flags":{"beta":false,"sso":true},"region":"eu","seats":10,"tags":["a","c"],"tier":"enterprise"}`),
					},
					{Name: "description", Before: str(`"Acme's tenant"`)},
					{Name: "mfa_required", Before: str(`false`), After: str(`true`)},
				},
			},
			{
				Address: `organization.customer["globex"]`, Kind: diff.KindOrganization, Action: diff.Create,
				After: map[string]any{
					"name": "Globex", "description": "Globex Corp.", "mfa_required": false,
					"custom_data": map[string]any{"tier": "pro", "limits": map[string]any{"seats": 25}},
				},
			},
			{
				Address: `organization.acme.member."alice@acme.com"`, Kind: diff.KindMember, Action: diff.Create,
				After: map[string]any{"user": "u_alice", "roles": []string{"admin"}}, ChangeNotes: &diff.ChangeNotes{Classification: diff.ClassDrift},
			},
			{
				Address: `organization.acme.member.bob`, Kind: diff.KindMember, Action: diff.Update, ID: "u_bob",
				Before: map[string]any{"user": "u_bob", "roles": []string{"member"}},
				After:  map[string]any{"user": "u_bob", "roles": []string{"admin", "member"}},
				Attrs:  []diff.AttrChange{{Name: "roles", Set: true, Added: []string{"admin"}, Kept: 1}},
			},
			{
				Address: `organization.acme.application."ci-bot"`, Kind: diff.KindApplication, Action: diff.Create,
				After: map[string]any{"application": "app_ci", "roles": []string{"automation"}},
			},
			{
				Address: "organization.acme.jit", Kind: diff.KindJIT, Action: diff.Update, ID: "org_acme",
				Before: map[string]any{"email_domains": []string{"acme.com"}, "roles": []string{"member"}},
				After:  map[string]any{"email_domains": []string{"acme.com", "acme.io"}, "roles": []string{"member"}},
				Attrs:  []diff.AttrChange{{Name: "email_domains", Set: true, Added: []string{"acme.io"}, Kept: 1}},
			},
			{
				Address: `organization.acme.member."carol@acme.com"`, Kind: diff.KindMember, Action: diff.Delete,
				ID: "u_carol", ChangeNotes: &diff.ChangeNotes{Reason: "not_in_config"},
				Before: map[string]any{"user": "u_carol", "roles": []string{"member"}},
			},
			{
				Address: "role.legacy", Kind: diff.KindRole, Action: diff.Delete, ID: "role_9", ChangeNotes: &diff.ChangeNotes{Reason: "exclusive"},
				Before: map[string]any{"name": "legacy", "description": "", "type": "User", "permissions": []string{}},
			},
			{
				Address: `permission."x:legacy"`, Kind: diff.KindPermission, Action: diff.Delete, ID: "scope_9",
				ChangeNotes: &diff.ChangeNotes{Reason: "exclusive"},
				Before:      map[string]any{"name": "x:legacy", "description": "Old scope"},
			},
		},
		Operations: []diff.Operation{
			{Stage: 1, Address: `permission."manage:billing"`, Params: diff.CreatePermission{Name: "manage:billing", Description: "Manage billing"}},
			{Stage: 1, Address: `permission."invite:member"`, Params: diff.UpdatePermission{Permission: "scope_1", Name: ptr("invite:member"), Description: ptr("Invite people")}},
			{Stage: 2, Address: "role.admin", Params: diff.SetRolePermissions{Role: "role_1", Permissions: []diff.Ref{"scope_1", "${permission:manage:billing}"}}},
			{Stage: 9, Address: `permission."x:legacy"`, Params: diff.DeletePermission{Permission: "scope_9", Name: "x:legacy"}},
		},
		TokenImpact: []diff.Impact{
			{
				Kind: diff.ImpactRevocationLag, Permission: "x:legacy", Role: "admin",
				Organizations: []string{"Acme", "Globex", "Hooli", "Initech", "Umbrella"},
				Users:         []string{"u_a", "u_b", "u_c", "u_d", "u_e"}, UserCount: 5, MaxLagSeconds: 3600,
				PerOrganization: []*diff.OrgSubjects{
					{OrganizationID: "org_acme", OrganizationName: "Acme", Users: []string{"u_a"}},
					{OrganizationID: "org_glx", OrganizationName: "Globex", Users: []string{"u_b"}},
					{OrganizationID: "org_hoo", OrganizationName: "Hooli", Users: []string{"u_c"}},
					{OrganizationID: "org_in2", OrganizationName: "Initech", Users: []string{"u_d"}},
					{OrganizationID: "org_in1", OrganizationName: "Initech", Users: []string{"u_e"}, UserCauses: diff.NewCauses(map[string]string{"u_e": diff.CauseOrgDeleted})},
				},
				Subjects: []*diff.Subject{
					{Type: "user", ID: "u_a", Email: "ann@acme.com"}, {Type: "user", ID: "u_b", Username: "bert"},
					{Type: "user", ID: "u_c", Email: "cy@hooli.com"}, {Type: "user", ID: "u_d"}, {Type: "user", ID: "u_e", Email: "eve@initech.com"},
				},
			},
			{
				Kind: diff.ImpactReconsent, Permission: "manage:billing", Role: "admin",
				Organizations: []string{"Acme"}, Users: []string{"u_alice", "u_bob"}, UserCount: 2,
				PerOrganization: []*diff.OrgSubjects{{OrganizationID: "org_acme", OrganizationName: "Acme", Users: []string{"u_alice", "u_bob"},
					UserCauses: diff.NewCauses(map[string]string{"u_alice": diff.CauseRolePermissions, "u_bob": diff.CauseMemberAdded})}},
				Subjects: []*diff.Subject{{Type: "user", ID: "u_alice", Email: "alice@acme.com", Username: "alice"}, {Type: "user", ID: "u_bob", Email: "bob@acme.com"}},
			},
			{
				Kind: diff.ImpactReconsent, Permission: "read:reports", Resource: &api, Role: "admin",
				Organizations: []string{"Acme"}, Users: []string{"u_alice", "u_bob"}, UserCount: 2,
				PerOrganization: []*diff.OrgSubjects{{OrganizationID: "org_acme", OrganizationName: "Acme", Users: []string{"u_alice", "u_bob"}}},
			},
			{
				Kind: diff.ImpactRefresh, Permission: "read:members", Role: "automation",
				Organizations: []string{"Acme"}, Applications: []string{"app_ci"}, AppCount: 1,
				PerOrganization: []*diff.OrgSubjects{{OrganizationID: "org_acme", OrganizationName: "Acme", Applications: []string{"app_ci"},
					AppCauses: diff.NewCauses(map[string]string{"app_ci": diff.CauseRolePermissions})}},
				Subjects: []*diff.Subject{{Type: "application", ID: "app_ci", Name: "CI deployer"}},
			},
		},
		Unmanaged: diff.Unmanaged{Permissions: []string{"debug:all"}, Roles: []string{"viewer"}, Organizations: 3, Members: 2},
	}
}

// hugePlan has n organizations created, each with a member, a tenth of them
// deleted instead, and one impact entry per organization.
func hugePlan(n int) *diff.Plan {
	p := &diff.Plan{Warnings: []string{"many organizations"}}
	for i := 0; i < n; i++ {
		org := fmt.Sprintf("organization.customer[\"tenant-%05d\"]", i)
		if i%10 == 9 {
			p.Changes = append(p.Changes, &diff.Change{
				Address: org, Kind: diff.KindOrganization, Action: diff.Delete, ID: fmt.Sprintf("org_%d", i),
				Before: map[string]any{"name": fmt.Sprintf("Tenant %05d", i), "custom_data": map[string]any{"tier": "free"}}, ChangeNotes: &diff.ChangeNotes{Reason: "not_in_config"},
			})
			continue
		}
		p.Changes = append(p.Changes,
			&diff.Change{
				Address: org, Kind: diff.KindOrganization, Action: diff.Create,
				After: map[string]any{"name": fmt.Sprintf("Tenant %05d", i), "description": "A customer", "custom_data": map[string]any{"tier": "pro", "seats": i}},
			},
			&diff.Change{
				Address: org + `.member."owner@tenant.example"`, Kind: diff.KindMember, Action: diff.Create,
				After: map[string]any{"user": fmt.Sprintf("u_%d", i), "roles": []string{"admin", "member"}},
			})
		p.TokenImpact = append(p.TokenImpact, diff.Impact{
			Kind: diff.ImpactRefresh, Permission: "manage:billing", Role: "admin",
			Organizations: []string{fmt.Sprintf("Tenant %05d", i)}, Users: []string{fmt.Sprintf("u_%d", i)}, UserCount: 1,
		})
	}
	return p
}

func ptr[T any](v T) *T { return &v }
