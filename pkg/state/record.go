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
}

// Manages reports whether id is in list (a sorted slice from Record).
func Manages(list []string, id string) bool {
	for _, v := range list {
		if v == id {
			return true
		}
	}
	return false
}
