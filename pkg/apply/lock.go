package apply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// The apply lock keeps two applies from changing one tenant at the same
// time. It lives next to the ownership record, in the custom data of the
// application orgsync signs in as:
//
//	orgsync_lock  {"owner":"<random>","host":"ci-7","pid":4242,"expires":<unix ms>}
//
// Before its first change an apply reads the custom data, refuses when an
// unexpired lock of another owner is there (or when the record changed since
// the plan read it), writes its own lock, waits a settle time and reads the
// lock back: only the owner whose lock is still there after the settle time
// proceeds. Every record write checks that the lock is still its own and
// renews it; the lock is removed at the end of the apply.
//
// The guarantee is exact when no competitor takes longer than the settle
// time between reading the custom data and its lock write reaching Logto:
// the settle time is LockSettleFactor times the duration of this apply's own
// read and write, and at least MinLockSettle. A lock left by an apply that
// crashed expires after LockTTL; one left by a process of this host that no
// longer runs is taken over at once.
const (
	// LockKey is the custom-data key of the apply lock.
	LockKey = "orgsync_lock"
	// LockTTL is how long a lock holds without renewal.
	LockTTL = 10 * time.Minute
	// MinLockSettle is the shortest wait between writing the lock and
	// reading it back.
	MinLockSettle = 50 * time.Millisecond
	// LockSettleFactor multiplies the duration of the lock's read and write
	// to give the settle time.
	LockSettleFactor = 4
)

// lockValue is the value stored under LockKey.
type lockValue struct {
	Owner   string `json:"owner"`
	Host    string `json:"host,omitempty"`
	PID     int    `json:"pid,omitempty"`
	Expires int64  `json:"expires"` // unix milliseconds
}

// LockedError is returned by Execute when another apply holds the lock.
type LockedError struct {
	AppID   string
	Host    string
	PID     int
	Expires time.Time
}

func (e *LockedError) Error() string {
	who := "another orgsync apply"
	if e.Host != "" {
		who = fmt.Sprintf("another orgsync apply (host %s, pid %d)", e.Host, e.PID)
	}
	return fmt.Sprintf("%s holds the apply lock (%q in the custom data of application %s) until %s: nothing was changed; "+
		"wait for it to finish and re-run plan (if it crashed, its lock expires at that time)",
		who, LockKey, e.AppID, e.Expires.UTC().Format(time.RFC3339))
}

// IsLocked reports whether err is (or wraps) a *LockedError.
func IsLocked(err error) bool {
	var le *LockedError
	return errors.As(err, &le)
}

func decodeLock(data map[string]any) (lockValue, bool) {
	raw, ok := data[LockKey]
	if !ok || raw == nil {
		return lockValue{}, false
	}
	var v lockValue
	b, err := json.Marshal(raw)
	if err != nil || json.Unmarshal(b, &v) != nil || v.Owner == "" {
		return lockValue{}, false // unreadable: treated as absent
	}
	return v, true
}

// stale reports whether a lock no longer holds: expired, or taken by a
// process of this host that has ended.
func (v lockValue) stale(now time.Time) bool {
	if now.UnixMilli() >= v.Expires {
		return true
	}
	host, _ := os.Hostname()
	if v.Host == "" || v.Host != host || v.PID <= 0 || v.PID == os.Getpid() {
		return false
	}
	p, err := os.FindProcess(v.PID)
	if err != nil {
		return true
	}
	return errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

func newLockValue() lockValue {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	return lockValue{Owner: hex.EncodeToString(b), Host: host, PID: os.Getpid()}
}

func (e *executor) lockedBy(v lockValue) error {
	return &LockedError{AppID: e.c.AppID(), Host: v.Host, PID: v.PID, Expires: time.UnixMilli(v.Expires)}
}

// acquire takes the apply lock before the first change (once).
func (e *executor) acquire(ctx context.Context) error {
	if e.lock != nil {
		return nil
	}
	if e.lockErr != nil {
		return e.lockErr
	}
	e.lockErr = e.takeLock(ctx)
	return e.lockErr
}

func (e *executor) takeLock(ctx context.Context) error {
	appID := e.c.AppID()
	start := time.Now()
	app, err := e.c.GetApplication(ctx, appID)
	if err != nil {
		return fmt.Errorf("take the apply lock: read application %s: %w (nothing was changed)", appID, err)
	}
	if cur, ok := decodeLock(app.CustomData); ok && !cur.stale(time.Now()) {
		return e.lockedBy(cur)
	}
	if err := e.checkSerial(appID, app.CustomData); err != nil {
		return err
	}
	mine := newLockValue()
	mine.Expires = time.Now().Add(LockTTL).UnixMilli()
	if err := e.c.PatchApplicationCustomData(ctx, appID, map[string]any{LockKey: mine}); err != nil {
		return fmt.Errorf("take the apply lock: %w (nothing was changed)", err)
	}
	time.Sleep(max(MinLockSettle, LockSettleFactor*time.Since(start)))
	app, err = e.c.GetApplication(ctx, appID)
	if err != nil {
		return fmt.Errorf("take the apply lock: read it back: %w (nothing was changed)", err)
	}
	got, ok := decodeLock(app.CustomData)
	if !ok || got.Owner != mine.Owner {
		if ok {
			return e.lockedBy(got)
		}
		return &LockedError{AppID: appID}
	}
	e.lock = &mine
	if err := e.checkSerial(appID, app.CustomData); err != nil {
		e.release(ctx)
		return err
	}
	return nil
}

// checkSerial fails when the record changed since the plan read it.
func (e *executor) checkSerial(appID string, data map[string]any) error {
	h, _, err := decodeHeader(appID, data)
	if err != nil {
		return fmt.Errorf("take the apply lock: %w", err)
	}
	if h.Serial != e.serial {
		return fmt.Errorf("nothing was changed: %w", &ConflictError{Found: h.Serial, Expected: e.serial})
	}
	return nil
}

// release removes the lock when it is still this apply's.
func (e *executor) release(ctx context.Context) {
	if e.lock == nil {
		return
	}
	owner := e.lock.Owner
	e.lock = nil
	app, err := e.c.GetApplication(ctx, e.c.AppID())
	if err != nil {
		return // the lock expires by itself
	}
	if cur, ok := decodeLock(app.CustomData); ok && cur.Owner == owner {
		_ = e.c.PatchApplicationCustomData(ctx, e.c.AppID(), map[string]any{LockKey: nil})
	}
}
