// Package reliability holds orgsync's fail-safe tests: applies under injected
// faults (5xx, 429, dropped connections before and after the change),
// processes killed mid-apply, reads that fail or lie, concurrent applies,
// hostile configuration input, malformed API responses and secret handling.
//
// Each guarantee is one test that fails when the guarantee breaks. The
// package has only test files; run it with
//
//	go test -race ./internal/reliability
//
// and with -short for a smaller number of seeds.
package reliability

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// orgsyncBin is the orgsync binary TestMain builds for the subprocess tests.
var orgsyncBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "orgsync-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	orgsyncBin = filepath.Join(dir, "orgsync")
	build := exec.Command("go", "build", "-o", orgsyncBin, "github.com/orgsync/orgsync/cmd/orgsync")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building orgsync:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the orgsync binary with env (on top of a minimal environment)
// and returns its exit code, stdout and stderr.
func cli(t testing.TB, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(orgsyncBin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NO_COLOR=1"}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Stdin = bytes.NewReader(nil)
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run orgsync %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// copyDir copies the regular files of src into a new temporary directory.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
	return dst
}

var saasDir = filepath.Join("..", "..", "examples", "saas")
