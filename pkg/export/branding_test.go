package export_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/export"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// TestExportBrandingAndJITSSO: branding, colours, custom CSS (in a file of
// its own, read back with file()) and JIT SSO connectors are exported, and
// plan on the result shows no changes.
func TestExportBrandingAndJITSSO(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Options{Seed: 2})
	c, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	okta, err := srv.E.AddSSOConnector(emulator.SSOConnector{ProviderName: "Okta", ConnectorName: "acme-okta"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.E.AddSSOConnector(emulator.SSOConnector{ProviderName: "OIDC", ConnectorName: "unused"}); err != nil {
		t.Fatal(err)
	}
	css := ".logo { background: url(\"${evil}\"); }\n/* %{tpl} */\n"
	dark := false
	acme, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: "acme",
		Branding:  &logto.OrganizationBranding{LogoURL: "https://cdn.acme.com/logo.svg", DarkFavicon: "data:image/png;base64,AAAA"},
		Color:     &logto.OrganizationColor{PrimaryColor: "#ABC", IsDarkModeEnabled: &dark},
		CustomCSS: &css})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetJITSSOConnectors(ctx, acme.ID, []string{okta}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: "plain"}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	sum := runExport(t, c, export.Options{Dir: dir})
	if got := strings.Join(sum.Files, ","); got != "org_acme.css,organizations.hcl" {
		t.Errorf("files %s", got)
	}
	files := readDir(t, dir)
	if string(files["org_acme.css"]) != css {
		t.Errorf("org_acme.css = %q, want %q", files["org_acme.css"], css)
	}
	want := `organization "acme" {
  custom_css = file("org_acme.css")

  branding {
    logo_url         = "https://cdn.acme.com/logo.svg"
    dark_favicon_url = "data:image/png;base64,AAAA"
  }

  color {
    primary   = "#ABC"
    dark_mode = false
  }

  jit {
    email_domains  = []
    roles          = []
    sso_connectors = ["acme-okta"]
  }
}

organization "plain" {
}
`
	if got := string(files["organizations.hcl"]); got != want {
		t.Errorf("organizations.hcl:\n%s\nwant:\n%s", got, want)
	}
	_, _, p := planExported(t, c, dir)
	assertNoChanges(t, p, dir)

	// A change in the Console shows: the branding block manages the whole object.
	if err := c.Do(ctx, http.MethodPatch, "/api/organizations/"+acme.ID,
		map[string]any{"branding": map[string]any{"logoUrl": "https://cdn.acme.com/logo.svg", "favicon": "https://x.com/f.ico"}}, nil); err != nil {
		t.Fatal(err)
	}
	_, _, p = planExported(t, c, dir)
	if len(p.Changes) != 1 || p.Changes[0].Attrs[0].Name != "branding" {
		t.Errorf("after a Console edit: %+v", p.Changes)
	}
}
