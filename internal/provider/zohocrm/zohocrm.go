// Package zohocrm is the adapter for the Zoho CRM REST API (providers.md
// A14), authenticated with OAuth2.
//
// Base URL convention: none — the API domain follows from the dataCenter
// setting (https://www.zohoapis.<dc>) or the token response's api_domain;
// the adapter appends /crm/v7/.
package zohocrm

import (
	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// ID is the provider id.
const ID = "zoho_crm"

// Provider is the Zoho CRM adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Zoho CRM provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Zoho CRM.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:           ID,
		Name:         "Zoho CRM",
		Category:     provider.CategoryCRM,
		Description:  "Zoho CRM modules and records (leads, contacts, accounts, deals) through the REST API, with OAuth2 token management.",
		AuthKind:     provider.AuthOAuth2,
		BaseURL:      provider.UsageNone,
		Username:     provider.UsageNone,
		Fields:       zoho.Fields("Zoho CRM"),
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapOAuth},
		OAuth: zoho.OAuth(
			"ZohoCRM.modules.ALL", "ZohoCRM.settings.READ", "ZohoCRM.org.READ", "ZohoCRM.users.READ",
		),
		DocsURL: "https://www.zoho.com/crm/developer/docs/api/v7/",
	}
}
