package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/internal/logtotest"
	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// The end-to-end tests run orgsync commands in-process, as a user runs them,
// against the built-in emulator, or against a real Logto when
// ORGSYNC_TEST_LOGTO_ENDPOINT, ORGSYNC_TEST_LOGTO_APP_ID and
// ORGSYNC_TEST_LOGTO_APP_SECRET are set (ORGSYNC_TEST_LOGTO_RESOURCE
// optionally). Configurations are text/template files: {{.P}} is a random
// run prefix put in front of every permission, role, organization name and
// user email, so that a real tenant's own objects are never touched, and
// everything a test creates is deleted when it ends.

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/e2e")

// e2eTenant is one test's Logto tenant and configuration directory.
type e2eTenant struct {
	t        *testing.T
	endpoint string
	appID    string
	secret   string
	resource string
	C        *logto.Client
	Emu      *emulator.Emulator // nil against a real Logto
	prefix   string             // e.g. "e2e_1a2b3c4d_"
	dir      string             // configuration directory
	// baseOrgs is the number of organizations that existed before the test
	// (a real tenant's own; 0 on the emulator).
	baseOrgs int
}

// newE2E starts a tenant for t. On the emulator the test runs in parallel
// with the others; on a real Logto tests run one after the other, each with
// an empty ownership record (the tenant's record is restored afterwards).
func newE2E(t *testing.T) *e2eTenant {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	tn := &e2eTenant{t: t, prefix: "e2e_" + hex.EncodeToString(b) + "_", dir: t.TempDir()}
	if ep := os.Getenv("ORGSYNC_TEST_LOGTO_ENDPOINT"); ep != "" {
		tn.endpoint = strings.TrimRight(ep, "/")
		tn.appID = os.Getenv("ORGSYNC_TEST_LOGTO_APP_ID")
		tn.secret = os.Getenv("ORGSYNC_TEST_LOGTO_APP_SECRET")
		tn.resource = os.Getenv("ORGSYNC_TEST_LOGTO_RESOURCE")
	} else {
		t.Parallel()
		s := emulatortest.Start(t, emulator.Options{})
		tn.endpoint, tn.appID, tn.secret, tn.Emu = s.URL, s.AppID, s.AppSecret, s.E
	}
	c, err := logto.New(logto.Config{
		Endpoint: tn.endpoint, AppID: tn.appID, AppSecret: tn.secret, Resource: tn.resource,
		InsecureHTTP: true, RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	tn.C = c
	if tn.real() {
		tn.isolateRecord()
		tn.cleanupPrefixed()
		orgs, err := c.ListOrganizations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tn.baseOrgs = len(orgs)
	}
	return tn
}

// real reports whether the test runs against a real Logto.
func (tn *e2eTenant) real() bool { return tn.Emu == nil }

// emulatorOnly skips a check that needs exact request counts or fault
// injection.
func (tn *e2eTenant) emulatorOnly() {
	tn.t.Helper()
	if tn.real() {
		tn.t.Skip("needs the emulator (exact request counts or fault injection)")
	}
}

// isolateRecord starts the test with no ownership record (so that objects a
// real tenant's earlier applies manage are unmanaged here and left alone) and
// puts the tenant's record back when the test ends.
func (tn *e2eTenant) isolateRecord() {
	t := tn.t
	ctx := context.Background()
	app, err := tn.C.GetApplication(ctx, tn.appID)
	if err != nil {
		t.Fatalf("reading the ownership record: %v", err)
	}
	before := map[string]any{}
	clear := map[string]any{}
	for k, v := range app.CustomData {
		if strings.HasPrefix(k, apply.RecordKey) {
			before[k] = v
			clear[k] = nil
		}
	}
	if len(clear) > 0 {
		if err := tn.C.PatchApplicationCustomData(ctx, tn.appID, clear); err != nil {
			t.Fatalf("clearing the ownership record: %v", err)
		}
	}
	t.Cleanup(func() {
		now, err := tn.C.GetApplication(ctx, tn.appID)
		if err != nil {
			t.Errorf("restoring the ownership record: %v", err)
			return
		}
		patch := map[string]any{}
		for k := range now.CustomData {
			if strings.HasPrefix(k, apply.RecordKey) {
				patch[k] = before[k] // nil when the key did not exist
			}
		}
		for k, v := range before {
			patch[k] = v
		}
		if len(patch) > 0 {
			if err := tn.C.PatchApplicationCustomData(ctx, tn.appID, patch); err != nil {
				t.Errorf("restoring the ownership record: %v", err)
			}
		}
	})
}

// cleanupPrefixed deletes, when the test ends, every organization, role and
// permission whose name starts with the run prefix (whoever created it).
func (tn *e2eTenant) cleanupPrefixed() {
	tn.t.Cleanup(func() {
		ctx := context.Background()
		c, p := tn.C, tn.prefix
		if orgs, err := c.ListOrganizations(ctx); err == nil {
			for _, o := range orgs {
				if strings.HasPrefix(o.Name, p) {
					tn.logCleanup("organization "+o.Name, c.DeleteOrganization(ctx, o.ID))
				}
			}
		} else {
			tn.t.Errorf("cleanup: listing organizations: %v", err)
		}
		if roles, err := c.ListOrganizationRoles(ctx); err == nil {
			for _, r := range roles {
				if strings.HasPrefix(r.Name, p) {
					tn.logCleanup("role "+r.Name, c.DeleteOrganizationRole(ctx, r.ID))
				}
			}
		} else {
			tn.t.Errorf("cleanup: listing roles: %v", err)
		}
		if scopes, err := c.ListOrganizationScopes(ctx); err == nil {
			for _, s := range scopes {
				if strings.HasPrefix(s.Name, p) {
					tn.logCleanup("permission "+s.Name, c.DeleteOrganizationScope(ctx, s.ID))
				}
			}
		} else {
			tn.t.Errorf("cleanup: listing permissions: %v", err)
		}
	})
}

func (tn *e2eTenant) logCleanup(what string, err error) {
	if err != nil && !logto.IsNotFound(err) {
		tn.t.Errorf("cleanup: deleting %s: %v", what, err)
	}
}

// email is the run's email address for a local part.
func (tn *e2eTenant) email(local string) string { return tn.prefix + local + "@example.com" }

// user creates a user with the run's email for local and deletes it when
// the test ends (on a real Logto).
func (tn *e2eTenant) user(local string) *logto.User {
	tn.t.Helper()
	u, err := tn.C.CreateUser(context.Background(), logto.CreateUser{PrimaryEmail: tn.email(local), Name: local})
	if err != nil {
		tn.t.Fatalf("creating user %s: %v", local, err)
	}
	if tn.real() {
		tn.t.Cleanup(func() { tn.logCleanup("user "+u.ID, logtotest.DeleteUser(context.Background(), tn.C, u.ID)) })
	}
	return u
}

// org creates an organization through the API (behind orgsync's back).
func (tn *e2eTenant) org(name string) *logto.Organization {
	tn.t.Helper()
	o, err := tn.C.CreateOrganization(context.Background(), logto.CreateOrganization{Name: tn.prefix + name})
	if err != nil {
		tn.t.Fatalf("creating organization %s: %v", name, err)
	}
	return o // deleted by cleanupPrefixed
}

// config writes the configuration template as main.hcl (replacing every
// other *.hcl file of the directory); {{.P}} is the run prefix.
func (tn *e2eTenant) config(tmpl string) {
	tn.t.Helper()
	old, _ := filepath.Glob(filepath.Join(tn.dir, "*.hcl"))
	for _, f := range old {
		os.Remove(f)
	}
	tp, err := template.New("main.hcl").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		tn.t.Fatalf("config template: %v", err)
	}
	var b bytes.Buffer
	if err := tp.Execute(&b, map[string]string{"P": tn.prefix}); err != nil {
		tn.t.Fatalf("config template: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tn.dir, "main.hcl"), b.Bytes(), 0o644); err != nil {
		tn.t.Fatal(err)
	}
}

// e2eRun is what one command did.
type e2eRun struct {
	args   []string
	code   exitCode
	stdout string
	stderr string
}

// e2eOpts vary how a command runs.
type e2eOpts struct {
	ctx   context.Context
	stdin string
	inTTY bool
	env   map[string]string           // overrides of the LOGTO_* variables
	errTo func(w io.Writer) io.Writer // wraps stderr
	// planFile: the command is `apply PLANFILE`, so no -c is added.
	planFile bool
}

// run runs orgsync with args; "-c DIR -insecure-http" is added to plan and
// apply (only -insecure-http for `apply PLANFILE`).
func (tn *e2eTenant) run(args ...string) *e2eRun {
	tn.t.Helper()
	return tn.runWith(e2eOpts{}, args...)
}

func (tn *e2eTenant) runWith(o e2eOpts, args ...string) *e2eRun {
	tn.t.Helper()
	vars := map[string]string{
		"LOGTO_ENDPOINT":   tn.endpoint,
		"LOGTO_APP_ID":     tn.appID,
		"LOGTO_APP_SECRET": tn.secret,
		"LOGTO_RESOURCE":   tn.resource,
	}
	for k, v := range o.env {
		vars[k] = v
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	var stdout, stderr e2eBuffer
	var errW io.Writer = &stderr
	if o.errTo != nil {
		errW = o.errTo(errW)
	}
	e := &env{
		ctx:    ctx,
		s:      streams{In: strings.NewReader(o.stdin), Out: &stdout, Err: errW, InTTY: o.inTTY},
		getenv: func(k string) string { return vars[k] },
	}
	full := slices.Clone(args)
	if len(args) > 0 && (args[0] == "plan" || args[0] == "apply") {
		if o.planFile {
			full = append([]string{args[0], "-insecure-http"}, args[1:]...)
		} else {
			full = append([]string{args[0], "-c", tn.dir, "-insecure-http"}, args[1:]...)
		}
	}
	code := run(e, full)
	r := &e2eRun{args: full, code: code, stdout: stdout.String(), stderr: stderr.String()}
	tn.t.Logf("orgsync %s -> %d", strings.Join(args, " "), code)
	return r
}

// must runs a command and fails the test unless it exits with want.
func (tn *e2eTenant) must(want exitCode, args ...string) *e2eRun {
	tn.t.Helper()
	r := tn.run(args...)
	r.expect(tn.t, want)
	return r
}

func (r *e2eRun) expect(t *testing.T, want exitCode) {
	t.Helper()
	if r.code != want {
		t.Fatalf("orgsync %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, want, r.stdout, r.stderr)
	}
}

// e2eBuffer is a bytes.Buffer safe for the concurrent writes of progress
// lines.
type e2eBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *e2eBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *e2eBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// jsonPlan is the part of the JSON plan format the tests check.
type jsonPlan struct {
	FormatVersion string `json:"format_version"`
	Summary       struct {
		Add     int `json:"add"`
		Change  int `json:"change"`
		Destroy int `json:"destroy"`
	} `json:"summary"`
	Changes []struct {
		Address      string         `json:"address"`
		Kind         string         `json:"kind"`
		Action       string         `json:"action"`
		ID           *string        `json:"id"`
		Reason       *string        `json:"reason"`
		PreviousName *string        `json:"previous_name"`
		Before       map[string]any `json:"before"`
		After        map[string]any `json:"after"`
		Attributes   []struct {
			Name    string          `json:"name"`
			Before  json.RawMessage `json:"before"`
			After   json.RawMessage `json:"after"`
			Added   []string        `json:"added"`
			Removed []string        `json:"removed"`
			Class   *string         `json:"classification"`
		} `json:"attributes"`
		Class *string `json:"classification"`
	} `json:"changes"`
	Drift []struct {
		Address    string  `json:"address"`
		Kind       string  `json:"kind"`
		Action     string  `json:"action"`
		ID         *string `json:"id"`
		Planned    bool    `json:"planned"`
		Attributes []struct {
			Name    string          `json:"name"`
			Applied json.RawMessage `json:"applied"`
			Live    json.RawMessage `json:"live"`
			Pending bool            `json:"pending"`
		} `json:"attributes"`
	} `json:"drift"`
	LastApply *struct {
		OrgsyncVersion *string `json:"orgsync_version"`
		Commit         *string `json:"commit"`
		AppliedAt      string  `json:"applied_at"`
	} `json:"last_apply"`
	Operations []struct {
		Stage      int            `json:"stage"`
		Kind       string         `json:"kind"`
		Address    string         `json:"address"`
		Covers     []string       `json:"covers"`
		Parameters map[string]any `json:"parameters"`
	} `json:"operations"`
	TokenImpact []struct {
		Kind          string       `json:"kind"`
		Permission    string       `json:"permission"`
		Resource      *string      `json:"resource"`
		Role          string       `json:"role"`
		Organizations []string     `json:"organizations"`
		Users         []string     `json:"users"`
		UserCount     int          `json:"user_count"`
		MaxLagSeconds int          `json:"max_lag_seconds"`
		Subjects      []e2eSubject `json:"subjects"`
	} `json:"token_impact"`
	TokenImpactComplete bool `json:"token_impact_complete"`
	TokenImpactGap      *struct {
		UnreadOrganizations int `json:"unread_organizations"`
		Requests            int `json:"requests"`
		Budget              int `json:"budget"`
	} `json:"token_impact_gap"`
	Unmanaged struct {
		Permissions   []string `json:"permissions"`
		Roles         []string `json:"roles"`
		Organizations int      `json:"organizations"`
		Members       int      `json:"members"`
	} `json:"unmanaged"`
	Warnings []string `json:"warnings"`
}

// planJSON runs `plan -format json` (expecting exit 0) and decodes it.
func (tn *e2eTenant) planJSON(extra ...string) *jsonPlan {
	tn.t.Helper()
	r := tn.must(exitOK, append([]string{"plan", "-format", "json"}, extra...)...)
	var p jsonPlan
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		tn.t.Fatalf("plan -format json: %v\n%s", err, r.stdout)
	}
	return &p
}

// strip removes the run prefix from s.
// (also as markdown escapes it).
func (tn *e2eTenant) strip(s string) string {
	s = strings.ReplaceAll(s, tn.prefix, "")
	return strings.ReplaceAll(s, strings.ReplaceAll(tn.prefix, "_", `\_`), "")
}

// actions returns "address action" for each change, prefix removed, in plan
// order.
func (tn *e2eTenant) actions(p *jsonPlan) []string {
	out := make([]string, 0, len(p.Changes))
	for _, c := range p.Changes {
		out = append(out, tn.strip(c.Address)+" "+c.Action)
	}
	return out
}

var (
	e2eIDAttr     = regexp.MustCompile(`((?:^|\s)(?:user_id|application_id|id)\s+=\s+)"[^"]*"`)
	e2eIDBracket  = regexp.MustCompile(`\[id=[^\]]+\]`)
	e2eElapsed    = regexp.MustCompile(`after [0-9.]+(?:ns|µs|us|ms|s|m)+`)
	e2eUnmanaged  = regexp.MustCompile(`(?m)^\n?.* not managed by orgsync (?:was|were) left alone\.\n`)
	e2eMultiSpace = regexp.MustCompile(`\n{3,}`)
)

// normalize makes command output comparable across runs: the prefix goes,
// ids and durations become placeholders, and on a real tenant the line about
// the tenant's own unmanaged objects goes.
func (tn *e2eTenant) normalize(s string) string {
	s = tn.strip(s)
	s = e2eIDAttr.ReplaceAllString(s, `$1"<id>"`)
	s = e2eIDBracket.ReplaceAllString(s, "[id=<id>]")
	s = e2eElapsed.ReplaceAllString(s, "after <elapsed>")
	if tn.real() {
		s = e2eUnmanaged.ReplaceAllString(s, "")
		s = e2eMultiSpace.ReplaceAllString(s, "\n\n")
	}
	return s
}

// golden compares got with testdata/e2e/<name>, or rewrites it with -update.
func (tn *e2eTenant) golden(name, got string) {
	tn.t.Helper()
	path := filepath.Join("..", "..", "testdata", "e2e", name)
	if *updateGolden && !tn.real() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tn.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tn.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tn.t.Fatalf("%v (run go test ./cmd/orgsync -run %s -update to create it)", err, tn.t.Name())
	}
	w := string(want)
	if tn.real() {
		w = e2eMultiSpace.ReplaceAllString(e2eUnmanaged.ReplaceAllString(w, ""), "\n\n")
	}
	if got != w {
		tn.t.Errorf("output differs from %s (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, w)
	}
}

// role returns the live role named prefix+name.
func (tn *e2eTenant) role(name string) *logto.OrganizationRole {
	tn.t.Helper()
	roles, err := tn.C.ListOrganizationRoles(context.Background())
	if err != nil {
		tn.t.Fatal(err)
	}
	for i := range roles {
		if roles[i].Name == tn.prefix+name {
			return &roles[i]
		}
	}
	tn.t.Fatalf("no live role %s", tn.prefix+name)
	return nil
}

// scope returns the live permission named prefix+name, or nil.
func (tn *e2eTenant) scope(name string) *logto.OrganizationScope {
	tn.t.Helper()
	scopes, err := tn.C.ListOrganizationScopes(context.Background())
	if err != nil {
		tn.t.Fatal(err)
	}
	for i := range scopes {
		if scopes[i].Name == tn.prefix+name {
			return &scopes[i]
		}
	}
	return nil
}

// liveOrg returns the live organization named prefix+name, or nil.
func (tn *e2eTenant) liveOrg(name string) *logto.Organization {
	tn.t.Helper()
	orgs, err := tn.C.FindOrganizationsByName(context.Background(), tn.prefix+name)
	if err != nil {
		tn.t.Fatal(err)
	}
	switch len(orgs) {
	case 0:
		return nil
	case 1:
		return &orgs[0]
	}
	tn.t.Fatalf("%d organizations named %s", len(orgs), tn.prefix+name)
	return nil
}

// memberRoles returns the role names (prefix removed) of each member of an
// organization, by user id.
func (tn *e2eTenant) memberRoles(orgID string) map[string][]string {
	tn.t.Helper()
	us, err := tn.C.ListOrganizationUsers(context.Background(), orgID)
	if err != nil {
		tn.t.Fatal(err)
	}
	out := map[string][]string{}
	for _, u := range us {
		rs := []string{}
		for _, r := range u.OrganizationRoles {
			rs = append(rs, tn.strip(r.Name))
		}
		slices.Sort(rs)
		out[u.ID] = rs
	}
	return out
}
