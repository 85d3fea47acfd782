package emulator

// AddManagementApp creates a machine-to-machine application that holds the
// Management API role (what assigning "Logto Management API access" in the
// Console does) and returns its id and secret: a second pipeline's
// credentials for the same tenant.
func (e *Emulator) AddManagementApp(name string) (id, secret string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := &appRow{ID: e.randomID(21), Name: name, Type: "MachineToMachine", Secret: e.randomID(32),
		CustomData: map[string]any{}, CreatedAt: e.nowMS(), Seq: e.db.next(), ManagementAccess: true}
	e.db.Apps[a.ID] = a
	return a.ID, a.Secret
}
