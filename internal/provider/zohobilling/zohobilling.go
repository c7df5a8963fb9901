// Package zohobilling is the adapter for the Zoho Billing (formerly Zoho
// Subscriptions) API (providers.md A14), authenticated with OAuth2.
//
// Base URL convention: none — the API domain follows from the dataCenter
// setting (https://www.zohoapis.<dc>) or the token response's api_domain;
// the adapter appends /billing/v1/. A connection's BaseURL, which the API
// never stores for Zoho, replaces the API domain when set (tests and the
// demo mode point it at zohofake).
package zohobilling

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// FieldOrganizationID is the organization setting.
const FieldOrganizationID = "organizationId"

// ID is the provider id.
const ID = "zoho_billing"

// Provider is the Zoho Billing adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Checker   = (*Provider)(nil)
	_ provider.Proxyable = (*Provider)(nil)
)

// New returns the Zoho Billing provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Zoho Billing. The scopes keep the Subscriptions
// names Zoho still uses for Billing [?].
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Zoho Billing",
		Category: provider.CategoryBilling,
		Description: "Customers, subscriptions, plans and invoices on Zoho Billing (formerly Zoho " +
			"Subscriptions), with OAuth2 token management.",
		AuthKind: provider.AuthOAuth2,
		BaseURL:  provider.UsageNone,
		Username: provider.UsageNone,
		Fields: zoho.Fields("Zoho Billing", provider.Field{
			Key:   FieldOrganizationID,
			Label: "Organization ID",
			Type:  provider.FieldString,
			Help: "The Zoho Billing organization to work in (Settings » Organization Profile, or the " +
				"organization_id from GET /billing/v1/organizations). Sent as " +
				"X-com-zoho-subscriptions-organizationid; needed when the account has several organizations.",
		}),
		Capabilities: []provider.Capability{provider.CapTest, provider.CapProxy, provider.CapOAuth, provider.CapWebhooks},
		// Webhooks take custom headers: a shared token in one.
		Webhook: &provider.WebhookSpec{Scheme: "header_token"},
		OAuth: zoho.OAuth(
			"ZohoSubscriptions.customers.ALL", "ZohoSubscriptions.subscriptions.ALL",
			"ZohoSubscriptions.invoices.ALL", "ZohoSubscriptions.plans.READ", "ZohoSubscriptions.settings.READ",
		),
		DocsURL:  "https://www.zoho.com/billing/api/v1/",
		TestCall: "GET /billing/v1/organizations",
	}
}

// Test lists the organizations the token can access (read-only). When the
// organizationId setting is set it must be one of them (else a
// *provider.Error of kind invalid naming the ones available). Details:
// "organizations" (id and name of each), "organizationId" and "apiHost".
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
		return provider.TestResult{}, &provider.Error{Kind: provider.ErrProvider, Message: "the Zoho account has no Billing organization"}
	}
	list := make([]map[string]string, 0, len(orgs))
	ids := make([]string, 0, len(orgs))
	var chosen *Organization
	for i, o := range orgs {
		list = append(list, map[string]string{"id": o.OrganizationID, "name": o.Name})
		ids = append(ids, o.OrganizationID)
		if (cl.orgID != "" && o.OrganizationID == cl.orgID) || (cl.orgID == "" && chosen == nil && o.IsDefaultOrg) {
			chosen = &orgs[i]
		}
	}
	if cl.orgID != "" && chosen == nil {
		return provider.TestResult{}, &provider.Error{Kind: provider.ErrInvalid,
			Message: "organization " + cl.orgID + " is not one of this account's Zoho Billing organizations (" + strings.Join(ids, ", ") + ")"}
	}
	if chosen == nil {
		chosen = &orgs[0]
	}
	return provider.TestResult{
		Message: "Connected to Zoho Billing organization " + chosen.Name,
		Details: map[string]any{"organizations": list, "organizationId": chosen.OrganizationID, "apiHost": cl.api.Base().Host},
	}, nil
}

// ProxyBase is the API domain; callers give paths such as
// /billing/v1/customers.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return zoho.Billing.BaseURL(c)
}

// Authorize adds "Authorization: Zoho-oauthtoken <token>" and, when the
// organizationId setting is set and the request has none,
// X-com-zoho-subscriptions-organizationid.
func (p *Provider) Authorize(ctx context.Context, req *http.Request, c provider.Connection) error {
	var h http.Header
	if id := strings.TrimSpace(c.Setting(FieldOrganizationID, "")); id != "" {
		if strings.ContainsAny(id, "\r\n") {
			return &provider.Error{Kind: provider.ErrInvalid, Message: "the organizationId setting must be a single line"}
		}
		h = http.Header{OrganizationHeader: {id}}
	}
	return zoho.Authorize(ctx, req, c, h)
}
