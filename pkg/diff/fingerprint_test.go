package diff

import (
	"fmt"
	"hash/fnv"
	"testing"
)

// TestFingerprintIsOfCanonicalJSON: the values Fingerprint encodes directly
// (strings, booleans, string lists, nil) get the fingerprint of their
// canonical JSON, as every other value does, so records written before
// stay valid.
func TestFingerprintIsOfCanonicalJSON(t *testing.T) {
	for _, v := range []any{nil, "", "a<b>&\u2028é", true, false, []string(nil), []string{}, []string{"admin", "<x>", "ü"},
		map[string]any{"b": 1, "a": []any{"x"}}, 12.5} {
		s, _, err := canonical(v)
		if err != nil {
			t.Fatal(err)
		}
		h := fnv.New32a()
		h.Write([]byte(s))
		if got, want := Fingerprint(v), fmt.Sprintf("%08x", h.Sum32()); got != want {
			t.Errorf("Fingerprint(%#v) = %s, want %s (of %s)", v, got, want, s)
		}
	}
}
