package state

import (
	"fmt"
	"strconv"
	"strings"
)

// PermissionAddress is permission."name" (quoted when the name is not an identifier).
func PermissionAddress(name string) string { return "permission." + AddressPart(name) }

// RoleAddress is role.name.
func RoleAddress(name string) string { return "role." + AddressPart(name) }

// OrganizationAddress is organization.key; key is already in address form
// (acme or customer["acme"]).
func OrganizationAddress(key string) string { return "organization." + key }

// MemberAddress is organization.acme.member."alice@acme.com".
func MemberAddress(orgAddr, label string) string { return orgAddr + ".member." + AddressPart(label) }

// ApplicationAddress is organization.acme.application."ci-bot".
func ApplicationAddress(orgAddr, label string) string {
	return orgAddr + ".application." + AddressPart(label)
}

// JITAddress is organization.acme.jit.
func JITAddress(orgAddr string) string { return orgAddr + ".jit" }

// AddressPart writes a name as one step of a plan address: bare when it is
// made of letters, digits and underscores only (role.admin), quoted
// otherwise (permission."invite:member", application."ci-bot").
func AddressPart(s string) string {
	if IsAddressWord(s) {
		return s
	}
	return strconv.Quote(s)
}

// IsAddressWord reports whether s can stand unquoted in an address: letters,
// digits and underscores, not starting with a digit.
func IsAddressWord(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

// IsIdentifier reports whether s is a plain HCL identifier (letters, digits,
// '_' and '-', not starting with a digit or '-').
func IsIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && (r == '-' || (r >= '0' && r <= '9')):
		default:
			return false
		}
	}
	return !strings.HasPrefix(s, "-")
}

// ParseAddress checks that addr is a plan address as -target and
// -allow-destroy take them:
//
//	permission.NAME   role.NAME   organization.KEY
//	organization.KEY.member.LABEL   organization.KEY.application.LABEL   organization.KEY.jit
//
// where NAME and LABEL are a bare word or a quoted string, and KEY is a
// bare word or a quoted string, optionally followed by a for_each index
// ["key"] (organization.customer alone stands for all its instances). The
// error says what is wrong and how addresses are written.
func ParseAddress(addr string) error {
	p := &addrParser{s: addr}
	if err := p.parse(); err != nil {
		return fmt.Errorf("%q is not a valid address: %v; write e.g. role.admin, permission.\"invite:member\", organization.acme, "+
			"organization.customer[\"acme\"], organization.acme.member.\"alice@acme.com\", organization.acme.jit", addr, err)
	}
	return nil
}

type addrParser struct {
	s   string
	pos int
}

func (p *addrParser) parse() error {
	kind, err := p.word()
	if err != nil {
		return err
	}
	if err := p.dot(); err != nil {
		return fmt.Errorf("%s must be followed by .NAME", kind)
	}
	if err := p.name(); err != nil {
		return err
	}
	switch kind {
	case "permission", "role":
		return p.end()
	case "organization":
	default:
		return fmt.Errorf("%q is not a kind of object: use permission, role or organization", kind)
	}
	if p.pos < len(p.s) && p.s[p.pos] == '[' {
		p.pos++
		if err := p.quoted(); err != nil {
			return fmt.Errorf("a for_each index is a quoted key: [\"acme\"]")
		}
		if p.pos >= len(p.s) || p.s[p.pos] != ']' {
			return fmt.Errorf("the for_each index is not closed with ]")
		}
		p.pos++
	}
	if p.pos == len(p.s) {
		return nil
	}
	if err := p.dot(); err != nil {
		return err
	}
	sub, err := p.word()
	if err != nil {
		return err
	}
	switch sub {
	case "jit":
		return p.end()
	case "member", "application":
		if err := p.dot(); err != nil {
			return fmt.Errorf("%s must be followed by .LABEL", sub)
		}
		if err := p.name(); err != nil {
			return err
		}
		if sub == "member" && strings.HasPrefix(p.s[p.pos:], ".invitation") {
			p.pos += len(".invitation") // the member's pending invitation
		}
		return p.end()
	}
	return fmt.Errorf("%q is not part of an organization: use member, application or jit", sub)
}

func (p *addrParser) end() error {
	if p.pos != len(p.s) {
		return fmt.Errorf("unexpected %q at the end", p.s[p.pos:])
	}
	return nil
}

func (p *addrParser) dot() error {
	if p.pos >= len(p.s) || p.s[p.pos] != '.' {
		return fmt.Errorf("expected a dot at position %d", p.pos+1)
	}
	p.pos++
	return nil
}

// word reads letters, digits, '_' and '-'.
func (p *addrParser) word() (string, error) {
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			p.pos++
			continue
		}
		break
	}
	if p.pos == start {
		if p.pos >= len(p.s) {
			return "", fmt.Errorf("a name is missing at the end")
		}
		return "", fmt.Errorf("unexpected %q at position %d", p.s[p.pos], p.pos+1)
	}
	return p.s[start:p.pos], nil
}

// name reads a bare word or a quoted string.
func (p *addrParser) name() error {
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		return p.quoted()
	}
	_, err := p.word()
	return err
}

func (p *addrParser) quoted() error {
	if p.pos >= len(p.s) || p.s[p.pos] != '"' {
		return fmt.Errorf("expected a quoted string at position %d", p.pos+1)
	}
	rest := p.s[p.pos:]
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return fmt.Errorf("an unterminated or malformed quoted name at position %d", p.pos+1)
	}
	p.pos += len(q)
	return nil
}

// EditDistance is the Levenshtein distance between a and b, counted in
// runes: what "did you mean" suggestions are chosen by.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
