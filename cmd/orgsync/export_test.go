package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/internal/exporttest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// exportTenant starts a seeded emulator and returns the LOGTO_* variables
// that connect to it.
func exportTenant(t *testing.T) map[string]string {
	t.Helper()
	srv := emulatortest.Start(t, emulator.Options{})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exporttest.Seed(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"LOGTO_ENDPOINT": srv.URL, "LOGTO_APP_ID": srv.AppID, "LOGTO_APP_SECRET": srv.AppSecret}
}

// runWith runs the orgsync command line args in-process with vars as the
// environment and returns the exit code, stdout and stderr.
func runWith(t *testing.T, vars map[string]string, args ...string) (exitCode, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{ctx: context.Background(), s: streams{In: strings.NewReader(""), Out: &out, Err: &errb},
		getenv: func(k string) string { return vars[k] }}
	code := run(e, args)
	return code, out.String(), errb.String()
}

func TestExportCommand(t *testing.T) {
	vars := exportTenant(t)
	dir := filepath.Join(t.TempDir(), "tenant")

	code, stdout, stderr := runWith(t, vars, "export", "-o", dir)
	if code != exitOK {
		t.Fatalf("export exit %d, stderr:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("export wrote on stdout: %q", stdout)
	}
	for _, want := range []string{
		"Exported 4 permissions, 5 roles, 6 organizations, 7 members and 4 applications to " + dir + " (3 files).",
		"orgsync plan -c " + dir + "` — it should show no changes",
		"orgsync apply -c " + dir,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	// The command's own plan agrees: no changes.
	code, stdout, stderr = runWith(t, vars, "plan", "-c", dir, "-detailed-exitcode")
	if code != exitOK {
		t.Errorf("plan on the export exit %d (want 0, no changes)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	before, err := os.ReadFile(filepath.Join(dir, "roles.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runWith(t, vars, "export", "-o", dir)
	if code != exitError {
		t.Errorf("export into a directory holding an export: exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "organizations.hcl, permissions.hcl, roles.hcl") || !strings.Contains(stderr, "-force") {
		t.Errorf("stderr does not list the existing files and -force:\n%s", stderr)
	}
	code, _, stderr = runWith(t, vars, "export", "-o", dir, "-force")
	if code != exitOK {
		t.Errorf("export -force exit %d, stderr:\n%s", code, stderr)
	}
	after, err := os.ReadFile(filepath.Join(dir, "roles.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("re-export changed roles.hcl:\n%s\nthen\n%s", before, after)
	}
}

func TestExportCommandSelection(t *testing.T) {
	vars := exportTenant(t)
	tests := []struct {
		name    string
		args    []string
		code    exitCode
		stderr  string
		orgs    []string // labels expected in organizations.hcl
		notOrgs []string
	}{
		{name: "repeated -org", args: []string{"-org", "acme", "-org", "beta"}, code: exitOK,
			stderr: "2 organizations", orgs: []string{`organization "acme"`, `organization "beta"`}, notOrgs: []string{"twin_"}},
		{name: "-org-match", args: []string{"-org-match", "^Tw"}, code: exitOK,
			stderr: "2 organizations", orgs: []string{`organization "twin_`}, notOrgs: []string{`organization "acme"`}},
		{name: "unknown -org", args: []string{"-org", "nope"}, code: exitError, stderr: `-org "nope": no organization has this name`},
		{name: "bad regexp", args: []string{"-org-match", "("}, code: exitError, stderr: "-org-match: error parsing regexp"},
		{name: "bad parallelism", args: []string{"-parallelism", "0"}, code: exitError, stderr: `invalid value "0" for flag -parallelism: use a whole number from 1 to 64`},
		{name: "stray argument", args: []string{"somewhere"}, code: exitError, stderr: `unexpected argument "somewhere"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			code, _, stderr := runWith(t, vars, append([]string{"export", "-o", dir}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
			if tt.code != exitOK {
				if entries, _ := os.ReadDir(dir); len(entries) > 0 {
					t.Errorf("a failed export wrote %d files", len(entries))
				}
				return
			}
			b, err := os.ReadFile(filepath.Join(dir, "organizations.hcl"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.orgs {
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("organizations.hcl lacks %q:\n%s", want, b)
				}
			}
			for _, not := range tt.notOrgs {
				if bytes.Contains(b, []byte(not)) {
					t.Errorf("organizations.hcl has %q:\n%s", not, b)
				}
			}
		})
	}
}

func TestExportCommandNeedsConnection(t *testing.T) {
	code, _, stderr := runWith(t, map[string]string{}, "export", "-o", t.TempDir())
	if code != exitError || !strings.Contains(stderr, "not connected: set LOGTO_ENDPOINT, LOGTO_APP_ID, LOGTO_APP_SECRET") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}
