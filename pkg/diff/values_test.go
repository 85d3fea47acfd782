package diff

import (
	"encoding/json"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/state"
)

// The values of members and applications, held compactly by the planner,
// are the objects' id and role names as Values and in JSON (a saved plan),
// and subjects with the same roles do not see each other's ids.
func TestSubjectValues(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		o := &c.Organizations[0]
		o.ExclusiveMembers = true
		o.Members = []state.Member{
			member("alice@acme.com", "editor"), // viewer -> editor
			member("carol@acme.com", "viewer"), // joins
			member("dave", "viewer"),           // joins with the same roles
		} // bob leaves
	}, nil)
	p := mustPlan(t, cfg, live, Options{})
	want := map[string][2]map[string]any{
		`organization.acme.member."alice@acme.com"`: {
			{"user_id": "u-alice", "roles": []string{"viewer"}},
			{"user_id": "u-alice", "roles": []string{"editor"}}},
		`organization.acme.member."carol@acme.com"`: {nil, {"user_id": "u-carol", "roles": []string{"viewer"}}},
		`organization.acme.member.dave`:             {nil, {"user_id": "u-dave", "roles": []string{"viewer"}}},
		`organization.acme.member."Bob@Acme.com"`:   {{"user_id": "u-bob", "roles": []string{"editor"}}, nil},
	}
	got := map[string][2]map[string]any{}
	for i := range p.Changes {
		c := p.Changes[i]
		if c.Kind != KindMember {
			continue
		}
		b, a := c.Values()
		got[c.Address] = [2]map[string]any{b, a}

		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Change
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		jb, ja := back.Values()
		if d := cmp.Diff(jsonRoundTrip(t, b), jb); d != "" {
			t.Errorf("%s: before in JSON (-values +json):\n%s", c.Address, d)
		}
		if d := cmp.Diff(jsonRoundTrip(t, a), ja); d != "" {
			t.Errorf("%s: after in JSON (-values +json):\n%s", c.Address, d)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("member values (-want +got):\n%s", d)
	}
}

func jsonRoundTrip(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	if m == nil {
		return nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A plan of 5,000 organizations holds 100,000 member changes and, while it
// is made, as many items: a member's Change fits in a 128-byte allocation
// (what few changes have is in ChangeNotes) and its item in 64 bytes.
func TestMemberChangeSize(t *testing.T) {
	if n := unsafe.Sizeof(Change{}); n > 128 {
		t.Errorf("Change is %d bytes, want at most 128", n)
	}
	if n := unsafe.Sizeof(item{}); n > 64 {
		t.Errorf("item is %d bytes, want at most 64", n)
	}
}

// The notes of a change are in its JSON as fields of the change, as
// before they moved into ChangeNotes, and decode back.
func TestChangeNotesJSON(t *testing.T) {
	c := &Change{Address: "role.a", Kind: KindRole, Action: Rename, ID: "r1",
		ChangeNotes: &ChangeNotes{Reason: "renamed_from", PreviousName: "b", Sensitive: []string{"description"}, Classification: ClassDrift}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"reason": "renamed_from", "previous_name": "b", "classification": ClassDrift} {
		if fields[k] != want {
			t.Errorf("%s = %v, want %v (in %s)", k, fields[k], want, b)
		}
	}
	var back Change
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Reason() != "renamed_from" || back.PreviousName() != "b" || back.Classification() != ClassDrift || len(back.Sensitive()) != 1 {
		t.Errorf("decoded %+v", back.ChangeNotes)
	}
	plain, err := json.Marshal(&Change{Address: "role.c", Kind: KindRole, Action: Create})
	if err != nil {
		t.Fatal(err)
	}
	var none Change
	if err := json.Unmarshal(plain, &none); err != nil {
		t.Fatal(err)
	}
	if none.ChangeNotes != nil || none.Reason() != "" {
		t.Errorf("a change without notes decodes with %+v (from %s)", none.ChangeNotes, plain)
	}
}

// With ReleaseMembers, Compute empties each organization's member and
// application lists once it has planned them, and plans what it plans
// without; with targets it keeps them (they are read again).
func TestReleaseMembers(t *testing.T) {
	mk := func() (*state.Config, *state.Live) {
		return fixture(func(c *state.Config) {
			o := &c.Organizations[0]
			o.Members = []state.Member{member("alice@acme.com", "editor"), member("carol@acme.com", "viewer")}
			o.Applications = []state.Application{{Label: "ci-bot", Kind: state.RefName, Value: "ci-bot", Roles: []string{"bot"}}, {Label: "ops-bot", Kind: state.RefName, Value: "ops-bot", Roles: []string{"bot"}}}
		}, nil)
	}
	cfg, live := mk()
	want, err := Compute(cfg, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Organizations[0].Members) != 2 {
		t.Fatalf("without ReleaseMembers the members are %v", cfg.Organizations[0].Members)
	}
	cfg, live = mk()
	got, err := Compute(cfg, live, Options{ReleaseMembers: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range cfg.Organizations {
		if o.Members != nil || o.Applications != nil {
			t.Errorf("%s still holds %d members and %d applications", o.Address, len(o.Members), len(o.Applications))
		}
	}
	if d := cmp.Diff(changeLines(want.Changes), changeLines(got.Changes)); d != "" {
		t.Errorf("changes (-without +with ReleaseMembers):\n%s", d)
	}
	if d := cmp.Diff(opLines(want.Operations), opLines(got.Operations)); d != "" {
		t.Errorf("operations (-without +with ReleaseMembers):\n%s", d)
	}
	if len(want.Changes) == 0 {
		t.Fatal("the fixture plans nothing: the comparison proves nothing")
	}

	cfg, live = mk()
	if _, err := Compute(cfg, live, Options{ReleaseMembers: true, Targets: []string{"organization.acme"}}); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Organizations[0].Members) != 2 {
		t.Errorf("with targets the members are %v, want both kept", cfg.Organizations[0].Members)
	}
}

// A plan that is only shown leaves out what the apply records, and plans
// the same changes, operations and drift.
func TestShowOnlyLeavesOutApplied(t *testing.T) {
	mk := func() (*state.Config, *state.Live) {
		return fixture(func(c *state.Config) {
			o := &c.Organizations[0]
			o.Members = []state.Member{member("alice@acme.com", "editor"), member("carol@acme.com", "viewer")}
		}, nil)
	}
	cfg, live := mk()
	want, err := Compute(cfg, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, live = mk()
	got, err := Compute(cfg, live, Options{ShowOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Applied) == 0 {
		t.Fatal("the fixture's plan records nothing: the comparison proves nothing")
	}
	if len(got.Applied) != 0 {
		t.Errorf("ShowOnly: %d applied edits, want none", len(got.Applied))
	}
	if d := cmp.Diff(changeLines(want.Changes), changeLines(got.Changes)); d != "" {
		t.Errorf("changes (-without +with ShowOnly):\n%s", d)
	}
	if d := cmp.Diff(opLines(want.Operations), opLines(got.Operations)); d != "" {
		t.Errorf("operations (-without +with ShowOnly):\n%s", d)
	}
	if d := cmp.Diff(want.Drift, got.Drift); d != "" {
		t.Errorf("drift (-without +with ShowOnly):\n%s", d)
	}
}
