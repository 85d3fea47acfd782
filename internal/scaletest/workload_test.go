package scaletest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestW1Shape(t *testing.T) {
	cfg := W1()
	if len(cfg.Permissions) != 40 || len(cfg.Roles) != 10 || len(cfg.Organizations) != 1000 {
		t.Fatalf("W1 has %d permissions, %d roles, %d organizations; want 40, 10, 1000",
			len(cfg.Permissions), len(cfg.Roles), len(cfg.Organizations))
	}
	m2m, resources := 0, map[string]bool{}
	for _, r := range cfg.Roles {
		if r.Type == state.RoleTypeM2M {
			m2m++
		}
		if n := len(r.Permissions); n < 3 || n > 12 {
			t.Errorf("role %s has %d permissions, want 3-12", r.Name, n)
		}
		for ind := range r.APIPermissions {
			resources[ind] = true
		}
	}
	if m2m != 2 || len(resources) != 2 {
		t.Errorf("%d M2M roles and API permissions on %d resources, want 2 and 2", m2m, len(resources))
	}
	users := map[string]bool{}
	apps, jit := 0, 0
	for _, o := range cfg.Organizations {
		seen := map[string]bool{}
		if len(o.Members) != 20 {
			t.Fatalf("%s has %d members, want 20", o.Address, len(o.Members))
		}
		for _, m := range o.Members {
			if seen[m.Value] || len(m.Roles) < 1 || len(m.Roles) > 2 {
				t.Fatalf("%s: member %s repeated or with %d roles", o.Address, m.Label, len(m.Roles))
			}
			seen[m.Value] = true
			users[m.Value] = true
		}
		apps += len(o.Applications)
		if o.JIT != nil {
			jit++
		}
	}
	if len(users) > W1Users || apps != 100 || jit != 50 {
		t.Errorf("%d users (pool %d), %d applications, %d JIT settings; want ≤ pool, 100, 50", len(users), W1Users, apps, jit)
	}
}

func TestW1Deterministic(t *testing.T) {
	if d := cmp.Diff(W1(), W1()); d != "" {
		t.Fatalf("two W1 values differ:\n%s", d)
	}
	full, slice := W1(), W1Slice(30)
	if d := cmp.Diff(full.Roles, slice.Roles); d != "" {
		t.Errorf("W1Slice roles differ from W1's:\n%s", d)
	}
	// Addresses sort as the organizations' indexes, so a slice is a prefix.
	if d := cmp.Diff(full.Organizations[:30], slice.Organizations); d != "" {
		t.Errorf("W1Slice(30) is not W1's first 30 organizations:\n%s", d)
	}
}
