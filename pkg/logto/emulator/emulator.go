// Package emulator is an in-memory Logto Management API. It serves the
// organization-template routes of Logto 1.42 (organization scopes, roles,
// organizations, members, applications, JIT, invitations, users,
// applications, API resources, enterprise SSO connectors, user consent
// scopes, MFA verifications) and the client-credentials token endpoint with
// Logto's paths, bodies, status codes, error codes and pagination headers,
// so orgsync can be developed, demonstrated and tested without a tenant.
// Options.Version makes it answer as an older release.
//
// It can also misbehave on purpose: added latency, random faults (5xx, 429,
// dropped connections, before or after the change is applied), a Logto
// Cloud-like rate limit and one-shot injected errors.
package emulator

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Defaults used when Options leave a field empty.
const (
	DefaultAppID     = "orgsync-emulator-app"
	DefaultAppSecret = "orgsync-emulator-secret"
	DefaultResource  = "https://default.logto.app/api"

	defaultRateCapacity  = 200
	defaultRatePerSecond = 20
	maxBodyBytes         = 1 << 20 // koa-body's default JSON limit
	tokenTTL             = 3600 * time.Second
)

// Options configure an Emulator.
type Options struct {
	// AppID and AppSecret are the machine-to-machine application orgsync
	// signs in as. Empty: the application recorded in the loaded state, or
	// DefaultAppID / DefaultAppSecret.
	AppID, AppSecret string
	// Resource is the Management API indicator tokens must be requested for;
	// default DefaultResource.
	Resource string
	// Latency is added to every request, outside the state lock.
	Latency time.Duration
	// FaultRate is the share of /api requests that fail with 500, 503, 429
	// or a dropped connection, chosen at random, before or after the change
	// is applied.
	FaultRate float64
	// RateLimit enables a Logto Cloud-like limit: a token bucket of 200
	// requests refilled at 20 per second (logto-api.md §15), shared by
	// every /api and /oidc request; requests over it get 429.
	RateLimit bool
	// RateLimitCapacity and RateLimitPerSecond override the bucket (0 → 200
	// and 20), e.g. 20 and 10 for a self-hosted Logto behind a proxy that
	// limits it.
	RateLimitCapacity  int
	RateLimitPerSecond float64
	// RateLimitRetryAfter makes a 429 of the limit carry Retry-After: the
	// whole seconds until the bucket holds a request again (at least 1), as
	// proxies that limit self-hosted instances commonly send. Logto Cloud
	// documents no Retry-After, so the Cloud-like limit sends none.
	RateLimitRetryAfter bool
	// Version is the Logto release to answer as, from OldestVersion to
	// NewestVersion ("" means NewestVersion): routes, fields and behaviours
	// introduced after it are absent, as on a tenant running that release.
	Version string
	// Seed makes ids, secrets and faults deterministic when non-zero.
	Seed int64
	// StatePath, when set, is loaded at start if it exists and saved
	// atomically after every change.
	StatePath string
	// Logger receives one line per request at debug level and save errors.
	Logger zerolog.Logger
	// EmailConnector gives the tenant an e-mail connector: invitation
	// messages are recorded (SentMessages) instead of failing with 501
	// connector.not_found. SetEmailConnector switches it.
	EmailConnector bool
	// MessageRateLimit is how many messages one recipient may be sent
	// within MessageRateWindow before Logto answers 429
	// request.message_rate_limited: 0 means Logto's 10 (per 10 minutes), a
	// negative value no limit.
	MessageRateLimit  int
	MessageRateWindow time.Duration
}

// Emulator is an in-memory Logto tenant serving the Management API over
// HTTP. It is safe for concurrent use.
type Emulator struct {
	opts     Options
	version  version
	log      zerolog.Logger
	resource string
	appID    string
	secret   string
	key      []byte // token signing key
	now      func() time.Time

	mu sync.RWMutex // guards db; GET requests hold it for reading
	db *db

	rngMu     sync.Mutex // guards rng and faultRate
	rng       *rand.Rand
	faultRate float64

	bucketMu   sync.Mutex
	bucket     float64
	bucketLast time.Time
	rateLimit  atomic.Bool  // Options.RateLimit, switchable with SetRateLimit
	throttled  atomic.Int64 // 429 answers of the rate limit

	failMu sync.Mutex
	fails  []failRule

	resourceRace atomic.Pointer[func(indicator string) bool] // SetResourceRace

	emailConnector atomic.Bool            // Options.EmailConnector, SetEmailConnector
	sent           []SentMessage          // guarded by mu
	sends          map[string][]time.Time // recent sends per recipient (lower case), guarded by mu

	requests atomic.Int64
	routes   []route
}

type failRule struct {
	method, prefix string
	status         int // an HTTP status, or DropConnection
	code           string
	after          bool // served first, then its answer replaced
}

// DropConnection, given to FailNext or FailNextAfter as the status, closes
// the connection without an answer.
const DropConnection = -1

// New builds an emulator, loading Options.StatePath when it exists.
func New(opts Options) (*Emulator, error) {
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return nil, fmt.Errorf("emulator: fault rate %v is out of range: use a value between 0 and 1", opts.FaultRate)
	}
	if opts.Resource == "" {
		opts.Resource = DefaultResource
	}
	if opts.Version == "" {
		opts.Version = NewestVersion
	}
	v, err := parseVersion(opts.Version)
	if err != nil {
		return nil, err
	}
	if v.less(mustVersion(OldestVersion)) || mustVersion(NewestVersion).less(v) {
		return nil, fmt.Errorf("emulator: Logto version %s is not modelled: use one from %s to %s", v, OldestVersion, NewestVersion)
	}
	if opts.RateLimitCapacity <= 0 {
		opts.RateLimitCapacity = defaultRateCapacity
	}
	if opts.RateLimitPerSecond <= 0 {
		opts.RateLimitPerSecond = defaultRatePerSecond
	}
	e := &Emulator{
		opts:      opts,
		version:   v,
		log:       opts.Logger,
		resource:  opts.Resource,
		now:       time.Now,
		faultRate: opts.FaultRate,
		bucket:    float64(opts.RateLimitCapacity),
		sends:     map[string][]time.Time{},
	}
	e.emailConnector.Store(opts.EmailConnector)
	if opts.Seed != 0 {
		e.rng = rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x9e3779b97f4a7c15))
	} else {
		e.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	e.bucketLast = e.now()
	e.rateLimit.Store(opts.RateLimit)

	loaded := false
	if opts.StatePath != "" {
		d, err := loadState(opts.StatePath)
		switch {
		case err == nil:
			e.db = d
			loaded = true
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, err
		}
	}
	if e.db == nil {
		e.db = newDB()
		e.db.SigningKey = e.randomID(48)
	}
	if e.db.SigningKey == "" {
		e.db.SigningKey = e.randomID(48)
	}
	e.key = []byte(e.db.SigningKey)

	e.appID, e.secret = opts.AppID, opts.AppSecret
	if e.appID == "" {
		if loaded && e.db.AdminAppID != "" {
			e.appID = e.db.AdminAppID
		} else {
			e.appID = DefaultAppID
		}
	}
	e.seed()
	if e.secret == "" {
		e.secret = e.db.Apps[e.appID].Secret
	}
	e.routes = e.buildRoutes()
	if opts.StatePath != "" {
		if err := e.Save(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// seed makes sure the Management API resource and the administrator
// application exist.
func (e *Emulator) seed() {
	d := e.db
	if _, ok := d.Resources[managementAPIResourceID]; !ok {
		d.Resources[managementAPIResourceID] = &resourceRow{
			ID: managementAPIResourceID, Name: "Logto Management API", Indicator: e.resource,
			AccessTokenTTL: 3600, Seq: d.next(),
		}
		d.Scopes[managementAPIScopeID] = &scopeRow{
			ID: managementAPIScopeID, ResourceID: managementAPIResourceID, Name: "all",
			Description: ptr("Default scope for Management API, allows all permissions."),
			CreatedAt:   e.nowMS(), Seq: d.next(),
		}
	} else {
		d.Resources[managementAPIResourceID].Indicator = e.resource
	}
	app, ok := d.Apps[e.appID]
	if !ok {
		secret := e.opts.AppSecret
		if secret == "" {
			secret = DefaultAppSecret
		}
		app = &appRow{
			ID: e.appID, Name: "orgsync", Type: "MachineToMachine", Secret: secret,
			Description: ptr("Machine-to-machine application orgsync signs in as (emulator seed)."),
			CustomData:  map[string]any{}, CreatedAt: e.nowMS(), Seq: d.next(),
		}
		d.Apps[app.ID] = app
	}
	if e.opts.AppSecret != "" {
		app.Secret = e.opts.AppSecret
	}
	app.Type = "MachineToMachine"
	app.ManagementAccess = true
	d.AdminAppID = e.appID
}

// AppID is the id of the application orgsync signs in as.
func (e *Emulator) AppID() string { return e.appID }

// AppSecret is that application's secret.
func (e *Emulator) AppSecret() string { return e.secret }

// Resource is the Management API resource indicator tokens are issued for.
func (e *Emulator) Resource() string { return e.resource }

// Requests is the number of /api and /oidc requests served so far.
func (e *Emulator) Requests() int64 { return e.requests.Load() }

// ResetRequests sets the request counter (and the Throttled counter) back
// to zero.
func (e *Emulator) ResetRequests() {
	e.requests.Store(0)
	e.throttled.Store(0)
}

// Throttled is the number of requests the rate limit answered with 429.
func (e *Emulator) Throttled() int64 { return e.throttled.Load() }

// SetRateLimit switches the rate limit on or off (for instance to seed a
// tenant quickly before measuring under the limit). Switching it on starts
// with a full bucket.
func (e *Emulator) SetRateLimit(on bool) {
	if on {
		e.bucketMu.Lock()
		e.bucket = float64(e.opts.RateLimitCapacity)
		e.bucketLast = e.now()
		e.bucketMu.Unlock()
	}
	e.rateLimit.Store(on)
}

// SetFaultRate changes the share of /api requests that fail (clamped to [0, 1]).
func (e *Emulator) SetFaultRate(f float64) {
	e.rngMu.Lock()
	e.faultRate = min(max(f, 0), 1)
	e.rngMu.Unlock()
}

// FailNext makes the next request whose method matches (case-insensitively;
// "" matches any) and whose path starts with pathPrefix fail with status and
// a Logto error body carrying code, without applying it. Rules are
// one-shot and consumed in the order they were added. Status DropConnection
// closes the connection instead of answering.
func (e *Emulator) FailNext(method, pathPrefix string, status int, code string) {
	e.addFail(failRule{method: strings.ToUpper(method), prefix: pathPrefix, status: status, code: code})
}

// FailNextAfter is FailNext for a failure after the change: the request is
// served (and the state saved) as usual, then its answer is replaced by the
// failure, as when a response is lost on the way back. With DropConnection
// the client sees its connection closed after, say, a create succeeded.
func (e *Emulator) FailNextAfter(method, pathPrefix string, status int, code string) {
	e.addFail(failRule{method: strings.ToUpper(method), prefix: pathPrefix, status: status, code: code, after: true})
}

func (e *Emulator) addFail(rule failRule) {
	e.failMu.Lock()
	e.fails = append(e.fails, rule)
	e.failMu.Unlock()
}

// SetResourceRace models the race real Logto loses under concurrent creates
// of one API resource indicator: POST /api/resources checks the indicator,
// then inserts, and a create that passes the check while another inserts
// hits the database constraint, which Logto answers with 500 {"message":
// "Internal server error."} (seen on Logto 1.37.1). While lose is set, a
// create whose indicator is already in use asks lose(indicator): true
// answers that 500, false the usual 422 resource.resource_identifier_in_use.
// nil switches the race off. Nothing is created either way.
func (e *Emulator) SetResourceRace(lose func(indicator string) bool) {
	if lose == nil {
		e.resourceRace.Store(nil)
		return
	}
	e.resourceRace.Store(&lose)
}

func (e *Emulator) loseResourceRace(indicator string) bool {
	lose := e.resourceRace.Load()
	return lose != nil && (*lose)(indicator)
}

// Save writes the state to Options.StatePath (temporary file + rename). It
// does nothing when no path is set.
func (e *Emulator) Save() error {
	if e.opts.StatePath == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.saveLocked()
}

func (e *Emulator) saveLocked() error {
	data, err := json.MarshalIndent(e.db, "", " ")
	if err != nil {
		return fmt.Errorf("emulator: encode state: %w", err)
	}
	path := e.opts.StatePath
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("emulator: save state next to %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: write state %s: %w", tmp.Name(), errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: save state %s: %w", path, err)
	}
	return nil
}

func loadState(path string) (*db, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := newDB()
	if err := json.Unmarshal(data, d); err != nil {
		return nil, fmt.Errorf("emulator: state file %s is not valid emulator state (%v): fix or remove it", path, err)
	}
	d.fill()
	return d, nil
}

func (e *Emulator) nowMS() int64 { return e.now().UnixMilli() }

const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

func (e *Emulator) randomID(n int) string {
	e.rngMu.Lock()
	defer e.rngMu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[e.rng.IntN(len(idAlphabet))]
	}
	return string(b)
}

// ServeHTTP serves /api/* and /oidc/token.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	isAPI := path == "/api" || strings.HasPrefix(path, "/api/")
	isOIDC := path == "/oidc" || strings.HasPrefix(path, "/oidc/")
	if !isAPI && !isOIDC {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	e.requests.Add(1)
	start := e.now()
	if e.opts.Latency > 0 {
		t := time.NewTimer(e.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if e.rateLimit.Load() {
		if ok, due := e.takeToken(); !ok {
			e.throttled.Add(1)
			e.writeThrottled(w, due)
			e.logRequest(r, http.StatusTooManyRequests, start, "rate limit")
			return
		}
	}
	rule, injected := e.takeFail(r.Method, path)
	if injected && !rule.after {
		e.writeInjected(w, rule)
		e.logRequest(r, rule.status, start, "injected")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return
	}
	if len(body) > maxBodyBytes {
		// What Logto 1.37 answered for a body over koa-body's 1 MB limit.
		writeText(w, http.StatusNotFound, "Not Found")
		e.logRequest(r, http.StatusNotFound, start, "body too large")
		return
	}
	var f fault
	if isAPI {
		f = e.pickFault()
	}
	if f.kind != 0 && !f.after {
		e.writeFault(w, f.kind)
		e.logRequest(r, f.kind, start, "fault before change")
		return
	}
	resp := e.handle(r, body, isAPI)
	if injected {
		e.writeInjected(w, rule)
		e.logRequest(r, rule.status, start, "injected after change")
		return
	}
	if f.kind != 0 {
		e.writeFault(w, f.kind)
		e.logRequest(r, f.kind, start, "fault after change")
		return
	}
	resp.write(w, r)
	e.logRequest(r, resp.status, start, "")
}

func (e *Emulator) logRequest(r *http.Request, status int, start time.Time, note string) {
	ev := e.log.Debug().Str("method", r.Method).Str("path", r.URL.Path).Int("status", status).
		Dur("took", e.now().Sub(start))
	if note != "" {
		ev = ev.Str("note", note)
	}
	ev.Msg("emulator request")
}

// takeToken takes a request from the rate limit's bucket; when there is
// none, due is how long until there is.
func (e *Emulator) takeToken() (ok bool, due time.Duration) {
	e.bucketMu.Lock()
	defer e.bucketMu.Unlock()
	now := e.now()
	elapsed := now.Sub(e.bucketLast).Seconds()
	if elapsed > 0 {
		e.bucket = min(float64(e.opts.RateLimitCapacity), e.bucket+elapsed*e.opts.RateLimitPerSecond)
		e.bucketLast = now
	}
	if e.bucket < 1 {
		return false, time.Duration((1 - e.bucket) / e.opts.RateLimitPerSecond * float64(time.Second))
	}
	e.bucket--
	return true, 0
}

// writeThrottled answers a request over the rate limit. What Logto Cloud's
// limit answers is not documented beyond the status (logto-api.md §15: it
// comes from infrastructure in front of Logto), so the body is a bare
// message like Logto's other errors without a code, and Retry-After is
// sent only when Options.RateLimitRetryAfter asks for it.
func (e *Emulator) writeThrottled(w http.ResponseWriter, due time.Duration) {
	if e.opts.RateLimitRetryAfter {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(due.Seconds())))))
	}
	writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Too Many Requests"})
}

func (e *Emulator) takeFail(method, path string) (failRule, bool) {
	e.failMu.Lock()
	defer e.failMu.Unlock()
	for i, f := range e.fails {
		if (f.method == "" || f.method == strings.ToUpper(method)) && strings.HasPrefix(path, f.prefix) {
			e.fails = append(e.fails[:i:i], e.fails[i+1:]...)
			return f, true
		}
	}
	return failRule{}, false
}

func (e *Emulator) writeInjected(w http.ResponseWriter, rule failRule) {
	if rule.status == DropConnection {
		e.writeFault(w, dropConnection)
		return
	}
	writeError(w, &apiError{Status: rule.status, Code: rule.code, Message: "Injected failure (emulator FailNext)."})
}

// fault is a chosen failure: kind is an HTTP status, or dropConnection.
type fault struct {
	kind  int
	after bool
}

const dropConnection = DropConnection

var faultKinds = []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests, dropConnection}

func (e *Emulator) pickFault() fault {
	e.rngMu.Lock()
	defer e.rngMu.Unlock()
	if e.faultRate <= 0 || e.rng.Float64() >= e.faultRate {
		return fault{}
	}
	return fault{kind: faultKinds[e.rng.IntN(len(faultKinds))], after: e.rng.IntN(2) == 1}
}

func (e *Emulator) writeFault(w http.ResponseWriter, kind int) {
	switch kind {
	case dropConnection:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case http.StatusInternalServerError:
		writeJSON(w, kind, map[string]string{"message": "Internal server error."})
	case http.StatusServiceUnavailable:
		writeText(w, kind, "Service Unavailable")
	default:
		writeJSON(w, kind, map[string]string{"message": "Too Many Requests"})
	}
}

// handle runs one request against the state and returns the buffered response.
func (e *Emulator) handle(r *http.Request, body []byte, isAPI bool) *response {
	c := &call{e: e, r: r, body: body, resp: &response{header: http.Header{}}}
	if !isAPI {
		e.serveOIDC(c)
		return c.resp
	}
	rt, params, allowed := e.findRoute(r.Method, r.URL.Path)
	if rt == nil {
		c.unrouted(allowed)
		return c.resp
	}
	c.params = params
	if !rt.anonymous {
		if err := e.authenticate(r); err != nil {
			c.fail(err)
			return c.resp
		}
	}
	// Reads share the lock: GET handlers only read the state, so a tenant
	// with many concurrent readers is not served one request at a time.
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		e.mu.RLock()
		defer e.mu.RUnlock()
		e.run(c, rt)
		return c.resp
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.run(c, rt)
	if c.changed && c.resp.status < 300 && e.opts.StatePath != "" {
		if err := e.saveLocked(); err != nil {
			e.log.Error().Err(err).Msg("emulator: saving state failed")
		}
	}
	return c.resp
}

func (e *Emulator) run(c *call, rt *route) {
	if err := rt.handler(c); err != nil {
		c.fail(err)
	}
}

// response is a buffered HTTP response, so faults can replace it after the
// change was applied.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (p *response) write(w http.ResponseWriter, r *http.Request) {
	for k, vs := range p.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if r.Method == http.MethodGet && p.status == http.StatusOK && p.body != nil {
		sum := sha1.Sum(p.body)
		etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
		w.Header().Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(p.status)
	if p.body != nil && r.Method != http.MethodHead {
		w.Write(p.body)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

func writeText(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, s)
}

func writeError(w http.ResponseWriter, err *apiError) { writeJSON(w, err.Status, err.body()) }
