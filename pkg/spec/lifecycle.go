package spec

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/orgsync/orgsync/pkg/state"
)

// The attributes lifecycle.ignore_changes may name, per block type: those
// orgsync manages there.
var (
	permissionIgnorable   = []string{"description"}
	roleIgnorable         = []string{"description", "type", "permissions", "api_permissions"}
	organizationIgnorable = []string{"name", "description", "custom_data", "mfa_required", "branding", "color", "custom_css"}
	memberIgnorable       = []string{"roles"}
	jitIgnorable          = []string{"email_domains", "roles", "sso_connectors"}
)

// lifecycle decodes a lifecycle block of a block type whose attributes
// ignorable are: prevent_destroy, and ignore_changes as a list of
// attribute names (bare, as in Terraform, or quoted).
func (l *loader) lifecycle(c *lifecycleContent, ctx *hcl.EvalContext, block string, ignorable []string) (bool, state.Ignored) {
	if c == nil {
		return false, nil
	}
	prevent, _ := l.evalBool(c.PreventDestroy, ctx, "prevent_destroy")
	return prevent, l.ignoreChanges(c.IgnoreChanges, ctx, block, ignorable)
}

func (l *loader) ignoreChanges(expr hcl.Expression, ctx *hcl.EvalContext, block string, ignorable []string) state.Ignored {
	if expr == nil || expr.Range().Empty() {
		return nil
	}
	if v, diags := expr.Value(nil); !diags.HasErrors() && v.IsNull() {
		return nil // not set
	}
	elems, diags := hcl.ExprList(expr)
	if diags.HasErrors() {
		l.errorf(expr.Range(), "Invalid ignore_changes",
			"ignore_changes must be a list of attribute names, like [description, custom_data].")
		return nil
	}
	var out state.Ignored
	for _, e := range elems {
		name := ""
		if tr, d := hcl.AbsTraversalForExpr(e); !d.HasErrors() && len(tr) == 1 {
			name = tr.RootName()
		} else if v, ok := l.value(e, ctx); ok && !v.IsNull() && v.Type() == cty.String {
			name = v.AsString()
		} else {
			if ok {
				l.errorf(e.Range(), "Invalid ignore_changes",
					"Each element of ignore_changes is an attribute name, like description.")
			}
			continue
		}
		if !contains(ignorable, name) {
			l.errorf(e.Range(), "Unknown attribute in ignore_changes",
				"%s %s block has no attribute %q that orgsync manages; ignore_changes may name %s.%s",
				article(block), block, name, strings.Join(ignorable, ", "), didYouMean(name, ignorable))
			continue
		}
		if !out.Ignores(name) {
			out = append(out, name)
		}
	}
	return out
}

// article is "An" before a vowel, "A" otherwise.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "An"
	}
	return "A"
}
