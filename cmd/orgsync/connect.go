package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/orgsync/orgsync/pkg/logto"
)

// maxParallelism bounds -parallelism: more concurrent requests than this
// only meet Logto's rate limits sooner.
const maxParallelism = 64

// connFlags are the flags every command that talks to Logto takes.
type connFlags struct {
	logLevel     string
	logFormat    string
	insecureHTTP bool
	parallelism  int
	timeout      time.Duration
	log          zerolog.Logger // set by client; the zero Logger logs nothing
	rateLimit    rateLimit
}

func (f *connFlags) register(fs *flag.FlagSet, defaultParallelism int) {
	fs.StringVar(&f.logLevel, "log-level", "warn", "log level on stderr: trace, debug, info, warn, error")
	fs.StringVar(&f.logFormat, "log-format", "console", "log format: console or json")
	fs.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow a plain-http LOGTO_ENDPOINT that is not loopback")
	f.parallelism = defaultParallelism
	fs.Var(intRange{p: &f.parallelism, min: 1, max: maxParallelism}, "parallelism",
		fmt.Sprintf("concurrent requests to Logto, `N` from 1 to %d", maxParallelism))
	fs.Var(&f.rateLimit, "rate-limit", "client-side budget of requests to Logto: `RATE` per second (10), a bucket of N per PERIOD (200/10s), "+
		"adaptive (learned from 429s), or 0 / unlimited for none (default auto: Logto Cloud's 200/10s on *.logto.app, none on a loopback endpoint, "+
		"adaptive elsewhere; "+rateLimitEnv+" sets it too)")
	fs.Func("timeout", "overall deadline `D` (e.g. 90s, 10m): fail once the command has run this long, sending nothing more to Logto (default: none)",
		func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return errors.New("use a positive duration such as 90s or 10m")
			}
			f.timeout = d
			return nil
		})
}

// deadlineError is why a command's context ends when -timeout passes.
type deadlineError struct{ d time.Duration }

func (e *deadlineError) Error() string {
	return fmt.Sprintf("the deadline set with -timeout %s passed; orgsync started no further requests to Logto", e.d)
}

// Is makes the deadline an instance of context.DeadlineExceeded.
func (e *deadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// withDeadline returns e with the -timeout deadline on its context, and the
// function that releases it.
func (f *connFlags) withDeadline(e *env) (*env, context.CancelFunc) {
	if f.timeout <= 0 {
		return e, func() {}
	}
	ctx, cancel := context.WithTimeoutCause(e.ctx, f.timeout, &deadlineError{f.timeout})
	de := *e
	de.ctx = ctx
	return &de, cancel
}

// logger builds the zerolog logger that writes to stderr.
func (f *connFlags) logger(e *env) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(f.logLevel))
	if err != nil || f.logLevel == "" {
		return zerolog.Nop(), fmt.Errorf("-log-level %q: use trace, debug, info, warn or error", f.logLevel)
	}
	var w io.Writer = e.s.Err
	switch f.logFormat {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: e.s.Err, NoColor: !e.s.ErrTTY || e.getenv("NO_COLOR") != "", TimeFormat: time.TimeOnly}
	default:
		return zerolog.Nop(), fmt.Errorf("-log-format %q: use console or json", f.logFormat)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// connect builds a Management API client from LOGTO_* environment variables.
func (f *connFlags) connect(e *env, log zerolog.Logger) (*logto.Client, error) {
	endpoint := strings.TrimRight(e.getenv("LOGTO_ENDPOINT"), "/")
	var missing []string
	if endpoint == "" {
		missing = append(missing, "LOGTO_ENDPOINT")
	}
	if e.getenv("LOGTO_APP_ID") == "" {
		missing = append(missing, "LOGTO_APP_ID")
	}
	if e.getenv("LOGTO_APP_SECRET") == "" {
		missing = append(missing, "LOGTO_APP_SECRET")
	}
	if len(missing) > 0 {
		return nil, errors.New("not connected: set " + strings.Join(missing, ", ") +
			" (a machine-to-machine app with the Management API role; see README \"Connecting to a tenant\"), or try `orgsync demo`")
	}
	budget, err := f.rateLimit.resolve(e.getenv)
	if err != nil {
		return nil, err
	}
	cfg := logto.Config{
		Endpoint:     endpoint,
		AppID:        e.getenv("LOGTO_APP_ID"),
		AppSecret:    e.getenv("LOGTO_APP_SECRET"),
		Resource:     e.getenv("LOGTO_RESOURCE"),
		InsecureHTTP: f.insecureHTTP,
		Logger:       log,
		OnRetry:      f.retryNotice(e, log),
	}
	budget.apply(&cfg)
	return logto.New(cfg)
}

// client builds the logger and the Management API client.
func (f *connFlags) client(e *env) (*logto.Client, error) {
	log, err := f.logger(e)
	if err != nil {
		return nil, err
	}
	f.log = log
	return f.connect(e, log)
}

// retryNotice says on stderr why a command is waiting, one line per retry:
// "Logto did not answer GET /api/organizations in time: retrying in 2s
// (attempt 2 of 6)". With -log-format json the client logs it as a warn
// event instead; above -log-level warn nothing is said.
func (f *connFlags) retryNotice(e *env, log zerolog.Logger) func(logto.Retry) {
	switch {
	case log.GetLevel() > zerolog.WarnLevel:
		return func(logto.Retry) {}
	case f.logFormat == "json":
		return nil
	}
	return func(r logto.Retry) {
		_, _ = io.WriteString(e.s.Err, r.String()+"\n")
	}
}
