package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

// The install path of the CI examples, tested end to end: orgsync is built
// the way .goreleaser.yaml builds it, packed into archives named the way
// .goreleaser.yaml names them, served from a local file server laid out like
// a GitHub release, and installed by install-orgsync.sh, by the action's
// install step and by the GitLab example's before_script.

const (
	installActionDir = "../../examples/ci/github/install-orgsync"
	installScript    = installActionDir + "/install-orgsync.sh"
	goreleaserFile   = "../../.goreleaser.yaml"
	repoRoot         = "../.."
)

// releaseConfig is the part of .goreleaser.yaml the install path relies on.
type releaseConfig struct {
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
}

func loadReleaseConfig(t *testing.T) *releaseConfig {
	t.Helper()
	b, err := os.ReadFile(goreleaserFile)
	if err != nil {
		t.Fatal(err)
	}
	var c releaseConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if len(c.Builds) != 1 || len(c.Archives) != 1 {
		t.Fatalf(".goreleaser.yaml: want one build and one archive, got %d and %d", len(c.Builds), len(c.Archives))
	}
	// install-orgsync.sh reads these names; change them together.
	if c.Checksum.NameTemplate != "checksums.txt" || c.Checksum.Algorithm != "sha256" {
		t.Errorf(".goreleaser.yaml checksum: %q, %q; install-orgsync.sh reads a sha256 checksums.txt", c.Checksum.NameTemplate, c.Checksum.Algorithm)
	}
	if b := c.Builds[0]; b.Binary != "orgsync" || !slices.Contains(b.Flags, "-trimpath") ||
		!slices.Equal(b.Goos, []string{"linux", "darwin", "windows"}) || !slices.Equal(b.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf(".goreleaser.yaml build: binary %q, flags %v, goos %v, goarch %v; want orgsync, -trimpath, linux/darwin/windows x amd64/arm64",
			b.Binary, b.Flags, b.Goos, b.Goarch)
	}
	return &c
}

// renderTemplate applies a goreleaser template. Only plain fields are supported: a
// template function here fails the test, which then needs teaching.
func renderTemplate(t *testing.T, name, text string, data map[string]any) string {
	t.Helper()
	tmpl, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		t.Fatalf(".goreleaser.yaml %s: %v", name, err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		t.Fatalf(".goreleaser.yaml %s: %v", name, err)
	}
	return b.String()
}

// archiveName is the archive goreleaser publishes for a tag and platform.
func (c *releaseConfig) archiveName(t *testing.T, tag, goos, goarch string) string {
	t.Helper()
	a := c.Archives[0]
	format := a.Formats
	for _, o := range a.FormatOverrides {
		if o.Goos == goos {
			format = o.Formats
		}
	}
	if len(format) != 1 {
		t.Fatalf(".goreleaser.yaml archives: %d formats for %s; install-orgsync.sh downloads one", len(format), goos)
	}
	return renderTemplate(t, "archives.name_template", a.NameTemplate, map[string]any{
		"ProjectName": c.ProjectName, "Version": strings.TrimPrefix(tag, "v"), "Os": goos, "Arch": goarch,
	}) + "." + format[0]
}

// stamp is what a release build stamps into orgsync.
type stamp struct{ tag, commit, commitTime string }

// buildOrgsync builds orgsync for the host with the flags and ldflags of
// .goreleaser.yaml.
func buildOrgsync(t *testing.T, c *releaseConfig, s stamp, out string) {
	t.Helper()
	b := c.Builds[0]
	var ldflags []string
	for _, l := range b.Ldflags {
		ldflags = append(ldflags, renderTemplate(t, "builds.ldflags", l, map[string]any{
			"Version": strings.TrimPrefix(s.tag, "v"), "FullCommit": s.commit, "CommitDate": s.commitTime,
		}))
	}
	args := append([]string{"build"}, b.Flags...)
	args = append(args, "-ldflags", strings.Join(ldflags, " "), "-o", out, b.Main)
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), b.Env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
}

// fakeRelease is a local file server laid out like GitHub release downloads:
// /<tag>/<archive> and /<tag>/checksums.txt.
type fakeRelease struct {
	t        *testing.T
	cfg      *releaseConfig
	root     string
	srv      *httptest.Server
	requests atomic.Int64
}

func newFakeRelease(t *testing.T, cfg *releaseConfig) *fakeRelease {
	r := &fakeRelease{t: t, cfg: cfg, root: t.TempDir()}
	files := http.FileServer(http.Dir(r.root))
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		files.ServeHTTP(w, req)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// publish lays out a release of binary under tag: an archive for the host
// platform and one for windows on the host architecture (holding the same
// host binary as orgsync.exe, so that the zip path can run here too), and
// checksums.txt, which edit may change before it is written.
func (r *fakeRelease) publish(tag, binary string, edit func(sums map[string]string)) {
	t := r.t
	t.Helper()
	dir := filepath.Join(r.root, tag)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	readme := []byte("# orgsync\n")
	sums := map[string]string{}
	for _, goos := range []string{runtime.GOOS, "windows"} {
		name := r.cfg.archiveName(t, tag, goos, runtime.GOARCH)
		var data []byte
		switch {
		case strings.HasSuffix(name, ".tar.gz"):
			data = tarGz(t, map[string][]byte{"orgsync": bin, "README.md": readme})
		case strings.HasSuffix(name, ".zip"):
			data = zipped(t, map[string][]byte{"orgsync.exe": bin, "README.md": readme})
		default:
			t.Fatalf("archive %s: a format install-orgsync.sh does not extract", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		sums[name] = hex.EncodeToString(sum[:])
	}
	if edit != nil {
		edit(sums)
	}
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(sums)) {
		fmt.Fprintf(&b, "%s  %s\n", sums[name], name) // sha256sum's format, as goreleaser writes it
	}
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tarGz and zipped do not compress: compress/flate is slow under -race, and
// the install script does not care.
func tarGz(t *testing.T, files map[string][]byte) []byte {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		mode := int64(0o644)
		if name == "orgsync" {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipped(t *testing.T, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// requireTools skips the test where the install script cannot run.
func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("install-orgsync.sh is tested on Unix hosts")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	if _, err := exec.LookPath("curl"); err != nil {
		if _, err := exec.LookPath("wget"); err != nil {
			t.Skip("neither curl nor wget is installed")
		}
	}
}

type shellResult struct {
	code           int
	stdout, stderr string
}

// runShell runs a shell with only the given environment on top of PATH,
// HOME and what keeps curl away from proxies.
func runShell(t *testing.T, env map[string]string, shell string, args ...string) shellResult {
	t.Helper()
	return runShellIn(t, "", env, shell, args...)
}

// runShellIn is runShell in directory dir.
func runShellIn(t *testing.T, dir string, env map[string]string, shell string, args ...string) shellResult {
	t.Helper()
	cmd := exec.Command(shell, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LC_ALL=C", "no_proxy=127.0.0.1,localhost", "NO_PROXY=127.0.0.1,localhost"}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := shellResult{stdout: out.String(), stderr: errb.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", shell, err)
	}
	return res
}

// versionOf runs `BIN version -json`.
func versionOf(t *testing.T, bin string) versionJSON {
	t.Helper()
	out, err := exec.Command(bin, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", bin, err)
	}
	var v versionJSON
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v\n%s", bin, err, out)
	}
	return v
}

func checkStamped(t *testing.T, bin string, s stamp) {
	t.Helper()
	v := versionOf(t, bin)
	if v.Version != s.tag || v.Commit == nil || *v.Commit != s.commit || v.CommitTime == nil || *v.CommitTime != s.commitTime {
		got, _ := json.Marshal(v)
		t.Errorf("%s version -json = %s, want version %s, commit %s, commit_time %s", bin, got, s.tag, s.commit, s.commitTime)
	}
	if v.OS != runtime.GOOS || v.Arch != runtime.GOARCH || v.GoVersion == "" {
		t.Errorf("%s version -json: os %q, arch %q, go_version %q", bin, v.OS, v.Arch, v.GoVersion)
	}
}

// ciPinnedVersion is the orgsync version the GitLab example pins: the fake
// release publishes it, so that the examples' install steps find it.
func ciPinnedVersion(t *testing.T) string {
	t.Helper()
	f := loadCIFiles(t)["gitlab-ci.yml"]
	if f == nil {
		t.Fatal("examples/ci/gitlab-ci.yml is missing")
	}
	v := scalar(yamlGet(yamlGet(f.root, "variables"), "ORGSYNC_VERSION"))
	if !ciVersionRe.MatchString(v) {
		t.Fatalf("gitlab-ci.yml: variables.ORGSYNC_VERSION = %q", v)
	}
	return v
}

func TestInstallOrgsync(t *testing.T) {
	requireTools(t, "go", "bash", "tar", "sha256sum")
	cfg := loadReleaseConfig(t)
	good := stamp{tag: ciPinnedVersion(t), commit: "0123456789abcdef0123456789abcdef01234567", commitTime: "2026-12-01T10:00:00Z"}
	bin := filepath.Join(t.TempDir(), "orgsync")
	buildOrgsync(t, cfg, good, bin)
	checkStamped(t, bin, good)

	rel := newFakeRelease(t, cfg)
	rel.publish(good.tag, bin, nil)
	// v0.0.1: checksums.txt does not match the archives.
	rel.publish("v0.0.1", bin, func(sums map[string]string) {
		for name := range sums {
			sums[name] = strings.Repeat("0", 64)
		}
	})
	// v0.0.2: checksums.txt does not list the archives.
	rel.publish("v0.0.2", bin, func(sums map[string]string) { clear(sums) })
	// v0.0.3: the archives hold a binary of another version.
	rel.publish("v0.0.3", bin, nil)
	// v9.9.9 is not published: 404.
	goodSum := func(goos string) string {
		sums, err := os.ReadFile(filepath.Join(rel.root, good.tag, "checksums.txt"))
		if err != nil {
			t.Fatal(err)
		}
		name := cfg.archiveName(t, good.tag, goos, runtime.GOARCH)
		for line := range strings.Lines(string(sums)) {
			if sum, file, _ := strings.Cut(strings.TrimSpace(line), "  "); file == name {
				return sum
			}
		}
		t.Fatalf("no checksum for %s", name)
		return ""
	}

	t.Run("script", func(t *testing.T) {
		shells := []string{"bash"}
		if sh, err := exec.LookPath("sh"); err == nil {
			if target, _ := filepath.EvalSymlinks(sh); filepath.Base(target) != "bash" {
				shells = append(shells, "sh") // a POSIX shell that is not bash (dash, busybox ash)
			}
		}
		for _, shell := range shells {
			t.Run(shell, func(t *testing.T) { testInstallScript(t, shell, rel, good, goodSum) })
		}
	})
	t.Run("github-action", func(t *testing.T) { testInstallAction(t, rel, good, goodSum(runtime.GOOS)) })
	t.Run("gitlab", func(t *testing.T) { testInstallGitLab(t, rel, good) })
}

func testInstallScript(t *testing.T, shell string, rel *fakeRelease, good stamp, goodSum func(goos string) string) {
	script, err := filepath.Abs(installScript)
	if err != nil {
		t.Fatal(err)
	}
	host := runtime.GOOS
	runnerOS, runnerArch := runnerNames()
	// fakeGo is a `go` that records its arguments and "builds" a script that
	// reports the version it was asked for.
	fakeGo := t.TempDir()
	goLog := filepath.Join(fakeGo, "args")
	writeExecutable(t, filepath.Join(fakeGo, "go"), `#!/bin/sh
echo "$@" >> "`+goLog+`"
version=${2##*@}
printf '#!/bin/sh\necho "orgsync %s"\n' "$version" > "$GOBIN/orgsync"
chmod +x "$GOBIN/orgsync"
`)
	withFakeGo := fakeGo + string(os.PathListSeparator) + os.Getenv("PATH")

	for _, tc := range []struct {
		name    string
		tag     string
		env     map[string]string
		binary  string // the installed file, when the install succeeds
		wantErr string // in stderr, when it fails
		goArgs  string // what the fallback ran, if it ran
	}{
		{name: "installs the pinned release", tag: good.tag, binary: "orgsync"},
		{name: "windows archive (zip)", tag: good.tag, env: map[string]string{"ORGSYNC_OS": "windows"}, binary: "orgsync.exe"},
		{name: "pinned sha256 matches", tag: good.tag, env: map[string]string{"ORGSYNC_SHA256": goodSum(host)}, binary: "orgsync"},
		{name: "platform from RUNNER_OS and RUNNER_ARCH", tag: good.tag,
			env: map[string]string{"RUNNER_OS": runnerOS, "RUNNER_ARCH": runnerArch}, binary: "orgsync"},
		{name: "wrong checksum", tag: "v0.0.1", wantErr: "checksum mismatch for " + rel.cfg.archiveName(t, "v0.0.1", host, runtime.GOARCH)},
		{name: "wrong checksum, zip", tag: "v0.0.1", env: map[string]string{"ORGSYNC_OS": "windows"}, wantErr: "checksum mismatch"},
		{name: "wrong checksum never falls back to go install", tag: "v0.0.1",
			env: map[string]string{"ORGSYNC_GO_INSTALL_FALLBACK": "true", "PATH": withFakeGo}, wantErr: "checksum mismatch"},
		{name: "pinned sha256 differs", tag: good.tag, env: map[string]string{"ORGSYNC_SHA256": strings.Repeat("1", 64)}, wantErr: "ORGSYNC_SHA256 pins"},
		{name: "archive not in checksums.txt", tag: "v0.0.2", wantErr: "checksums.txt of v0.0.2 has no entry"},
		{name: "archive holds another version", tag: "v0.0.3", wantErr: "does not report orgsync v0.0.3 (it says: orgsync " + good.tag + ")"},
		{name: "unknown version (404)", tag: "v9.9.9", wantErr: "could not download orgsync v9.9.9"},
		{name: "unknown version, go install fallback", tag: "v9.9.9",
			env: map[string]string{"ORGSYNC_GO_INSTALL_FALLBACK": "true", "PATH": withFakeGo}, binary: "orgsync",
			goArgs: "install github.com/orgsync/orgsync/cmd/orgsync@v9.9.9"},
		{name: "no release archive for the platform, go install fallback", tag: "v9.9.9",
			env: map[string]string{"ORGSYNC_ARCH": "riscv64", "ORGSYNC_GO_INSTALL_FALLBACK": "true", "PATH": withFakeGo}, binary: "orgsync",
			goArgs: "install github.com/orgsync/orgsync/cmd/orgsync@v9.9.9"},
		{name: "not a release tag", tag: "latest", wantErr: "must be a release tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env["ORGSYNC_OS"] == "windows" {
				requireTools(t, "unzip")
			}
			if _, set := tc.env["RUNNER_OS"]; set && (runnerOS == "" || runnerArch == "") {
				t.Skipf("no runner names for %s/%s", host, runtime.GOARCH)
			}
			os.Remove(goLog)
			dir := filepath.Join(t.TempDir(), "bin")
			env := map[string]string{"ORGSYNC_VERSION": tc.tag, "ORGSYNC_BASE_URL": rel.srv.URL, "ORGSYNC_INSTALL_DIR": dir}
			maps.Copy(env, tc.env)
			res := runShell(t, env, shell, script)

			goArgs, _ := os.ReadFile(goLog)
			if got := strings.TrimSpace(string(goArgs)); got != tc.goArgs {
				t.Errorf("go install fallback ran %q, want %q", got, tc.goArgs)
			}
			if tc.wantErr != "" {
				if res.code == 0 || !strings.Contains(res.stderr, tc.wantErr) {
					t.Errorf("exit %d, stderr:\n%s\nwant a failure saying %q", res.code, res.stderr, tc.wantErr)
				}
				if res.stdout != "" {
					t.Errorf("a failed install printed %q on stdout", res.stdout)
				}
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a failed install left %s behind (%v)", dir, err)
				}
				return
			}
			want := filepath.Join(dir, tc.binary)
			if res.code != 0 || res.stdout != want+"\n" {
				t.Fatalf("exit %d, stdout %q (want %q), stderr:\n%s", res.code, res.stdout, want, res.stderr)
			}
			if tc.goArgs == "" {
				checkStamped(t, want, good)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("%s holds %d files, want only %s", dir, len(entries), tc.binary)
			}

			// Run again (a restored cache): the binary is kept, nothing is downloaded.
			before := rel.requests.Load()
			again := runShell(t, env, shell, script)
			if again.code != 0 || again.stdout != want+"\n" || !strings.Contains(again.stderr, "already installed") {
				t.Errorf("second run: exit %d, stdout %q, stderr:\n%s", again.code, again.stdout, again.stderr)
			}
			if n := rel.requests.Load() - before; n != 0 {
				t.Errorf("second run made %d requests, want 0", n)
			}
		})
	}

	t.Run("a cached binary of another version is replaced", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeExecutable(t, filepath.Join(dir, "orgsync"), "#!/bin/sh\necho 'orgsync v0.9.0'\n")
		res := runShell(t, map[string]string{"ORGSYNC_VERSION": good.tag, "ORGSYNC_BASE_URL": rel.srv.URL, "ORGSYNC_INSTALL_DIR": dir}, shell, script)
		if res.code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
		checkStamped(t, filepath.Join(dir, "orgsync"), good)
	})
	t.Run("a failed install keeps the binary that was there", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		old := "#!/bin/sh\necho 'orgsync v0.9.0'\n"
		writeExecutable(t, filepath.Join(dir, "orgsync"), old)
		res := runShell(t, map[string]string{"ORGSYNC_VERSION": "v0.0.1", "ORGSYNC_BASE_URL": rel.srv.URL, "ORGSYNC_INSTALL_DIR": dir}, shell, script)
		if res.code == 0 {
			t.Fatalf("a checksum mismatch exited 0:\n%s", res.stderr)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "orgsync")); string(b) != old {
			t.Errorf("the failed install changed the binary in %s", dir)
		}
	})
}

// runnerNames are RUNNER_OS and RUNNER_ARCH as GitHub sets them on a runner
// like this host, or "" where GitHub has no such runner.
func runnerNames() (string, string) {
	return map[string]string{"linux": "Linux", "darwin": "macOS"}[runtime.GOOS],
		map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
}

func writeExecutable(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// ghExpressionRe finds ${{ ... }} expressions.
var ghExpressionRe = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// expandGitHub replaces the ${{ }} expressions of the action with values.
func expandGitHub(t *testing.T, s string, values map[string]string) string {
	t.Helper()
	return ghExpressionRe.ReplaceAllStringFunc(s, func(m string) string {
		expr := ghExpressionRe.FindStringSubmatch(m)[1]
		v, ok := values[expr]
		if !ok {
			t.Fatalf("action.yml: expression %q is not known to this test: add it", expr)
		}
		return v
	})
}

// testInstallAction runs the action's install step as a runner would: its
// run script under bash -e, its env with the inputs filled in, and checks
// what it hands to later steps (PATH, the path output) and that the cache
// step keeps exactly the directory it installs into.
func testInstallAction(t *testing.T, rel *fakeRelease, good stamp, goodSum string) {
	f := loadCIFiles(t)["github/install-orgsync/action.yml"]
	if f == nil {
		t.Fatal("examples/ci/github/install-orgsync/action.yml is missing")
	}
	actionPath, err := filepath.Abs(installActionDir)
	if err != nil {
		t.Fatal(err)
	}
	var install, cache *yaml.Node
	for _, st := range yamlGet(yamlGet(f.root, "runs"), "steps").Content {
		switch {
		case scalar(yamlGet(st, "id")) == "install":
			install = st
		case strings.HasPrefix(scalar(yamlGet(st, "uses")), "actions/cache@"):
			cache = st
		}
	}
	if install == nil || cache == nil {
		t.Fatal("action.yml: no step with id install, or no actions/cache step")
	}
	inputs := yamlGet(f.root, "inputs")
	runnerOS, runnerArch := runnerNames()
	if runnerOS == "" || runnerArch == "" {
		t.Skipf("no runner names for %s/%s", runtime.GOOS, runtime.GOARCH)
	}

	for _, tc := range []struct {
		name    string
		with    map[string]string
		wantErr string
	}{
		{name: "installs and puts orgsync on PATH", with: map[string]string{"sha256": goodSum}},
		{name: "wrong pinned sha256 fails the step", with: map[string]string{"sha256": strings.Repeat("0", 64)},
			wantErr: "::error title=install-orgsync::checksum mismatch"},
		{name: "unknown version fails the step", with: map[string]string{"version": "v9.9.9"},
			wantErr: "::error title=install-orgsync::could not download orgsync v9.9.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			toolCache, work := t.TempDir(), t.TempDir()
			values := map[string]string{"runner.tool_cache": toolCache, "runner.os": runnerOS, "runner.arch": runnerArch}
			for _, name := range yamlKeys(inputs) {
				values["inputs."+name] = scalar(yamlGet(yamlGet(inputs, name), "default"))
			}
			values["inputs.version"] = good.tag
			values["inputs.base-url"] = rel.srv.URL
			for k, v := range tc.with {
				values["inputs."+k] = v
			}
			env := map[string]string{
				"GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": actionPath, "RUNNER_OS": runnerOS, "RUNNER_ARCH": runnerArch,
				"GITHUB_PATH": filepath.Join(work, "path"), "GITHUB_OUTPUT": filepath.Join(work, "output"),
			}
			stepEnv := yamlGet(install, "env")
			for _, k := range yamlKeys(stepEnv) {
				env[k] = expandGitHub(t, scalar(yamlGet(stepEnv, k)), values)
			}
			dir := env["ORGSYNC_INSTALL_DIR"]
			if cached := expandGitHub(t, scalar(yamlGet(yamlGet(cache, "with"), "path")), values); cached != dir {
				t.Errorf("the cache step keeps %s, the install step installs into %s", cached, dir)
			}
			key := scalar(yamlGet(yamlGet(cache, "with"), "key"))
			for _, part := range []string{"inputs.version", "runner.os", "runner.arch"} {
				if !strings.Contains(key, part) {
					t.Errorf("the cache key %q does not depend on %s", key, part)
				}
			}

			// As a runner runs a bash step: bash --noprofile --norc -eo pipefail.
			res := runShell(t, env, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", scalar(yamlGet(install, "run")))
			pathFile, _ := os.ReadFile(env["GITHUB_PATH"])
			outputFile, _ := os.ReadFile(env["GITHUB_OUTPUT"])
			if tc.wantErr != "" {
				if res.code == 0 || !strings.Contains(res.stderr, tc.wantErr) {
					t.Errorf("exit %d, stderr:\n%s\nwant a failure with %q", res.code, res.stderr, tc.wantErr)
				}
				if len(pathFile) != 0 || len(outputFile) != 0 {
					t.Errorf("a failed step wrote GITHUB_PATH %q, GITHUB_OUTPUT %q", pathFile, outputFile)
				}
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a failed step left %s behind (%v)", dir, err)
				}
				return
			}
			if res.code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
			}
			bin := filepath.Join(dir, "orgsync")
			if string(pathFile) != dir+"\n" || string(outputFile) != "path="+bin+"\n" {
				t.Errorf("GITHUB_PATH %q, GITHUB_OUTPUT %q; want %q and path=%s", pathFile, outputFile, dir, bin)
			}
			if !strings.Contains(res.stdout, "orgsync "+good.tag+"\n") {
				t.Errorf("the step does not show the installed version:\n%s", res.stdout)
			}
			checkStamped(t, bin, good)
		})
	}
}

// gitLabVarRe finds $NAME and ${NAME} in GitLab variables.
var gitLabVarRe = regexp.MustCompile(`\$\{?(\w+)\}?`)

// testInstallGitLab runs the before_script of the GitLab example's .orgsync
// template with sh, then orgsync from PATH in the same shell, as a job does.
func testInstallGitLab(t *testing.T, rel *fakeRelease, good stamp) {
	f := loadCIFiles(t)["gitlab-ci.yml"]
	tmpl := yamlGet(f.root, ".orgsync")
	before := yamlGet(tmpl, "before_script")
	if before == nil || before.Kind != yaml.SequenceNode {
		t.Fatal("gitlab-ci.yml: .orgsync has no before_script list")
	}
	project := t.TempDir()
	script, err := os.ReadFile(installScript)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	copied := false
	for _, n := range before.Content {
		// The example runs its copy of install-orgsync.sh from the repository.
		if m := regexp.MustCompile(`^sh (\S*install-orgsync\.sh)$`).FindStringSubmatch(n.Value); m != nil {
			if err := os.MkdirAll(filepath.Join(project, filepath.Dir(m[1])), 0o755); err != nil {
				t.Fatal(err)
			}
			writeExecutable(t, filepath.Join(project, m[1]), string(script))
			copied = true
		}
		lines = append(lines, n.Value)
	}
	if !copied {
		t.Fatal("gitlab-ci.yml: .orgsync's before_script does not run `sh <path>/install-orgsync.sh`")
	}
	lines = append(lines, "orgsync version -json > version.json")

	vars := map[string]string{"CI_PROJECT_DIR": project, "ORGSYNC_VERSION": good.tag}
	env := map[string]string{"ORGSYNC_BASE_URL": rel.srv.URL}
	maps.Copy(env, vars)
	tmplVars := yamlGet(tmpl, "variables")
	for _, k := range yamlKeys(tmplVars) {
		env[k] = gitLabVarRe.ReplaceAllStringFunc(scalar(yamlGet(tmplVars, k)), func(m string) string {
			name := gitLabVarRe.FindStringSubmatch(m)[1]
			v, ok := vars[name]
			if !ok {
				t.Fatalf("gitlab-ci.yml: $%s is not known to this test: add it", name)
			}
			return v
		})
	}
	cacheKey := scalar(yamlGet(yamlGet(tmpl, "cache"), "key"))
	if !strings.Contains(cacheKey, "ORGSYNC_VERSION") {
		t.Errorf(".orgsync cache key %q does not depend on ORGSYNC_VERSION", cacheKey)
	}
	var cached []string
	for _, p := range yamlGet(yamlGet(tmpl, "cache"), "paths").Content {
		cached = append(cached, filepath.Join(project, p.Value))
	}
	if dir := env["ORGSYNC_INSTALL_DIR"]; !slices.Contains(cached, dir) {
		t.Errorf(".orgsync caches %v, but installs into %s", cached, dir)
	}

	// GitLab runs a job's before_script and script in one shell, stopping at
	// the first failing line.
	res := runShellIn(t, project, env, "sh", "-e", "-c", strings.Join(lines, "\n"))
	if res.code != 0 {
		t.Fatalf("before_script: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	b, err := os.ReadFile(filepath.Join(project, "version.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v versionJSON
	if err := json.Unmarshal(b, &v); err != nil || v.Version != good.tag {
		t.Errorf("orgsync on the job's PATH reports %s (%v), want %s", b, err, good.tag)
	}
}
