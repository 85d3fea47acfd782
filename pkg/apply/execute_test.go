package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/logtotest"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

func createScope(stage int, name string) diff.Operation {
	return diff.Operation{Stage: stage, Address: state.PermissionAddress(name), Params: diff.CreatePermission{Name: name}}
}

func ptr[T any](v T) *T { return &v }

func liveRecord(t *testing.T, c *logto.Client) *state.Live {
	t.Helper()
	rec, st, _, err := ReadRecords(context.Background(), c, DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	return &state.Live{Record: rec, RecordStorage: st}
}

// lock takes the apply lock for the test (once: later calls return the
// same lock); it is released when the test ends.
func (tt *testTenant) lock(c *logto.Client) *Lock {
	tt.t.Helper()
	if tt.held != nil {
		return tt.held
	}
	l, err := AcquireLock(context.Background(), c, LockOptions{Info: LockInfo{Operation: "test", Who: tt.t.Name()}})
	if err != nil {
		tt.t.Fatal(err)
	}
	tt.t.Cleanup(func() { l.Release(context.Background()) })
	tt.held = l
	return l
}

func addresses(ops []diff.Operation) []string {
	var out []string
	for _, o := range ops {
		out = append(out, o.Address)
	}
	return out
}

// recorder collects events (Notify is called serially, so no lock is needed
// for correctness; the mutex checks that claim under -race).
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) notify(ev Event) {
	if !r.mu.TryLock() {
		panic("Notify called concurrently")
	}
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func TestExecuteRefsStagesAndRecord(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	tt.cleanupCreated()
	ctx := context.Background()
	u := tt.user(tt.name("alice"))
	perm, role, org := tt.name("read:x"), tt.name("admin"), tt.name("acme")
	roleAddr, orgAddr := state.RoleAddress(role), state.OrganizationAddress("acme")
	memberAddr := state.MemberAddress(orgAddr, u.PrimaryEmail)

	permKey, roleKey, orgKey := "permission:"+perm, "role:"+role, "org:"+orgAddr
	createRole := diff.Operation{Stage: 1, Address: roleAddr, Params: diff.CreateRole{Name: role, Type: state.RoleTypeUser}}
	setScopes := diff.Operation{Stage: 2, Address: roleAddr,
		Params: diff.SetRolePermissions{Role: diff.Ref("${" + roleKey + "}"), Permissions: []diff.Ref{diff.Ref("${" + permKey + "}")}}}
	createOrg := diff.Operation{Stage: 1, Address: orgAddr, Params: diff.CreateOrganization{Name: org, Description: ptr("costs ${price}")}}
	orgRef := diff.Ref("${" + orgKey + "}")
	addUser := diff.Operation{Stage: 2, Address: orgAddr, Covers: []string{memberAddr},
		Params: diff.AddMembers{Organization: orgRef, Users: []string{u.ID}}}
	assign := diff.Operation{Stage: 3, Address: orgAddr, Covers: []string{memberAddr},
		Params: diff.AssignMemberRoles{Organization: orgRef, Users: []string{u.ID}, Roles: []diff.Ref{diff.Ref("${" + roleKey + "}")}}}
	plan := &diff.Plan{
		Operations: []diff.Operation{createScope(0, perm), createRole, createOrg, setScopes, addUser, assign},
		RecordEdits: []diff.RecordEdit{
			{Kind: "prevent_destroy", ID: string(orgRef), Address: orgAddr},
			{Kind: diff.KindRole, ID: "${role:never}"}, // unresolved: skipped
		},
	}
	live := liveRecord(t, tt.C)
	var rec recorder
	res, err := Execute(ctx, tt.C, plan, live, ExecOptions{Parallelism: 2, Notify: rec.notify, Lock: tt.lock(tt.C)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Done) != 6 || len(res.Failed) != 0 || len(res.NotStarted) != 0 {
		t.Fatalf("result: %+v", res)
	}
	// Events: a start and an end per op; no op starts before every op of
	// the previous stage ended.
	if len(rec.events) != 12 {
		t.Fatalf("%d events, want 12", len(rec.events))
	}
	ended := map[int]int{}
	for _, ev := range rec.events {
		if ev.Total != 6 || ev.Index < 1 || ev.Index > 6 || plan.Operations[ev.Index-1].Address != ev.Op.Address {
			t.Fatalf("event index: %+v", ev)
		}
		if !ev.Done {
			for s := 0; s < ev.Op.Stage; s++ {
				if ended[s] != countStage(plan, s) {
					t.Fatalf("an op of stage %d started before stage %d ended", ev.Op.Stage, s)
				}
			}
			continue
		}
		ended[ev.Op.Stage]++
		if key := ev.Op.Produces(); key != "" && ev.ID != res.IDs[key] {
			t.Fatalf("event id %q, result id %q", ev.ID, res.IDs[key])
		}
	}

	roles, _ := tt.C.ListOrganizationRoles(ctx)
	i := slices.IndexFunc(roles, func(r logto.OrganizationRole) bool { return r.Name == role })
	if i < 0 || len(roles[i].Scopes) != 1 || roles[i].Scopes[0].ID != res.IDs[permKey] {
		t.Fatalf("role scopes were not set from the reference: %+v", roles)
	}
	users, err := tt.C.ListOrganizationUsers(ctx, res.IDs[orgKey])
	if err != nil || len(users) != 1 || users[0].ID != u.ID || len(users[0].OrganizationRoles) != 1 ||
		users[0].OrganizationRoles[0].ID != res.IDs[roleKey] {
		t.Fatalf("members: %+v, %v", users, err)
	}
	o, err := logtotest.GetOrganization(ctx, tt.C, res.IDs[orgKey])
	if err != nil || o.Description == nil || *o.Description != "costs ${price}" {
		t.Fatalf("text that only looks like a reference must be sent as it is: %+v, %v", o, err)
	}

	orgID := res.IDs[orgKey]
	want := NormalizeRecord(state.Record{
		Permissions:    []string{res.IDs[permKey]},
		Roles:          []string{res.IDs[roleKey]},
		Organizations:  []string{orgID},
		Members:        map[string][]string{orgID: {u.ID}},
		PreventDestroy: []string{orgID},
		Addresses: map[string]string{
			res.IDs[permKey]: state.PermissionAddress(perm),
			res.IDs[roleKey]: roleAddr,
			orgID:            orgAddr,
		},
	})
	// Two writes: the announcement of the creates before the first change,
	// and the record at the end. The created permission is stamped with
	// the apply's time (token impact's grant rule).
	want.Serial = live.Record.Serial + 2
	if since := res.Record.PermissionSince[res.IDs[permKey]]; since < time.Now().Add(-time.Hour).UnixMilli() || since > time.Now().UnixMilli() {
		t.Fatalf("the created permission is stamped %d", since)
	}
	want.PermissionSince = map[string]int64{res.IDs[permKey]: res.Record.PermissionSince[res.IDs[permKey]]}
	// The record says when this apply ran.
	if at := res.Record.LastApply.At; at < time.Now().Add(-time.Hour).UnixMilli() || at > time.Now().UnixMilli() {
		t.Fatalf("the record's last apply is at %d", at)
	}
	want.LastApply = res.Record.LastApply
	if d := cmp.Diff(want, res.Record); d != "" {
		t.Fatalf("result record (-want +got):\n%s", d)
	}
	stored, _ := readRecord(t, tt.C)
	if d := cmp.Diff(want, stored); d != "" {
		t.Fatalf("stored record (-want +got):\n%s", d)
	}
}

func countStage(p *diff.Plan, stage int) int {
	n := 0
	for _, o := range p.Operations {
		if o.Stage == stage {
			n++
		}
	}
	return n
}

func TestExecuteConcurrencyBound(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	tt.cleanupCreated()
	var f inflight
	c := tt.client(withHook(func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
		if !strings.HasPrefix(req.URL.Path, "/api/organization-scopes") {
			return nil, nil, false
		}
		f.enter()
		defer f.leave()
		time.Sleep(15 * time.Millisecond)
		resp, err := next.RoundTrip(req)
		return resp, err, true
	}))
	plan := &diff.Plan{}
	for i := range 12 {
		plan.Operations = append(plan.Operations, createScope(0, tt.name(fmt.Sprintf("p%02d", i))))
	}
	res, err := Execute(context.Background(), c, plan, liveRecord(t, c), ExecOptions{Parallelism: 3, Lock: tt.lock(c)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Done) != 12 || len(res.Record.Permissions) < 12 {
		t.Fatalf("result: %d done, record %d permissions", len(res.Done), len(res.Record.Permissions))
	}
	if f.max > 3 || f.max < 2 {
		t.Fatalf("at most %d requests ran at once; want between 2 and the bound 3", f.max)
	}
}

func TestExecuteNotFound(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	// A delete of what is already gone is done; an update of it is not.
	gone := diff.Operation{Stage: 0, Address: `permission."gone"`, Params: diff.DeletePermission{Permission: "doesnotexist000000000", Name: "gone"}}
	strict := diff.Operation{Stage: 1, Address: `permission."gone"`,
		Params: diff.UpdatePermission{Permission: "doesnotexist000000000", Description: ptr("d")}}
	res, err := Execute(context.Background(), tt.C, &diff.Plan{Operations: []diff.Operation{gone, strict}}, liveRecord(t, tt.C), ExecOptions{Lock: tt.lock(tt.C)})
	if err == nil || len(res.Done) != 1 || len(res.Failed) != 1 || !logto.IsNotFound(res.Failed[0].Err) {
		t.Fatalf("got %+v, %v", res, err)
	}
	if tt.real() {
		return
	}
	// A 404 without a Logto code (a proxy, a missing route, Logto's answer
	// to an oversized body) is not proof of absence.
	tt.Emu.FailNext(http.MethodDelete, "/api/organization-scopes/", http.StatusNotFound, "")
	res, err = Execute(context.Background(), tt.C, &diff.Plan{Operations: []diff.Operation{gone}}, liveRecord(t, tt.C), ExecOptions{Lock: tt.lock(tt.C)})
	if err == nil || len(res.Failed) != 1 {
		t.Fatalf("a 404 without a Logto code counted as done: %+v", res)
	}
}

// dropAfter forwards the first POST to path and then drops the answer, as a
// connection lost after the server applied the change.
func dropHook(path string, forward bool) (func(*http.Request, http.RoundTripper) (*http.Response, error, bool), *int) {
	var mu sync.Mutex
	dropped := 0
	return func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
		mu.Lock()
		defer mu.Unlock()
		if req.Method != http.MethodPost || req.URL.Path != path || dropped > 0 {
			return nil, nil, false
		}
		dropped++
		if forward {
			resp, err := next.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
		}
		return nil, errors.New("read: connection reset by peer"), true
	}, &dropped
}

func TestExecuteRecoversCreateAfterDroppedConnection(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(fmt.Sprintf("applied=%v", applied), func(t *testing.T) {
			tt := newTestTenant(t)
			tt.protectRecord()
			tt.cleanupCreated()
			ctx := context.Background()
			name := tt.name("acme")
			// An older organization with the same name existed before the plan.
			older := tt.org(name)
			hook, dropped := dropHook("/api/organizations", applied)
			c := tt.client(withHook(hook))

			create := diff.Operation{Stage: 0, Address: "organization.acme",
				Params: diff.CreateOrganization{Name: name, SameName: []string{older.ID}}}
			patch := diff.Operation{Stage: 1, Address: "organization.acme",
				Params: diff.UpdateOrganization{Organization: "${org:organization.acme}", Description: ptr("d")}}
			plan := &diff.Plan{Operations: []diff.Operation{create, patch}}
			res, err := Execute(ctx, c, plan, liveRecord(t, c), ExecOptions{Lock: tt.lock(tt.C)})
			if *dropped != 1 {
				t.Fatal("the connection was not dropped")
			}
			orgs, lerr := tt.C.FindOrganizationsByName(ctx, name)
			if lerr != nil {
				t.Fatal(lerr)
			}
			if applied {
				if err != nil || len(res.Done) != 2 {
					t.Fatalf("recovery failed: %+v, %v", res, err)
				}
				if len(orgs) != 2 {
					t.Fatalf("%d organizations named %q, want the older one and one created (no duplicate)", len(orgs), name)
				}
				id := res.IDs["org:organization.acme"]
				if id == "" || id == older.ID || !slices.Contains(res.Record.Organizations, id) {
					t.Fatalf("recovered id %q (older %q), record %v", id, older.ID, res.Record.Organizations)
				}
				return
			}
			if err == nil || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "it was not created") {
				t.Fatalf("got %+v, %v", res, err)
			}
			if d := cmp.Diff([]string{"organization.acme"}, addresses(res.NotStarted)); d != "" {
				t.Fatalf("not started (-want +got):\n%s", d)
			}
			if len(orgs) != 1 {
				t.Fatalf("%d organizations named %q, want only the older one", len(orgs), name)
			}
		})
	}
}

func TestExecutePartialFailure(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	tt.cleanupCreated()
	existing := tt.scope(tt.name("taken"))
	dup := createScope(0, existing.Name)
	plan := &diff.Plan{Operations: []diff.Operation{
		createScope(0, tt.name("a")),
		dup,
		createScope(0, tt.name("b")),
		createScope(1, tt.name("c")),
		createScope(2, tt.name("d")),
	}}
	live := liveRecord(t, tt.C)
	res, err := Execute(context.Background(), tt.C, plan, live, ExecOptions{Parallelism: 2, Lock: tt.lock(tt.C)})
	if err == nil || !strings.Contains(err.Error(), "1 of 5 operations failed (2 done, 2 not started)") {
		t.Fatalf("error: %v", err)
	}
	if d := cmp.Diff([]string{plan.Operations[0].Address, plan.Operations[2].Address}, addresses(res.Done)); d != "" {
		t.Errorf("done (-want +got):\n%s", d)
	}
	if len(res.Failed) != 1 || res.Failed[0].Op.Address != dup.Address ||
		!logto.HasCode(res.Failed[0].Err, "entity.unique_integrity_violation") {
		t.Errorf("failed: %+v", res.Failed)
	}
	if d := cmp.Diff([]string{plan.Operations[3].Address, plan.Operations[4].Address}, addresses(res.NotStarted)); d != "" {
		t.Errorf("not started (-want +got):\n%s", d)
	}
	stored, _ := readRecord(t, tt.C)
	want := []string{res.IDs[plan.Operations[0].Produces()], res.IDs[plan.Operations[2].Produces()]}
	slices.Sort(want)
	if d := cmp.Diff(want, stored.Permissions); d != "" || stored.Serial != live.Record.Serial+2 {
		t.Errorf("record after a partial failure (serial %d) (-want +got):\n%s", stored.Serial, d)
	}
}

func TestExecuteCancelThenConverge(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	tt.cleanupCreated()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plan := &diff.Plan{}
	for i := range 6 {
		plan.Operations = append(plan.Operations, createScope(0, tt.name(fmt.Sprintf("s%d", i))))
	}
	for i := range 3 {
		plan.Operations = append(plan.Operations, createScope(1, tt.name(fmt.Sprintf("t%d", i))))
	}
	done := 0
	res, err := Execute(ctx, tt.C, plan, liveRecord(t, tt.C), ExecOptions{Parallelism: 2, Lock: tt.lock(tt.C), Notify: func(ev Event) {
		if ev.Done {
			if done++; done == 3 {
				cancel()
			}
		}
	}})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "apply interrupted") {
		t.Fatalf("error: %v", err)
	}
	if len(res.Done) < 3 || len(res.Done) > 4 || len(res.Failed) != 0 || len(res.Done)+len(res.NotStarted) != 9 {
		t.Fatalf("done %d, failed %d, not started %d", len(res.Done), len(res.Failed), len(res.NotStarted))
	}
	// The record holds exactly what was done.
	stored, storage := readRecord(t, tt.C)
	var want []string
	for _, o := range res.Done {
		want = append(want, res.IDs[o.Produces()])
	}
	slices.Sort(want)
	if d := cmp.Diff(want, stored.Permissions); d != "" {
		t.Fatalf("record after cancellation (-want +got):\n%s", d)
	}
	// Running what was not started converges.
	res2, err := Execute(context.Background(), tt.C, &diff.Plan{Operations: res.NotStarted},
		&state.Live{Record: stored, RecordStorage: storage}, ExecOptions{Lock: tt.lock(tt.C)})
	if err != nil {
		t.Fatal(err)
	}
	final, _ := readRecord(t, tt.C)
	if len(res2.Done) != len(res.NotStarted) || len(final.Permissions) != 9 {
		t.Fatalf("after the follow-up: %d done, record %v", len(res2.Done), final.Permissions)
	}
	scopes, _ := tt.C.ListOrganizationScopes(context.Background())
	n := 0
	for _, s := range scopes {
		if strings.HasPrefix(s.Name, tt.prefix) {
			n++
		}
	}
	if n != 9 {
		t.Fatalf("%d scopes exist, want 9", n)
	}
}

// TestExecuteStopsWhenTheLockIsLost: a holder whose lock is gone (its
// lease ran out and another run took it, or it was force-unlocked) sends
// nothing more: not the next stage, not the record.
func TestExecuteStopsWhenTheLockIsLost(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	tt.cleanupCreated()
	live := liveRecord(t, tt.C)
	lock := tt.lock(tt.C)
	plan := &diff.Plan{Operations: []diff.Operation{createScope(0, tt.name("a")), createScope(1, tt.name("b"))}}
	res, err := Execute(context.Background(), tt.C, plan, live, ExecOptions{Lock: lock, Notify: func(ev Event) {
		if ev.Done && ev.Op.Stage == 0 {
			// Another run removes the lock while stage 0 runs.
			if _, err := ForceUnlock(context.Background(), tt.C, lock.Info().ID); err != nil {
				t.Error(err)
			}
		}
	}})
	if !errors.Is(err, ErrLockLost) || !strings.Contains(err.Error(), "stopped before stage 1") {
		t.Fatalf("error: %v", err)
	}
	if len(res.Done) != 1 || len(res.NotStarted) != 1 || res.NotStarted[0].Address != plan.Operations[1].Address {
		t.Fatalf("result: done %v, not started %v", addresses(res.Done), addresses(res.NotStarted))
	}
	if tt.scopeNamed(tt.name("b")) != nil {
		t.Errorf("the stage after the lock was lost ran")
	}
	// The record is as the announcement left it: the create of stage 0 is
	// an intent the next plan resolves, not a record written without the lock.
	stored, _ := readRecord(t, tt.C)
	if len(stored.Permissions) != len(live.Record.Permissions) || len(stored.Intents) != 2 {
		t.Errorf("record after losing the lock: %+v", stored)
	}
}

// TestExecuteNeedsTheLock: a plan that writes is not executed without the
// apply lock, and nothing is sent.
func TestExecuteNeedsTheLock(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	c := tt.client(nil)
	plan := &diff.Plan{Operations: []diff.Operation{createScope(0, tt.name("a"))}}
	res, err := Execute(context.Background(), c, plan, liveRecord(t, tt.C), ExecOptions{})
	if err == nil || !strings.Contains(err.Error(), "apply lock is not held") || len(res.NotStarted) != 1 || c.Requests() != 0 {
		t.Fatalf("got %+v, %v, %d requests", res, err, c.Requests())
	}
}

func TestExecuteRecordOnlyPlan(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	live := liveRecord(t, tt.C)
	plan := &diff.Plan{RecordEdits: []diff.RecordEdit{{Kind: diff.KindOrganization, ID: "org-adopted", Address: "organization.x"}}}
	res, err := Execute(context.Background(), tt.C, plan, live, ExecOptions{Lock: tt.lock(tt.C)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Record.Serial != live.Record.Serial+1 || !slices.Contains(res.Record.Organizations, "org-adopted") {
		t.Fatalf("record: %+v", res.Record)
	}
	// Nothing to change: no write.
	c := tt.client(nil)
	if _, err = Execute(context.Background(), c, plan, liveRecord(t, tt.C), ExecOptions{Lock: tt.lock(tt.C)}); err != nil || c.Requests() != 0 {
		t.Fatalf("an unchanged record was written (%d requests): %v", c.Requests(), err)
	}
}

// foreignParams is a kind of operation the executor does not know.
type foreignParams struct{}

func (foreignParams) Kind() diff.OpKind { return "delete_user" }

func TestExecuteRefusesUnknownOperations(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	var mu sync.Mutex
	var sent []string
	c := tt.client(withHook(func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
		mu.Lock()
		sent = append(sent, req.Method+" "+req.URL.Path)
		mu.Unlock()
		return nil, nil, false
	}))
	plan := &diff.Plan{Operations: []diff.Operation{{Stage: 1, Address: "user.x", Params: foreignParams{}}}}
	res, err := Execute(context.Background(), c, plan, liveRecord(t, c), ExecOptions{Lock: tt.lock(tt.C)})
	if err == nil || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "not one orgsync carries out") {
		t.Fatalf("got %+v, %v", res, err)
	}
	// Only the token, the lock and the record were touched: the operation sent nothing.
	for _, r := range sent {
		if !strings.HasPrefix(r, "POST /oidc/token") && !strings.Contains(r, "/api/applications/"+c.AppID()) {
			t.Errorf("the unknown operation sent %s", r)
		}
	}
}
