package state

// Record is the ownership record: which live objects orgsync manages. It is
// kept in the tenant (custom data of the application orgsync signs in as), so
// that every runner sees the same record. Everything is keyed by Logto id.
type Record struct {
	// Serial increases with every write; a writer that finds a serial other
	// than the one it read knows another apply ran in between.
	Serial        int64
	Permissions   []string            // organization scope ids, sorted
	Roles         []string            // organization role ids, sorted
	Organizations []string            // organization ids, sorted
	Members       map[string][]string // organization id => user ids orgsync added, sorted
	Applications  map[string][]string // organization id => application ids orgsync added, sorted
	// PreventDestroy lists ids of objects whose block had lifecycle.prevent_destroy;
	// kept after the block is removed until a plan with -allow-destroy drops it.
	PreventDestroy []string
	// Addresses maps ids to the address they were last managed under, for messages.
	Addresses map[string]string
	// PermissionSince holds, per managed permission id, when orgsync first
	// created or adopted it (Unix milliseconds): a user's grant made before
	// it lacks it (token impact).
	PermissionSince map[string]int64
	// Intents are creates an apply announced before sending them. When the
	// apply stopped before it recorded the id a create produced, the next
	// plan finds the object by its name and records it as managed, so that
	// it is never left behind as an unmanaged orphan.
	Intents []Intent
	// Applied holds, per managed object, a fingerprint of each attribute as
	// orgsync last applied it, so that a plan can tell changes made outside
	// orgsync (drift) from configuration changes not yet applied. Keys are
	// AppliedKey values.
	Applied map[string]map[string]string
	// LastApply describes the apply that last changed the record.
	LastApply LastApply
}

// LastApply is who last applied: the orgsync version, the configuration's
// commit when it was given, and when (Unix milliseconds).
type LastApply struct {
	Version string `json:"version,omitempty"`
	Commit  string `json:"commit,omitempty"`
	At      int64  `json:"at,omitempty"`
}

// AppliedKey is the Record.Applied key of an object: the id of a
// permission, role or organization; "ORG/jit" for an organization's JIT
// settings; "ORG/user:ID" and "ORG/app:ID" for members and applications.
func AppliedKey(kind, org, id string) string {
	switch kind {
	case "jit":
		return org + "/jit"
	case "member":
		return org + "/user:" + id
	case "application":
		return org + "/app:" + id
	}
	return id
}

// Intent is one announced create.
type Intent struct {
	Kind    string `json:"kind"` // "permission", "role" or "organization"
	Address string `json:"address"`
	Name    string `json:"name"`
	// Since is when the apply began (Unix milliseconds): an organization
	// created before it is not the one announced.
	Since int64 `json:"since,omitempty"`
	// Exclude lists organizations of that name that existed before.
	Exclude        []string `json:"exclude,omitempty"`
	PreventDestroy bool     `json:"prevent_destroy,omitempty"`
}

// RecordStorage says where the record that was read is stored, so that the
// apply holding the lock writes the next copy without reading it again.
type RecordStorage struct {
	// Workspace is the workspace whose record this is ("" or "default":
	// the default one).
	Workspace string
	Exists    bool      // a record was found
	Slot      int       // the slot of the copy read (the next copy goes to the other)
	Chunks    [2]int    // chunks of each slot's copy
	Serials   [2]int64  // serial of each slot's copy
	SHA256s   [2]string // checksum of each slot's copy
	Keys      []string  // the record's chunk keys that hold data
	// Note, when set, is something the plan should say about the record
	// (a damaged copy was skipped).
	Note string
}
