// Package whmcs is the adapter for the WHMCS API (providers.md A4): every
// call is a form POST to includes/api.php with the credentials in the body,
// and failures usually come back as HTTP 200 with result=error.
//
// Base URL convention: the WHMCS system URL as opened in a browser,
// https://billing.example.com or https://example.com/whmcs; the adapter
// appends /includes/api.php.
package whmcs

import "ihub/internal/provider"

// ID is the provider id.
const ID = "whmcs"

// Provider is the WHMCS adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the WHMCS provider.
func New() *Provider { return &Provider{} }

// Descriptor describes WHMCS. Inbound events come from ihub's WHMCS hook
// module (WHMCS has no native signed webhooks), which signs with a shared
// secret and sends X-Hub-Delivery and X-Hub-Event.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "WHMCS",
		Category: provider.CategoryBilling,
		Description: "WHMCS billing and support: clients, products, invoices, tickets and service " +
			"provisioning through the API, and events from ihub's WHMCS hook module. Base URL: the WHMCS " +
			"system URL, e.g. https://billing.example.com (ihub calls /includes/api.php under it).",
		AuthKind: provider.AuthCredentials,
		BaseURL:  provider.UsageRequired,
		Username: provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "identifier",
				Label:     "API identifier",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "From Setup » Staff Management » Manage API Credentials » Generate New API Credential. " +
					"The admin role it belongs to needs the API actions ihub uses (WhmcsDetails, GetStats, " +
					"GetClients, GetProducts, GetInvoice, OpenTicket, ModuleSuspend/ModuleUnsuspend).",
			},
			{
				Key:       "secret",
				Label:     "API secret",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help:      "The secret shown once next to the identifier when the API credential is generated.",
			},
			{
				Key:       "accessKey",
				Label:     "API access key",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Optional. The $api_access_key value from WHMCS's configuration.php; it lets ihub call the " +
					"API without its IP address being on the allow-list (Setup » General Settings » Security » " +
					"API IP Access Restriction). Leave empty if ihub's IP is allow-listed.",
			},
			{
				Key:       "webhookSecret",
				Label:     "Hook module secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Shared secret for ihub's WHMCS hook module, which signs every event with HMAC-SHA256 " +
					"(X-Hub-Signature-256). Generate a long random value and enter the same value in the " +
					"module's settings.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{
			Scheme:           "whmcs",
			DeliveryIDHeader: "X-Hub-Delivery",
			EventHeader:      "X-Hub-Event",
		},
		DocsURL: "https://developers.whmcs.com/api/",
	}
}
