package apply

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

func TestBase85(t *testing.T) {
	if len(base85Alphabet) != 85 {
		t.Fatalf("the alphabet has %d characters", len(base85Alphabet))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 40 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		if n%7 == 0 {
			for i := range b {
				b[i] = 0xFF
			}
		}
		s := encode85(b)
		if want := (n*5 + 3) / 4; len(s) != want {
			t.Errorf("%d bytes encode to %d characters, want %d", n, len(s), want)
		}
		got, err := decode85(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x: %x, %v", b, got, err)
		}
		// Every character is one byte in a JSON string.
		js, _ := json.Marshal(s)
		if len(js) != len(s)+2 {
			t.Fatalf("%q is escaped in JSON: %s", s, js)
		}
	}
	for _, bad := range []string{"a", "ab\"cd", "~~~~~"} {
		if _, err := decode85(bad); err == nil {
			t.Errorf("decode85(%q) succeeded", bad)
		}
	}
}
