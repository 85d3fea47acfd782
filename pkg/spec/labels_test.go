package spec

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplateInBlockLabel: a template in a block label is explained, with
// what to write instead, and the whole label is the subject.
func TestTemplateInBlockLabel(t *testing.T) {
	for _, tt := range []struct {
		name, src, label string
		want             []string
	}{
		{"member", "locals { domain = \"acme.com\" }\norganization \"acme\" {\n  member \"alice@${local.domain}\" { roles = [\"admin\"] }\n}\n",
			`"alice@${local.domain}"`, []string{
				"Block labels are literal strings: they cannot hold ${...} or %{...} expressions.",
				"  dynamic \"member\" {\n    for_each = [\"alice@${local.domain}\"]\n    labels   = [member.value]\n    content { roles = [\"admin\"] }\n  }",
			}},
		{"application over lines", "organization \"acme\" {\n  application \"bot-${lower(\"X\")}\" {\n    roles = [\"automation\"]\n  }\n}\n",
			`"bot-${lower("X")}"`, []string{"  dynamic \"application\" {\n    for_each = [\"bot-${lower(\"X\")}\"]\n    labels   = [application.value]\n    content { roles = [...] }\n  }"}},
		{"organization", "variable \"n\" {\n  default = \"x\"\n}\norganization \"cust-${var.n}\" {}\n",
			`"cust-${var.n}"`, []string{"for_each = toset([\"cust-${var.n}\"])", "name     = each.value"}},
		{"role", "role \"r-%{ if true }x%{ endif }\" {}\n", `"r-%{ if true }x%{ endif }"`, []string{"Write the role's name out in full."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "main.hcl"), tt.src)
			res, diags := Load(Input{Dir: dir})
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %v", diags)
			}
			d := diags[0]
			if d.Summary != "Expression in a block label" || strings.Contains(d.Detail, "double it") {
				t.Errorf("diagnostic %s: %s", d.Summary, d.Detail)
			}
			for _, w := range tt.want {
				if !strings.Contains(d.Detail, w) {
					t.Errorf("detail lacks %q:\n%s", w, d.Detail)
				}
			}
			if got := string(res.Files[d.Subject.Filename].Bytes[d.Subject.Start.Byte:d.Subject.End.Byte]); got != tt.label {
				t.Errorf("subject %q, want the label %s", got, tt.label)
			}
		})
	}
	// A template in an attribute's string is fine.
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.hcl"), "locals { d = \"acme.com\" }\npermission \"p\" { description = \"for ${local.d}\" }\n")
	if _, diags := Load(Input{Dir: dir}); diags.HasErrors() {
		t.Errorf("template in an attribute: %v", diags)
	}
}
