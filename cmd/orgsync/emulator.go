package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/seed"
	"github.com/orgsync/orgsync/pkg/spec"
)

// runEmulator serves the built-in Logto Management API emulator until the
// process is interrupted, then saves its state.
func runEmulator(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	addr := fs.String("addr", "127.0.0.1:3001", "listen address")
	statePath := fs.String("state", "", "JSON state `FILE`: loaded at start if it exists, saved after every change")
	latency := fs.Duration("latency", 0, "latency added to every request, e.g. 50ms")
	faultRate := fs.Float64("fault-rate", 0, "share of /api requests that fail (500, 503, 429 or a dropped connection), 0..1")
	var limit serverLimit
	fs.Var(&limit, "rate-limit", "enforce a Logto Cloud-like limit of 200 requests per 10 s (429 above it); "+
		"-rate-limit=N/PERIOD (e.g. 20/2s) or =N (per second) sets another token bucket, as a proxy in front of a self-hosted Logto would")
	retryAfter := fs.Bool("rate-limit-retry-after", false, "with -rate-limit, send Retry-After on its 429s (Logto Cloud documents none)")
	appID := fs.String("app-id", "", "id of the machine-to-machine app clients sign in as (default "+emulator.DefaultAppID+")")
	appSecret := fs.String("app-secret", "", "secret of that app (default "+emulator.DefaultAppSecret+")")
	seed := fs.Int64("seed", 0, "random seed for ids and faults (0: random)")
	seedConfig := fs.String("seed-config", "", "create the users, applications and API resources that the configuration in `DIR` refers to")
	var cf connFlags
	fs.StringVar(&cf.logLevel, "log-level", "warn", "log level on stderr: trace, debug (one line per request), info, warn, error")
	fs.StringVar(&cf.logFormat, "log-format", "console", "log format: console or json")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "Usage: orgsync emulator [flags]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Runs an in-memory Logto Management API (organizations, roles, users, applications,")
		fmt.Fprintln(w, "resources and the client-credentials token endpoint) for local use and CI.")
		fmt.Fprintln(w)
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.s.Err, "orgsync emulator: unexpected argument %q (the emulator takes flags only)\n", fs.Arg(0))
		return exitError
	}
	log, err := cf.logger(e)
	if err != nil {
		fmt.Fprintf(e.s.Err, "orgsync emulator: %v\n", err)
		return exitError
	}
	emu, err := emulator.New(emulator.Options{
		AppID: *appID, AppSecret: *appSecret, Latency: *latency, FaultRate: *faultRate,
		RateLimit: limit.on, RateLimitCapacity: limit.capacity, RateLimitPerSecond: limit.perSecond, RateLimitRetryAfter: *retryAfter,
		Seed: *seed, StatePath: *statePath, Logger: log,
	})
	if err != nil {
		fmt.Fprintf(e.s.Err, "orgsync emulator: %v\n", err)
		return exitError
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			fmt.Fprintf(e.s.Err, "orgsync emulator: the address %s is already in use (another emulator, or another program, listens there); stop it, or choose another address with -addr, e.g. -addr 127.0.0.1:0 for any free port\n", *addr)
		} else {
			fmt.Fprintf(e.s.Err, "orgsync emulator: cannot listen on %s: %v; choose another address with -addr\n", *addr, err)
		}
		return exitError
	}
	endpoint := "http://" + ln.Addr().String()
	fmt.Fprintf(e.s.Err, "Logto emulator listening on %s (Management API at %s/api, token endpoint %s/oidc/token)\n",
		endpoint, endpoint, endpoint)
	if *statePath != "" {
		fmt.Fprintf(e.s.Err, "State file: %s\n", *statePath)
	}

	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if *seedConfig != "" {
		fmt.Fprintf(e.s.Err, "Creating what %s refers to...\n", *seedConfig)
		if err := seedEmulator(e, *seedConfig, endpoint, emu); err != nil {
			fmt.Fprintf(e.s.Err, "orgsync emulator: -seed-config: %v\n", err)
			srv.Close()
			return exitError
		}
	}
	// Only now is the emulator ready: scripts wait for these lines.
	fmt.Fprintln(e.s.Err, "Ready. Point orgsync at it with:")
	fmt.Fprintf(e.s.Err, "  export LOGTO_ENDPOINT=%s\n", endpoint)
	fmt.Fprintf(e.s.Err, "  export LOGTO_APP_ID=%s\n", emu.AppID())
	fmt.Fprintf(e.s.Err, "  export LOGTO_APP_SECRET=%s\n", emu.AppSecret())
	fmt.Fprintln(e.s.Err, "Press Ctrl-C to stop.")
	select {
	case <-e.ctx.Done():
	case err := <-serveErr:
		fmt.Fprintf(e.s.Err, "orgsync emulator: server stopped: %v\n", err)
		return exitError
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	if err := emu.Save(); err != nil {
		fmt.Fprintf(e.s.Err, "orgsync emulator: %v\n", err)
		return exitError
	}
	if *statePath != "" {
		fmt.Fprintf(e.s.Err, "Emulator stopped; state saved to %s\n", *statePath)
	} else {
		fmt.Fprintln(e.s.Err, "Emulator stopped.")
	}
	return exitOK
}

// seedEmulator creates, through the emulator's own API, what the
// configuration in dir refers to but orgsync does not manage, so that a plan
// of that configuration can run offline.
func seedEmulator(e *env, dir, endpoint string, emu *emulator.Emulator) error {
	res, diags := spec.Load(spec.Input{Dir: dir, Getenv: e.getenv})
	if diags.HasErrors() {
		_ = spec.WriteDiagnostics(e.s.Err, res.Files, diags, false)
		return fmt.Errorf("the configuration in %s does not decode", dir)
	}
	c, err := logto.New(logto.Config{Endpoint: endpoint, AppID: emu.AppID(), AppSecret: emu.AppSecret()})
	if err != nil {
		return err
	}
	if err := seed.Referenced(e.ctx, c, res.Config); err != nil {
		return err
	}
	fmt.Fprintf(e.s.Err, "The emulator has what %s refers to (created where missing): %s\n", dir, seed.Summarize(res.Config))
	return nil
}
