package zohobilling

import (
	"context"
	"net/http"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// OrganizationHeader carries the organization on org-scoped calls.
const OrganizationHeader = "X-com-zoho-subscriptions-organizationid"

// Client calls the Zoho Billing API v1 with one connection's access token.
// It is safe for concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure (a non-zero "code" in the answer included); no
// error text ever contains the token.
//
// API reference: https://www.zoho.com/billing/api/v1/
type Client struct {
	api   *zoho.API
	orgID string
}

// NewClient returns a client for connection c: the API domain follows from
// the dataCenter setting (c.BaseURL, when set, replaces it: tests and the
// demo mode); the organizationId setting, when set, is sent as
// X-com-zoho-subscriptions-organizationid. Missing credentials or a bad
// data centre are a *provider.Error of kind invalid.
func NewClient(hc *http.Client, c provider.Connection) (*Client, error) {
	orgID := strings.TrimSpace(c.Setting(FieldOrganizationID, ""))
	var h http.Header
	if orgID != "" {
		h = http.Header{OrganizationHeader: {orgID}}
	}
	api, err := zoho.NewAPI(zoho.Billing, hc, c, h)
	if err != nil {
		return nil, err
	}
	return &Client{api: api, orgID: orgID}, nil
}

// Organization is one Zoho Billing organization, with the fields ihub uses.
type Organization struct {
	OrganizationID string `json:"organization_id"`
	Name           string `json:"name"`
	CurrencyCode   string `json:"currency_code,omitempty"`
	IsDefaultOrg   bool   `json:"is_default_org,omitempty"`
}

// Organizations lists the organizations the token can access
// (GET /billing/v1/organizations).
func (c *Client) Organizations(ctx context.Context) ([]Organization, error) {
	var body struct {
		Organizations []Organization `json:"organizations"`
	}
	if _, err := c.api.Get(ctx, "GET /billing/v1/organizations", "/billing/v1/organizations", nil, &body); err != nil {
		return nil, err
	}
	if body.Organizations == nil {
		body.Organizations = []Organization{}
	}
	return body.Organizations, nil
}
