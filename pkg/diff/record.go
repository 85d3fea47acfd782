package diff

import (
	"iter"
	"slices"
	"sort"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// Record edit kinds besides the object kinds (permission, role,
// organization, member, application).
const (
	RecordPreventDestroy = "prevent_destroy"
	// RecordIntent removes the intent of Address (the announced create was
	// found, or will not happen).
	RecordIntent = "intent"
)

// ApplyRecordEdits applies edits to rec. resolve turns "${KEY}" references
// into the ids produced by the plan's operations (it may be nil when there
// are none); an edit whose id or organization still holds a reference after
// resolving (its create did not happen) is skipped. Removing an organization
// also forgets the members and applications recorded for it. Lists stay
// sorted and unique, and Addresses only keeps ids the record still holds.
func ApplyRecordEdits(rec *state.Record, edits []RecordEdit, resolve func(string) string) {
	ApplyRecordEditSeq(rec, slices.Values(edits), resolve)
}

// ApplyRecordEditSeq is ApplyRecordEdits of the edits edits yields, in
// order: the edits of a large apply need not be gathered in one slice.
func ApplyRecordEditSeq(rec *state.Record, edits iter.Seq[RecordEdit], resolve func(string) string) {
	if resolve == nil {
		resolve = func(s string) string { return s }
	}
	for _, l := range [][]string{rec.Permissions, rec.Roles, rec.Organizations, rec.PreventDestroy} {
		sort.Strings(l)
	}
	for _, m := range []map[string][]string{rec.Members, rec.Applications} {
		for _, l := range m {
			sort.Strings(l)
		}
	}
	for e := range edits {
		id, org := resolve(e.ID), resolve(e.Org)
		if e.Kind != RecordIntent && (id == "" || isRef(id) || isRef(org)) {
			continue
		}
		if e.Remove {
			forgetApplied(rec, e.Kind, org, id)
		}
		switch e.Kind {
		case KindPermission:
			rec.Permissions = editList(rec.Permissions, id, e.Remove)
		case KindRole:
			rec.Roles = editList(rec.Roles, id, e.Remove)
		case KindOrganization:
			rec.Organizations = editList(rec.Organizations, id, e.Remove)
			if e.Remove {
				delete(rec.Members, id)
				delete(rec.Applications, id)
			}
		case KindMember:
			rec.Members = editNested(rec.Members, org, id, e.Remove)
			if e.Remove {
				rec.PreventDestroy = editList(rec.PreventDestroy, state.AppliedKey(KindMember, org, id), true)
			}
		case KindApplication:
			rec.Applications = editNested(rec.Applications, org, id, e.Remove)
			if e.Remove {
				rec.PreventDestroy = editList(rec.PreventDestroy, state.AppliedKey(KindApplication, org, id), true)
			}
		case RecordPreventDestroy:
			if e.Of != "" {
				id = state.AppliedKey(e.Of, org, id)
			}
			rec.PreventDestroy = editList(rec.PreventDestroy, id, e.Remove)
		case RecordIntent:
			rec.Intents = dropIntent(rec.Intents, e.Address)
			continue
		default:
			continue
		}
		if !e.Remove && e.Address != "" {
			// A recorded create no longer needs its announcement.
			rec.Intents = dropIntent(rec.Intents, e.Address)
		}
		if e.Address != "" && !e.Remove && e.Kind != KindMember && e.Kind != KindApplication {
			if rec.Addresses == nil {
				rec.Addresses = map[string]string{}
			}
			rec.Addresses[id] = e.Address
		}
	}
	held := map[string]bool{}
	for _, l := range [][]string{rec.Permissions, rec.Roles, rec.Organizations, rec.PreventDestroy} {
		for _, id := range l {
			held[id] = true
		}
	}
	for id := range rec.Addresses {
		if !held[id] {
			delete(rec.Addresses, id)
		}
	}
}

// editList adds or removes id in a sorted list.
// forgetApplied drops what the record says orgsync applied to an object it
// stops managing (for an organization, also to its members, applications
// and JIT settings).
func forgetApplied(rec *state.Record, kind, org, id string) {
	switch kind {
	case KindPermission, KindRole:
		delete(rec.Applied, id)
	case KindOrganization:
		delete(rec.Applied, id)
		for k := range rec.Applied {
			if strings.HasPrefix(k, id+"/") {
				delete(rec.Applied, k)
			}
		}
	case KindMember, KindApplication:
		delete(rec.Applied, state.AppliedKey(kind, org, id))
	}
}

// AppliedEdit is what an apply records of one object it brought in line
// with the configuration: the fingerprint of each attribute orgsync
// manages (ignore_changes attributes are left out). The executor applies
// it only when every operation of its address succeeded.
type AppliedEdit struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	// ID is the object id (or "${ref}" of a create); for members and
	// applications the user or application id, with Org the organization.
	ID    string            `json:"id"`
	Org   string            `json:"org,omitempty"`
	Attrs map[string]string `json:"attributes"`
}

// ApplyAppliedEdits records edits in rec.Applied, replacing what was
// recorded for each object; an edit whose id or organization is still an
// unresolved reference is skipped. The record shares the edits' Attrs maps:
// nothing writes into an applied map, records replace them.
func ApplyAppliedEdits(rec *state.Record, edits []AppliedEdit, resolve func(string) string) {
	if resolve == nil {
		resolve = func(s string) string { return s }
	}
	for _, e := range edits {
		id, org := resolve(e.ID), resolve(e.Org)
		if id == "" || isRef(id) || isRef(org) {
			continue
		}
		if rec.Applied == nil {
			rec.Applied = map[string]map[string]string{}
		}
		key := state.AppliedKey(e.Kind, org, id)
		if len(e.Attrs) == 0 {
			delete(rec.Applied, key)
			continue
		}
		rec.Applied[key] = e.Attrs
	}
}

func editList(list []string, id string, remove bool) []string {
	i := sort.SearchStrings(list, id)
	found := i < len(list) && list[i] == id
	switch {
	case remove && found:
		return append(list[:i], list[i+1:]...)
	case !remove && !found:
		list = append(list, "")
		copy(list[i+1:], list[i:])
		list[i] = id
	}
	return list
}

func editNested(m map[string][]string, org, id string, remove bool) map[string][]string {
	if org == "" {
		return m
	}
	if m == nil {
		if remove {
			return m
		}
		m = map[string][]string{}
	}
	l := editList(m[org], id, remove)
	if len(l) == 0 {
		delete(m, org)
	} else {
		m[org] = l
	}
	return m
}

func dropIntent(intents []state.Intent, addr string) []state.Intent {
	out := intents[:0:0]
	for _, in := range intents {
		if in.Address != addr {
			out = append(out, in)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// CopyRecord returns a copy of r that can be edited without changing r. The
// attribute maps of Applied are shared (nothing writes into them; an edit
// replaces an object's map).
func CopyRecord(r state.Record) state.Record {
	c := state.Record{
		Serial:         r.Serial,
		Permissions:    append([]string(nil), r.Permissions...),
		Roles:          append([]string(nil), r.Roles...),
		Organizations:  append([]string(nil), r.Organizations...),
		PreventDestroy: append([]string(nil), r.PreventDestroy...),
		Intents:        append([]state.Intent(nil), r.Intents...),
	}
	if r.PermissionSince != nil {
		c.PermissionSince = make(map[string]int64, len(r.PermissionSince))
		for k, v := range r.PermissionSince {
			c.PermissionSince[k] = v
		}
	}
	copyNested := func(m map[string][]string) map[string][]string {
		if m == nil {
			return nil
		}
		out := make(map[string][]string, len(m))
		for k, v := range m {
			out[k] = append([]string(nil), v...)
		}
		return out
	}
	c.Members, c.Applications = copyNested(r.Members), copyNested(r.Applications)
	c.LastApply = r.LastApply
	if r.Applied != nil {
		c.Applied = make(map[string]map[string]string, len(r.Applied))
		for k, v := range r.Applied {
			c.Applied[k] = v
		}
	}
	if r.Addresses != nil {
		c.Addresses = make(map[string]string, len(r.Addresses))
		for k, v := range r.Addresses {
			c.Addresses[k] = v
		}
	}
	return c
}
