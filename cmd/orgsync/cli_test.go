package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// TestHelp: -h, -help and --help print a command's usage on stdout and exit
// 0, for every command; `orgsync help CMD` prints the same.
func TestHelp(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			var first string
			for _, h := range []string{"-h", "-help", "--help"} {
				code, out, errOut := runCmd(t, nil, c.name, h)
				if code != exitOK || errOut != "" {
					t.Fatalf("%s %s: exit %d, stderr %q", c.name, h, code, errOut)
				}
				if !strings.HasPrefix(out, "Usage: orgsync "+c.name) {
					t.Errorf("%s %s: stdout does not start with the usage:\n%s", c.name, h, out)
				}
				first = out
			}
			code, out, errOut := runCmd(t, nil, "help", c.name)
			if code != exitOK || errOut != "" || out != first {
				t.Errorf("help %s: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", c.name, code, errOut, out, first)
			}
			// A wrong flag is an error: the problem and the usage on stderr.
			code, out, errOut = runCmd(t, nil, c.name, "-no-such-flag")
			if code != exitError || out != "" || !strings.Contains(errOut, "flag provided but not defined: -no-such-flag") ||
				!strings.Contains(errOut, "Usage: orgsync "+c.name) {
				t.Errorf("%s -no-such-flag: exit %d, stdout %q, stderr:\n%s", c.name, code, out, errOut)
			}
		})
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, out, errOut := runCmd(t, nil, args...)
		if code != exitOK || errOut != "" {
			t.Errorf("orgsync %s: exit %d, stderr %q", args[0], code, errOut)
		}
		for _, c := range commands() {
			if !strings.Contains(out, "\n  "+c.name+" ") {
				t.Errorf("orgsync %s does not list %s:\n%s", args[0], c.name, out)
			}
		}
	}
	if code, out, errOut := runCmd(t, nil, "help", "nope"); code != exitError || out != "" || !strings.Contains(errOut, `unknown command "nope"`) {
		t.Errorf("help nope: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, nil); code != exitError || !strings.Contains(errOut, "Usage: orgsync") {
		t.Errorf("no arguments: exit %d, stderr %q", code, errOut)
	}
}

// TestFlagsAfterArguments: flags may follow positional arguments, and "--"
// ends the flags.
func TestFlagsAfterArguments(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.hcl": uglyConfig, "-odd.hcl": uglyConfig})
	path := filepath.Join(dir, "a.hcl")
	code, out, errOut := runCmd(t, nil, "fmt", path, "-check")
	if code != exitError || out != path+"\n" {
		t.Errorf("fmt FILE -check: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got, _ := os.ReadFile(path); string(got) != uglyConfig {
		t.Error("fmt FILE -check rewrote the file")
	}
	code, out, errOut = runCmd(t, nil, "fmt", path, "-check", "-diff")
	if code != exitError || !strings.Contains(out, "+  previous_names = []") {
		t.Errorf("fmt FILE -check -diff: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// After "--" everything is an argument, even what looks like a flag.
	t.Chdir(dir)
	code, out, errOut = runCmd(t, nil, "fmt", "-check", "--", "-odd.hcl")
	if code != exitError || out != "-odd.hcl\n" {
		t.Errorf("fmt -check -- -odd.hcl: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	code, out, errOut = runCmd(t, nil, "validate", "-c", "../../examples/saas", "extra", "-json")
	if code != exitError || out != "" || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Errorf("validate ... extra -json: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestFlagsAfterPlanFile: `apply PLANFILE -flags` applies the saved plan.
func TestFlagsAfterPlanFile(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	planFile := filepath.Join(t.TempDir(), "plan.bin")
	tn.must(exitOK, "plan", "-out", planFile)
	r := tn.runWith(e2eOpts{planFile: true}, "apply", planFile, "-format", "json", "-auto-approve")
	r.expect(t, exitOK)
	if !strings.Contains(r.stdout, `"status": "complete"`) {
		t.Errorf("apply PLANFILE -format json: stdout:\n%s", r.stdout)
	}
	tn.noChanges()
}

// TestParallelismRange: -parallelism outside 1..64 is refused while the flags
// are parsed: exit 1, a clear message, and no request to Logto (so no lock).
func TestParallelismRange(t *testing.T) {
	s := emulatortest.Start(t, emulator.Options{})
	vars := map[string]string{"LOGTO_ENDPOINT": s.URL, "LOGTO_APP_ID": s.AppID, "LOGTO_APP_SECRET": s.AppSecret}
	for _, cmd := range []string{"plan", "apply", "export"} {
		for _, n := range []string{"-1", "0", "65", "many"} {
			args := []string{cmd, "-parallelism", n}
			switch cmd {
			case "plan":
				args = append(args, "-c", "../../examples/saas")
			case "apply":
				args = append(args, "-c", "../../examples/saas", "-auto-approve")
			}
			code, out, errOut := runCmd(t, vars, args...)
			want := `invalid value "` + n + `" for flag -parallelism: use a whole number from 1 to 64`
			if code != exitError || out != "" || !strings.Contains(errOut, want) {
				t.Errorf("%s: exit %d, stdout %q, stderr:\n%s", strings.Join(args, " "), code, out, errOut)
			}
		}
	}
	if n := s.E.Requests(); n != 0 {
		t.Errorf("%d requests reached Logto", n)
	}
}

// silentEndpoint accepts connections and never answers.
func silentEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// TestTimeout: against an endpoint that accepts connections and never
// answers, -timeout ends every command that talks to Logto with exit 1 and
// a message saying the deadline passed.
func TestTimeout(t *testing.T) {
	vars := map[string]string{"LOGTO_ENDPOINT": silentEndpoint(t), "LOGTO_APP_ID": "app", "LOGTO_APP_SECRET": "secret"}
	out := t.TempDir()
	for _, args := range [][]string{
		{"plan", "-c", "../../examples/saas", "-timeout", "300ms"},
		{"apply", "-c", "../../examples/saas", "-auto-approve", "-timeout", "300ms"},
		{"export", "-o", out, "-timeout", "300ms"},
	} {
		code, stdout, errOut := runCmd(t, vars, args...)
		if code != exitError || !strings.Contains(errOut, "the deadline set with -timeout 300ms passed; orgsync started no further requests to Logto") {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s", strings.Join(args, " "), code, stdout, errOut)
		}
		if strings.Contains(errOut, "check LOGTO_ENDPOINT") {
			t.Errorf("%s: a deadline is not a wrong endpoint:\n%s", args[0], errOut)
		}
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 0 {
		t.Errorf("export wrote %d files after the deadline", len(entries))
	}
	for _, bad := range []string{"0", "-1s", "soon"} {
		code, _, errOut := runCmd(t, vars, "plan", "-c", "../../examples/saas", "-timeout", bad)
		if code != exitError || !strings.Contains(errOut, `for flag -timeout: use a positive duration such as 90s or 10m`) {
			t.Errorf("-timeout %s: exit %d, stderr:\n%s", bad, code, errOut)
		}
	}
}

// TestRetryLine: while orgsync waits to repeat a failed request, it says so
// on stderr, one line per retry.
func TestRetryLine(t *testing.T) {
	tn := newE2E(t)
	tn.emulatorOnly()
	e2eUsers(tn)
	tn.config(e2eBase)
	tn.Emu.FailNext("GET", "/api/organization-scopes", 503, "")
	r := tn.must(exitOK, "plan")
	want := "Logto answered 503 Service Unavailable to GET /api/organization-scopes: retrying in "
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "(attempt 2 of 6)\n") {
		t.Errorf("stderr lacks the retry line %q:\n%s", want, r.stderr)
	}
	if strings.Contains(r.stdout, "retrying") {
		t.Errorf("the retry line is on stdout:\n%s", r.stdout)
	}

	// JSON logs: a warn event instead of a plain line.
	tn.Emu.FailNext("GET", "/api/organization-scopes", 503, "")
	r = tn.must(exitOK, "plan", "-log-format", "json")
	if !strings.Contains(r.stderr, `"level":"warn"`) || !strings.Contains(r.stderr, `"message":"`+want) {
		t.Errorf("-log-format json: stderr:\n%s", r.stderr)
	}
	// Above warn, nothing.
	tn.Emu.FailNext("GET", "/api/organization-scopes", 503, "")
	if r = tn.must(exitOK, "plan", "-log-level", "error"); r.stderr != "" {
		t.Errorf("-log-level error: stderr:\n%s", r.stderr)
	}

	// An endpoint that keeps failing: retry lines, then the deadline.
	for range 10 {
		tn.Emu.FailNext("GET", "/api/organization-scopes", 503, "")
	}
	r = tn.run("plan", "-timeout", "1s")
	r.expect(t, exitError)
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "-timeout 1s passed") {
		t.Errorf("failing endpoint with -timeout: stderr:\n%s", r.stderr)
	}
}

// promptWatcher cancels when the confirmation prompt has been written.
type promptWatcher struct {
	mu     sync.Mutex
	b      bytes.Buffer
	cancel context.CancelFunc
}

func (w *promptWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if strings.Contains(w.b.String(), "Enter a value: ") {
		w.cancel()
	}
	return len(p), nil
}

func (w *promptWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestConfirmInterrupted: Ctrl-C at the prompt cancels the apply at once,
// although no line ever comes on stdin.
func TestConfirmInterrupted(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	stdin, never := io.Pipe() // a terminal nobody types on
	defer never.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &promptWatcher{cancel: cancel}
	var stderr e2eBuffer
	e := &env{ctx: ctx, s: streams{In: stdin, Out: stdout, Err: &stderr, InTTY: true},
		getenv: func(k string) string {
			return map[string]string{"LOGTO_ENDPOINT": tn.endpoint, "LOGTO_APP_ID": tn.appID, "LOGTO_APP_SECRET": tn.secret, "LOGTO_RESOURCE": tn.resource}[k]
		}}
	code := run(e, []string{"apply", "-c", tn.dir, "-insecure-http"})
	if code != exitError || !strings.Contains(stdout.String(), "Apply cancelled.") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if tn.liveOrg("Acme") != nil || tn.scope("read:docs") != nil {
		t.Error("a cancelled apply changed the tenant")
	}
}

func TestIsTerminal(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	if isTerminal(devNull) {
		t.Error("/dev/null counts as a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(r) || isTerminal(w) {
		t.Error("a pipe counts as a terminal")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a file counts as a terminal")
	}
	// A pseudo-terminal is one.
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to check the positive case: %v", err)
	}
	defer ptmx.Close()
	if !isTerminal(ptmx) {
		t.Error("a pseudo-terminal does not count as a terminal")
	}
}
