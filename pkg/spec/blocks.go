package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// An organization block holds most of a configuration: thousands of them,
// with tens of member blocks each. Their bodies are decoded here without
// gohcl, whose reflection (struct tags parsed again for every block) cost
// most of a load's time and memory. The decoders do what gohcl.DecodeBody
// does for the same targets: the same schemas (derived once from the
// struct tags), the same diagnostics, a null expression at the body's
// missing-item range for an absent attribute, and "Duplicate X block" for a
// second single block.

var (
	organizationSchema, _ = gohcl.ImpliedBodySchema(organizationContent{})
	memberSchema, _       = gohcl.ImpliedBodySchema(memberContent{})
	lifecycleSchema, _    = gohcl.ImpliedBodySchema(lifecycleContent{})
	jitSchema, _          = gohcl.ImpliedBodySchema(jitContent{})

	organizationHeadSchema, _ = gohcl.ImpliedBodySchema(organizationHead{})
)

// organizationBlockTypes are the block types an organization body and the
// blocks inside it may hold without dynamic blocks.
var organizationBlockTypes = map[string]bool{
	"member": true, "application": true, "jit": true, "lifecycle": true, "branding": true, "color": true,
}

// expandOrganization returns body with its dynamic blocks expanded. A body
// without any (and without a block or attribute that would be reported
// differently with dynamic blocks allowed) is returned as it is: expanding
// it would change nothing but cost a wrapper around every nested body.
func expandOrganization(body hcl.Body, ctx *hcl.EvalContext) hcl.Body {
	if staticBody(body, 0) {
		return body
	}
	return dynblock.Expand(body, ctx)
}

// staticBody reports whether body is a native syntax body in which (down to
// the blocks inside its blocks) no attribute or block is named "dynamic" and
// every block has one of organizationBlockTypes.
func staticBody(body hcl.Body, depth int) bool {
	sb, ok := body.(*hclsyntax.Body)
	if !ok || depth > 2 {
		return false
	}
	if _, ok := sb.Attributes["dynamic"]; ok {
		return false
	}
	for _, b := range sb.Blocks {
		if !organizationBlockTypes[b.Type] || !staticBody(b.Body, depth+1) {
			return false
		}
	}
	return true
}

// attrExpr is the expression of the attribute name, or (as gohcl gives for
// an absent one) a null expression at body's missing-item range.
func attrExpr(content *hcl.BodyContent, body hcl.Body, name string) hcl.Expression {
	if a := content.Attributes[name]; a != nil {
		return a.Expr
	}
	return hcl.StaticExpr(cty.NullVal(cty.DynamicPseudoType), body.MissingItemRange())
}

// singleBlock returns the only block of blocks (nil when there is none),
// reporting any second one as gohcl does.
func (l *loader) singleBlock(blocks hcl.Blocks, typeName string) *hcl.Block {
	switch len(blocks) {
	case 0:
		return nil
	case 1:
		return blocks[0]
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s block", typeName),
		Detail: fmt.Sprintf("Only one %s block is allowed. Another was defined at %s.",
			typeName, blocks[0].DefRange.String()),
		Subject: &blocks[1].DefRange,
	})
	return nil
}

// decodeOrganizationHead reads an organization block's for_each, and the
// rest of its body.
func decodeOrganizationHead(body hcl.Body) (organizationHead, hcl.Diagnostics) {
	var head organizationHead
	content, rest, diags := body.PartialContent(organizationHeadSchema)
	if content == nil {
		return head, diags
	}
	head.Body = rest
	head.ForEach = attrExpr(content, body, "for_each")
	if a := content.Attributes["for_each"]; a != nil {
		head.ForEachRange = a.Range
	}
	return head, diags
}

// decodeOrganization decodes an organization body (after for_each) with its
// dynamic blocks expanded.
func (l *loader) decodeOrganization(body hcl.Body, ctx *hcl.EvalContext) organizationContent {
	var c organizationContent
	body = expandOrganization(body, ctx)
	content, diags := body.Content(organizationSchema)
	l.diags = append(l.diags, diags...)
	if content == nil {
		return c
	}
	c.ID = attrExpr(content, body, "id")
	c.Name = attrExpr(content, body, "name")
	c.Description = attrExpr(content, body, "description")
	c.CustomData = attrExpr(content, body, "custom_data")
	c.MFARequired = attrExpr(content, body, "mfa_required")
	c.ExclusiveMembers = attrExpr(content, body, "exclusive_members")
	c.CustomCSS = attrExpr(content, body, "custom_css")
	var members, applications, lifecycles, jits, brandings, colors hcl.Blocks
	for _, b := range content.Blocks {
		switch b.Type {
		case "member":
			members = append(members, b)
		case "application":
			applications = append(applications, b)
		case "lifecycle":
			lifecycles = append(lifecycles, b)
		case "jit":
			jits = append(jits, b)
		case "branding":
			brandings = append(brandings, b)
		case "color":
			colors = append(colors, b)
		}
	}
	if len(members) > 0 {
		all := make([]memberContent, len(members))
		c.Members = make([]*memberContent, len(members))
		for i, b := range members {
			l.decodeMember(b, &all[i])
			c.Members[i] = &all[i]
		}
	}
	for _, b := range applications {
		m := &memberContent{}
		l.decodeMember(b, m)
		c.Applications = append(c.Applications, m)
	}
	if b := l.singleBlock(lifecycles, "lifecycle"); b != nil {
		c.Lifecycle = l.decodeLifecycle(b)
	}
	if b := l.singleBlock(jits, "jit"); b != nil {
		c.JIT = l.decodeJIT(b)
	}
	if b := l.singleBlock(brandings, "branding"); b != nil {
		c.Branding = &brandingContent{}
		l.diags = append(l.diags, gohcl.DecodeBody(b.Body, ctx, c.Branding)...)
		c.Branding.DefRange = b.DefRange
	}
	if b := l.singleBlock(colors, "color"); b != nil {
		c.Color = &colorContent{}
		l.diags = append(l.diags, gohcl.DecodeBody(b.Body, ctx, c.Color)...)
		c.Color.DefRange = b.DefRange
	}
	return c
}

// decodeMember decodes a member or application block into m.
func (l *loader) decodeMember(b *hcl.Block, m *memberContent) {
	content, diags := b.Body.Content(memberSchema)
	l.diags = append(l.diags, diags...)
	if content != nil {
		m.Roles = attrExpr(content, b.Body, "roles")
		if lb := l.singleBlock(content.Blocks, "lifecycle"); lb != nil {
			m.Lifecycle = l.decodeLifecycle(lb)
		}
	}
	if len(b.Labels) > 0 {
		m.Label, m.LabelRange = b.Labels[0], b.LabelRanges[0]
	}
	m.DefRange = b.DefRange
}

func (l *loader) decodeLifecycle(b *hcl.Block) *lifecycleContent {
	c := &lifecycleContent{}
	content, diags := b.Body.Content(lifecycleSchema)
	l.diags = append(l.diags, diags...)
	if content != nil {
		c.PreventDestroy = attrExpr(content, b.Body, "prevent_destroy")
		c.IgnoreChanges = attrExpr(content, b.Body, "ignore_changes")
	}
	return c
}

func (l *loader) decodeJIT(b *hcl.Block) *jitContent {
	c := &jitContent{DefRange: b.DefRange}
	content, diags := b.Body.Content(jitSchema)
	l.diags = append(l.diags, diags...)
	if content != nil {
		c.EmailDomains = attrExpr(content, b.Body, "email_domains")
		c.Roles = attrExpr(content, b.Body, "roles")
		c.SSOConnectors = attrExpr(content, b.Body, "sso_connectors")
		if lb := l.singleBlock(content.Blocks, "lifecycle"); lb != nil {
			c.Lifecycle = l.decodeLifecycle(lb)
		}
	}
	return c
}
