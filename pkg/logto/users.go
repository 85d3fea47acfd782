package logto

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// userBatch is how many values one user lookup carries at most: a page
// (page_size 100, Logto's maximum) holds the answer to a full batch, since
// each value matches at most one user (emails and ids are unique; a
// username can match several only on a tenant with case-sensitive
// usernames, and then the lookup simply reads a second page). Logto's
// search takes any number of exact values (utils/search.ts: "= any(array)").
const userBatch = pageSize

// maxLookupQuery bounds the encoded query of one user lookup, so that long
// values cannot push the request line past what a server accepts (Node's
// default limit for the request line and headers together is 16 KiB); a
// batch is cut short before it would exceed it.
const maxLookupQuery = 8 << 10

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
	for _, batch := range lookupBatches(field, unique) {
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

// lookupBatches cuts values into batches of at most userBatch values whose
// search parameters take at most maxLookupQuery bytes encoded (a batch has
// one value at least, however long).
func lookupBatches(field string, values []string) [][]string {
	var out [][]string
	key := url.QueryEscape("search." + field)
	start, size := 0, 0
	for i, v := range values {
		n := len(key) + len(url.QueryEscape(v)) + 2 // "&" and "="
		if i > start && (i-start == userBatch || size+n > maxLookupQuery) {
			out = append(out, values[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(values) {
		out = append(out, values[start:])
	}
	return out
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
