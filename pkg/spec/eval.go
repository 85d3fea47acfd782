package spec

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/orgsync/orgsync/pkg/state"
)

// strItem is one string of a list together with the range of the source
// element it came from (the whole expression when it was computed).
type strItem struct {
	Value string
	Range hcl.Range
}

// checkRefs reports references to undeclared variables and locals with a
// did-you-mean hint. It returns false when any was found.
func (l *loader) checkRefs(expr hcl.Expression) bool {
	ok := true
	for _, t := range expr.Variables() {
		root := t.RootName()
		if root != "var" && root != "local" || len(t) < 2 {
			continue
		}
		attr, isAttr := t[1].(hcl.TraverseAttr)
		if !isAttr {
			continue
		}
		switch root {
		case "var":
			if _, found := l.varDecls[attr.Name]; found {
				continue
			}
			l.errorf(t.SourceRange(), "Reference to undeclared input variable",
				"An input variable named %q is not declared.%s Declare it with a variable %q {} block.",
				attr.Name, didYouMean(attr.Name, mapKeys(l.varDecls)), attr.Name)
		case "local":
			if _, found := l.localDecls[attr.Name]; found {
				continue
			}
			l.errorf(t.SourceRange(), "Reference to undeclared local value",
				"A local value named %q is not declared.%s Declare it in a locals {} block.",
				attr.Name, didYouMean(attr.Name, mapKeys(l.localDecls)))
		}
		ok = false
	}
	return ok
}

// value evaluates expr. It reports false when the value cannot be used: an
// error was reported, or the value depends on something that failed earlier.
// A value derived from a sensitive variable is not allowed there: names,
// labels, lists and settings appear in addresses and plans as they are.
func (l *loader) value(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, bool) {
	v, sensitive, ok := l.valueMarked(expr, ctx)
	if ok && sensitive {
		l.errorf(expr.Range(), "Sensitive value not allowed here",
			"This value is derived from a sensitive variable. Sensitive values may only be used in description and custom_data, "+
				"which plans print as (sensitive value); a name, label or list here would appear in addresses and plans in clear.")
		return cty.NilVal, false
	}
	return v, ok
}

// sensitiveMark marks the values of sensitive variables (and, through
// cty, every value derived from them).
const sensitiveMark = "sensitive"

// markedValue evaluates expr and keeps its marks.
func (l *loader) markedValue(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, bool) {
	if !l.checkRefs(expr) {
		return cty.NilVal, false
	}
	v, diags := expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

// valueMarked evaluates expr and says whether its value is derived from a
// sensitive variable; the value returned carries no marks.
func (l *loader) valueMarked(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, bool, bool) {
	v, ok := l.markedValue(expr, ctx)
	if !ok {
		return cty.NilVal, false, false
	}
	sensitive := v.ContainsMarked()
	v, _ = v.UnmarkDeep()
	return v, sensitive, true
}

func typeError(l *loader, expr hcl.Expression, what, want string, v cty.Value) {
	l.errorf(expr.Range(), "Incorrect attribute value type",
		"Inappropriate value for %s: %s is required, got %s.", what, want, v.Type().FriendlyName())
}

// evalString evaluates a string attribute; set is false when it is absent or null.
func (l *loader) evalString(expr hcl.Expression, ctx *hcl.EvalContext, what string) (s string, set bool) {
	v, ok := l.value(expr, ctx)
	return l.asString(expr, v, ok, what)
}

// evalSensitiveString is evalString for an attribute that may hold a
// sensitive value (descriptions); sensitive says whether it does.
func (l *loader) evalSensitiveString(expr hcl.Expression, ctx *hcl.EvalContext, what string) (s string, set, sensitive bool) {
	v, sensitive, ok := l.valueMarked(expr, ctx)
	s, set = l.asString(expr, v, ok, what)
	return s, set, sensitive && set
}

func (l *loader) asString(expr hcl.Expression, v cty.Value, ok bool, what string) (string, bool) {
	if !ok || v.IsNull() {
		return "", false
	}
	c, err := convert.Convert(v, cty.String)
	if err != nil {
		typeError(l, expr, what, "a string", v)
		return "", false
	}
	return c.AsString(), true
}

// evalBool evaluates a bool attribute; set is false when it is absent or null.
func (l *loader) evalBool(expr hcl.Expression, ctx *hcl.EvalContext, what string) (b bool, set bool) {
	v, ok := l.value(expr, ctx)
	if !ok || v.IsNull() {
		return false, false
	}
	c, err := convert.Convert(v, cty.Bool)
	if err != nil {
		typeError(l, expr, what, "a bool", v)
		return false, false
	}
	return c.True(), true
}

// evalStrings evaluates a list-of-strings attribute. Elements written as a
// literal list keep their own ranges, so that a diagnostic points at the one
// wrong string.
func (l *loader) evalStrings(expr hcl.Expression, ctx *hcl.EvalContext, what string) []strItem {
	if items, ok := literalStrings(expr); ok {
		return items
	}
	v, ok := l.value(expr, ctx)
	if !ok || v.IsNull() {
		return nil
	}
	return l.stringsOf(v, expr, what)
}

// literalStrings reads a list written as literal strings, like ["a", "b"],
// without evaluating it: the result is what evaluating it gives (each
// element with its own range), at a fraction of the cost. ok is false for
// any other expression.
func literalStrings(expr hcl.Expression) (items []strItem, ok bool) {
	tuple, ok := expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil, false
	}
	items = make([]strItem, len(tuple.Exprs))
	for i, e := range tuple.Exprs {
		s, ok := literalString(e)
		if !ok {
			return nil, false
		}
		items[i] = strItem{Value: s, Range: e.Range()}
	}
	return items, true
}

// literalString is the value of a quoted string without interpolations.
func literalString(expr hclsyntax.Expression) (string, bool) {
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok || len(t.Parts) != 1 {
		return "", false
	}
	lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok || lit.Val.Type() != cty.String || lit.Val.IsMarked() || lit.Val.IsNull() || !lit.Val.IsKnown() {
		return "", false
	}
	return lit.Val.AsString(), true
}

func (l *loader) stringsOf(v cty.Value, expr hcl.Expression, what string) []strItem {
	ty := v.Type()
	if !ty.IsListType() && !ty.IsSetType() && !ty.IsTupleType() {
		typeError(l, expr, what, "a list of strings", v)
		return nil
	}
	// Ranges only: evaluation went through expr itself, which keeps the
	// iterator of an enclosing dynamic block.
	elems, diags := hcl.ExprList(expr)
	useElems := !diags.HasErrors() && !ty.IsSetType() && len(elems) == v.LengthInt()
	var out []strItem
	i := 0
	for it := v.ElementIterator(); it.Next(); i++ {
		_, ev := it.Element()
		rng := expr.Range()
		if useElems {
			rng = elems[i].Range()
		}
		if ev.IsNull() {
			l.errorf(rng, "Null value in list", "Element %d of %s is null; a string is required.", i, what)
			continue
		}
		c, err := convert.Convert(ev, cty.String)
		if err != nil {
			l.errorf(rng, "Incorrect list element type",
				"Element %d of %s must be a string, got %s.", i, what, ev.Type().FriendlyName())
			continue
		}
		out = append(out, strItem{Value: c.AsString(), Range: rng})
	}
	return out
}

// apiPermissions is the evaluated api_permissions attribute.
type apiPermission struct {
	Indicator string
	Range     hcl.Range // of the key when written literally
	Scopes    []strItem
}

func (l *loader) evalAPIPermissions(expr hcl.Expression, ctx *hcl.EvalContext) []apiPermission {
	const what = "api_permissions"
	v, ok := l.value(expr, ctx)
	if !ok || v.IsNull() {
		return nil
	}
	ty := v.Type()
	if !ty.IsMapType() && !ty.IsObjectType() {
		typeError(l, expr, what, "a map of resource indicator to a list of scope names", v)
		return nil
	}
	keyRange := map[string]hcl.Range{}
	valExpr := map[string]hcl.Expression{}
	if items, diags := hcl.ExprMap(expr); !diags.HasErrors() {
		for _, item := range items {
			k, kd := item.Key.Value(nil)
			if kd.HasErrors() || !k.IsKnown() || k.IsNull() || k.Type() != cty.String {
				continue
			}
			keyRange[k.AsString()] = item.Key.Range()
			valExpr[k.AsString()] = item.Value
		}
	}
	var out []apiPermission
	for it := v.ElementIterator(); it.Next(); {
		k, ev := it.Element()
		ind := k.AsString()
		ap := apiPermission{Indicator: ind, Range: expr.Range()}
		sub := expr
		if r, found := keyRange[ind]; found {
			ap.Range = r
			sub = valExpr[ind]
		}
		if ev.IsNull() {
			l.errorf(sub.Range(), "Null value in api_permissions",
				"The scopes of %q are null; give a list of scope names (or remove the entry).", ind)
			continue
		}
		ap.Scopes = l.stringsOf(ev, sub, fmt.Sprintf("api_permissions[%q]", ind))
		out = append(out, ap)
	}
	return out
}

// evalCustomData evaluates custom_data into JSON-shaped Go values;
// sensitive says whether any part of it comes from a sensitive variable.
func (l *loader) evalCustomData(expr hcl.Expression, ctx *hcl.EvalContext) (map[string]any, bool, bool) {
	v, sensitive, ok := l.valueMarked(expr, ctx)
	cd, set := l.customData(expr, v, ok)
	return cd, set, sensitive && set
}

func (l *loader) customData(expr hcl.Expression, v cty.Value, ok bool) (map[string]any, bool) {
	if !ok || v.IsNull() {
		return nil, false
	}
	ty := v.Type()
	if !ty.IsMapType() && !ty.IsObjectType() {
		typeError(l, expr, "custom_data", "an object", v)
		return nil, false
	}
	raw, err := ctyjson.Marshal(v, ty)
	if err != nil {
		l.errorf(expr.Range(), "Invalid custom_data", "The value cannot be encoded as JSON: %s.", err)
		return nil, false
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		l.errorf(expr.Range(), "Invalid custom_data", "The value cannot be encoded as a JSON object: %s.", err)
		return nil, false
	}
	return out, true
}

// sortedUnique returns the values of items sorted and de-duplicated (nil when empty).
func sortedUnique(items []strItem) []string {
	if len(items) == 0 {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Value
	}
	sort.Strings(out)
	return slices.Clip(slices.Compact(out))
}

// internRoles is sortedUnique for the roles of a member, an application or
// a jit block. Thousands of blocks hold the same few role sets, so equal
// results share one slice (capacity = length, so appending copies; nothing
// writes into a configuration's slices).
func (l *loader) internRoles(items []strItem) []string {
	if len(items) == 0 {
		return nil
	}
	if len(items) == 1 {
		if cached, ok := l.roleSets[items[0].Value]; ok {
			return cached
		}
	}
	out := sortedUnique(items)
	key := strings.Join(out, "\x00")
	if cached, ok := l.roleSets[key]; ok {
		return cached
	}
	if l.roleSets == nil {
		l.roleSets = map[string][]string{}
	}
	l.roleSets[key] = out
	return out
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// didYouMean returns ` Did you mean "x"?` for the closest candidate within
// edit distance 2 (ties go to the first in sorted order), or "".
func didYouMean(given string, candidates []string) string {
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist := "", 3
	for _, c := range sorted {
		if d := state.EditDistance(given, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		// A difference in letter case only is always worth a hint.
		for _, c := range sorted {
			if strings.EqualFold(c, given) {
				return fmt.Sprintf(" Did you mean %q?", c)
			}
		}
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}
