package apply

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// managesJITSSO reports whether a targeted organization's jit block sets
// sso_connectors: only then are the tenant's SSO connectors read.
func managesJITSSO(cfg *state.Config, scope targetScope) bool {
	for _, o := range cfg.Organizations {
		if scope.org(o.Address) && o.JIT != nil && o.JIT.ManageSSOConnectors {
			return true
		}
	}
	return false
}

// convertSSOConnectors keeps the id and name of each connector (never its
// config, which holds secrets).
func convertSSOConnectors(in []logto.SSOConnector) ([]state.SSOConnector, error) {
	out := make([]state.SSOConnector, 0, len(in))
	for _, c := range in {
		if c.ID == "" || c.ConnectorName == "" {
			return nil, fmt.Errorf("read enterprise SSO connectors: an entry without id or connector name in Logto's answer")
		}
		out = append(out, state.SSOConnector{ID: c.ID, Name: c.ConnectorName})
	}
	slices.SortFunc(out, func(a, b state.SSOConnector) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// convertBranding copies an organization's branding, colours and custom
// CSS; Branding and Color stay nil when the server sent none (a Logto
// release without them).
func convertBranding(lo *state.LiveOrganization, o logto.Organization) {
	if b := o.Branding; b != nil {
		lo.Branding = &state.Branding{LogoURL: b.LogoURL, DarkLogoURL: b.DarkLogoURL, FaviconURL: b.Favicon, DarkFaviconURL: b.DarkFavicon}
	}
	if c := o.Color; c != nil {
		lo.Color = &state.Color{Primary: c.PrimaryColor, DarkPrimary: c.DarkPrimaryColor}
		if c.IsDarkModeEnabled != nil {
			v := *c.IsDarkModeEnabled
			lo.Color.DarkMode = &v
		}
	}
	lo.CustomCSS = deref(o.CustomCSS)
}
