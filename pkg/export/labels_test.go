package export

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/logto"
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
	orgs := []logto.Organization{
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
		u    logto.OrganizationUser
		want string
	}{
		{logto.OrganizationUser{ID: "u1", PrimaryEmail: "Bob@Example.COM", Username: "bob"}, "bob@example.com"},
		{logto.OrganizationUser{ID: "u2", Username: "carol"}, "carol"},
		{logto.OrganizationUser{ID: "u3", Name: "No Handle"}, "id:u3"},
		{logto.OrganizationUser{ID: "u4", PrimaryEmail: "not an email@x", Username: "dave"}, "dave"},
		{logto.OrganizationUser{ID: "u5", Username: "has space"}, "id:u5"},
		{logto.OrganizationUser{ID: "u6", Username: "9lives"}, "id:u6"},
	}
	for _, tt := range users {
		if got := memberLabel(tt.u); got != tt.want {
			t.Errorf("memberLabel(%+v) = %q, want %q", tt.u, got, tt.want)
		}
	}
	names := map[string]int{"ci-bot": 1, "twin-bot": 2, "id:tricky": 1, " ": 1}
	apps := []struct {
		a    logto.OrganizationApplication
		want string
	}{
		{logto.OrganizationApplication{ID: "a1", Name: "ci-bot"}, "ci-bot"},
		{logto.OrganizationApplication{ID: "a2", Name: "twin-bot"}, "id:a2"},
		{logto.OrganizationApplication{ID: "a3", Name: "id:tricky"}, "id:a3"},
		{logto.OrganizationApplication{ID: "a4", Name: "unlisted"}, "id:a4"},
		{logto.OrganizationApplication{ID: "a5", Name: " "}, "id:a5"},
	}
	for _, tt := range apps {
		if got := appLabel(tt.a, names); got != tt.want {
			t.Errorf("appLabel(%+v) = %q, want %q", tt.a, got, tt.want)
		}
	}
}
