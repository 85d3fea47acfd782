// Package logto is a client for the Logto Management API, limited to what
// orgsync reconciles: organization scopes and roles, organizations, their
// members and applications, JIT settings, invitations, and the users,
// applications and API resources they reference.
//
// Every call authenticates with client credentials (the token is cached and
// renewed before it expires), stays within a client-side rate budget, and is
// retried on transient failures when retrying cannot apply it twice. List
// calls always read every page, or fail.
package logto

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/rs/zerolog"
)

// maxResponseBody bounds how much of a response is read (a page of 100 rows
// is far smaller).
const maxResponseBody = 64 << 20

// Config configures a Client.
type Config struct {
	Endpoint  string // tenant URL, e.g. https://abc123.logto.app or http://127.0.0.1:3001 (no /api)
	AppID     string // machine-to-machine application with the Management API role
	AppSecret string
	// Resource is the Management API resource indicator; "" means
	// DefaultResource(Endpoint).
	Resource string
	// InsecureHTTP allows plain http to a host other than loopback.
	InsecureHTTP bool
	// Logger receives debug lines per HTTP attempt; the zero value logs nothing.
	Logger zerolog.Logger
	// HTTPClient is the underlying client (tests); nil uses a pooled client
	// that gives up on an attempt when connecting takes over 10 s, the TLS
	// handshake over 10 s, the answer does not start within ResponseTimeout,
	// or the whole attempt takes over 60 s. Its Transport is wrapped, not
	// modified.
	HTTPClient *http.Client
	// ResponseTimeout is how long one attempt of the default client waits
	// for Logto to start answering once the request is sent: 0 means 30 s.
	ResponseTimeout time.Duration
	// MaxRetries is the number of retries after the first attempt: 0 means 5,
	// a negative value disables retries.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries (0 means 500 ms and 30 s). A Retry-After header overrides them.
	RetryWaitMin, RetryWaitMax time.Duration
	// RequestsPerSecond is the client-side rate budget (orgsync's
	// -rate-limit). 0 means auto: on a *.logto.app host, Logto Cloud's limit
	// (a bucket of 200 refilled at 20 per second, kept 5 requests smaller);
	// on a loopback host none; on any other host none until Logto answers
	// 429, then one learned from the answers (adaptive). A positive value is
	// a known limit: at most that many requests per second, in bursts of
	// RateBurst. Budgets are lowered on 429s and raised back, never above a
	// known limit. A negative value means no budget at all: nothing waits,
	// nothing adapts (429s are still retried).
	RequestsPerSecond float64
	// RateBurst is the bucket size for a positive RequestsPerSecond, in
	// requests: 0 means one second's worth.
	RateBurst float64
	// AdaptiveRate, with RequestsPerSecond 0, learns the limit from 429s
	// whatever the host (also *.logto.app and loopback).
	AdaptiveRate bool
	// OnRetry, when set, is called before the client waits to repeat a
	// failed attempt, so that a caller can say why a call takes long. It is
	// called from the goroutine making the call and must not block. When nil,
	// retries are logged at warn level.
	OnRetry func(Retry)
}

// Client calls the Logto Management API. It is safe for concurrent use.
type Client struct {
	endpoint  *url.URL // scheme + host + optional path prefix, no trailing slash
	appID     string
	appSecret string
	resource  string
	log       zerolog.Logger
	http      *http.Client // the counting transport over the configured client
	retry     retryPolicy
	onRetry   func(Retry)
	limiter   *limiter
	requests  atomic.Int64
	now       func() time.Time

	featureMu sync.Mutex
	features  map[string]bool // Supports answers by feature name

	mu       sync.Mutex
	token    string
	expiry   time.Time // when to stop using token (renewal margin applied)
	inflight *tokenCall
}

// IDName is the {id, name} pair Logto embeds for related objects.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// New validates cfg and returns a Client. It does not contact Logto.
func New(cfg Config) (*Client, error) {
	endpoint, err := parseEndpoint(cfg.Endpoint, cfg.InsecureHTTP)
	if err != nil {
		return nil, err
	}
	if cfg.AppID == "" {
		return nil, errors.New("logto: no application id: set LOGTO_APP_ID to a machine-to-machine application's id")
	}
	if cfg.AppSecret == "" {
		return nil, errors.New("logto: no application secret: set LOGTO_APP_SECRET")
	}
	resource := cfg.Resource
	if resource == "" {
		resource = DefaultResource(cfg.Endpoint)
	}
	maxRetries := cfg.MaxRetries
	switch {
	case maxRetries == 0:
		maxRetries = defaultMaxRetries
	case maxRetries < 0:
		maxRetries = 0
	}
	waitMin, waitMax := cfg.RetryWaitMin, cfg.RetryWaitMax
	if waitMin <= 0 {
		waitMin = defaultRetryWaitMin
	}
	if waitMax <= 0 {
		waitMax = max(defaultRetryWaitMax, waitMin)
	}
	waitMax = max(waitMax, waitMin)

	c := &Client{
		endpoint:  endpoint,
		appID:     cfg.AppID,
		appSecret: cfg.AppSecret,
		resource:  resource,
		log:       cfg.Logger,
		now:       time.Now,
		retry:     retryPolicy{max: maxRetries, waitMin: waitMin, waitMax: waitMax},
		onRetry:   cfg.OnRetry,
	}
	c.limiter = rateBudget(cfg.RequestsPerSecond, cfg.RateBurst, cfg.AdaptiveRate, endpoint.Hostname())
	c.logBudget(cfg.RequestsPerSecond)

	base := cfg.HTTPClient
	if base == nil {
		responseTimeout := cfg.ResponseTimeout
		if responseTimeout <= 0 {
			responseTimeout = defaultResponseTimeout
		}
		base = defaultHTTPClient(responseTimeout)
	}
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc := *base
	hc.Transport = &countingTransport{next: next, requests: &c.requests, limiter: c.limiter, log: c.log}
	c.http = &hc
	return c, nil
}

// maxIdleConns is how many connections to the tenant the default client
// keeps open between requests: as many as orgsync's largest -parallelism
// (64) sends at once, so that no request pays a new connection and TLS
// handshake because the pool dropped one a moment earlier.
const maxIdleConns = 64

// defaultHTTPClient is a pooled client whose every phase is bounded, so that
// an endpoint that accepts connections and never answers fails an attempt
// instead of holding it.
func defaultHTTPClient(responseTimeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = maxIdleConns
	tr.MaxIdleConns = max(tr.MaxIdleConns, maxIdleConns)
	tr.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = tlsHandshakeTimeout
	tr.ResponseHeaderTimeout = responseTimeout
	return &http.Client{Transport: tr, Timeout: max(attemptTimeout, 2*responseTimeout)}
}

// parseEndpoint checks the tenant URL and refuses plain http to a host that
// is not loopback unless insecure is set.
func parseEndpoint(raw string, insecure bool) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("logto: no endpoint: set LOGTO_ENDPOINT to the tenant URL, e.g. https://abc123.logto.app")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("logto: endpoint %q is not a URL: %w", raw, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("logto: endpoint %q must be an http(s) URL such as https://abc123.logto.app", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("logto: endpoint %q must not carry credentials, a query or a fragment", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if u.Path == "/api" || strings.HasSuffix(u.Path, "/api") {
		return nil, fmt.Errorf("logto: endpoint %q ends with /api: give the tenant URL without it (the client adds /api and /oidc)", raw)
	}
	if u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("logto: refusing plain http to %s: the application secret and tokens would cross the network unencrypted; use https, or pass -insecure-http if this network is trusted", u.Host)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cloudTenant returns the tenant id of a {id}.logto.app host.
func cloudTenant(host string) (string, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	id, ok := strings.CutSuffix(host, ".logto.app")
	if !ok || id == "" || strings.Contains(id, ".") {
		return "", false
	}
	return id, true
}

func isCloudHost(host string) bool {
	_, ok := cloudTenant(host)
	return ok
}

// DefaultResource returns the Management API resource indicator for a
// tenant URL: https://{id}.logto.app/api for a Logto Cloud host
// {id}.logto.app, else https://default.logto.app/api (the OSS tenant "default").
func DefaultResource(endpoint string) string {
	if u, err := url.Parse(strings.TrimSpace(endpoint)); err == nil {
		if id, ok := cloudTenant(u.Hostname()); ok {
			return "https://" + id + ".logto.app/api"
		}
	}
	return "https://default.logto.app/api"
}

// Requests returns the number of HTTP requests sent so far: every attempt,
// retries and token requests included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// AppID returns the id of the application the client signs in as.
func (c *Client) AppID() string { return c.appID }

// Do is the generic call. path starts with /api and may carry a query. body
// is JSON-encoded when non-nil. out may be nil; otherwise a 2xx JSON body is
// decoded into it (*json.RawMessage works). Any 2xx body is accepted: JSON,
// text/plain "Created" or empty (out is then left untouched). A non-2xx
// answer is an *Error. POSTs are retried only when they surely did not
// happen or got a 429, unless ctx is marked with Idempotent.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.do(ctx, method, path, body, out)
	return err
}

// anonymousKey marks a context whose request is sent without the access
// token (feature probes of routes outside the Management API).
type anonymousKey struct{}

// result is what the typed methods need beyond the decoded body.
type result struct {
	header  http.Header
	decoded bool // out was filled from a JSON body
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) (result, error) {
	if !strings.HasPrefix(path, "/") {
		return result{}, fmt.Errorf("logto: %s %q: path must start with /api", method, path)
	}
	plainPath, _, _ := strings.Cut(path, "?")
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return result{}, fmt.Errorf("%s %s: encoding the request body: %w", method, plainPath, err)
		}
	}
	target := c.endpoint.String() + path
	anonymous, _ := ctx.Value(anonymousKey{}).(bool)
	for reauth := false; ; reauth = true {
		var tok string
		if !anonymous {
			var err error
			if tok, err = c.accessToken(ctx); err != nil {
				return result{}, err
			}
		}
		unretried, _ := ctx.Value(unretriedKey{}).(bool)
		st := &callState{method: method, path: plainPath, idempotent: isIdempotent(ctx, method), unretried: unretried}
		var raw any
		if payload != nil {
			raw = payload
		}
		req, err := retryablehttp.NewRequestWithContext(withCallState(ctx, st), method, target, raw)
		if err != nil {
			return result{}, fmt.Errorf("%s %s: %w", method, plainPath, err)
		}
		if !anonymous {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		req.Header.Set("Accept", "application/json")
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, data, err := c.send(req, st, c.retry.max, out == nil)
		if err != nil {
			return result{}, fmt.Errorf("%s %s: %w", method, plainPath, contextCause(ctx, err))
		}
		if resp.StatusCode == http.StatusUnauthorized && !reauth && !anonymous {
			// The token may have been revoked or the signing keys rotated:
			// fetch a new one and try once more.
			c.dropToken(tok)
			c.log.Debug().Str("method", method).Str("path", plainPath).Msg("logto: 401, renewing the access token")
			continue
		}
		attempts := int(st.attempts.Load())
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return result{}, newError(method, plainPath, resp, data, attempts)
		}
		res := result{header: resp.Header}
		if out == nil {
			return res, nil
		}
		res.decoded, err = decodeBody(resp, data, out)
		if err != nil {
			return result{}, fmt.Errorf("%s %s: %d response: %w", method, plainPath, resp.StatusCode, err)
		}
		return res, nil
	}
}

// send runs the request through the retrying client, with at most
// maxRetries retries, and reads the body; with discard, a 2xx body is read
// and dropped (PATCH custom-data answers with the whole custom data, the
// ownership record's megabytes included).
func (c *Client) send(req *retryablehttp.Request, st *callState, maxRetries int, discard bool) (*http.Response, []byte, error) {
	resp, err := c.retryClient(st, maxRetries).Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if discard && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return nil, nil, fmt.Errorf("reading the %d response: %w", resp.StatusCode, err)
		}
		return resp, nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the %d response: %w", resp.StatusCode, err)
	}
	if len(data) > maxResponseBody {
		return nil, nil, fmt.Errorf("the %d response is larger than %d MiB", resp.StatusCode, maxResponseBody>>20)
	}
	return resp, data, nil
}

// contextCause returns the cause of ctx's end when ctx is done (a deadline
// the caller set says why it was set), else err.
func contextCause(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// decodeBody decodes a 2xx body into out when it is JSON. Empty and
// text/plain bodies ("Created" from Logto 1.37) are accepted and leave out
// untouched (decoded false); an HTML page or malformed JSON is an error.
func decodeBody(resp *http.Response, data []byte, out any) (bool, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return false, nil
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if isHTML(resp.Header, trimmed) {
		return false, errors.New("the server answered with an HTML page instead of JSON (a proxy, load balancer or wrong LOGTO_ENDPOINT?)")
	}
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json")
	looksJSON := trimmed[0] == '{' || trimmed[0] == '['
	if !isJSON && !looksJSON {
		return false, nil // e.g. text/plain "Created"
	}
	if err := json.Unmarshal(trimmed, out); err != nil {
		return false, fmt.Errorf("malformed JSON body: %w", err)
	}
	return true, nil
}

// doRequired is do for calls whose answer must be a JSON object.
func (c *Client) doRequired(ctx context.Context, method, path string, body, out any) error {
	res, err := c.do(ctx, method, path, body, out)
	if err != nil {
		return err
	}
	if !res.decoded {
		plainPath, _, _ := strings.Cut(path, "?")
		return fmt.Errorf("%s %s: the response carried no JSON body; the created or updated object is unknown", method, plainPath)
	}
	return nil
}

// pathf formats an API path, escaping every argument as one path segment.
func pathf(format string, args ...string) string {
	escaped := make([]any, len(args))
	for i, a := range args {
		escaped[i] = url.PathEscape(a)
	}
	return fmt.Sprintf(format, escaped...)
}

// ---- authentication (client credentials at {endpoint}/oidc/token) ----

// tokenCall is one token request shared by every caller that needed a token
// while it ran.
type tokenCall struct {
	done  chan struct{}
	token string
	err   error
	// abandoned: the leader's own context ended, so its error says
	// nothing about the token endpoint.
	abandoned bool
}

// accessToken returns a valid bearer token, fetching one when none is cached
// or the cached one is within its renewal margin. Concurrent callers share
// one fetch.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	for {
		c.mu.Lock()
		if c.token != "" && c.now().Before(c.expiry) {
			tok := c.token
			c.mu.Unlock()
			return tok, nil
		}
		call := c.inflight
		leader := call == nil
		if leader {
			call = &tokenCall{done: make(chan struct{})}
			c.inflight = call
		}
		c.mu.Unlock()

		if leader {
			tok, expiry, err := c.fetchToken(ctx)
			c.mu.Lock()
			if err == nil {
				c.token, c.expiry = tok, expiry
			}
			c.inflight = nil
			c.mu.Unlock()
			call.token, call.err, call.abandoned = tok, err, err != nil && ctx.Err() != nil
			close(call.done)
			return tok, err
		}
		select {
		case <-call.done:
			if call.abandoned && ctx.Err() == nil {
				continue // the leader gave up for its own reasons; try ourselves
			}
			return call.token, call.err
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
	}
}

// dropToken forgets tok if it is still the cached token.
func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	if c.token == tok {
		c.token = ""
	}
	c.mu.Unlock()
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
}

// renewMargin is how long before expiry a token is replaced.
const renewMargin = 60 * time.Second

// fetchToken runs the client credentials grant.
func (c *Client) fetchToken(ctx context.Context) (string, time.Time, error) {
	const path = "/oidc/token"
	form := url.Values{
		"grant_type": {"client_credentials"},
		"resource":   {c.resource},
		"scope":      {"all"},
	}
	st := &callState{method: http.MethodPost, path: path, idempotent: true} // issuing a token twice is harmless
	req, err := retryablehttp.NewRequestWithContext(withCallState(ctx, st), http.MethodPost,
		c.endpoint.String()+path, []byte(form.Encode()))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("authentication failed: %w", err)
	}
	req.SetBasicAuth(c.appID, c.appSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := c.now()
	resp, data, err := c.send(req, st, min(c.retry.max, tokenMaxRetries), false)
	if err != nil {
		if ctx.Err() != nil {
			return "", time.Time{}, fmt.Errorf("authentication failed: POST %s: %w", path, context.Cause(ctx))
		}
		return "", time.Time{}, fmt.Errorf("authentication failed: POST %s: %w; check LOGTO_ENDPOINT", path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError(http.MethodPost, path, resp, data, int(st.attempts.Load()))
		return "", time.Time{}, fmt.Errorf("authentication failed: %w; check LOGTO_APP_ID / LOGTO_APP_SECRET / LOGTO_RESOURCE (resource %s)", e, c.resource)
	}
	var tr tokenResponse
	if ok, err := decodeBody(resp, data, &tr); err != nil || !ok {
		if err == nil {
			err = errors.New("no JSON body")
		}
		return "", time.Time{}, fmt.Errorf("authentication failed: POST %s: %d response: %w", path, resp.StatusCode, err)
	}
	if tr.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("authentication failed: POST %s: the response carries no access_token", path)
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "Bearer") {
		return "", time.Time{}, fmt.Errorf("authentication failed: POST %s: token_type %q, want Bearer", path, tr.TokenType)
	}
	if tr.Scope != "" && !hasScope(tr.Scope, "all") {
		c.log.Warn().Str("scope", tr.Scope).Msg("logto: the access token lacks the Management API scope \"all\"; give the application a machine-to-machine role with the Management API permission")
	}
	lifetime := time.Duration(tr.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = time.Hour
	}
	margin := min(renewMargin, lifetime/2)
	c.log.Debug().Dur("expires_in", lifetime).Msg("logto: access token obtained")
	return tr.AccessToken, start.Add(lifetime - margin), nil
}

func hasScope(scopes, want string) bool {
	for _, s := range strings.Fields(scopes) {
		if s == want {
			return true
		}
	}
	return false
}
