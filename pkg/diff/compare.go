package diff

import (
	"fmt"
	"sort"
	"strings"
)

// Difference is one way in which a recomputed plan differs from a reviewed
// one, in plan terms.
type Difference struct {
	Address string `json:"address"`
	// Attribute is the attribute that differs; "" when the change as a
	// whole is new, gone, or of another action or object.
	Attribute string `json:"attribute,omitempty"`
	Reviewed  string `json:"reviewed"` // what the reviewed plan said
	Now       string `json:"now"`      // what the plan says now
}

func (d Difference) String() string {
	where := d.Address
	if d.Attribute != "" {
		where += " " + d.Attribute
	}
	return fmt.Sprintf("%s: reviewed %s, now %s", where, d.Reviewed, d.Now)
}

// CompareChanges lists how the changes of a recomputed plan (now) differ
// from the reviewed ones: a change planned only in one of them, another
// action, object id or reason, or an attribute whose before or after value,
// or whose added or removed set members, differ. The number of unchanged
// set members is not compared, nor are attributes the plan does not change:
// live changes that leave the planned changes as they were do not count.
// An empty result means the plans make the same changes.
func CompareChanges(reviewed, now []*Change) []Difference {
	index := func(cs []*Change) map[string]*Change {
		m := make(map[string]*Change, len(cs))
		for _, c := range cs {
			m[c.Address] = c
		}
		return m
	}
	r, n := index(reviewed), index(now)
	addrs := make([]string, 0, len(r)+len(n))
	for a := range r {
		addrs = append(addrs, a)
	}
	for a := range n {
		if r[a] == nil {
			addrs = append(addrs, a)
		}
	}
	sort.Strings(addrs)
	var out []Difference
	for _, a := range addrs {
		rc, nc := r[a], n[a]
		switch {
		case nc == nil:
			out = append(out, Difference{Address: a, Reviewed: changeWord(rc), Now: "no change"})
		case rc == nil:
			out = append(out, Difference{Address: a, Reviewed: "no change", Now: changeWord(nc)})
		case rc.Action != nc.Action || rc.Kind != nc.Kind || rc.Reason() != nc.Reason() || rc.PreviousName() != nc.PreviousName():
			out = append(out, Difference{Address: a, Reviewed: changeWord(rc), Now: changeWord(nc)})
		case rc.ID != nc.ID:
			out = append(out, Difference{Address: a, Attribute: "id", Reviewed: quoteOrNone(rc.ID), Now: quoteOrNone(nc.ID)})
		default:
			out = append(out, compareAttrs(a, rc.Attrs, nc.Attrs)...)
		}
	}
	return out
}

func compareAttrs(addr string, reviewed, now []AttrChange) []Difference {
	index := func(as []AttrChange) map[string]AttrChange {
		m := make(map[string]AttrChange, len(as))
		for _, a := range as {
			m[a.Name] = a
		}
		return m
	}
	r, n := index(reviewed), index(now)
	names := make([]string, 0, len(r)+len(n))
	for k := range r {
		names = append(names, k)
	}
	for k := range n {
		if _, ok := r[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var out []Difference
	for _, name := range names {
		ra, rok := r[name]
		na, nok := n[name]
		rs, ns := "unchanged", "unchanged"
		if rok {
			rs = attrWord(ra)
		}
		if nok {
			ns = attrWord(na)
		}
		if rs == ns {
			continue
		}
		if ra.Sensitive || na.Sensitive {
			// Compared in full, shown redacted.
			rs, ns = redactedWord(rok), redactedWord(nok)+", changed"
		}
		out = append(out, Difference{Address: addr, Attribute: name, Reviewed: rs, Now: ns})
	}
	return out
}

func changeWord(c *Change) string {
	s := string(c.Action) + " (" + c.Kind
	if c.Reason() != "" {
		s += ", " + c.Reason()
	}
	if c.PreviousName() != "" {
		s += ", from " + fmt.Sprintf("%q", c.PreviousName())
	}
	return s + ")"
}

// attrWord describes what a change does to one attribute: "a" -> "b" for
// values, +[x] -[y] for sets.
func attrWord(a AttrChange) string {
	if a.Set {
		var parts []string
		if len(a.Added) > 0 {
			parts = append(parts, "+["+strings.Join(a.Added, ", ")+"]")
		}
		if len(a.Removed) > 0 {
			parts = append(parts, "-["+strings.Join(a.Removed, ", ")+"]")
		}
		if len(parts) == 0 {
			return "unchanged"
		}
		return strings.Join(parts, " ")
	}
	return valueWord(a.Before) + " -> " + valueWord(a.After)
}

func valueWord(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}

func redactedWord(changed bool) string {
	if changed {
		return "(sensitive value)"
	}
	return "unchanged"
}
