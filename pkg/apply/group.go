package apply

import (
	"context"
	"sync"
)

// group runs functions concurrently, at most limit at a time. The first
// error cancels the group's context and is the one Wait returns (the
// standard library's answer to errgroup.WithContext + SetLimit).
type group struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context, limit int) *group {
	ctx, cancel := context.WithCancelCause(ctx)
	if limit < 1 {
		limit = 1
	}
	return &group{ctx: ctx, cancel: cancel, sem: make(chan struct{}, limit)}
}

// Go runs fn in a goroutine once a slot is free. When the group has already
// failed, fn is not run.
func (g *group) Go(fn func(ctx context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		select {
		case g.sem <- struct{}{}:
		case <-g.ctx.Done():
			g.fail(context.Cause(g.ctx))
			return
		}
		defer func() { <-g.sem }()
		if g.ctx.Err() != nil {
			g.fail(context.Cause(g.ctx))
			return
		}
		if err := fn(g.ctx); err != nil {
			g.fail(err)
		}
	}()
}

func (g *group) fail(err error) {
	g.once.Do(func() {
		g.err = err
		g.cancel(err)
	})
}

// Wait waits for every function and returns the first error.
func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel(nil)
	return g.err
}
