package logto

import (
	"context"
	"math"
	"sync"
	"time"
)

// The client-side rate budget (Config.RequestsPerSecond, Config.RateBurst).
const (
	// cloudRequestsPerSecond and cloudBurst are Logto Cloud's per-tenant
	// limit: "200 requests per 10 seconds per tenant (token-bucket)",
	// roughly 20 per second with bursts up to the bucket (logto-api.md §15).
	cloudRequestsPerSecond = 20
	cloudBurst             = 200
	// jitterAllowance is how much closer together than they were sent
	// requests may reach the server (scheduling, connection reuse). A
	// budget that matches the server's bucket exactly would then overrun it
	// by a request now and then, so the client's bucket is this much of the
	// rate smaller than the server's (5 requests of Logto Cloud's 200), and
	// after a 429 the client starts this far behind the server's bucket.
	jitterAllowance = 250 * time.Millisecond
	// decreaseFactor lowers the rate on a 429 (multiplicative decrease).
	decreaseFactor = 0.8
	// probeStep raises the rate by this fraction per answer that the
	// budget held back, after a decrease: from decreaseFactor to
	// nearThrottle of the rate that drew the 429 takes about 340 answers.
	probeStep = 0.0005
	// nearThrottle: from this share of the rate that drew the last 429 on,
	// the rate rises ten times slower (about 1,000 answers to that rate,
	// 2,000 to 5% above it), so that a limit once found is seldom overrun
	// again within a run.
	nearThrottle = 0.95
	// fastProbeStep is the step far from that rate: below what one decrease
	// gives (several 429s in a row lowered it further), or a quarter above
	// it (the limit has gone up).
	fastProbeStep = 0.01
	// minRequestsPerSecond is the floor no number of 429s goes below.
	minRequestsPerSecond = 0.5
	// estimateSlots × estimateSlot is the window over which the adaptive
	// budget counts answers to estimate an unknown limit on its first 429.
	estimateSlots = 10
	estimateSlot  = 100 * time.Millisecond
)

// limiter is the client-side rate budget: a token bucket that adapts to
// 429 answers. Every attempt reserves a token before it is sent (reserve,
// or wait) and reports its answer (observe).
//
// A known limit (Logto Cloud's, or one given with -rate-limit) starts at
// that rate with a full bucket a little smaller than the server's; the
// first 429 only brings the bucket in step with the server's (someone else
// had used it: a run just before, another client), later ones lower the
// rate. An unknown limit (adaptive) sends without a budget until the first
// 429, then starts at decreaseFactor × the answers of the last second (per
// second), with a bucket of one request.
//
// At most one reaction per flight: a 429 for a request reserved before the
// last reaction says nothing new. A reaction lowers the rate by
// decreaseFactor (down to minRequestsPerSecond), leaves the bucket
// jitterAllowance in debt and wakes the waiting callers, which reserve
// again; a Retry-After holds every caller until then. Answers to requests
// the budget held back raise the rate again by probeStep (a tenth of it
// near the rate that drew the last 429, fastProbeStep far from it), up to
// the known limit.
//
// Concurrent callers queue in arrival order: each takes its token first,
// then waits for it to be due.
type limiter struct {
	mu  sync.Mutex
	now func() time.Time

	adaptive bool    // the limit is unknown
	max      float64 // the known limit; +Inf when adaptive
	maxBurst float64 // bucket size at max (known limit only)
	rate     float64 // current rate; +Inf: no budget yet (adaptive, no 429 so far)
	tokens   float64
	last     time.Time // tokens are accounted up to last, which a Retry-After moves into the future

	epoch      uint64        // reactions so far
	changed    chan struct{} // closed on a reaction: waiting callers reserve again
	synced     bool          // known limit: the first 429 was taken as a sync
	throttleAt float64       // the rate that drew the last decrease (0: none)

	slots [estimateSlots]struct {
		index int64 // which estimateSlot of time since the epoch of time.Time
		n     int
	}
}

// ticket is what a reservation hands to the attempt, for its answer.
type ticket struct {
	epoch   uint64
	limited bool // the budget held the request back (or had no token to spare)
}

// newLimiter returns a budget for a known limit of rps requests per second
// in bursts of burst (0: one second's worth).
func newLimiter(rps, burst float64, now func() time.Time) *limiter {
	if burst <= 0 {
		burst = rps
	}
	b := math.Max(1, burst-rps*jitterAllowance.Seconds())
	return &limiter{now: now, max: rps, maxBurst: b, rate: rps, tokens: b, last: now(), changed: make(chan struct{})}
}

// newAdaptiveLimiter returns a budget for an unknown limit.
func newAdaptiveLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, adaptive: true, max: math.Inf(1), rate: math.Inf(1), last: now(), changed: make(chan struct{})}
}

// burst is the bucket size at the current rate.
func (l *limiter) burst() float64 {
	if l.adaptive {
		return 1
	}
	return math.Max(1, l.maxBurst*l.rate/l.max)
}

// advance refills the bucket up to now.
func (l *limiter) advance(now time.Time) {
	if !now.After(l.last) {
		return
	}
	if !math.IsInf(l.rate, 1) {
		l.tokens = math.Min(l.burst(), l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
}

// reserve takes a token and returns how long the caller must wait before
// sending, its ticket, and a channel closed if a 429 resets the budget
// meanwhile (the caller then reserves again).
func (l *limiter) reserve(now time.Time) (time.Duration, ticket, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	tk := ticket{epoch: l.epoch}
	var wait time.Duration
	if l.last.After(now) {
		wait = l.last.Sub(now) // a Retry-After pause
	}
	if math.IsInf(l.rate, 1) {
		return wait, tk, l.changed
	}
	l.advance(now)
	l.tokens--
	if l.tokens < 0 {
		wait += time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	tk.limited = wait > 0 || l.burst() > 1 && l.tokens < 1
	return wait, tk, l.changed
}

// wait reserves a token and waits until it is due, or until ctx ends (the
// token is then given back).
func (l *limiter) wait(ctx context.Context) (ticket, error) {
	for {
		d, tk, changed := l.reserve(l.now())
		if d <= 0 {
			return tk, nil
		}
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
			return tk, nil
		case <-changed:
			timer.Stop() // the budget was reset: reserve again
		case <-ctx.Done():
			timer.Stop()
			l.giveBack(tk)
			return tk, context.Cause(ctx)
		}
	}
}

// giveBack returns an unused reservation's token, unless a reaction has
// reset the bucket since.
func (l *limiter) giveBack(tk ticket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if tk.epoch == l.epoch && !math.IsInf(l.rate, 1) {
		l.tokens = math.Min(l.burst(), l.tokens+1)
	}
}

// observe takes an attempt's answer: status is the HTTP status (0 when
// none came), retryAfter the delay the answer asked for (0: none).
func (l *limiter) observe(tk ticket, status int, retryAfter time.Duration) (changed bool, rate float64) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case status == 429:
		changed = l.throttled(tk, retryAfter, now)
	case status > 0 && status < 500:
		l.answered(tk, now)
	}
	return changed, l.rate
}

// answered counts an answer and probes the rate up.
func (l *limiter) answered(tk ticket, now time.Time) {
	idx := now.UnixNano() / int64(estimateSlot)
	s := &l.slots[idx%estimateSlots]
	if s.index != idx {
		s.index, s.n = idx, 0
	}
	s.n++
	if !tk.limited || l.rate >= l.max || math.IsInf(l.rate, 1) {
		return
	}
	step := probeStep
	switch at := l.throttleAt; {
	case at == 0:
	case l.rate < decreaseFactor*at*0.99 || l.rate > 1.25*at:
		step = fastProbeStep
	case l.rate >= nearThrottle*at:
		step = probeStep / 10
	}
	l.advance(now)
	l.rate = math.Min(l.max, l.rate*(1+step))
}

// recentAnswers is the number of answers counted in the last second.
func (l *limiter) recentAnswers(now time.Time) int {
	idx := now.UnixNano() / int64(estimateSlot)
	n := 0
	for _, s := range l.slots {
		if s.index > idx-estimateSlots && s.index <= idx {
			n += s.n
		}
	}
	return n
}

// throttled reacts to a 429; it reports whether the budget changed.
func (l *limiter) throttled(tk ticket, retryAfter time.Duration, now time.Time) bool {
	if tk.epoch != l.epoch {
		// Sent before the last reaction: nothing new, but a later
		// Retry-After still holds everyone (the waiting callers reserve
		// again, so the bucket starts over).
		if until := now.Add(retryAfter); retryAfter > 0 && until.After(l.last) {
			l.last, l.tokens = until, 1
			l.wake()
			return true
		}
		return false
	}
	l.advance(now)
	switch {
	case math.IsInf(l.rate, 1):
		// The first 429 of an unknown limit: start from the rate Logto
		// answered at over the last second.
		est := float64(l.recentAnswers(now)) / (estimateSlots * estimateSlot).Seconds()
		l.throttleAt = math.Max(minRequestsPerSecond, est)
		l.rate = math.Max(minRequestsPerSecond, decreaseFactor*l.throttleAt)
		l.tokens = 0
	case !l.adaptive && !l.synced:
		l.synced = true // the server's bucket was not full: get in step with it
	default:
		l.throttleAt = l.rate
		l.rate = math.Max(minRequestsPerSecond, decreaseFactor*l.rate)
	}
	l.tokens = math.Min(l.tokens, -math.Max(1, l.rate*jitterAllowance.Seconds()))
	if retryAfter > 0 {
		// Logto said when: come back then, without the extra debt.
		l.last, l.tokens = now.Add(retryAfter), 1
	}
	l.epoch++
	l.wake()
	return true
}

// wake makes the callers waiting for a token reserve again.
func (l *limiter) wake() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// rateBudget is the budget Config.RequestsPerSecond, RateBurst and
// AdaptiveRate ask for on host; nil means none.
func rateBudget(rps, burst float64, adaptive bool, host string) *limiter {
	switch {
	case rps > 0:
		return newLimiter(rps, burst, time.Now)
	case rps < 0:
		return nil
	case adaptive:
		return newAdaptiveLimiter(time.Now)
	case isCloudHost(host):
		return newLimiter(cloudRequestsPerSecond, cloudBurst, time.Now)
	case isLoopback(host):
		// A Logto on this machine (development, the emulator): no proxy
		// limits it, and 429s that a fault injection sends at random
		// must not slow the client down.
		return nil
	}
	return newAdaptiveLimiter(time.Now)
}

// logBudget says at debug level which budget the client runs with.
func (c *Client) logBudget(rps float64) {
	e := c.log.Debug()
	if e == nil {
		return
	}
	switch l := c.limiter; {
	case l == nil:
		e.Str("rate_budget", "unlimited").Msg("logto: no client-side rate budget")
	case l.adaptive:
		e.Str("rate_budget", "adaptive").Msg("logto: no rate budget until Logto answers 429, then one learned from its answers")
	default:
		source := "requested"
		if rps == 0 {
			source = "logto-cloud"
		}
		e.Str("rate_budget", source).Float64("requests_per_second", l.max).Float64("burst", l.maxBurst).
			Msg("logto: client-side rate budget")
	}
}
