package state

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	for _, ok := range []string{
		`role.admin`, `permission."invite:member"`, `organization.acme`, `organization.customer`,
		`organization.customer["acme"]`, `organization.acme.member."alice@acme.com"`, `organization.acme.member.bob`,
		`organization.acme.application."ci-bot"`, `organization.customer["a b"].jit`, `role."admin"`, `organization.my-org`,
		`organization.acme.member."a@b.c".invitation`,
	} {
		if err := ParseAddress(ok); err != nil {
			t.Errorf("ParseAddress(%s): %v", ok, err)
		}
	}
	for addr, want := range map[string]string{
		`organization.[[broken`:                `unexpected '['`,
		`organisation.acme`:                    `"organisation" is not a kind of object`,
		`role`:                                 `role must be followed by .NAME`,
		`role.admin.x`:                         `unexpected ".x" at the end`,
		`organization.acme.members.x`:          `"members" is not part of an organization`,
		`organization.acme.member`:             `member must be followed by .LABEL`,
		`organization.c[acme]`:                 `a for_each index is a quoted key`,
		`organization.c["acme"`:                `not closed with ]`,
		`permission."open`:                     `unterminated or malformed quoted name`,
		`organization.acme.jit.x`:              `unexpected ".x" at the end`,
		``:                                     `a name is missing`,
		`organization.acme.member."a@b.c".jit`: `unexpected ".jit" at the end`,
	} {
		err := ParseAddress(addr)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "role.admin") {
			t.Errorf("ParseAddress(%q) = %v, want an error containing %q and examples", addr, err, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"héllo", "hello", 1}, {"abc", "abc", 0},
	}
	for _, tt := range tests {
		if got := EditDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
