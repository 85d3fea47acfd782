package logto

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// userBatch is how many values one user lookup carries.
const userBatch = 50

// User is a Logto user (the fields orgsync reads).
type User struct {
	ID           string `json:"id"`
	Username     string `json:"username"`
	PrimaryEmail string `json:"primaryEmail"`
	Name         string `json:"name"`
}

// CreateUser is the body of a user creation; empty fields are omitted.
type CreateUser struct {
	PrimaryEmail string `json:"primaryEmail,omitempty"`
	Username     string `json:"username,omitempty"`
	Name         string `json:"name,omitempty"`
	Password     string `json:"password,omitempty"`
}

// FindUsersByEmail returns the users whose primary email equals one of
// emails, compared case-insensitively. Unknown emails are simply absent.
//
// GET /api/users?search.primaryEmail={a}&search.primaryEmail={b}&mode.primaryEmail=exact
func (c *Client) FindUsersByEmail(ctx context.Context, emails []string) ([]User, error) {
	return c.findUsers(ctx, "primaryEmail", emails, strings.ToLower, func(u User) string { return u.PrimaryEmail })
}

// FindUsersByUsername returns the users whose username equals one of
// usernames exactly (case-sensitive). Unknown usernames are simply absent.
//
// GET /api/users?search.username={a}&search.username={b}&mode.username=exact
func (c *Client) FindUsersByUsername(ctx context.Context, usernames []string) ([]User, error) {
	return c.findUsers(ctx, "username", usernames, nil, func(u User) string { return u.Username })
}

// GetUsersByID returns the users with the given ids. Unknown ids are
// simply absent.
//
// GET /api/users?search.id={a}&search.id={b}&mode.id=exact
func (c *Client) GetUsersByID(ctx context.Context, ids []string) ([]User, error) {
	return c.findUsers(ctx, "id", ids, nil, func(u User) string { return u.ID })
}

// findUsers looks values up in batches with Logto's exact search mode (the
// only mode that accepts repeated values; case-insensitive on the server)
// and keeps the exact matches: normalize maps a value to its comparison
// key (nil: compared as is). Results are de-duplicated by id.
func (c *Client) findUsers(ctx context.Context, field string, values []string, normalize func(string) string, key func(User) string) ([]User, error) {
	if normalize == nil {
		normalize = func(s string) string { return s }
	}
	want := map[string]bool{}
	var unique []string
	for _, v := range values {
		if v == "" || want[normalize(v)] {
			continue
		}
		want[normalize(v)] = true
		unique = append(unique, v)
	}
	var out []User
	seen := map[string]bool{}
	for start := 0; start < len(unique); start += userBatch {
		batch := unique[start:min(start+userBatch, len(unique))]
		q := url.Values{"search." + field: batch, "mode." + field: {"exact"}}
		users, err := listAll[User](ctx, c, "/api/users", q)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if want[normalize(key(u))] && !seen[u.ID] {
				seen[u.ID] = true
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// CreateUser creates a user (Logto answers 200, not 201).
//
// POST /api/users
func (c *Client) CreateUser(ctx context.Context, in CreateUser) (*User, error) {
	var out User
	if err := c.doRequired(ctx, http.MethodPost, "/api/users", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MFAVerification is one of a user's multi-factor authentication factors.
type MFAVerification struct {
	ID        string `json:"id"`
	Type      string `json:"type"`      // Totp, WebAuthn, BackupCode, EmailVerificationCode, PhoneVerificationCode
	CreatedAt string `json:"createdAt"` // ISO 8601 (not epoch milliseconds)
}

// ListUserMFAVerifications returns the user's MFA factors, none when the
// user has not set up MFA. A missing user is a 404 entity.not_found.
//
// GET /api/users/{userId}/mfa-verifications
func (c *Client) ListUserMFAVerifications(ctx context.Context, userID string) ([]MFAVerification, error) {
	return list[MFAVerification](ctx, c, pathf("/api/users/%s/mfa-verifications", userID))
}
