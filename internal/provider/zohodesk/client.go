package zohodesk

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// Client calls the Zoho Desk API v1 with one connection's access token. It
// is safe for concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure; no error text ever contains the token.
//
// API reference: https://desk.zoho.com/DeskAPIDocument
type Client struct {
	api   *zoho.API
	orgID string
}

// NewClient returns a client for connection c: the host is
// https://desk.zoho.<domain> of the dataCenter setting (c.BaseURL, when
// set, replaces it: tests and the demo mode); the orgId setting, when set,
// is sent as the orgId header. Missing credentials or a bad data centre
// are a *provider.Error of kind invalid.
func NewClient(hc *http.Client, c provider.Connection) (*Client, error) {
	orgID := strings.TrimSpace(c.Setting(FieldOrgID, ""))
	var h http.Header
	if orgID != "" {
		h = http.Header{"orgId": {orgID}}
	}
	api, err := zoho.NewAPI(zoho.Desk, hc, c, h)
	if err != nil {
		return nil, err
	}
	return &Client{api: api, orgID: orgID}, nil
}

// Organization is one Zoho Desk organization (portal), with the fields ihub
// uses. Zoho Desk is not covered by providers.md; the shape follows Zoho's
// API documentation [?].
type Organization struct {
	ID          flexID `json:"id"`
	CompanyName string `json:"companyName"`
	PortalName  string `json:"portalName,omitempty"`
	IsDefault   bool   `json:"isDefault,omitempty"`
}

// flexID accepts an id given as a JSON string or number.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

// Organizations lists the organizations the token can access
// (GET /api/v1/organizations, the one call that needs no orgId).
func (c *Client) Organizations(ctx context.Context) ([]Organization, error) {
	var body struct {
		Data []Organization `json:"data"`
	}
	if _, err := c.api.Get(ctx, "GET /api/v1/organizations", "/api/v1/organizations", nil, &body); err != nil {
		return nil, err
	}
	if body.Data == nil {
		body.Data = []Organization{}
	}
	return body.Data, nil
}
