package export

import (
	"bytes"
	"fmt"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/orgsync/orgsync/pkg/state"
)

// Permission is an organization permission as exported.
type Permission struct {
	Name        string
	Description string // "" is not written
}

// Role is an organization role as exported, with references by name.
type Role struct {
	Name           string
	Description    string              // "" is not written
	Type           string              // written only when state.RoleTypeM2M
	Permissions    []string            // permission names, sorted
	APIPermissions map[string][]string // resource indicator => scope names, sorted
}

// Organization is an organization block as exported.
type Organization struct {
	Label        string          // block label, an HCL identifier
	Name         string          // Logto name; written when it differs from Label
	ID           string          // written when set (the name is not unique in the tenant)
	Description  string          // "" is not written
	CustomData   map[string]any  // written when non-empty
	MFARequired  bool            // written when true
	Members      []Member        // sorted by Label
	Applications []Member        // sorted by Label
	JIT          *JIT            // nil: no jit block
	Branding     *state.Branding // nil: no branding block
	Color        *state.Color    // nil: no color block
	// CSSFile, when set, is the file holding the custom CSS (custom_css =
	// file("...")).
	CSSFile string
}

// Member is a member or application block: its label and role names.
type Member struct {
	Label string
	Roles []string // sorted
}

// JIT is an organization's jit block.
type JIT struct {
	EmailDomains  []string // sorted
	Roles         []string // sorted
	SSOConnectors []string // connector names, sorted; written when not empty
}

// renderPermissions returns the canonical HCL of permission blocks.
func renderPermissions(perms []Permission) []byte {
	var out [][]byte
	for _, p := range perms {
		f := hclwrite.NewEmptyFile()
		b := f.Body().AppendNewBlock("permission", []string{p.Name}).Body()
		if p.Description != "" {
			b.SetAttributeValue("description", cty.StringVal(p.Description))
		}
		out = append(out, hclwrite.Format(f.Bytes()))
	}
	return joinBlocks(out)
}

// renderRoles returns the canonical HCL of role blocks.
func renderRoles(roles []Role) []byte {
	var out [][]byte
	for _, r := range roles {
		f := hclwrite.NewEmptyFile()
		b := f.Body().AppendNewBlock("role", []string{r.Name}).Body()
		if r.Description != "" {
			b.SetAttributeValue("description", cty.StringVal(r.Description))
		}
		if r.Type == state.RoleTypeM2M {
			b.SetAttributeValue("type", cty.StringVal(r.Type))
		}
		b.SetAttributeValue("permissions", stringList(r.Permissions))
		if len(r.APIPermissions) > 0 {
			b.SetAttributeRaw("api_permissions", tokensForStringMap(r.APIPermissions))
		}
		out = append(out, hclwrite.Format(f.Bytes()))
	}
	return joinBlocks(out)
}

// renderOrganization returns the canonical HCL of one organization block.
func renderOrganization(o *Organization) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	b := f.Body().AppendNewBlock("organization", []string{o.Label}).Body()
	if o.ID != "" {
		b.SetAttributeValue("id", cty.StringVal(o.ID))
	}
	if o.Name != o.Label {
		b.SetAttributeValue("name", cty.StringVal(o.Name))
	}
	if o.Description != "" {
		b.SetAttributeValue("description", cty.StringVal(o.Description))
	}
	if len(o.CustomData) > 0 {
		toks, err := tokensForJSON(o.CustomData)
		if err != nil {
			return nil, fmt.Errorf("custom_data: %w", err)
		}
		b.SetAttributeRaw("custom_data", toks)
	}
	if o.MFARequired {
		b.SetAttributeValue("mfa_required", cty.True)
	}
	renderBranding(b, o)
	nested := func(typ string, m Member) {
		if len(b.Attributes()) > 0 || len(b.Blocks()) > 0 {
			b.AppendNewline()
		}
		mb := b.AppendNewBlock(typ, []string{m.Label}).Body()
		mb.SetAttributeValue("roles", stringList(m.Roles))
	}
	for _, m := range o.Members {
		nested("member", m)
	}
	for _, a := range o.Applications {
		nested("application", a)
	}
	if o.JIT != nil {
		if len(b.Attributes()) > 0 || len(b.Blocks()) > 0 {
			b.AppendNewline()
		}
		jb := b.AppendNewBlock("jit", nil).Body()
		jb.SetAttributeValue("email_domains", stringList(o.JIT.EmailDomains))
		jb.SetAttributeValue("roles", stringList(o.JIT.Roles))
		if len(o.JIT.SSOConnectors) > 0 {
			jb.SetAttributeValue("sso_connectors", stringList(o.JIT.SSOConnectors))
		}
	}
	return hclwrite.Format(f.Bytes()), nil
}

// joinBlocks joins formatted blocks with one blank line between them.
func joinBlocks(blocks [][]byte) []byte {
	var buf bytes.Buffer
	for i, b := range blocks {
		if i > 0 {
			buf.WriteByte('\n')
		}
		buf.Write(b)
	}
	return buf.Bytes()
}
