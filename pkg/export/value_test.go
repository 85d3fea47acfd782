package export

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// evalJSON writes v as an attribute of a formatted file, parses it back
// and returns the JSON its value encodes to, decoded.
func evalJSON(t *testing.T, v any) (any, string) {
	t.Helper()
	toks, err := tokensForJSON(v)
	if err != nil {
		t.Fatalf("tokensForJSON: %v", err)
	}
	f := hclwrite.NewEmptyFile()
	f.Body().SetAttributeRaw("v", toks)
	src := hclwrite.Format(f.Bytes())
	if again := hclwrite.Format(src); string(again) != string(src) {
		t.Fatalf("formatting is not stable:\n%s\nthen\n%s", src, again)
	}
	file, diags := hclsyntax.ParseConfig(src, "v.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse:\n%s\n%v", src, diags)
	}
	attrs, diags := file.Body.JustAttributes()
	if diags.HasErrors() {
		t.Fatalf("attributes:\n%s\n%v", src, diags)
	}
	val, diags := attrs["v"].Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("evaluate:\n%s\n%v", src, diags)
	}
	raw, err := ctyjson.Marshal(val, val.Type())
	if err != nil {
		t.Fatalf("marshal:\n%s\n%v", src, err)
	}
	var got any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	return got, string(src)
}

func TestTokensForJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		json string
	}{
		{"identifier keys", `{"tier":"enterprise","seats":25,"trial":false}`},
		{"keys that are not identifiers", `{"a b":1,"k.1":2,"1st":3,"":4,"-x":5,"ünï":"ç","dash-key":6}`},
		{"keyword keys", `{"null":null,"true":true,"false":false,"for":"loop","in":1,"if":2}`},
		{"template sequences", `{"s":"${var.x} and %{ if true }y%{ endif } $${ok} $ %","${k}":"%{k}"}`},
		{"escapes", `{"s":"line1\nline2\ttab \"quoted\" back\\slash \u0001 \u2028"}`},
		{"unicode", `{"name":"Société Générale 日本 🚀","k":"\u00e9"}`},
		{"numbers", `{"i":42,"neg":-7,"f":0.1,"big":1e21,"small":1.5e-7,"max":9007199254740993,"zero":0,"pi":3.141592653589793}`},
		{"nested", `{"a":{"b":{"c":[1,[2,3],{"d":null}],"e":{}}},"l":[],"mixed":[1,"x",true,null,{"k-1":{"z":[]}}]}`},
		{"long string", `{"s":"` + strings.Repeat("lorem ipsum ", 200) + `"}`},
		{"empty", `{}`},
		{"array", `[{"a":1},{"b":[{"c":2}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want any
			if err := json.Unmarshal([]byte(tt.json), &want); err != nil {
				t.Fatal(err)
			}
			got, src := evalJSON(t, want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("HCL\n%s\ndecodes to different JSON (-want +got):\n%s", src, diff)
			}
		})
	}
}

func TestTokensForJSONQuotesKeys(t *testing.T) {
	_, src := evalJSON(t, map[string]any{"plain": 1.0, "a b": 2.0, "null": nil})
	want := "v = {\n  \"a b\"  = 2\n  \"null\" = null\n  plain  = 1\n}\n"
	if src != want {
		t.Errorf("got\n%s\nwant\n%s", src, want)
	}
}

func TestTokensForJSONRejectsUnknownTypes(t *testing.T) {
	if _, err := tokensForJSON(map[string]any{"c": make(chan int)}); err == nil || !strings.Contains(err.Error(), "c: unsupported value") {
		t.Errorf("err = %v, want one naming the key c", err)
	}
}

func TestChangedByHCL(t *testing.T) {
	nfd := "e\u0301" // é, decomposed
	tests := []struct {
		v    any
		want bool
	}{
		{"plain", false},
		{"\u00e9", false},
		{nfd, true},
		{map[string]any{"k": []any{1.0, nfd}}, true},
		{map[string]any{nfd: 1.0}, true},
		{map[string]any{"k": []any{"ok"}}, false},
	}
	for _, tt := range tests {
		if _, got := changedByHCL(tt.v); got != tt.want {
			t.Errorf("changedByHCL(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
