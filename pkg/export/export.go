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

	"github.com/orgsync/orgsync/pkg/apply"
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
	reader    *apply.TenantReader
	live      *state.Live
	perms     []Permission
	roles     []Role
	roleNames map[string]string // role id => name
	appNames  map[string]int    // application name => how many applications have it
	orgs      []int             // the selected organizations, as indexes into live.Organizations, in label order
	labels    []orgLabel        // of orgs
	ssoNames  map[string]string // SSO connector id => name
}

// org is the i-th selected organization.
func (t *tenant) org(i int) *state.LiveOrganization { return &t.live.Organizations[t.orgs[i]] }

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
	for i := range t.orgs {
		if t.org(i).CustomCSS != "" {
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
// list of organizations (apply.ReadTenant), and selects and labels the
// organizations.
func readTenant(ctx context.Context, c *logto.Client, opts Options) (*tenant, error) {
	reader, live, err := apply.ReadTenant(ctx, c)
	if err != nil {
		return nil, err
	}
	t := &tenant{reader: reader, live: live, roleNames: map[string]string{}, appNames: map[string]int{}, ssoNames: map[string]string{}}
	for _, sc := range live.SSOConnectors {
		t.ssoNames[sc.ID] = sc.Name
	}
	permNames := make(map[string]string, len(live.Permissions))
	for _, lp := range live.Permissions {
		permNames[lp.ID] = lp.Name
		t.perms = append(t.perms, Permission{Name: lp.Name, Description: lp.Description})
	}
	type apiScope struct{ indicator, name string }
	scopes := map[string]apiScope{} // resource scope id => indicator and name
	for _, res := range live.Resources {
		for _, sc := range res.Scopes {
			scopes[sc.ID] = apiScope{res.Indicator, sc.Name}
		}
	}
	changed := func(what string) error {
		return fmt.Errorf("%s, which the tenant's lists read earlier do not hold (the tenant changed during export? run it again)", what)
	}
	for _, r := range live.Roles {
		t.roleNames[r.ID] = r.Name
		out := Role{Name: r.Name, Description: r.Description, Type: r.Type}
		for _, id := range r.PermissionIDs {
			n, ok := permNames[id]
			if !ok {
				return nil, changed(fmt.Sprintf("role %q has the permission %s", r.Name, id))
			}
			out.Permissions = append(out.Permissions, n)
		}
		sort.Strings(out.Permissions)
		for _, id := range r.ResourceScopeIDs {
			sc, ok := scopes[id]
			if !ok {
				return nil, changed(fmt.Sprintf("role %q has the API permission %s", r.Name, id))
			}
			if out.APIPermissions == nil {
				out.APIPermissions = map[string][]string{}
			}
			out.APIPermissions[sc.indicator] = append(out.APIPermissions[sc.indicator], sc.name)
		}
		for _, v := range out.APIPermissions {
			sort.Strings(v)
		}
		t.roles = append(t.roles, out)
	}
	sort.Slice(t.roles, func(i, j int) bool { return t.roles[i].Name < t.roles[j].Name })
	for _, a := range live.Applications {
		t.appNames[a.Name]++
	}

	nameCount := map[string]int{}
	for _, o := range live.Organizations {
		nameCount[o.Name]++
	}
	selected, err := selectOrgs(live.Organizations, nameCount, opts)
	if err != nil {
		return nil, err
	}
	// live.Organizations is sorted by name, then id.
	orgs := make([]*state.LiveOrganization, len(selected))
	for i, idx := range selected {
		orgs[i] = &live.Organizations[idx]
	}
	labels := assignOrgLabels(orgs, nameCount)
	// Write organizations in label order, the order a reader looks them up by.
	order := make([]int, len(selected))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return labels[order[a]].Label < labels[order[b]].Label })
	for _, j := range order {
		t.orgs = append(t.orgs, selected[j])
		t.labels = append(t.labels, labels[j])
	}
	return t, nil
}

// selectOrgs applies -org and -org-match. A -org name no organization has is
// an error (a typo would otherwise export nothing silently).
func selectOrgs(orgs []state.LiveOrganization, nameCount map[string]int, opts Options) ([]int, error) {
	if len(opts.Orgs) == 0 && opts.OrgMatch == nil {
		all := make([]int, len(orgs))
		for i := range all {
			all[i] = i
		}
		return all, nil
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
	var out []int
	for i, o := range orgs {
		if named[o.Name] || (opts.OrgMatch != nil && opts.OrgMatch.MatchString(o.Name)) {
			out = append(out, i)
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
		opts.Log.Debug().Str("organization", t.org(i).Name).Int("done", i+1).Int("of", len(t.orgs)).Msg("exported organization")
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
// applications and JIT settings (apply.TenantReader) and renders its block.
func readOrganization(ctx context.Context, c *logto.Client, t *tenant, i int) orgResult {
	if err := t.reader.ReadOrganization(ctx, t.orgs[i]); err != nil {
		return orgResult{err: err}
	}
	o := t.org(i)
	label := t.labels[i]
	addr := state.OrganizationAddress(label.Label)
	changed := func(what string) orgResult {
		return orgResult{err: fmt.Errorf("organization %q: %s, which the tenant's lists read earlier do not hold (the tenant changed during export? run it again)", o.Name, what)}
	}

	var res orgResult
	out := &Organization{
		Label:       label.Label,
		Name:        o.Name,
		Description: o.Description,
		CustomData:  o.CustomData,
		MFARequired: o.MFARequired,
		Branding:    o.Branding,
		Color:       o.Color,
	}
	if o.CustomCSS != "" {
		out.CSSFile = cssFileName(label.Label)
		res.css = []byte(o.CustomCSS)
		if _, bad := changedByHCL(o.CustomCSS); bad {
			res.warnings = append(res.warnings, addr+".custom_css: the CSS is not in Unicode NFC form; HCL normalizes strings to NFC, so plan will show it as a change")
		}
	}
	if label.PinID {
		out.ID = o.ID
	}
	roleNames := func(who string, ids []string) ([]string, bool) {
		names := make([]string, 0, len(ids))
		for _, id := range ids {
			n, ok := t.roleNames[id]
			if !ok {
				return nil, false
			}
			names = append(names, n)
		}
		sort.Strings(names)
		return names, true
	}
	for _, m := range o.Members {
		l := memberLabel(t.reader.User(m.UserID), m.UserID)
		roles, ok := roleNames("member "+l, m.RoleIDs)
		if !ok {
			return changed(fmt.Sprintf("member %s has a role", l))
		}
		out.Members = append(out.Members, Member{Label: l, Roles: roles})
	}
	sort.Slice(out.Members, func(i, j int) bool { return out.Members[i].Label < out.Members[j].Label })
	for _, a := range o.Applications {
		l := appLabel(a.AppID, t.reader.Application(a.AppID).Name, t.appNames)
		roles, ok := roleNames("application "+l, a.RoleIDs)
		if !ok {
			return changed(fmt.Sprintf("application %s has a role", l))
		}
		out.Applications = append(out.Applications, Member{Label: l, Roles: roles})
	}
	sort.Slice(out.Applications, func(i, j int) bool { return out.Applications[i].Label < out.Applications[j].Label })
	if len(o.JIT.EmailDomains) > 0 || len(o.JIT.Roles) > 0 || len(o.JIT.SSOConnectors) > 0 {
		j := &JIT{}
		seen := map[string]bool{}
		for _, d := range o.JIT.EmailDomains {
			// The configuration compares domains case-insensitively.
			if d = strings.ToLower(d); !seen[d] {
				seen[d] = true
				j.EmailDomains = append(j.EmailDomains, d)
			}
		}
		sort.Strings(j.EmailDomains)
		var ok bool
		if j.Roles, ok = roleNames("the JIT settings", o.JIT.Roles); !ok {
			return changed("the JIT settings have a role")
		}
		for _, id := range o.JIT.SSOConnectors {
			n, ok := t.ssoNames[id]
			if !ok {
				return changed("the JIT settings have the SSO connector " + id)
			}
			j.SSOConnectors = append(j.SSOConnectors, n)
		}
		sort.Strings(j.SSOConnectors)
		out.JIT = j
	}
	if s, bad := changedByHCL([]any{o.Name, out.Description}); bad {
		res.warnings = append(res.warnings, notNFC(addr, s))
	}
	if s, bad := changedByHCL(o.CustomData); bad {
		res.warnings = append(res.warnings, notNFC(addr+".custom_data", s))
	}
	var err error
	res.block, err = renderOrganization(out)
	if err != nil {
		return orgResult{err: fmt.Errorf("organization %q (%s): %w", o.Name, o.ID, err)}
	}
	res.members = len(out.Members)
	res.applications = len(out.Applications)
	return res
}
