package diff

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

// brandedLive gives the base tenant's Acme a branding, colours and CSS.
func brandedLive(l *state.Live) {
	o := &l.Organizations[0]
	o.Branding = &state.Branding{LogoURL: "https://cdn/logo.svg", FaviconURL: "https://cdn/fav.ico"}
	o.Color = &state.Color{Primary: "#111111", DarkMode: ptr(false)}
	o.CustomCSS = "a{}"
	l.Organizations[1].Branding, l.Organizations[1].Color = &state.Branding{}, &state.Color{}
}

func TestBrandingNotManagedWhenUnset(t *testing.T) {
	cfg, live := fixture(nil, brandedLive)
	p := mustPlan(t, cfg, live, Options{})
	if p.HasChanges() {
		t.Errorf("unset branding, color and custom_css changed something: %v", changeLines(p.Changes))
	}
}

func TestBrandingReplacesWholeObjects(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		o := &c.Organizations[0]
		// The favicon is left out of the block: it is removed.
		o.Branding = &state.Branding{LogoURL: "https://cdn/logo2.svg"}
		o.Color = &state.Color{Primary: "#111111", DarkMode: ptr(false)} // unchanged
		o.CustomCSS = ptr("")
	}, brandedLive)
	p := mustPlan(t, cfg, live, Options{})
	want := []string{
		`update organization.acme branding={"favicon_url":"https://cdn/fav.ico","logo_url":"https://cdn/logo.svg"}->{"logo_url":"https://cdn/logo2.svg"} custom_css="a{}"->null`,
	}
	if diff := cmp.Diff(want, changeLines(p.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	wantOps := []string{`3 update_organization {"organization":"o-acme","branding":{"logo_url":"https://cdn/logo2.svg"},"custom_css":""}`}
	if diff := cmp.Diff(wantOps, opLines(p.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if got := p.Changes[0].Before["color"]; got == nil {
		t.Errorf("a managed color is not in before: %v", p.Changes[0].Before)
	}
}

func TestBrandingEmptyBlockClears(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		c.Organizations[0].Branding = &state.Branding{}
		c.Organizations[0].Color = &state.Color{}
	}, brandedLive)
	p := mustPlan(t, cfg, live, Options{})
	wantOps := []string{`3 update_organization {"organization":"o-acme","branding":{},"color":{}}`}
	if diff := cmp.Diff(wantOps, opLines(p.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
}

func TestBrandingOnCreate(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		c.Organizations = append(c.Organizations, state.Organization{Address: "organization.new", Key: "new", Name: "New",
			Branding: &state.Branding{DarkLogoURL: "https://cdn/d.svg"}, Color: &state.Color{}, CustomCSS: ptr("")})
	}, brandedLive)
	p := mustPlan(t, cfg, live, Options{})
	wantOps := []string{`3 create_organization {"name":"New","branding":{"dark_logo_url":"https://cdn/d.svg"}}`}
	if diff := cmp.Diff(wantOps, opLines(p.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	after := p.Changes[0].After
	if mustJSON(after["branding"]) != `{"dark_logo_url":"https://cdn/d.svg"}` || mustJSON(after["color"]) != `{}` || after["custom_css"] != nil {
		t.Errorf("after = %v", after)
	}
}

func TestBrandingOnLogtoWithoutIt(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		c.Organizations[0].Branding = &state.Branding{LogoURL: "https://cdn/l.svg"}
		c.Organizations[0].CustomCSS = ptr("a{}")
	}, nil) // the base tenant has neither branding nor color (an old Logto)
	probs := mustRefuse(t, cfg, live, Options{})
	if len(probs) != 2 || !strings.Contains(probs[0].Summary, "no organization branding") || !strings.Contains(probs[1].Summary, "no organization colours") {
		t.Errorf("problems %+v", probs)
	}
}

func ssoLive(l *state.Live) {
	l.SSOConnectors = []state.SSOConnector{{ID: "sso-azure", Name: "acme-azure"}, {ID: "sso-okta", Name: "acme-okta"}}
	l.Organizations[0].JITSSOLoaded = true
	l.Organizations[0].JIT.SSOConnectors = []string{"sso-azure"}
}

func TestJITSSOConnectors(t *testing.T) {
	// Unset: the connector set in the Console stays, nothing is read or planned.
	cfg, live := fixture(nil, ssoLive)
	if p := mustPlan(t, cfg, live, Options{}); p.HasChanges() {
		t.Errorf("jit without sso_connectors changed something: %v", changeLines(p.Changes))
	}

	cfg, live = fixture(func(c *state.Config) {
		c.Organizations[0].JIT.SSOConnectors = []string{"acme-okta"}
		c.Organizations[0].JIT.ManageSSOConnectors = true
	}, ssoLive)
	p := mustPlan(t, cfg, live, Options{})
	if diff := cmp.Diff([]string{"update organization.acme.jit sso_connectors+[acme-okta]-[acme-azure]"}, changeLines(p.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`5 set_jit_sso_connectors {"organization":"o-acme","sso_connectors":["sso-okta"]}`}, opLines(p.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if got := mustJSON(p.Changes[0].Before["sso_connectors"]); got != `["acme-azure"]` {
		t.Errorf("before sso_connectors = %s", got)
	}

	// [] removes every connector.
	cfg.Organizations[0].JIT.SSOConnectors = nil
	p = mustPlan(t, cfg, live, Options{})
	if diff := cmp.Diff([]string{`5 set_jit_sso_connectors {"organization":"o-acme","sso_connectors":[]}`}, opLines(p.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
}

func TestJITSSOUnknownConnector(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		c.Organizations[0].JIT.SSOConnectors = []string{"Acme-Okta"}
		c.Organizations[0].JIT.ManageSSOConnectors = true
	}, ssoLive)
	probs := mustRefuse(t, cfg, live, Options{})
	if len(probs) != 1 || probs[0].Address != "organization.acme.jit" || probs[0].Summary != `no enterprise SSO connector is named "Acme-Okta"` ||
		!strings.Contains(probs[0].Detail, `The tenant's connectors are "acme-azure", "acme-okta".`) {
		t.Errorf("problems %+v", probs)
	}
}

func TestJITSSONotReadIsAnError(t *testing.T) {
	cfg, live := fixture(func(c *state.Config) {
		c.Organizations[0].JIT.ManageSSOConnectors = true
	}, nil)
	if _, err := Compute(cfg, live, Options{Now: testNow}); err == nil || !strings.Contains(err.Error(), "were not read") {
		t.Errorf("Compute with unread JIT SSO connectors: %v", err)
	}
}
