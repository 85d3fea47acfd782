// Package planfile stores a reviewed plan: the inputs it was computed from
// (the configuration's files, the variable values, the targets and allow
// flags, the tenant) and the changes it showed. `orgsync apply PLANFILE`
// recomputes the plan from those inputs against a fresh read and executes
// it only when its changes are the reviewed ones; nothing in the file is
// ever executed as such.
//
// The file is authenticated with an HMAC keyed from the application secret
// of the machine-to-machine app both the plan and the apply job sign in
// with: any edit, corruption or truncation is refused before anything is
// read from or sent to Logto. Reading a file for display (Read) needs no
// secret; Verify checks it.
package planfile

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/spec"
)

// Format is the format version of the files this package writes and reads.
const Format = "orgsync-plan/2"

// macPrefix names the MAC algorithm in the file.
const macPrefix = "hmac-sha256:"

// Plan is what a plan file holds.
type Plan struct {
	// Format is the file format (Format).
	Format string `json:"format_version"`
	// OrgsyncVersion is the version of the orgsync that made the plan.
	OrgsyncVersion string    `json:"orgsync_version"`
	CreatedAt      time.Time `json:"created_at"`
	// Endpoint is the tenant the plan was made against.
	Endpoint string `json:"endpoint"`
	// Configuration is every file and variable value the plan was computed
	// from. It may hold sensitive variable values: the file is written
	// readable by its owner only.
	Configuration spec.Sources `json:"configuration"`
	// Targets, AllowDestroy and AllowMassDelete are the plan's flags.
	Targets         []string `json:"targets"`
	AllowDestroy    []string `json:"allow_destroy"`
	AllowMassDelete bool     `json:"allow_mass_delete"`
	// ImpactBudget is -impact-budget (0: the default; -1: unlimited).
	ImpactBudget int `json:"impact_budget,omitempty"`
	// Plan is the plan as computed and shown: `orgsync show` renders it, and
	// `apply` compares its Changes with the recomputed ones.
	Plan *diff.Plan `json:"plan"`
}

// envelope is the file: the payload's exact bytes and their MAC.
type envelope struct {
	Format  string          `json:"format_version"`
	MAC     string          `json:"mac"`
	Payload json.RawMessage `json:"plan_file"`
}

// File is a plan file read from disk, not yet verified.
type File struct {
	Path string
	Plan *Plan
	mac  string
	body []byte // the payload bytes the MAC covers
}

// key derives the MAC key from the application secret, so that the
// secret itself is never used for anything but signing in.
func key(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("orgsync plan file " + Format))
	return m.Sum(nil)
}

func mac(secret string, body []byte) string {
	m := hmac.New(sha256.New, key(secret))
	m.Write(body)
	return macPrefix + hex.EncodeToString(m.Sum(nil))
}

// Write stores p at path, authenticated with secret, readable by its owner
// only (0600). The file is replaced atomically.
func Write(path string, p *Plan, secret string) error {
	if secret == "" {
		return errors.New("a plan file is signed with the application secret: LOGTO_APP_SECRET is not set")
	}
	p.Format = Format
	body, err := json.MarshalIndent(p, "  ", "  ")
	if err != nil {
		return fmt.Errorf("encode the plan for %s: %w", path, err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\n  \"format_version\": %q,\n  \"mac\": %q,\n  \"plan_file\": ", Format, mac(secret, body))
	buf.Write(body)
	buf.WriteString("\n}\n")
	return writeAtomic(path, buf.Bytes())
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write plan file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	fail := func(err error) error {
		tmp.Close()
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	return nil
}

// Read loads a plan file without verifying it (for display). A file that is
// not an orgsync plan, is of another format version, or is damaged or
// truncated is an error naming what is wrong.
func Read(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("plan file %s does not exist: create it with `orgsync plan -out %s`", path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		var head struct {
			Format string `json:"format_version"`
		}
		if json.Unmarshal(raw, &head) != nil {
			return nil, fmt.Errorf("plan file %s is damaged or truncated (it is not valid JSON: %v): re-run `orgsync plan -out`", path, err)
		}
		env.Format = head.Format
	}
	switch {
	case env.Format == "":
		return nil, fmt.Errorf("plan file %s is not an orgsync plan (no format_version)", path)
	case env.Format != Format:
		return nil, fmt.Errorf("plan file %s has format %q, this orgsync reads %q: re-run `orgsync plan -out` with this version",
			path, env.Format, Format)
	case len(env.Payload) == 0 || !strings.HasPrefix(env.MAC, macPrefix):
		return nil, fmt.Errorf("plan file %s is damaged: its plan or its signature is missing; re-run `orgsync plan -out`", path)
	}
	var p Plan
	if err := json.Unmarshal(env.Payload, &p); err != nil {
		return nil, fmt.Errorf("plan file %s is damaged: %v; re-run `orgsync plan -out`", path, err)
	}
	if p.Plan == nil || p.Format != Format {
		return nil, fmt.Errorf("plan file %s is incomplete (no plan): re-run `orgsync plan -out`", path)
	}
	return &File{Path: path, Plan: &p, mac: env.MAC, body: env.Payload}, nil
}

// ErrNotAuthentic is wrapped by Verify's error when the MAC does not match.
var ErrNotAuthentic = errors.New("the plan file is not authentic")

// Verify checks that the file was written by Write with the same secret and
// not changed since.
func (f *File) Verify(secret string) error {
	if secret == "" {
		return errors.New("cannot check the plan file's signature: LOGTO_APP_SECRET is not set")
	}
	if !hmac.Equal([]byte(mac(secret, f.body)), []byte(f.mac)) {
		return fmt.Errorf("%w: %s was changed after `orgsync plan -out` wrote it, or signed with another application secret; "+
			"nothing was read or changed; re-run `orgsync plan -out`", ErrNotAuthentic, f.Path)
	}
	return nil
}
