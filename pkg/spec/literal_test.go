package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// literalCases are sources parseLiteral must parse (accept: true) or leave
// to hclsyntax.
var literalCases = []struct {
	name   string
	src    string
	accept bool
}{
	{"empty", "", true},
	{"newlines only", "\n\n", true},
	{"comment first", "# header\norganization \"a\" {\n}\n", true},
	{"slash comment", "// header\n\norganization \"a\" { # trailing\n  name = \"A\" // c\n}\n", true},
	{"no final newline", "organization \"a\" {\n  name = \"A\"\n}", true},
	{"attribute at the end", "a = 1", true},
	{"spaces first", "   \n  a = 1\n", true},
	{"tabs", "\torganization \"a\" {\n\t\tname\t= \"A\"\n\t}\n", true},
	{"w1 organization", `organization "org0001" {
  name        = "Org 0001"
  description = "W1 organization 1"
  custom_data = {
    region = "eu"
    tier   = "pro"
  }

  member "user0001@w1.example.com" {
    roles = ["role-01", "role-04"]
  }

  member "user0002@w1.example.com" {
    roles = ["role-03"]
  }

  application "w1-bot-00" {
    roles = ["role-09"]
  }

  jit {
    email_domains = ["org0001.example.com"]
    roles         = ["role-02"]
  }
}
`, true},
	{"lifecycle", `organization "a" {
  member "bob" {
    lifecycle {
      prevent_destroy = true
      ignore_changes  = [roles, "roles"]
    }
  }
  lifecycle {
    prevent_destroy = false
  }
}
`, true},
	{"values", `a = ""
b = 12
c = 1.5
d = null
e = [
  "x",
  # a comment
  "y",
]
f = []
g = {}
h = { "k" = 1, l = [true, false], "m": {n = null} }
i = {
  "https://api.example.com" = ["read:x"]

  other = 0
}
j = [[], [1], {a = 1}]
k = "a b % $ 100% $x"
`, true},
	{"bare labels", "role admin {\n}\nx y \"z\" {}\n", true},
	{"empty blocks", "a {}\nb \"c\" {}\n", true},
	{"nested", "a {\n  b {\n    c {\n    }\n  }\n}\n", true},

	{"more values", "a = 007\nb = \"$\"\nc = \"%\"\nd = \"a$\"\ne = {\n  a = 1, # c\n  \"b\": 2,\n}\nf = [ # c\n\t1 ,\n\t2 // c\n]\n", true},
	{"comments around blocks", "a { # c\n  b = 1 # c\n} # c\n# end\n", true},
	{"comment only", "# only\n", true},
	{"labels", "a \"x y\" b-c \"\" {\n}\n", true},
	{"dot after number", "a = 1.\n", false},
	{"two dots", "a = 1.5.2\n", false},
	{"escaped interpolation", `a = "$${x}"`, false},
	{"attribute then block", "a = 1\nb {\n}\nc = [\n]\n", true},
	{"interpolation", `a = "${var.x}"`, false},
	{"directive", `a = "%{if true}x%{endif}"`, false},
	{"escape", `a = "a\nb"`, false},
	{"non-ASCII", `a = "café"`, false},
	{"non-ASCII comment", "# café\na = 1\n", true},
	{"reference", "a = var.x\n", false},
	{"index", "a = x[0]\n", false},
	{"function", "a = toset([])\n", false},
	{"operator", "a = 1 + 2\n", false},
	{"conditional", "a = true ? 1 : 2\n", false},
	{"negative", "a = -1\n", false},
	{"exponent", "a = 1e3\n", false},
	{"heredoc", "a = <<EOT\nx\nEOT\n", false},
	{"for", "a = [for x in y : x]\n", false},
	{"object for", "a = {for k, v in y : k => v}\n", false},
	{"single-line block", `member "a" { roles = ["x"] }` + "\n", false},
	{"block comment", "/* x */\na = 1\n", false},
	{"comment at the end", "a = 1 # c", false},
	{"carriage return", "a = 1\r\n", false},
	{"duplicate attribute", "a = 1\na = 2\n", false},
	{"missing newline", "a = 1 b = 2\n", false},
	{"unclosed block", "a {\n", false},
	{"unclosed string", "a = \"x\n", false},
	{"equals twice", "a == 1\n", false},
	{"paren key", "a = {(k) = 1}\n", false},
	{"colon key", "a = {k: 1}\n", false},
	{"block after block on a line", "a {\n}\n b {\n}\n", true},
	{"two blocks on a line", "a {} b {}\n", false},
	{"organization attribute", "organization = 1\nrole \"r\" {\n}\n", true},
	{"duplicate in a skipped block", "organization \"a\" {\n  name = \"x\"\n  name = \"y\"\n}\n", false},
	{"duplicate in a skipped member", "organization \"a\" {\n  member \"b\" {\n    roles = []\n    roles = []\n  }\n}\n", false},
	{"dynamic", `organization "a" {
  dynamic "member" {
    for_each = var.staff
    labels   = [member.value]
    content {
      roles = ["member"]
    }
  }
}
`, false},
}

// syntaxTreeOptions compare hclsyntax trees field by field, values with
// RawEquals.
var syntaxTreeOptions = cmp.Options{
	cmp.Exporter(func(t reflect.Type) bool {
		return t.PkgPath() == reflect.TypeOf(hclsyntax.Body{}).PkgPath() || t.PkgPath() == reflect.TypeOf(hcl.Range{}).PkgPath()
	}),
	cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
}

// checkLiteralParse compares parseLiteral with hclsyntax.ParseConfig on src
// and reports whether parseLiteral accepted it.
func checkLiteralParse(t *testing.T, src []byte, filename string) bool {
	t.Helper()
	got, ok := parseLiteral(src, filename)
	skimmed, skipped, skimOK := parseLiteralSkipping(src, filename, "organization")
	if skimOK != ok {
		t.Errorf("%s: parseLiteral accepts it: %v, parseLiteralSkipping: %v", filename, ok, skimOK)
	}
	if !ok {
		return false
	}
	if skimOK {
		// The tree without the organization blocks, and the count of them.
		want := *got.Body.(*hclsyntax.Body)
		want.Blocks = hclsyntax.Blocks{}
		orgs := 0
		for _, b := range got.Body.(*hclsyntax.Body).Blocks {
			if b.Type == "organization" {
				orgs++
			} else {
				want.Blocks = append(want.Blocks, b)
			}
		}
		want.Attributes = hclsyntax.Attributes{}
		for n, a := range got.Body.(*hclsyntax.Body).Attributes {
			if n != "organization" {
				want.Attributes[n] = a
			} else {
				orgs++ // skipped too: read again with the blocks
			}
		}
		if d := cmp.Diff(&want, skimmed.Body, syntaxTreeOptions); d != "" {
			t.Errorf("%s: the tree read skipping organizations differs (-expected +parseLiteralSkipping):\n%s", filename, d)
		}
		if skipped != orgs {
			t.Errorf("%s: skipped %d organization blocks, want %d", filename, skipped, orgs)
		}
	}
	want, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if len(diags) > 0 {
		t.Errorf("%s: parseLiteral accepted a file hclsyntax reports: %v", filename, diags)
		return true
	}
	if d := cmp.Diff(want.Body, got.Body, syntaxTreeOptions); d != "" {
		t.Errorf("%s: syntax trees differ (-hclsyntax +parseLiteral):\n%s", filename, d)
	}
	if string(got.Bytes) != string(src) {
		t.Errorf("%s: Bytes differ", filename)
	}
	return true
}

func TestParseLiteralMatchesHclsyntax(t *testing.T) {
	for _, tc := range literalCases {
		t.Run(tc.name, func(t *testing.T) {
			if ok := checkLiteralParse(t, []byte(tc.src), "x.hcl"); ok != tc.accept {
				t.Errorf("parseLiteral accepted = %v, want %v", ok, tc.accept)
			}
		})
	}
}

// TestParseLiteralOnTestdata compares the two parsers on every
// configuration file of the golden cases and the examples.
func TestParseLiteralOnTestdata(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../../testdata/*/*/*.hcl", "../../testdata/*/*.hcl", "../../examples/*/*.hcl", "../../examples/*/*/*.hcl"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d files", len(files))
	}
	accepted := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if checkLiteralParse(t, src, name) {
			accepted++
		}
	}
	t.Logf("parseLiteral accepted %d of %d files", accepted, len(files))
	if accepted == 0 {
		t.Error("parseLiteral accepted none of the files")
	}
}

// TestParseLiteralContext checks that a diagnostic's context (the block
// around it) is found in a file parseLiteral read.
func TestParseLiteralContext(t *testing.T) {
	src := "organization \"acme\" {\n  member \"bob\" {\n    roles = [\"x\"]\n  }\n}\n"
	f, ok := parseLiteral([]byte(src), "x.hcl")
	if !ok {
		t.Fatal("not accepted")
	}
	nav := f.Nav.(interface{ ContextString(int) string })
	if got, want := nav.ContextString(strings.Index(src, `"x"`)), `organization "acme"`; !strings.Contains(got, want) {
		t.Errorf("ContextString = %q, want it to name %s", got, want)
	}
}

// FuzzParseLiteral: whatever the input, a file parseLiteral accepts parses
// to the tree hclsyntax builds, without diagnostics. `go test` runs the
// seeds (the literal cases); `go test -fuzz ParseLiteral ./pkg/spec`
// searches further.
func FuzzParseLiteral(f *testing.F) {
	for _, tc := range literalCases {
		f.Add([]byte(tc.src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkLiteralParse(t, src, "x.hcl")
	})
}
