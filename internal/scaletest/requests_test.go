package scaletest

import (
	"context"
	"testing"

	"github.com/orgsync/orgsync/pkg/state"
)

// The request-budget tests run a 30-organization slice of W1 against the
// emulator without latency and compare request counts (not times) with the
// minimums of budget_test.go, so that CI guards the request budget.

const budgetOrgs = 30

func TestPlanMatchingRequestBudget(t *testing.T) {
	checkPlanBudget(t, W1Slice(budgetOrgs))
}

// checkPlanBudget plans cfg against a tenant that matches it and checks the
// requests against the minimum; it returns the request counter.
func checkPlanBudget(t *testing.T, cfg *state.Config) *Counter {
	t.Helper()
	tn := StartEmulator(t, 0)
	seededTenant(t, cfg, tn, true)

	c, counter := freshClient(t, tn)
	_, p, err := Plan(context.Background(), c, cfg, planParallelism)
	if err != nil {
		t.Fatal(err)
	}
	checkNoChanges(t, p)
	got, want := int(c.Requests()), minPlanRequests(cfg, budgetOrgs, tenantM2MApps(cfg))
	t.Logf("plan of a matching tenant: %d requests, minimum %d\n%s", got, want, counter)
	if float64(got) > planSlack*float64(want) {
		t.Errorf("plan of a matching tenant: %d requests, want at most %.2f × %d\n%s", got, planSlack, want, counter)
	}
	return counter
}

func TestApplyEmptyRequestBudget(t *testing.T) {
	cfg := W1Slice(budgetOrgs)
	tn := StartEmulator(t, 0)
	seededTenant(t, cfg, tn, false)

	c, counter := freshClient(t, tn)
	if _, _, err := Apply(context.Background(), c, cfg, planParallelism); err != nil {
		t.Fatal(err)
	}
	own := bookkeeping(counter)
	got, want := int(c.Requests())-own, minApplyRequests(cfg)
	t.Logf("apply into an empty tenant: %d requests and %d for the lock and the record, minimum %d\n%s", got, own, want, counter)
	if float64(got) > applySlack*float64(want) {
		t.Errorf("apply into an empty tenant: %d requests besides the lock and the record, want at most %.3f × %d\n%s", got, applySlack, want, counter)
	}
	if own > maxBookkeeping {
		t.Errorf("apply into an empty tenant: %d requests for the lock and the record, want at most %d\n%s", own, maxBookkeeping, counter)
	}
	// The tenant now matches.
	_, p, err := Plan(context.Background(), tn.Client, cfg, planParallelism)
	if err != nil {
		t.Fatal(err)
	}
	checkNoChanges(t, p)
}

func TestImpactRequestBudget(t *testing.T) {
	// The tenant holds 30 organizations; the configuration declares 10 of
	// them, so token impact must read the members of the other 20.
	const declared = 10
	full := W1Slice(budgetOrgs)
	tn := StartEmulator(t, 0)
	cfg := W1Slice(declared)
	seededTenant(t, full, tn, false)
	if _, _, err := Apply(context.Background(), tn.Client, cfg, planParallelism); err != nil {
		t.Fatal(err)
	}
	if err := addUnmanaged(context.Background(), tn.Client, full.Organizations[declared:]); err != nil {
		t.Fatal(err)
	}

	c, _ := freshClient(t, tn)
	if _, p, err := Plan(context.Background(), c, cfg, planParallelism); err != nil {
		t.Fatal(err)
	} else {
		checkNoChanges(t, p)
	}
	matching := int(c.Requests())

	c, counter := freshClient(t, tn)
	_, p, err := Plan(context.Background(), c, withChangedRole(cfg), planParallelism)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.TokenImpact) == 0 {
		t.Fatal("changing a role's permissions shows no token impact")
	}
	var orgs int
	for _, im := range p.TokenImpact {
		orgs = max(orgs, len(im.Organizations))
	}
	if orgs <= declared {
		t.Errorf("token impact covers %d organizations, want the undeclared ones too (more than %d)", orgs, declared)
	}
	extra := int(c.Requests()) - matching
	t.Logf("impact plan: %d requests, matching plan %d, extra %d for %d undeclared organizations\n%s",
		c.Requests(), matching, extra, budgetOrgs-declared, counter)
	if extra > budgetOrgs-declared {
		t.Errorf("token impact costs %d extra requests for %d undeclared organizations, want at most one member read each\n%s",
			extra, budgetOrgs-declared, counter)
	}
}

func TestPerObjectRefreshCostsMore(t *testing.T) {
	cfg := W1Slice(budgetOrgs)
	tn := StartEmulator(t, 0)
	seededTenant(t, cfg, tn, true)
	c, _ := freshClient(t, tn)
	live, _, err := Plan(context.Background(), c, cfg, planParallelism)
	if err != nil {
		t.Fatal(err)
	}
	orgsync := c.Requests()
	c2, _ := freshClient(t, tn)
	perObject, err := perObjectRefresh(context.Background(), c2, cfg, live, planParallelism)
	if err != nil {
		t.Fatal(err)
	}
	// 30 organizations × 20 memberships alone take 600 reads one by one.
	if perObject < int64(budgetOrgs*W1Members) || orgsync*5 > perObject {
		t.Errorf("per-object refresh: %d requests, orgsync %d; want the per-object refresh to cost at least 5 times more", perObject, orgsync)
	}
	t.Logf("orgsync %d requests, per-object %d (ratio %.3f)", orgsync, perObject, float64(orgsync)/float64(perObject))
}

// TestPlanApplicationsRequestBudget: with an application in every
// organization, the applications are read once per application (4: three
// declared and orgsync's own), not once per organization (30).
func TestPlanApplicationsRequestBudget(t *testing.T) {
	cfg := W1Slice(budgetOrgs)
	var m2m string
	for _, r := range cfg.Roles {
		if r.Type == state.RoleTypeM2M {
			m2m = r.Name
		}
	}
	for i := range cfg.Organizations {
		name := AppName(i % 3)
		cfg.Organizations[i].Applications = []state.Application{{Label: name, Kind: state.RefName, Value: name, Roles: []string{m2m}}}
	}
	counter := checkPlanBudget(t, cfg)
	if n := counter.Routes()["GET /api/applications/{id}/organizations"]; n != tenantM2MApps(cfg) {
		t.Errorf("%d per-application reads, want %d\n%s", n, tenantM2MApps(cfg), counter)
	}
}
