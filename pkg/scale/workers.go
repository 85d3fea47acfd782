package scale

import (
	"context"
	"slices"
	"sync"
)

// workers runs functions with bounded concurrency; the first error cancels
// the others and is kept.
type workers struct {
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newWorkers(ctx context.Context, n int) *workers {
	ctx, cancel := context.WithCancel(ctx)
	return &workers{ctx: ctx, cancel: cancel, sem: make(chan struct{}, max(n, 1))}
}

func (w *workers) do(fn func(context.Context) error) {
	select {
	case w.sem <- struct{}{}:
	case <-w.ctx.Done():
		w.fail(w.ctx.Err())
		return
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() { <-w.sem }()
		if err := fn(w.ctx); err != nil {
			w.fail(err)
		}
	}()
}

func (w *workers) fail(err error) {
	w.once.Do(func() {
		w.err = err
		w.cancel()
	})
}

func (w *workers) wait() error {
	w.wg.Wait()
	w.cancel()
	return w.err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
