package apply

import (
	"context"
	"sync"
)

// group runs functions concurrently, at most limit at a time, and passes
// them the group's context: the first error cancels the others and is what
// Wait returns (errgroup.WithContext with SetLimit, plus Spawn). No more
// goroutines run its functions than limit.
type group struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	slots  chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error

	mu    sync.Mutex
	queue []func(ctx context.Context) error // spawned, waiting for a slot
}

func newGroup(ctx context.Context, limit int) *group {
	gctx, cancel := context.WithCancelCause(ctx)
	return &group{ctx: gctx, cancel: cancel, slots: make(chan struct{}, max(limit, 1))}
}

// Go runs fn once a slot is free: it waits for the slot (or for the group
// to end) before it starts a goroutine. After the group failed, fn is
// skipped. From a function the group runs, use Spawn (a full group would
// wait for itself).
func (g *group) Go(fn func(ctx context.Context) error) {
	select {
	case g.slots <- struct{}{}:
	case <-g.ctx.Done():
		g.fail(context.Cause(g.ctx))
		return
	}
	g.wg.Add(1)
	go g.work(fn)
}

// Spawn queues fn and returns at once; fn runs once a slot is free, before
// functions Go still waits to start (and, with first, before the other
// queued ones). It may be called from the functions the group runs, for
// reads that only another read's answer makes known. Wait waits for it.
func (g *group) Spawn(fn func(ctx context.Context) error) { g.spawn(fn, false) }

// SpawnFirst is Spawn ahead of the functions already queued.
func (g *group) SpawnFirst(fn func(ctx context.Context) error) { g.spawn(fn, true) }

func (g *group) spawn(fn func(ctx context.Context) error, first bool) {
	g.wg.Add(1)
	g.mu.Lock()
	if first {
		g.queue = append([]func(ctx context.Context) error{fn}, g.queue...)
	} else {
		g.queue = append(g.queue, fn)
	}
	g.mu.Unlock()
	select {
	case g.slots <- struct{}{}:
		go g.work(nil)
	default: // every slot is busy: their workers take it when they finish
	}
}

// work runs fn (when not nil), then queued functions while there are any,
// holding one slot throughout.
func (g *group) work(fn func(ctx context.Context) error) {
	for {
		if fn != nil {
			g.run(fn)
			g.wg.Done()
		}
		if fn = g.pop(); fn != nil {
			continue
		}
		<-g.slots
		// Spawn may have queued a function while this worker held the
		// slot, and found none free: take it up if a slot is free now.
		g.mu.Lock()
		queued := len(g.queue) > 0
		g.mu.Unlock()
		if !queued {
			return
		}
		select {
		case g.slots <- struct{}{}:
		default:
			return // every slot is busy: their workers take it
		}
	}
}

func (g *group) pop() func(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		return nil
	}
	fn := g.queue[0]
	g.queue[0] = nil
	g.queue = g.queue[1:]
	return fn
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
