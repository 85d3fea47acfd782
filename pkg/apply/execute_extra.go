package apply

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

func logtoBranding(b *diff.OrgBranding) *logto.OrganizationBranding {
	if b == nil {
		return nil
	}
	return &logto.OrganizationBranding{LogoURL: b.LogoURL, DarkLogoURL: b.DarkLogoURL, Favicon: b.FaviconURL, DarkFavicon: b.DarkFaviconURL}
}

func logtoColor(c *diff.OrgColor) *logto.OrganizationColor {
	if c == nil {
		return nil
	}
	return &logto.OrganizationColor{PrimaryColor: c.Primary, DarkPrimaryColor: c.DarkPrimary, IsDarkModeEnabled: c.DarkMode}
}

// brandingPatch adds an update's branding, color and custom CSS to the
// PATCH body: each object whole (Logto replaces it), an empty custom CSS
// as null.
func brandingPatch(body map[string]any, p diff.UpdateOrganization) {
	if p.Branding != nil {
		body["branding"] = logtoBranding(p.Branding)
	}
	if p.Color != nil {
		body["color"] = logtoColor(p.Color)
	}
	if p.CustomCSS != nil {
		if *p.CustomCSS == "" {
			body["customCss"] = nil
		} else {
			body["customCss"] = *p.CustomCSS
		}
	}
}

// invitationPayload is the messagePayload of an invitation e-mail: the
// link, with the invitation's id in place of {id}; nothing else (Logto's
// template adds the organization and the inviter).
func invitationPayload(link, id string) map[string]any {
	if link == "" {
		return map[string]any{}
	}
	return map[string]any{"link": strings.ReplaceAll(link, state.InvitationLinkID, url.PathEscape(id))}
}

// invitationMessageError says what a failed invitation e-mail means: the
// invitation was made and stays pending, and the next apply does not
// invite again.
func invitationMessageError(err error, id, invitee string) error {
	if err == nil {
		return nil
	}
	kept := fmt.Sprintf("the invitation %s for %s was made and is kept (pending), and a later apply does not invite %s again", id, invitee, invitee)
	var le *logto.Error
	switch {
	case errors.As(err, &le) && le.StatusCode == http.StatusNotImplemented && le.Code == "connector.not_found":
		return fmt.Errorf("the invitation e-mail was not sent: the tenant has no e-mail connector (set one up in the Console under Connectors, then resend the invitation from the Console); %s: %w", kept, err)
	case errors.As(err, &le) && le.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("the invitation e-mail was not sent: Logto refuses to send more messages to %s for now (its per-recipient rate limit; resend it later from the Console); %s: %w", invitee, kept, err)
	}
	return fmt.Errorf("the invitation e-mail was not sent; %s: %w", kept, err)
}

// revokedAlready treats revoking an invitation that is no longer pending
// (accepted, revoked or expired since the plan: 422) or gone (404 with a
// code) as done: it cannot be accepted any more either way.
func revokedAlready(err error) error {
	var le *logto.Error
	if errors.As(err, &le) && ((le.StatusCode == http.StatusNotFound && le.Code != "") ||
		(le.StatusCode == http.StatusUnprocessableEntity && le.Code == "request.invalid_input")) {
		return nil
	}
	return err
}
