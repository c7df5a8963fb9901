// Package clickatell is the adapter for Clickatell SMS through the
// Clickatell One API (providers.md A15, B14).
//
// Base URL convention: the API root including the version,
// https://platform.clickatell.com/v1 (the default).
package clickatell

import "ihub/internal/provider"

// ID is the provider id.
const ID = "clickatell"

// Provider is the Clickatell adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Clickatell provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Clickatell. Callbacks carry no signature, so inbound
// webhooks use the header_token scheme with webhookToken.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Clickatell",
		Category: provider.CategorySMS,
		Description: "Send SMS and check the balance with Clickatell One, and receive delivery-status and " +
			"reply callbacks. Base URL: the API root, https://platform.clickatell.com/v1.",
		AuthKind:       provider.AuthAPIKey,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://platform.clickatell.com/v1",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "apiKey",
				Label:     "API key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "Clickatell portal » Channels » SMS » your integration » API key. Sent as the raw " +
					"Authorization header (no \"Bearer\").",
			},
			{
				Key:   "from",
				Label: "Sender",
				Type:  provider.FieldString,
				Help:  "Optional sender number or ID for two-way integrations, in international format without + (e.g. 27821234567).",
			},
			{
				Key:       "webhookToken",
				Label:     "Callback token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "A long random value ihub expects on status and reply callbacks (Clickatell signs nothing). " +
					"Add it as a custom header in the integration's callback settings.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapNotify, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{Scheme: "header_token"},
		DocsURL: "https://docs.clickatell.com/",
	}
}
