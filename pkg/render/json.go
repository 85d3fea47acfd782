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
	FormatVersion string            `json:"format_version"`
	Targets       []string          `json:"targets"`
	Summary       jsonSummary       `json:"summary"`
	Changes       []jsonChange      `json:"changes"`
	Operations    []json.RawMessage `json:"operations"`
	// Drift lists the objects changed outside orgsync since LastApply.
	Drift       []jsonDrift    `json:"drift"`
	LastApply   *jsonLastApply `json:"last_apply"`
	TokenImpact []jsonImpact   `json:"token_impact"`
	// TokenImpactComplete is false when TokenImpactGap says what was not
	// read: then token_impact covers only part of the tenant.
	TokenImpactComplete bool            `json:"token_impact_complete"`
	TokenImpactGap      *diff.ImpactGap `json:"token_impact_gap"`
	Unmanaged           jsonUnmanaged   `json:"unmanaged"`
	Warnings            []string        `json:"warnings"`
	Effects             []jsonEffect    `json:"effects"`
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
	// Sensitive lists the attributes printed as "(sensitive value)".
	Sensitive []string `json:"sensitive,omitempty"`
	// Classification: "pending", "drift", "both", or null when orgsync
	// never applied the object.
	Classification *string `json:"classification"`
}

type jsonDrift struct {
	Address    string          `json:"address"`
	Kind       string          `json:"kind"`
	Action     string          `json:"action"`
	ID         *string         `json:"id"`
	Planned    bool            `json:"planned"`
	Attributes []jsonDriftAttr `json:"attributes"`
}

type jsonDriftAttr struct {
	Name    string          `json:"name"`
	Applied json.RawMessage `json:"applied"`
	Live    json.RawMessage `json:"live"`
	Pending bool            `json:"pending"`
}

type jsonLastApply struct {
	OrgsyncVersion *string `json:"orgsync_version"`
	Commit         *string `json:"commit"`
	AppliedAt      string  `json:"applied_at"`
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
	// Sensitive: before and after are redacted (the values derive from a
	// sensitive variable).
	Sensitive bool `json:"sensitive,omitempty"`
	// Classification of this attribute's difference (see jsonChange).
	Classification *string `json:"classification"`
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
	// Subjects names every user (email, username) and application (name).
	Subjects []jsonSubject `json:"subjects"`
}

// jsonSubject is a user or an application as people know it.
// Email and username are null for applications or when Logto has none;
// name is null for users.
type jsonSubject struct {
	Type     string  `json:"type"`
	ID       string  `json:"id"`
	Email    *string `json:"email"`
	Username *string `json:"username"`
	Name     *string `json:"name"`
}

func subjectJSON(s diff.Subject) jsonSubject {
	return jsonSubject{Type: s.Type, ID: s.ID, Email: optional(s.Email), Username: optional(s.Username), Name: optional(s.Name)}
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
	p = redact(p)
	add, change, destroy := p.Counts()
	out := jsonPlan{
		FormatVersion:       diff.FormatVersion,
		Targets:             nonNil(p.Targets),
		Summary:             jsonSummary{Add: add, Change: change, Destroy: destroy},
		Changes:             make([]jsonChange, 0, len(p.Changes)),
		Operations:          make([]json.RawMessage, 0, len(p.Operations)),
		TokenImpact:         make([]jsonImpact, 0, len(p.TokenImpact)),
		TokenImpactComplete: p.ImpactGap == nil,
		TokenImpactGap:      p.ImpactGap,
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
		before, after := c.Values()
		jc := jsonChange{
			Address:        c.Address,
			Kind:           c.Kind,
			Action:         string(c.Action),
			ID:             optional(c.ID),
			Reason:         optional(c.Reason()),
			PreviousName:   optional(c.PreviousName()),
			Before:         before,
			After:          after,
			Attributes:     make([]jsonAttr, 0, len(c.Attrs)),
			Sensitive:      c.Sensitive(),
			Classification: optional(c.Classification()),
		}
		switch c.Action {
		case diff.Create:
			jc.Before = nil
		case diff.Delete:
			jc.After = nil
		}
		for _, a := range c.Attrs {
			jc.Attributes = append(jc.Attributes, jsonAttr{
				Name:           a.Name,
				Set:            a.Set || a.Added != nil || a.Removed != nil,
				Before:         rawValue(a.Before),
				After:          rawValue(a.After),
				Added:          nonNil(a.Added),
				Removed:        nonNil(a.Removed),
				Kept:           a.Kept,
				Sensitive:      a.Sensitive,
				Classification: optional(a.Classification),
			})
		}
		out.Changes = append(out.Changes, jc)
	}
	out.Drift = make([]jsonDrift, 0, len(p.Drift))
	for _, d := range p.Drift {
		jd := jsonDrift{Address: d.Address, Kind: d.Kind, Action: d.Action, ID: optional(d.ID), Planned: d.Planned,
			Attributes: make([]jsonDriftAttr, 0, len(d.Attributes))}
		for _, a := range d.Attributes {
			jd.Attributes = append(jd.Attributes, jsonDriftAttr{Name: a.Name, Applied: rawValue(a.Applied), Live: rawValue(a.Live), Pending: a.Pending})
		}
		out.Drift = append(out.Drift, jd)
	}
	if la := p.LastApply; la != nil && la.At > 0 {
		out.LastApply = &jsonLastApply{OrgsyncVersion: optional(la.Version), Commit: optional(la.Commit),
			AppliedAt: time.UnixMilli(la.At).UTC().Format(time.RFC3339)}
	}
	for _, o := range p.Operations {
		raw, err := redactOperation(o)
		if err != nil {
			return fmt.Errorf("encoding the JSON plan: %w", err)
		}
		out.Operations = append(out.Operations, raw)
	}
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
			Subjects:         subjectsJSON(im.Subjects),
		})
	}
	return writeJSON(w, out, "the JSON plan")
}

func subjectsJSON(subjects []*diff.Subject) []jsonSubject {
	out := make([]jsonSubject, 0, len(subjects))
	for _, s := range subjects {
		out = append(out, subjectJSON(*s))
	}
	return out
}

// The -impact-out file: per organization, who must re-consent, who gets the
// change at the next token, and who keeps a lost permission until expiry.
type impactFile struct {
	FormatVersion string `json:"format_version"`
	AppliedAt     string `json:"applied_at"`
	// Status is "complete", or "partial" when the apply stopped part-way:
	// Organizations then hold the impact of what was done, and Planned that
	// of the whole plan.
	Status string `json:"status"`
	// TokenImpactComplete is false when organizations were left unread
	// (TokenImpactGap): then only those read are listed.
	TokenImpactComplete bool            `json:"token_impact_complete"`
	TokenImpactGap      *diff.ImpactGap `json:"token_impact_gap"`
	Organizations       []impactOrg     `json:"organizations"`
	Planned             []impactOrg     `json:"planned,omitempty"`
}

// ImpactMeta describes the apply an impact file reports on.
type ImpactMeta struct {
	AppliedAt time.Time
	// Status is "complete" or "partial".
	Status string
	// Planned is the impact of the whole plan; written when Status is
	// "partial".
	Planned []diff.Impact
	// Gap is what the plan's token impact did not read (nil: complete).
	Gap *diff.ImpactGap
}

type impactOrg struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Reconsent     impactSubjects `json:"reconsent"`
	Refresh       impactSubjects `json:"refresh"`
	RevocationLag lagSubjects    `json:"revocation_lag"`
	// Subjects lists, per user and application, what it gains and loses
	// here and why, so that exactly those people can be told.
	Subjects []impactSubject `json:"subjects"`
}

// impactSubject is one user or application of an organization in the
// impact file, with each permission it gains or loses.
type impactSubject struct {
	jsonSubject
	Gains []impactChange `json:"gains"`
	Loses []impactChange `json:"loses"`
}

// impactChange is one permission gained or lost: through which role, of
// which impact kind, and which change brings it (a diff.Cause constant).
type impactChange struct {
	Permission    string  `json:"permission"`
	Resource      *string `json:"resource"`
	Role          string  `json:"role"`
	Kind          string  `json:"kind"`
	Cause         string  `json:"cause"`
	MaxLagSeconds int     `json:"max_lag_seconds,omitempty"`
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
		FormatVersion:       diff.FormatVersion,
		AppliedAt:           meta.AppliedAt.UTC().Format(time.RFC3339),
		Status:              status,
		TokenImpactComplete: meta.Gap == nil,
		TokenImpactGap:      meta.Gap,
		Organizations:       impactOrgs(impacts),
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
		subjects map[[2]string]*impactSubject
	}
	known := map[[2]string]diff.Subject{}
	for _, im := range impacts {
		for _, s := range im.Subjects {
			known[[2]string{s.Type, s.ID}] = *s
		}
	}
	orgs := map[string]*orgAcc{}
	note := func(o *orgAcc, typ, id string, im diff.Impact, cause string) {
		k := [2]string{typ, id}
		s := o.subjects[k]
		if s == nil {
			sub, ok := known[k]
			if !ok {
				sub = diff.Subject{Type: typ, ID: id}
			}
			s = &impactSubject{jsonSubject: subjectJSON(sub), Gains: []impactChange{}, Loses: []impactChange{}}
			o.subjects[k] = s
		}
		c := impactChange{Permission: im.Permission, Resource: im.Resource, Role: im.Role, Kind: im.Kind, Cause: cause}
		if im.Kind == diff.ImpactRevocationLag {
			c.MaxLagSeconds = im.MaxLagSeconds
			s.Loses = append(s.Loses, c)
		} else {
			s.Gains = append(s.Gains, c)
		}
	}
	for _, im := range impacts {
		for _, sub := range im.PerOrganization {
			o := orgs[sub.OrganizationID]
			if o == nil {
				o = &orgAcc{id: sub.OrganizationID, name: sub.OrganizationName, kinds: map[string]*acc{}, subjects: map[[2]string]*impactSubject{}}
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
				note(o, "user", u, im, sub.UserCauses.Of(u))
			}
			for _, app := range sub.Applications {
				a.apps[app] = true
				note(o, "application", app, im, sub.AppCauses.Of(app))
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
			Subjects:      sortedSubjects(o.subjects),
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

// sortedSubjects orders users before applications, each by id, and every
// subject's changes in the order of the plan's token impact.
func sortedSubjects(m map[[2]string]*impactSubject) []impactSubject {
	out := make([]impactSubject, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type == "user"
		}
		return out[i].ID < out[j].ID
	})
	return out
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
