package apply

import (
	"context"
	"testing"
)

func TestLoadImpact(t *testing.T) {
	s := seed(t)
	if s.tt.real() {
		t.Skip("counts requests of a tenant holding only the seeded organizations")
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		roles func() []string
		// per organization: members read, applications read
		wantLoaded, wantApps map[string]bool
		requests             int64
	}{
		{name: "no roles", roles: func() []string { return nil },
			wantLoaded: map[string]bool{s.o1.ID: true, s.o3.ID: false}, wantApps: map[string]bool{s.o1.ID: true, s.o3.ID: false}},
		{name: "user role: members only", roles: func() []string { return []string{s.roleU.ID} },
			wantLoaded: map[string]bool{s.o1.ID: true, s.o2.ID: true, s.o3.ID: true, s.o4.ID: true},
			wantApps:   map[string]bool{s.o1.ID: true, s.o3.ID: false}},
		{name: "M2M role: members and applications", roles: func() []string { return []string{s.roleM.ID} },
			wantLoaded: map[string]bool{s.o3.ID: true, s.o4.ID: true},
			wantApps:   map[string]bool{s.o1.ID: true, s.o2.ID: true, s.o3.ID: true, s.o4.ID: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live, err := Fetch(ctx, s.tt.C, s.cfg, FetchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var unloaded, noApps int64
			for _, o := range live.Organizations {
				if !o.Loaded {
					unloaded++
				}
				if o.Applications == nil {
					noApps++
				}
			}
			c := s.tt.client(nil)
			roles := tt.roles()
			if err := LoadImpact(ctx, c, live, roles, ImpactOptions{Parallelism: 2}); err != nil {
				t.Fatal(err)
			}
			for id, want := range tt.wantLoaded {
				if got := findOrg(live, id).Loaded; got != want {
					t.Errorf("organization %s: members read = %v, want %v", id, got, want)
				}
			}
			for id, want := range tt.wantApps {
				if got := findOrg(live, id).Applications != nil; got != want {
					t.Errorf("organization %s: applications read = %v, want %v", id, got, want)
				}
			}
			var want int64
			switch {
			case len(roles) == 0:
				want = 0
			case roles[0] == s.roleU.ID:
				want = 1 + unloaded
			default:
				want = 1 + unloaded + noApps
			}
			if got := c.Requests(); got != want {
				t.Errorf("LoadImpact sent %d requests, want %d", got, want)
			}
		})
	}
}

// TestLoadImpactBudget: past the budget, organizations are left unread and
// counted, with what reading them would cost; a negative budget reads all.
// When one User role changes on a tenant that filters by role, only its
// holders are read.
func TestLoadImpactBudget(t *testing.T) {
	s := seed(t)
	if s.tt.real() {
		t.Skip("counts the organizations of a tenant holding only the seeded ones")
	}
	ctx := context.Background()
	for _, tt := range []struct {
		name                  string
		roles                 func() []string
		budget                int
		read, unread, unreadN int // organizations read; left out; their requests
	}{
		// Fetch read "one" and "four" in full and the members of "two": a
		// User role leaves "three" to read, a MachineToMachine role the
		// members and applications of "three" (2 requests) and the
		// applications of "two" (1).
		{name: "user role", roles: func() []string { return []string{s.roleU.ID} }, budget: 1, read: 1},
		{name: "M2M role, budget 1", roles: func() []string { return []string{s.roleM.ID} }, budget: 1, read: 1, unread: 1, unreadN: 2},
		{name: "M2M role, budget 2", roles: func() []string { return []string{s.roleM.ID} }, budget: 2, read: 1, unread: 1, unreadN: 1},
		{name: "M2M role, unlimited", roles: func() []string { return []string{s.roleM.ID} }, budget: -1, read: 2},
		{name: "M2M role, default budget", roles: func() []string { return []string{s.roleM.ID} }, read: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			live, err := Fetch(ctx, s.tt.C, s.cfg, FetchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			before := map[string][2]bool{}
			for _, o := range live.Organizations {
				before[o.ID] = [2]bool{o.Loaded, o.Applications != nil}
			}
			if err := LoadImpact(ctx, s.tt.client(nil), live, tt.roles(), ImpactOptions{Budget: tt.budget}); err != nil {
				t.Fatal(err)
			}
			read := 0
			for _, o := range live.Organizations {
				if before[o.ID] != [2]bool{o.Loaded, o.Applications != nil} {
					read++
				}
			}
			if read != tt.read || live.ImpactUnread != tt.unread || live.ImpactUnreadRequests != tt.unreadN {
				t.Errorf("read %d organizations, left %d out (%d requests); want %d, %d (%d)",
					read, live.ImpactUnread, live.ImpactUnreadRequests, tt.read, tt.unread, tt.unreadN)
			}
		})
	}
	t.Run("role filter", func(t *testing.T) {
		live, err := Fetch(ctx, s.tt.C, s.cfg, FetchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := LoadImpact(ctx, s.tt.client(nil), live, []string{s.roleU.ID}, ImpactOptions{}); err != nil {
			t.Fatal(err)
		}
		o4 := findOrg(live, s.o4.ID)
		if o4.MembersOfRole != "" || len(o4.Members) != 1 {
			t.Errorf("organization four (in the record, read by Fetch): members %v of role %q, want its one member, unfiltered", o4.Members, o4.MembersOfRole)
		}
		if o3 := findOrg(live, s.o3.ID); !o3.Loaded || o3.MembersOfRole != s.roleU.ID {
			t.Errorf("organization three: read %v, of role %q; want read for impact with the role filter", o3.Loaded, o3.MembersOfRole)
		}
	})
}
