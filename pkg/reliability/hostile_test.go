package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/orgsync/orgsync/pkg/spec"
)

// loadSource decodes one file of src and reports how long it took.
func loadSource(t *testing.T, src []byte) (*spec.Result, hcl.Diagnostics, time.Duration) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, diags := spec.Load(spec.Input{Dir: dir, Getenv: func(string) string { return "" }})
	return res, diags, time.Since(start)
}

// TestHostileConfiguration: huge, deeply nested, invalid UTF-8 and very
// large configurations give a clear error or decode within bounded time,
// and never panic.
func TestHostileConfiguration(t *testing.T) {
	t.Parallel()
	// 20 MB; 4 MB under the race detector, which makes scanning it ~20x slower.
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
	tests := []struct {
		name    string
		src     string
		wantErr string // "" : must decode
		limit   time.Duration
	}{
		{"20 MB string", huge, "too long", 20 * time.Second},
		{"custom_data nested 10,000 deep", deep, "", 20 * time.Second},
		{"list nested 10,000 deep", deepList, "", 20 * time.Second},
		{"invalid UTF-8", "organization \"x\xff\xfe\" {\n  name = \"\xc3\x28\"\n}\n", "UTF-8", 5 * time.Second},
		{"10,000 organizations", many.String(), "", 5 * time.Second * time.Duration(1+4*btoi(raceEnabled))},
		{"NUL bytes", "permission \"a\x00b\" {}\n", "?", 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, diags, took := loadSource(t, []byte(tt.src))
			if took > tt.limit {
				t.Errorf("decoding took %s, want under %s", took.Round(time.Millisecond), tt.limit)
			}
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
				t.Errorf("error %q does not mention %q", diags.Error(), tt.wantErr)
			}
			if res == nil || (res.Config == nil) != diags.HasErrors() {
				t.Errorf("result and diagnostics disagree (errors: %v)", diags.HasErrors())
			}
			if tt.name == "10,000 organizations" && res != nil && res.Config != nil && len(res.Config.Organizations) != 10000 {
				t.Errorf("%d organizations decoded, want 10000", len(res.Config.Organizations))
			}
			msg := diags.Error()
			t.Logf("%s: %s, errors: %.200s", tt.name, took.Round(time.Millisecond), msg)
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
