package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

// TestExampleSaaS keeps examples/saas valid and checks the shape the demo
// relies on.
func TestExampleSaaS(t *testing.T) {
	res, diags := Load(Input{Dir: "../../examples/saas"})
	if diags.HasErrors() {
		t.Fatalf("examples/saas is invalid:\n%s", diags.Error())
	}
	cfg := res.Config
	if len(cfg.Permissions) != 8 {
		t.Errorf("permissions: got %d, want 8", len(cfg.Permissions))
	}
	types := map[string]string{}
	for _, r := range cfg.Roles {
		types[r.Name] = r.Type
	}
	wantTypes := map[string]string{
		"admin": state.RoleTypeUser, "member": state.RoleTypeUser,
		"billing": state.RoleTypeUser, "automation": state.RoleTypeM2M,
	}
	if d := cmp.Diff(wantTypes, types); d != "" {
		t.Errorf("role types (-want +got):\n%s", d)
	}
	var addrs []string
	orgs := map[string]state.Organization{}
	for _, o := range cfg.Organizations {
		addrs = append(addrs, o.Address)
		orgs[o.Address] = o
	}
	wantAddrs := []string{
		"organization.acme",
		`organization.customer["globex"]`,
		`organization.customer["initech"]`,
		"organization.saas",
	}
	if d := cmp.Diff(wantAddrs, addrs); d != "" {
		t.Errorf("organization addresses (-want +got):\n%s", d)
	}
	acme := orgs["organization.acme"]
	if !acme.PreventDestroy || acme.JIT == nil || len(acme.Applications) != 1 || acme.Applications[0].Label != "ci-bot" {
		t.Errorf("organization.acme: want prevent_destroy, a jit block and application ci-bot, got %+v", acme)
	}
	if got := orgs["organization.saas"].Members; len(got) != 2 {
		t.Errorf("organization.saas members from the dynamic block: got %d, want 2", len(got))
	}
	for _, r := range cfg.Roles {
		for ind := range r.APIPermissions {
			if ind != "https://api.saas.example.com" {
				t.Errorf("role %s uses API resource %s; the demo seeds only https://api.saas.example.com", r.Name, ind)
			}
		}
	}
}

// FuzzLoad feeds arbitrary files to the loader: it must never panic, and it
// returns a configuration exactly when there are no errors.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../../examples/saas/*.hcl")
	more, _ := filepath.Glob("../../testdata/spec/*/*.hcl")
	for _, p := range append(seeds, more...) {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte(`organization "x" { for_each = toset(["a"]) member "id:${each.key}" {} }`))
	f.Add([]byte(`locals { a = local.a }`))
	f.Add([]byte(`role "r" { api_permissions = { (null) = [] } }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		res, diags := Load(Input{Dir: dir, Vars: []string{"x=1"}})
		if res == nil {
			t.Fatal("nil result")
		}
		if (res.Config == nil) != diags.HasErrors() {
			t.Fatalf("Config nil = %v, HasErrors = %v", res.Config == nil, diags.HasErrors())
		}
	})
}
