package logto

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Invitation is an organization invitation. Status is one of Pending,
// Accepted, Expired, Revoked (a Pending one past ExpiresAt reads Expired).
type Invitation struct {
	ID                string   `json:"id"`
	Invitee           string   `json:"invitee"`
	OrganizationID    string   `json:"organizationId"`
	InviterID         *string  `json:"inviterId"`
	AcceptedUserID    *string  `json:"acceptedUserId"`
	Status            string   `json:"status"`
	ExpiresAt         int64    `json:"expiresAt"` // epoch milliseconds
	OrganizationRoles []IDName `json:"organizationRoles"`
}

// Invitation statuses a caller can set.
const (
	InvitationAccepted = "Accepted"
	InvitationRevoked  = "Revoked"
)

// CreateInvitation is the body of an invitation creation.
type CreateInvitation struct {
	Invitee             string   `json:"invitee"`
	OrganizationID      string   `json:"organizationId"`
	ExpiresAt           int64    `json:"expiresAt"` // epoch milliseconds, in the future
	InviterID           string   `json:"inviterId,omitempty"`
	OrganizationRoleIDs []string `json:"organizationRoleIds,omitempty"`
	// MessagePayload, when not nil (even empty), makes Logto e-mail the
	// invitation through the tenant's e-mail connector, with the payload
	// (e.g. "link", "locale") merged into the template context. nil sends
	// no e-mail. Without an e-mail connector the create fails with 501
	// connector.not_found and no invitation is made.
	MessagePayload map[string]any `json:"-"`
}

// MarshalJSON sends messagePayload only when there is one (Logto's default
// is false: no e-mail); an empty payload is sent as {}.
func (in CreateInvitation) MarshalJSON() ([]byte, error) {
	type fields CreateInvitation
	body := struct {
		fields
		MessagePayload any `json:"messagePayload,omitempty"` // omitted only when nil
	}{fields: fields(in)}
	if in.MessagePayload != nil {
		body.MessagePayload = in.MessagePayload
	}
	return json.Marshal(body)
}

// InvitationFilter selects invitations; empty fields do not filter.
type InvitationFilter struct {
	OrganizationID string
	InviterID      string
	Invitee        string // compared case-insensitively
}

// ListInvitations returns the invitations of an organization, or of all
// organizations when orgID is "". The endpoint is not paginated.
//
// GET /api/organization-invitations?organizationId={orgID}
func (c *Client) ListInvitations(ctx context.Context, orgID string) ([]Invitation, error) {
	return c.FindInvitations(ctx, InvitationFilter{OrganizationID: orgID})
}

// FindInvitations returns the invitations matching every set field of f.
//
// GET /api/organization-invitations?organizationId=…&inviterId=…&invitee=…
func (c *Client) FindInvitations(ctx context.Context, f InvitationFilter) ([]Invitation, error) {
	q := url.Values{}
	for k, v := range map[string]string{"organizationId": f.OrganizationID, "inviterId": f.InviterID, "invitee": f.Invitee} {
		if v != "" {
			q.Set(k, v)
		}
	}
	path := "/api/organization-invitations"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return list[Invitation](ctx, c, path)
}

// CreateInvitation invites someone to an organization. A pending invitation
// for the same invitee is a 422 entity.unique_integrity_violation; a
// MessagePayload without an e-mail connector a 501 connector.not_found, and
// one to a recipient over Logto's message rate limit a 429
// request.message_rate_limited: in both cases nothing is created.
//
// POST /api/organization-invitations
func (c *Client) CreateInvitation(ctx context.Context, in CreateInvitation) (*Invitation, error) {
	var out Invitation
	if err := c.doRequired(ctx, http.MethodPost, "/api/organization-invitations", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SendInvitationMessage e-mails the invitation (again) with payload (nil:
// the template context only). Without an e-mail connector it is a 501
// connector.not_found; past the per-recipient rate limit a 429
// request.message_rate_limited. A send is never retried.
//
// POST /api/organization-invitations/{id}/message
func (c *Client) SendInvitationMessage(ctx context.Context, id string, payload map[string]any) error {
	if payload == nil {
		payload = map[string]any{}
	}
	return c.Do(Unretried(ctx), http.MethodPost, pathf("/api/organization-invitations/%s/message", id), payload, nil)
}

// SetInvitationStatus accepts (InvitationAccepted, with the id of the user
// whose primary email is the invitee, who joins the organization with the
// invitation's roles) or revokes (InvitationRevoked, acceptedUserID "") a
// pending invitation. Changing an invitation that is no longer pending is a
// 422 request.invalid_input; an unknown user a 404 entity.not_found.
//
// PUT /api/organization-invitations/{id}/status
func (c *Client) SetInvitationStatus(ctx context.Context, id, status, acceptedUserID string) (*Invitation, error) {
	body := map[string]string{"status": status}
	if acceptedUserID != "" {
		body["acceptedUserId"] = acceptedUserID
	}
	var out Invitation
	if err := c.doRequired(ctx, http.MethodPut, pathf("/api/organization-invitations/%s/status", id), body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
