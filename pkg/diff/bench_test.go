package diff

import (
	"fmt"
	"testing"

	"github.com/orgsync/orgsync/pkg/state"
)

// workload builds a tenant of orgs organizations × members members with
// perms permissions and roles roles, and a config that drifts from it: one
// role gains a permission (token impact in every organization), each
// organization gets a new member and loses one, and another member changes roles.
func workload(orgs, members, perms, roles int) (*state.Config, *state.Live) {
	cfg := &state.Config{}
	live := &state.Live{Users: map[string]state.User{}, Applications: map[string]state.App{},
		Record: state.Record{Members: map[string][]string{}, Addresses: map[string]string{}}}
	for i := 0; i < perms; i++ {
		name := fmt.Sprintf("perm:%03d", i)
		cfg.Permissions = append(cfg.Permissions, state.Permission{Name: name})
		id := fmt.Sprintf("ps-%03d", i)
		live.Permissions = append(live.Permissions, state.LivePermission{ID: id, Name: name})
		live.Record.Permissions = append(live.Record.Permissions, id)
	}
	for i := 0; i < roles; i++ {
		name := fmt.Sprintf("role-%02d", i)
		var names, ids []string
		for j := i; j < perms; j += roles / 2 {
			names = append(names, fmt.Sprintf("perm:%03d", j))
			ids = append(ids, fmt.Sprintf("ps-%03d", j))
		}
		d := state.Role{Name: name, Type: state.RoleTypeUser, Permissions: names}
		if i == 0 {
			d.Permissions = append([]string{"perm:039"}, names...)
		}
		cfg.Roles = append(cfg.Roles, d)
		id := fmt.Sprintf("r-%02d", i)
		live.Roles = append(live.Roles, state.LiveRole{ID: id, Name: name, Type: state.RoleTypeUser, PermissionIDs: ids})
		live.Record.Roles = append(live.Record.Roles, id)
	}
	for u := 0; u < members*10; u++ {
		id := fmt.Sprintf("u%05d", u)
		live.Users[id] = state.User{ID: id, Email: fmt.Sprintf("user%05d@example.com", u)}
	}
	for o := 0; o < orgs; o++ {
		key := fmt.Sprintf("org%04d", o)
		oid := fmt.Sprintf("o-%04d", o)
		d := state.Organization{Address: "organization." + key, Key: key, Name: key, Description: ptr("")}
		lo := state.LiveOrganization{ID: oid, Name: key, CustomData: map[string]any{}, Loaded: true, JITLoaded: true}
		for m := 0; m < members; m++ {
			u := (o*7 + m) % (members * 10)
			uid := fmt.Sprintf("u%05d", u)
			role := fmt.Sprintf("role-%02d", (o+m)%roles)
			roleID := fmt.Sprintf("r-%02d", (o+m)%roles)
			email := fmt.Sprintf("user%05d@example.com", u)
			switch m {
			case 0: // new member
				d.Members = append(d.Members, member(email, role))
				continue
			case 1: // dropped member
				lo.Members = append(lo.Members, state.LiveMember{UserID: uid, RoleIDs: []string{roleID}})
				live.Record.Members[oid] = append(live.Record.Members[oid], uid)
				continue
			case 2: // role change
				d.Members = append(d.Members, member(email, role, fmt.Sprintf("role-%02d", (o+m+1)%roles)))
			default:
				d.Members = append(d.Members, member(email, role))
			}
			lo.Members = append(lo.Members, state.LiveMember{UserID: uid, RoleIDs: []string{roleID}})
			live.Record.Members[oid] = append(live.Record.Members[oid], uid)
		}
		cfg.Organizations = append(cfg.Organizations, d)
		live.Organizations = append(live.Organizations, lo)
		live.Record.Organizations = append(live.Record.Organizations, oid)
		live.Record.Addresses[oid] = d.Address
	}
	return cfg, live
}

func TestWorkloadPlan(t *testing.T) {
	cfg, live := workload(50, 20, 40, 10)
	p := mustPlan(t, cfg, live, Options{})
	add, change, destroy := p.Counts()
	if add != 50 || change != 51 || destroy != 50 {
		t.Errorf("counts = %d/%d/%d, want 50/51/50", add, change, destroy)
	}
	if len(p.TokenImpact) == 0 {
		t.Error("want token impact")
	}
}

func BenchmarkCompute(b *testing.B) {
	cfg, live := workload(1000, 20, 40, 10)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compute(cfg, live, Options{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}
