package state

import (
	"strconv"
	"strings"
)

// PermissionAddress is permission."name" (quoted when the name is not an identifier).
func PermissionAddress(name string) string { return "permission." + addrPart(name) }

// RoleAddress is role.name.
func RoleAddress(name string) string { return "role." + addrPart(name) }

// OrganizationAddress is organization.key; key is already in address form
// (acme or customer["acme"]).
func OrganizationAddress(key string) string { return "organization." + key }

// MemberAddress is organization.acme.member."alice@acme.com".
func MemberAddress(orgAddr, label string) string { return orgAddr + ".member." + addrPart(label) }

// ApplicationAddress is organization.acme.application."ci-bot".
func ApplicationAddress(orgAddr, label string) string {
	return orgAddr + ".application." + addrPart(label)
}

// JITAddress is organization.acme.jit.
func JITAddress(orgAddr string) string { return orgAddr + ".jit" }

// addrPart returns s as is when it is an HCL identifier, else quoted.
func addrPart(s string) string {
	if IsIdentifier(s) {
		return s
	}
	return strconv.Quote(s)
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
