package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// DefaultExecParallelism is how many operations of one stage Execute runs at
// once by default.
const DefaultExecParallelism = 4

// Event reports the progress of one operation. Each operation that starts
// gets an event when it starts (Done false, Err nil) and one when it ends
// (Done true, or Err set).
type Event struct {
	Op diff.Operation
	// Index is the operation's 1-based position in the plan's Operations;
	// Total is their number.
	Index, Total int
	Done         bool
	Err          error
	Elapsed      time.Duration
	// ID is the id the operation produced (creates), or recovered.
	ID string
}

// ExecOptions steer Execute.
type ExecOptions struct {
	// Parallelism bounds the concurrent operations of one stage (default
	// DefaultExecParallelism).
	Parallelism int
	// Notify, when set, receives progress events, one call at a time.
	Notify func(Event)
	// Lock is the apply lock, taken before the tenant was read for the
	// plan. Execute checks it before every stage and every record write
	// and stops when it is lost. Required unless the plan writes nothing.
	Lock *Lock
	// Version and Commit describe the apply in the record's LastApply: the
	// orgsync version, and the configuration's commit when known.
	Version, Commit string
}

// Result says exactly what an Execute did. Every operation of the plan is in
// exactly one of Done, Failed and NotStarted, each in plan order.
type Result struct {
	Done []diff.Operation
	// DoneIndexes are the indexes in the plan's Operations of Done.
	DoneIndexes []int
	Failed      []OpError
	NotStarted  []diff.Operation
	// IDs maps the Produces keys of the creates that happened to their ids.
	IDs map[string]string
	// Record is the ownership record as last written (or as read, when
	// nothing had to change).
	Record state.Record
}

// OpError is an operation that failed and why.
type OpError struct {
	Op  diff.Operation
	Err error
}

func (e OpError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Op.Address, e.Op.Kind(), e.Err)
}

// Execute carries out p against the tenant, stage by stage: the operations
// of a stage run concurrently (at most Parallelism at a time) and a stage
// starts only when the previous one fully succeeded. Each operation is one
// typed client call (see call); references to objects created earlier in
// the apply are resolved to the ids those creates produced.
//
// A delete answered 404 by Logto counts as done. A create whose outcome is
// unknown (dropped connection, timeout, 5xx, 429) is not sent again
// blindly: the executor first looks for the object by name and, if it is
// there, takes it as created.
//
// The ownership record (live.Record, stored where live.RecordStorage says)
// is written at most twice: before the first change it announces the
// creates (intents) and the memberships the plan adds, so that an apply
// that dies half-way leaves nothing unmanaged behind; at the end it holds
// exactly what was done, plus p.RecordEdits (also after a partial failure).
// Both writes, and every stage, first check that opts.Lock is still held
// (the first stage through the announcement's check, made just before):
// once it is lost nothing more is sent.
//
// When ctx is cancelled no new operation starts; running ones finish, the
// record is written and the Result says what was done and what was not.
// Execute always returns a Result; the error is non-nil when an operation
// failed, the apply was interrupted, the lock was lost or the record could
// not be written.
func Execute(ctx context.Context, c *logto.Client, p *diff.Plan, live *state.Live, opts ExecOptions) (*Result, error) {
	e := &executor{
		c:       c,
		plan:    p,
		par:     cmp.Or(opts.Parallelism, DefaultExecParallelism),
		notify:  opts.Notify,
		lock:    opts.Lock,
		ids:     map[string]string{},
		status:  make([]opStatus, len(p.Operations)),
		errs:    make([]error, len(p.Operations)),
		base:    NormalizeRecord(live.Record),
		written: NormalizeRecord(live.Record),
		storage: live.RecordStorage,
		began:   time.Now(),
		version: opts.Version,
		commit:  opts.Commit,
	}
	// Writes that must happen even after cancellation use this context.
	bg := context.WithoutCancel(ctx)
	if e.lock == nil && (len(p.Operations) > 0 || len(p.RecordEdits) > 0 || len(p.Applied) > 0) {
		return e.result(ctx, errors.New("apply: the plan changes the tenant, but the apply lock is not held (take it with AcquireLock before reading the tenant)"))
	}
	// Stable order by stage; the plan should already be ordered.
	order := make([]int, len(p.Operations))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return p.Operations[a].Stage - p.Operations[b].Stage })

	announced, err := e.announce(bg)
	if err != nil {
		return e.result(ctx, err)
	}
	var stopErr error
	for start := 0; start < len(order); {
		end := start
		for end < len(order) && p.Operations[order[end]].Stage == p.Operations[order[start]].Stage {
			end++
		}
		if ctx.Err() != nil {
			break
		}
		// The announcement's write has just checked the lock: the first
		// stage needs no second read of it.
		if start > 0 || !announced {
			if err := e.lock.Check(ctx); err != nil {
				stopErr = fmt.Errorf("stopped before stage %d: %w", p.Operations[order[start]].Stage, err)
				break
			}
		}
		e.runStage(ctx, order[start:end])
		if slices.ContainsFunc(order[start:end], func(i int) bool { return e.status[i] == opFailed }) {
			break
		}
		start = end
	}
	recordErr := e.writeFinal(bg)
	return e.result(ctx, errors.Join(stopErr, recordErr))
}

type opStatus int

const (
	opNotStarted opStatus = iota
	opDone
	opFailed
)

type executor struct {
	c      *logto.Client
	plan   *diff.Plan
	par    int
	notify func(Event)
	lock   *Lock
	began  time.Time

	notifyMu sync.Mutex

	mu      sync.Mutex // guards ids, status, errs
	ids     map[string]string
	status  []opStatus
	errs    []error
	base    state.Record        // the record as read
	version string              // of orgsync, for the record's LastApply
	commit  string              // of the configuration, when given
	written state.Record        // the record as last written (or read)
	storage state.RecordStorage // where written is stored
}

func (e *executor) emit(ev Event) {
	if e.notify == nil {
		return
	}
	e.notifyMu.Lock()
	defer e.notifyMu.Unlock()
	e.notify(ev)
}

// runStage runs the operations at plan indexes idx, at most e.par at a time.
// Once ctx is cancelled no further operation starts.
func (e *executor) runStage(ctx context.Context, idx []int) {
	var g errgroup.Group
	g.SetLimit(e.par)
	for _, i := range idx {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() == nil {
				e.runOp(ctx, i)
			}
			return nil
		})
	}
	_ = g.Wait()
}

func (e *executor) runOp(ctx context.Context, i int) {
	op := e.plan.Operations[i]
	total := len(e.plan.Operations)
	e.emit(Event{Op: op, Index: i + 1, Total: total})
	started := time.Now()
	// A running call is not aborted by cancellation: its outcome would be
	// unknown. The client's own timeouts bound it. Waits between the
	// attempts of a create do end on cancellation.
	id, err := e.call(context.WithoutCancel(ctx), ctx, op)
	elapsed := time.Since(started)

	e.mu.Lock()
	if err != nil {
		e.status[i], e.errs[i] = opFailed, err
	} else {
		e.status[i] = opDone
		if key := op.Produces(); key != "" {
			e.ids[key] = id
		}
	}
	e.mu.Unlock()
	e.emit(Event{Op: op, Index: i + 1, Total: total, Done: err == nil, Err: err, Elapsed: elapsed, ID: id})
}

// call performs one typed operation and returns the id it produced. Each
// kind maps to exactly one typed client call; an operation of any other
// kind cannot be sent.
func (e *executor) call(ctx, wait context.Context, op diff.Operation) (string, error) {
	c := e.c
	switch p := op.Params.(type) {
	case diff.CreatePermission:
		return e.create(ctx, wait, op, func(ctx context.Context) (string, error) {
			s, err := c.CreateOrganizationScope(ctx, p.Name, optional(p.Description))
			return idOf(s, err, func(s *logto.OrganizationScope) string { return s.ID })
		}, func(ctx context.Context) ([]string, error) {
			found, err := c.FindOrganizationScopesByName(ctx, p.Name)
			return ids(found, func(s logto.OrganizationScope) string { return s.ID }), err
		})
	case diff.UpdatePermission:
		return "", e.with(p.Permission, func(id string) error {
			_, err := c.UpdateOrganizationScope(ctx, id, patch(map[string]any{}, p.Name, p.Description))
			return err
		})
	case diff.DeletePermission:
		return "", e.with(p.Permission, func(id string) error { return gone(c.DeleteOrganizationScope(ctx, id)) })
	case diff.CreateRole:
		perms, err := e.resolveAll(p.Permissions)
		if err != nil {
			return "", err
		}
		scopes, err := e.resolveAll(p.APIPermissions)
		if err != nil {
			return "", err
		}
		in := logto.CreateOrganizationRole{Name: p.Name, Description: optional(p.Description), Type: p.Type,
			OrganizationScopeIDs: perms, ResourceScopeIDs: scopes}
		return e.create(ctx, wait, op, func(ctx context.Context) (string, error) {
			r, err := c.CreateOrganizationRole(ctx, in)
			return idOf(r, err, func(r *logto.OrganizationRole) string { return r.ID })
		}, func(ctx context.Context) ([]string, error) {
			// Logto 1.37 keeps the role when the create answers 422 on a scope id.
			found, err := c.FindOrganizationRolesByName(ctx, p.Name)
			return ids(found, func(r logto.OrganizationRole) string { return r.ID }), err
		})
	case diff.UpdateRole:
		body := patch(map[string]any{}, p.Name, p.Description)
		if p.Type != nil {
			body["type"] = *p.Type
		}
		return "", e.with(p.Role, func(id string) error {
			_, err := c.UpdateOrganizationRole(ctx, id, body)
			return err
		})
	case diff.SetRolePermissions:
		return "", e.withAll(p.Role, p.Permissions, func(id string, perms []string) error {
			return c.SetOrganizationRoleScopes(ctx, id, perms)
		})
	case diff.SetRoleAPIPermissions:
		return "", e.withAll(p.Role, p.APIPermissions, func(id string, scopes []string) error {
			return c.SetOrganizationRoleResourceScopes(ctx, id, scopes)
		})
	case diff.DeleteRole:
		return "", e.with(p.Role, func(id string) error { return gone(c.DeleteOrganizationRole(ctx, id)) })
	case diff.CreateOrganization:
		in := logto.CreateOrganization{Name: p.Name, Description: p.Description, IsMfaRequired: p.MFARequired,
			Branding: logtoBranding(p.Branding), Color: logtoColor(p.Color), CustomCSS: p.CustomCSS}
		if cd, ok := p.CustomData.(map[string]any); ok {
			in.CustomData = cd
		}
		exclude := map[string]bool{}
		for _, id := range p.SameName {
			exclude[id] = true
		}
		return e.create(ctx, wait, op, func(ctx context.Context) (string, error) {
			o, err := c.CreateOrganization(ctx, in)
			return idOf(o, err, func(o *logto.Organization) string { return o.ID })
		}, func(ctx context.Context) ([]string, error) {
			found, err := c.FindOrganizationsByName(ctx, p.Name)
			var out []string
			for _, o := range found {
				if !exclude[o.ID] {
					out = append(out, o.ID)
				}
			}
			return out, err
		})
	case diff.UpdateOrganization:
		body := patch(map[string]any{}, p.Name, p.Description)
		if p.CustomData != nil {
			body["customData"] = p.CustomData
		}
		if p.MFARequired != nil {
			body["isMfaRequired"] = *p.MFARequired
		}
		brandingPatch(body, p)
		return "", e.with(p.Organization, func(id string) error {
			_, err := c.UpdateOrganization(ctx, id, body)
			return err
		})
	case diff.DeleteOrganization:
		return "", e.with(p.Organization, func(id string) error { return gone(c.DeleteOrganization(ctx, id)) })
	case diff.AddMembers:
		return "", e.with(p.Organization, func(org string) error { return c.AddOrganizationUsers(ctx, org, p.Users) })
	case diff.AssignMemberRoles:
		return "", e.withAll(p.Organization, p.Roles, func(org string, roles []string) error {
			return c.AssignOrganizationUsersRoles(ctx, org, p.Users, roles)
		})
	case diff.SetMemberRoles:
		return "", e.withAll(p.Organization, p.Roles, func(org string, roles []string) error {
			return c.SetOrganizationUserRoles(ctx, org, p.User, roles)
		})
	case diff.RemoveMember:
		return "", e.with(p.Organization, func(org string) error { return gone(c.RemoveOrganizationUser(ctx, org, p.User)) })
	case diff.AddApplications:
		return "", e.with(p.Organization, func(org string) error { return c.AddOrganizationApplications(ctx, org, p.Applications) })
	case diff.AssignApplicationRoles:
		return "", e.withAll(p.Organization, p.Roles, func(org string, roles []string) error {
			return c.AssignOrganizationApplicationsRoles(ctx, org, p.Applications, roles)
		})
	case diff.RemoveApplicationRole:
		return "", e.withAll(p.Organization, []diff.Ref{p.Role}, func(org string, role []string) error {
			return gone(c.RemoveOrganizationApplicationRole(ctx, org, p.Application, role[0]))
		})
	case diff.RemoveApplication:
		return "", e.with(p.Organization, func(org string) error {
			return gone(c.RemoveOrganizationApplication(ctx, org, p.Application))
		})
	case diff.SetJITEmailDomains:
		return "", e.with(p.Organization, func(org string) error { return c.SetJITEmailDomains(ctx, org, p.EmailDomains) })
	case diff.SetJITRoles:
		return "", e.withAll(p.Organization, p.Roles, func(org string, roles []string) error {
			return c.SetJITRoles(ctx, org, roles)
		})
	case diff.SetJITSSOConnectors:
		return "", e.with(p.Organization, func(org string) error { return c.SetJITSSOConnectors(ctx, org, p.SSOConnectors) })
	case diff.CreateInvitation:
		var id string
		err := e.withAll(p.Organization, p.Roles, func(org string, roles []string) error {
			inv, err := c.CreateInvitation(ctx, logto.CreateInvitation{Invitee: p.Invitee, OrganizationID: org,
				ExpiresAt: p.ExpiresAt, OrganizationRoleIDs: roles})
			id, err = idOf(inv, err, func(inv *logto.Invitation) string { return inv.ID })
			return err
		})
		return id, err
	case diff.SendInvitationMessage:
		return "", e.with(p.Invitation, func(id string) error {
			return invitationMessageError(c.SendInvitationMessage(ctx, id, invitationPayload(p.Link, id)), id, p.Invitee)
		})
	case diff.RevokeInvitation:
		_, err := c.SetInvitationStatus(ctx, p.Invitation, logto.InvitationRevoked, "")
		return "", revokedAlready(err)
	}
	return "", fmt.Errorf("operation kind %T is not one orgsync carries out", op.Params)
}

// with resolves ref and calls f with the id.
func (e *executor) with(ref diff.Ref, f func(id string) error) error {
	id, err := e.resolve(ref)
	if err != nil {
		return err
	}
	return f(id)
}

// withAll resolves ref and refs and calls f with the ids.
func (e *executor) withAll(ref diff.Ref, refs []diff.Ref, f func(id string, ids []string) error) error {
	id, err := e.resolve(ref)
	if err != nil {
		return err
	}
	ids, err := e.resolveAll(refs)
	if err != nil {
		return err
	}
	return f(id, ids)
}

// resolve returns the id a reference stands for: a live id as it is, or
// the id an earlier create of this apply produced.
func (e *executor) resolve(r diff.Ref) (string, error) {
	key, isRef := r.Key()
	if !isRef {
		return string(r), nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	id, ok := e.ids[key]
	if !ok {
		return "", fmt.Errorf("%s is unresolved: the operation that creates it did not succeed", r)
	}
	return id, nil
}

func (e *executor) resolveAll(refs []diff.Ref) ([]string, error) {
	out := make([]string, len(refs))
	for i, r := range refs {
		id, err := e.resolve(r)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

// patch fills the name and description fields of an update body: a nil
// pointer is not sent, an empty description is sent as null.
func patch(body map[string]any, name, description *string) map[string]any {
	if name != nil {
		body["name"] = *name
	}
	if description != nil {
		if *description == "" {
			body["description"] = nil
		} else {
			body["description"] = *description
		}
	}
	return body
}

// optional is nil for "" and a pointer to s otherwise.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// idOf returns the id of a created object.
func idOf[T any](obj *T, err error, id func(*T) string) (string, error) {
	if err != nil {
		return "", err
	}
	if obj == nil || id(obj) == "" {
		return "", errors.New("the create was answered without an id")
	}
	return id(obj), nil
}

func ids[T any](list []T, id func(T) string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		out = append(out, id(v))
	}
	return out
}

// gone treats a 404 carrying a Logto error code as success: the object or
// relation a delete removes is already gone. A bare 404 (no code) may come
// from a route that does not exist or from Logto's answer to an oversized
// body (logto-api.md §16): it does not prove the target is gone.
func gone(err error) error {
	var le *logto.Error
	if errors.As(err, &le) && le.StatusCode == http.StatusNotFound && le.Code != "" {
		return nil
	}
	return err
}

// createAttempts bounds how often a create is sent: it is sent again only
// when Logto answered 429 or 5xx and recovery then showed that the object
// was not created.
const createAttempts = 5

// createRetryWait is the wait before the second sending of a create; it
// doubles with every further one.
var createRetryWait = 200 * time.Millisecond

// create performs a non-idempotent create. The client does not retry it
// (logto.Unretried); when the answer leaves the outcome unknown (no answer,
// 5xx, or 429, which proxies in front of Logto may send after the request
// was processed), find looks for the object first, and the create is sent
// again only when Logto answered and the object is not there. Without an
// answer (dropped connection, timeout) the request may still be running on
// the server, so it is not sent again: the apply fails and the next plan
// finds the object if it was made. Waits between attempts end early when
// wait is cancelled.
func (e *executor) create(ctx, wait context.Context, op diff.Operation, send func(context.Context) (string, error),
	find func(context.Context) ([]string, error)) (string, error) {
	for attempt := 1; ; attempt++ {
		id, err := send(logto.Unretried(ctx))
		if err == nil {
			return id, nil
		}
		var le *logto.Error
		answered := errors.As(err, &le) && (le.StatusCode == http.StatusTooManyRequests || le.StatusCode >= 500)
		if !answered && !outcomeUnknown(err) {
			return "", err
		}
		id, rerr := recoverCreate(ctx, op, find)
		if rerr == nil {
			return id, nil
		}
		if !answered || !errors.Is(rerr, errNotCreated) || attempt >= createAttempts {
			return "", fmt.Errorf("%w; %w", err, rerr)
		}
		if err := sleep(wait, createRetryWait<<(attempt-1)); err != nil {
			return "", fmt.Errorf("%w; not sent again: %w", rerr, err)
		}
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// errNotCreated is wrapped by recoverCreate's error when the object is not
// there.
var errNotCreated = errors.New("it was not created")

// outcomeUnknown reports whether a failed call may still have taken effect:
// no answer at all (dropped connection, timeout) or a server error.
func outcomeUnknown(err error) bool {
	var le *logto.Error
	if errors.As(err, &le) {
		return le.StatusCode >= 500
	}
	return true
}

// recoverCreate looks for the object a create with an unknown outcome may
// have made. Exactly one candidate is the object; none means the create did
// not happen; several are an error for a human.
func recoverCreate(ctx context.Context, op diff.Operation, find func(context.Context) ([]string, error)) (string, error) {
	found, err := find(ctx)
	if err != nil {
		return "", fmt.Errorf("could not check whether it was created: %w; check by hand, then re-run plan", err)
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w (no %s of that name exists); re-run apply", errNotCreated, op.Kind())
	case 1:
		return found[0], nil
	}
	slices.Sort(found)
	return "", fmt.Errorf("its outcome is unknown and several new objects have its name (%s): remove the extra ones, then re-run plan",
		strings.Join(found, ", "))
}

// announce writes, before the first change, the record the apply may leave
// if it dies half-way: the creates it is about to send (as intents, found
// by name by the next plan) and the memberships it adds to organizations
// that exist.
func (e *executor) announce(ctx context.Context) (wrote bool, err error) {
	var intents []state.Intent
	hasJoins := false
	for _, op := range e.plan.Operations {
		if in, ok := op.Intent(e.began.UnixMilli()); ok {
			intents = append(intents, in)
		}
		switch op.Params.(type) {
		case diff.AddMembers, diff.AddApplications:
			hasJoins = true
		}
	}
	if len(intents) == 0 && !hasJoins {
		return false, nil
	}
	rec := diff.CopyRecord(e.base)
	rec.Intents = append(rec.Intents, intents...)
	// The joins' edits are applied as they are made, not gathered first;
	// edits on organizations still to be created are skipped.
	diff.ApplyRecordEditSeq(&rec, func(yield func(diff.RecordEdit) bool) {
		for _, op := range e.plan.Operations {
			switch op.Params.(type) {
			case diff.AddMembers, diff.AddApplications:
				for _, ed := range op.RecordEdits() {
					if !yield(ed) {
						return
					}
				}
			}
		}
	}, nil)
	return e.write(ctx, NormalizeRecord(rec))
}

// writeFinal writes the record as the apply leaves it: what was read, the
// edits of every operation that succeeded, the plan's own edits, and the
// intents of the creates that failed (their outcome may be unknown).
func (e *executor) writeFinal(ctx context.Context) error {
	e.mu.Lock()
	rec := diff.CopyRecord(e.base)
	for i, op := range e.plan.Operations {
		if e.status[i] == opFailed {
			if in, ok := op.Intent(e.began.UnixMilli()); ok {
				rec.Intents = append(rec.Intents, in)
			}
		}
	}
	// The edits of the operations done, then the plan's own, applied as
	// they are made rather than gathered first (one per member).
	diff.ApplyRecordEditSeq(&rec, func(yield func(diff.RecordEdit) bool) {
		for i, op := range e.plan.Operations {
			if e.status[i] != opDone {
				continue
			}
			for _, ed := range op.RecordEdits() {
				if !yield(ed) {
					return
				}
			}
		}
		for _, ed := range e.plan.RecordEdits {
			if !yield(ed) {
				return
			}
		}
	}, e.resolveLocked)
	diff.ApplyAppliedEdits(&rec, e.appliedLocked(), e.resolveLocked)
	e.mu.Unlock()
	stampPermissions(&rec, e.began)
	rec = NormalizeRecord(rec)
	if !sameRecord(rec, e.base) {
		rec.LastApply = state.LastApply{Version: e.version, Commit: e.commit, At: e.began.UnixMilli()}
	}
	_, err := e.write(ctx, rec)
	return err
}

// appliedLocked are the plan's Applied edits whose address every operation
// carried out: an object some operation of which failed or did not run
// keeps what the record said, so that the next plan sees it as it is.
func (e *executor) appliedLocked() []diff.AppliedEdit {
	unfinished := map[string]bool{}
	for i, op := range e.plan.Operations {
		if e.status[i] == opDone {
			continue
		}
		unfinished[op.Address] = true
		for _, a := range op.Covers {
			unfinished[a] = true
		}
	}
	if len(unfinished) == 0 {
		return e.plan.Applied // nothing writes into them
	}
	out := make([]diff.AppliedEdit, 0, len(e.plan.Applied))
	for _, a := range e.plan.Applied {
		if !unfinished[a.Address] {
			out = append(out, a)
		}
	}
	return out
}

// sameRecord reports whether two normalized records (NormalizeRecord) hold
// the same (their serials and last-apply descriptions aside).
func sameRecord(a, b state.Record) bool {
	a.Serial, b.Serial = 0, 0
	a.LastApply, b.LastApply = state.LastApply{}, state.LastApply{}
	return reflect.DeepEqual(a, b)
}

// stampPermissions records when orgsync first knew each managed permission
// it has no time for (created or adopted now, or recorded by a version
// that kept no times): the token impact's grant rule starts from it.
func stampPermissions(rec *state.Record, now time.Time) {
	for _, id := range rec.Permissions {
		if rec.PermissionSince[id] == 0 {
			if rec.PermissionSince == nil {
				rec.PermissionSince = map[string]int64{}
			}
			rec.PermissionSince[id] = now.Truncate(time.Second).UnixMilli()
		}
	}
}

// resolveLocked resolves a whole "${ref}" to the id a successful create
// produced; anything else is returned as is (an unresolved reference stays a
// reference, and diff.ApplyRecordEdits skips its edit).
func (e *executor) resolveLocked(s string) string {
	if key, ok := diff.Ref(s).Key(); ok {
		if id, ok := e.ids[key]; ok {
			return id
		}
	}
	return s
}

// write stores rec, normalized (NormalizeRecord), when it differs from the
// record last written (wrote: it did, after checking the lock).
func (e *executor) write(ctx context.Context, rec state.Record) (wrote bool, err error) {
	rec.Serial = e.written.Serial
	if reflect.DeepEqual(rec, e.written) {
		return false, nil
	}
	storage, serial, err := writeRecord(ctx, e.c, rec, e.storage, e.lock)
	if err != nil {
		return false, err
	}
	rec.Serial = serial
	e.written, e.storage = rec, storage
	return true, nil
}

func (e *executor) result(ctx context.Context, recordErr error) (*Result, error) {
	res := &Result{IDs: e.ids, Record: e.written}
	done := 0
	for i := range e.plan.Operations {
		if e.status[i] == opDone {
			done++
		}
	}
	res.Done, res.DoneIndexes = make([]diff.Operation, 0, done), make([]int, 0, done)
	for i, op := range e.plan.Operations {
		switch e.status[i] {
		case opDone:
			res.Done = append(res.Done, op)
			res.DoneIndexes = append(res.DoneIndexes, i)
		case opFailed:
			res.Failed = append(res.Failed, OpError{Op: op, Err: e.errs[i]})
		default:
			res.NotStarted = append(res.NotStarted, op)
		}
	}
	var errs []error
	if len(res.Failed) > 0 {
		first := res.Failed[0]
		errs = append(errs, fmt.Errorf("%d of %d operations failed (%d done, %d not started); first failure: %w",
			len(res.Failed), len(e.plan.Operations), len(res.Done), len(res.NotStarted), first))
	}
	if ctx.Err() != nil && (len(res.NotStarted) > 0 || len(res.Failed) > 0) {
		errs = append(errs, fmt.Errorf("apply interrupted after %d of %d operations (%d not started): %w",
			len(res.Done), len(e.plan.Operations), len(res.NotStarted), context.Cause(ctx)))
	}
	if recordErr != nil {
		errs = append(errs, fmt.Errorf("the ownership record could not be saved: %w", recordErr))
	}
	return res, errors.Join(errs...)
}
