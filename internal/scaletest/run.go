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
	p, res, err := Run(ctx, c, cfg, RunOptions{
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

// RunOptions steer Run.
type RunOptions struct {
	Plan apply.PlanOptions
	Exec apply.ExecOptions // Exec.Lock is taken by Run
	Lock apply.LockOptions
}

// Run is a whole unattended apply, the steps of `orgsync apply
// -auto-approve`: it takes the apply lock, plans cfg against the tenant as
// it is then, executes the plan and releases the lock. The plan is returned
// even when executing it failed.
func Run(ctx context.Context, c *logto.Client, cfg *state.Config, opts RunOptions) (*diff.Plan, *apply.Result, error) {
	if opts.Lock.Info.Operation == "" {
		opts.Lock.Info = apply.LockInfo{Operation: "apply", Who: "orgsync-test"}
	}
	lock, err := apply.AcquireLock(ctx, c, opts.Lock)
	if err != nil {
		return nil, nil, err
	}
	defer lock.Release(context.WithoutCancel(ctx))
	live, p, err := apply.Plan(ctx, c, cfg, opts.Plan)
	if err != nil {
		return nil, nil, err
	}
	opts.Exec.Lock = lock
	res, err := apply.Execute(ctx, c, p, live, opts.Exec)
	return p, res, err
}
