package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestNewRecord(t *testing.T) {
	old := state.Record{
		Serial:        4,
		Permissions:   []string{"ps-b", "ps-gone"},
		Organizations: []string{"o-1"},
		Members:       map[string][]string{"o-1": {"u-1"}},
		Addresses:     map[string]string{"ps-gone": "permission.gone", "o-1": "organization.one"},
	}
	ops := []Operation{
		{Record: []RecordEdit{{Kind: KindPermission, ID: "${permission:a}", Address: "permission.a"},
			{Kind: RecordPreventDestroy, ID: "${permission:a}", Address: "permission.a"}}},
		{Record: []RecordEdit{{Kind: KindPermission, ID: "ps-gone", Remove: true}}},
		{Record: []RecordEdit{{Kind: KindOrganization, ID: "${org:organization.two}", Address: "organization.two"}}},
		{Record: []RecordEdit{{Kind: KindMember, ID: "u-2", Org: "${org:organization.two}"}, {Kind: KindMember, ID: "u-0", Org: "o-1"}}},
		// A create that did not happen: its reference stays unresolved.
		{Record: []RecordEdit{{Kind: KindRole, ID: "${role:failed}", Address: "role.failed"}}},
		{Record: []RecordEdit{{Kind: KindApplication, ID: "app-1", Org: "o-1"}}},
	}
	got := NewRecord(old, ops, map[string]string{"permission:a": "ps-a", "org:organization.two": "o-2"})
	want := state.Record{
		Serial:         4,
		Permissions:    []string{"ps-a", "ps-b"},
		Organizations:  []string{"o-1", "o-2"},
		Members:        map[string][]string{"o-1": {"u-0", "u-1"}, "o-2": {"u-2"}},
		Applications:   map[string][]string{"o-1": {"app-1"}},
		PreventDestroy: []string{"ps-a"},
		Addresses:      map[string]string{"ps-a": "permission.a", "o-1": "organization.one", "o-2": "organization.two"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NewRecord (-want +got):\n%s", diff)
	}
	if len(old.Permissions) != 2 || old.Permissions[1] != "ps-gone" || len(old.Members["o-1"]) != 1 {
		t.Errorf("NewRecord changed its input: %+v", old)
	}

	// Removing an organization forgets its members and applications.
	ApplyRecordEdits(&got, []RecordEdit{{Kind: KindOrganization, ID: "o-1", Remove: true}}, nil)
	if _, ok := got.Members["o-1"]; ok || got.Applications["o-1"] != nil || got.Addresses["o-1"] != "" {
		t.Errorf("organization removal left %+v", got)
	}
}

func TestPlanRecordEditsRoundTrip(t *testing.T) {
	// Applying an adoption plan's edits makes the next plan edit-free.
	live := baseLive()
	live.Record = state.Record{}
	cfg := baseConfig()
	cfg.Organizations[0].PreventDestroy = true
	p := mustPlan(t, cfg, live, Options{})
	ApplyRecordEdits(&live.Record, p.RecordEdits, nil)
	p = mustPlan(t, cfg, live, Options{})
	if len(p.RecordEdits) != 0 {
		t.Errorf("second plan still edits the record: %+v", p.RecordEdits)
	}
}
