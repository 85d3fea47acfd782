package scale

import (
	"context"
	"fmt"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// DefaultParallelism is the read and write concurrency of Plan and Apply,
// orgsync's -parallelism default for plan.
const DefaultParallelism = 8

// ReadLive reads what a plan of cfg needs: apply.Fetch, then, when
// diff.AffectedRoles reports roles whose scopes change, what their token
// impact needs of the organizations Fetch did not read (apply.LoadImpact:
// members, and applications only for MachineToMachine roles).
func ReadLive(ctx context.Context, c *logto.Client, cfg *state.Config, parallelism int) (*state.Live, error) {
	live, err := apply.Fetch(ctx, c, cfg, apply.FetchOptions{Parallelism: parallelism})
	if err != nil {
		return nil, fmt.Errorf("reading the tenant: %w", err)
	}
	if err := apply.LoadImpact(ctx, c, live, diff.AffectedRoles(cfg, live), parallelism); err != nil {
		return nil, fmt.Errorf("reading organization members for token impact: %w", err)
	}
	return live, nil
}

// Plan reads the tenant with ReadLive and computes the plan for cfg.
func Plan(ctx context.Context, c *logto.Client, cfg *state.Config, parallelism int) (*state.Live, *diff.Plan, error) {
	live, err := ReadLive(ctx, c, cfg, parallelism)
	if err != nil {
		return nil, nil, err
	}
	p, err := diff.Compute(cfg, live, diff.Options{Now: time.Now()})
	if err != nil {
		return nil, nil, fmt.Errorf("planning: %w", err)
	}
	return live, p, nil
}

// Apply plans cfg against the tenant and executes the plan; it fails when
// any operation failed.
func Apply(ctx context.Context, c *logto.Client, cfg *state.Config, parallelism int) (*diff.Plan, *apply.Result, error) {
	live, p, err := Plan(ctx, c, cfg, parallelism)
	if err != nil {
		return nil, nil, err
	}
	res, err := apply.Execute(ctx, c, p, live, apply.ExecOptions{Parallelism: parallelism})
	if err != nil {
		return p, res, fmt.Errorf("applying: %w", err)
	}
	if len(res.Failed) > 0 {
		return p, res, fmt.Errorf("applying: %d operation(s) failed, the first: %v", len(res.Failed), res.Failed[0])
	}
	return p, res, nil
}
