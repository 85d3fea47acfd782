package apply

import (
	"bytes"
	"cmp"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// The ownership record lives in the custom data of the application orgsync
// signs in as. Logto refuses request bodies over 1 MB (logto-api.md §16) and
// merges PATCH /api/applications/{id}/custom-data shallowly, so the record is
// stored as deflated, base85 text split into chunks, each under its own key, and a
// small header:
//
//	orgsync_record        {"version":2,"slot":s,"slots":[{serial,chunks,sha256},{…}]}
//	orgsync_record_<s>_0  first chunk of slot s
//	…
//
// A write fills the slot the header does not point to and then switches the
// header (with the last chunk, in the same PATCH, when the record is one
// chunk), so an interrupted write leaves the previous record intact. The
// header keeps the checksum of both copies: a reader that finds the current
// copy damaged falls back to the previous one and says so.
//
// The record is read once per apply (by Fetch, under the apply lock) and
// written only by the lock holder, without reading it again: Storage says
// where the next copy goes.
const (
	// RecordKey is the custom-data key of the record header.
	RecordKey = "orgsync_record"
	// RecordVersion is the record format version this package writes; it
	// also reads version 1.
	RecordVersion = 2
	// MaxChunkSize is the largest chunk (bytes of text) written by one PATCH.
	MaxChunkSize = 256 << 10
)

// DefaultWorkspace is the workspace of a configuration that names none.
const DefaultWorkspace = state.DefaultWorkspace

// WorkspaceKey is the custom-data key of the record header of workspace
// ws: RecordKey for the default workspace, RecordKey + "." + ws otherwise
// (a workspace name has no "_" or ".", so the keys never overlap).
func WorkspaceKey(ws string) string {
	if ws == "" || ws == DefaultWorkspace {
		return RecordKey
	}
	return RecordKey + "." + ws
}

// chunkKey is the custom-data key of chunk i of slot, under the header key
// base.
func chunkKey(base string, slot, i int) string {
	return base + "_" + strconv.Itoa(slot) + "_" + strconv.Itoa(i)
}

// slotHeader describes the copy of the record in one slot.
type slotHeader struct {
	Serial int64  `json:"serial"`
	Chunks int    `json:"chunks"`
	SHA256 string `json:"sha256"` // of the concatenated chunk text
}

// recordHeader is the value stored under RecordKey.
type recordHeader struct {
	Version int `json:"version"`
	// Version 2: the current slot and both slots' copies.
	Slot  int           `json:"slot"`
	Slots [2]slotHeader `json:"slots"`
	// Version 1 kept only the current copy's fields at the top level.
	Serial int64  `json:"serial,omitempty"`
	Chunks int    `json:"chunks,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// recordBody is the JSON inside the chunks (version 2). Ids that would
// repeat are stored once: every organization the record mentions once in
// Orgs, with its address, members and applications at the same index; every
// member and application id once in Users and Apps, referred to by index.
// Index lists are sorted and delta-encoded (each number is the distance to
// the previous one), which gzip shrinks to a byte or two each.
type recordBody struct {
	Permissions    []string          `json:"permissions,omitempty"`
	Roles          []string          `json:"roles,omitempty"`
	PreventDestroy []string          `json:"prevent_destroy,omitempty"`
	Addresses      map[string]string `json:"addresses,omitempty"` // of permissions and roles
	Orgs           []string          `json:"orgs,omitempty"`
	Managed        []int             `json:"managed,omitempty"` // indexes into Orgs of the managed organizations
	OrgAddresses   []string          `json:"org_addresses,omitempty"`
	Users          []string          `json:"users,omitempty"`
	Apps           []string          `json:"apps,omitempty"`
	Members        [][]int           `json:"members,omitempty"`      // per Orgs index: indexes into Users
	Applications   [][]int           `json:"applications,omitempty"` // per Orgs index: indexes into Apps
	Intents        []state.Intent    `json:"intents,omitempty"`
	// PermissionSince: per Permissions index, when orgsync first knew it
	// (Unix seconds; 0 unknown).
	PermissionSince []int64 `json:"permission_since,omitempty"`
	// Applied fingerprints (state.Record.Applied): of permissions, roles,
	// organizations and JIT settings as "attr=fp;attr=fp" by key; of
	// members and applications, per Orgs index, pairs of a delta-encoded
	// Users (Apps) index and an index into AppliedRoles, the distinct
	// fingerprints of their roles (a tenant has few role sets).
	AppliedObjects map[string]string `json:"applied,omitempty"`
	// AppliedOrgs and AppliedJIT hold the fingerprints of organizations and
	// of their JIT settings per Orgs index.
	AppliedOrgs    []string         `json:"applied_orgs,omitempty"`
	AppliedJIT     []string         `json:"applied_jit,omitempty"`
	AppliedRoles   []string         `json:"applied_roles,omitempty"`
	AppliedMembers [][]int          `json:"applied_members,omitempty"`
	AppliedApps    [][]int          `json:"applied_apps,omitempty"`
	LastApply      *state.LastApply `json:"last_apply,omitempty"`
}

// recordBodyV1 is the JSON of version 1.
type recordBodyV1 struct {
	Permissions    []string            `json:"permissions,omitempty"`
	Roles          []string            `json:"roles,omitempty"`
	Organizations  []string            `json:"organizations,omitempty"`
	Members        map[string][]string `json:"members,omitempty"`
	Applications   map[string][]string `json:"applications,omitempty"`
	PreventDestroy []string            `json:"prevent_destroy,omitempty"`
	Addresses      map[string]string   `json:"addresses,omitempty"`
}

// TornRecordError is returned by ReadRecord when no copy of the record
// matches its checksum.
type TornRecordError struct {
	AppID string
	Key   string // the record's header key
	Why   string
}

func (e *TornRecordError) Error() string {
	return fmt.Sprintf("the ownership record in the custom data of application %s is damaged (%s) and its previous copy too: "+
		"nothing was planned. Remove the %s and %s_* keys from that custom data to start a new record (orgsync then manages nothing it created before)",
		e.AppID, e.Why, cmp.Or(e.Key, RecordKey), cmp.Or(e.Key, RecordKey))
}

// NormalizeRecord returns rec with every list sorted and de-duplicated, empty
// per-organization lists dropped and nil maps made empty. The attribute
// maps of Applied are shared with rec, not copied: nothing writes into
// them (a record's applied fingerprints are replaced, never edited); so is
// Applied itself when it has no empty entry to drop: a record is edited as
// a copy (diff.CopyRecord), or as one nothing else holds.
func NormalizeRecord(rec state.Record) state.Record {
	out := state.Record{
		Serial:         rec.Serial,
		Permissions:    sortedSet(rec.Permissions),
		Roles:          sortedSet(rec.Roles),
		Organizations:  sortedSet(rec.Organizations),
		PreventDestroy: sortedSet(rec.PreventDestroy),
		Members:        normalizeListMap(rec.Members),
		Applications:   normalizeListMap(rec.Applications),
		Addresses:      map[string]string{},
	}
	for k, v := range rec.Addresses {
		if k != "" && v != "" {
			out.Addresses[k] = v
		}
	}
	for _, id := range out.Permissions {
		if t := rec.PermissionSince[id]; t > 0 {
			if out.PermissionSince == nil {
				out.PermissionSince = map[string]int64{}
			}
			out.PermissionSince[id] = t
		}
	}
	out.LastApply = rec.LastApply
	clean := true
	for k, attrs := range rec.Applied {
		clean = clean && k != "" && len(attrs) > 0
	}
	switch {
	case len(rec.Applied) == 0:
	case clean:
		out.Applied = rec.Applied // not copied: 100,000 entries in a large record
	default:
		out.Applied = make(map[string]map[string]string, len(rec.Applied))
		for k, attrs := range rec.Applied {
			if k != "" && len(attrs) > 0 {
				out.Applied[k] = attrs
			}
		}
	}
	if len(rec.Intents) > 0 {
		out.Intents = slices.Clone(rec.Intents)
		slices.SortFunc(out.Intents, func(a, b state.Intent) int { return strings.Compare(a.Address, b.Address) })
		out.Intents = slices.CompactFunc(out.Intents, func(a, b state.Intent) bool { return a.Address == b.Address })
	}
	return out
}

func normalizeListMap(m map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		if s := sortedSet(v); len(s) > 0 {
			out[k] = s
		}
	}
	return out
}

// sortedSet returns the sorted, de-duplicated non-empty strings of in (nil if none).
func sortedSet(in []string) []string {
	var out []string
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ReadRecords reads, in one request, the ownership record of workspace ws
// and those of every other workspace (by name) kept in the same custom
// data. A damaged record of another workspace is an error too: what it
// manages must not be adopted or deleted.
func ReadRecords(ctx context.Context, c *logto.Client, ws string) (state.Record, state.RecordStorage, map[string]state.Record, error) {
	app, err := c.GetApplication(ctx, c.AppID())
	if err != nil {
		return state.Record{}, state.RecordStorage{}, nil, fmt.Errorf("read the ownership record (custom data of application %s): %w", c.AppID(), err)
	}
	rec, st, err := decodeRecord(c.AppID(), app.CustomData, ws)
	if err != nil {
		return rec, st, nil, err
	}
	others := map[string]state.Record{}
	for _, other := range Workspaces(app.CustomData) {
		if WorkspaceKey(other) == WorkspaceKey(ws) {
			continue
		}
		r, _, err := decodeRecord(c.AppID(), app.CustomData, other)
		if err != nil {
			return rec, st, nil, fmt.Errorf("workspace %q: %w", other, err)
		}
		others[other] = r
	}
	return rec, st, others, nil
}

// Workspaces lists, sorted, the workspaces whose record the custom data
// holds (the default one as DefaultWorkspace).
func Workspaces(data map[string]any) []string {
	var out []string
	for k, v := range data {
		if v == nil {
			continue
		}
		if k == RecordKey {
			out = append(out, DefaultWorkspace)
		} else if ws, ok := strings.CutPrefix(k, RecordKey+"."); ok && state.ValidWorkspace(ws) {
			out = append(out, ws)
		}
	}
	slices.Sort(out)
	return out
}

// decodeRecord rebuilds workspace ws's record from an application's custom
// data.
func decodeRecord(appID string, data map[string]any, ws string) (state.Record, state.RecordStorage, error) {
	base := WorkspaceKey(ws)
	st := state.RecordStorage{Workspace: ws}
	for k, v := range data {
		if strings.HasPrefix(k, base+"_") && v != nil {
			st.Keys = append(st.Keys, k)
		}
	}
	slices.Sort(st.Keys)
	h, ok, err := decodeHeader(appID, data, base)
	if err != nil || !ok {
		return NormalizeRecord(state.Record{}), st, err
	}
	st.Exists, st.Slot = true, h.Slot
	for s := range 2 {
		st.Chunks[s], st.Serials[s], st.SHA256s[s] = h.Slots[s].Chunks, h.Slots[s].Serial, h.Slots[s].SHA256
	}
	body, serial, err := readSlot(appID, data, base, h, h.Slot)
	if err != nil {
		other := 1 - h.Slot
		prev, prevSerial, perr := readSlot(appID, data, base, h, other)
		if perr != nil || h.Slots[other].Chunks == 0 {
			return state.Record{}, st, err
		}
		st.Note = fmt.Sprintf("the current copy of the ownership record (serial %d) is damaged (%v); the previous copy (serial %d) was used: "+
			"objects recorded by the last apply may be reported as unmanaged, and are left alone", serial, err, prevSerial)
		st.Slot = other // the damaged slot is overwritten next
		body, serial = prev, prevSerial
	}
	rec, err := body.record()
	if err != nil {
		return state.Record{}, st, fmt.Errorf("the ownership record in application %s: %w", appID, err)
	}
	rec.Serial = serial
	return NormalizeRecord(rec), st, nil
}

// readSlot reads and checks the copy in slot.
func readSlot(appID string, data map[string]any, base string, h recordHeader, slot int) (*recordBody, int64, error) {
	sh := h.Slots[slot]
	var text strings.Builder
	for i := range sh.Chunks {
		s, ok := data[chunkKey(base, slot, i)].(string)
		if !ok {
			return nil, sh.Serial, &TornRecordError{AppID: appID, Key: base, Why: fmt.Sprintf("chunk %s is missing", chunkKey(base, slot, i))}
		}
		text.WriteString(s)
	}
	sum := sha256.Sum256([]byte(text.String()))
	if hex.EncodeToString(sum[:]) != sh.SHA256 {
		return nil, sh.Serial, &TornRecordError{AppID: appID, Key: base, Why: "checksum mismatch"}
	}
	body, err := decodeBody(text.String(), h.Version)
	if err != nil {
		return nil, sh.Serial, &TornRecordError{AppID: appID, Key: base, Why: err.Error()}
	}
	return body, sh.Serial, nil
}

// decodeHeader reads the header; ok is false when there is no record yet.
// A version 1 header is read as a version 2 one with one copy.
func decodeHeader(appID string, data map[string]any, base string) (h recordHeader, ok bool, err error) {
	raw, present := data[base]
	if !present || raw == nil {
		return h, false, nil
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &h)
	}
	if err != nil {
		return h, false, fmt.Errorf("the ownership record header %q in the custom data of application %s is malformed: %v", base, appID, err)
	}
	switch {
	case h.Version > RecordVersion:
		return h, false, fmt.Errorf("the ownership record in application %s has format version %d, newer than this orgsync understands (%d): upgrade orgsync",
			appID, h.Version, RecordVersion)
	case h.Version == 1 && h.Chunks >= 0 && h.Slot >= 0 && h.Slot <= 1 && h.Serial >= 0:
		h.Slots[h.Slot] = slotHeader{Serial: h.Serial, Chunks: h.Chunks, SHA256: h.SHA256}
		return h, true, nil
	case h.Version != RecordVersion || h.Slot < 0 || h.Slot > 1 || h.Slots[0].Chunks < 0 || h.Slots[1].Chunks < 0:
		return h, false, fmt.Errorf("the ownership record header %q in the custom data of application %s is malformed: %s", base, appID, b)
	}
	return h, true, nil
}

// indexer numbers the distinct strings given to it, in sorted order.
type indexer struct {
	table []string
	index map[string]int
}

func newIndexer(sets ...[]string) *indexer {
	seen := map[string]bool{}
	for _, set := range sets {
		for _, s := range set {
			seen[s] = true
		}
	}
	ix := &indexer{table: make([]string, 0, len(seen)), index: make(map[string]int, len(seen))}
	for s := range seen {
		ix.table = append(ix.table, s)
	}
	sort.Strings(ix.table)
	for i, s := range ix.table {
		ix.index[s] = i
	}
	return ix
}

// deltas returns the sorted indexes of ids, delta-encoded.
func (ix *indexer) deltas(ids []string) []int {
	idx := make([]int, len(ids))
	for i, id := range ids {
		idx[i] = ix.index[id]
	}
	sort.Ints(idx)
	prev := 0
	for i, v := range idx {
		idx[i], prev = v-prev, v
	}
	return idx
}

// undelta resolves delta-encoded indexes into table.
func undelta(enc []int, table []string, what string) ([]string, error) {
	out := make([]string, len(enc))
	at := 0
	for i, d := range enc {
		at += d
		if d < 0 || at >= len(table) {
			return nil, fmt.Errorf("the %s refer to an id the record does not hold", what)
		}
		out[i] = table[at]
	}
	return out, nil
}

func values(m map[string][]string) []string {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	out := make([]string, 0, n)
	for _, v := range m {
		out = append(out, v...)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// subjectFP is the applied fingerprint fp of subject id's roles in org.
type subjectFP struct{ org, id, fp string }

// column is one field of each of fps.
func column(fps []subjectFP, field func(subjectFP) string) []string {
	out := make([]string, len(fps))
	for i, f := range fps {
		out[i] = field(f)
	}
	return out
}

func (f subjectFP) subject() string     { return f.id }
func (f subjectFP) fingerprint() string { return f.fp }

// fingerprintPairs lays out fingerprints per organization (by orgs' index):
// for each subject, in subjects' order, the delta of its index and the
// index of its fingerprint in table.
func fingerprintPairs(fps []subjectFP, orgs, subjects, table *indexer) [][]int {
	type entry struct{ org, at, fp int }
	es := make([]entry, len(fps))
	for i, f := range fps {
		es[i] = entry{orgs.index[f.org], subjects.index[f.id], table.index[f.fp]}
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Or(a.org-b.org, a.at-b.at) })
	out := make([][]int, len(orgs.table))
	for len(es) > 0 {
		n := 1
		for n < len(es) && es[n].org == es[0].org {
			n++
		}
		prev, enc := 0, make([]int, 0, 2*n)
		for _, e := range es[:n] {
			enc = append(enc, e.at-prev, e.fp)
			prev = e.at
		}
		out[es[0].org] = enc
		es = es[n:]
	}
	return out
}

// newRecordBody lays out rec compactly.
func newRecordBody(rec state.Record) recordBody { return layOut(NormalizeRecord(rec)) }

// layOut lays out a normalized record (NormalizeRecord) compactly.
func layOut(rec state.Record) recordBody {
	body := recordBody{
		Permissions:    rec.Permissions,
		Roles:          rec.Roles,
		PreventDestroy: rec.PreventDestroy,
		Intents:        rec.Intents,
	}
	if len(rec.PermissionSince) > 0 {
		body.PermissionSince = make([]int64, len(rec.Permissions))
		for i, id := range rec.Permissions {
			body.PermissionSince[i] = rec.PermissionSince[id] / 1000
		}
	}
	if rec.LastApply != (state.LastApply{}) {
		la := rec.LastApply
		body.LastApply = &la
	}
	managedOrg := make(map[string]bool, len(rec.Organizations))
	for _, id := range rec.Organizations {
		managedOrg[id] = true
	}
	// Applied fingerprints of memberships: one entry each, not a map per
	// organization (a record holds 100,000 of them).
	memberFP, appFP := make([]subjectFP, 0, len(rec.Applied)), []subjectFP(nil)
	fpOrgs := map[string]bool{}
	for key, attrs := range rec.Applied {
		org, rest, nested := strings.Cut(key, "/")
		switch {
		case nested && strings.HasPrefix(rest, "user:"):
			memberFP = append(memberFP, subjectFP{org: org, id: strings.TrimPrefix(rest, "user:"), fp: attrs["roles"]})
		case nested && strings.HasPrefix(rest, "app:"):
			appFP = append(appFP, subjectFP{org: org, id: strings.TrimPrefix(rest, "app:"), fp: attrs["roles"]})
		case nested && rest == "jit":
		default:
			if managedOrg[key] {
				continue // laid out by Orgs index below
			}
			if body.AppliedObjects == nil {
				body.AppliedObjects = map[string]string{}
			}
			body.AppliedObjects[key] = joinFingerprints(attrs)
			continue
		}
		fpOrgs[org] = true
	}
	orgs := newIndexer(rec.Organizations, keys(rec.Members), keys(rec.Applications), keys(fpOrgs))
	users := newIndexer(values(rec.Members), column(memberFP, subjectFP.subject))
	apps := newIndexer(values(rec.Applications), column(appFP, subjectFP.subject))
	for i, org := range orgs.table {
		if a := rec.Applied[org]; len(a) > 0 && managedOrg[org] {
			if body.AppliedOrgs == nil {
				body.AppliedOrgs = make([]string, len(orgs.table))
			}
			body.AppliedOrgs[i] = joinFingerprints(a)
		}
		if a := rec.Applied[state.AppliedKey("jit", org, "")]; len(a) > 0 {
			if body.AppliedJIT == nil {
				body.AppliedJIT = make([]string, len(orgs.table))
			}
			body.AppliedJIT[i] = joinFingerprints(a)
		}
	}
	if len(memberFP)+len(appFP) > 0 {
		table := newIndexer(column(memberFP, subjectFP.fingerprint), column(appFP, subjectFP.fingerprint))
		body.AppliedRoles = table.table
		if len(memberFP) > 0 {
			body.AppliedMembers = fingerprintPairs(memberFP, orgs, users, table)
		}
		if len(appFP) > 0 {
			body.AppliedApps = fingerprintPairs(appFP, orgs, apps, table)
		}
	}
	body.Orgs, body.Users, body.Apps = orgs.table, users.table, apps.table
	body.Managed = orgs.deltas(rec.Organizations)
	for id, addr := range rec.Addresses {
		if i, ok := orgs.index[id]; ok {
			if body.OrgAddresses == nil {
				body.OrgAddresses = make([]string, len(orgs.table))
			}
			body.OrgAddresses[i] = addr
			continue
		}
		if body.Addresses == nil {
			body.Addresses = map[string]string{}
		}
		body.Addresses[id] = addr
	}
	if len(rec.Members) > 0 {
		body.Members = make([][]int, len(orgs.table))
		for org, ids := range rec.Members {
			body.Members[orgs.index[org]] = users.deltas(ids)
		}
	}
	if len(rec.Applications) > 0 {
		body.Applications = make([][]int, len(orgs.table))
		for org, ids := range rec.Applications {
			body.Applications[orgs.index[org]] = apps.deltas(ids)
		}
	}
	return body
}

// record rebuilds the record the body lays out.
func (b *recordBody) record() (state.Record, error) {
	rec := state.Record{
		Permissions:    b.Permissions,
		Roles:          b.Roles,
		PreventDestroy: b.PreventDestroy,
		Intents:        b.Intents,
		Addresses:      map[string]string{},
		Members:        map[string][]string{},
		Applications:   map[string][]string{},
	}
	for id, addr := range b.Addresses {
		rec.Addresses[id] = addr
	}
	for i, t := range b.PermissionSince {
		if i < len(b.Permissions) && t > 0 {
			if rec.PermissionSince == nil {
				rec.PermissionSince = map[string]int64{}
			}
			rec.PermissionSince[b.Permissions[i]] = t * 1000
		}
	}
	var err error
	if rec.Organizations, err = undelta(b.Managed, b.Orgs, "managed organizations"); err != nil {
		return rec, err
	}
	if len(b.OrgAddresses) > len(b.Orgs) || len(b.Members) > len(b.Orgs) || len(b.Applications) > len(b.Orgs) {
		return rec, fmt.Errorf("its organization lists do not line up")
	}
	for i, addr := range b.OrgAddresses {
		if addr != "" {
			rec.Addresses[b.Orgs[i]] = addr
		}
	}
	for i, enc := range b.Members {
		if rec.Members[b.Orgs[i]], err = undelta(enc, b.Users, "members of organization "+b.Orgs[i]); err != nil {
			return rec, err
		}
	}
	for i, enc := range b.Applications {
		if rec.Applications[b.Orgs[i]], err = undelta(enc, b.Apps, "applications of organization "+b.Orgs[i]); err != nil {
			return rec, err
		}
	}
	if b.LastApply != nil {
		rec.LastApply = *b.LastApply
	}
	if rec.Applied == nil {
		rec.Applied = map[string]map[string]string{}
	}
	for key, enc := range b.AppliedObjects {
		rec.Applied[key] = splitFingerprints(enc)
	}
	if len(b.AppliedOrgs) > len(b.Orgs) || len(b.AppliedJIT) > len(b.Orgs) {
		return rec, fmt.Errorf("its applied organization lists do not line up")
	}
	for i, enc := range b.AppliedOrgs {
		if enc != "" {
			rec.Applied[b.Orgs[i]] = splitFingerprints(enc)
		}
	}
	for i, enc := range b.AppliedJIT {
		if enc != "" {
			rec.Applied[state.AppliedKey("jit", b.Orgs[i], "")] = splitFingerprints(enc)
		}
	}
	// Subjects with the same roles share one fingerprint map.
	rolesFP := make([]map[string]string, len(b.AppliedRoles))
	unpair := func(all [][]int, table []string, kind string) error {
		if len(all) > len(b.Orgs) {
			return fmt.Errorf("its applied %s lists do not line up", kind)
		}
		for i, enc := range all {
			if len(enc)%2 != 0 {
				return fmt.Errorf("its applied %s of organization %s are malformed", kind, b.Orgs[i])
			}
			at := 0
			for j := 0; j < len(enc); j += 2 {
				at += enc[j]
				if enc[j] < 0 || at >= len(table) || enc[j+1] < 0 || enc[j+1] >= len(b.AppliedRoles) {
					return fmt.Errorf("its applied %s refer to an id the record does not hold", kind)
				}
				if rec.Applied == nil {
					rec.Applied = map[string]map[string]string{}
				}
				fp := rolesFP[enc[j+1]]
				if fp == nil {
					fp = map[string]string{"roles": b.AppliedRoles[enc[j+1]]}
					rolesFP[enc[j+1]] = fp
				}
				rec.Applied[state.AppliedKey(kind, b.Orgs[i], table[at])] = fp
			}
		}
		return nil
	}
	if err := unpair(b.AppliedMembers, b.Users, "member"); err != nil {
		return rec, err
	}
	if err := unpair(b.AppliedApps, b.Apps, "application"); err != nil {
		return rec, err
	}
	return rec, nil
}

// joinFingerprints encodes attribute fingerprints as "attr=fp;attr=fp",
// sorted by attribute.
func joinFingerprints(attrs map[string]string) string {
	names := keys(attrs)
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(n + "=" + attrs[n])
	}
	return b.String()
}

func splitFingerprints(s string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		if n, fp, ok := strings.Cut(part, "="); ok {
			out[n] = fp
		}
	}
	return out
}

// encodeLaidOut is the chunk text of a record laid out: its JSON, deflated,
// in base85. The JSON is deflated as it is encoded, not built whole first.
func encodeLaidOut(body recordBody) (string, error) {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	if err := json.NewEncoder(zw).Encode(body); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return encode85(buf.Bytes()), nil
}

// maxRecordJSON bounds the decompressed record, against corrupted data.
const maxRecordJSON = 512 << 20

// decodeBody decodes the chunk text of a copy; a version 1 body is laid out
// as a version 2 one.
func decodeBody(text string, version int) (*recordBody, error) {
	var zr io.Reader
	if version == 1 { // gzip in base64
		gz, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return nil, fmt.Errorf("base64: %w", err)
		}
		if zr, err = gzip.NewReader(bytes.NewReader(gz)); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
	} else { // deflate in base85
		raw, err := decode85(text)
		if err != nil {
			return nil, err
		}
		zr = flate.NewReader(bytes.NewReader(raw))
	}
	js, err := io.ReadAll(io.LimitReader(zr, maxRecordJSON))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	if version == 1 {
		var v1 recordBodyV1
		if err := json.Unmarshal(js, &v1); err != nil {
			return nil, fmt.Errorf("json: %w", err)
		}
		body := newRecordBody(state.Record{
			Permissions: v1.Permissions, Roles: v1.Roles, Organizations: v1.Organizations,
			Members: v1.Members, Applications: v1.Applications, PreventDestroy: v1.PreventDestroy, Addresses: v1.Addresses,
		})
		return &body, nil
	}
	var body recordBody
	if err := json.Unmarshal(js, &body); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return &body, nil
}

// splitChunks cuts text into pieces of at most size bytes (the text is ASCII).
func splitChunks(text string, size int) []string {
	var out []string
	for len(text) > size {
		out = append(out, text[:size])
		text = text[size:]
	}
	return append(out, text)
}

// writeRecord stores rec as the next copy of the ownership record, in the
// slot st does not point to, and returns where it now is. It reads nothing:
// the caller holds the apply lock (checked first) and st is the storage of
// the record it read. rec.Serial is ignored: the copy written has the next
// serial.
// rec is normalized (NormalizeRecord): a record of 100,000 memberships is
// not copied once more to be written.
func writeRecord(ctx context.Context, c *logto.Client, rec state.Record, st state.RecordStorage, lock *Lock) (state.RecordStorage, int64, error) {
	if lock != nil {
		if err := lock.Check(ctx); err != nil {
			return st, 0, fmt.Errorf("write the ownership record: %w", err)
		}
	}
	appID := c.AppID()
	base := WorkspaceKey(st.Workspace)
	text, err := encodeLaidOut(layOut(rec))
	if err != nil {
		return st, 0, fmt.Errorf("write the ownership record: encode: %w", err)
	}
	chunks := splitChunks(text, MaxChunkSize)
	slot := 0
	if st.Exists {
		slot = 1 - st.Slot
	}
	serial := max(st.Serials[0], st.Serials[1]) + 1
	sum := sha256.Sum256([]byte(text))
	next := st
	next.Exists, next.Slot = true, slot
	next.Chunks[slot], next.Serials[slot] = len(chunks), serial
	h := recordHeader{Version: RecordVersion, Slot: slot}
	for s := range 2 {
		h.Slots[s] = slotHeader{Serial: next.Serials[s], Chunks: next.Chunks[s], SHA256: st.SHA256s[s]}
	}
	h.Slots[slot].SHA256 = hex.EncodeToString(sum[:])
	next.SHA256s[slot] = h.Slots[slot].SHA256
	final := map[string]any{base: h}
	// The chunks before the last go first; the last goes with the header.
	for i, chunk := range chunks[:len(chunks)-1] {
		if err := c.PatchApplicationCustomData(ctx, appID, map[string]any{chunkKey(base, slot, i): chunk}); err != nil {
			return st, 0, fmt.Errorf("write the ownership record: chunk %d of %d: %w (the previous record is intact; re-run apply)", i+1, len(chunks), err)
		}
	}
	final[chunkKey(base, slot, len(chunks)-1)] = chunks[len(chunks)-1]
	// Clear chunks of this slot left over from a longer copy written before.
	var keys []string
	for _, k := range st.Keys {
		if i, ok := parseChunkKey(base, k, slot); ok && i >= len(chunks) {
			final[k] = nil
			continue
		}
		keys = append(keys, k)
	}
	for i := range chunks {
		keys = append(keys, chunkKey(base, slot, i))
	}
	if err := c.PatchApplicationCustomData(ctx, appID, final); err != nil {
		return st, 0, fmt.Errorf("write the ownership record header: %w (the previous record may still be current; re-run apply)", err)
	}
	next.Keys = sortedSet(keys)
	return next, serial, nil
}

// parseChunkKey returns the chunk index of key when it names a chunk of slot.
func parseChunkKey(base, key string, slot int) (int, bool) {
	rest, ok := strings.CutPrefix(key, base+"_"+strconv.Itoa(slot)+"_")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 0 || strconv.Itoa(i) != rest {
		return 0, false
	}
	return i, true
}
