package reliability

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// TestCrashRecovery runs `orgsync apply -auto-approve` of examples/saas as a
// real process against an emulator with latency and SIGKILLs it after a
// random delay, twice in a row on the same tenant, over many runs; the next
// apply must succeed and converge (no changes left, no duplicate
// organization, the record matches the tenant, no stale lock).
func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	runs := 10
	if testing.Short() {
		runs = 3
	}
	cfg := loadDir(t, saasDir)
	killedMidway, lockLeft := 0, 0
	for run := range runs {
		t.Run(fmt.Sprint("run", run), func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(uint64(run), 7))
			tn := newTenant(t, emulator.Options{Seed: int64(4000 + run), Latency: 10 * time.Millisecond}, nil)
			c := tn.client(nil)
			if err := seedConfig(ctx, c, cfg); err != nil {
				t.Fatal(err)
			}
			dir := copyDir(t, saasDir)
			// A short lease: the lock of a killed apply expires soon.
			env := append(tn.env(), "ORGSYNC_LOCK_LEASE=1s")
			for kill := range 2 {
				// Each apply waits for the lock a killed one left.
				cmd := exec.Command(orgsyncBin, "apply", "-auto-approve", "-lock-timeout", "1m", "-c", dir)
				cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}, env...)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				delay := time.Duration(rng.IntN(300)) * time.Millisecond
				time.Sleep(delay)
				_ = cmd.Process.Signal(syscall.SIGKILL)
				err := cmd.Wait()
				if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == -1 {
					killedMidway++
					t.Logf("kill %d after %s: killed", kill, delay)
				} else {
					t.Logf("kill %d after %s: had exited: %v", kill, delay, err)
				}
			}
			left, err := apply.CurrentLock(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := cli(t, env, "apply", "-auto-approve", "-lock-timeout", "1m", "-c", dir)
			if code != 0 {
				t.Fatalf("the apply after the crashes exited %d:\n%s\n%s", code, stdout, stderr)
			}
			if left != nil && time.Now().Add(time.Second/2).Before(left.Expires) {
				lockLeft++
				if !strings.Contains(stderr, "Waiting up to 1m0s for the apply lock held by apply by") {
					t.Errorf("a killed apply left its lock (%s), and the next apply did not say it waited for it:\n%s", left, stderr)
				}
			}
			checkConverged(ctx, t, c, cfg)
		})
	}
	if killedMidway == 0 {
		t.Errorf("no apply was killed while running: the delays are too long to test anything")
	}
	if lockLeft == 0 {
		t.Logf("no killed apply left its lock behind in %d runs", runs)
	}
}
