package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/orgsync/orgsync/pkg/diff"
)

// The JSON plan (PRODUCT.md §4). Structs, not maps, keep the key order
// stable; every array is non-nil so that it encodes as [] rather than null.
type jsonPlan struct {
	FormatVersion string           `json:"format_version"`
	Summary       jsonSummary      `json:"summary"`
	Changes       []jsonChange     `json:"changes"`
	Operations    []diff.Operation `json:"operations"`
	TokenImpact   []jsonImpact     `json:"token_impact"`
	Unmanaged     jsonUnmanaged    `json:"unmanaged"`
	Warnings      []string         `json:"warnings"`
	Effects       []jsonEffect     `json:"effects"`
}

type jsonSummary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

type jsonChange struct {
	Address      string         `json:"address"`
	Kind         string         `json:"kind"`
	Action       string         `json:"action"`
	ID           *string        `json:"id"`
	Reason       *string        `json:"reason"`
	PreviousName *string        `json:"previous_name"`
	Before       map[string]any `json:"before"`
	After        map[string]any `json:"after"`
	Attributes   []jsonAttr     `json:"attributes"`
}

// jsonAttr is one changed attribute. Scalars and objects use before/after
// (JSON values, null when absent); sets use added/removed/kept.
type jsonAttr struct {
	Name    string          `json:"name"`
	Set     bool            `json:"set"`
	Before  json.RawMessage `json:"before"`
	After   json.RawMessage `json:"after"`
	Added   []string        `json:"added"`
	Removed []string        `json:"removed"`
	Kept    int             `json:"kept"`
}

type jsonImpact struct {
	Kind             string   `json:"kind"`
	Permission       string   `json:"permission"`
	Resource         *string  `json:"resource"`
	Role             string   `json:"role"`
	Organizations    []string `json:"organizations"`
	Users            []string `json:"users"`
	Applications     []string `json:"applications"`
	UserCount        int      `json:"user_count"`
	ApplicationCount int      `json:"application_count"`
	MaxLagSeconds    int      `json:"max_lag_seconds"`
}

type jsonUnmanaged struct {
	Permissions   []string `json:"permissions"`
	Roles         []string `json:"roles"`
	Organizations int      `json:"organizations"`
	Members       int      `json:"members"`
	Applications  int      `json:"applications"`
}

// JSON writes the versioned JSON plan: summary, changes in plan order,
// operations, token impact (without per-organization subjects; see
// ImpactJSON), unmanaged objects and warnings. The output is deterministic.
func JSON(w io.Writer, p *diff.Plan) error {
	add, change, destroy := p.Counts()
	out := jsonPlan{
		FormatVersion: diff.FormatVersion,
		Summary:       jsonSummary{Add: add, Change: change, Destroy: destroy},
		Changes:       make([]jsonChange, 0, len(p.Changes)),
		Operations:    make([]diff.Operation, 0, len(p.Operations)),
		TokenImpact:   make([]jsonImpact, 0, len(p.TokenImpact)),
		Unmanaged: jsonUnmanaged{
			Permissions:   nonNil(p.Unmanaged.Permissions),
			Roles:         nonNil(p.Unmanaged.Roles),
			Organizations: p.Unmanaged.Organizations,
			Members:       p.Unmanaged.Members,
			Applications:  p.Unmanaged.Applications,
		},
		Warnings: nonNil(p.Warnings),
		Effects:  jsonEffects(p.Effects),
	}
	for _, c := range p.Changes {
		jc := jsonChange{
			Address:      c.Address,
			Kind:         c.Kind,
			Action:       string(c.Action),
			ID:           optional(c.ID),
			Reason:       optional(c.Reason),
			PreviousName: optional(c.PreviousName),
			Before:       c.Before,
			After:        c.After,
			Attributes:   make([]jsonAttr, 0, len(c.Attrs)),
		}
		switch c.Action {
		case diff.Create:
			jc.Before = nil
		case diff.Delete:
			jc.After = nil
		}
		for _, a := range c.Attrs {
			jc.Attributes = append(jc.Attributes, jsonAttr{
				Name:    a.Name,
				Set:     a.Set || a.Added != nil || a.Removed != nil,
				Before:  rawValue(a.Before),
				After:   rawValue(a.After),
				Added:   nonNil(a.Added),
				Removed: nonNil(a.Removed),
				Kept:    a.Kept,
			})
		}
		out.Changes = append(out.Changes, jc)
	}
	out.Operations = append(out.Operations, p.Operations...)
	for _, im := range p.TokenImpact {
		out.TokenImpact = append(out.TokenImpact, jsonImpact{
			Kind:             im.Kind,
			Permission:       im.Permission,
			Resource:         im.Resource,
			Role:             im.Role,
			Organizations:    nonNil(im.Organizations),
			Users:            nonNil(im.Users),
			Applications:     nonNil(im.Applications),
			UserCount:        userCount(im),
			ApplicationCount: appCount(im),
			MaxLagSeconds:    im.MaxLagSeconds,
		})
	}
	return writeJSON(w, out, "the JSON plan")
}

// The -impact-out file: per organization, who must re-consent, who gets the
// change at the next token, and who keeps a lost permission until expiry.
type impactFile struct {
	FormatVersion string `json:"format_version"`
	AppliedAt     string `json:"applied_at"`
	// Status is "complete", or "partial" when the apply stopped part-way:
	// Organizations then hold the impact of what was done, and Planned that
	// of the whole plan.
	Status        string      `json:"status"`
	Organizations []impactOrg `json:"organizations"`
	Planned       []impactOrg `json:"planned,omitempty"`
}

// ImpactMeta describes the apply an impact file reports on.
type ImpactMeta struct {
	AppliedAt time.Time
	// Status is "complete" or "partial".
	Status string
	// Planned is the impact of the whole plan; written when Status is
	// "partial".
	Planned []diff.Impact
}

type impactOrg struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Reconsent     impactSubjects `json:"reconsent"`
	Refresh       impactSubjects `json:"refresh"`
	RevocationLag lagSubjects    `json:"revocation_lag"`
}

type impactSubjects struct {
	Users        []string           `json:"users"`
	Applications []string           `json:"applications"`
	Permissions  []impactPermission `json:"permissions"`
}

type lagSubjects struct {
	impactSubjects
	MaxLagSeconds int `json:"max_lag_seconds"`
}

// impactPermission is a permission concerned: an organization permission
// (resource null) or an API permission of the resource indicator.
type impactPermission struct {
	Permission string  `json:"permission"`
	Resource   *string `json:"resource"`
}

// ImpactJSON writes the token-impact file of apply -impact-out, built from
// each impact's PerOrganization subjects: one entry per organization, sorted
// by name then id, each with the users, applications and permissions of
// every impact kind. The time is written in UTC, RFC 3339.
func ImpactJSON(w io.Writer, impacts []diff.Impact, meta ImpactMeta) error {
	status := meta.Status
	if status == "" {
		status = "complete"
	}
	out := impactFile{
		FormatVersion: diff.FormatVersion,
		AppliedAt:     meta.AppliedAt.UTC().Format(time.RFC3339),
		Status:        status,
		Organizations: impactOrgs(impacts),
	}
	if status != "complete" {
		out.Planned = impactOrgs(meta.Planned)
	}
	return writeJSON(w, out, "the token-impact file")
}

// impactOrgs groups impacts by organization.
func impactOrgs(impacts []diff.Impact) []impactOrg {
	type acc struct {
		users, apps map[string]bool
		perms       map[string]impactPermission
		lag         int
	}
	newAcc := func() *acc {
		return &acc{users: map[string]bool{}, apps: map[string]bool{}, perms: map[string]impactPermission{}}
	}
	type orgAcc struct {
		id, name string
		kinds    map[string]*acc
	}
	orgs := map[string]*orgAcc{}
	for _, im := range impacts {
		for _, sub := range im.PerOrganization {
			o := orgs[sub.OrganizationID]
			if o == nil {
				o = &orgAcc{id: sub.OrganizationID, name: sub.OrganizationName, kinds: map[string]*acc{}}
				orgs[sub.OrganizationID] = o
			}
			if o.name == "" {
				o.name = sub.OrganizationName
			}
			a := o.kinds[im.Kind]
			if a == nil {
				a = newAcc()
				o.kinds[im.Kind] = a
			}
			for _, u := range sub.Users {
				a.users[u] = true
			}
			for _, app := range sub.Applications {
				a.apps[app] = true
			}
			key := im.Permission
			if im.Resource != nil {
				key = *im.Resource + "\x00" + im.Permission
			}
			a.perms[key] = impactPermission{Permission: im.Permission, Resource: im.Resource}
			a.lag = max(a.lag, im.MaxLagSeconds)
		}
	}
	subjects := func(a *acc) impactSubjects {
		s := impactSubjects{Users: []string{}, Applications: []string{}, Permissions: []impactPermission{}}
		if a == nil {
			return s
		}
		s.Users = sortedSet(a.users)
		s.Applications = sortedSet(a.apps)
		for _, perm := range a.perms {
			s.Permissions = append(s.Permissions, perm)
		}
		sort.Slice(s.Permissions, func(i, j int) bool {
			pi, pj := s.Permissions[i], s.Permissions[j]
			ri, rj := deref(pi.Resource), deref(pj.Resource)
			if (pi.Resource == nil) != (pj.Resource == nil) {
				return pi.Resource == nil // organization permissions first
			}
			if ri != rj {
				return ri < rj
			}
			return pi.Permission < pj.Permission
		})
		return s
	}
	list := make([]impactOrg, 0, len(orgs))
	for _, o := range orgs {
		lag := lagSubjects{impactSubjects: subjects(o.kinds[diff.ImpactRevocationLag])}
		if a := o.kinds[diff.ImpactRevocationLag]; a != nil {
			lag.MaxLagSeconds = a.lag
		}
		list = append(list, impactOrg{
			ID:            o.id,
			Name:          o.name,
			Reconsent:     subjects(o.kinds[diff.ImpactReconsent]),
			Refresh:       subjects(o.kinds[diff.ImpactRefresh]),
			RevocationLag: lag,
		})
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	return list
}

// writeJSON encodes v indented, without HTML escaping, ending in a newline.
func writeJSON(w io.Writer, v any, what string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding %s: %w", what, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}

// rawValue passes an AttrChange JSON encoding through as a JSON value; an
// absent value is null and text that is not valid JSON becomes a string.
func rawValue(s *string) json.RawMessage {
	if s == nil {
		return json.RawMessage("null")
	}
	if json.Valid([]byte(*s)) {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(*s)); err == nil {
			return json.RawMessage(buf.Bytes())
		}
	}
	raw, _ := json.Marshal(*s) // a string always encodes
	return raw
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
