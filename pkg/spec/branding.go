package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/orgsync/orgsync/pkg/state"
)

// hexColorRE is Logto's colour guard (core-kit hexColorRegEx): #RGB or
// #RRGGBB, any case.
var hexColorRE = regexp.MustCompile(`(?i)^#[\da-f]{3}([\da-f]{3})?$`)

// maxCustomCSS bounds custom_css: Logto refuses request bodies over 1 MB.
const maxCustomCSS = maxIncludedFile

// loadBranding decodes an organization's branding and color blocks and its
// custom_css attribute. Values Logto would refuse are errors here, with
// their source range, rather than 400s in the middle of an apply.
func (l *loader) loadBranding(org *state.Organization, c *organizationContent, ctx *hcl.EvalContext) {
	if b := c.Branding; b != nil {
		br := &state.Branding{}
		for _, f := range []struct {
			expr hcl.Expression
			name string
			into *string
		}{
			{b.LogoURL, "logo_url", &br.LogoURL},
			{b.DarkLogoURL, "dark_logo_url", &br.DarkLogoURL},
			{b.FaviconURL, "favicon_url", &br.FaviconURL},
			{b.DarkFaviconURL, "dark_favicon_url", &br.DarkFaviconURL},
		} {
			v, set := l.evalString(f.expr, ctx, "branding."+f.name)
			if !set {
				continue
			}
			if why := badURL(v); why != "" {
				l.errorf(f.expr.Range(), "Invalid branding URL",
					"branding.%s of %s is %q, which %s. Logto accepts an absolute URL only, like \"https://cdn.example.com/logo.svg\".",
					f.name, org.Address, v, why)
				continue
			}
			*f.into = v
		}
		org.Branding = br
	}
	if cb := c.Color; cb != nil {
		col := &state.Color{}
		for _, f := range []struct {
			expr hcl.Expression
			name string
			into *string
		}{
			{cb.Primary, "primary", &col.Primary},
			{cb.DarkPrimary, "dark_primary", &col.DarkPrimary},
		} {
			v, set := l.evalString(f.expr, ctx, "color."+f.name)
			if !set {
				continue
			}
			if !hexColorRE.MatchString(v) {
				l.errorf(f.expr.Range(), "Invalid colour",
					"color.%s of %s is %q. Logto accepts a hexadecimal colour only: \"#RRGGBB\" or \"#RGB\", like \"#5d34f2\".",
					f.name, org.Address, v)
				continue
			}
			*f.into = v
		}
		if dm, set := l.evalBool(cb.DarkMode, ctx, "color.dark_mode"); set {
			col.DarkMode = &dm
		}
		org.Color = col
	}
	if css, set := l.evalString(c.CustomCSS, ctx, "custom_css"); set {
		if len(css) > maxCustomCSS {
			l.errorf(c.CustomCSS.Range(), "Custom CSS too long",
				"The custom_css of %s has %d bytes; orgsync sends at most %d (Logto refuses request bodies over 1 MB).",
				org.Address, len(css), maxCustomCSS)
			return
		}
		org.CustomCSS = &css
	}
}

var urlSchemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// badURL says why s is not a URL Logto's branding guard (zod's url(), that
// is what the WHATWG URL parser accepts) takes, or returns "". Any scheme
// is accepted; http, https, ws, wss and ftp need a host.
func badURL(s string) string {
	if strings.TrimSpace(s) != s || strings.ContainsAny(s, "\t\n\r") {
		return "has leading or trailing white space or line breaks"
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !urlSchemeRE.MatchString(scheme) {
		return "is not an absolute URL (it has no scheme such as https:)"
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "ws", "wss", "ftp":
	default:
		return ""
	}
	rest = strings.TrimLeft(rest, `/\`)
	if i := strings.IndexAny(rest, `/\?#`); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	host, port := rest, ""
	if strings.HasPrefix(host, "[") {
		end := strings.Index(host, "]")
		if end < 0 {
			return "has an unclosed [ in its host"
		}
		host, port = host[:end+1], strings.TrimPrefix(host[end+1:], ":")
	} else if i := strings.LastIndex(host, ":"); i >= 0 {
		host, port = host[:i], host[i+1:]
	}
	switch {
	case host == "":
		return "has no host"
	case !strings.HasPrefix(host, "[") && strings.ContainsAny(host, " #%/:<>?@[\\]^|"):
		return "has a character a host name cannot hold"
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
			return fmt.Sprintf("has an invalid port %q", port)
		}
	}
	return ""
}
