package export_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/internal/exporttest"
	"github.com/orgsync/orgsync/internal/scaletest"
	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/export"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/spec"
	"github.com/orgsync/orgsync/pkg/state"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/export")

// goldenDir is testdata/export at the repository root.
const goldenDir = "../../testdata/export"

type tenant struct {
	c   *logto.Client
	ids exporttest.IDs
}

// seededTenant starts an emulator with deterministic ids and seeds it.
func seededTenant(t *testing.T) *tenant {
	t.Helper()
	srv := emulatortest.Start(t, emulator.Options{Seed: 1})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := exporttest.Seed(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return &tenant{c: c, ids: ids}
}

func runExport(t *testing.T, c *logto.Client, opts export.Options) *export.Summary {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	sum, err := export.Run(context.Background(), c, opts)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return sum
}

// readDir returns every file of dir by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func names(files map[string][]byte) []string {
	var out []string
	for n := range files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// planExported loads dir and plans it against the tenant.
func planExported(t *testing.T, c *logto.Client, dir string) (*state.Config, *state.Live, *diff.Plan) {
	t.Helper()
	res, diags := spec.Load(spec.Input{Dir: dir})
	if len(diags) > 0 {
		var buf bytes.Buffer
		_ = spec.WriteDiagnostics(&buf, res.Files, diags, false)
		t.Fatalf("loading the exported configuration:\n%s", buf.String())
	}
	live, p, err := apply.Plan(context.Background(), c, res.Config, apply.PlanOptions{})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return res.Config, live, p
}

func assertNoChanges(t *testing.T, p *diff.Plan, dir string) {
	t.Helper()
	if !p.HasChanges() {
		return
	}
	var b strings.Builder
	for _, ch := range p.Changes {
		b.WriteString("  " + string(ch.Action) + " " + ch.Address)
		for _, a := range ch.Attrs {
			b.WriteString(" " + a.Name)
			if a.Before != nil {
				b.WriteString(" before=" + *a.Before)
			}
			if a.After != nil {
				b.WriteString(" after=" + *a.After)
			}
			if len(a.Added) > 0 {
				b.WriteString(" added=" + strings.Join(a.Added, ","))
			}
			if len(a.Removed) > 0 {
				b.WriteString(" removed=" + strings.Join(a.Removed, ","))
			}
		}
		b.WriteString("\n")
	}
	var files strings.Builder
	for n, f := range readDir(t, dir) {
		files.WriteString("--- " + n + "\n" + string(f))
	}
	t.Errorf("plan on the export has changes:\n%s\n%s", b.String(), files.String())
}

// normalize replaces the seeded ids with their names, so that golden files
// do not depend on how the emulator generates ids.
func normalize(b []byte, ids exporttest.IDs) []byte {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(ids[keys[i]]) > len(ids[keys[j]]) })
	s := string(b)
	for _, k := range keys {
		s = strings.ReplaceAll(s, ids[k], "<"+k+">")
		s = strings.ReplaceAll(s, strings.ToLower(ids[k]), "<"+k+">")
	}
	return []byte(s)
}

func TestExportRoundTrip(t *testing.T) {
	tn := seededTenant(t)
	dir := t.TempDir()
	sum := runExport(t, tn.c, export.Options{Dir: dir})

	want := export.Summary{Dir: dir, Files: []string{"organizations.hcl", "permissions.hcl", "roles.hcl"},
		Permissions: 4, Roles: 5, Organizations: 6, Members: 7, Applications: 4}
	if sum.Permissions != want.Permissions || sum.Roles != want.Roles || sum.Organizations != want.Organizations ||
		sum.Members != want.Members || sum.Applications != want.Applications || strings.Join(sum.Files, ",") != strings.Join(want.Files, ",") {
		t.Errorf("summary = %+v, want %+v", *sum, want)
	}
	if len(sum.Warnings) > 0 {
		t.Errorf("warnings: %q", sum.Warnings)
	}

	files := readDir(t, dir)
	if got := names(files); strings.Join(got, ",") != strings.Join(want.Files, ",") {
		t.Fatalf("files = %v, want %v", got, want.Files)
	}
	for n, b := range files {
		if f := hclwrite.Format(b); !bytes.Equal(f, b) {
			t.Errorf("%s is not canonically formatted:\n%s", n, b)
		}
		f, diags := spec.FormatFile(b, n)
		if diags.HasErrors() {
			t.Errorf("orgsync fmt cannot parse %s: %v", n, diags)
		} else if !bytes.Equal(f, b) {
			t.Errorf("orgsync fmt would change %s:\n%s", n, f)
		}
	}

	// Exporting again gives identical bytes.
	dir2 := t.TempDir()
	runExport(t, tn.c, export.Options{Dir: dir2, Parallelism: 1})
	for n, b := range readDir(t, dir2) {
		if !bytes.Equal(b, files[n]) {
			t.Errorf("second export of %s differs:\n%s\nfirst:\n%s", n, b, files[n])
		}
	}

	checkGolden(t, filepath.Join(goldenDir, "varied"), files, tn.ids)

	// plan on the export shows no changes...
	cfg, live, p := planExported(t, tn.c, dir)
	assertNoChanges(t, p, dir)

	// ...and apply adopts every exported object.
	_, res, err := scaletest.Run(context.Background(), tn.c, cfg, scaletest.RunOptions{})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	rec, _, _, err := apply.ReadRecords(context.Background(), tn.c, apply.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	for _, perm := range live.Permissions {
		if !slices.Contains(rec.Permissions, perm.ID) {
			t.Errorf("permission %q is not recorded as managed after apply", perm.Name)
		}
	}
	for _, r := range live.Roles {
		if !slices.Contains(rec.Roles, r.ID) {
			t.Errorf("role %q is not recorded as managed after apply", r.Name)
		}
	}
	for _, o := range live.Organizations {
		if !slices.Contains(rec.Organizations, o.ID) {
			t.Errorf("organization %q (%s) is not recorded as managed after apply", o.Name, o.ID)
		}
	}
	if len(res.Failed) > 0 {
		t.Errorf("apply failed operations: %+v", res.Failed)
	}
	_, _, p = planExported(t, tn.c, dir)
	assertNoChanges(t, p, dir)
	if len(cfg.Organizations) != 6 {
		t.Errorf("the export declares %d organizations, want 6", len(cfg.Organizations))
	}
}

func checkGolden(t *testing.T, dir string, files map[string][]byte, ids exporttest.IDs) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, b := range files {
			if err := os.WriteFile(filepath.Join(dir, n+".golden"), normalize(b, ids), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	golden := readDir(t, dir)
	if len(golden) != len(files) {
		t.Errorf("golden files %v, export wrote %v (run go test ./pkg/export -update)", names(golden), names(files))
	}
	for n, b := range files {
		want, ok := golden[n+".golden"]
		if !ok {
			t.Errorf("no golden file for %s (run go test ./pkg/export -update)", n)
			continue
		}
		if got := normalize(b, ids); !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run go test ./pkg/export -update if intended):\n%s", n, filepath.Join(dir, n+".golden"), got)
		}
	}
}

func TestExportSplitsLargeTenants(t *testing.T) {
	tn := seededTenant(t)
	dir := t.TempDir()
	sum := runExport(t, tn.c, export.Options{Dir: dir, SplitAbove: 3, Parallelism: 2})
	files := readDir(t, dir)
	var orgFiles []string
	for n := range files {
		if strings.HasPrefix(n, "org_") {
			orgFiles = append(orgFiles, n)
		}
	}
	if len(orgFiles) != 6 || len(files) != 8 {
		t.Errorf("files = %v, want permissions.hcl, roles.hcl and 6 org_*.hcl", names(files))
	}
	if _, ok := files["organizations.hcl"]; ok {
		t.Error("organizations.hcl written although organizations are split")
	}
	if _, ok := files["org_acme.hcl"]; !ok {
		t.Errorf("org_acme.hcl missing: %v", names(files))
	}
	if len(sum.Files) != len(files) {
		t.Errorf("summary files %v, directory %v", sum.Files, names(files))
	}
	_, _, p := planExported(t, tn.c, dir)
	assertNoChanges(t, p, dir)
}

func TestExportNeverOverwritesWithoutForce(t *testing.T) {
	tn := seededTenant(t)
	dir := t.TempDir()
	mine := []byte("# my own roles\n")
	if err := os.WriteFile(filepath.Join(dir, "roles.hcl"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "permissions.hcl"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := export.Run(context.Background(), tn.c, export.Options{Dir: dir})
	var exists *export.ExistingFilesError
	if !errors.As(err, &exists) {
		t.Fatalf("err = %v, want an ExistingFilesError", err)
	}
	if strings.Join(exists.Files, ",") != "permissions.hcl,roles.hcl" {
		t.Errorf("existing files = %v", exists.Files)
	}
	if !strings.Contains(err.Error(), "-force") {
		t.Errorf("error does not say how to proceed: %v", err)
	}
	files := readDir(t, dir)
	if len(files) != 2 || !bytes.Equal(files["roles.hcl"], mine) {
		t.Errorf("the refused export changed the directory: %v", names(files))
	}

	sum := runExport(t, tn.c, export.Options{Dir: dir, Force: true})
	files = readDir(t, dir)
	if bytes.Equal(files["roles.hcl"], mine) || len(files) != 3 {
		t.Errorf("-force did not overwrite: %v", names(files))
	}
	if len(sum.Warnings) > 0 {
		t.Errorf("warnings: %q", sum.Warnings)
	}

	// Other configuration files are reported, since they are loaded with the export.
	if err := os.WriteFile(filepath.Join(dir, "extra.hcl"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	sum = runExport(t, tn.c, export.Options{Dir: dir, Force: true})
	if len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "extra.hcl") {
		t.Errorf("warnings = %q, want one about extra.hcl", sum.Warnings)
	}
}

func TestExportSelectsOrganizations(t *testing.T) {
	tn := seededTenant(t)
	tests := []struct {
		name    string
		opts    export.Options
		want    int    // organizations exported
		labels  string // organization labels in organizations.hcl, sorted
		wantErr string
	}{
		{name: "one name", opts: export.Options{Orgs: []string{exporttest.OrgAcme}}, want: 1, labels: "acme"},
		{name: "names with quotes and unicode", opts: export.Options{Orgs: []string{exporttest.OrgQuoted, exporttest.OrgUnicode}}, want: 2,
			labels: "quote-q-evil-tpl,soci-t-g-n-rale"},
		{name: "a shared name selects both", opts: export.Options{Orgs: []string{exporttest.OrgTwin}}, want: 2, labels: "twin_*,twin_*"},
		{name: "regexp", opts: export.Options{OrgMatch: regexp.MustCompile(`^(?i)(beta|twin)$`)}, want: 3, labels: "beta,twin_*,twin_*"},
		{name: "name or regexp", opts: export.Options{Orgs: []string{exporttest.OrgAcme}, OrgMatch: regexp.MustCompile(`^beta`)}, want: 2, labels: "acme,beta"},
		{name: "regexp matching nothing", opts: export.Options{OrgMatch: regexp.MustCompile(`^nothing$`)}, want: 0},
		{name: "unknown name", opts: export.Options{Orgs: []string{"ACME", exporttest.OrgAcme}}, wantErr: `-org "ACME": no organization has this name`},
	}
	labelRE := regexp.MustCompile(`(?m)^organization "([^"]+)"`)
	twinRE := regexp.MustCompile(`^twin_.*`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Dir = t.TempDir()
			sum, err := export.Run(context.Background(), tn.c, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if files := readDir(t, tt.opts.Dir); len(files) > 0 {
					t.Errorf("a failed export wrote %v", names(files))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum.Organizations != tt.want {
				t.Errorf("exported %d organizations, want %d", sum.Organizations, tt.want)
			}
			files := readDir(t, tt.opts.Dir)
			var labels []string
			for _, m := range labelRE.FindAllSubmatch(files["organizations.hcl"], -1) {
				labels = append(labels, twinRE.ReplaceAllString(string(m[1]), "twin_*"))
			}
			sort.Strings(labels)
			if got := strings.Join(labels, ","); got != tt.labels {
				t.Errorf("labels = %q, want %q", got, tt.labels)
			}
			if tt.want == 0 {
				if _, ok := files["organizations.hcl"]; ok {
					t.Error("organizations.hcl written with no organization selected")
				}
			}
			if _, ok := files["roles.hcl"]; !ok {
				t.Error("roles.hcl missing: a filtered export still declares the whole template")
			}
			_, _, p := planExported(t, tn.c, tt.opts.Dir)
			assertNoChanges(t, p, tt.opts.Dir)
		})
	}
}

func TestExportFailureLeavesDirectoryUnchanged(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := exporttest.Seed(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keep := []byte("# kept\n")
	if err := os.WriteFile(filepath.Join(dir, "notes.hcl"), keep, 0o644); err != nil {
		t.Fatal(err)
	}
	srv.E.FailNext("GET", "/api/organizations/"+ids["org:"+exporttest.OrgBeta]+"/users", 403, "auth.forbidden")
	_, err = export.Run(context.Background(), c, export.Options{Dir: dir, Parallelism: 2})
	if err == nil || !strings.Contains(err.Error(), `read the members of organization "beta"`) || !strings.Contains(err.Error(), "auth.forbidden") {
		t.Fatalf("err = %v, want one naming the organization and Logto's error", err)
	}
	files := readDir(t, dir)
	if len(files) != 1 || !bytes.Equal(files["notes.hcl"], keep) {
		t.Errorf("the failed export left %v", names(files))
	}
}

func TestExportManyOrganizations(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	role, err := c.CreateOrganizationRole(ctx, logto.CreateOrganizationRole{Name: "member"})
	if err != nil {
		t.Fatal(err)
	}
	user, err := c.CreateUser(ctx, logto.CreateUser{PrimaryEmail: "someone@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 120
	for i := range n {
		o, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: "customer " + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + "-" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := c.AddOrganizationUsers(ctx, o.ID, []string{user.ID}); err != nil {
				t.Fatal(err)
			}
			if err := c.SetOrganizationUserRoles(ctx, o.ID, user.ID, []string{role.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}

	dir := t.TempDir()
	sum := runExport(t, c, export.Options{Dir: dir, Parallelism: 3})
	if sum.Organizations != n || sum.Members != n/2 {
		t.Errorf("summary = %+v, want %d organizations and %d members", *sum, n, n/2)
	}
	files := readDir(t, dir)
	if len(files) != n+1 { // roles.hcl + one file per organization (no permissions)
		t.Errorf("wrote %d files, want %d", len(files), n+1)
	}
	// Another parallelism gives the same bytes.
	dir2 := t.TempDir()
	runExport(t, c, export.Options{Dir: dir2, Parallelism: 16})
	for name, b := range readDir(t, dir2) {
		if !bytes.Equal(b, files[name]) {
			t.Errorf("%s differs between parallelism 3 and 16", name)
		}
	}
	_, _, p := planExported(t, c, dir)
	assertNoChanges(t, p, dir)
}

func TestExportWarnsAboutValuesHCLCannotHold(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateOrganizationScope(ctx, "read docs", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: "Cafe\u0301", CustomData: map[string]any{"k": "e\u0301"}}); err != nil {
		t.Fatal(err)
	}
	sum := runExport(t, c, export.Options{})
	all := strings.Join(sum.Warnings, "\n")
	for _, want := range []string{
		`permission."read docs": the name contains whitespace`,
		`organization.cafe: "Cafe\u0301" is not in Unicode NFC form`,
		`organization.cafe.custom_data: "e\u0301" is not in Unicode NFC form`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}
