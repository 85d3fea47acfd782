package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// PlanOptions steer Plan.
type PlanOptions struct {
	// Parallelism bounds the concurrent reads (DefaultFetchParallelism).
	Parallelism int
	// Targets, AllowDestroy and AllowMassDelete are the plan's flags
	// (diff.Options).
	Targets         []string
	AllowDestroy    []string
	AllowMassDelete bool
	// ImpactBudget bounds the reads for token impact (ImpactOptions.Budget).
	ImpactBudget int
	// Now is the planning time (time.Now when zero).
	Now time.Time
	// ImpactDetail keeps the token impact per organization
	// (diff.Options.ImpactDetail), for apply -impact-out.
	ImpactDetail bool
	// ReleaseConfig says the caller has no further use of cfg's member
	// and application blocks: Plan lets them go as it plans them
	// (diff.Options.ReleaseMembers), except when the plan can need a
	// second computation (an organization requiring MFA).
	ReleaseConfig bool
	// ShowOnly says the plan is only shown, neither applied nor saved
	// (diff.Options.ShowOnly).
	ShowOnly bool
}

// Plan reads what the plan of cfg needs from the tenant, and computes it.
// It is the one way orgsync reads a tenant for a plan: `plan`, `apply`,
// `apply PLANFILE`, the benchmarks and the reliability tests all use it.
//
// The read is CheckFeatures (the Logto features the configuration uses),
// Fetch, then, when diff.AffectedRoles reports roles whose scopes change,
// what their token impact needs of the organizations Fetch did not read
// (LoadImpact), and when diff.PermissionsLeaving reports permissions the
// plan deletes or renames, the third-party consent lists (LoadConsent).
// When the plan makes organizations require MFA, their members' MFA
// factors are read within DefaultMFABudget (LoadMFA) and the plan is
// computed again. Any failed or incomplete read fails Plan and nothing is
// planned. A *diff.RefusedError says the plan must not be applied.
func Plan(ctx context.Context, c *logto.Client, cfg *state.Config, opts PlanOptions) (*state.Live, *diff.Plan, error) {
	par := cmp.Or(opts.Parallelism, DefaultFetchParallelism)
	if err := CheckFeatures(ctx, c, cfg, opts.Targets); err != nil {
		return nil, nil, fmt.Errorf("checking the Logto features the configuration uses: %w (nothing was planned)", err)
	}
	live, err := Fetch(ctx, c, cfg, FetchOptions{Parallelism: par, Targets: opts.Targets})
	if err != nil {
		return nil, nil, fmt.Errorf("reading the tenant: %w (nothing was planned)", err)
	}
	if err := LoadImpact(ctx, c, live, diff.AffectedRoles(cfg, live), ImpactOptions{Parallelism: par, Budget: opts.ImpactBudget}); err != nil {
		return nil, nil, fmt.Errorf("reading organization members for token impact: %w (nothing was planned)", err)
	}
	if err := LoadConsent(ctx, c, live, diff.PermissionsLeaving(cfg, live), par); err != nil {
		return nil, nil, fmt.Errorf("reading third-party consent lists: %w (nothing was planned)", err)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	dopts := diff.Options{
		Targets:         opts.Targets,
		AllowDestroy:    opts.AllowDestroy,
		AllowMassDelete: opts.AllowMassDelete,
		Now:             now,
		ImpactDetail:    opts.ImpactDetail,
		ShowOnly:        opts.ShowOnly,
	}
	// The configuration is kept for a second Compute only when it can
	// need one (an organization requiring MFA): else it is let go while
	// the plan's token impact runs.
	var again *state.Config
	if requiresMFA(cfg) {
		again = cfg
	}
	dopts.ReleaseMembers = opts.ReleaseConfig && again == nil
	p, err := diff.Compute(cfg, live, dopts)
	if err != nil {
		return live, nil, err
	}
	if checks := p.MFAChecks(); len(checks) > 0 {
		if again == nil {
			return nil, nil, errors.New("planning: the plan needs members' MFA factors, but no organization requires MFA (nothing was planned)")
		}
		read, err := LoadMFA(ctx, c, live, checks, DefaultMFABudget, par)
		if err != nil {
			return nil, nil, fmt.Errorf("reading members' MFA factors: %w (nothing was planned)", err)
		}
		if read {
			p = nil // the first plan is let go before the second is made
			if p, err = diff.Compute(again, live, dopts); err != nil {
				return live, nil, err
			}
		}
	}
	return live, p, nil
}

// requiresMFA reports whether an organization of cfg requires MFA: only
// then can the plan need the members' MFA factors (diff.Plan.MFAChecks).
func requiresMFA(cfg *state.Config) bool {
	for _, o := range cfg.Organizations {
		if o.MFARequired != nil && *o.MFARequired {
			return true
		}
	}
	return false
}
