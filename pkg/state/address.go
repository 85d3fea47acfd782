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

// addrPart is AddressPart, for this file.
func addrPart(s string) string { return AddressPart(s) }

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
