package reliability

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/orgsync/orgsync/pkg/spec"
)

// loadSource decodes one file of src and renders its diagnostics as text
// and as JSON.
func loadSource(t *testing.T, src []byte) (res *spec.Result, diags hcl.Diagnostics, text, js string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	res, diags = spec.Load(spec.Input{Dir: dir, Getenv: func(string) string { return "" }})
	var tb, jb bytes.Buffer
	if err := spec.WriteDiagnostics(&tb, res.Files, diags, false); err != nil {
		t.Fatal(err)
	}
	if err := spec.DiagnosticsJSON(&jb, diags, res.Files); err != nil {
		t.Fatal(err)
	}
	return res, diags, tb.String(), jb.String()
}

// hostileSources are huge, deeply nested, invalid UTF-8 and very large
// configurations; wantErr "" means the source must decode, "?" that either
// outcome is fine.
func hostileSources() []struct{ name, src, wantErr string } {
	// 20 MB; 4 MB under the race detector, which makes scanning it about
	// twenty times slower.
	hugeSize := 20 << 20
	if raceEnabled {
		hugeSize = 4 << 20
	}
	huge := "organization \"x\" {\n  description = \"" + strings.Repeat("a", hugeSize) + "\"\n}\n"
	deep := "organization \"x\" {\n  custom_data = { v = " + strings.Repeat("{ a = ", 10000) + "1" + strings.Repeat(" }", 10000) + " }\n}\n"
	deepList := "organization \"x\" {\n  custom_data = { v = " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + " }\n}\n"
	var many strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&many, "organization \"org%05d\" {\n  description = \"Organization %d\"\n  custom_data = { tier = \"pro\" }\n}\n", i, i)
	}
	return []struct{ name, src, wantErr string }{
		{"20 MB string", huge, "too long"},
		{"20 MB label", "organization \"" + strings.Repeat("b", hugeSize) + "\" {}\n", "too long"},
		{"custom_data nested 10,000 deep", deep, ""},
		{"list nested 10,000 deep", deepList, ""},
		{"invalid UTF-8", "organization \"x\xff\xfe\" {\n  name = \"\xc3\x28\"\n}\n", "UTF-8"},
		{"10,000 organizations", many.String(), ""},
		{"NUL bytes", "permission \"a\x00b\" {}\n", "?"},
	}
}

// maxDiagnosticsSize bounds the diagnostics of any one hostile source, in
// text and in JSON: they quote and show source, and must not grow with it.
const maxDiagnosticsSize = 10 << 10

// TestHostileConfiguration: huge, deeply nested, invalid UTF-8 and very
// large configurations give a clear error of bounded size or decode, and
// never panic. How fast they decode is measured by BenchmarkHostile.
func TestHostileConfiguration(t *testing.T) {
	t.Parallel()
	for _, tt := range hostileSources() {
		t.Run(tt.name, func(t *testing.T) {
			res, diags, text, js := loadSource(t, []byte(tt.src))
			switch {
			case tt.wantErr == "" && diags.HasErrors():
				// Deep nesting may be refused, but clearly.
				if !strings.Contains(tt.name, "nested") || diags.Error() == "" {
					t.Errorf("errors: %v", diags)
				}
			case tt.wantErr == "?":
				// Either outcome, but consistent.
			case tt.wantErr != "" && !diags.HasErrors():
				t.Errorf("decoded without error, want one mentioning %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(diags.Error(), tt.wantErr):
				t.Errorf("error %.300q does not mention %q", diags.Error(), tt.wantErr)
			}
			if res == nil || (res.Config == nil) != diags.HasErrors() {
				t.Errorf("result and diagnostics disagree (errors: %v)", diags.HasErrors())
			}
			if tt.name == "10,000 organizations" && res != nil && res.Config != nil && len(res.Config.Organizations) != 10000 {
				t.Errorf("%d organizations decoded, want 10000", len(res.Config.Organizations))
			}
			if len(text) > maxDiagnosticsSize || len(js) > maxDiagnosticsSize {
				t.Errorf("diagnostics of %d bytes (text) and %d bytes (JSON), want at most %d each", len(text), len(js), maxDiagnosticsSize)
			}
			t.Logf("%s: %d diagnostics (%d bytes of text), errors: %.200s", tt.name, len(diags), len(text), diags.Error())
		})
	}
}

// BenchmarkHostile measures decoding the hostile sources (and writing their
// diagnostics): go test -bench Hostile -run '^$' ./internal/reliability. The 20 MB
// string takes well under a second without the race detector.
func BenchmarkHostile(b *testing.B) {
	for _, tt := range hostileSources() {
		b.Run(tt.name, func(b *testing.B) {
			dir := b.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(tt.src), 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(tt.src)))
			for b.Loop() {
				res, diags := spec.Load(spec.Input{Dir: dir})
				if err := spec.WriteDiagnostics(io.Discard, res.Files, diags, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
