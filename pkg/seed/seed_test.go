package seed_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/seed"
	"github.com/orgsync/orgsync/pkg/state"
)

func config() *state.Config {
	return &state.Config{
		Roles: []state.Role{{Name: "r", APIPermissions: map[string][]string{
			"https://api.example.com": {"write:x", "read:x"},
		}}},
		Organizations: []state.Organization{
			{Address: "organization.a", Members: []state.Member{
				{Label: "alice@example.com", Kind: state.RefEmail, Value: "alice@example.com"},
				{Label: "bob", Kind: state.RefUsername, Value: "bob"},
				{Label: "id:u1", Kind: state.RefID, Value: "u1"},
			}, Applications: []state.Application{
				{Label: "ci-bot", Kind: state.RefName, Value: "ci-bot"},
				{Label: "id:a1", Kind: state.RefID, Value: "a1"},
			}},
			{Address: "organization.b", Members: []state.Member{
				{Label: "alice@example.com", Kind: state.RefEmail, Value: "alice@example.com"},
			}},
		},
	}
}

func TestSummarize(t *testing.T) {
	got := seed.Summarize(config())
	want := seed.Summary{
		Emails:       []string{"alice@example.com"},
		Usernames:    []string{"bob"},
		Applications: []string{"ci-bot"},
		Resources:    map[string][]string{"https://api.example.com": {"read:x", "write:x"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Summarize (-want +got):\n%s", d)
	}
	if s, w := got.String(), "2 users, application ci-bot, API resource https://api.example.com with 2 scopes"; s != w {
		t.Errorf("String() = %q, want %q", s, w)
	}
}

func TestReferenced(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := seed.Referenced(ctx, c, config()); err != nil {
		t.Fatal(err)
	}
	users, err := c.FindUsersByEmail(ctx, []string{"alice@example.com"})
	if err != nil || len(users) != 1 || users[0].Name != "alice" {
		t.Errorf("alice: %+v, %v", users, err)
	}
	if users, err := c.FindUsersByUsername(ctx, []string{"bob"}); err != nil || len(users) != 1 {
		t.Errorf("bob: %+v, %v", users, err)
	}
	apps, err := c.ListApplications(ctx, state.RoleTypeM2M)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range apps {
		found = found || a.Name == "ci-bot"
	}
	if !found {
		t.Errorf("application ci-bot was not created: %+v", apps)
	}
	res, err := c.ListResources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var scopes []string
	for _, r := range res {
		if r.Indicator == "https://api.example.com" {
			for _, s := range r.Scopes {
				scopes = append(scopes, s.Name)
			}
		}
	}
	if d := cmp.Diff([]string{"read:x", "write:x"}, scopes); d != "" {
		t.Errorf("resource scopes (-want +got):\n%s", d)
	}
	// A second run finds everything and creates nothing.
	before := srv.E.Requests()
	if err := seed.Referenced(ctx, c, config()); err != nil {
		t.Fatalf("seeding twice: %v", err)
	}
	if apps, err := c.ListApplications(ctx, state.RoleTypeM2M); err != nil || countNamed(apps, "ci-bot") != 1 {
		t.Errorf("after seeding twice there are %d applications named ci-bot (err %v), want 1", countNamed(apps, "ci-bot"), err)
	}
	if n := srv.E.Requests() - before; n > 6 {
		t.Errorf("seeding twice made %d requests; want the two lists and two user creates answered 422", n)
	}
}

func countNamed(apps []logto.Application, name string) int {
	n := 0
	for _, a := range apps {
		if a.Name == name {
			n++
		}
	}
	return n
}
