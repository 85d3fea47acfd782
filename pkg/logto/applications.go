package logto

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Application is a Logto application. Its secret is never decoded.
type Application struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Type         string         `json:"type"` // e.g. "MachineToMachine"
	IsThirdParty bool           `json:"isThirdParty"`
	CustomData   map[string]any `json:"customData"`
}

// ListApplications returns every application, or only those of the given
// types (e.g. "MachineToMachine").
//
// GET /api/applications?types={type}
func (c *Client) ListApplications(ctx context.Context, types ...string) ([]Application, error) {
	return c.FindApplications(ctx, ApplicationFilter{Types: types})
}

// ApplicationFilter selects applications; zero fields do not filter.
type ApplicationFilter struct {
	Types []string // e.g. "MachineToMachine", "Traditional"
	// ThirdParty, when set, keeps only third-party applications (true) or
	// only first-party ones (false).
	ThirdParty *bool
}

// FindApplications returns the applications matching f.
//
// GET /api/applications?types={type}&isThirdParty={true|false}
func (c *Client) FindApplications(ctx context.Context, f ApplicationFilter) ([]Application, error) {
	q := url.Values{}
	if len(f.Types) > 0 {
		q["types"] = f.Types
	}
	if f.ThirdParty != nil {
		q.Set("isThirdParty", strconv.FormatBool(*f.ThirdParty))
	}
	return listAll[Application](ctx, c, "/api/applications", q)
}

// GetApplication returns one application.
//
// GET /api/applications/{id}
func (c *Client) GetApplication(ctx context.Context, id string) (*Application, error) {
	var out Application
	if err := c.doRequired(ctx, http.MethodGet, pathf("/api/applications/%s", id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ApplicationOrganization is an organization a machine-to-machine
// application is a member of, with the application's roles in it.
type ApplicationOrganization struct {
	Organization
	OrganizationRoles []IDName `json:"organizationRoles"`
}

// PatchApplicationCustomData merges data shallowly into the application's
// custom data: top-level keys in data are set, the others kept.
//
// PATCH /api/applications/{id}/custom-data
func (c *Client) PatchApplicationCustomData(ctx context.Context, id string, data map[string]any) error {
	if len(data) == 0 {
		return errEmptyPatch
	}
	return c.Do(ctx, http.MethodPatch, pathf("/api/applications/%s/custom-data", id), data, nil)
}

// CreateApplication creates an application of the given type (Logto
// answers 200).
//
// POST /api/applications
func (c *Client) CreateApplication(ctx context.Context, name, appType string) (*Application, error) {
	body := map[string]string{"name": name, "type": appType}
	var out Application
	if err := c.doRequired(ctx, http.MethodPost, "/api/applications", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
