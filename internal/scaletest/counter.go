package scaletest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Counter is an http.RoundTripper that counts requests by route (method and
// path with ids replaced by {id}) and by response status, for request
// budgets broken down by endpoint.
type Counter struct {
	Next http.RoundTripper // nil: http.DefaultTransport

	mu       sync.Mutex
	routes   map[string]int
	statuses map[int]int
	total    int
}

// staticSegments are the path segments of Logto's Management API that are
// not ids.
var staticSegments = map[string]bool{
	"api": true, "oidc": true, "token": true, "organizations": true, "organization-scopes": true,
	"organization-roles": true, "organization-invitations": true, "users": true, "roles": true,
	"applications": true, "jit": true, "email-domains": true, "resources": true, "scopes": true,
	"resource-scopes": true, "custom-data": true, "status": true,
}

// Route returns the route of a request path, e.g.
// "GET /api/organizations/{id}/users".
func Route(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && !staticSegments[s] {
			segs[i] = "{id}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// RoundTrip counts req and its response status, then sends it on.
func (c *Counter) RoundTrip(req *http.Request) (*http.Response, error) {
	next := c.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.routes == nil {
		c.routes, c.statuses = map[string]int{}, map[int]int{}
	}
	c.total++
	c.routes[Route(req.Method, req.URL.Path)]++
	if err == nil {
		c.statuses[resp.StatusCode]++
	}
	return resp, err
}

// Total is the number of requests sent so far.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// Status is the number of responses with the given status code.
func (c *Counter) Status(code int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.statuses[code]
}

// Routes returns a copy of the per-route counts.
func (c *Counter) Routes() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.routes))
	for k, v := range c.routes {
		out[k] = v
	}
	return out
}

// Reset sets every count back to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.routes, c.statuses, c.total = nil, nil, 0
}

// String lists the per-route counts, one "count route" per line, by route.
func (c *Counter) String() string {
	routes := c.Routes()
	keys := slices.Sorted(maps.Keys(routes))
	slices.SortStableFunc(keys, func(a, b string) int { return routes[b] - routes[a] })
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%6d %s\n", routes[k], k)
	}
	return sb.String()
}
