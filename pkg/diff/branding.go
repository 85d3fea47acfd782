package diff

import (
	"github.com/orgsync/orgsync/pkg/state"
)

// An organization's branding, color and custom_css are planned like its
// other attributes, with one difference: Logto's PATCH replaces branding and
// color each as a whole object, so a declared block is compared, and sent,
// as a whole. Attributes appear in a change's before and after only when
// the configuration manages them.

// brandingValue is a branding object in plan terms (the configuration's
// attribute names, unset keys left out).
func brandingValue(b *state.Branding) map[string]any {
	out := map[string]any{}
	for k, v := range map[string]string{
		"logo_url": b.LogoURL, "dark_logo_url": b.DarkLogoURL,
		"favicon_url": b.FaviconURL, "dark_favicon_url": b.DarkFaviconURL,
	} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// colorValue is a color object in plan terms.
func colorValue(c *state.Color) map[string]any {
	out := map[string]any{}
	if c.Primary != "" {
		out["primary"] = c.Primary
	}
	if c.DarkPrimary != "" {
		out["dark_primary"] = c.DarkPrimary
	}
	if c.DarkMode != nil {
		out["dark_mode"] = *c.DarkMode
	}
	return out
}

func brandingParams(b *state.Branding) *OrgBranding {
	return &OrgBranding{LogoURL: b.LogoURL, DarkLogoURL: b.DarkLogoURL, FaviconURL: b.FaviconURL, DarkFaviconURL: b.DarkFaviconURL}
}

func colorParams(c *state.Color) *OrgColor {
	out := &OrgColor{Primary: c.Primary, DarkPrimary: c.DarkPrimary}
	if c.DarkMode != nil {
		v := *c.DarkMode
		out.DarkMode = &v
	}
	return out
}

// createBranding adds the declared branding, color and custom_css of a new
// organization to after and returns what its create sends: empty objects
// and an empty custom CSS are Logto's defaults and are not sent.
func (p *planner) createBranding(o *state.Organization, after map[string]any) (*OrgBranding, *OrgColor, *string) {
	var br *OrgBranding
	var col *OrgColor
	var css *string
	if o.Branding != nil {
		after["branding"] = brandingValue(o.Branding)
		if *o.Branding != (state.Branding{}) {
			br = brandingParams(o.Branding)
		}
	}
	if o.Color != nil {
		after["color"] = colorValue(o.Color)
		if len(colorValue(o.Color)) > 0 {
			col = colorParams(o.Color)
		}
	}
	if o.CustomCSS != nil {
		after["custom_css"] = nullable(*o.CustomCSS)
		if *o.CustomCSS != "" {
			css = o.CustomCSS
		}
	}
	return br, col, css
}

// updateBranding adds the live and the declared branding, color and
// custom_css of a matched organization to before and after, and returns
// what its update must send; changed is false when nothing differs. A
// declared object the tenant's Logto does not return (a release without
// it) is a problem: it could not be applied.
func (p *planner) updateBranding(o *state.Organization, lo *state.LiveOrganization, before, after map[string]any) (br *OrgBranding, col *OrgColor, css *string, changed bool) {
	if o.Branding != nil {
		if lo.Branding == nil {
			p.problem(o.Address, "the tenant's Logto returns no organization branding",
				"Logto returned organization "+lo.ID+" without a branding object: its release has no organization logos and favicons. Upgrade Logto, or remove the branding block.")
		} else {
			before["branding"], after["branding"] = brandingValue(lo.Branding), brandingValue(o.Branding)
			if *lo.Branding != *o.Branding {
				br, changed = brandingParams(o.Branding), true
			}
		}
	}
	if o.Color != nil || o.CustomCSS != nil {
		if lo.Color == nil {
			p.problem(o.Address, "the tenant's Logto returns no organization colours",
				"Logto returned organization "+lo.ID+" without a color object: its release has no organization colours and custom CSS. Upgrade Logto, or remove the color block and custom_css.")
			return br, col, css, changed
		}
	}
	if o.Color != nil {
		b, a := colorValue(lo.Color), colorValue(o.Color)
		before["color"], after["color"] = b, a
		if mustJSON(b) != mustJSON(a) {
			col, changed = colorParams(o.Color), true
		}
	}
	if o.CustomCSS != nil {
		before["custom_css"], after["custom_css"] = nullable(lo.CustomCSS), nullable(*o.CustomCSS)
		if *o.CustomCSS != lo.CustomCSS {
			css, changed = o.CustomCSS, true
		}
	}
	return br, col, css, changed
}
