// Package discord is the adapter for Discord webhooks (providers.md A12) and
// signed interactions (B7).
//
// Base URL convention: none — the webhook URL is the credential and names
// the endpoint.
package discord

import "ihub/internal/provider"

// ID is the provider id.
const ID = "discord"

// Provider is the Discord adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Discord provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Discord.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Discord",
		Category: provider.CategoryCommunication,
		Description: "Send messages and alerts to a Discord channel through a webhook, and receive " +
			"application interactions verified with Ed25519.",
		AuthKind: provider.AuthURLSecret,
		BaseURL:  provider.UsageNone,
		Username: provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "webhookUrl",
				Label:     "Webhook URL",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "Channel or Server Settings » Integrations » Webhooks » New Webhook » Copy Webhook URL " +
					"(https://discord.com/api/webhooks/<id>/<token>). The token in the URL is the credential: " +
					"anyone holding it can post as the webhook.",
			},
			{
				Key:   "username",
				Label: "Display name",
				Type:  provider.FieldString,
				Help:  "Optional author name shown on messages; empty uses the name set on the webhook.",
			},
			{
				Key:   "publicKey",
				Label: "Application public key",
				Type:  provider.FieldString,
				Help: "Only to receive interactions: the application's Public Key (hex) from the Discord " +
					"Developer Portal » your application » General Information. ihub verifies " +
					"X-Signature-Ed25519 with it. It is public, not a secret.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapNotify, provider.CapActions, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{Scheme: "discord_ed25519"},
		DocsURL: "https://discord.com/developers/docs/resources/webhook",
	}
}
