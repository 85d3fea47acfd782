package render

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/diff"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/render")

const goldenDir = "../../testdata/render"

var appliedAt = time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600))

func TestGolden(t *testing.T) {
	names := make([]string, 0, len(goldenCases))
	for name := range goldenCases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := goldenCases[name]
		t.Run(name, func(t *testing.T) {
			outputs := map[string]func(*bytes.Buffer) error{
				"plan.txt":  func(b *bytes.Buffer) error { return Text(b, p, Style{}) },
				"plan.md":   func(b *bytes.Buffer) error { return Markdown(b, p, MarkdownOptions{}) },
				"plan.json": func(b *bytes.Buffer) error { return JSON(b, p) },
				"impact.json": func(b *bytes.Buffer) error {
					return ImpactJSON(b, p.TokenImpact, ImpactMeta{AppliedAt: appliedAt, Gap: p.ImpactGap})
				},
			}
			for file, render := range outputs {
				var b bytes.Buffer
				if err := render(&b); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				path := filepath.Join(goldenDir, name, file)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("reading golden file (run go test ./pkg/render -update to create it): %v", err)
				}
				if d := cmp.Diff(string(want), b.String()); d != "" {
					t.Errorf("%s differs from %s (-want +got):\n%s", file, path, d)
				}
			}
		})
	}
}

// A plan shown and not applied lets go of its operations and what the
// apply records (diff.Plan.DropExecution): its text and markdown read the
// same without them.
func TestShownPlanReadsTheSameWithoutItsExecution(t *testing.T) {
	for name, p := range goldenCases {
		if len(p.Operations) == 0 {
			continue
		}
		for format, render := range map[string]func(*bytes.Buffer, *diff.Plan) error{
			"text":     func(b *bytes.Buffer, p *diff.Plan) error { return Text(b, p, Style{Color: true}) },
			"markdown": func(b *bytes.Buffer, p *diff.Plan) error { return Markdown(b, p, MarkdownOptions{}) },
		} {
			var full, shown bytes.Buffer
			if err := render(&full, p); err != nil {
				t.Fatal(err)
			}
			dropped := *p
			dropped.DropExecution()
			if len(dropped.Operations) != 0 || len(dropped.Applied) != 0 || len(dropped.RecordEdits) != 0 {
				t.Fatalf("%s: DropExecution kept %d operations, %d applied edits, %d record edits", name, len(dropped.Operations), len(dropped.Applied), len(dropped.RecordEdits))
			}
			if err := render(&shown, &dropped); err != nil {
				t.Fatal(err)
			}
			if full.String() != shown.String() {
				t.Errorf("%s, %s: the plan reads differently without its execution:\n%s", name, format, cmp.Diff(full.String(), shown.String()))
			}
		}
	}
}

func TestNewStyle(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"terminal", true, nil, true},
		{"not a terminal", false, nil, false},
		{"NO_COLOR set", true, map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR any value", true, map[string]string{"NO_COLOR": "false"}, false},
		{"TERM dumb", true, map[string]string{"TERM": "dumb"}, false},
		{"TERM xterm", true, map[string]string{"TERM": "xterm-256color"}, true},
		{"pipe with TERM xterm", false, map[string]string{"TERM": "xterm-256color"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewStyle(tt.tty, func(k string) string { return tt.env[k] })
			if got.Color != tt.want {
				t.Errorf("NewStyle(%v, %v).Color = %v, want %v", tt.tty, tt.env, got.Color, tt.want)
			}
		})
	}
}

func TestStyleHelpers(t *testing.T) {
	off, on := Style{}, Style{Color: true}
	for name, f := range map[string][2]func(string) string{
		"Green": {off.Green, on.Green}, "Red": {off.Red, on.Red}, "Yellow": {off.Yellow, on.Yellow},
		"Cyan": {off.Cyan, on.Cyan}, "Bold": {off.Bold, on.Bold}, "Dim": {off.Dim, on.Dim},
	} {
		if got := f[0]("x"); got != "x" {
			t.Errorf("%s without colour = %q, want %q", name, got, "x")
		}
		if got := f[1]("x"); !strings.HasPrefix(got, "\x1b[") || !strings.HasSuffix(got, "x\x1b[0m") {
			t.Errorf("%s with colour = %q, want an ANSI-wrapped x", name, got)
		}
	}
}

func TestTextColour(t *testing.T) {
	p := mixedPlan()
	var plain, coloured bytes.Buffer
	if err := Text(&plain, p, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := Text(&coloured, p, Style{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Error("text without colour contains an escape sequence")
	}
	for _, want := range []string{
		ansiGreen + "+" + ansiReset, ansiRed + "-" + ansiReset,
		ansiYellow + "~" + ansiReset, ansiCyan + ">" + ansiReset,
	} {
		if !strings.Contains(coloured.String(), want) {
			t.Errorf("coloured text lacks %q", want)
		}
	}
	ansi := regexp.MustCompile("\x1b\\[[0-9;]*m")
	if got := ansi.ReplaceAllString(coloured.String(), ""); got != plain.String() {
		t.Errorf("coloured text without escapes differs from plain text:\n%s", cmp.Diff(plain.String(), got))
	}
	var md bytes.Buffer
	if err := Markdown(&md, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "\x1b") {
		t.Error("markdown contains an escape sequence")
	}
}

func TestTextHeadlines(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, mixedPlan(), Style{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"orgsync will perform the following actions:",
		`  # role.admin will be updated in-place`,
		`  ~ role "admin" {`,
		`  # permission."invite:member" will be renamed from "member:invite"`,
		`  > permission "invite:member" {`,
		`  # permission."x:legacy" will be destroyed` + "\n  # (because permissions are exclusive)",
		`  # organization.acme.member."carol@acme.com" will be destroyed` + "\n  # (because it is no longer in the configuration)",
		`  + organization "customer" {`,
		`          + "manage:billing",`,
		`            # (3 unchanged elements hidden)`,
		"Plan: 5 to add, 5 to change, 3 to destroy.",
		"Warning: organization.acme.member",
		"1 permission, 1 role, 3 organizations, 2 members not managed by orgsync were left alone.",
		"Token impact:",
		"x:legacy via role \"admin\" in Acme, Globex and 3 more: 5 users (ann@acme.com, bert and 3 more)\n",
		"read:reports (https://api.acme.com) via role \"admin\" in Acme: 2 users",
		"tokens already issued keep it for up to 1h",
		"a refresh cannot add it",
		"no re-login",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// Token-impact groups come in a fixed order whatever the plan order.
	re, rf, rl := strings.Index(out, "Re-consent required:"), strings.Index(out, "Refresh:"), strings.Index(out, "Revocation lag:")
	if !(re > 0 && re < rf && rf < rl) {
		t.Errorf("impact groups out of order: reconsent at %d, refresh at %d, revocation lag at %d", re, rf, rl)
	}
}

func TestTextNoChanges(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, goldenCases["no_changes"], Style{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "No changes. The tenant matches the configuration.\n") {
		t.Errorf("got %q", b.String())
	}
	if strings.Contains(b.String(), "Token impact") || strings.Contains(b.String(), "Plan:") {
		t.Errorf("a plan without changes shows a plan line or token impact:\n%s", b.String())
	}
}

func TestCreateFromAttrsWhenAfterMissing(t *testing.T) {
	p := &diff.Plan{Changes: []*diff.Change{{
		Address: "role.x", Kind: diff.KindRole, Action: diff.Create,
		Attrs: []diff.AttrChange{
			{Name: "description", After: str(`"X"`)},
			{Name: "permissions", Set: true, Added: []string{"a", "b"}},
		},
	}}}
	var b bytes.Buffer
	if err := Text(&b, p, Style{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`      + description = "X"`, `          + "a",`, `          + "b",`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}

func TestBlockLabel(t *testing.T) {
	tests := []struct{ addr, kind, want string }{
		{"role.admin", "role", `role "admin"`},
		{`permission."invite:member"`, "permission", `permission "invite:member"`},
		{"organization.acme", "organization", `organization "acme"`},
		{`organization.customer["a.b"]`, "organization", `organization "customer"`},
		{`organization.acme.member."alice@acme.com"`, "member", `member "alice@acme.com"`},
		{`organization.customer["member"].member.bob`, "member", `member "bob"`},
		{`organization.acme.application."ci-bot"`, "application", `application "ci-bot"`},
		{"organization.acme.jit", "jit", "jit"},
		{"something.odd", "invitation", `invitation "something.odd"`},
	}
	for _, tt := range tests {
		if got := blockLabel(tt.addr, tt.kind); got != tt.want {
			t.Errorf("blockLabel(%q, %q) = %q, want %q", tt.addr, tt.kind, got, tt.want)
		}
	}
}

func TestListNamesAndPlural(t *testing.T) {
	many := make([]string, 999)
	for i := range many {
		many[i] = "x"
	}
	many[0], many[1] = "acme", "globex"
	tests := []struct {
		names []string
		want  string
	}{
		{nil, ""},
		{[]string{"acme"}, "acme"},
		{[]string{"acme", "globex"}, "acme and globex"},
		{[]string{"acme", "globex", "hooli"}, "acme, globex and hooli"},
		{[]string{"acme", "globex", "hooli", "initech"}, "acme, globex and 2 more"},
		{many, "acme, globex and 997 more"},
	}
	for _, tt := range tests {
		if got := listNames(tt.names, 3); got != tt.want {
			t.Errorf("listNames(%d names) = %q, want %q", len(tt.names), got, tt.want)
		}
	}
	for n, want := range map[int]string{0: "0 roles", 1: "1 role", 2: "2 roles"} {
		if got := plural(n, "role"); got != want {
			t.Errorf("plural(%d, role) = %q, want %q", n, got, want)
		}
	}
	if got := plural(2, "entry"); got != "2 entries" {
		t.Errorf("plural(2, entry) = %q", got)
	}
	if got := unmanagedLine(diff.Unmanaged{Organizations: 1}); got != "1 organization not managed by orgsync was left alone." {
		t.Errorf("unmanagedLine = %q", got)
	}
	if got := unmanagedLine(diff.Unmanaged{}); got != "" {
		t.Errorf("unmanagedLine of nothing = %q, want empty", got)
	}
}

func TestReasonPhrase(t *testing.T) {
	tests := []struct {
		c    diff.Change
		want string
	}{
		{diff.Change{Kind: diff.KindRole, Action: diff.Delete}, ""},
		{diff.Change{Kind: diff.KindRole, Action: diff.Delete, ChangeNotes: &diff.ChangeNotes{Reason: "not_in_config"}}, "because it is no longer in the configuration"},
		{diff.Change{Kind: diff.KindPermission, Action: diff.Delete, ChangeNotes: &diff.ChangeNotes{Reason: "exclusive"}}, "because permissions are exclusive"},
		{diff.Change{Kind: diff.KindOrganization, Action: diff.Delete, ChangeNotes: &diff.ChangeNotes{Reason: "exclusive"}}, "because organizations are exclusive"},
		{diff.Change{Kind: diff.KindMember, Action: diff.Delete, ChangeNotes: &diff.ChangeNotes{Reason: "exclusive"}}, "because the organization's members are exclusive"},
		{diff.Change{Kind: diff.KindApplication, Action: diff.Delete, ChangeNotes: &diff.ChangeNotes{Reason: "exclusive"}}, "because the organization's members are exclusive"},
		{diff.Change{Kind: diff.KindPermission, Action: diff.Rename, ChangeNotes: &diff.ChangeNotes{Reason: "renamed_from", PreviousName: "a"}}, ""},
		{diff.Change{Kind: diff.KindInvitation, Action: diff.Create, ChangeNotes: &diff.ChangeNotes{Reason: "missing_user"}}, `because no Logto user exists for this member yet (missing_users = "invite")`},
		{diff.Change{Kind: diff.KindRole, Action: diff.Delete, ChangeNotes: &diff.ChangeNotes{Reason: "something_new"}}, "reason: something_new"},
	}
	for _, tt := range tests {
		if got := reasonPhrase(&tt.c); got != tt.want {
			t.Errorf("reasonPhrase(%s %s %q) = %q, want %q", tt.c.Action, tt.c.Kind, tt.c.Reason(), got, tt.want)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	p := mixedPlan()
	for name, err := range map[string]error{
		"Text":       Text(failingWriter{}, p, Style{}),
		"Markdown":   Markdown(failingWriter{}, p, MarkdownOptions{}),
		"JSON":       JSON(failingWriter{}, p),
		"ImpactJSON": ImpactJSON(failingWriter{}, p.TokenImpact, ImpactMeta{AppliedAt: appliedAt}),
	} {
		if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "writing") {
			t.Errorf("%s: error = %v, want a writing error that wraps the cause", name, err)
		}
	}
}
