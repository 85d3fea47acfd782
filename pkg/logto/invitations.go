package logto

import (
	"context"
	"net/http"
	"net/url"
)

// Invitation is an organization invitation. Status is one of Pending,
// Accepted, Expired, Revoked (a Pending one past ExpiresAt reads Expired).
type Invitation struct {
	ID                string   `json:"id"`
	Invitee           string   `json:"invitee"`
	OrganizationID    string   `json:"organizationId"`
	Status            string   `json:"status"`
	ExpiresAt         int64    `json:"expiresAt"` // epoch milliseconds
	OrganizationRoles []IDName `json:"organizationRoles"`
}

// CreateInvitation is the body of an invitation creation. No email is sent
// (messagePayload is left at its default, false).
type CreateInvitation struct {
	Invitee             string   `json:"invitee"`
	OrganizationID      string   `json:"organizationId"`
	ExpiresAt           int64    `json:"expiresAt"` // epoch milliseconds, in the future
	OrganizationRoleIDs []string `json:"organizationRoleIds,omitempty"`
}

// ListInvitations returns the invitations of an organization, or of all
// organizations when orgID is "". The endpoint is not paginated.
//
// GET /api/organization-invitations?organizationId={orgID}
func (c *Client) ListInvitations(ctx context.Context, orgID string) ([]Invitation, error) {
	path := "/api/organization-invitations"
	if orgID != "" {
		path += "?" + url.Values{"organizationId": {orgID}}.Encode()
	}
	return list[Invitation](ctx, c, path)
}

// CreateInvitation invites someone to an organization. A pending invitation
// for the same invitee is a 422 entity.unique_integrity_violation.
//
// POST /api/organization-invitations
func (c *Client) CreateInvitation(ctx context.Context, in CreateInvitation) (*Invitation, error) {
	var out Invitation
	if err := c.doRequired(ctx, http.MethodPost, "/api/organization-invitations", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
