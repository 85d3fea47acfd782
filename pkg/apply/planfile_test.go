package apply

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestPlanFileRoundTrip(t *testing.T) {
	s := seed(t)
	ctx := context.Background()
	live, err := Fetch(ctx, s.tt.C, s.cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan := &diff.Plan{
		Changes:    []diff.Change{{Address: "organization.new", Kind: diff.KindOrganization, Action: diff.Create}},
		Operations: []diff.Operation{createScope(0, "read:x")},
	}
	sp := &SavedPlan{
		CreatedAt:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		ConfigHash:   "abc",
		Endpoint:     "http://127.0.0.1:3001",
		Fingerprints: Fingerprint(live),
		Plan:         plan,
		Live:         live,
		Config:       s.cfg,
	}
	path := filepath.Join(t.TempDir(), "plan.out")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WritePlanFile(path, sp); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	raw, _ := os.ReadFile(path)
	for _, secret := range []string{s.tt.cfg.AppSecret, "Bearer", "access_token"} {
		if secret != "" && strings.Contains(string(raw), secret) {
			t.Errorf("the plan file contains %q", secret)
		}
	}

	got, err := ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.FormatVersion != PlanFileFormat || got.ConfigHash != "abc" || !got.CreatedAt.Equal(sp.CreatedAt) {
		t.Errorf("header: %+v", got)
	}
	if d := cmp.Diff(sp.Fingerprints, got.Fingerprints); d != "" {
		t.Errorf("fingerprints (-want +got):\n%s", d)
	}
	// The live state read back fingerprints the same: nothing is stale.
	if st := Stale(sp.Fingerprints, Fingerprint(got.Live)); len(st) != 0 {
		t.Errorf("reloaded live state differs: %v", st)
	}
	if len(got.Plan.Operations) != 1 || got.Plan.Operations[0].Path != "/api/organization-scopes" ||
		got.Config == nil || len(got.Config.Organizations) != 3 {
		t.Errorf("plan/config: %+v", got.Plan)
	}

	// The tenant moves on: a fresh Fetch shows what changed.
	must(t, s.tt.C.SetJITEmailDomains(ctx, s.o2.ID, []string{"c.example.com"}))
	must(t, s.tt.C.Do(ctx, http.MethodDelete, "/api/organization-scopes/"+s.pa.ID, nil, nil))
	fresh, err := Fetch(ctx, s.tt.C, s.cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale := Stale(got.Fingerprints, Fingerprint(fresh))
	for _, want := range []string{
		"organization:" + s.o2.ID + "/jit changed",
		"permission:" + s.pa.ID + " was removed",
		"role:" + s.roleU.ID + " changed", // lost the deleted scope
	} {
		if !contains(stale, want) {
			t.Errorf("stale list %v lacks %q", stale, want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestStale(t *testing.T) {
	old := map[string]string{"role:a": "1", "role:b": "2", "record": "3"}
	fresh := map[string]string{"role:a": "1", "role:b": "9", "role:c": "4"}
	want := []string{"record was removed", "role:b changed", "role:c was added"}
	if d := cmp.Diff(want, Stale(old, fresh)); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if got := Stale(old, old); len(got) != 0 {
		t.Fatalf("identical fingerprints: %v", got)
	}
}

func TestFingerprintKeys(t *testing.T) {
	live := &state.Live{
		Permissions:   []state.LivePermission{{ID: "p1", Name: "x"}},
		Roles:         []state.LiveRole{{ID: "r1", Name: "admin"}},
		Organizations: []state.LiveOrganization{{ID: "o1", Name: "acme", Loaded: true, JITLoaded: true}, {ID: "o2", Name: "b"}},
		Resources:     []state.Resource{{ID: "res1"}},
		Users:         map[string]state.User{"u1": {ID: "u1"}},
		Applications:  map[string]state.App{"a1": {ID: "a1"}},
		Invitations:   []state.Invitation{{ID: "i1"}},
	}
	fp := Fingerprint(live)
	var keys []string
	for k := range fp {
		keys = append(keys, k)
	}
	want := []string{"application:a1", "invitation:i1", "organization:o1", "organization:o1/jit", "organization:o1/members",
		"organization:o2", "permission:p1", "record", "resource:res1", "role:r1", "user:u1"}
	if d := cmp.Diff(want, sortedSet(keys)); d != "" {
		t.Fatalf("keys (-want +got):\n%s", d)
	}
	before := fp["organization:o1"]
	live.Organizations[0].CustomData = map[string]any{"tier": "gold"}
	if Fingerprint(live)["organization:o1"] == before {
		t.Fatal("custom data does not change the fingerprint")
	}
}

func TestReadPlanFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing"), "does not exist"},
		{write("garbage", "not json"), "not an orgsync plan"},
		{write("noversion", `{"plan":{}}`), "no format_version"},
		{write("future", `{"format_version":"orgsync-plan/9"}`), `has format "orgsync-plan/9"`},
		{write("incomplete", `{"format_version":"orgsync-plan/1"}`), "incomplete"},
		{write("damaged", `{"format_version":"orgsync-plan/1","plan":[]}`), "damaged"},
	}
	for _, tc := range tests {
		_, err := ReadPlanFile(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", filepath.Base(tc.path), err, tc.want)
		}
	}
}
