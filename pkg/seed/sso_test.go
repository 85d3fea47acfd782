package seed_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/seed"
	"github.com/orgsync/orgsync/pkg/state"
)

// TestReferencedSSOConnectors: the connectors jit blocks name are created
// once, unconfigured; the ones there already are kept.
func TestReferencedSSOConnectors(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.E.AddSSOConnector(emulator.SSOConnector{ProviderName: "Okta", ConnectorName: "okta"}); err != nil {
		t.Fatal(err)
	}
	cfg := &state.Config{Organizations: []state.Organization{
		{Address: "organization.a", JIT: &state.JIT{SSOConnectors: []string{"okta", "azure"}, ManageSSOConnectors: true}},
		{Address: "organization.b", JIT: &state.JIT{SSOConnectors: []string{"azure"}, ManageSSOConnectors: true}},
	}}
	if got := seed.Summarize(cfg); !cmp.Equal(got.SSOConnectors, []string{"azure", "okta"}) ||
		got.String() != "0 users, SSO connector azure, SSO connector okta" {
		t.Errorf("Summarize: %+v, %q", got, got.String())
	}
	ctx := context.Background()
	for range 2 {
		if err := seed.Referenced(ctx, c, cfg); err != nil {
			t.Fatal(err)
		}
	}
	conns, err := c.ListSSOConnectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range conns {
		names = append(names, sc.ConnectorName+"/"+sc.ProviderName)
	}
	if !cmp.Equal(names, []string{"azure/OIDC", "okta/Okta"}) && !cmp.Equal(names, []string{"okta/Okta", "azure/OIDC"}) {
		t.Errorf("connectors %v", names)
	}
}
