package scaletest

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// Rate-limit benchmarks: a W1 slice applied into an emptied tenant whose
// emulator enforces a token-bucket limit, measured from the first request
// of the apply to the last:
//
//	go test -bench ApplyRateLimited -run '^$' -benchtime 1x ./internal/scaletest
//
// Each case takes about two minutes: it runs at the limit's pace.

// rateLimitCase is one server limit and the client budget sent against it.
type rateLimitCase struct {
	name string
	// host is the endpoint's host name the client sees (the connection
	// still goes to the loopback emulator): a *.logto.app host gets the
	// client's Logto Cloud budget, any other host the adaptive one.
	host string
	orgs int
	// capacity and perSecond are the emulator's bucket.
	capacity  int
	perSecond float64
	// retryAfter makes the emulator's 429 carry Retry-After.
	retryAfter bool
	// rps and burst are Config.RequestsPerSecond and Config.RateBurst
	// (what -rate-limit sets); 0 is the default for the host.
	rps, burst float64
	// maxShare429 is the most 429s may be of all requests; minAllowed the
	// least share of the allowed throughput the apply must use (0: not
	// checked).
	maxShare429, minAllowed float64
}

var rateLimitCases = []rateLimitCase{
	// Logto Cloud: 200 requests per 10 s per tenant, token bucket
	// (logto-api.md §15), with the client's default budget for the host.
	{name: "cloud-default", host: "bench.logto.app", orgs: 200, capacity: 200, perSecond: 20, minAllowed: 0.95},
	// A self-hosted Logto behind a proxy limiting to 10/s with a burst
	// of 20, unknown to the client: it adapts from the first 429s.
	{name: "selfhosted-adaptive", host: "logto.internal.example", orgs: 100, capacity: 20, perSecond: 10, maxShare429: 0.01},
	// The same, with a proxy that says when to come back.
	{name: "selfhosted-adaptive-retry-after", host: "logto.internal.example", orgs: 100, capacity: 20, perSecond: 10, retryAfter: true, maxShare429: 0.01},
	// The same limit given with -rate-limit 10: no 429 at all.
	{name: "selfhosted-flag", host: "logto.internal.example", orgs: 100, capacity: 20, perSecond: 10, rps: 10},
}

// BenchmarkApplyRateLimited applies a W1 slice under each rateLimitCase and
// reports the requests, the 429s and their share, the share of the
// server's allowed throughput used (its bucket plus its refill over the
// apply) and the client's allocations.
func BenchmarkApplyRateLimited(b *testing.B) {
	for _, rc := range rateLimitCases {
		b.Run(rc.name, func(b *testing.B) { benchRateLimited(b, rc) })
	}
}

func benchRateLimited(b *testing.B, rc rateLimitCase) {
	cfg := W1Slice(rc.orgs)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		opts := emulator.Options{
			Latency: benchLatency, Seed: 1, RateLimit: true,
			RateLimitCapacity: rc.capacity, RateLimitPerSecond: rc.perSecond, RateLimitRetryAfter: rc.retryAfter,
		}
		tn := StartTenant(b, opts, -1)
		tn.Server.E.SetRateLimit(false)
		seededTenant(b, cfg, tn, false)
		counter := &Counter{}
		c, err := hostClient(tn, rc.host, rc.rps, rc.burst, counter)
		if err != nil {
			b.Fatal(err)
		}
		tn.Server.E.SetRateLimit(true) // a full bucket
		tn.Server.E.ResetRequests()
		b.StartTimer()
		start := time.Now()
		_, res, err := Apply(context.Background(), c, cfg, planParallelism)
		wall := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		total := float64(counter.Total())
		throttled := float64(tn.Server.E.Throttled())
		served := total - throttled
		allowed := float64(rc.capacity) + rc.perSecond*wall.Seconds()
		b.ReportMetric(total, "requests")
		b.ReportMetric(throttled, "429s")
		b.ReportMetric(100*throttled/total, "429%")
		b.ReportMetric(served/wall.Seconds(), "requests/s")
		b.ReportMetric(100*served/allowed, "%allowed")
		b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
		if counter.Status(http.StatusTooManyRequests) != int(throttled) {
			b.Errorf("the client saw %d 429s, the emulator sent %.0f", counter.Status(http.StatusTooManyRequests), throttled)
		}
		if len(res.Failed) > 0 {
			b.Fatalf("%d operations failed under the rate limit, e.g. %v", len(res.Failed), res.Failed[0])
		}
		if throttled/total > rc.maxShare429 {
			b.Errorf("%.0f of %.0f requests (%.2f%%) got 429, want at most %.0f%%", throttled, total, 100*throttled/total, 100*rc.maxShare429)
		}
		if rc.minAllowed > 0 && served/allowed < rc.minAllowed {
			b.Errorf("used %.1f%% of the allowed throughput, want at least %.0f%%", 100*served/allowed, 100*rc.minAllowed)
		}
		b.StartTimer()
	}
}

// hostClient returns a client for tn's emulator that believes it talks to
// http://host: every connection goes to the emulator, so the client's
// per-host default rate budget is the one for host.
func hostClient(tn *Tenant, host string, rps, burst float64, counter *Counter) (*logto.Client, error) {
	u, err := url.Parse(tn.Server.URL)
	if err != nil {
		return nil, err
	}
	addr := u.Host
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	counter.Next = tr
	return logto.New(logto.Config{
		Endpoint:          "http://" + host,
		InsecureHTTP:      true, // plain http to the loopback emulator under another name
		AppID:             tn.Server.AppID,
		AppSecret:         tn.Server.AppSecret,
		Resource:          tn.Server.E.Resource(),
		HTTPClient:        &http.Client{Transport: counter, Timeout: time.Minute},
		RequestsPerSecond: rps,
		RateBurst:         burst,
	})
}
