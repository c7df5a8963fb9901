// Package zohodesk is the adapter for the Zoho Desk API, authenticated with
// OAuth2. Zoho Desk is not covered by providers.md; this follows Zoho's own
// API documentation (desk.zoho.com/DeskAPIDocument): every call except
// /organizations carries an orgId header.
//
// Base URL convention: none — the host follows from the dataCenter setting
// (https://desk.zoho.<domain>); the adapter appends /api/v1/. A
// connection's BaseURL, which the API never stores for Zoho, replaces the
// host when set (tests and the demo mode point it at zohofake).
package zohodesk

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// FieldOrgID is the organization setting.
const FieldOrgID = "orgId"

// ID is the provider id.
const ID = "zoho_desk"

// Provider is the Zoho Desk adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Checker   = (*Provider)(nil)
	_ provider.Proxyable = (*Provider)(nil)
)

// New returns the Zoho Desk provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Zoho Desk, filed under CRM (customer support).
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:          ID,
		Name:        "Zoho Desk",
		Category:    provider.CategoryCRM,
		Description: "Help-desk tickets, contacts and accounts on Zoho Desk, with OAuth2 token management.",
		AuthKind:    provider.AuthOAuth2,
		BaseURL:     provider.UsageNone,
		Username:    provider.UsageNone,
		Fields: zoho.Fields("Zoho Desk", provider.Field{
			Key:   FieldOrgID,
			Label: "Organization ID",
			Type:  provider.FieldString,
			Help: "The Zoho Desk organization ID: Setup » Developer Space » API » OrgId (or the id from " +
				"GET /api/v1/organizations). Sent as the orgId header on every call.",
		}),
		Capabilities: []provider.Capability{provider.CapTest, provider.CapProxy, provider.CapOAuth, provider.CapWebhooks},
		// A shared token in a custom header of the webhook.
		Webhook: &provider.WebhookSpec{Scheme: "header_token"},
		OAuth: zoho.OAuth(
			"Desk.basic.READ", "Desk.tickets.ALL", "Desk.contacts.READ", "Desk.settings.READ",
		),
		DocsURL:  "https://desk.zoho.com/DeskAPIDocument",
		TestCall: "GET /api/v1/organizations",
	}
}

// Test lists the organizations the token can access (read-only). When the
// orgId setting is set it must be one of them (else a *provider.Error of
// kind invalid naming the ones available). Details: "organizations" (id
// and name of each), "orgId" and "apiHost".
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	orgs, err := cl.Organizations(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	if len(orgs) == 0 {
		return provider.TestResult{}, &provider.Error{Kind: provider.ErrProvider, Message: "the Zoho account has no Desk organization"}
	}
	list := make([]map[string]string, 0, len(orgs))
	ids := make([]string, 0, len(orgs))
	var chosen *Organization
	for i, o := range orgs {
		list = append(list, map[string]string{"id": string(o.ID), "name": o.CompanyName})
		ids = append(ids, string(o.ID))
		if (cl.orgID != "" && string(o.ID) == cl.orgID) || (cl.orgID == "" && chosen == nil && o.IsDefault) {
			chosen = &orgs[i]
		}
	}
	if cl.orgID != "" && chosen == nil {
		return provider.TestResult{}, &provider.Error{Kind: provider.ErrInvalid,
			Message: "organization " + cl.orgID + " is not one of this account's Zoho Desk organizations (" + strings.Join(ids, ", ") + ")"}
	}
	if chosen == nil {
		chosen = &orgs[0]
	}
	res := provider.TestResult{
		Message: "Connected to Zoho Desk organization " + chosen.CompanyName,
		Details: map[string]any{"organizations": list, "orgId": string(chosen.ID), "apiHost": cl.api.Base().Host},
	}
	if cl.orgID == "" && len(orgs) > 1 {
		res.Details["note"] = "the account has several organizations: set the orgId setting"
	}
	return res, nil
}

// ProxyBase is the Desk host; callers give paths such as /api/v1/tickets.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return zoho.Desk.BaseURL(c)
}

// Authorize adds "Authorization: Zoho-oauthtoken <token>" and, when the
// orgId setting is set and the request has none, the orgId header.
func (p *Provider) Authorize(ctx context.Context, req *http.Request, c provider.Connection) error {
	var h http.Header
	if id := strings.TrimSpace(c.Setting(FieldOrgID, "")); id != "" {
		if strings.ContainsAny(id, "\r\n") {
			return &provider.Error{Kind: provider.ErrInvalid, Message: "the orgId setting must be a single line"}
		}
		h = http.Header{"orgId": {id}}
	}
	return zoho.Authorize(ctx, req, c, h)
}
