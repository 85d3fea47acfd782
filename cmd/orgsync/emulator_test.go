package main

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestEmulatorPortTaken: an address in use is an error that names it and
// -addr.
func TestEmulatorPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	code, out, errOut := runCmd(t, nil, "emulator", "-addr", addr)
	want := "orgsync emulator: the address " + addr + " is already in use"
	if code != exitError || out != "" || !strings.Contains(errOut, want) || !strings.Contains(errOut, "choose another address with -addr") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "export LOGTO_") {
		t.Errorf("connection lines printed for an emulator that does not run:\n%s", errOut)
	}
}

// readyWatcher is the emulator's stderr: when the emulator says it is
// ready, it plans examples/saas against it at once, as a script waiting for
// the export lines would, then stops the emulator.
type readyWatcher struct {
	t      *testing.T
	cancel context.CancelFunc
	mu     sync.Mutex
	b      bytes.Buffer
	done   bool
	plan   struct {
		code   exitCode
		stdout string
		stderr string
	}
}

var exportLine = regexp.MustCompile(`(?m)^  export (LOGTO_[A-Z_]+)=(\S+)$`)

func (w *readyWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if w.done || !strings.Contains(w.b.String(), "Press Ctrl-C to stop.\n") {
		return len(p), nil
	}
	w.done = true
	vars := map[string]string{}
	for _, m := range exportLine.FindAllStringSubmatch(w.b.String(), -1) {
		vars[m[1]] = m[2]
	}
	w.plan.code, w.plan.stdout, w.plan.stderr = runCmd(w.t, vars, "plan", "-c", "../../examples/saas")
	w.cancel()
	return len(p), nil
}

// TestEmulatorReadyAfterSeed: the export lines come once -seed-config has
// finished, so that a plan started on them finds every user.
func TestEmulatorReadyAfterSeed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &readyWatcher{t: t, cancel: cancel}
	var out bytes.Buffer
	e := &env{ctx: ctx, s: streams{In: strings.NewReader(""), Out: &out, Err: w}, getenv: func(string) string { return "" }}
	code := run(e, []string{"emulator", "-addr", "127.0.0.1:0", "-seed-config", "../../examples/saas"})
	w.mu.Lock()
	defer w.mu.Unlock()
	if code != exitOK || !w.done {
		t.Fatalf("emulator: exit %d, ready %v, stderr:\n%s", code, w.done, w.b.String())
	}
	if w.plan.code != exitOK || !strings.Contains(w.plan.stdout, "Plan: ") {
		t.Errorf("plan started when the emulator said it was ready: exit %d\nstdout:\n%s\nstderr:\n%s", w.plan.code, w.plan.stdout, w.plan.stderr)
	}
	log := w.b.String()
	if seeded, ready := strings.Index(log, "The emulator has what"), strings.Index(log, "Ready. Point orgsync at it with:"); seeded < 0 || ready < seeded {
		t.Errorf("the ready line does not follow the seeding:\n%s", log)
	}
}
