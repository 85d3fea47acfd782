package logto

import (
	"container/heap"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newFakeClock() *fakeClock            { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }
func approx(got, want time.Duration) bool { return (got - want).Abs() < time.Microsecond }
func approxRate(got, want float64) bool   { return math.Abs(got-want) < 1e-9*math.Max(1, want) }
func seconds(f float64) time.Duration     { return time.Duration(f * float64(time.Second)) }
func reserveAt(l *limiter) (time.Duration, ticket) {
	d, tk, _ := l.reserve(l.now())
	return d, tk
}

func TestRateBudgetDefaults(t *testing.T) {
	tests := []struct {
		endpoint   string
		rps, burst float64
		explicit   bool // Config.AdaptiveRate
		adaptive   bool
		want       float64 // 0: no budget at all
		wantBurst  float64
	}{
		{endpoint: "https://abc.logto.app", want: 20, wantBurst: 195},
		{endpoint: "https://abc.logto.app", rps: 5, want: 5, wantBurst: 3.75},
		{endpoint: "https://abc.logto.app", rps: -1},
		{endpoint: "http://127.0.0.1:3001"},
		{endpoint: "http://localhost:3001"},
		{endpoint: "http://127.0.0.1:3001", rps: 7, want: 7, wantBurst: 5.25},
		{endpoint: "https://logto.example.com", adaptive: true},
		{endpoint: "http://127.0.0.1:3001", explicit: true, adaptive: true},
		{endpoint: "https://abc.logto.app", explicit: true, adaptive: true},
		{endpoint: "https://abc.logto.app", rps: 5, explicit: true, want: 5, wantBurst: 3.75},
		{endpoint: "https://logto.example.com", rps: 40, want: 40, wantBurst: 30},
		{endpoint: "https://logto.example.com", rps: 10, burst: 50, want: 10, wantBurst: 47.5},
		{endpoint: "https://logto.example.com", rps: 2, burst: 1, want: 2, wantBurst: 1},
	}
	for _, tt := range tests {
		c, err := New(Config{Endpoint: tt.endpoint, AppID: "a", AppSecret: "s", RequestsPerSecond: tt.rps, RateBurst: tt.burst, AdaptiveRate: tt.explicit})
		if err != nil {
			t.Fatal(err)
		}
		l := c.limiter
		switch {
		case tt.want == 0 && !tt.adaptive:
			if l != nil {
				t.Errorf("%s rps=%v: budget %+v, want none", tt.endpoint, tt.rps, l)
			}
		case tt.adaptive:
			if l == nil || !l.adaptive || !math.IsInf(l.currentRate(), 1) {
				t.Errorf("%s rps=%v: budget %+v, want adaptive (unlimited until a 429)", tt.endpoint, tt.rps, l)
			}
		case l == nil || l.adaptive || l.currentRate() != tt.want || l.maxBurst != tt.wantBurst:
			t.Errorf("%s rps=%v burst=%v: budget %+v, want %v/s in bursts of %v", tt.endpoint, tt.rps, tt.burst, l, tt.want, tt.wantBurst)
		}
	}
}

// TestKnownLimitBucket: Logto Cloud's budget starts with 195 of the
// server's 200 requests and refills at 20 per second; callers queue.
func TestKnownLimitBucket(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(20, 200, clock.now)
	for i := range 195 {
		if d, _ := reserveAt(l); d != 0 {
			t.Fatalf("request %d waited %v", i+1, d)
		}
	}
	for i, want := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond} {
		if d, tk := reserveAt(l); !approx(d, want) || !tk.limited {
			t.Errorf("request %d: wait %v limited %v, want %v, limited", 196+i, d, tk.limited, want)
		}
	}
	clock.add(time.Hour) // idle: the bucket fills up to 195, no more
	for i := range 195 {
		if d, _ := reserveAt(l); d != 0 {
			t.Fatalf("after an hour, request %d waited %v", i+1, d)
		}
	}
	if d, _ := reserveAt(l); !approx(d, 50*time.Millisecond) {
		t.Errorf("after an hour, the 196th waited %v, want 50ms", d)
	}
}

// TestKnownLimitOn429: the first 429 only brings the bucket in step with the
// server's (a quarter second behind it); the next lowers the rate; a 429
// for a request reserved before the last reaction changes nothing.
func TestKnownLimitOn429(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(20, 200, clock.now)
	_, early := reserveAt(l)
	_, tk := reserveAt(l)
	if changed, rate := l.observe(tk, http.StatusTooManyRequests, 0); !changed || rate != 20 {
		t.Fatalf("first 429: changed %v rate %v, want a sync at 20/s", changed, rate)
	}
	if d, _ := reserveAt(l); !approx(d, 300*time.Millisecond) {
		t.Errorf("after the first 429: wait %v, want 300ms (6 tokens at 20/s)", d)
	}
	if changed, _ := l.observe(early, http.StatusTooManyRequests, 0); changed {
		t.Error("a 429 for a request reserved before the sync changed the budget")
	}
	_, tk = reserveAt(l)
	if _, rate := l.observe(tk, http.StatusTooManyRequests, 0); rate != 16 {
		t.Errorf("second 429: rate %v, want 16", rate)
	}
	for range 1000 { // the floor
		_, tk = reserveAt(l)
		l.observe(tk, http.StatusTooManyRequests, 0)
	}
	if r := l.currentRate(); r != minRequestsPerSecond {
		t.Errorf("after 1000 429s: rate %v, want the floor %v", r, minRequestsPerSecond)
	}
}

// TestProbeUp: answers to requests the budget held back raise the rate,
// slowly near the rate that drew the last 429, never above the known limit;
// answers to requests it did not hold back change nothing.
func TestProbeUp(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(10, 1, clock.now)
	l.synced = true
	_, tk := reserveAt(l)
	l.observe(tk, http.StatusTooManyRequests, 0) // 10 → 8
	_, tk = reserveAt(l)
	if !tk.limited {
		t.Fatal("a request reserved in debt is not marked limited")
	}
	l.observe(tk, http.StatusOK, 0)
	if r := l.currentRate(); !approxRate(r, 8*(1+probeStep)) {
		t.Errorf("after one limited answer: %v, want %v", r, 8*(1+probeStep))
	}
	l.observe(ticket{epoch: l.epoch}, http.StatusOK, 0)
	l.observe(ticket{epoch: l.epoch, limited: true}, http.StatusInternalServerError, 0)
	if r := l.currentRate(); !approxRate(r, 8*(1+probeStep)) {
		t.Errorf("an unlimited answer or a 500 moved the rate to %v", r)
	}
	for range 10_000 {
		l.observe(ticket{epoch: l.epoch, limited: true}, http.StatusOK, 0)
	}
	if r := l.currentRate(); r != 10 {
		t.Errorf("after 10,000 limited answers: %v, want the limit 10", r)
	}
	// Near the rate that drew the last 429, ten times slower; far below
	// it, fast.
	_, tk = reserveAt(l)
	l.observe(tk, http.StatusTooManyRequests, 0) // 10 → 8, the last 429 at 10
	l.mu.Lock()
	l.rate = 9.6
	l.mu.Unlock()
	l.observe(ticket{epoch: l.epoch, limited: true}, http.StatusOK, 0)
	if r := l.currentRate(); !approxRate(r, 9.6*(1+probeStep/10)) {
		t.Errorf("at 96%% of the last 429's rate: %v, want %v", r, 9.6*(1+probeStep/10))
	}
	l.mu.Lock()
	l.rate = 5
	l.mu.Unlock()
	l.observe(ticket{epoch: l.epoch, limited: true}, http.StatusOK, 0)
	if r := l.currentRate(); !approxRate(r, 5*(1+fastProbeStep)) {
		t.Errorf("at half the last 429's rate: %v, want %v", r, 5*(1+fastProbeStep))
	}
}

// TestAdaptiveLearnsFromFirst429: no budget until the first 429, then 0.8 ×
// the answers of the last second, with a bucket of one request.
func TestAdaptiveLearnsFromFirst429(t *testing.T) {
	clock := newFakeClock()
	l := newAdaptiveLimiter(clock.now)
	for range 2000 { // answers spread over 2 s: 1,000 per second
		d, tk := reserveAt(l)
		if d != 0 || tk.limited {
			t.Fatalf("no budget yet, but wait %v limited %v", d, tk.limited)
		}
		clock.add(time.Millisecond)
		l.observe(tk, http.StatusOK, 0)
	}
	_, tk := reserveAt(l)
	// The window holds the 900 answers of the nine 100 ms slots before the
	// current one and the one answer of the current slot.
	if _, rate := l.observe(tk, http.StatusTooManyRequests, 0); !approxRate(rate, 0.8*901) {
		t.Fatalf("rate after the first 429: %v, want 0.8 × 901", rate)
	}
	// A quarter second's worth of debt: 180.2 tokens, and this one.
	want := seconds(181.2 / 720.8)
	if d, _ := reserveAt(l); !approx(d, want) {
		t.Errorf("first wait after the 429: %v, want %v", d, want)
	}
	clock.add(time.Hour)
	reserveAt(l)
	if d, _ := reserveAt(l); !approx(d, seconds(1/720.8)) {
		t.Errorf("after an idle hour the second request waits %v, want 1/720.8 s (a bucket of one)", d)
	}
}

// TestRetryAfterHoldsEveryone: a Retry-After holds every caller until it
// has passed, then they go at the budget's pace; a longer one on a request
// of an earlier flight extends the hold.
func TestRetryAfterHoldsEveryone(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(10, 10, clock.now)
	_, early := reserveAt(l)
	_, tk := reserveAt(l)
	l.observe(tk, http.StatusTooManyRequests, 2*time.Second)
	for i, want := range []time.Duration{2 * time.Second, 2100 * time.Millisecond, 2200 * time.Millisecond} {
		if d, _ := reserveAt(l); !approx(d, want) {
			t.Errorf("caller %d waits %v, want %v", i+1, d, want)
		}
	}
	if changed, _ := l.observe(early, http.StatusTooManyRequests, 5*time.Second); !changed {
		t.Error("a longer Retry-After did not extend the hold")
	}
	if d, _ := reserveAt(l); !approx(d, 5*time.Second) {
		t.Errorf("after the longer Retry-After: %v, want 5s", d)
	}
}

// TestWaitHonoursContextAndResets: wait gives its token back when the
// context ends, and reserves again when a 429 resets the budget.
func TestWaitHonoursContextAndResets(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(1, 1, clock.now)
	reserveAt(l) // the bucket's only token
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("wait on a cancelled context = %v", err)
	}
	if d, _ := reserveAt(l); !approx(d, time.Second) {
		t.Errorf("after a cancelled wait the next one waits %v, want 1s (the token given back)", d)
	}

	// A caller waiting an hour (the clock does not move) is woken by a 429
	// and reserves again: now it waits only for the 429's Retry-After.
	l = newLimiter(1.0/3600, 1, clock.now)
	_, tk := reserveAt(l)
	done := make(chan error, 1)
	go func() {
		_, err := l.wait(context.Background())
		done <- err
	}()
	for {
		l.mu.Lock()
		queued := l.tokens < -0.5
		l.mu.Unlock()
		if queued {
			break
		}
		time.Sleep(time.Millisecond)
	}
	l.mu.Lock()
	l.synced = true
	l.mu.Unlock()
	l.observe(tk, http.StatusTooManyRequests, 10*time.Millisecond)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiter was not woken by the 429")
	}
}

// ---- the budget against simulated servers, on a simulated clock ----

// simServer is a rate-limited server: a token bucket, and a share of 429s
// at random (fault injection) on top.
type simServer struct {
	capacity, perSecond float64 // 0 capacity: no limit
	retryAfter          bool
	randomShare         float64
	rng                 *rand.Rand

	bucket float64
	last   time.Time
}

func (s *simServer) serve(now time.Time) (status int, retryAfter time.Duration) {
	if s.randomShare > 0 && s.rng.Float64() < s.randomShare {
		return http.StatusTooManyRequests, 0
	}
	if s.capacity == 0 {
		return http.StatusOK, 0
	}
	if s.last.IsZero() {
		s.bucket, s.last = s.capacity, now
	}
	s.bucket = math.Min(s.capacity, s.bucket+now.Sub(s.last).Seconds()*s.perSecond)
	s.last = now
	if s.bucket < 1 {
		if s.retryAfter {
			return http.StatusTooManyRequests, time.Duration(math.Ceil((1-s.bucket)/s.perSecond)) * time.Second
		}
		return http.StatusTooManyRequests, 0
	}
	s.bucket--
	return http.StatusOK, 0
}

// simEvent is a worker's next step: reserve a token, send when it is due,
// or take the answer.
type simEvent struct {
	kind   int
	at     time.Time
	worker int
	tk     ticket
}

const (
	simReserve = iota
	simSend
	simAnswer
)

type simQueue []simEvent

func (q simQueue) Len() int           { return len(q) }
func (q simQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q simQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)        { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type simResult struct {
	requests, throttled int
	elapsed             time.Duration
}

// simulate sends calls successful requests from workers concurrent
// callers through l to srv: each request reaches the server latency after
// it is sent (plus up to jitter more, at random) and is answered at once;
// a 429 is retried after Retry-After or 250 ms, like the client's backoff.
func simulate(l *limiter, clock *fakeClock, srv *simServer, workers, calls int, latency, jitter time.Duration) simResult {
	rng := rand.New(rand.NewPCG(1, 2))
	start := clock.t
	var q simQueue
	for w := range workers {
		heap.Push(&q, simEvent{kind: simReserve, at: start, worker: w})
	}
	var res simResult
	ok := 0
	for q.Len() > 0 && ok < calls {
		e := heap.Pop(&q).(simEvent)
		clock.t = e.at
		switch e.kind {
		case simReserve:
			var d time.Duration
			var tk ticket
			if l != nil {
				d, tk, _ = l.reserve(e.at)
			}
			heap.Push(&q, simEvent{kind: simSend, at: e.at.Add(d), worker: e.worker, tk: tk})
			continue
		case simSend:
			if l != nil && l.epoch != e.tk.epoch {
				// A 429 reset the budget while this caller waited: it
				// reserves again, as limiter.wait does.
				heap.Push(&q, simEvent{kind: simReserve, at: e.at, worker: e.worker})
				continue
			}
			arrive := e.at.Add(latency + time.Duration(rng.Int64N(int64(jitter)+1)))
			heap.Push(&q, simEvent{kind: simAnswer, at: arrive, worker: e.worker, tk: e.tk})
			continue
		}
		res.requests++
		status, ra := srv.serve(e.at)
		if l != nil {
			l.observe(e.tk, status, ra)
		}
		next := e.at.Add(latency)
		if status == http.StatusTooManyRequests {
			res.throttled++
			next = next.Add(max(ra, 250*time.Millisecond))
		} else {
			ok++
		}
		heap.Push(&q, simEvent{kind: simReserve, at: next, worker: e.worker})
	}
	res.elapsed = clock.t.Sub(start)
	return res
}

// TestBudgetAgainstCloudLimit: Logto Cloud's budget against its bucket,
// 2,150 requests (a 200-organization W1 slice) at parallelism 8: no 429,
// and at least 95% of what the bucket allows.
func TestBudgetAgainstCloudLimit(t *testing.T) {
	clock := newFakeClock()
	srv := &simServer{capacity: 200, perSecond: 20}
	res := simulate(newLimiter(cloudRequestsPerSecond, cloudBurst, clock.now), clock, srv, 8, 2150, 2*time.Millisecond, 200*time.Millisecond)
	allowed := 200 + 20*res.elapsed.Seconds()
	t.Logf("%d requests, %d 429s, %.1f%% of the allowed throughput in %v", res.requests, res.throttled, 100*float64(res.requests)/allowed, res.elapsed)
	if res.throttled > 0 {
		t.Errorf("%d 429s, want none", res.throttled)
	}
	if share := float64(res.requests) / allowed; share < 0.95 {
		t.Errorf("%.1f%% of the allowed throughput, want at least 95%%", 100*share)
	}
}

// TestBudgetAfterAnotherRun: a run that starts when an earlier one has
// emptied the Cloud bucket gets in step after one flight of 429s.
func TestBudgetAfterAnotherRun(t *testing.T) {
	clock := newFakeClock()
	srv := &simServer{capacity: 200, perSecond: 20}
	srv.serve(clock.t)
	srv.bucket = 0
	res := simulate(newLimiter(cloudRequestsPerSecond, cloudBurst, clock.now), clock, srv, 8, 2000, 2*time.Millisecond, 10*time.Millisecond)
	t.Logf("%d requests, %d 429s in %v", res.requests, res.throttled, res.elapsed)
	if res.throttled > 8 {
		t.Errorf("%d 429s, want at most one flight (8)", res.throttled)
	}
}

// TestAdaptiveAgainstUnknownLimit: an unknown limit (10 per second, burst
// 20) learned from its 429s, with and without Retry-After: at most 1% of
// the requests get 429 over a 100-organization W1 slice.
func TestAdaptiveAgainstUnknownLimit(t *testing.T) {
	for _, tt := range []struct {
		name       string
		retryAfter bool
		capacity   float64
		perSecond  float64
	}{
		{"10/s", false, 20, 10},
		{"10/s Retry-After", true, 20, 10},
		{"100/s", false, 100, 100},
		{"2/s", false, 5, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			srv := &simServer{capacity: tt.capacity, perSecond: tt.perSecond, retryAfter: tt.retryAfter}
			res := simulate(newAdaptiveLimiter(clock.now), clock, srv, 8, 1100, 2*time.Millisecond, time.Millisecond)
			share := float64(res.throttled) / float64(res.requests)
			allowed := tt.capacity + tt.perSecond*res.elapsed.Seconds()
			t.Logf("%d requests, %d 429s (%.2f%%), %.1f%% of the allowed throughput in %v", res.requests, res.throttled, 100*share, 100*float64(res.requests-res.throttled)/allowed, res.elapsed)
			if share > 0.01 {
				t.Errorf("%.2f%% of the requests got 429, want at most 1%%", 100*share)
			}
		})
	}
}

// TestKnownLimitAgainstServer: -rate-limit set to the server's rate: no
// 429.
func TestKnownLimitAgainstServer(t *testing.T) {
	clock := newFakeClock()
	srv := &simServer{capacity: 20, perSecond: 10}
	res := simulate(newLimiter(10, 0, clock.now), clock, srv, 8, 1100, 2*time.Millisecond, 100*time.Millisecond)
	t.Logf("%d requests, %d 429s in %v", res.requests, res.throttled, res.elapsed)
	if res.throttled > 0 {
		t.Errorf("%d 429s, want none", res.throttled)
	}
}

// TestAutoOnLoopbackIgnoresRandom429s: 429s that a fault injection sends
// at random on a loopback endpoint (the emulator's -fault-rate) do not slow
// the client: auto sets no budget there.
func TestAutoOnLoopbackIgnoresRandom429s(t *testing.T) {
	c, err := New(Config{Endpoint: "http://127.0.0.1:3001", AppID: "a", AppSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.limiter != nil {
		t.Fatalf("loopback: budget %+v, want none", c.limiter)
	}
}
