package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
)

// holdLock takes the tenant's apply lock as another run would.
func (tn *e2eTenant) holdLock(who string) *apply.Lock {
	tn.t.Helper()
	l, err := apply.AcquireLock(context.Background(), tn.C, apply.LockOptions{
		Info: apply.LockInfo{Operation: "apply", Who: who, PID: 4242, Run: "https://ci.example/runs/7"}})
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.t.Cleanup(func() { l.Release(context.Background()) })
	return l
}

// TestE2EApplyRefusedWhileLocked: an apply refuses at once, before reading
// the tenant, naming who holds the lock since when and how to go on, and
// changes nothing.
func TestE2EApplyRefusedWhileLocked(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	held := tn.holdLock("ci@runner-7")
	r := tn.must(exitError, "apply", "-auto-approve")
	for _, want := range []string{"the apply lock is held: apply by ci@runner-7 (pid 4242), https://ci.example/runs/7, since ",
		"Nothing was changed", "orgsync force-unlock " + held.Info().ID} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "partly changed") || strings.Contains(r.stdout, "Plan:") {
		t.Errorf("a refused apply planned or reported changes:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if tn.liveOrg("Acme") != nil || tn.scope("read:docs") != nil {
		t.Fatal("an apply refused by the lock changed the tenant")
	}
}

// TestE2EApplyWaitsForTheLock: with -lock-timeout an apply waits, says for
// whom, and applies once the holder is done.
func TestE2EApplyWaitsForTheLock(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	held := tn.holdLock("ci@runner-7")
	go func() {
		time.Sleep(300 * time.Millisecond)
		held.Release(context.Background())
	}()
	r := tn.must(exitOK, "apply", "-auto-approve", "-lock-timeout", "2m")
	if !strings.Contains(r.stderr, "Waiting up to 2m0s for the apply lock held by apply by ci@runner-7") {
		t.Errorf("no waiting line on stderr:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "Apply complete! 9 added") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

// TestE2EForceUnlock: force-unlock asks, refuses a wrong ID, and removes the
// lock it names; an apply then runs.
func TestE2EForceUnlock(t *testing.T) {
	tn := newE2E(t)
	e2eUsers(tn)
	tn.config(e2eBase)
	held := tn.holdLock("crashed@runner")
	id := held.Info().ID

	r := tn.must(exitError, "force-unlock", id)
	if !strings.Contains(r.stderr, "-force is required when not running interactively") {
		t.Errorf("no terminal: %s", r.stderr)
	}
	r = tn.runWith(e2eOpts{inTTY: true, stdin: "no\n"}, "force-unlock", id)
	r.expect(t, exitError)
	if !strings.Contains(r.stdout, "held: apply by crashed@runner") || !strings.Contains(r.stdout, "Force-unlock cancelled.") {
		t.Errorf("answer no: %s", r.stdout)
	}
	r = tn.must(exitError, "force-unlock", "-force", "0123456789abcdef")
	if !strings.Contains(r.stderr, "held under another ID") {
		t.Errorf("wrong ID: %s", r.stderr)
	}
	if cur, _ := apply.CurrentLock(context.Background(), tn.C); cur == nil || cur.ID != id {
		t.Fatalf("the lock is gone after refused force-unlocks: %+v", cur)
	}
	r = tn.runWith(e2eOpts{inTTY: true, stdin: "yes\n"}, "force-unlock", id)
	r.expect(t, exitOK)
	if !strings.Contains(r.stdout, "The apply lock "+id+" was removed.") {
		t.Errorf("force-unlock: %s", r.stdout)
	}
	tn.must(exitOK, "apply", "-auto-approve")
	r = tn.must(exitError, "force-unlock", "-force", id)
	if !strings.Contains(r.stderr, "no apply lock is held") {
		t.Errorf("force-unlock without a lock: %s", r.stderr)
	}
}
