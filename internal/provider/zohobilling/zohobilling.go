// Package zohobilling is the adapter for the Zoho Billing (formerly Zoho
// Subscriptions) API (providers.md A14), authenticated with OAuth2.
//
// Base URL convention: none — the API domain follows from the dataCenter
// setting (https://www.zohoapis.<dc>) or the token response's api_domain;
// the adapter appends /billing/v1/.
package zohobilling

import (
	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// ID is the provider id.
const ID = "zoho_billing"

// Provider is the Zoho Billing adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

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
			Key:   "organizationId",
			Label: "Organization ID",
			Type:  provider.FieldString,
			Help: "The Zoho Billing organization to work in (Settings » Organization Profile, or the " +
				"organization_id from GET /billing/v1/organizations). Sent as " +
				"X-com-zoho-subscriptions-organizationid; needed when the account has several organizations.",
		}),
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapOAuth},
		OAuth: zoho.OAuth(
			"ZohoSubscriptions.customers.ALL", "ZohoSubscriptions.subscriptions.ALL",
			"ZohoSubscriptions.invoices.ALL", "ZohoSubscriptions.plans.READ", "ZohoSubscriptions.settings.READ",
		),
		DocsURL: "https://www.zoho.com/billing/api/v1/",
	}
}
