package planfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/spec"
)

func sample() *Plan {
	return &Plan{
		OrgsyncVersion: "v1.2.3",
		Endpoint:       "https://abc.logto.app",
		Configuration:  spec.Sources{Dir: "cfg", Files: []spec.SourceFile{{Name: "cfg/main.hcl", Content: []byte(`permission "x" {}`)}}},
		Targets:        []string{"role.admin"},
		AllowDestroy:   []string{},
		Plan: &diff.Plan{
			Changes:    []*diff.Change{{Address: "permission.x", Kind: diff.KindPermission, Action: diff.Create}},
			Operations: []diff.Operation{{Stage: 1, Address: "permission.x", Params: diff.CreatePermission{Name: "x"}}},
		},
	}
}

func TestWriteReadVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.bin")
	if err := Write(path, sample(), "s3cret"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode().Perm(), err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "s3cret") {
		t.Fatal("the file holds the secret")
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Verify("s3cret"); err != nil {
		t.Fatal(err)
	}
	want := sample()
	want.Format = Format
	if d := cmp.Diff(want, f.Plan, cmp.AllowUnexported(diff.Plan{}, diff.Change{}), cmp.Comparer(func(a, b diff.Operation) bool { return a.String() == b.String() })); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if err := f.Verify("other"); !errors.Is(err, ErrNotAuthentic) {
		t.Errorf("another secret: %v", err)
	}
	if err := f.Verify(""); err == nil {
		t.Error("no secret verified")
	}
}

func TestReadRefusesDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.bin")
	if err := Write(good, sample(), "k"); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	cases := map[string]struct {
		content string
		read    string // error of Read, "" when Read succeeds
		verify  bool   // Verify then fails
	}{
		"truncated":      {content: string(raw[:len(raw)-40]), read: "damaged or truncated"},
		"not json":       {content: "hello", read: "damaged or truncated"},
		"other format":   {content: `{"format_version":"orgsync-plan/1"}`, read: `has format "orgsync-plan/1"`},
		"no format":      {content: `{}`, read: "not an orgsync plan"},
		"no signature":   {content: strings.Replace(string(raw), `"mac": "hmac-sha256:`, `"mac": "`, 1), read: "signature is missing"},
		"edited payload": {content: strings.Replace(string(raw), `"role.admin"`, `"role.other"`, 1), verify: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Read(path)
			if tc.read != "" {
				if err == nil || !strings.Contains(err.Error(), tc.read) {
					t.Fatalf("Read: %v, want %q", err, tc.read)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Verify("k"); tc.verify && !errors.Is(err, ErrNotAuthentic) {
				t.Fatalf("Verify of an edited file: %v", err)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	if err := Write(filepath.Join(dir, "x"), sample(), ""); err == nil {
		t.Error("a plan was written without a secret")
	}
}
