package apply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/pkg/logto"
)

// The apply lock keeps two applies (or an apply and a `state rm`) from
// changing one tenant at the same time, whatever application they sign in
// as. It is an API resource with a reserved indicator: Logto keeps
// indicators unique in the database (resources__indicator UNIQUE (tenant_id,
// indicator)), so of any number of concurrent creates exactly one succeeds;
// the others get 422 resource.resource_identifier_in_use (or, on Logto
// 1.37, sometimes a 500: the outcome is then read back and the nonce in the
// name decides).
//
// The resource's name says who holds the lock and until when (resources
// have no creation time): "orgsync apply lock <json LockInfo>". The holder
// renews the lease by renaming its instance (PATCH, a heartbeat independent
// of what the apply does) and verifies before every stage and every record
// write that it still holds it; a lock that expired is taken over only by
// deleting that instance by id and creating a new one, so two contenders
// cannot both win. force-unlock deletes a lock by its ID.
const (
	// LockIndicator is the indicator of the lock resource.
	LockIndicator = "urn:orgsync:apply-lock"
	// lockNamePrefix starts the lock resource's name; the LockInfo JSON follows.
	lockNamePrefix = "orgsync apply lock "
	// DefaultLockLease is how long a lock holds without renewal.
	DefaultLockLease = 2 * time.Minute
)

// LockInfo says who holds the lock (Terraform's statemgr.LockInfo).
type LockInfo struct {
	// ID names this lock instance (a random nonce): force-unlock takes it.
	ID        string    `json:"id"`
	Operation string    `json:"operation"` // "apply", "state rm"
	Who       string    `json:"who"`       // user@host
	PID       int       `json:"pid,omitempty"`
	Run       string    `json:"run,omitempty"` // the CI run holding it, when known
	Version   string    `json:"version,omitempty"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	// ResourceID is the Logto id of the lock resource (not in its name).
	ResourceID string `json:"-"`
}

// String describes the holder for messages.
func (i LockInfo) String() string {
	s := i.Operation + " by " + i.Who
	if i.PID > 0 {
		s += fmt.Sprintf(" (pid %d)", i.PID)
	}
	if i.Run != "" {
		s += ", " + i.Run
	}
	return s + fmt.Sprintf(", since %s, lease until %s; lock ID %s",
		i.Created.UTC().Format(time.RFC3339), i.Expires.UTC().Format(time.RFC3339), i.ID)
}

func (i LockInfo) name() string {
	js, _ := json.Marshal(i)
	return lockNamePrefix + string(js)
}

// parseLock reads the LockInfo from a lock resource; ok is false when its
// name is not one orgsync wrote (the lock then counts as held, and the error
// says how to remove it).
func parseLock(r logto.Resource) (LockInfo, bool) {
	var info LockInfo
	rest, found := strings.CutPrefix(r.Name, lockNamePrefix)
	if !found || json.Unmarshal([]byte(rest), &info) != nil || info.ID == "" {
		return LockInfo{ResourceID: r.ID}, false
	}
	info.ResourceID = r.ID
	return info, true
}

// LockedError is returned when another operation holds the lock.
type LockedError struct {
	Holder LockInfo
	// Unreadable: the lock resource's name is not one orgsync wrote.
	Unreadable bool
}

func (e *LockedError) Error() string {
	if e.Unreadable {
		return fmt.Sprintf("the apply lock (API resource %s, indicator %s) is held, but its name is not one orgsync writes: "+
			"nothing was changed. If no orgsync runs, delete that API resource in the Console", e.Holder.ResourceID, LockIndicator)
	}
	return fmt.Sprintf("the apply lock is held: %s. Nothing was changed. Wait for it (apply -lock-timeout 10m), or, "+
		"if that run is gone and cannot release it, run `orgsync force-unlock %s`", e.Holder, e.Holder.ID)
}

// ErrLockLost is wrapped by Lock.Check's error when the lock is no longer
// this holder's: its lease ran out, or it was force-unlocked.
var ErrLockLost = errors.New("the apply lock was lost")

// LockOptions describe the lock to take.
type LockOptions struct {
	// Lease is how long the lock holds without renewal (DefaultLockLease).
	Lease time.Duration
	// Timeout is how long to wait for a lock another holds (0: fail at once).
	Timeout time.Duration
	// Info describes this holder: Operation, Who, PID, Run, Version.
	Info LockInfo
	// OnWait is called when the lock is found held and Acquire waits
	// (once per holder).
	OnWait func(holder LockInfo)
}

// Lock is a held apply lock.
type Lock struct {
	c     *logto.Client
	lease time.Duration

	mu       sync.Mutex
	info     LockInfo
	renewed  time.Time // local time the last renewal (or the create) was sent
	lost     error
	stop     chan struct{}
	stopped  chan struct{}
	released bool
}

// pollInterval is how often a waiting Acquire tries again.
var pollInterval = 2 * time.Second

// AcquireLock takes the tenant's apply lock, waiting up to opts.Timeout for
// a holder to release it. A lock whose lease ran out is taken over. The
// returned lock renews itself until Release.
func AcquireLock(ctx context.Context, c *logto.Client, opts LockOptions) (*Lock, error) {
	lease := opts.Lease
	if lease <= 0 {
		lease = DefaultLockLease
	}
	deadline := time.Now().Add(opts.Timeout)
	var waitedFor string
	for {
		l, holder, err := tryLock(ctx, c, lease, opts.Info)
		if err != nil || l != nil {
			return l, err
		}
		if time.Now().After(deadline) {
			return nil, holder
		}
		if holder.Holder.ID != waitedFor && opts.OnWait != nil {
			waitedFor = holder.Holder.ID
			opts.OnWait(holder.Holder)
		}
		if err := sleep(ctx, min(pollInterval, max(time.Until(deadline), time.Millisecond))); err != nil {
			return nil, fmt.Errorf("waiting for the apply lock (%s): %w; nothing was changed", holder.Holder, err)
		}
	}
}

// lockAttempts bounds the creates of one tryLock (a lock released, or an
// expired one deleted, between a create and the read-back).
const lockAttempts = 5

// tryLock tries to take the lock: the lock, or who holds it.
func tryLock(ctx context.Context, c *logto.Client, lease time.Duration, base LockInfo) (*Lock, *LockedError, error) {
	for range lockAttempts {
		nonce := make([]byte, 16)
		if _, err := rand.Read(nonce); err != nil {
			return nil, nil, err
		}
		info := base
		info.ID = hex.EncodeToString(nonce)
		info.Created = time.Now().UTC().Truncate(time.Millisecond)
		info.Expires = info.Created.Add(lease)
		sent := time.Now()
		r, err := c.CreateResource(logto.Unretried(ctx), info.name(), LockIndicator)
		switch {
		case err == nil:
			info.ResourceID = r.ID
			return startLock(c, lease, info, sent), nil, nil
		case logto.HasCode(err, logto.CodeResourceIndicatorInUse):
		case outcomeUnknown(err) || logto.StatusOf(err) == http.StatusTooManyRequests:
			// Maybe ours (Logto 1.37 answers some losers 500, a proxy may
			// answer 429 after the fact): read back and compare the nonce.
		default:
			return nil, nil, fmt.Errorf("take the apply lock: %w (nothing was changed)", err)
		}
		cur, ok, err := findLock(ctx, c)
		if err != nil {
			return nil, nil, fmt.Errorf("take the apply lock: %w (nothing was changed)", err)
		}
		switch {
		case cur == nil:
			continue // released in between: try again
		case ok && cur.ID == info.ID:
			info.ResourceID = cur.ResourceID
			return startLock(c, lease, info, sent), nil, nil
		case ok && time.Now().After(cur.Expires):
			// Expired: take it over by deleting that instance (a contender
			// that deleted it first makes this a 404), then compete again.
			if err := c.DeleteResource(ctx, cur.ResourceID); err != nil && !logto.HasCode(err, logto.CodeNotExistsWithID) {
				return nil, nil, fmt.Errorf("take over the expired apply lock (%s): %w (nothing was changed)", cur, err)
			}
			continue
		}
		return nil, &LockedError{Holder: *cur, Unreadable: !ok}, nil
	}
	return nil, nil, fmt.Errorf("take the apply lock: it changed hands %d times while orgsync tried to take it; nothing was changed, try again", lockAttempts)
}

// findLock returns the lock resource, if there is one.
func findLock(ctx context.Context, c *logto.Client) (*LockInfo, bool, error) {
	resources, err := c.ListResources(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("read the apply lock (GET /api/resources): %w", err)
	}
	for _, r := range resources {
		if r.Indicator == LockIndicator {
			info, ok := parseLock(r)
			return &info, ok, nil
		}
	}
	return nil, false, nil
}

func startLock(c *logto.Client, lease time.Duration, info LockInfo, sent time.Time) *Lock {
	l := &Lock{c: c, lease: lease, info: info, renewed: sent, stop: make(chan struct{}), stopped: make(chan struct{})}
	go l.heartbeat()
	return l
}

// Info describes the held lock.
func (l *Lock) Info() LockInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.info
}

// margin is how much of the lease the holder keeps in reserve against clock
// skew and slow requests: it stops writing once less than this is left.
func (l *Lock) margin() time.Duration { return l.lease / 4 }

// heartbeat renews the lease every third of it until Release.
func (l *Lock) heartbeat() {
	defer close(l.stopped)
	t := time.NewTicker(l.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.renew()
		}
	}
}

// renew extends the lease by renaming this lock instance. A 404 means the
// instance is gone (taken over after expiry, or force-unlocked).
func (l *Lock) renew() {
	l.mu.Lock()
	if l.lost != nil {
		l.mu.Unlock()
		return
	}
	info := l.info
	l.mu.Unlock()
	sent := time.Now()
	info.Expires = time.Now().UTC().Truncate(time.Millisecond).Add(l.lease)
	ctx, cancel := context.WithTimeout(context.Background(), l.lease/3)
	defer cancel()
	_, err := l.c.UpdateResourceName(ctx, info.ResourceID, info.name())
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil:
		l.info.Expires, l.renewed = info.Expires, sent
	case logto.IsNotFound(err):
		l.lost = fmt.Errorf("%w: the lock resource %s is gone (force-unlocked, or taken over after the lease ran out)", ErrLockLost, info.ResourceID)
	}
	// Other errors: the next heartbeat tries again; Check fails once the
	// lease is too close to its end.
}

// Check reports whether the lock is still held, with enough of its lease
// left to make one more step: it reads the lock resource and compares the
// nonce in its name. Call it before every stage and every record write;
// once it fails the holder must stop sending writes.
func (l *Lock) Check(ctx context.Context) error {
	l.mu.Lock()
	info, renewed, lost := l.info, l.renewed, l.lost
	l.mu.Unlock()
	if lost != nil {
		return lost
	}
	if left := time.Until(renewed.Add(l.lease)); left < l.margin() {
		l.markLost(fmt.Errorf("%w: its lease could not be renewed in time (%s left of %s)", ErrLockLost, left.Round(time.Millisecond), l.lease))
		return l.lostErr()
	}
	r, err := l.c.GetResource(ctx, info.ResourceID)
	if logto.IsNotFound(err) {
		l.markLost(fmt.Errorf("%w: the lock resource %s is gone (force-unlocked, or taken over after the lease ran out)", ErrLockLost, info.ResourceID))
		return l.lostErr()
	}
	if err != nil {
		return fmt.Errorf("check the apply lock: %w", err)
	}
	if cur, ok := parseLock(*r); !ok || cur.ID != info.ID {
		l.markLost(fmt.Errorf("%w: the lock resource now names another holder", ErrLockLost))
		return l.lostErr()
	}
	return nil
}

func (l *Lock) markLost(err error) {
	l.mu.Lock()
	if l.lost == nil {
		l.lost = err
	}
	l.mu.Unlock()
}

func (l *Lock) lostErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Release stops the heartbeat and deletes the lock instance (when it is
// still this holder's). It is safe to call more than once.
func (l *Lock) Release(ctx context.Context) error {
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	l.released = true
	l.mu.Unlock()
	close(l.stop)
	<-l.stopped
	if l.lostErr() != nil {
		return nil // not ours any more
	}
	err := l.c.DeleteResource(ctx, l.info.ResourceID)
	if err != nil && !logto.HasCode(err, logto.CodeNotExistsWithID) {
		return fmt.Errorf("release the apply lock: %w (it expires by itself at %s)", err, l.Info().Expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// CurrentLock returns the lock as it is in the tenant, or nil when nobody
// holds it.
func CurrentLock(ctx context.Context, c *logto.Client) (*LockInfo, error) {
	info, _, err := findLock(ctx, c)
	return info, err
}

// ForceUnlock deletes the lock whose ID is id. A lock with another ID (the
// one meant was released and another run holds the lock now) is left alone
// and reported.
func ForceUnlock(ctx context.Context, c *logto.Client, id string) (*LockInfo, error) {
	cur, ok, err := findLock(ctx, c)
	if err != nil {
		return nil, err
	}
	switch {
	case cur == nil:
		return nil, fmt.Errorf("no apply lock is held: nothing to unlock")
	case !ok && id != cur.ResourceID:
		return cur, fmt.Errorf("the lock resource %s does not carry an orgsync lock ID; to remove it, give its resource id: orgsync force-unlock %s", cur.ResourceID, cur.ResourceID)
	case ok && cur.ID != id:
		return cur, fmt.Errorf("the apply lock is held under another ID now (%s): nothing was unlocked", cur)
	}
	if err := c.DeleteResource(ctx, cur.ResourceID); err != nil && !logto.HasCode(err, logto.CodeNotExistsWithID) {
		return cur, fmt.Errorf("delete the lock resource %s: %w", cur.ResourceID, err)
	}
	return cur, nil
}
