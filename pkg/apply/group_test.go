package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGroupSpawnWithinTheLimit: functions that spawn more (a tree three
// deep) all run, never more than the limit at once, down to one at a time.
func TestGroupSpawnWithinTheLimit(t *testing.T) {
	for _, limit := range []int{1, 2, 5} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			g := newGroup(context.Background(), limit)
			var running, peak, ran atomic.Int32
			var node func(depth int) func(context.Context) error
			node = func(depth int) func(context.Context) error {
				return func(context.Context) error {
					n := running.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					time.Sleep(time.Millisecond)
					ran.Add(1)
					if depth < 3 {
						for range 3 {
							g.Spawn(node(depth + 1))
						}
					}
					running.Add(-1)
					return nil
				}
			}
			for range 2 {
				g.Go(node(1))
			}
			g.Spawn(node(3))
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
			if want := int32(2*(1+3+9) + 1); ran.Load() != want {
				t.Errorf("%d functions ran, want %d", ran.Load(), want)
			}
			if peak.Load() > int32(limit) {
				t.Errorf("%d ran at once, limit %d", peak.Load(), limit)
			}
		})
	}
}

// TestGroupSpawnFirst: with one slot, queued functions run in order,
// SpawnFirst ahead of those already queued.
func TestGroupSpawnFirst(t *testing.T) {
	g := newGroup(context.Background(), 1)
	var mu sync.Mutex
	var order []string
	note := func(s string) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			order = append(order, s)
			mu.Unlock()
			return nil
		}
	}
	g.Go(func(ctx context.Context) error {
		g.Spawn(note("a"))
		g.Spawn(note("b"))
		g.SpawnFirst(note("first"))
		return nil
	})
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(order); got != "[first a b]" {
		t.Errorf("order %s", got)
	}
}

// TestGroupFirstErrorCancels: the first error is Wait's; the functions
// still queued are skipped, and running ones see the context end.
func TestGroupFirstErrorCancels(t *testing.T) {
	g := newGroup(context.Background(), 2)
	boom := errors.New("boom")
	var skipped atomic.Bool
	skipped.Store(true)
	g.Go(func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	g.Go(func(ctx context.Context) error {
		for range 10 {
			g.Spawn(func(context.Context) error { skipped.Store(false); return nil })
		}
		return boom
	})
	if err := g.Wait(); !errors.Is(err, boom) {
		t.Fatalf("Wait = %v, want boom", err)
	}
	if !skipped.Load() {
		t.Error("a function queued before the failure ran after it")
	}
	// Go after the failure runs nothing.
	ran := false
	g.Go(func(context.Context) error { ran = true; return nil })
	if ran {
		t.Error("Go ran a function after the group failed")
	}
}
