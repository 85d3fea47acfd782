package export

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orgsync/orgsync/pkg/state"
)

// orgLabel is how one organization is declared: its block label, and whether
// it must be pinned to its id because its name is not unique in the tenant.
type orgLabel struct {
	Label string
	PinID bool
}

// assignOrgLabels picks a block label for each organization in orgs (sorted
// by name, then id). An organization whose name is an HCL identifier and
// unique in the tenant is labelled with its name; the others get a slug of
// their name (with the id's start when the name is shared). nameCount counts
// every live organization by name, exported or not. Labels are unique, also
// when compared case-insensitively (they name files on case-insensitive file
// systems).
func assignOrgLabels(orgs []*state.LiveOrganization, nameCount map[string]int) []orgLabel {
	labels := make([]orgLabel, len(orgs))
	taken := map[string]bool{}
	// First the organizations labelled with their own name, so that a slug
	// never takes a name an organization already has.
	for i, o := range orgs {
		if nameCount[o.Name] == 1 && state.IsIdentifier(o.Name) && !taken[strings.ToLower(o.Name)] {
			labels[i] = orgLabel{Label: o.Name}
			taken[strings.ToLower(o.Name)] = true
		}
	}
	for i, o := range orgs {
		if labels[i].Label != "" {
			continue
		}
		shared := nameCount[o.Name] > 1
		base := slug(o.Name)
		if shared {
			base += "_" + idPart(o.ID)
		}
		label := base
		for n := 2; taken[strings.ToLower(label)]; n++ {
			label = base + "-" + strconv.Itoa(n)
		}
		taken[strings.ToLower(label)] = true
		labels[i] = orgLabel{Label: label, PinID: shared}
	}
	return labels
}

// slug turns s into an HCL identifier: ASCII letters and digits kept and
// lower-cased, every other run of characters becomes one "-"; "org" when
// nothing is left, prefixed with "org-" when it would start with a digit.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	out := b.String()
	switch {
	case out == "":
		return "org"
	case out[0] >= '0' && out[0] <= '9':
		return "org-" + out
	}
	return out
}

// idPart is id reduced to lower-case ASCII letters and digits.
func idPart(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Patterns Logto applies to emails and usernames at creation (users
// imported otherwise may not follow them); the configuration language reads
// a label with these rules, so a value that fails them is exported by id.
var (
	emailPattern    = regexp.MustCompile(`^\S+@\S+\.\S+$`)
	usernamePattern = regexp.MustCompile(`^[A-Z_a-z]\w*$`)
)

// maxLabelLen is the longest email, username or application name Logto
// stores (varchar(128)).
const maxLabelLen = 128

// memberLabel is how a user is declared: the email when it has one (lower
// case, as the configuration compares it), else the username, else its id.
func memberLabel(u state.User, id string) string {
	switch {
	case u.Email != "" && emailPattern.MatchString(u.Email) && utf8.RuneCountInString(u.Email) <= maxLabelLen:
		return strings.ToLower(u.Email)
	case u.Username != "" && usernamePattern.MatchString(u.Username) && utf8.RuneCountInString(u.Username) <= maxLabelLen:
		return u.Username
	}
	return "id:" + id
}

// appLabel is how an application is declared: its name when no other
// application of the tenant has it (and it cannot be read as an id
// reference), else its id.
func appLabel(id, name string, appNameCount map[string]int) string {
	if strings.TrimSpace(name) != "" && appNameCount[name] == 1 && !strings.HasPrefix(name, "id:") &&
		utf8.RuneCountInString(name) <= maxLabelLen {
		return name
	}
	return "id:" + id
}
