package diff

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func TestApplyRecordEditsOfOperations(t *testing.T) {
	rec := state.Record{
		Serial:        4,
		Permissions:   []string{"ps-b", "ps-gone"},
		Organizations: []string{"o-1"},
		Members:       map[string][]string{"o-1": {"u-1"}},
		Addresses:     map[string]string{"ps-gone": "permission.gone", "o-1": "organization.one"},
	}
	ops := []Operation{
		{Address: "permission.a", Params: CreatePermission{Name: "a", PreventDestroy: true}},
		{Address: "permission.gone", Params: DeletePermission{Permission: "ps-gone", Name: "gone"}},
		{Address: "organization.two", Params: CreateOrganization{Name: "Two"}},
		{Address: "organization.two", Covers: []string{"organization.two.member.x"},
			Params: AddMembers{Organization: "${org:organization.two}", Users: []string{"u-2"}}},
		{Address: "organization.one", Covers: []string{"organization.one.member.y"},
			Params: AddMembers{Organization: "o-1", Users: []string{"u-0"}}},
		// A create that did not happen: its reference stays unresolved.
		{Address: "role.failed", Params: CreateRole{Name: "failed"}},
		{Address: "organization.one", Params: AddApplications{Organization: "o-1", Applications: []string{"app-1"}}},
	}
	produced := map[string]string{"${permission:a}": "ps-a", "${org:organization.two}": "o-2"}
	resolve := func(s string) string {
		if id, ok := produced[s]; ok {
			return id
		}
		return s
	}
	for _, o := range ops {
		ApplyRecordEdits(&rec, o.RecordEdits(), resolve)
	}
	want := state.Record{
		Serial:         4,
		Permissions:    []string{"ps-a", "ps-b"},
		Organizations:  []string{"o-1", "o-2"},
		Members:        map[string][]string{"o-1": {"u-0", "u-1"}, "o-2": {"u-2"}},
		Applications:   map[string][]string{"o-1": {"app-1"}},
		PreventDestroy: []string{"ps-a"},
		Addresses:      map[string]string{"ps-a": "permission.a", "o-1": "organization.one", "o-2": "organization.two"},
	}
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}

	// Removing an organization forgets its members and applications.
	ApplyRecordEdits(&rec, []RecordEdit{{Kind: KindOrganization, ID: "o-1", Remove: true}}, nil)
	if _, ok := rec.Members["o-1"]; ok || rec.Applications["o-1"] != nil || rec.Addresses["o-1"] != "" {
		t.Errorf("organization removal left %+v", rec)
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
