package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/logto"
)

// rateLimitEnv sets the rate budget like -rate-limit, which wins over it.
const rateLimitEnv = "ORGSYNC_RATE_LIMIT"

// rateLimit is -rate-limit: the client-side budget of requests to Logto.
//
//	auto        the default: Logto Cloud's 200 per 10 s on *.logto.app, none
//	            on a loopback endpoint, learned from 429s elsewhere
//	adaptive    learned from 429s, whatever the endpoint
//	0|unlimited no budget
//	N           N requests per second, in bursts of up to one second's worth
//	N/PERIOD    a bucket of N requests refilled over PERIOD (200/10s, 600/m)
type rateLimit struct {
	set      bool    // given on the command line
	rps      float64 // logto.Config.RequestsPerSecond
	burst    float64 // logto.Config.RateBurst
	adaptive bool    // logto.Config.AdaptiveRate
	text     string  // as given
}

const rateLimitHelp = `use a number of requests per second (10), a bucket of N requests per PERIOD (200/10s), ` +
	`0 or unlimited for no budget, adaptive, or auto`

func parseRateLimit(s string) (rateLimit, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	r := rateLimit{text: s}
	switch v {
	case "auto":
		return r, nil
	case "adaptive":
		r.adaptive = true
		return r, nil
	case "unlimited", "none":
		r.rps = -1
		return r, nil
	}
	count, period, hasPeriod := strings.Cut(v, "/")
	n, err := strconv.ParseFloat(count, 64)
	if err != nil || math.IsNaN(n) || n < 0 || n > 1e6 {
		return r, errors.New(rateLimitHelp)
	}
	if !hasPeriod {
		if n == 0 {
			r.rps = -1
		} else {
			r.rps = n
		}
		return r, nil
	}
	d, ok := parsePeriod(period)
	if !ok || n < 1 {
		return r, errors.New(rateLimitHelp)
	}
	r.rps, r.burst = n/d.Seconds(), n
	return r, nil
}

// parsePeriod is a positive duration (10s, 1m30s) or a bare unit (s, m, h).
func parsePeriod(s string) (time.Duration, bool) {
	switch s {
	case "s":
		return time.Second, true
	case "m", "min":
		return time.Minute, true
	case "h":
		return time.Hour, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// String implements flag.Value.
func (r *rateLimit) String() string {
	if r == nil || r.text == "" {
		return "auto"
	}
	return r.text
}

// Set implements flag.Value.
func (r *rateLimit) Set(s string) error {
	parsed, err := parseRateLimit(s)
	if err != nil {
		return err
	}
	*r = parsed
	r.set = true
	return nil
}

// resolve returns the budget: the flag, else ORGSYNC_RATE_LIMIT, else auto.
func (r *rateLimit) resolve(getenv func(string) string) (rateLimit, error) {
	if r.set || getenv == nil {
		return *r, nil
	}
	v := getenv(rateLimitEnv)
	if strings.TrimSpace(v) == "" {
		return *r, nil
	}
	parsed, err := parseRateLimit(v)
	if err != nil {
		return *r, fmt.Errorf("%s=%q: %w", rateLimitEnv, v, err)
	}
	return parsed, nil
}

// apply sets the budget's fields of cfg.
func (r rateLimit) apply(cfg *logto.Config) {
	cfg.RequestsPerSecond, cfg.RateBurst, cfg.AdaptiveRate = r.rps, r.burst, r.adaptive
}

// serverLimit is the emulator's -rate-limit: a boolean flag (Logto Cloud's
// bucket) that also takes a bucket of its own, -rate-limit=N/PERIOD or =N.
type serverLimit struct {
	on        bool
	capacity  int
	perSecond float64
	text      string
}

// IsBoolFlag lets -rate-limit stand alone.
func (l *serverLimit) IsBoolFlag() bool { return true }

// String implements flag.Value.
func (l *serverLimit) String() string {
	if l == nil || l.text == "" {
		return "false"
	}
	return l.text
}

// Set implements flag.Value.
func (l *serverLimit) Set(s string) error {
	switch strings.ToLower(s) {
	case "true":
		*l = serverLimit{on: true, text: s}
		return nil
	case "false", "0":
		*l = serverLimit{text: s}
		return nil
	}
	r, err := parseRateLimit(s)
	if err != nil || r.rps <= 0 {
		return errors.New("use -rate-limit alone for Logto Cloud's 200 requests per 10 s, or a bucket: -rate-limit=N/PERIOD (20/2s) or -rate-limit=N per second")
	}
	capacity := r.burst
	if capacity == 0 {
		capacity = r.rps
	}
	*l = serverLimit{on: true, capacity: max(1, int(capacity)), perSecond: r.rps, text: s}
	return nil
}
