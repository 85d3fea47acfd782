package logto

import (
	"context"
	"net/http"
	"net/url"
)

// Organization is a Logto organization.
type Organization struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Description   *string        `json:"description"`
	CustomData    map[string]any `json:"customData"`
	IsMfaRequired bool           `json:"isMfaRequired"`
	// Branding is nil when the server sends none (Logto before 1.19, see
	// FeatureOrganizationBranding); an organization without branding has
	// an empty one.
	Branding *OrganizationBranding `json:"branding"`
	// Color is nil when the server sends none (Logto before 1.32, see
	// FeatureOrganizationColor); an organization without colours has an
	// empty one.
	Color *OrganizationColor `json:"color"`
	// CustomCSS is nil when the organization has none (or the server is
	// older than Logto 1.32).
	CustomCSS *string `json:"customCss"`
	CreatedAt int64   `json:"createdAt"` // epoch milliseconds
}

// OrganizationBranding is an organization's logos and favicons, each an
// absolute URL (any scheme: Logto checks only that it parses). An empty
// string is a key that is not set. Logto replaces the whole object on
// update: keys left out are removed.
type OrganizationBranding struct {
	LogoURL     string `json:"logoUrl,omitempty"`
	DarkLogoURL string `json:"darkLogoUrl,omitempty"`
	Favicon     string `json:"favicon,omitempty"`
	DarkFavicon string `json:"darkFavicon,omitempty"`
}

// OrganizationColor is an organization's brand colours, each #RRGGBB (or
// #RGB). An empty string or a nil IsDarkModeEnabled is a key that is not
// set. Logto replaces the whole object on update.
type OrganizationColor struct {
	PrimaryColor      string `json:"primaryColor,omitempty"`
	IsDarkModeEnabled *bool  `json:"isDarkModeEnabled,omitempty"`
	DarkPrimaryColor  string `json:"darkPrimaryColor,omitempty"`
}

// CreateOrganization is the body of an organization creation; nil fields
// are left out (Logto's defaults: no branding, no colours, no custom CSS).
type CreateOrganization struct {
	Name          string                `json:"name"`
	Description   *string               `json:"description,omitempty"`
	CustomData    map[string]any        `json:"customData,omitempty"`
	IsMfaRequired *bool                 `json:"isMfaRequired,omitempty"`
	Branding      *OrganizationBranding `json:"branding,omitempty"`
	Color         *OrganizationColor    `json:"color,omitempty"`
	CustomCSS     *string               `json:"customCss,omitempty"`
}

// listAttempts is how often an organization list is read again when
// duplicates across pages hid some rows (Logto lists organizations without
// ORDER BY, so page boundaries may move between requests).
const listAttempts = 3

// ListOrganizations returns every organization, de-duplicated by id.
//
// GET /api/organizations
func (c *Client) ListOrganizations(ctx context.Context) ([]Organization, error) {
	return c.listOrganizations(ctx, nil)
}

// FindOrganizationsByName returns the organizations named exactly name
// (case-sensitive). Names are not unique in Logto, so there may be several.
//
// GET /api/organizations?q={name}
func (c *Client) FindOrganizationsByName(ctx context.Context, name string) ([]Organization, error) {
	// q is a case-insensitive substring match (where % and _ are wildcards),
	// a superset of the exact matches.
	orgs, err := c.listOrganizations(ctx, url.Values{"q": {name}})
	if err != nil {
		return nil, err
	}
	exact := orgs[:0]
	for _, o := range orgs {
		if o.Name == name {
			exact = append(exact, o)
		}
	}
	return exact, nil
}

func (c *Client) listOrganizations(ctx context.Context, query url.Values) ([]Organization, error) {
	const path = "/api/organizations"
	var err error
	for range listAttempts {
		var rows []Organization
		var total int
		rows, total, err = listPages[Organization](ctx, c, path, query)
		if err != nil {
			return nil, err
		}
		seen := make(map[string]bool, len(rows))
		unique := rows[:0]
		for _, o := range rows {
			if !seen[o.ID] {
				seen[o.ID] = true
				unique = append(unique, o)
			}
		}
		if err = checkTotal(path, total, len(unique)); err == nil {
			return unique, nil
		}
	}
	return nil, err
}

// CreateOrganization creates an organization. Names are not unique: a
// second create with the same name makes a second organization.
//
// POST /api/organizations
func (c *Client) CreateOrganization(ctx context.Context, in CreateOrganization) (*Organization, error) {
	var out Organization
	if err := c.doRequired(ctx, http.MethodPost, "/api/organizations", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateOrganization patches an organization ("name", "description",
// "customData", "isMfaRequired", "branding" (an OrganizationBranding),
// "color" (an OrganizationColor), "customCss" (a string, or nil to clear)).
// customData, branding and color are each replaced wholesale, and the keys
// not in patch are left alone. An empty patch is refused.
//
// PATCH /api/organizations/{id}
func (c *Client) UpdateOrganization(ctx context.Context, id string, patch map[string]any) (*Organization, error) {
	if len(patch) == 0 {
		return nil, errEmptyPatch
	}
	var out Organization
	if err := c.doRequired(ctx, http.MethodPatch, pathf("/api/organizations/%s", id), patch, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteOrganization deletes an organization with its memberships, JIT
// settings and invitations.
//
// DELETE /api/organizations/{id}
func (c *Client) DeleteOrganization(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, pathf("/api/organizations/%s", id), nil, nil)
}
