package apply

import (
	"context"
	"sync"
)

// group runs functions concurrently, at most limit at a time, and passes
// them the group's context: the first error cancels the others and is what
// Wait returns (errgroup.WithContext with SetLimit, plus Spawn).
type group struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	slots  chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context, limit int) *group {
	gctx, cancel := context.WithCancelCause(ctx)
	return &group{ctx: gctx, cancel: cancel, slots: make(chan struct{}, max(limit, 1))}
}

// Go runs fn once a slot is free: it waits for the slot (or for the group
// to end) before it starts a goroutine. After the group failed, fn is
// skipped. Go must not be called from a function the group runs (a full
// group would wait for itself): use Spawn there.
func (g *group) Go(fn func(ctx context.Context) error) {
	select {
	case g.slots <- struct{}{}:
	case <-g.ctx.Done():
		g.fail(context.Cause(g.ctx))
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer func() { <-g.slots }()
		g.run(fn)
	}()
}

// Spawn adds fn from a function the group runs (reads that only the
// answer of another read makes known, such as the pages after the first):
// it returns at once, and fn runs once a slot is free, within the same
// limit. Wait waits for it too.
func (g *group) Spawn(fn func(ctx context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		select {
		case g.slots <- struct{}{}:
		case <-g.ctx.Done():
			g.fail(context.Cause(g.ctx))
			return
		}
		defer func() { <-g.slots }()
		g.run(fn)
	}()
}

func (g *group) run(fn func(ctx context.Context) error) {
	if g.ctx.Err() != nil {
		g.fail(context.Cause(g.ctx))
		return
	}
	if err := fn(g.ctx); err != nil {
		g.fail(err)
	}
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
	g.cancel(g.err)
	return g.err
}
