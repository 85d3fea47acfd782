package spec

import (
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// TestDecodeOrganizationMatchesGohcl decodes organization bodies with
// decodeOrganization and with gohcl (after dynblock.Expand), the decoding
// it replaces, and compares the diagnostics and what was decoded: labels,
// ranges and every expression's range and value.
func TestDecodeOrganizationMatchesGohcl(t *testing.T) {
	bodies := map[string]string{
		"plain": `
  name = "Acme"
  description = "d"
  member "a@example.com" {
    roles = ["r1", "r2"]
  }
  member "bob" {}
  application "bot" { roles = ["m"] }
  jit {
    email_domains = ["example.com"]
    roles = ["r1"]
    lifecycle { ignore_changes = [roles] }
  }
  lifecycle { prevent_destroy = true }`,
		"member lifecycle": `
  member "a@example.com" {
    roles = ["r1"]
    lifecycle {
      prevent_destroy = true
      ignore_changes  = [roles]
    }
  }`,
		"dynamic": `
  dynamic "member" {
    for_each = ["x@example.com", "y@example.com"]
    labels   = [member.value]
    content { roles = ["r1"] }
  }
  member "z@example.com" { roles = ["r2"] }`,
		"dynamic inside member": `
  member "z@example.com" {
    dynamic "lifecycle" {
      for_each = [1]
      content { prevent_destroy = true }
    }
  }`,
		"for_each": `
  for_each = {a = 1}
  name     = each.key`,
		"unknown argument":            `colour = "red"`,
		"argument named dynamic":      `dynamic = 1`,
		"argument named like a block": `member = "x"`,
		"unknown block":               `membr "x" {}`,
		"unknown block in member": `
  member "a@example.com" {
    lifecyle {}
  }`,
		"unknown member argument": `member "a@example.com" { role = ["r"] }`,
		"block inside lifecycle": `
  member "a@example.com" {
    lifecycle {
      member "x" {}
    }
  }`,
		"duplicate blocks": `
  jit {}
  jit {}
  lifecycle {}
  lifecycle {}
  member "a@example.com" {
    lifecycle {}
    lifecycle {}
  }
  branding {}
  branding {}
  color {}
  color {}`,
		"missing label": `member {}`,
		"two labels":    `member "a" "b" {}`,
		"label on jit":  `jit "x" {}`,
		"branding, color": `
  branding { logo_url = "https://x/l.png" }
  color {
    primary = "#fff"
    oops    = 1
  }
  custom_css = "a {}"`,
	}
	names := make([]string, 0, len(bodies))
	for n := range bodies {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src := "organization \"o\" {\n" + bodies[name] + "\n}\n"
			f, diags := hclparse.NewParser().ParseHCL([]byte(src), "o.hcl")
			if diags.HasErrors() {
				t.Skipf("does not parse: %v", diags)
			}
			var tl topLevel
			if d := gohcl.DecodeBody(f.Body, nil, &tl); d.HasErrors() {
				t.Fatal(d)
			}
			ctx := &hcl.EvalContext{}
			body := tl.Organizations[0].Body

			var want organizationContent
			wantDiags := gohcl.DecodeBody(dynblock.Expand(body, ctx), ctx, &want)
			l := &loader{}
			got := l.decodeOrganization(body, ctx)

			if d := cmp.Diff(diagStrings(wantDiags), diagStrings(l.diags)); d != "" {
				t.Errorf("diagnostics differ (-gohcl +decodeOrganization):\n%s", d)
			}
			if d := cmp.Diff(describeOrganization(&want, ctx), describeOrganization(&got, ctx)); d != "" {
				t.Errorf("decoded content differs (-gohcl +decodeOrganization):\n%s", d)
			}

			var wantHead organizationHead
			wantHeadDiags := gohcl.DecodeBody(body, ctx, &wantHead)
			gotHead, gotHeadDiags := decodeOrganizationHead(body)
			if d := cmp.Diff(diagStrings(wantHeadDiags), diagStrings(gotHeadDiags)); d != "" {
				t.Errorf("head diagnostics differ (-gohcl +decodeOrganizationHead):\n%s", d)
			}
			if wantHead.ForEach.Range() != gotHead.ForEach.Range() || wantHead.ForEachRange != gotHead.ForEachRange {
				t.Errorf("for_each: gohcl %v %v, decodeOrganizationHead %v %v",
					wantHead.ForEach.Range(), wantHead.ForEachRange, gotHead.ForEach.Range(), gotHead.ForEachRange)
			}
			wantRest, _ := wantHead.Body.JustAttributes()
			gotRest, _ := gotHead.Body.JustAttributes()
			if len(wantRest) != len(gotRest) {
				t.Errorf("rest of the body: gohcl %d attributes, decodeOrganizationHead %d", len(wantRest), len(gotRest))
			}
		})
	}
}

func diagStrings(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, fmt.Sprintf("%v %s: %s (%v)", d.Severity, d.Summary, d.Detail, d.Subject))
	}
	sort.Strings(out)
	return out
}

// describeOrganization renders what later stages read of c.
func describeOrganization(c *organizationContent, ctx *hcl.EvalContext) []string {
	var out []string
	expr := func(what string, e hcl.Expression) {
		if e == nil {
			out = append(out, what+": nil")
			return
		}
		v, _ := e.Value(ctx)
		s := "?"
		if v.IsWhollyKnown() && !v.IsNull() {
			s = v.GoString()
		} else if v.IsNull() {
			s = "null"
		}
		out = append(out, fmt.Sprintf("%s: %v %s", what, e.Range(), s))
	}
	lifecycle := func(what string, lc *lifecycleContent) {
		if lc == nil {
			out = append(out, what+": none")
			return
		}
		expr(what+".prevent_destroy", lc.PreventDestroy)
		expr(what+".ignore_changes", lc.IgnoreChanges)
	}
	expr("id", c.ID)
	expr("name", c.Name)
	expr("description", c.Description)
	expr("custom_data", c.CustomData)
	expr("mfa_required", c.MFARequired)
	expr("exclusive_members", c.ExclusiveMembers)
	expr("custom_css", c.CustomCSS)
	lifecycle("lifecycle", c.Lifecycle)
	for kind, list := range map[string][]*memberContent{"member": c.Members, "application": c.Applications} {
		for i, m := range list {
			what := fmt.Sprintf("%s[%d]", kind, i)
			out = append(out, fmt.Sprintf("%s: %q %v %v", what, m.Label, m.LabelRange, m.DefRange))
			expr(what+".roles", m.Roles)
			lifecycle(what+".lifecycle", m.Lifecycle)
		}
	}
	if j := c.JIT; j != nil {
		out = append(out, fmt.Sprintf("jit: %v", j.DefRange))
		expr("jit.email_domains", j.EmailDomains)
		expr("jit.roles", j.Roles)
		expr("jit.sso_connectors", j.SSOConnectors)
		lifecycle("jit.lifecycle", j.Lifecycle)
	}
	if b := c.Branding; b != nil {
		out = append(out, fmt.Sprintf("branding: %v", b.DefRange))
		expr("branding.logo_url", b.LogoURL)
		expr("branding.dark_logo_url", b.DarkLogoURL)
		expr("branding.favicon_url", b.FaviconURL)
		expr("branding.dark_favicon_url", b.DarkFaviconURL)
	}
	if cb := c.Color; cb != nil {
		out = append(out, fmt.Sprintf("color: %v", cb.DefRange))
		expr("color.primary", cb.Primary)
		expr("color.dark_primary", cb.DarkPrimary)
		expr("color.dark_mode", cb.DarkMode)
	}
	sort.Strings(out)
	return out
}

func TestIsEmailMatchesEmailRE(t *testing.T) {
	for _, s := range []string{
		"", "a", "a@b.c", "@b.c", "a@.c", "a@b.", "a@b..", "a@@b.c", "@@b.c", "a@b.c.d", "a.b@c", "a.b@c.d",
		"a b@c.d", "a@b c.d", "a@b.c ", "a\t@b.c", "a@b\n.c", "a@b.c\r", "a\f@b.c", "a\v@b.c",
		"é@ü.ö", "a@b.ç", "a@ç.b", "\xff@\xfe.\xfd", "a@b@c.d", "a.@b.c", "a@.b.c", "user0001@w1.example.com",
		"a@b.c.", "x@y..z", ".@..", "a@b.c\u00a0", "a@b\u2003.c",
	} {
		if got, want := isEmail(s), emailRE.MatchString(s); got != want {
			t.Errorf("isEmail(%q) = %v, emailRE says %v", s, got, want)
		}
	}
}
