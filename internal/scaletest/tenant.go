package scaletest

import (
	"net/http"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// Tenant is an emulated Logto tenant with a client signed in to it.
type Tenant struct {
	Server *emulatortest.Server
	Client *logto.Client
	// Counter counts the client's requests by route and status.
	Counter *Counter
}

// StartEmulator starts an emulator that adds latency to every request and
// returns it with a client without a client-side rate budget. The emulator
// stops when tb's test ends.
func StartEmulator(tb testing.TB, latency time.Duration) *Tenant {
	tb.Helper()
	return StartTenant(tb, emulator.Options{Latency: latency, Seed: 1}, -1)
}

// StartTenant starts an emulator built from opts and returns it with a
// client whose Config.RequestsPerSecond is rps (negative: unlimited; 0:
// the client's default for the host, unlimited on loopback).
func StartTenant(tb testing.TB, opts emulator.Options, rps float64) *Tenant {
	tb.Helper()
	srv := emulatortest.Start(tb, opts)
	counter := &Counter{}
	c, err := NewClient(srv, rps, counter)
	if err != nil {
		tb.Fatalf("scale: %v", err)
	}
	return &Tenant{Server: srv, Client: c, Counter: counter}
}

// NewClient returns a new client signed in to srv's M2M application, with
// its own request counter and the rate budget rps (see StartTenant). When
// counter is not nil, every HTTP attempt passes through it.
func NewClient(srv *emulatortest.Server, rps float64, counter *Counter) (*logto.Client, error) {
	cfg := logto.Config{
		Endpoint:          srv.URL,
		AppID:             srv.AppID,
		AppSecret:         srv.AppSecret,
		RequestsPerSecond: rps,
	}
	if counter != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		counter.Next = tr
		cfg.HTTPClient = &http.Client{Transport: counter, Timeout: time.Minute}
	}
	return logto.New(cfg)
}
