// Package resend is the adapter for the Resend email API (providers.md A17)
// and its Svix-signed webhooks (B4).
//
// Base URL convention: the API root, https://api.resend.com (the default).
package resend

import "ihub/internal/provider"

// ID is the provider id.
const ID = "resend"

// Provider is the Resend adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Resend provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Resend.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Resend",
		Category: provider.CategoryEmail,
		Description: "Send transactional email and alerts through Resend, and receive signed delivery, " +
			"bounce and complaint events.",
		AuthKind:       provider.AuthBearer,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://api.resend.com",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "apiKey",
				Label:     "API key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "resend.com » API Keys » Create API Key. Full access lets the connection test list your " +
					"domains; a Sending access key can only send (the test then reports it as send-only).",
				Placeholder: "re_…",
			},
			{
				Key:      "from",
				Label:    "From address",
				Type:     provider.FieldEmail,
				Required: true,
				Help:     "Default sender, e.g. ihub <alerts@example.com>; its domain must be verified in Resend » Domains.",
			},
			{
				Key:       "webhookSecret",
				Label:     "Webhook signing secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Resend » Webhooks » your endpoint » Signing secret (whsec_…). ihub verifies the " +
					"svix-signature header with it.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapNotify, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{Scheme: "standard_webhooks", DeliveryIDHeader: "svix-id"},
		DocsURL: "https://resend.com/docs/api-reference/introduction",
	}
}
