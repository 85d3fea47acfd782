package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestRelevantChanges(t *testing.T) {
	fresh := &state.Live{Organizations: []state.LiveOrganization{
		{ID: "o1", Name: "Acme"}, {ID: "o2", Name: "Runtime Co"}, {ID: "o3", Name: "Acme"},
	}}
	changed := []string{
		"organization:o2 was added",
		"organization:o2/members was added",
		"organization:o3 was added",
		"role:r1 changed",
		"organization:o1 changed",
	}
	cfg := &state.Config{Organizations: []state.Organization{{Name: "Acme"}}}
	got := relevantChanges(cfg, fresh, changed)
	want := []string{"organization:o3 was added", "role:r1 changed", "organization:o1 changed"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("relevantChanges (-want +got):\n%s", d)
	}

	cfg.Settings.ExclusiveOrganizations = true
	if got := relevantChanges(cfg, fresh, changed); len(got) != len(changed) {
		t.Errorf("with exclusive organizations every change counts, got %v", got)
	}
}

func TestOpLabel(t *testing.T) {
	for _, tc := range []struct {
		op   diff.Operation
		want string
	}{
		{diff.Operation{Address: "role.admin", Path: "/api/organization-roles"}, "role.admin"},
		{diff.Operation{Address: "role.admin", Path: "/api/organization-roles/r1/scopes"}, "role.admin permissions"},
		{diff.Operation{Address: "organization.acme", Path: "/api/organizations/o1/users/roles",
			Covers: []string{"a", "b"}}, "organization.acme member roles (2 changes)"},
		{diff.Operation{Address: "organization.acme", Path: "/api/organizations/o1/users?x=1"}, "organization.acme members"},
	} {
		if got := opLabel(tc.op); got != tc.want {
			t.Errorf("opLabel(%s) = %q, want %q", tc.op.Path, got, tc.want)
		}
	}
}

func TestDescribeChange(t *testing.T) {
	names := objectNames(&state.Live{
		Roles:         []state.LiveRole{{ID: "r1", Name: "admin"}},
		Organizations: []state.LiveOrganization{{ID: "o1", Name: "Acme"}},
		Permissions:   []state.LivePermission{{ID: "p1", Name: "invite:member"}},
	})
	for in, want := range map[string]string{
		"role:r1 changed":                 "role.admin (role:r1) changed",
		"organization:o1/members changed": `organization "Acme" members (organization:o1/members) changed`,
		"permission:p1 was removed":       `permission."invite:member" (permission:p1) was removed`,
		"record changed":                  "the ownership record (another apply ran) changed",
		"user:u9 was added":               "user:u9 was added",
	} {
		if got := describeChange(in, names); got != want {
			t.Errorf("describeChange(%q) = %q, want %q", in, got, want)
		}
	}
}
