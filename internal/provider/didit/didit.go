// Package didit is the adapter for Didit identity verification (KYC): the
// sessions API (x-api-key) and signed status webhooks (providers.md B12).
//
// Base URL convention: the API root including the version,
// https://verification.didit.me/v3 (the default).
//
// providers.md documents no connection test for Didit, so the descriptor
// does not claim one.
package didit

import "ihub/internal/provider"

// ID is the provider id.
const ID = "didit"

// Provider is the Didit adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Didit provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Didit.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Didit",
		Category: provider.CategoryKYC,
		Description: "Identity verification (KYC) with Didit: create verification sessions, read decisions, " +
			"and receive signed status webhooks. Base URL: the API root, https://verification.didit.me/v3.",
		AuthKind:       provider.AuthAPIKey,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://verification.didit.me/v3",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "apiKey",
				Label:     "API key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "Didit Business Console » your application » Settings » API & Webhooks » API Key. Sent as " +
					"the x-api-key header; it has full access to the application's verifications.",
			},
			{
				Key:   "workflowId",
				Label: "Workflow ID",
				Type:  provider.FieldString,
				Help:  "The verification workflow new sessions use: Console » Workflows » copy the workflow's ID.",
			},
			{
				Key:       "webhookSecret",
				Label:     "Webhook secret key",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Console » Settings » API & Webhooks » Webhook Secret Key. ihub verifies X-Signature-V2 " +
					"(or X-Signature / X-Signature-Simple) and X-Timestamp with it.",
			},
		},
		Capabilities: []provider.Capability{provider.CapActions, provider.CapProxy, provider.CapWebhooks},
		Webhook:      &provider.WebhookSpec{Scheme: "didit"},
		DocsURL:      "https://docs.didit.me/",
	}
}
