package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// RecordEntry is one object an ownership record manages, as `orgsync
// state` shows it.
type RecordEntry struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	// Org is the organization id of a member or an application.
	Org            string `json:"organization_id,omitempty"`
	PreventDestroy bool   `json:"prevent_destroy"`
	// Applied is the fingerprint of each attribute as orgsync last applied
	// it (empty when the record has none yet).
	Applied map[string]string `json:"applied"`
	// Since is when orgsync first knew a permission (Unix milliseconds).
	Since int64 `json:"since,omitempty"`
}

// Labels names the members and applications of a record for their
// addresses: users by email (else username, else "id:<id>"), applications
// by name (else "id:<id>").
type Labels struct {
	Users, Apps map[string]string
}

// ReadLabels looks up, in pages, the users and applications rec manages,
// to name them in addresses.
func ReadLabels(ctx context.Context, c *logto.Client, rec state.Record) (Labels, error) {
	l := Labels{Users: map[string]string{}, Apps: map[string]string{}}
	var users, apps []string
	for _, ids := range rec.Members {
		users = append(users, ids...)
	}
	for _, ids := range rec.Applications {
		apps = append(apps, ids...)
	}
	if len(users) > 0 {
		found, err := c.GetUsersByID(ctx, sortedSet(users))
		if err != nil {
			return l, fmt.Errorf("look up the users the record manages: %w", err)
		}
		for _, u := range found {
			l.Users[u.ID] = cmpOr(u.PrimaryEmail, u.Username)
		}
	}
	for _, id := range sortedSet(apps) {
		a, err := c.GetApplication(ctx, id)
		if logto.IsNotFound(err) {
			continue
		}
		if err != nil {
			return l, fmt.Errorf("look up application %s: %w", id, err)
		}
		l.Apps[id] = a.Name
	}
	return l, nil
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// RecordEntries lists what rec manages, sorted by address.
func RecordEntries(rec state.Record, l Labels) []RecordEntry {
	prevent := map[string]bool{}
	for _, id := range rec.PreventDestroy {
		prevent[id] = true
	}
	orgAddr := func(id string) string {
		if a := rec.Addresses[id]; a != "" {
			return a
		}
		return "organization." + state.AddressPart("id:"+id)
	}
	entry := func(kind, id, org, addr string) RecordEntry {
		key := state.AppliedKey(kind, org, id)
		e := RecordEntry{Address: addr, Kind: kind, ID: id, Org: org, PreventDestroy: prevent[key], Applied: rec.Applied[key]}
		if e.Applied == nil {
			e.Applied = map[string]string{}
		}
		if kind == diff.KindPermission {
			e.Since = rec.PermissionSince[id]
		}
		return e
	}
	var out []RecordEntry
	for _, id := range rec.Permissions {
		out = append(out, entry(diff.KindPermission, id, "", cmpOr(rec.Addresses[id], "permission."+state.AddressPart("id:"+id))))
	}
	for _, id := range rec.Roles {
		out = append(out, entry(diff.KindRole, id, "", cmpOr(rec.Addresses[id], "role."+state.AddressPart("id:"+id))))
	}
	for _, id := range rec.Organizations {
		out = append(out, entry(diff.KindOrganization, id, "", orgAddr(id)))
		if a := rec.Applied[state.AppliedKey(diff.KindJIT, id, "")]; a != nil {
			e := RecordEntry{Address: state.JITAddress(orgAddr(id)), Kind: diff.KindJIT, ID: id, Org: id, Applied: a}
			out = append(out, e)
		}
	}
	for org, ids := range rec.Members {
		for _, id := range ids {
			label := cmpOr(l.Users[id], "id:"+id)
			out = append(out, entry(diff.KindMember, id, org, state.MemberAddress(orgAddr(org), label)))
		}
	}
	for org, ids := range rec.Applications {
		for _, id := range ids {
			label := cmpOr(l.Apps[id], "id:"+id)
			out = append(out, entry(diff.KindApplication, id, org, state.ApplicationAddress(orgAddr(org), label)))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// FindEntry returns the entries addr names: one object, or, for an
// organization, the organization first and then everything in it when
// withChildren is set.
func FindEntry(entries []RecordEntry, addr string, withChildren bool) []RecordEntry {
	addr = diff.NormalizeAddress(strings.TrimSpace(addr))
	var out []RecordEntry
	for _, e := range entries {
		switch {
		case diff.NormalizeAddress(e.Address) == addr:
			out = append([]RecordEntry{e}, out...)
		case withChildren && strings.HasPrefix(diff.NormalizeAddress(e.Address), addr+"."):
			out = append(out, e)
		}
	}
	return out
}

// ErrNotInRecord says an address names nothing the record manages.
var ErrNotInRecord = errors.New("not in the ownership record")

// Forget removes entries from rec: orgsync stops managing them, and nothing
// is deleted in Logto. Forgetting an organization forgets its members,
// applications and JIT settings too.
func Forget(rec *state.Record, entries []RecordEntry) {
	var edits []diff.RecordEdit
	for _, e := range entries {
		switch e.Kind {
		case diff.KindJIT:
			delete(rec.Applied, state.AppliedKey(diff.KindJIT, e.Org, ""))
			continue
		case diff.KindMember, diff.KindApplication:
			edits = append(edits, diff.RecordEdit{Kind: e.Kind, ID: e.ID, Org: e.Org, Remove: true})
		default:
			edits = append(edits, diff.RecordEdit{Kind: e.Kind, ID: e.ID, Remove: true},
				diff.RecordEdit{Kind: diff.RecordPreventDestroy, ID: e.ID, Remove: true})
		}
	}
	diff.ApplyRecordEdits(rec, edits, nil)
	if rec.PermissionSince != nil {
		for id := range rec.PermissionSince {
			if !slices.Contains(rec.Permissions, id) {
				delete(rec.PermissionSince, id)
			}
		}
	}
}

// WriteRecord stores rec as the next copy of the ownership record, where st
// (the storage of the record read under lock) says, and returns where it
// now is. The caller holds the apply lock.
func WriteRecord(ctx context.Context, c *logto.Client, rec state.Record, st state.RecordStorage, lock *Lock) (state.RecordStorage, error) {
	if lock == nil {
		return st, errors.New("write the ownership record: the apply lock is not held")
	}
	next, _, err := writeRecord(ctx, c, NormalizeRecord(rec), st, lock)
	return next, err
}
