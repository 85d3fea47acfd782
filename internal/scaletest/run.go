package scaletest

import (
	"context"
	"fmt"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// DefaultParallelism is the read and write concurrency of Plan and Apply,
// orgsync's -parallelism default for plan.
const DefaultParallelism = 8

// Plan reads the tenant and computes the plan for cfg, as orgsync plan does.
func Plan(ctx context.Context, c *logto.Client, cfg *state.Config, parallelism int) (*state.Live, *diff.Plan, error) {
	live, p, err := apply.Plan(ctx, c, cfg, apply.PlanOptions{Parallelism: parallelism})
	if err != nil {
		return nil, nil, fmt.Errorf("planning: %w", err)
	}
	return live, p, nil
}

// Apply plans cfg against the tenant and executes the plan under the apply
// lock, as orgsync apply -auto-approve does; it fails when any operation
// failed.
func Apply(ctx context.Context, c *logto.Client, cfg *state.Config, parallelism int) (*diff.Plan, *apply.Result, error) {
	p, res, err := apply.Run(ctx, c, cfg, apply.RunOptions{
		Plan: apply.PlanOptions{Parallelism: parallelism},
		Exec: apply.ExecOptions{Parallelism: parallelism},
	})
	if err != nil {
		return p, res, fmt.Errorf("applying: %w", err)
	}
	if len(res.Failed) > 0 {
		return p, res, fmt.Errorf("applying: %d operation(s) failed, the first: %v", len(res.Failed), res.Failed[0])
	}
	return p, res, nil
}
