package apply

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// group is errgroup.WithContext with SetLimit, whose functions receive the
// group's context: Go waits for a free slot (no goroutine is started before
// it runs), and the first error cancels the others and is what Wait returns.
type group struct {
	g   *errgroup.Group
	ctx context.Context
}

func newGroup(ctx context.Context, limit int) *group {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(limit, 1))
	return &group{g: g, ctx: gctx}
}

// Go runs fn once a slot is free; after the group failed, fn is skipped.
func (g *group) Go(fn func(ctx context.Context) error) {
	g.g.Go(func() error {
		if err := g.ctx.Err(); err != nil {
			return context.Cause(g.ctx)
		}
		return fn(g.ctx)
	})
}

// Wait waits for every function and returns the first error.
func (g *group) Wait() error { return g.g.Wait() }
