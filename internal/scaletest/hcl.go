package scaletest

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// W1Scaled returns W1 with orgs organizations (at least 0). The first
// min(orgs, 1000) are W1's own; the next ones repeat W1's organizations in
// order under new keys and names (org1000 holds the members, application
// and roles of org0000, and so on), so that a plan of 5,000 organizations
// has W1's shape.
func W1Scaled(orgs int) *state.Config {
	cfg := W1()
	base := cfg.Organizations
	cfg.Organizations = make([]state.Organization, 0, max(orgs, 0))
	for o := 0; o < orgs; o++ {
		org := base[o%len(base)]
		if o >= len(base) {
			key := OrgKey(o)
			org.Key, org.Address, org.Name = key, "organization."+key, OrgName(o)
			org.Pos = fmt.Sprintf("w1.hcl:%d:1", o+1)
			desc := fmt.Sprintf("W1 organization %d", o)
			org.Description = &desc
			if org.JIT != nil {
				jit := *org.JIT
				jit.EmailDomains = []string{key + ".example.com"}
				org.JIT = &jit
			}
		}
		cfg.Organizations = append(cfg.Organizations, org)
	}
	sort.Slice(cfg.Organizations, func(i, j int) bool { return cfg.Organizations[i].Address < cfg.Organizations[j].Address })
	return cfg
}

// orgsPerFile is how many organization blocks WriteHCL puts in one file.
const orgsPerFile = 500

// WriteHCL writes cfg into dir as the configuration a user would write for
// it: orgsync.hcl with the settings, permissions.hcl, roles.hcl, and the
// organizations in files of orgsPerFile organization blocks, one member,
// application and jit block per declared one, with literal values.
// Loading dir gives back cfg's permissions, roles and organizations
// (positions aside). Only what W1 uses is written: names, descriptions,
// custom data of strings, members, applications and JIT email domains and
// roles.
func WriteHCL(dir string, cfg *state.Config) error {
	write := func(name string, body func(w *bufio.Writer)) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<16)
		body(w)
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := write("orgsync.hcl", func(w *bufio.Writer) {
		fmt.Fprintf(w, "orgsync {\n  missing_users = %s\n}\n", strconv.Quote(cfg.Settings.MissingUsers))
	}); err != nil {
		return err
	}
	if err := write("permissions.hcl", func(w *bufio.Writer) {
		for _, p := range cfg.Permissions {
			fmt.Fprintf(w, "permission %s {\n  description = %s\n}\n\n", strconv.Quote(p.Name), strconv.Quote(p.Description))
		}
	}); err != nil {
		return err
	}
	if err := write("roles.hcl", func(w *bufio.Writer) {
		for _, r := range cfg.Roles {
			fmt.Fprintf(w, "role %s {\n", strconv.Quote(r.Name))
			fmt.Fprintf(w, "  description = %s\n", strconv.Quote(r.Description))
			fmt.Fprintf(w, "  type        = %s\n", strconv.Quote(r.Type))
			fmt.Fprintf(w, "  permissions = %s\n", hclList(r.Permissions))
			if len(r.APIPermissions) > 0 {
				fmt.Fprintf(w, "  api_permissions = {\n")
				for _, ind := range slices.Sorted(maps.Keys(r.APIPermissions)) {
					fmt.Fprintf(w, "    %s = %s\n", strconv.Quote(ind), hclList(r.APIPermissions[ind]))
				}
				fmt.Fprintf(w, "  }\n")
			}
			fmt.Fprintf(w, "}\n\n")
		}
	}); err != nil {
		return err
	}
	for start := 0; start < len(cfg.Organizations); start += orgsPerFile {
		orgs := cfg.Organizations[start:min(start+orgsPerFile, len(cfg.Organizations))]
		name := fmt.Sprintf("organizations_%03d.hcl", start/orgsPerFile)
		if err := write(name, func(w *bufio.Writer) {
			for _, o := range orgs {
				writeOrganization(w, &o)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

func writeOrganization(w *bufio.Writer, o *state.Organization) {
	fmt.Fprintf(w, "organization %s {\n", strconv.Quote(o.Key))
	fmt.Fprintf(w, "  name        = %s\n", strconv.Quote(o.Name))
	if o.Description != nil {
		fmt.Fprintf(w, "  description = %s\n", strconv.Quote(*o.Description))
	}
	if o.CustomData != nil {
		fmt.Fprintf(w, "  custom_data = {\n")
		for _, k := range slices.Sorted(maps.Keys(o.CustomData)) {
			fmt.Fprintf(w, "    %s = %s\n", k, strconv.Quote(fmt.Sprint(o.CustomData[k])))
		}
		fmt.Fprintf(w, "  }\n")
	}
	for _, m := range o.Members {
		fmt.Fprintf(w, "\n  member %s {\n    roles = %s\n  }\n", strconv.Quote(m.Label), hclList(m.Roles))
	}
	for _, a := range o.Applications {
		fmt.Fprintf(w, "\n  application %s {\n    roles = %s\n  }\n", strconv.Quote(a.Label), hclList(a.Roles))
	}
	if o.JIT != nil {
		fmt.Fprintf(w, "\n  jit {\n    email_domains = %s\n    roles         = %s\n  }\n", hclList(o.JIT.EmailDomains), hclList(o.JIT.Roles))
	}
	fmt.Fprintf(w, "}\n\n")
}

// hclList is a literal HCL list of strings.
func hclList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
