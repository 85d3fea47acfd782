// Package emulatortest starts the Logto emulator on an httptest server for
// tests.
package emulatortest

import (
	"net/http/httptest"
	"testing"

	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// Server is a running emulator.
type Server struct {
	URL       string // endpoint, e.g. http://127.0.0.1:PORT (no /api)
	AppID     string // the M2M application to sign in as
	AppSecret string
	E         *emulator.Emulator
}

// Start runs an emulator built from opts on a loopback httptest server that
// t.Cleanup closes. It fails the test if the emulator cannot be built.
func Start(t testing.TB, opts emulator.Options) *Server {
	t.Helper()
	e, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("emulatortest: start emulator: %v", err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, AppID: e.AppID(), AppSecret: e.AppSecret(), E: e}
}
