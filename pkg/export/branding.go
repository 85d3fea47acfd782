package export

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// cssFileName is the file an organization's custom CSS is exported to.
func cssFileName(label string) string { return "org_" + label + ".css" }

// renderBranding writes an organization's branding and color blocks and
// its custom_css, each only when the organization has one: an empty one is
// left unmanaged, so plan shows no change either way.
func renderBranding(b *hclwrite.Body, o *Organization) {
	if o.CSSFile != "" {
		b.SetAttributeRaw("custom_css", hclwrite.TokensForFunctionCall("file", hclwrite.TokensForValue(cty.StringVal(o.CSSFile))))
	}
	if br := o.Branding; br != nil && *br != (state.Branding{}) {
		if len(b.Attributes()) > 0 || len(b.Blocks()) > 0 {
			b.AppendNewline()
		}
		bb := b.AppendNewBlock("branding", nil).Body()
		for _, kv := range [][2]string{{"logo_url", br.LogoURL}, {"dark_logo_url", br.DarkLogoURL},
			{"favicon_url", br.FaviconURL}, {"dark_favicon_url", br.DarkFaviconURL}} {
			if kv[1] != "" {
				bb.SetAttributeValue(kv[0], cty.StringVal(kv[1]))
			}
		}
	}
	if c := o.Color; c != nil && (c.Primary != "" || c.DarkPrimary != "" || c.DarkMode != nil) {
		if len(b.Attributes()) > 0 || len(b.Blocks()) > 0 {
			b.AppendNewline()
		}
		cb := b.AppendNewBlock("color", nil).Body()
		if c.Primary != "" {
			cb.SetAttributeValue("primary", cty.StringVal(c.Primary))
		}
		if c.DarkPrimary != "" {
			cb.SetAttributeValue("dark_primary", cty.StringVal(c.DarkPrimary))
		}
		if c.DarkMode != nil {
			cb.SetAttributeValue("dark_mode", cty.BoolVal(*c.DarkMode))
		}
	}
}

// exportBranding copies a live organization's branding and colours.
func exportBranding(out *Organization, o logto.Organization) {
	if b := o.Branding; b != nil {
		out.Branding = &state.Branding{LogoURL: b.LogoURL, DarkLogoURL: b.DarkLogoURL, FaviconURL: b.Favicon, DarkFaviconURL: b.DarkFavicon}
	}
	if c := o.Color; c != nil {
		out.Color = &state.Color{Primary: c.PrimaryColor, DarkPrimary: c.DarkPrimaryColor, DarkMode: c.IsDarkModeEnabled}
	}
}

// readSSOConnectors returns the tenant's enterprise SSO connector names by
// id, when the tenant has connectors and its Logto has organization JIT by
// SSO connector (else nil: no organization's JIT connectors are read).
func readSSOConnectors(ctx context.Context, c *logto.Client) (map[string]string, error) {
	conns, err := c.ListSSOConnectors(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading enterprise SSO connectors: %w", err)
	}
	if len(conns) == 0 {
		return nil, nil
	}
	ok, err := c.Supports(ctx, logto.FeatureJITSSOConnectors)
	if err != nil || !ok {
		return nil, err
	}
	names := make(map[string]string, len(conns))
	for _, sc := range conns {
		names[sc.ID] = sc.ConnectorName
	}
	return names, nil
}
