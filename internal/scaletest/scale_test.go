package scaletest

import (
	"context"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/seed"
)

// Benchmarks against the emulator with benchLatency per request:
//
//	go test -bench . -run '^$' -benchtime 1x ./internal/scaletest

const benchLatency = 2 * time.Millisecond

// w1Tenant is a W1 tenant (seeded and applied) shared by the benchmarks
// that only read it.
var w1Tenant struct {
	once sync.Once
	t    *Tenant
	err  error
}

// matchingW1 returns the shared emulated tenant matching W1. It lives until
// the test binary exits.
func matchingW1(b *testing.B) *Tenant {
	w1Tenant.once.Do(func() {
		e, err := emulator.New(emulator.Options{Latency: benchLatency, Seed: 1})
		if err != nil {
			w1Tenant.err = err
			return
		}
		srv := newServer(e)
		counter := &Counter{}
		c, err := NewClient(srv, -1, counter)
		if err != nil {
			w1Tenant.err = err
			return
		}
		t := &Tenant{Server: srv, Client: c, Counter: counter}
		ctx := context.Background()
		if err := seed.Referenced(ctx, c, W1()); err != nil {
			w1Tenant.err = err
			return
		}
		if _, _, err := Apply(ctx, c, W1(), planParallelism); err != nil {
			w1Tenant.err = err
			return
		}
		w1Tenant.t = t
	})
	if w1Tenant.err != nil {
		b.Fatal(w1Tenant.err)
	}
	return w1Tenant.t
}

// heapSampler records the peak heap in use (runtime/metrics, which does not
// stop the world, unlike runtime.ReadMemStats) while it runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

// heapMetrics add up to MemStats.HeapInuse.
var heapMetrics = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes"}

func readHeap(samples []metrics.Sample) uint64 {
	metrics.Read(samples)
	var n uint64
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			n += s.Value.Uint64()
		}
	}
	return n
}

func sampleHeap() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	samples := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		samples[i].Name = name
	}
	go func() {
		defer close(h.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if n := readHeap(samples); n > h.peak.Load() {
				h.peak.Store(n)
			}
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

// Stop ends the sampling and returns the peak.
func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	return h.peak.Load()
}

// heapInuse is the heap in use after a collection.
func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// reportPlan reports the request and time figures of plan measurements
// and fails b when the request count exceeds budgetSlack × minimum.
func reportRequests(b *testing.B, what string, requests, minimum float64, wall time.Duration, orgs int) {
	b.ReportMetric(requests, "requests")
	b.ReportMetric(minimum, "min-requests")
	b.ReportMetric(requests/minimum, "requests/min")
	b.ReportMetric(requests/float64(orgs), "requests/org")
	b.ReportMetric(float64(wall.Microseconds())/1000, "wall-ms")
	if requests > budgetSlack*minimum {
		b.Fatalf("%s: %.0f requests, want at most %.1f × the minimum %.0f", what, requests, budgetSlack, minimum)
	}
}

// idealWall is requests × latency / parallelism.
func idealWall(requests float64, par int) time.Duration {
	return time.Duration(requests * float64(benchLatency) / float64(par))
}

func BenchmarkPlanW1Matching(b *testing.B) {
	tn := matchingW1(b)
	cfg := W1()
	minimum := float64(minPlanRequests(cfg, W1Organizations))
	var requests, n float64
	var wall time.Duration
	var peak, base uint64
	for b.Loop() {
		b.StopTimer()
		c, _ := freshClient(b, tn)
		base = heapInuse()
		h := sampleHeap()
		b.StartTimer()
		start := time.Now()
		_, p, err := Plan(context.Background(), c, cfg, planParallelism)
		wall += time.Since(start)
		peak = max(peak, h.Stop())
		if err != nil {
			b.Fatal(err)
		}
		checkNoChanges(b, p)
		requests += float64(c.Requests())
		n++
	}
	requests, wall = requests/n, wall/time.Duration(n)
	reportRequests(b, "plan of a tenant matching W1", requests, minimum, wall, W1Organizations)
	ideal := idealWall(requests, planParallelism)
	b.ReportMetric(float64(wall)/float64(ideal), "wall/ideal")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "plan-heap-MB")
	if wall > ideal*13/10 {
		b.Logf("plan of a tenant matching W1 took %v, target 1.3 × %v (requests × latency / parallelism) missed: the emulator shares the machine's cores with the client", wall, ideal)
	}
}

func BenchmarkComputeW1(b *testing.B) {
	tn := matchingW1(b)
	cfg := withChangedRole(W1())
	live, _, err := Plan(context.Background(), tn.Client, cfg, planParallelism)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var p *diff.Plan
	start := time.Now()
	var n float64
	for b.Loop() {
		if p, err = diff.Compute(cfg, live, diff.Options{Now: time.Now()}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	per := time.Since(start) / time.Duration(n)
	b.ReportMetric(float64(per.Microseconds())/1000, "compute-ms")
	if len(p.TokenImpact) == 0 {
		b.Fatal("no token impact")
	}
	if per > 200*time.Millisecond {
		b.Errorf("diff.Compute on W1 took %v, want under 200ms", per)
	}
}

func BenchmarkImpactW1(b *testing.B) {
	tn := matchingW1(b)
	cfg := W1()
	changed := withChangedRole(cfg)
	c, _ := freshClient(b, tn)
	if _, _, err := Plan(context.Background(), c, cfg, planParallelism); err != nil {
		b.Fatal(err)
	}
	matching := float64(c.Requests())
	var requests, n float64
	var wall time.Duration
	for b.Loop() {
		c, _ := freshClient(b, tn)
		start := time.Now()
		_, p, err := Plan(context.Background(), c, changed, planParallelism)
		wall += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.TokenImpact) == 0 {
			b.Fatal("no token impact")
		}
		requests += float64(c.Requests())
		n++
	}
	requests, wall = requests/n, wall/time.Duration(n)
	b.ReportMetric(requests, "requests")
	b.ReportMetric(requests-matching, "extra-requests")
	b.ReportMetric((requests-matching)/W1Organizations, "extra-requests/org")
	b.ReportMetric(float64(wall.Microseconds())/1000, "wall-ms")
	if requests-matching > W1Organizations {
		b.Fatalf("token impact: %.0f requests over the matching plan's %.0f, want at most one per organization", requests-matching, matching)
	}
}

func BenchmarkApplyW1Empty(b *testing.B) {
	cfg := W1()
	minimum := float64(minApplyRequests(cfg))
	var requests, n float64
	var wall time.Duration
	for b.Loop() {
		b.StopTimer()
		tn := StartEmulator(b, benchLatency)
		seededTenant(b, cfg, tn, false)
		c, _ := freshClient(b, tn)
		b.StartTimer()
		start := time.Now()
		if _, _, err := Apply(context.Background(), c, cfg, planParallelism); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		requests += float64(c.Requests())
		n++
	}
	requests, wall = requests/n, wall/time.Duration(n)
	reportRequests(b, "apply of W1 into an empty tenant", requests, minimum, wall, W1Organizations)
	b.ReportMetric(requests/wall.Seconds(), "requests/s")
}

func BenchmarkPerObjectRefreshW1(b *testing.B) {
	tn := matchingW1(b)
	cfg := W1()
	c, _ := freshClient(b, tn)
	live, _, err := Plan(context.Background(), c, cfg, planParallelism)
	if err != nil {
		b.Fatal(err)
	}
	orgsync := float64(c.Requests())
	var requests, n float64
	var wall time.Duration
	for b.Loop() {
		c, _ := freshClient(b, tn)
		start := time.Now()
		got, err := perObjectRefresh(context.Background(), c, cfg, live, planParallelism)
		wall += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		requests += float64(got)
		n++
	}
	requests, wall = requests/n, wall/time.Duration(n)
	b.ReportMetric(requests, "requests")
	b.ReportMetric(requests/W1Organizations, "requests/org")
	b.ReportMetric(float64(wall.Microseconds())/1000, "wall-ms")
	b.ReportMetric(orgsync/requests, "orgsync/per-object")
}

// newServer serves e on a loopback server that is never closed (the shared
// tenant lives as long as the test binary).
func newServer(e *emulator.Emulator) *emulatortest.Server {
	srv := httptest.NewServer(e)
	return &emulatortest.Server{URL: srv.URL, AppID: e.AppID(), AppSecret: e.AppSecret(), E: e}
}
