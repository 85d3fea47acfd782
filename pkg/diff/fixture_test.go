package diff

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/orgsync/orgsync/pkg/state"
)

const api = "https://api.acme.com"

func ptr[T any](v T) *T { return &v }

// baseLive is a small tenant that baseConfig describes exactly.
func baseLive() *state.Live {
	return &state.Live{
		Permissions: []state.LivePermission{
			{ID: "ps-read", Name: "read:x", Description: "Read"},
			{ID: "ps-write", Name: "write:x"},
		},
		Roles: []state.LiveRole{
			{ID: "r-bot", Name: "bot", Type: state.RoleTypeM2M, PermissionIDs: []string{"ps-read"}},
			{ID: "r-editor", Name: "editor", Type: state.RoleTypeUser, PermissionIDs: []string{"ps-read", "ps-write"}, ResourceScopeIDs: []string{"rs-read"}},
			{ID: "r-viewer", Name: "viewer", Type: state.RoleTypeUser, PermissionIDs: []string{"ps-read"}},
		},
		Organizations: []state.LiveOrganization{
			{ID: "o-acme", Name: "Acme", Description: "Acme's tenant", CustomData: map[string]any{"tier": "gold", "seats": float64(5)},
				Loaded: true, JITLoaded: true,
				Members: []state.LiveMember{
					{UserID: "u-alice", RoleIDs: []string{"r-viewer"}},
					{UserID: "u-bob", RoleIDs: []string{"r-editor"}},
				},
				Applications: []state.LiveApplication{{AppID: "app-ci", RoleIDs: []string{"r-bot"}}},
				JIT:          state.JIT{EmailDomains: []string{"Acme.com"}, Roles: []string{"r-viewer"}},
			},
			{ID: "o-other", Name: "Other", CustomData: map[string]any{}, Loaded: true,
				Members: []state.LiveMember{{UserID: "u-alice", RoleIDs: []string{"r-viewer"}}}},
		},
		Resources: []state.Resource{{ID: "res-1", Name: "Acme API", Indicator: api, AccessTokenTTL: 600,
			Scopes: []state.ResourceScope{{ID: "rs-read", Name: "read:reports"}, {ID: "rs-write", Name: "write:reports"}}}},
		Users: map[string]state.User{
			"u-alice": {ID: "u-alice", Username: "alice", Email: "alice@acme.com"},
			"u-bob":   {ID: "u-bob", Username: "bob", Email: "Bob@Acme.com"},
			"u-carol": {ID: "u-carol", Username: "carol", Email: "carol@acme.com"},
			"u-dave":  {ID: "u-dave", Username: "dave"},
		},
		Applications: map[string]state.App{
			"app-ci":  {ID: "app-ci", Name: "ci-bot", Type: state.RoleTypeM2M},
			"app-ops": {ID: "app-ops", Name: "ops-bot", Type: state.RoleTypeM2M},
			"app-web": {ID: "app-web", Name: "web", Type: "Traditional"},
		},
		Record: state.Record{
			Permissions:   []string{"ps-read", "ps-write"},
			Roles:         []string{"r-bot", "r-editor", "r-viewer"},
			Organizations: []string{"o-acme"},
			// Known for a year: every live grant holds them.
			PermissionSince: map[string]int64{"ps-read": testNow.AddDate(-1, 0, 0).UnixMilli(), "ps-write": testNow.AddDate(-1, 0, 0).UnixMilli()},
			Members:         map[string][]string{"o-acme": {"u-alice", "u-bob"}},
			Applications:    map[string][]string{"o-acme": {"app-ci"}},
			Addresses: map[string]string{
				"ps-read": `permission."read:x"`, "ps-write": `permission."write:x"`,
				"r-bot": "role.bot", "r-editor": "role.editor", "r-viewer": "role.viewer", "o-acme": "organization.acme",
			},
		},
	}
}

func baseConfig() *state.Config {
	return &state.Config{
		Permissions: []state.Permission{
			{Name: "read:x", Description: "Read"},
			{Name: "write:x"},
		},
		Roles: []state.Role{
			{Name: "bot", Type: state.RoleTypeM2M, Permissions: []string{"read:x"}},
			{Name: "editor", Type: state.RoleTypeUser, Permissions: []string{"read:x", "write:x"},
				APIPermissions: map[string][]string{api: {"read:reports"}}},
			{Name: "viewer", Type: state.RoleTypeUser, Permissions: []string{"read:x"}},
		},
		Organizations: []state.Organization{{
			Address: "organization.acme", Key: "acme", Name: "Acme",
			Description: ptr("Acme's tenant"),
			CustomData:  map[string]any{"seats": 5, "tier": "gold"},
			MFARequired: ptr(false),
			Members: []state.Member{
				{Label: "alice@acme.com", Kind: state.RefEmail, Value: "alice@acme.com", Roles: []string{"viewer"}},
				{Label: "bob@acme.com", Kind: state.RefEmail, Value: "bob@acme.com", Roles: []string{"editor"}},
			},
			Applications: []state.Application{{Label: "ci-bot", Kind: state.RefName, Value: "ci-bot", Roles: []string{"bot"}}},
			JIT:          &state.JIT{EmailDomains: []string{"acme.com"}, Roles: []string{"viewer"}},
		}},
	}
}

func member(label string, roles ...string) state.Member {
	m := state.Member{Label: label, Roles: roles}
	switch {
	case len(label) > 3 && label[:3] == "id:":
		m.Kind, m.Value = state.RefID, label[3:]
	case containsAt(label):
		m.Kind, m.Value = state.RefEmail, label
	default:
		m.Kind, m.Value = state.RefUsername, label
	}
	return m
}

func containsAt(s string) bool {
	for _, r := range s {
		if r == '@' {
			return true
		}
	}
	return false
}

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fixture returns the base configuration and live state, each changed by
// its function when that is not nil.
func fixture(cfgFn func(*state.Config), liveFn func(*state.Live)) (*state.Config, *state.Live) {
	cfg, live := baseConfig(), baseLive()
	if cfgFn != nil {
		cfgFn(cfg)
	}
	if liveFn != nil {
		liveFn(live)
	}
	return cfg, live
}

func mustPlan(t *testing.T, cfg *state.Config, live *state.Live, opts Options) *Plan {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	p, err := Compute(cfg, live, opts)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return p
}

func mustRefuse(t *testing.T, cfg *state.Config, live *state.Live, opts Options) []Problem {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	_, err := Compute(cfg, live, opts)
	var re *RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("Compute: want *RefusedError, got %v", err)
	}
	return re.Problems
}

// opLines renders operations as "stage kind {parameters}" for comparisons.
func opLines(ops []Operation) []string {
	out := make([]string, 0, len(ops))
	for _, o := range ops {
		out = append(out, o.String())
	}
	return out
}

// changeLines renders changes as "action address [attr...]".
func changeLines(cs []*Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		s := string(c.Action) + " " + c.Address
		for _, a := range c.Attrs {
			s += " " + a.Name
			if a.Set {
				s += fmt.Sprintf("+%v-%v", a.Added, a.Removed)
			} else {
				b, af := "null", "null"
				if a.Before != nil {
					b = *a.Before
				}
				if a.After != nil {
					af = *a.After
				}
				s += "=" + b + "->" + af
			}
		}
		if c.Reason() != "" {
			s += " (" + c.Reason() + ")"
		}
		out = append(out, s)
	}
	return out
}
