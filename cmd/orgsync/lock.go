package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/logto"
)

// lockLeaseEnv overrides the apply lock's lease (a Go duration, at least 1s).
const lockLeaseEnv = "ORGSYNC_LOCK_LEASE"

// acquireLock takes the tenant's apply lock for op, waiting up to timeout,
// with a line on stderr while it waits.
func acquireLock(e *env, c *logto.Client, op string, timeout time.Duration) (*apply.Lock, error) {
	lease := apply.DefaultLockLease
	if v := e.getenv(lockLeaseEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("%s=%q: give a duration of at least 1s, e.g. 2m", lockLeaseEnv, v)
		}
		lease = d
	}
	return apply.AcquireLock(e.ctx, c, apply.LockOptions{
		Lease:   lease,
		Timeout: timeout,
		Info:    lockHolder(e, op),
		OnWait: func(holder apply.LockInfo) {
			fmt.Fprintf(e.s.Err, "Waiting up to %s for the apply lock held by %s...\n", timeout, holder)
		},
	})
}

// releaseLock releases the lock, saying so when it cannot.
func releaseLock(e *env, l *apply.Lock) {
	if err := l.Release(context.WithoutCancel(e.ctx)); err != nil {
		fmt.Fprintf(e.s.Err, "Warning: %v\n", err)
	}
}

// lockHolder describes this run for the lock: user@host, pid, the CI run
// when the usual CI variables say which, and the orgsync version.
func lockHolder(e *env, op string) apply.LockInfo {
	who := e.getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = u.Username
	}
	host, _ := os.Hostname()
	if who == "" {
		who = "unknown"
	}
	return apply.LockInfo{Operation: op, Who: who + "@" + host, PID: os.Getpid(), Run: ciRunURL(e.getenv), Version: currentVersion()}
}

// ciRunURL is the URL of the CI run this process belongs to, when known.
func ciRunURL(getenv func(string) string) string {
	if id := getenv("GITHUB_RUN_ID"); id != "" && getenv("GITHUB_REPOSITORY") != "" {
		server := getenv("GITHUB_SERVER_URL")
		if server == "" {
			server = "https://github.com"
		}
		return server + "/" + getenv("GITHUB_REPOSITORY") + "/actions/runs/" + id
	}
	for _, k := range []string{"CI_JOB_URL", "BUILD_URL", "CIRCLE_BUILD_URL", "BUILDKITE_BUILD_URL"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func runForceUnlock(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("force-unlock", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: orgsync force-unlock [-force] LOCK_ID\n\n"+
			"Remove the tenant's apply lock left by a run that can no longer release it. LOCK_ID is the\n"+
			"ID the refusal message gives; a lock with another ID is left alone. Asks for confirmation\n"+
			"unless -force is given.\n\n")
		fs.PrintDefaults()
	}
	var conn connFlags
	conn.register(fs, 8)
	force := fs.Bool("force", false, "do not ask for confirmation")
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	e, stop := conn.withDeadline(e)
	defer stop()
	if fs.NArg() != 1 {
		fmt.Fprintln(e.s.Err, "Error: force-unlock takes the lock ID: orgsync force-unlock LOCK_ID")
		return exitError
	}
	id := fs.Arg(0)
	c, err := conn.client(e)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	cur, err := apply.CurrentLock(e.ctx, c)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	if cur == nil {
		fmt.Fprintln(e.s.Err, "Error: no apply lock is held: nothing to unlock.")
		return exitError
	}
	if cur.ID != id && cur.ResourceID != id {
		fmt.Fprintf(e.s.Err, "Error: the apply lock is held under another ID: %s. Nothing was unlocked.\n", cur)
		return exitError
	}
	if !*force {
		if !e.s.InTTY {
			fmt.Fprintln(e.s.Err, "Error: -force is required when not running interactively (no terminal to ask on).")
			return exitError
		}
		fmt.Fprintf(e.s.Out, "The apply lock is held: %s.\n\nRemoving it lets another apply run while this one may still be writing.\n"+
			"Do you really want to force-unlock?\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: ", cur)
		ok, err := readYes(e)
		if err != nil || !ok {
			fmt.Fprintln(e.s.Out, "\nForce-unlock cancelled.")
			return exitError
		}
	}
	if _, err := apply.ForceUnlock(e.ctx, c, id); err != nil {
		printErr(e, err)
		return exitError
	}
	fmt.Fprintf(e.s.Out, "The apply lock %s was removed.\n", strings.TrimSpace(id))
	return exitOK
}
