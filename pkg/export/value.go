package export

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// reservedKeys are identifiers that cannot be written bare as object keys:
// the literals would be read as values (null cannot be a key at all), and
// "for" right after "{" starts a for expression.
var reservedKeys = map[string]bool{"null": true, "true": true, "false": true, "for": true, "in": true, "if": true}

// tokensForJSON returns an HCL expression that evaluates to the JSON value v
// (as decoded by encoding/json: nil, bool, float64, json.Number, string,
// []any, map[string]any). Objects are written one attribute per line with
// keys sorted; keys that are not plain identifiers are quoted; strings are
// escaped so that "${" and "%{" stay literal.
func tokensForJSON(v any) (hclwrite.Tokens, error) {
	switch x := v.(type) {
	case nil:
		return hclwrite.TokensForValue(cty.NullVal(cty.DynamicPseudoType)), nil
	case bool:
		return hclwrite.TokensForValue(cty.BoolVal(x)), nil
	case string:
		return hclwrite.TokensForValue(cty.StringVal(x)), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("the number %v has no JSON or HCL form", x)
		}
		return hclwrite.TokensForValue(cty.NumberFloatVal(x)), nil
	case float32:
		return tokensForJSON(float64(x))
	case int:
		return hclwrite.TokensForValue(cty.NumberIntVal(int64(x))), nil
	case int64:
		return hclwrite.TokensForValue(cty.NumberIntVal(x)), nil
	case json.Number:
		n, err := cty.ParseNumberVal(string(x))
		if err != nil {
			return nil, fmt.Errorf("the number %q: %w", string(x), err)
		}
		return hclwrite.TokensForValue(n), nil
	case []any:
		elems := make([]hclwrite.Tokens, 0, len(x))
		for i, e := range x {
			t, err := tokensForJSON(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			elems = append(elems, t)
		}
		return hclwrite.TokensForTuple(elems), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		attrs := make([]hclwrite.ObjectAttrTokens, 0, len(keys))
		for _, k := range keys {
			t, err := tokensForJSON(x[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: tokensForKey(k), Value: t})
		}
		return hclwrite.TokensForObject(attrs), nil
	default:
		return nil, fmt.Errorf("unsupported value of type %T", v)
	}
}

// tokensForKey writes an object key: bare when it is an identifier that HCL
// reads as a literal name, else as a quoted string.
func tokensForKey(k string) hclwrite.Tokens {
	if hclsyntax.ValidIdentifier(k) && !reservedKeys[k] {
		return hclwrite.TokensForIdentifier(k)
	}
	return hclwrite.TokensForValue(cty.StringVal(k))
}

// tokensForStringMap writes a map of string lists (api_permissions) as an
// object constructor with sorted keys.
func tokensForStringMap(m map[string][]string) hclwrite.Tokens {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]hclwrite.ObjectAttrTokens, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: tokensForKey(k), Value: hclwrite.TokensForValue(stringList(m[k]))})
	}
	return hclwrite.TokensForObject(attrs)
}

// stringList is a cty list of strings (an empty list when ss is empty).
func stringList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// changedByHCL reports the first string in v (keys included) that HCL cannot
// hold verbatim: cty normalizes every string to Unicode NFC, so a string in
// another normalization form reads back different.
func changedByHCL(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		if cty.StringVal(x).AsString() != x {
			return x, true
		}
	case []any:
		for _, e := range x {
			if s, bad := changedByHCL(e); bad {
				return s, true
			}
		}
	case map[string]any:
		for k, e := range x {
			if s, bad := changedByHCL(k); bad {
				return s, true
			}
			if s, bad := changedByHCL(e); bad {
				return s, true
			}
		}
	}
	return "", false
}
