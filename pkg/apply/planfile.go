package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/state"
)

// PlanFileFormat is the format version of saved plan files.
const PlanFileFormat = "orgsync-plan/1"

// SavedPlan is what `orgsync plan -out FILE` stores and `orgsync apply FILE`
// executes. It holds no secrets: no credentials, only the endpoint.
type SavedPlan struct {
	FormatVersion string    `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	// ConfigHash identifies the configuration the plan was made from.
	ConfigHash string `json:"config_hash"`
	// Endpoint is the tenant the plan was made against.
	Endpoint string `json:"endpoint"`
	// Fingerprints maps every live object the plan read to the sha256 of its
	// state (see Fingerprint).
	Fingerprints map[string]string `json:"fingerprints"`
	Plan         *diff.Plan        `json:"plan"`
	Live         *state.Live       `json:"live"`
	// Config is the desired state the plan was made from, so that apply can
	// Fetch the same objects again and compare fingerprints.
	Config *state.Config `json:"config,omitempty"`
}

// Fingerprint returns, for every object in live, a key naming it and the
// sha256 of its JSON form. Keys: "permission:<id>", "role:<id>",
// "organization:<id>", "organization:<id>/members" (members and, when read,
// applications), "organization:<id>/jit", "resource:<id>", "user:<id>",
// "application:<id>", "invitation:<id>" and "record".
func Fingerprint(live *state.Live) map[string]string {
	fp := map[string]string{}
	put := func(key string, v any) { fp[key] = hashJSON(v) }
	for _, p := range live.Permissions {
		put("permission:"+p.ID, p)
	}
	for _, r := range live.Roles {
		put("role:"+r.ID, r)
	}
	for _, o := range live.Organizations {
		put("organization:"+o.ID, struct {
			ID, Name, Description string
			CustomData            map[string]any
			MFARequired           bool
		}{o.ID, o.Name, o.Description, o.CustomData, o.MFARequired})
		if o.Loaded || o.Applications != nil {
			put("organization:"+o.ID+"/members", struct {
				Loaded       bool
				Members      []state.LiveMember
				Applications []state.LiveApplication
			}{o.Loaded, o.Members, o.Applications})
		}
		if o.JITLoaded {
			put("organization:"+o.ID+"/jit", o.JIT)
		}
	}
	for _, r := range live.Resources {
		put("resource:"+r.ID, r)
	}
	for id, u := range live.Users {
		put("user:"+id, u)
	}
	for id, a := range live.Applications {
		put("application:"+id, a)
	}
	for _, inv := range live.Invitations {
		put("invitation:"+inv.ID, inv)
	}
	put("record", NormalizeRecord(live.Record))
	return fp
}

func hashJSON(v any) string {
	js, err := json.Marshal(v)
	if err != nil {
		// Live values are plain data; custom data came from JSON.
		js = fmt.Appendf(nil, "%#v", v)
	}
	sum := sha256.Sum256(js)
	return hex.EncodeToString(sum[:])
}

// Stale compares the fingerprints a plan was made from with fresh ones and
// lists what changed, sorted: "<key> was added", "<key> was removed",
// "<key> changed". An empty result means the plan still holds.
func Stale(old, fresh map[string]string) []string {
	var out []string
	for k, v := range old {
		switch nv, ok := fresh[k]; {
		case !ok:
			out = append(out, k+" was removed")
		case nv != v:
			out = append(out, k+" changed")
		}
	}
	for k := range fresh {
		if _, ok := old[k]; !ok {
			out = append(out, k+" was added")
		}
	}
	slices.Sort(out)
	return out
}

// WritePlanFile stores sp at path, readable by its owner only (0600). The
// file is replaced atomically: a reader sees the old plan or the new one.
func WritePlanFile(path string, sp *SavedPlan) error {
	if sp.FormatVersion == "" {
		sp.FormatVersion = PlanFileFormat
	}
	js, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the plan for %s: %w", path, err)
	}
	js = append(js, '\n')
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write plan file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	if _, err := tmp.Write(js); err != nil {
		tmp.Close()
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	return nil
}

// ReadPlanFile loads a plan written by WritePlanFile.
func ReadPlanFile(path string) (*SavedPlan, error) {
	js, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("plan file %s does not exist: create it with `orgsync plan -out %s`", path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	var head struct {
		FormatVersion string `json:"format_version"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return nil, fmt.Errorf("plan file %s is not an orgsync plan (invalid JSON: %v)", path, err)
	}
	if head.FormatVersion != PlanFileFormat {
		if head.FormatVersion == "" {
			return nil, fmt.Errorf("plan file %s is not an orgsync plan (no format_version)", path)
		}
		return nil, fmt.Errorf("plan file %s has format %q, this orgsync reads %q: re-run `orgsync plan -out` with this version",
			path, head.FormatVersion, PlanFileFormat)
	}
	var sp SavedPlan
	if err := json.Unmarshal(js, &sp); err != nil {
		return nil, fmt.Errorf("plan file %s is damaged: %v", path, err)
	}
	if sp.Plan == nil || sp.Live == nil {
		return nil, fmt.Errorf("plan file %s is incomplete (no plan or no live state): re-run `orgsync plan -out`", path)
	}
	if sp.Fingerprints == nil {
		sp.Fingerprints = map[string]string{}
	}
	return &sp, nil
}
