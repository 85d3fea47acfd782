package export

import (
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

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
