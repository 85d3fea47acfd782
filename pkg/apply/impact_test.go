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
			if err := LoadImpact(ctx, c, live, roles, 2); err != nil {
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
