package logto

import "context"

// What the package's tests (internal and external) reach beyond the
// product's API.

// currentRate is the limiter's rate now.
func (l *limiter) currentRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

// ListApplicationOrganizations reads every page of
// GET /api/applications/{id}/organizations one after the other (Fetch sends
// them through ApplicationOrganizationPages).
func (c *Client) ListApplicationOrganizations(ctx context.Context, appID string) ([]ApplicationOrganization, error) {
	return listAll[ApplicationOrganization](ctx, c, pathf("/api/applications/%s/organizations", appID), nil)
}
