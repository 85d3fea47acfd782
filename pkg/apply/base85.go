package apply

import (
	"errors"
	"fmt"
	"strings"
)

// The record's compressed bytes are stored as text in the application's
// custom data. Base85 (4 bytes in 5 characters) takes a fifth less room
// than base64 (3 in 4). Its alphabet is printable ASCII without the
// characters JSON encoders escape (" \ and, in Go, < > &) and without ' and
// space, so that every character costs one byte on the wire.
const base85Alphabet = "!#$%()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{"

var base85Index = func() [256]int16 {
	var ix [256]int16
	for i := range ix {
		ix[i] = -1
	}
	for i := 0; i < len(base85Alphabet); i++ {
		ix[base85Alphabet[i]] = int16(i)
	}
	return ix
}()

// encode85 writes b as base85: every 4 bytes as 5 characters, a final group
// of k < 4 bytes as k+1 characters.
func encode85(b []byte) string {
	var out strings.Builder
	out.Grow((len(b)*5 + 3) / 4)
	var digits [5]byte
	for len(b) > 0 {
		n := min(4, len(b))
		var v uint32
		for i := range 4 {
			v <<= 8
			if i < n {
				v |= uint32(b[i])
			}
		}
		for i := 4; i >= 0; i-- {
			digits[i] = base85Alphabet[v%85]
			v /= 85
		}
		out.Write(digits[:n+1])
		b = b[n:]
	}
	return out.String()
}

// decode85 reverses encode85.
func decode85(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)*4/5+4)
	for len(s) > 0 {
		n := min(5, len(s))
		if n == 1 {
			return nil, errors.New("base85: a final group of one character")
		}
		var v uint64
		for i := range 5 {
			d := int16(84) // pad with the largest digit
			if i < n {
				if d = base85Index[s[i]]; d < 0 {
					return nil, fmt.Errorf("base85: %q is not in the alphabet", s[i])
				}
			}
			v = v*85 + uint64(d)
		}
		if v > 0xFFFFFFFF {
			return nil, errors.New("base85: a group is out of range")
		}
		for i := range n - 1 {
			out = append(out, byte(v>>(24-8*i)))
		}
		s = s[n:]
	}
	return out, nil
}
