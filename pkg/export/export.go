// Package export writes HCL that declares what a live Logto tenant holds
// (organization permissions, roles and organizations with their members,
// applications and JIT settings), so that an existing tenant can be brought
// under configuration: `orgsync plan` on the result shows no changes, and
// `orgsync apply` records the exported objects as managed.
//
// The output is canonical (hclwrite-formatted, blocks and lists sorted), so
// exporting an unchanged tenant twice gives identical bytes. Organizations
// are read and written one at a time (a bounded number in flight), so large
// tenants do not have to fit in memory.
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/rs/zerolog"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// File names of the exported configuration.
const (
	PermissionsFile   = "permissions.hcl"
	RolesFile         = "roles.hcl"
	OrganizationsFile = "organizations.hcl"
)

// DefaultSplitAbove is the number of organizations above which each
// organization gets its own file (org_<label>.hcl).
const DefaultSplitAbove = 50

// Options steer Run.
type Options struct {
	// Dir is the directory to write to (created when missing).
	Dir string
	// Orgs limits the export to organizations with these exact names.
	Orgs []string
	// OrgMatch limits the export to organizations whose name matches. With
	// Orgs too, an organization is exported when either selects it.
	OrgMatch *regexp.Regexp
	// Force allows overwriting existing files.
	Force bool
	// Parallelism bounds the organizations read at the same time (0 → 8).
	Parallelism int
	// SplitAbove: more organizations than this are written one file each
	// (0 → DefaultSplitAbove).
	SplitAbove int
	// Log receives progress at debug level.
	Log zerolog.Logger
}

// Summary is what Run wrote.
type Summary struct {
	Dir           string
	Files         []string // file names written, sorted
	Permissions   int
	Roles         int
	Organizations int
	Members       int // user members
	Applications  int // application members
	// Warnings are values that could not be exported exactly, and other
	// things to check before planning.
	Warnings []string
}

// ExistingFilesError is returned when files would be overwritten without
// Options.Force. Nothing was written.
type ExistingFilesError struct {
	Dir   string
	Files []string
}

func (e *ExistingFilesError) Error() string {
	return fmt.Sprintf("%s already holds %s; nothing was written (use -force to overwrite, or choose another -o directory)",
		e.Dir, strings.Join(e.Files, ", "))
}

// tenant is what is read before organizations are streamed.
type tenant struct {
	perms     []Permission
	roles     []Role
	roleNames map[string]string // role id => name
	appNames  map[string]int    // application name => how many applications have it
	orgs      []logto.Organization
	labels    []orgLabel
	ssoNames  map[string]string // SSO connector id => name; nil: JIT connectors are not read
}

// Run reads the tenant through c and writes the configuration to opts.Dir.
// Files are written under temporary names and renamed into place only when
// everything was read, so a failed export leaves the directory as it was.
func Run(ctx context.Context, c *logto.Client, opts Options) (*Summary, error) {
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = 8
	}
	if opts.SplitAbove <= 0 {
		opts.SplitAbove = DefaultSplitAbove
	}
	if fi, err := os.Stat(opts.Dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s is a file; export writes a configuration directory", opts.Dir)
	}

	t, err := readTenant(ctx, c, opts)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Dir: opts.Dir, Permissions: len(t.perms), Roles: len(t.roles), Organizations: len(t.orgs)}

	split := len(t.orgs) > opts.SplitAbove
	var names []string
	if len(t.perms) > 0 {
		names = append(names, PermissionsFile)
	}
	if len(t.roles) > 0 {
		names = append(names, RolesFile)
	}
	switch {
	case split:
		for _, l := range t.labels {
			names = append(names, orgFileName(l.Label))
		}
	case len(t.orgs) > 0:
		names = append(names, OrganizationsFile)
	}
	for i, o := range t.orgs {
		if o.CustomCSS != nil && *o.CustomCSS != "" {
			names = append(names, cssFileName(t.labels[i].Label))
		}
	}
	if err := checkExisting(opts.Dir, names, opts.Force); err != nil {
		return nil, err
	}
	sum.Warnings = append(sum.Warnings, otherConfigFiles(opts.Dir, names)...)
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the output directory: %w", err)
	}

	w := &writer{dir: opts.Dir}
	defer w.abort()
	for _, p := range t.perms {
		if s, bad := changedByHCL([]any{p.Name, p.Description}); bad {
			sum.Warnings = append(sum.Warnings, notNFC(state.PermissionAddress(p.Name), s))
		}
		if strings.IndexFunc(p.Name, unicode.IsSpace) >= 0 {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("%s: the name contains whitespace, which an OAuth scope string cannot carry, so the configuration refuses it; rename the permission in Logto and export again",
				state.PermissionAddress(p.Name)))
		}
	}
	for _, r := range t.roles {
		if s, bad := changedByHCL([]any{r.Name, r.Description}); bad {
			sum.Warnings = append(sum.Warnings, notNFC(state.RoleAddress(r.Name), s))
		}
	}
	if len(t.perms) > 0 {
		if err := w.writeFile(PermissionsFile, renderPermissions(t.perms)); err != nil {
			return nil, err
		}
	}
	if len(t.roles) > 0 {
		if err := w.writeFile(RolesFile, renderRoles(t.roles)); err != nil {
			return nil, err
		}
	}
	if len(t.orgs) > 0 {
		if err := streamOrganizations(ctx, c, t, opts, split, w, sum); err != nil {
			return nil, err
		}
	}
	if err := w.commit(); err != nil {
		return nil, err
	}
	sum.Files = append([]string(nil), names...)
	sort.Strings(sum.Files)
	return sum, nil
}

func notNFC(addr, s string) string {
	return fmt.Sprintf("%s: %+q is not in Unicode NFC form; HCL normalizes strings to NFC, so plan will show it as a change", addr, s)
}

// orgFileName is the file of one organization when organizations are split.
func orgFileName(label string) string { return "org_" + label + ".hcl" }

// readTenant reads permissions, roles, API resources, applications and the
// list of organizations, and selects and labels the organizations.
func readTenant(ctx context.Context, c *logto.Client, opts Options) (*tenant, error) {
	scopes, err := c.ListOrganizationScopes(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading organization permissions: %w", err)
	}
	roles, err := c.ListOrganizationRoles(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading organization roles: %w", err)
	}
	var resources []logto.Resource
	for _, r := range roles {
		if len(r.ResourceScopes) > 0 {
			if resources, err = c.ListResources(ctx); err != nil {
				return nil, fmt.Errorf("reading API resources: %w", err)
			}
			break
		}
	}
	apps, err := c.ListApplications(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading applications: %w", err)
	}
	orgs, err := c.ListOrganizations(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading organizations: %w", err)
	}

	t := &tenant{roleNames: map[string]string{}, appNames: map[string]int{}}
	if t.ssoNames, err = readSSOConnectors(ctx, c); err != nil {
		return nil, err
	}
	for _, s := range scopes {
		t.perms = append(t.perms, Permission{Name: s.Name, Description: deref(s.Description)})
	}
	sort.Slice(t.perms, func(i, j int) bool { return t.perms[i].Name < t.perms[j].Name })

	indicators := map[string]string{} // resource scope id => indicator
	for _, res := range resources {
		for _, s := range res.Scopes {
			indicators[s.ID] = res.Indicator
		}
	}
	for _, r := range roles {
		t.roleNames[r.ID] = r.Name
		out := Role{Name: r.Name, Description: deref(r.Description), Type: r.Type}
		for _, s := range r.Scopes {
			out.Permissions = append(out.Permissions, s.Name)
		}
		sort.Strings(out.Permissions)
		for _, s := range r.ResourceScopes {
			ind, ok := indicators[s.ID]
			if !ok {
				return nil, fmt.Errorf("role %q has the API permission %q of resource %q, which is not in the API resource list (the tenant changed during export? run it again)",
					r.Name, s.Name, s.Resource.Name)
			}
			if out.APIPermissions == nil {
				out.APIPermissions = map[string][]string{}
			}
			out.APIPermissions[ind] = append(out.APIPermissions[ind], s.Name)
		}
		for _, v := range out.APIPermissions {
			sort.Strings(v)
		}
		t.roles = append(t.roles, out)
	}
	sort.Slice(t.roles, func(i, j int) bool { return t.roles[i].Name < t.roles[j].Name })

	for _, a := range apps {
		t.appNames[a.Name]++
	}

	nameCount := map[string]int{}
	for _, o := range orgs {
		nameCount[o.Name]++
	}
	t.orgs, err = selectOrgs(orgs, nameCount, opts)
	if err != nil {
		return nil, err
	}
	sort.Slice(t.orgs, func(i, j int) bool {
		if t.orgs[i].Name != t.orgs[j].Name {
			return t.orgs[i].Name < t.orgs[j].Name
		}
		return t.orgs[i].ID < t.orgs[j].ID
	})
	t.labels = assignOrgLabels(t.orgs, nameCount)
	// Write organizations in label order, the order a reader looks them up by.
	idx := make([]int, len(t.orgs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return t.labels[idx[a]].Label < t.labels[idx[b]].Label })
	orgsByLabel := make([]logto.Organization, len(idx))
	labelsSorted := make([]orgLabel, len(idx))
	for i, j := range idx {
		orgsByLabel[i], labelsSorted[i] = t.orgs[j], t.labels[j]
	}
	t.orgs, t.labels = orgsByLabel, labelsSorted
	return t, nil
}

// selectOrgs applies -org and -org-match. A -org name no organization has is
// an error (a typo would otherwise export nothing silently).
func selectOrgs(orgs []logto.Organization, nameCount map[string]int, opts Options) ([]logto.Organization, error) {
	if len(opts.Orgs) == 0 && opts.OrgMatch == nil {
		return orgs, nil
	}
	var missing []string
	named := map[string]bool{}
	for _, n := range opts.Orgs {
		named[n] = true
		if nameCount[n] == 0 {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("-org %s: no organization has this name (names are exact and case-sensitive)", strings.Join(missing, ", "))
	}
	var out []logto.Organization
	for _, o := range orgs {
		if named[o.Name] || (opts.OrgMatch != nil && opts.OrgMatch.MatchString(o.Name)) {
			out = append(out, o)
		}
	}
	return out, nil
}

// checkExisting returns an ExistingFilesError when a file to write exists
// and force is off.
func checkExisting(dir string, names []string, force bool) error {
	if force {
		return nil
	}
	var existing []string
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			existing = append(existing, n)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("checking %s: %w", filepath.Join(dir, n), err)
		}
	}
	if len(existing) > 0 {
		sort.Strings(existing)
		return &ExistingFilesError{Dir: dir, Files: existing}
	}
	return nil
}

// otherConfigFiles warns about *.hcl files in dir that the export does not
// write: they are part of the same configuration and may declare the same
// objects again.
func otherConfigFiles(dir string, names []string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
	ours := map[string]bool{}
	for _, n := range names {
		ours[n] = true
	}
	var others []string
	for _, m := range matches {
		if b := filepath.Base(m); !ours[b] {
			others = append(others, b)
		}
	}
	if len(others) == 0 {
		return nil
	}
	sort.Strings(others)
	return []string{fmt.Sprintf("%s also holds %s, which the export did not write; every *.hcl file of the directory is one configuration, so remove them if they declare the same objects",
		dir, strings.Join(others, ", "))}
}

// orgResult is one organization read and rendered.
type orgResult struct {
	block        []byte
	css          []byte // the custom CSS file's content, when there is one
	members      int
	applications int
	warnings     []string
	err          error
}

// streamOrganizations reads organizations with bounded concurrency and
// writes them in order. At most 2×Parallelism organizations are held at a
// time (read, or read and waiting for an earlier one to be written).
func streamOrganizations(ctx context.Context, c *logto.Client, t *tenant, opts Options, split bool, w *writer, sum *Summary) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	results := make([]chan orgResult, len(t.orgs))
	for i := range results {
		results[i] = make(chan orgResult, 1)
	}
	window := make(chan struct{}, 2*opts.Parallelism)
	sem := make(chan struct{}, opts.Parallelism)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range t.orgs {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				for j := i; j < len(t.orgs); j++ {
					results[j] <- orgResult{err: ctx.Err()}
				}
				return
			}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					results[i] <- orgResult{err: ctx.Err()}
					return
				}
				r := readOrganization(ctx, c, t, i)
				<-sem
				results[i] <- r
			}(i)
		}
	}()

	var out io.WriteCloser
	if !split {
		f, err := w.create(OrganizationsFile)
		if err != nil {
			return err
		}
		out = f
	}
	for i := range t.orgs {
		r := <-results[i]
		<-window
		if r.err != nil {
			return r.err
		}
		sum.Members += r.members
		sum.Applications += r.applications
		sum.Warnings = append(sum.Warnings, r.warnings...)
		opts.Log.Debug().Str("organization", t.orgs[i].Name).Int("done", i+1).Int("of", len(t.orgs)).Msg("exported organization")
		if r.css != nil {
			if err := w.writeFile(cssFileName(t.labels[i].Label), r.css); err != nil {
				return err
			}
		}
		if split {
			if err := w.writeFile(orgFileName(t.labels[i].Label), r.block); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			if _, err := out.Write([]byte{'\n'}); err != nil {
				return w.fail(OrganizationsFile, err)
			}
		}
		if _, err := out.Write(r.block); err != nil {
			return w.fail(OrganizationsFile, err)
		}
	}
	if out != nil {
		if err := out.Close(); err != nil {
			return w.fail(OrganizationsFile, err)
		}
	}
	return nil
}

// readOrganization reads the i-th selected organization's members,
// applications and JIT settings and renders its block.
func readOrganization(ctx context.Context, c *logto.Client, t *tenant, i int) orgResult {
	o := t.orgs[i]
	label := t.labels[i]
	addr := state.OrganizationAddress(label.Label)
	fail := func(what string, err error) orgResult {
		return orgResult{err: fmt.Errorf("reading the %s of organization %q (%s): %w", what, o.Name, o.ID, err)}
	}
	users, err := c.ListOrganizationUsers(ctx, o.ID)
	if err != nil {
		return fail("members", err)
	}
	apps, err := c.ListOrganizationApplications(ctx, o.ID)
	if err != nil {
		return fail("applications", err)
	}
	domains, err := c.ListJITEmailDomains(ctx, o.ID)
	if err != nil {
		return fail("JIT email domains", err)
	}
	jitRoles, err := c.ListJITRoles(ctx, o.ID)
	if err != nil {
		return fail("JIT roles", err)
	}
	var jitSSO []string
	if t.ssoNames != nil {
		conns, err := c.ListJITSSOConnectors(ctx, o.ID)
		if err != nil {
			return fail("JIT SSO connectors", err)
		}
		for _, sc := range conns {
			n, ok := t.ssoNames[sc.ID]
			if !ok {
				return orgResult{err: fmt.Errorf("organization %q has the JIT SSO connector %s, which is not in the connector list read earlier (the tenant changed during export? run it again)",
					o.Name, sc.ID)}
			}
			jitSSO = append(jitSSO, n)
		}
		sort.Strings(jitSSO)
	}

	var res orgResult
	out := &Organization{
		Label:       label.Label,
		Name:        o.Name,
		Description: deref(o.Description),
		CustomData:  o.CustomData,
		MFARequired: o.IsMfaRequired,
	}
	exportBranding(out, o)
	if o.CustomCSS != nil && *o.CustomCSS != "" {
		out.CSSFile = cssFileName(label.Label)
		res.css = []byte(*o.CustomCSS)
		if _, bad := changedByHCL(*o.CustomCSS); bad {
			res.warnings = append(res.warnings, addr+".custom_css: the CSS is not in Unicode NFC form; HCL normalizes strings to NFC, so plan will show it as a change")
		}
	}
	if label.PinID {
		out.ID = o.ID
	}
	roleNames := func(who string, refs []logto.IDName) ([]string, error) {
		names := make([]string, 0, len(refs))
		for _, r := range refs {
			n, ok := t.roleNames[r.ID]
			if !ok {
				return nil, fmt.Errorf("%s of organization %q has the role %q (%s), which is not in the role list read earlier (the tenant changed during export? run it again)",
					who, o.Name, r.Name, r.ID)
			}
			names = append(names, n)
		}
		sort.Strings(names)
		return names, nil
	}
	for _, u := range users {
		roles, err := roleNames("member "+memberLabel(u), u.OrganizationRoles)
		if err != nil {
			return orgResult{err: err}
		}
		out.Members = append(out.Members, Member{Label: memberLabel(u), Roles: roles})
	}
	sort.Slice(out.Members, func(i, j int) bool { return out.Members[i].Label < out.Members[j].Label })
	for _, a := range apps {
		roles, err := roleNames("application "+appLabel(a, t.appNames), a.OrganizationRoles)
		if err != nil {
			return orgResult{err: err}
		}
		out.Applications = append(out.Applications, Member{Label: appLabel(a, t.appNames), Roles: roles})
	}
	sort.Slice(out.Applications, func(i, j int) bool { return out.Applications[i].Label < out.Applications[j].Label })
	if len(domains) > 0 || len(jitRoles) > 0 || len(jitSSO) > 0 {
		j := &JIT{SSOConnectors: jitSSO}
		seen := map[string]bool{}
		for _, d := range domains {
			// The configuration compares domains case-insensitively.
			if d = strings.ToLower(d); !seen[d] {
				seen[d] = true
				j.EmailDomains = append(j.EmailDomains, d)
			}
		}
		sort.Strings(j.EmailDomains)
		refs := make([]logto.IDName, 0, len(jitRoles))
		for _, r := range jitRoles {
			refs = append(refs, logto.IDName{ID: r.ID, Name: r.Name})
		}
		if j.Roles, err = roleNames("the JIT settings", refs); err != nil {
			return orgResult{err: err}
		}
		out.JIT = j
	}
	if s, bad := changedByHCL([]any{o.Name, out.Description}); bad {
		res.warnings = append(res.warnings, notNFC(addr, s))
	}
	if s, bad := changedByHCL(o.CustomData); bad {
		res.warnings = append(res.warnings, notNFC(addr+".custom_data", s))
	}
	res.block, err = renderOrganization(out)
	if err != nil {
		return orgResult{err: fmt.Errorf("organization %q (%s): %w", o.Name, o.ID, err)}
	}
	res.members = len(out.Members)
	res.applications = len(out.Applications)
	return res
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
