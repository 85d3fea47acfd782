package scaletest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
)

// Impact20kOrganizations is the size of the tenant of
// BenchmarkImpact20kOrganizations: organizations an application created,
// 5 members each, 10 of them declared.
const (
	Impact20kOrganizations = 20000
	impact20kDeclared      = 10
	impact20kMembers       = 5
)

// logtoCloudRPS is the request rate Logto Cloud allows a tenant's
// Management API (about 18 requests per second).
const logtoCloudRPS = 18.0

// BenchmarkImpact20kOrganizations plans a role permission change on a
// tenant of 20,000 organizations, 10 declared: with the default impact
// budget (exact up to it, then reported incomplete) and with
// -impact-budget unlimited (every organization read). It reports each
// plan's requests, wall time against the emulator and what the requests
// would take at Logto Cloud's rate.
func BenchmarkImpact20kOrganizations(b *testing.B) {
	cfg := W1Slice(impact20kDeclared)
	for i := range cfg.Organizations {
		o := &cfg.Organizations[i]
		o.Members = o.Members[:impact20kMembers]
		o.Applications, o.JIT = nil, nil
	}
	t := StartEmulator(b, benchLatency)
	seededTenant(b, cfg, t, true)
	ctx := context.Background()
	var emails []string
	for _, o := range cfg.Organizations {
		for _, m := range o.Members {
			emails = append(emails, m.Value)
		}
	}
	if err := addUndeclared(ctx, t.Client, Impact20kOrganizations-impact20kDeclared, cfg.Roles[0].Name, emails); err != nil {
		b.Fatal(err)
	}
	changed := withChangedRole(cfg)
	undeclared := Impact20kOrganizations - impact20kDeclared
	for b.Loop() {
		full := 0
		for _, run := range []struct {
			name   string
			budget int
		}{{"unlimited", -1}, {"default", 0}} {
			c, _ := freshClient(b, t)
			start := time.Now()
			_, p, err := apply.Plan(ctx, c, changed, apply.PlanOptions{Parallelism: planParallelism, ImpactBudget: run.budget, ImpactDetail: true})
			wall := time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			orgs := impactOrganizations(p)
			if run.budget < 0 {
				if p.ImpactGap != nil || orgs < undeclared {
					b.Fatalf("unlimited: impact in %d organizations, gap %+v; want every one of the %d undeclared", orgs, p.ImpactGap, undeclared)
				}
				full = orgs
			} else if p.ImpactGap == nil || orgs+p.ImpactGap.UnreadOrganizations != full {
				b.Fatalf("default budget: impact in %d organizations, gap %+v; want the rest of %d reported unread", orgs, p.ImpactGap, full)
			}
			requests := float64(c.Requests())
			b.ReportMetric(requests, run.name+"-requests")
			b.ReportMetric(float64(wall.Milliseconds()), run.name+"-wall-ms")
			b.ReportMetric(requests/logtoCloudRPS/60, run.name+"-cloud-minutes")
			if p.ImpactGap != nil {
				b.ReportMetric(float64(p.ImpactGap.UnreadOrganizations), run.name+"-unread-orgs")
			}
		}
	}
}

// impactOrganizations counts the organizations the plan's token impact
// names a subject in.
func impactOrganizations(p *diff.Plan) int {
	ids := map[string]bool{}
	for _, im := range p.TokenImpact {
		for _, o := range im.PerOrganization {
			ids[o.OrganizationID] = true
		}
	}
	return len(ids)
}

// addUndeclared creates n organizations behind orgsync's back, each with
// impact20kMembers of the users with emails holding role.
func addUndeclared(ctx context.Context, c *logto.Client, n int, role string, emails []string) error {
	roles, err := c.ListOrganizationRoles(ctx)
	if err != nil {
		return err
	}
	roleID := ""
	for _, r := range roles {
		if r.Name == role {
			roleID = r.ID
		}
	}
	users, err := c.FindUsersByEmail(ctx, emails)
	if err != nil {
		return err
	}
	if roleID == "" || len(users) < impact20kMembers {
		return fmt.Errorf("scale: role %q or %d users missing", role, impact20kMembers)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(64)
	for i := range n {
		g.Go(func() error {
			o, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: fmt.Sprintf("App org %05d", i)})
			if err != nil {
				return err
			}
			var ids []string
			for m := range impact20kMembers {
				ids = append(ids, users[(i*impact20kMembers+m)%len(users)].ID)
			}
			if err := c.AddOrganizationUsers(ctx, o.ID, ids); err != nil {
				return err
			}
			return c.AssignOrganizationUsersRoles(ctx, o.ID, ids, []string{roleID})
		})
	}
	return g.Wait()
}
