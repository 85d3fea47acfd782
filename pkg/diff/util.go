package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// ref returns the "${key}" reference to an id produced by an earlier operation.
func ref(key string) string { return "${" + key + "}" }

// isRef reports whether s is (or holds) a "${...}" reference.
func isRef(s string) bool { return strings.Contains(s, "${") }

// nullable is the JSON value of an optional Logto string: "" is null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// canonical returns the canonical JSON encoding of v (object keys sorted,
// numbers normalized) and the plain JSON value it decodes to.
func canonical(v any) (string, any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", nil, err
	}
	var plain any
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&plain); err != nil {
		return "", nil, err
	}
	b, err = json.Marshal(plain)
	if err != nil {
		return "", nil, err
	}
	return string(b), plain, nil
}

// mustJSON encodes a plain JSON value; it is only used on values that came
// from canonical or are strings, bools and string slices.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("diff: encoding %T: %v", v, err))
	}
	return string(b)
}

// scalarAttrs diffs the named scalar attributes of two attribute maps; a nil
// value counts as absent. Names are visited in sorted order.
func scalarAttrs(before, after map[string]any, names ...string) []AttrChange {
	var out []AttrChange
	for _, n := range names {
		b, a := before[n], after[n]
		var bs, as *string
		if b != nil {
			s := mustJSON(b)
			bs = &s
		}
		if a != nil {
			s := mustJSON(a)
			as = &s
		}
		if (bs == nil) != (as == nil) || (bs != nil && *bs != *as) {
			out = append(out, AttrChange{Name: n, Before: bs, After: as})
		}
	}
	return out
}

// setAttr diffs two sets of display strings; ok is false when they are equal.
func setAttr(name string, before, after []string) (AttrChange, bool) {
	added, removed, kept := setDiff(before, after)
	if len(added) == 0 && len(removed) == 0 {
		return AttrChange{}, false
	}
	return AttrChange{Name: name, Added: added, Removed: removed, Kept: kept, Set: true}, true
}

// setDiff returns the sorted members of after not in before, of before not in
// after, and the number in both. Inputs need not be sorted; duplicates count once.
func setDiff(before, after []string) (added, removed []string, kept int) {
	in := make(map[string]bool, len(before))
	for _, b := range before {
		in[b] = true
	}
	seen := make(map[string]bool, len(after))
	for _, a := range after {
		if seen[a] {
			continue
		}
		seen[a] = true
		if in[a] {
			kept++
		} else {
			added = append(added, a)
		}
	}
	for b := range in {
		if !seen[b] {
			removed = append(removed, b)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed, kept
}

// sameSet reports whether two sets of strings hold the same members.
func sameSet(a, b []string) bool {
	if len(a) == len(b) && sort.StringsAreSorted(a) && sort.StringsAreSorted(b) {
		eq := true
		for i := range a {
			if a[i] != b[i] {
				eq = false
				break
			}
		}
		if eq {
			return true
		}
	}
	added, removed, _ := setDiff(a, b)
	return len(added) == 0 && len(removed) == 0
}

// sortedUnique returns a sorted copy of s without duplicates (never nil).
func sortedUnique(s []string) []string {
	out := make([]string, 0, len(s))
	out = append(out, s...)
	sort.Strings(out)
	j := 0
	for i, v := range out {
		if i > 0 && v == out[j-1] {
			continue
		}
		out[j] = v
		j++
	}
	return out[:j]
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// inTarget reports whether target names addr or an object inside it:
// organization.acme.member."x" is in organization.acme, and
// organization.customer["acme"] in organization.customer.
func inTarget(target, addr string) bool {
	if addr == target {
		return true
	}
	if !strings.HasPrefix(addr, target) {
		return false
	}
	next := addr[len(target)]
	return next == '.' || next == '['
}

// refs returns ids as references (never nil).
func refs(ids []string) []Ref {
	out := make([]Ref, len(ids))
	for i, id := range ids {
		out[i] = Ref(id)
	}
	return out
}

// copyStrings returns a copy of s that is never nil, so that attribute maps do not
// alias their inputs and an empty set renders as [] rather than null.
func copyStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	out := make([]string, len(s))
	copy(out, s)
	return out
}

var quotedStep = regexp.MustCompile(`\."((?:[^"\\]|\\.)*)"`)

// NormalizeAddress writes an address the way plans do: a quoted step that is
// an identifier loses its quotes (permission."old" is permission.old).
func NormalizeAddress(addr string) string {
	return quotedStep.ReplaceAllStringFunc(addr, func(m string) string {
		inner := m[2 : len(m)-1]
		if state.IsAddressWord(inner) {
			return "." + inner
		}
		return m
	})
}
