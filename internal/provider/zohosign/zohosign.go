// Package zohosign is the adapter for the Zoho Sign API (providers.md A14,
// B13), authenticated with OAuth2.
//
// Base URL convention: none — the host follows from the dataCenter setting
// (https://sign.zoho.<domain>); the adapter appends /api/v1/.
package zohosign

import (
	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// ID is the provider id.
const ID = "zoho_sign"

// Provider is the Zoho Sign adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Zoho Sign provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Zoho Sign. It is filed under KYC (identity and
// signing); the catalog has no e-signature category.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Zoho Sign",
		Category: provider.CategoryKYC,
		Description: "Electronic signature requests on Zoho Sign (send, track, download) with OAuth2 token " +
			"management, and signed status webhooks.",
		AuthKind: provider.AuthOAuth2,
		BaseURL:  provider.UsageNone,
		Username: provider.UsageNone,
		Fields: zoho.Fields("Zoho Sign", provider.Field{
			Key:       "webhookSecret",
			Label:     "Webhook secret",
			Type:      provider.FieldSecret,
			Sensitive: true,
			Help: "The secret set on the Zoho Sign webhook (Settings » Developer settings » Webhooks). ihub " +
				"verifies X-ZS-WEBHOOK-SIGNATURE (HMAC-SHA256, base64) with it.",
		}),
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks, provider.CapOAuth,
		},
		Webhook: &provider.WebhookSpec{Scheme: "zoho_sign"},
		OAuth:   zoho.OAuth("ZohoSign.documents.ALL"),
		DocsURL: "https://www.zoho.com/sign/api/",
	}
}
