package diff

import (
	"encoding/json"
	"testing"

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
