package scaletest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/seed"
)

// Benchmarks against the emulator with benchLatency per request (the wall
// time benchmark with wallLatency):
//
//	go test -bench . -run '^$' -benchtime 1x ./internal/scaletest
//
// B/op and allocs/op count the whole test binary, the in-process emulator
// serving the requests included.

const benchLatency = 2 * time.Millisecond

// wallLatency is the latency of the plan wall-time benchmark: large enough
// that the machine's cores, which the emulator shares, are not what bounds
// the plan.
const wallLatency = 50 * time.Millisecond

// w1Tenant is a W1 tenant (seeded and applied) shared by the benchmarks
// that only read it.
var w1Tenant struct {
	once  sync.Once
	t     *Tenant
	delay *delayed
	err   error
}

// delayed serves next after a delay that may change between benchmarks
// (the emulator's own Latency is fixed when it starts). Like the
// emulator's, the wait holds no lock and ends with the request.
type delayed struct {
	next  http.Handler
	delay atomic.Int64 // nanoseconds
}

func (d *delayed) set(latency time.Duration) { d.delay.Store(int64(latency)) }

func (d *delayed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if ns := d.delay.Load(); ns > 0 {
		t := time.NewTimer(time.Duration(ns))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	d.next.ServeHTTP(w, r)
}

// matchingW1 returns the shared emulated tenant matching W1, serving with
// benchLatency. It lives until the test binary exits.
func matchingW1(b *testing.B) *Tenant {
	w1Tenant.once.Do(func() {
		e, err := emulator.New(emulator.Options{Seed: 1})
		if err != nil {
			w1Tenant.err = err
			return
		}
		d := &delayed{next: e}
		srv := newServer(e, d)
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
		d.set(benchLatency)
		w1Tenant.t, w1Tenant.delay = t, d
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

// reportRequests reports the request and time figures of a measurement and
// fails b when the request count exceeds slack × minimum.
func reportRequests(b *testing.B, what string, requests, minimum, slack float64, wall time.Duration, orgs int, counter *Counter) {
	b.ReportMetric(requests, "requests")
	b.ReportMetric(minimum, "min-requests")
	b.ReportMetric(requests/minimum, "requests/min")
	b.ReportMetric(requests/float64(orgs), "requests/org")
	b.ReportMetric(float64(wall.Microseconds())/1000, "wall-ms")
	if requests > slack*minimum {
		b.Fatalf("%s: %.0f requests, want at most %.3f × the minimum %.0f\n%s", what, requests, slack, minimum, counter)
	}
}

// idealWall is requests × latency / parallelism.
func idealWall(requests float64, latency time.Duration, par int) time.Duration {
	return time.Duration(requests * float64(latency) / float64(par))
}

func BenchmarkPlanW1Matching(b *testing.B) {
	tn := matchingW1(b)
	cfg := W1()
	minimum := float64(minPlanRequests(cfg, W1Organizations, tenantM2MApps(cfg)))
	b.ReportAllocs()
	var requests, n float64
	var wall time.Duration
	var peak, base uint64
	var counter *Counter
	for b.Loop() {
		b.StopTimer()
		var c *logto.Client
		c, counter = freshClient(b, tn)
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
	reportRequests(b, "plan of a tenant matching W1", requests, minimum, planSlack, wall, W1Organizations, counter)
	ideal := idealWall(requests, benchLatency, planParallelism)
	b.ReportMetric(float64(wall)/float64(ideal), "wall/ideal")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "plan-heap-MB")
}

// lastAnswer records when the last response came in.
type lastAnswer struct {
	next http.RoundTripper
	at   atomic.Int64 // Unix nanoseconds
}

func (l *lastAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	l.at.Store(time.Now().UnixNano())
	return resp, err
}

// BenchmarkPlanW1Wall measures the wall time of a plan of a tenant
// matching W1 at wallLatency per request and parallelism 8 and 32, against
// the ideal requests × latency / parallelism (every slot busy from the
// first request to the last). Nothing fails on time: it is reported.
func BenchmarkPlanW1Wall(b *testing.B) {
	tn := matchingW1(b)
	cfg := W1()
	minimum := float64(minPlanRequests(cfg, W1Organizations, tenantM2MApps(cfg)))
	w1Tenant.delay.set(wallLatency)
	defer w1Tenant.delay.set(benchLatency)
	for _, par := range []int{8, 32} {
		b.Run(fmt.Sprintf("parallelism-%d", par), func(b *testing.B) {
			b.ReportAllocs()
			var requests, ratio, readsRatio, n float64
			var wall, afterReads time.Duration
			var counter *Counter
			for b.Loop() {
				b.StopTimer()
				var c *logto.Client
				c, counter = freshClient(b, tn)
				last := &lastAnswer{next: counter.Next}
				counter.Next = last
				b.StartTimer()
				start := time.Now()
				_, p, err := Plan(context.Background(), c, cfg, par)
				took := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				checkNoChanges(b, p)
				reads := time.Unix(0, last.at.Load()).Sub(start)
				ideal := idealWall(float64(c.Requests()), wallLatency, par)
				wall += took
				afterReads += took - reads
				requests += float64(c.Requests())
				ratio += float64(took) / float64(ideal)
				readsRatio += float64(reads) / float64(ideal)
				n++
			}
			requests, wall, afterReads, ratio, readsRatio = requests/n, wall/time.Duration(n), afterReads/time.Duration(n), ratio/n, readsRatio/n
			reportRequests(b, "plan of a tenant matching W1", requests, minimum, planSlack, wall, W1Organizations, counter)
			b.ReportMetric(float64(idealWall(requests, wallLatency, par).Microseconds())/1000, "ideal-ms")
			b.ReportMetric(ratio, "wall/ideal")
			// The reads alone (up to the last answer), and what follows them
			// (computing the plan).
			b.ReportMetric(readsRatio, "reads/ideal")
			b.ReportMetric(float64(afterReads.Microseconds())/1000, "after-reads-ms")
		})
	}
}

// computeTarget is the planner's time budget on W1 (no I/O).
const computeTarget = 200 * time.Millisecond

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
	// A target, not a check: the time depends on the machine's load.
	b.ReportMetric(float64(per)/float64(computeTarget), "compute/target")
	if per > computeTarget {
		b.Logf("diff.Compute on W1 took %v, over the %v target (a busy machine shows here too)", per, computeTarget)
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
	b.ReportAllocs()
	var requests, own, n float64
	var wall time.Duration
	var counter *Counter
	for b.Loop() {
		b.StopTimer()
		tn := StartEmulator(b, benchLatency)
		seededTenant(b, cfg, tn, false)
		var c *logto.Client
		c, counter = freshClient(b, tn)
		b.StartTimer()
		start := time.Now()
		if _, _, err := Apply(context.Background(), c, cfg, planParallelism); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		requests += float64(c.Requests())
		own += float64(bookkeeping(counter))
		n++
	}
	requests, own, wall = requests/n, own/n, wall/time.Duration(n)
	b.ReportMetric(own, "lock+record-requests")
	b.ReportMetric(requests/minimum, "all-requests/min")
	reportRequests(b, "apply of W1 into an empty tenant (lock and record aside)", requests-own, minimum, applySlack, wall, W1Organizations, counter)
	if own > maxBookkeeping {
		b.Fatalf("apply of W1 into an empty tenant: %.0f requests for the lock and the record, want at most %d\n%s", own, maxBookkeeping, counter)
	}
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

// newServer serves e through h on a loopback server that is never closed
// (the shared tenant lives as long as the test binary).
func newServer(e *emulator.Emulator, h http.Handler) *emulatortest.Server {
	srv := httptest.NewServer(h)
	return &emulatortest.Server{URL: srv.URL, AppID: e.AppID(), AppSecret: e.AppSecret(), E: e}
}
