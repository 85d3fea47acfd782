package apply

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// ssoConnector creates an unconfigured enterprise SSO connector.
func (tt *testTenant) ssoConnector(name string) string {
	tt.t.Helper()
	var out logto.SSOConnector
	if err := tt.C.Do(context.Background(), http.MethodPost, "/api/sso-connectors",
		map[string]any{"providerName": "OIDC", "connectorName": name}, &out); err != nil {
		tt.t.Fatal(err)
	}
	tt.cleanup(func(ctx context.Context) error {
		return tt.C.Do(ctx, http.MethodDelete, "/api/sso-connectors/"+out.ID, nil, nil)
	})
	return out.ID
}

// TestFetchBrandingAndJITSSO: branding, colours and custom CSS come with
// the organization list; SSO connectors are read only when a jit block
// sets sso_connectors, and then the organization's JIT connectors too.
func TestFetchBrandingAndJITSSO(t *testing.T) {
	tt := newTestTenant(t)
	ctx := context.Background()
	okta, azure := tt.ssoConnector(tt.name("okta")), tt.ssoConnector(tt.name("azure"))
	o := tt.org(tt.name("Acme"))
	css := "a{color:red}"
	dark := true
	if _, err := tt.C.UpdateOrganization(ctx, o.ID, map[string]any{
		"branding":  logto.OrganizationBranding{LogoURL: "https://cdn.example.com/l.svg", DarkFavicon: "https://cdn.example.com/f.ico"},
		"color":     logto.OrganizationColor{PrimaryColor: "#123456", IsDarkModeEnabled: &dark},
		"customCss": css,
	}); err != nil {
		t.Fatal(err)
	}
	must(t, tt.C.SetJITSSOConnectors(ctx, o.ID, []string{okta}))
	cfg := &state.Config{
		Settings:      state.Settings{MissingUsers: state.MissingUsersError},
		Organizations: []state.Organization{{Address: "organization.acme", Key: "acme", Name: o.Name, JIT: &state.JIT{}}},
	}
	var paths []string
	c := tt.client(withHook(func(req *http.Request, _ http.RoundTripper) (*http.Response, error, bool) {
		if strings.Contains(req.URL.Path, "sso-connectors") {
			paths = append(paths, req.URL.Path)
		}
		return nil, nil, false
	}))
	live, err := Fetch(ctx, c, cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lo := findOrg(live, o.ID)
	wantBranding := &state.Branding{LogoURL: "https://cdn.example.com/l.svg", DarkFaviconURL: "https://cdn.example.com/f.ico"}
	if diff := cmp.Diff(wantBranding, lo.Branding); diff != "" {
		t.Errorf("branding (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&state.Color{Primary: "#123456", DarkMode: &dark}, lo.Color); diff != "" {
		t.Errorf("color (-want +got):\n%s", diff)
	}
	if lo.CustomCSS != css {
		t.Errorf("custom CSS %q", lo.CustomCSS)
	}
	if len(paths) != 0 || lo.JITSSOLoaded || live.SSOConnectors != nil {
		t.Errorf("a jit block without sso_connectors read %v", paths)
	}

	cfg.Organizations[0].JIT.ManageSSOConnectors = true
	live, err = Fetch(ctx, c, cfg, FetchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lo = findOrg(live, o.ID)
	if !lo.JITSSOLoaded || !cmp.Equal(lo.JIT.SSOConnectors, []string{okta}) || !lo.JITLoaded {
		t.Errorf("JIT: %+v (loaded %v)", lo.JIT, lo.JITSSOLoaded)
	}
	names := map[string]string{}
	for _, sc := range live.SSOConnectors {
		names[sc.ID] = sc.Name
	}
	if names[okta] != tt.name("okta") || names[azure] != tt.name("azure") {
		t.Errorf("connectors %+v", live.SSOConnectors)
	}
}
