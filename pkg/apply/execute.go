package apply

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

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
}

// Result says exactly what an Execute did. Every operation of the plan is in
// exactly one of Done, Failed and NotStarted, each in plan order.
type Result struct {
	Done       []diff.Operation
	Failed     []OpError
	NotStarted []diff.Operation
	// IDs maps the Produces names of the creates that happened to their ids.
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
	return fmt.Sprintf("%s: %s %s: %v", e.Op.Address, e.Op.Method, e.Op.Path, e.Err)
}

// Execute carries out p against the tenant, stage by stage: the operations
// of a stage run concurrently (at most Parallelism at a time) and a stage
// starts only when the previous one fully succeeded. "${ref}" references in
// paths and bodies are replaced by the ids earlier creates produced.
//
// A 404 answer to a NotFoundOK operation counts as done. A create whose
// outcome is unknown (dropped connection, timeout, 5xx) is not retried: when
// it has Recover, the executor looks for the object and, if it is there,
// takes it as created.
//
// The ownership record (starting from live.Record) follows the progress: the
// record edits of each successful operation are applied and the record is
// written after every stage, and at the end with p.RecordEdits applied, so
// that an interrupted apply leaves a truthful record.
//
// When ctx is cancelled no new operation starts; running ones finish, the
// record is written and the Result says what was done and what was not.
// Execute always returns a Result; the error is non-nil when an operation
// failed, the apply was interrupted or the record could not be written.
func Execute(ctx context.Context, c *logto.Client, p *diff.Plan, live *state.Live, opts ExecOptions) (*Result, error) {
	e := &executor{
		c:       c,
		plan:    p,
		par:     cmp.Or(opts.Parallelism, DefaultExecParallelism),
		notify:  opts.Notify,
		ids:     map[string]string{},
		refs:    map[string]bool{},
		status:  make([]opStatus, len(p.Operations)),
		errs:    make([]error, len(p.Operations)),
		record:  NormalizeRecord(live.Record),
		written: NormalizeRecord(live.Record),
		serial:  live.Record.Serial,
	}
	for _, op := range p.Operations {
		if op.Produces != "" {
			e.refs[op.Produces] = true
		}
	}
	// Stable order by stage; the plan should already be ordered.
	order := make([]int, len(p.Operations))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return p.Operations[a].Stage - p.Operations[b].Stage })

	// Writes that must happen even after cancellation use this context.
	bg := context.WithoutCancel(ctx)
	defer e.release(bg)
	if len(order) > 0 {
		if err := e.acquire(ctx); err != nil {
			res, _ := e.result(ctx, nil)
			return res, err
		}
	}
	var recordErr error
	for start := 0; start < len(order); {
		end := start
		for end < len(order) && p.Operations[order[end]].Stage == p.Operations[order[start]].Stage {
			end++
		}
		e.runStage(ctx, order[start:end])
		failed := slices.ContainsFunc(order[start:end], func(i int) bool { return e.status[i] == opFailed })
		if recordErr = e.writeRecord(bg); recordErr != nil || failed || ctx.Err() != nil {
			break
		}
		start = end
	}
	if recordErr == nil {
		e.applyEdits(p.RecordEdits)
		recordErr = e.writeRecord(bg)
	}
	return e.result(ctx, recordErr)
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

	notifyMu sync.Mutex

	mu      sync.Mutex // guards ids, status, errs, record
	ids     map[string]string
	refs    map[string]bool // every Produces name of the plan
	status  []opStatus
	errs    []error
	record  state.Record // the record as it should be now, but for pending
	pending []diff.RecordEdit
	written state.Record // the record as last read or written
	serial  int64        // serial of written
	lock    *lockValue   // the apply lock while held
	lockErr error        // why the lock could not be taken
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
	sem := make(chan struct{}, e.par)
	var wg sync.WaitGroup
	for _, i := range idx {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			e.runOp(ctx, i)
		}()
	}
	wg.Wait()
}

func (e *executor) runOp(ctx context.Context, i int) {
	op := e.plan.Operations[i]
	total := len(e.plan.Operations)
	e.emit(Event{Op: op, Index: i + 1, Total: total})
	started := time.Now()
	// A running call is not aborted by cancellation: its outcome would be
	// unknown. The client's own timeouts bound it.
	id, err := e.call(context.WithoutCancel(ctx), op)
	elapsed := time.Since(started)

	e.mu.Lock()
	if err != nil {
		e.status[i], e.errs[i] = opFailed, err
	} else {
		e.status[i] = opDone
		if op.Produces != "" {
			e.ids[op.Produces] = id
		}
		e.applyEditsLocked(op.Record)
	}
	e.mu.Unlock()
	e.emit(Event{Op: op, Index: i + 1, Total: total, Done: err == nil, Err: err, Elapsed: elapsed, ID: id})
}

// call performs one operation and returns the id it produced.
func (e *executor) call(ctx context.Context, op diff.Operation) (string, error) {
	path, err := e.subst(op.Path)
	if err != nil {
		return "", err
	}
	body, err := e.substBody(op.Body)
	if err != nil {
		return "", err
	}
	if op.Recover != nil && !op.Idempotent {
		return e.create(ctx, op, path, body)
	}
	if op.Idempotent {
		ctx = logto.Idempotent(ctx)
	}
	var raw json.RawMessage
	var out any
	if op.Produces != "" {
		out = &raw
	}
	err = e.c.Do(ctx, op.Method, path, body, out)
	switch {
	case err == nil:
		if op.Produces == "" {
			return "", nil
		}
		return producedID(raw)
	case op.NotFoundOK && isLogtoNotFound(err):
		return "", nil
	case op.Recover != nil && outcomeUnknown(err):
		id, rerr := e.recoverCreate(ctx, op.Recover)
		if rerr != nil {
			return "", fmt.Errorf("%w; %w", err, rerr)
		}
		return id, nil
	}
	return "", err
}

// createAttempts bounds how often a create is sent: it is sent again only
// when Logto answered 429 or 5xx and recovery then showed that the object
// was not created.
const createAttempts = 5

// createRetryWait is the wait before the second sending of a create; it
// doubles with every further one.
var createRetryWait = 200 * time.Millisecond

// create performs a non-idempotent create that has Recover. The client does
// not retry it (logto.Unretried); when the answer leaves the outcome unknown
// (no answer, 5xx, or 429, which proxies in front of Logto may send after
// the request was processed), recovery looks for the object first, and the
// create is sent again only when Logto answered and the object is not there.
// Without an answer (dropped connection, timeout) the request may still be
// running on the server, so it is not sent again: the apply fails and the
// next plan finds the object if it was made.
func (e *executor) create(ctx context.Context, op diff.Operation, path string, body any) (string, error) {
	for attempt := 1; ; attempt++ {
		var raw json.RawMessage
		err := e.c.Do(logto.Unretried(ctx), op.Method, path, body, &raw)
		if err == nil {
			return producedID(raw)
		}
		var le *logto.Error
		answered := errors.As(err, &le) && (le.StatusCode == http.StatusTooManyRequests || le.StatusCode >= 500)
		if !answered && !outcomeUnknown(err) {
			return "", err
		}
		id, rerr := e.recoverCreate(ctx, op.Recover)
		if rerr == nil {
			return id, nil
		}
		if !answered || !errors.Is(rerr, errNotCreated) || attempt >= createAttempts {
			return "", fmt.Errorf("%w; %w", err, rerr)
		}
		time.Sleep(createRetryWait << (attempt - 1))
	}
}

// errNotCreated is wrapped by recoverCreate's error when the object is not
// there.
var errNotCreated = errors.New("it was not created")

// producedID extracts the "id" of a create's JSON response.
func producedID(raw json.RawMessage) (string, error) {
	var obj struct {
		ID any `json:"id"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("the response is not a JSON object with an id: %w", err)
	}
	id, ok := obj.ID.(string)
	if !ok || id == "" {
		return "", fmt.Errorf("the response has no id: %s", truncateText(string(raw), 200))
	}
	return id, nil
}

// isLogtoNotFound is a 404 carrying a Logto error code. A bare 404 (no code)
// may come from a route that does not exist or from Logto's answer to an
// oversized body (logto-api.md §16): it does not prove the target is gone.
func isLogtoNotFound(err error) bool {
	var le *logto.Error
	return errors.As(err, &le) && le.StatusCode == http.StatusNotFound && le.Code != ""
}

// outcomeUnknown reports whether a failed call may still have taken effect:
// no answer at all (dropped connection, timeout) or a server error.
func outcomeUnknown(err error) bool {
	var le *logto.Error
	if errors.As(err, &le) {
		return le.StatusCode >= 500
	}
	return true
}

// recoverPageSize is the page size of recovery listings (Logto's maximum).
const recoverPageSize = 100

// recoverCreate looks for the object a create with an unknown outcome may
// have made. Exactly one candidate is the object; none means the create did
// not happen; several are an error for a human.
func (e *executor) recoverCreate(ctx context.Context, r *diff.Recover) (string, error) {
	listPath, err := e.subst(r.ListPath)
	if err != nil {
		return "", err
	}
	exclude := map[string]bool{}
	for _, id := range r.ExcludeIDs {
		exclude[id] = true
	}
	base, rawQuery, _ := strings.Cut(listPath, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("recovery path %q: %w", listPath, err)
	}
	paged := q.Get("page") == "" && q.Get("page_size") == ""
	seen := map[string]bool{}
	var found []string
	for page := 1; ; page++ {
		path := listPath
		if paged {
			q.Set("page", strconv.Itoa(page))
			q.Set("page_size", strconv.Itoa(recoverPageSize))
			path = base + "?" + q.Encode()
		}
		var items []map[string]any
		if err := e.c.Do(ctx, http.MethodGet, path, nil, &items); err != nil {
			return "", fmt.Errorf("could not check whether it was created (GET %s): %w; check by hand, then re-run plan", base, err)
		}
		fresh := 0
		for _, item := range items {
			id, _ := item["id"].(string)
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			fresh++
			if !exclude[id] && fieldEquals(item[r.Field], r.Value) {
				found = append(found, id)
			}
		}
		// Stop on a short page, or when a server ignoring the page
		// parameters answers with rows already seen.
		if !paged || len(items) < recoverPageSize || fresh == 0 {
			break
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w (no %s = %q in GET %s); re-run apply", errNotCreated, r.Field, r.Value, base)
	case 1:
		return found[0], nil
	}
	slices.Sort(found)
	return "", fmt.Errorf("its outcome is unknown and several new objects have %s = %q (%s): remove the extra ones, then re-run plan",
		r.Field, r.Value, strings.Join(found, ", "))
}

func fieldEquals(v any, want string) bool {
	switch v := v.(type) {
	case string:
		return v == want
	case nil:
		return false
	default:
		return fmt.Sprint(v) == want
	}
}

// subst replaces the "${ref}" references of s that name a Produces of the
// plan. A reference to a create that did not happen is an error; text that
// merely looks like a reference is left alone.
func (e *executor) subst(s string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		rest := s[i+2:]
		matched := false
		for j := 0; j < len(rest); j++ {
			if rest[j] != '}' || !e.refs[rest[:j]] {
				continue
			}
			id, ok := e.ids[rest[:j]]
			if !ok {
				return "", fmt.Errorf("reference ${%s} is unresolved: the operation that creates it did not succeed", rest[:j])
			}
			b.WriteString(id)
			s = rest[j+1:]
			matched = true
			break
		}
		if !matched {
			b.WriteString("${")
			s = rest
		}
	}
}

// substBody returns a copy of body (as generic JSON) with references replaced.
func (e *executor) substBody(body any) (any, error) {
	if body == nil {
		return nil, nil
	}
	js, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode the request body: %w", err)
	}
	if !bytes.Contains(js, []byte("${")) {
		return json.RawMessage(js), nil
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode the request body: %w", err)
	}
	return e.substValue(v)
}

func (e *executor) substValue(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return e.subst(v)
	case []any:
		for i := range v {
			s, err := e.substValue(v[i])
			if err != nil {
				return nil, err
			}
			v[i] = s
		}
		return v, nil
	case map[string]any:
		for k := range v {
			s, err := e.substValue(v[k])
			if err != nil {
				return nil, err
			}
			v[k] = s
		}
		return v, nil
	}
	return v, nil
}

// applyEdits queues record edits; they are applied (diff.ApplyRecordEdits)
// in one pass before the next record write.
func (e *executor) applyEdits(edits []diff.RecordEdit) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.applyEditsLocked(edits)
}

func (e *executor) applyEditsLocked(edits []diff.RecordEdit) {
	e.pending = append(e.pending, edits...)
}

// resolveLocked resolves a whole "${ref}" to the id a successful create
// produced; anything else is returned as is (an unresolved reference stays a
// reference, and diff.ApplyRecordEdits skips its edit).
func (e *executor) resolveLocked(s string) string {
	key, ok := strings.CutPrefix(s, "${")
	if !ok || !strings.HasSuffix(key, "}") {
		return s
	}
	if id, ok := e.ids[key[:len(key)-1]]; ok {
		return id
	}
	return s
}

// writeRecord writes the record when it changed since the last write.
func (e *executor) writeRecord(ctx context.Context) error {
	e.mu.Lock()
	diff.ApplyRecordEdits(&e.record, e.pending, e.resolveLocked)
	e.pending = nil
	rec := NormalizeRecord(e.record)
	e.mu.Unlock()
	rec.Serial = e.serial
	if reflect.DeepEqual(rec, e.written) {
		return nil
	}
	if err := e.acquire(ctx); err != nil {
		return err
	}
	if err := writeRecord(ctx, e.c, rec, e.serial, e.lock); err != nil {
		return err
	}
	e.serial++
	rec.Serial = e.serial
	e.written = rec
	return nil
}

func (e *executor) result(ctx context.Context, recordErr error) (*Result, error) {
	res := &Result{IDs: e.ids, Record: e.written}
	for i, op := range e.plan.Operations {
		switch e.status[i] {
		case opDone:
			res.Done = append(res.Done, op)
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

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
