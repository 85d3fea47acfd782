package diff

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/pkg/state"
)

// How a difference between the configuration and the tenant came about,
// from what orgsync last applied (the ownership record's fingerprints).
const (
	// ClassPending: the configuration changed since orgsync applied it.
	ClassPending = "pending"
	// ClassDrift: the tenant changed since orgsync applied it (a change
	// made outside orgsync, which the plan undoes).
	ClassDrift = "drift"
	// ClassBoth: both changed.
	ClassBoth = "both"
)

// Drift actions: what happened to an object outside orgsync.
const (
	DriftUpdate = "update" // attributes moved away from what orgsync applied
	DriftDelete = "delete" // an object orgsync manages was deleted
	DriftCreate = "create" // an object appeared where the configuration is exclusive
)

// Drift is one object changed outside orgsync since its last apply.
type Drift struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	Action  string `json:"action"`
	ID      string `json:"id,omitempty"`
	// Attributes moved (for DriftUpdate), sorted by name.
	Attributes []DriftAttr `json:"attributes,omitempty"`
	// Planned is true when the plan changes the object (to undo the drift,
	// or because the configuration changed too); false when the
	// configuration already says what the tenant now holds.
	Planned bool `json:"planned"`
}

// DriftAttr is one attribute that moved outside orgsync.
type DriftAttr struct {
	Name string `json:"name"`
	// Applied is the JSON value orgsync applied, when the configuration still
	// holds it; nil when the configuration changed as well (only the
	// fingerprint of the applied value is kept).
	Applied *string `json:"applied"`
	Live    *string `json:"live"`
	// Pending: the configuration changed this attribute as well.
	Pending   bool `json:"pending,omitempty"`
	Sensitive bool `json:"sensitive,omitempty"`
}

// Fingerprint is the short hash the record keeps of an applied value: FNV-1a
// (32 bits) of its canonical JSON, in hex.
func Fingerprint(v any) string {
	var b []byte
	switch v := v.(type) {
	case nil, string, bool, []string:
		// Already canonical: encoding the decoded JSON again gives the
		// same bytes (members' and applications' roles, tens of
		// thousands per plan, take this way).
		b, _ = json.Marshal(v)
	default:
		s, _, err := canonical(v)
		if err != nil {
			s = mustJSON(v)
		}
		b = []byte(s)
	}
	h := fnv.New32a()
	h.Write(b)
	return fmt.Sprintf("%08x", h.Sum32())
}

// tracked is what track found for one object.
type tracked struct {
	class map[string]string // attribute => Class*, for the attributes that differ
}

// track compares what orgsync last applied to an object (key, in the
// record) with its live and desired attribute values (live is nil for a
// create), for the attribute names orgsync manages there. It reports the
// attributes that moved outside orgsync, classifies each difference, and
// plans the record of what this apply applies (id and org as in
// AppliedEdit; id may be a reference for a create).
func (p *planner) track(kind, addr, key, id, org string, live, desired map[string]any, names, sensitive []string) tracked {
	var t tracked // its class map is made for the first attribute that differs
	applied := p.live.Record.Applied[key]
	if live == nil {
		applied = nil
	}
	fps := p.fingerprints(names, desired)
	var moved []DriftAttr
	changed := false
	for _, n := range names {
		fd := fps[n]
		if live == nil {
			continue
		}
		fl := p.fingerprint(live[n])
		fa := applied[n]
		if fl != fd {
			changed = true
		}
		if fa == "" {
			continue
		}
		if fl != fa {
			d := DriftAttr{Name: n, Live: jsonOf(live[n]), Pending: fd != fa, Sensitive: slices.Contains(sensitive, n)}
			if fd == fa {
				d.Applied = jsonOf(desired[n])
			}
			moved = append(moved, d)
		}
		if fl != fd {
			if t.class == nil {
				t.class = map[string]string{}
			}
			switch {
			case fl == fa:
				t.class[n] = ClassPending
			case fd == fa:
				t.class[n] = ClassDrift
			default:
				t.class[n] = ClassBoth
			}
		}
	}
	if len(moved) > 0 {
		sort.Slice(moved, func(i, j int) bool { return moved[i].Name < moved[j].Name })
		liveID := id
		if kind == KindJIT {
			liveID = ""
		}
		p.drift = append(p.drift, Drift{Address: addr, Kind: kind, Action: DriftUpdate, ID: liveID, Attributes: moved, Planned: changed})
	}
	if live != nil && !changed && sameFingerprints(applied, fps) {
		return t // the record already says this
	}
	if !p.opts.ShowOnly && (len(p.opts.Targets) == 0 || p.targeted(addr)) {
		p.applied = append(p.applied, AppliedEdit{Address: addr, Kind: kind, ID: id, Org: org, Attrs: fps})
	}
	return t
}

// fingerprints returns the Fingerprint of each of the attributes names of
// desired. The maps of objects with one tracked attribute (members and
// applications: their roles) are shared between the objects with the same
// value: tens of thousands of members hold a few role sets, and nothing
// writes into an AppliedEdit's Attrs (records share them).
func (p *planner) fingerprints(names []string, desired map[string]any) map[string]string {
	if len(names) != 1 {
		fps := make(map[string]string, len(names))
		for _, n := range names {
			fps[n] = p.fingerprint(desired[n])
		}
		return fps
	}
	k := [2]string{names[0], p.fingerprint(desired[names[0]])}
	if fps, ok := p.sharedFingerprints[k]; ok {
		return fps
	}
	if p.sharedFingerprints == nil {
		p.sharedFingerprints = map[[2]string]map[string]string{}
	}
	fps := map[string]string{k[0]: k[1]}
	p.sharedFingerprints[k] = fps
	return fps
}

// fingerprint is Fingerprint, remembered for string lists: a plan
// fingerprints the live and desired roles of every member, and tens of
// thousands of members hold a few role sets.
func (p *planner) fingerprint(v any) string {
	l, ok := v.([]string)
	if !ok {
		return Fingerprint(v)
	}
	key := "nil"
	if l != nil {
		key = strconv.Itoa(len(l)) + "\x00" + strings.Join(l, "\x00")
	}
	if fp, ok := p.listFingerprints[key]; ok {
		return fp
	}
	if p.listFingerprints == nil {
		p.listFingerprints = map[string]string{}
	}
	fp := Fingerprint(l)
	p.listFingerprints[key] = fp
	return fp
}

func sameFingerprints(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func jsonOf(v any) *string {
	if v == nil {
		return nil
	}
	s := mustJSON(v)
	return &s
}

// classify sets the classification of a change and of its attributes from
// what track found.
func (t tracked) classify(ch *Change) {
	for i := range ch.Attrs {
		ch.Attrs[i].Classification = t.class[ch.Attrs[i].Name]
	}
	if c := summarize(t.class); c != "" || ch.ChangeNotes != nil {
		ch.Notes().Classification = c
	}
}

// summarize is one classification for several attributes: the shared one,
// or both when they differ; "" when none is known.
func summarize(classes map[string]string) string {
	out := ""
	for _, c := range classes {
		switch {
		case out == "":
			out = c
		case out != c:
			return ClassBoth
		}
	}
	return out
}

// goneDrift reports an object the record manages that is no longer live:
// it was deleted outside orgsync.
func (p *planner) goneDrift(kind, addr, id string) {
	if addr == "" {
		return
	}
	p.drift = append(p.drift, Drift{Address: addr, Kind: kind, Action: DriftDelete, ID: id})
	p.gone[addr] = true
}

// finishDrift classifies creates of objects deleted outside orgsync and
// deletes of objects created outside orgsync where a kind is exclusive, and
// marks which drift the plan acts on.
func (p *planner) finishDrift(changes []*Change) []Drift {
	// The objects deleted outside orgsync that the plan creates again.
	planned := map[string]bool{}
	for _, d := range p.drift {
		if d.Action == DriftDelete {
			planned[d.Address] = false
		}
	}
	for _, ch := range changes {
		if _, ok := planned[ch.Address]; ok {
			planned[ch.Address] = true
		}
		switch {
		case ch.Action == Create && p.gone[ch.Address]:
			ch.Notes().Classification = ClassDrift
		case ch.Action == Delete && ch.Reason() == "not_in_config":
			ch.Notes().Classification = ClassPending
		case ch.Action == Delete && ch.Reason() == "exclusive" && p.live.Record.LastApply.At > 0:
			ch.Notes().Classification = ClassDrift
			p.drift = append(p.drift, Drift{Address: ch.Address, Kind: ch.Kind, Action: DriftCreate, ID: ch.ID, Planned: true})
		}
	}
	for i := range p.drift {
		if p.drift[i].Action == DriftDelete {
			p.drift[i].Planned = planned[p.drift[i].Address]
		}
	}
	if len(p.opts.Targets) > 0 {
		kept := p.drift[:0]
		for _, d := range p.drift {
			if p.targeted(d.Address) {
				kept = append(kept, d)
			}
		}
		p.drift = kept
	}
	sort.SliceStable(p.drift, func(i, j int) bool { return p.drift[i].Address < p.drift[j].Address })
	return p.drift
}

// lastApply is the record's description of the last apply, or nil.
func lastApply(r state.Record) *state.LastApply {
	if r.LastApply == (state.LastApply{}) {
		return nil
	}
	la := r.LastApply
	return &la
}
