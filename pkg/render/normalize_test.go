package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNormalizeStrings checks that string lists read as their JSON round
// trip does.
func TestNormalizeStrings(t *testing.T) {
	for _, v := range [][]string{nil, {}, {"a"}, {"role-01", "<b>&", "é"}, {"ok", "bad\xff"}} {
		if d := cmp.Diff(normalizeJSON(v), normalize(v)); d != "" {
			t.Errorf("normalize(%q) differs from the JSON round trip (-json +normalize):\n%s", v, d)
		}
	}
}
