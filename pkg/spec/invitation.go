package spec

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/orgsync/orgsync/pkg/state"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// maxInvitationExpiryDays bounds expiry_days (a year).
const maxInvitationExpiryDays = 365

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// loadInvitation decodes the orgsync { invitation {} } block.
func (l *loader) loadInvitation(b *invitationContent, missingUsers hcl.Expression) state.InvitationSettings {
	var s state.InvitationSettings
	if mu, set := l.evalString(missingUsers, l.ctx, "missing_users"); !set || mu != state.MissingUsersInvite {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Invitation settings without invitations",
			Detail:   `The invitation block only applies with missing_users = "invite"; with any other setting no invitation is made.`,
			Subject:  b.DefRange.Ptr(),
		})
	}
	s.SendEmail, _ = l.evalBool(b.SendEmail, l.ctx, "invitation.send_email")
	if link, set := l.evalString(b.Link, l.ctx, "invitation.link"); set {
		switch {
		case !s.SendEmail:
			l.errorf(b.Link.Range(), "Invitation link without an e-mail",
				"invitation.link is only used in the invitation e-mail: set send_email = true, or remove link.")
		case badLink(link) != "":
			l.errorf(b.Link.Range(), "Invalid invitation link", "invitation.link is %q, which %s.", link, badLink(link))
		default:
			s.Link = link
		}
	}
	if v, ok := l.value(b.ExpiryDays, l.ctx); ok && !v.IsNull() {
		n, err := convert.Convert(v, cty.Number)
		if err != nil {
			typeError(l, b.ExpiryDays, "invitation.expiry_days", "a number", v)
			return s
		}
		f, _ := n.AsBigFloat().Float64()
		if f != math.Trunc(f) || f < 1 || f > maxInvitationExpiryDays {
			l.errorf(b.ExpiryDays.Range(), "Invalid invitation expiry",
				"invitation.expiry_days is %s; it is a whole number of days from 1 to %d (the default is %d).",
				n.AsBigFloat().Text('g', 10), maxInvitationExpiryDays, state.InvitationDefaultExpiryDays)
			return s
		}
		s.ExpiryDays = int(f)
	}
	return s
}

// badLink says why link cannot be an invitation e-mail's link, or returns
// "": it must be an http(s) URL, and "{id}" is the only placeholder.
func badLink(link string) string {
	for _, p := range placeholderRE.FindAllString(link, -1) {
		if p != state.InvitationLinkID {
			return fmt.Sprintf("holds the placeholder %s; the only placeholder is %s (the invitation's id)", p, state.InvitationLinkID)
		}
	}
	probe := strings.ReplaceAll(link, state.InvitationLinkID, "x")
	if why := badURL(probe); why != "" {
		return why
	}
	lower := strings.ToLower(probe)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
		return "is not an http or https URL"
	}
	if utf8.RuneCountInString(link) > 2048 {
		return "is longer than 2048 characters"
	}
	return ""
}
