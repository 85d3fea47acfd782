package export

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/state"
)

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"Acme Inc.":                "acme-inc",
		`Quote "Q" ${evil} %{tpl}`: "quote-q-evil-tpl",
		"Société Générale":         "soci-t-g-n-rale",
		"日本":                       "org",
		"":                         "org",
		"42 Labs":                  "org-42-labs",
		"snake_case":               "snake_case",
		"--trim--":                 "trim",
		"UPPER":                    "upper",
	}
	for in, want := range tests {
		got := slug(in)
		if got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
		if !state.IsIdentifier(got) {
			t.Errorf("slug(%q) = %q is not an identifier", in, got)
		}
	}
}

func TestAssignOrgLabels(t *testing.T) {
	orgs := []*state.LiveOrganization{
		{ID: "o1", Name: "Acme Inc."},
		{ID: "o2", Name: "Twin"},
		{ID: "o3", Name: "Twin"},
		{ID: "o4", Name: "acme"},
		{ID: "o5", Name: "acme-inc"},
		{ID: "o6", Name: "ACME-INC!"},
		{ID: "o7", Name: "Beta"},
		{ID: "o8", Name: "beta"},
	}
	count := map[string]int{}
	for _, o := range orgs {
		count[o.Name]++
	}
	count["elsewhere"] = 1
	got := assignOrgLabels(orgs, count)
	want := []orgLabel{
		{Label: "acme-inc-2"},           // slug of "Acme Inc." is taken by the org named acme-inc
		{Label: "twin_o2", PinID: true}, // shared name: pinned to its id
		{Label: "twin_o3", PinID: true},
		{Label: "acme"},
		{Label: "acme-inc"},
		{Label: "acme-inc-3"},
		{Label: "Beta"},
		{Label: "beta-2"}, // "beta" is taken case-insensitively by Beta (file names)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
}

func TestMemberAndAppLabels(t *testing.T) {
	users := []struct {
		u    state.User
		id   string
		want string
	}{
		{state.User{ID: "u1", Email: "Bob@Example.COM", Username: "bob"}, "u1", "bob@example.com"},
		{state.User{ID: "u2", Username: "carol"}, "u2", "carol"},
		{state.User{ID: "u3"}, "u3", "id:u3"},
		{state.User{ID: "u4", Email: "not an email@x", Username: "dave"}, "u4", "dave"},
		{state.User{ID: "u5", Username: "has space"}, "u5", "id:u5"},
		{state.User{ID: "u6", Username: "9lives"}, "u6", "id:u6"},
	}
	for _, tt := range users {
		if got := memberLabel(tt.u, tt.id); got != tt.want {
			t.Errorf("memberLabel(%+v) = %q, want %q", tt.u, got, tt.want)
		}
	}
	names := map[string]int{"ci-bot": 1, "twin-bot": 2, "id:tricky": 1, " ": 1}
	apps := []struct {
		id, name string
		want     string
	}{
		{"a1", "ci-bot", "ci-bot"},
		{"a2", "twin-bot", "id:a2"},
		{"a3", "id:tricky", "id:a3"},
		{"a4", "unlisted", "id:a4"},
		{"a5", " ", "id:a5"},
	}
	for _, tt := range apps {
		if got := appLabel(tt.id, tt.name, names); got != tt.want {
			t.Errorf("appLabel(%q, %q) = %q, want %q", tt.id, tt.name, got, tt.want)
		}
	}
}
