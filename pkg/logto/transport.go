package logto

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/rs/zerolog"
)

// Transport defaults. Tests shorten the waits through Config.RetryWaitMin/Max.
const (
	defaultMaxRetries   = 5
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second
	// maxRetryAfter bounds how long a server-sent Retry-After may hold a call.
	maxRetryAfter = 2 * time.Minute
	// attemptTimeout bounds one HTTP attempt on the default client, body
	// included.
	attemptTimeout = 60 * time.Second
	// dialTimeout and tlsHandshakeTimeout bound connecting; a host that does
	// not accept connections fails fast.
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	// defaultResponseTimeout bounds the wait for the first byte of an answer:
	// Logto answers a page of 100 in well under a second.
	defaultResponseTimeout = 30 * time.Second
	// tokenMaxRetries bounds the retries of a token request: every call waits
	// for the token, so a token endpoint that does not answer must fail soon.
	tokenMaxRetries = 2
)

// idempotentKey marks a context whose POSTs may be retried.
type idempotentKey struct{}

// Idempotent marks ctx so that POST requests made with it are retried like
// GET/PUT/PATCH/DELETE (on 5xx and on dropped connections). Use it for POSTs
// that Logto applies with "on conflict do nothing" (relation adds).
func Idempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

// unretriedKey marks a context whose non-idempotent POSTs are not retried
// on answers that may hide a change.
type unretriedKey struct{}

// Unretried marks ctx so that a non-idempotent POST made with it is not
// retried on 429 either: the caller checks whether the call took effect
// before repeating it. Logto Cloud's 429 comes from infrastructure in front
// of Logto (logto-api.md §15), which does not promise the request was not
// processed, so retrying a create on it could create the object twice.
// Connection failures before the request was sent are still retried.
func Unretried(ctx context.Context) context.Context {
	return context.WithValue(ctx, unretriedKey{}, true)
}

func isIdempotent(ctx context.Context, method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	marked, _ := ctx.Value(idempotentKey{}).(bool)
	return marked
}

// callState travels in the request context through retryablehttp to the
// retry policy and the counting transport: one per logical call.
type callState struct {
	method, path string // for retry notices; path without the query
	idempotent   bool
	unretried    bool // a non-idempotent call whose caller checks the outcome (Unretried)
	attempts     atomic.Int32
	// lastErr is the transport error of the last attempt (nil when Logto
	// answered); written by checkRetry, read by the retry notice, both on the
	// calling goroutine.
	lastErr error
}

type callStateKey struct{}

func withCallState(ctx context.Context, st *callState) context.Context {
	return context.WithValue(ctx, callStateKey{}, st)
}

func callStateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

// retryPolicy is how often and how long apart failed attempts are repeated.
type retryPolicy struct {
	max              int // retries after the first attempt
	waitMin, waitMax time.Duration
}

// Retry describes a failed attempt that the client is about to repeat.
type Retry struct {
	Method string
	Path   string // without the query
	// Attempt is the number of the attempt about to be made (2 for the
	// first retry); MaxAttempts is the most there will be.
	Attempt, MaxAttempts int
	Wait                 time.Duration // before the next attempt
	// Status is the status Logto answered the failed attempt with; 0 when
	// no answer came, and Err says why.
	Status int
	Err    error
}

// String is one line for a person, e.g. "Logto did not answer GET
// /api/organizations within 30s: retrying in 2s (attempt 2 of 6)". It never
// holds credentials: requests carry them in headers, which are not shown.
func (r Retry) String() string {
	call := r.Method + " " + r.Path
	var what string
	switch {
	case r.Status == http.StatusTooManyRequests:
		what = "Logto is rate limiting (429) " + call
	case r.Status != 0:
		what = fmt.Sprintf("Logto answered %d %s to %s", r.Status, http.StatusText(r.Status), call)
	case isTimeout(r.Err):
		what = "Logto did not answer " + call + " in time"
	case r.Err != nil && isDialError(r.Err):
		what = fmt.Sprintf("Could not connect to Logto for %s (%v)", call, unwrapURLError(r.Err))
	case r.Err != nil:
		what = fmt.Sprintf("Logto did not answer %s (%v)", call, unwrapURLError(r.Err))
	default:
		what = "Logto did not answer " + call
	}
	return fmt.Sprintf("%s: retrying in %s (attempt %d of %d)", what, roundWait(r.Wait), r.Attempt, r.MaxAttempts)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the method
// and the whole URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func roundWait(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// retryClient configures retryablehttp for one call: none of its defaults
// (stderr logger, 5xx retry of POST, body-dropping "giving up" error) apply,
// and every retry is announced. The HTTP client, and so its connection pool,
// is shared.
func (c *Client) retryClient(st *callState, maxRetries int) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.http,
		Logger:       leveledLogger{log: c.log},
		RetryWaitMin: c.retry.waitMin,
		RetryWaitMax: c.retry.waitMax,
		RetryMax:     maxRetries,
		CheckRetry:   checkRetry,
		Backoff: func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
			d := backoff(minWait, maxWait, attempt, resp)
			r := Retry{Method: st.method, Path: st.path, Attempt: attempt + 2, MaxAttempts: maxRetries + 1, Wait: d, Err: st.lastErr}
			if resp != nil {
				r.Status = resp.StatusCode
			}
			c.announce(r)
			return d
		},
		ErrorHandler: keepLastResponse,
	}
}

// announce reports a retry to OnRetry, or logs it at warn level.
func (c *Client) announce(r Retry) {
	if c.onRetry != nil {
		c.onRetry(r)
		return
	}
	c.log.Warn().Str("method", r.Method).Str("path", r.Path).Int("attempt", r.Attempt).
		Int("max_attempts", r.MaxAttempts).Dur("wait", r.Wait).Msg(r.String())
}

// checkRetry is the retry policy:
//   - connection errors: retried for idempotent calls; a POST only when the
//     connection was never established (dial error), so it surely did not run;
//   - 429: retried (the request was most likely not processed), except
//     Logto's monthly token cap, which no wait fixes, and non-idempotent
//     calls marked Unretried, whose caller checks the outcome first;
//   - 5xx (but 501): retried for idempotent calls only;
//   - anything else (2xx, 3xx, other 4xx): returned as is.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	idempotent := true
	if st := callStateFrom(ctx); st != nil {
		idempotent = st.idempotent
		st.lastErr = err
	}
	if err != nil {
		if isPermanentTransportError(err) {
			return false, nil
		}
		return idempotent || isDialError(err), nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if st := callStateFrom(ctx); st != nil && st.unretried && !st.idempotent {
			return false, nil
		}
		return !isTokenQuotaExceeded(resp), nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return idempotent, nil
	}
	return false, nil
}

// isDialError reports whether err happened while connecting, before any byte
// of the request was written (connection refused, DNS failure, dial timeout).
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// isPermanentTransportError reports errors that a retry cannot fix.
func isPermanentTransportError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "unsupported protocol scheme") ||
		strings.Contains(msg, "stopped after 10 redirects") ||
		strings.Contains(msg, "invalid header")
}

// isTokenQuotaExceeded recognises Logto Cloud's monthly token cap
// (429 auth.exceed_token_limit at /oidc/token). The body is restored.
func isTokenQuotaExceeded(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(strings.NewReader(string(data)), rest), rest}
	return strings.Contains(string(data), "auth.exceed_token_limit")
}

// backoff waits what the server asked for in Retry-After (seconds or an
// HTTP date) on 429 and 503, else an exponential delay from min doubling per
// attempt, capped at max, with jitter in [d/2, d).
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, maxRetryAfter)
		}
	}
	if minWait <= 0 {
		return 0
	}
	d := maxWait
	if attempt < 62 {
		if exp := float64(minWait) * math.Pow(2, float64(attempt)); exp < float64(maxWait) {
			d = time.Duration(exp)
		}
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half)
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP-date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// keepLastResponse is the ErrorHandler once retries are exhausted: the last
// response (and its unread body) goes back to the caller, which turns it into
// an *Error with the server's code and message; a transport error is wrapped
// with the attempt count.
func keepLastResponse(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err == nil && resp != nil {
		return resp, nil
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err == nil {
		err = errors.New("no response")
	}
	if attempts > 1 {
		return nil, fmt.Errorf("giving up after %d attempts: %w", attempts, err)
	}
	return nil, err
}

// leveledLogger adapts zerolog to retryablehttp.LeveledLogger. retryablehttp
// reports a failed attempt at error level even when it then retries; every
// retry is announced (Config.OnRetry) and the caller gets the final error
// anyway, so those lines are debug lines here.
type leveledLogger struct{ log zerolog.Logger }

var _ retryablehttp.LeveledLogger = leveledLogger{}

func (l leveledLogger) Error(msg string, kv ...any) { l.emit(l.log.Debug(), msg, kv) }
func (l leveledLogger) Warn(msg string, kv ...any)  { l.emit(l.log.Warn(), msg, kv) }
func (l leveledLogger) Info(msg string, kv ...any)  { l.emit(l.log.Debug(), msg, kv) }
func (l leveledLogger) Debug(msg string, kv ...any) { l.emit(l.log.Debug(), msg, kv) }

func (l leveledLogger) emit(e *zerolog.Event, msg string, kv []any) {
	if e == nil {
		return
	}
	for i := 0; i+1 < len(kv); i += 2 {
		key, ok := kv[i].(string)
		if !ok {
			continue
		}
		switch v := kv[i+1].(type) {
		case error:
			e = e.AnErr(key, v)
		case time.Duration:
			e = e.Dur(key, v)
		default:
			e = e.Interface(key, v)
		}
	}
	e.Str("component", "retryablehttp").Msg(msg)
}

// countingTransport wraps the real RoundTripper: it waits for the rate
// budget, counts every attempt, adapts the budget to 429s and logs each
// attempt at debug level (method, path, status, duration, attempt; never
// headers, bodies or queries).
type countingTransport struct {
	next     http.RoundTripper
	requests *atomic.Int64
	limiter  *limiter // nil: unlimited
	log      zerolog.Logger
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var tk ticket
	if t.limiter != nil {
		var err error
		if tk, err = t.limiter.wait(req.Context()); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
	}
	t.requests.Add(1)
	attempt := 1
	if st := callStateFrom(req.Context()); st != nil {
		attempt = int(st.attempts.Add(1))
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	elapsed := time.Since(start)
	if t.limiter != nil && resp != nil {
		var wait time.Duration
		if resp.StatusCode == http.StatusTooManyRequests {
			wait, _ = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		if changed, rate := t.limiter.observe(tk, resp.StatusCode, wait); changed && t.log.GetLevel() <= zerolog.DebugLevel {
			t.log.Debug().Float64("requests_per_second", rate).Dur("retry_after", wait).
				Msg("logto: 429 received, rate budget adjusted")
		}
	}
	if e := t.log.Debug(); e != nil {
		e = e.Str("method", req.Method).Str("path", req.URL.Path).Int("attempt", attempt).Dur("duration", elapsed)
		if err != nil {
			e.AnErr("error", err).Msg("logto request failed")
		} else {
			e.Int("status", resp.StatusCode).Msg("logto request")
		}
	}
	return resp, err
}
