package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/orgsync/orgsync/pkg/logto"
)

// connFlags are the flags every command that talks to Logto takes.
type connFlags struct {
	logLevel     string
	logFormat    string
	insecureHTTP bool
	parallelism  int
}

func (f *connFlags) register(fs *flag.FlagSet, defaultParallelism int) {
	fs.StringVar(&f.logLevel, "log-level", "warn", "log level on stderr: trace, debug, info, warn, error")
	fs.StringVar(&f.logFormat, "log-format", "console", "log format: console or json")
	fs.BoolVar(&f.insecureHTTP, "insecure-http", false, "allow a plain-http LOGTO_ENDPOINT that is not loopback")
	fs.IntVar(&f.parallelism, "parallelism", defaultParallelism, "concurrent requests to Logto")
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
	return logto.New(logto.Config{
		Endpoint:     endpoint,
		AppID:        e.getenv("LOGTO_APP_ID"),
		AppSecret:    e.getenv("LOGTO_APP_SECRET"),
		Resource:     e.getenv("LOGTO_RESOURCE"),
		InsecureHTTP: f.insecureHTTP,
		Logger:       log,
	})
}

// client builds the logger and the Management API client.
func (f *connFlags) client(e *env) (*logto.Client, error) {
	log, err := f.logger(e)
	if err != nil {
		return nil, err
	}
	return f.connect(e, log)
}
