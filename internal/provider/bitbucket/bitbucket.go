// Package bitbucket is the adapter for the Bitbucket Cloud REST API 2.0
// (providers.md A10).
//
// Base URL convention: the API root including /2.0 —
// https://api.bitbucket.org/2.0 (the default).
package bitbucket

import "ihub/internal/provider"

// ID is the provider id.
const ID = "bitbucket"

// Provider is the Bitbucket adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Bitbucket provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Bitbucket Cloud. With a username the token is sent
// with HTTP Basic (Atlassian API token); without one it is sent as a Bearer
// token (workspace, project or repository access token).
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Bitbucket Cloud",
		Category: provider.CategoryVCS,
		Description: "Bitbucket Cloud repositories, commits and repository webhooks, and signed inbound " +
			"webhooks. Base URL: the API root, https://api.bitbucket.org/2.0.",
		AuthKind:       provider.AuthBasic,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://api.bitbucket.org/2.0",
		Username:       provider.UsageOptional,
		UsernameHelp: "Your Atlassian account email when the token is an Atlassian API token (sent with HTTP " +
			"Basic). Leave empty for a workspace, project or repository access token, which is sent as a " +
			"Bearer token.",
		Fields: []provider.Field{
			{
				Key:       "apiToken",
				Label:     "API token",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "An Atlassian API token with Bitbucket scopes (id.atlassian.com » Security » Create API " +
					"token with scopes: read:user:bitbucket, read:repository:bitbucket, read:webhook:bitbucket, " +
					"write:webhook:bitbucket), or a workspace/repository access token (Settings » Access " +
					"tokens). App passwords no longer work: Atlassian retired them on 2026-06-09.",
			},
			{
				Key:   "workspace",
				Label: "Workspace",
				Type:  provider.FieldString,
				Help:  "The workspace slug (bitbucket.org/<workspace>) whose repositories ihub lists by default.",
			},
			{
				Key:       "webhookSecret",
				Label:     "Webhook secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The secret set on the repository webhook (Repository settings » Webhooks); Bitbucket " +
					"signs deliveries with HMAC-SHA256 in X-Hub-Signature.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{
			Scheme:           "bitbucket",
			DeliveryIDHeader: "X-Request-UUID",
			EventHeader:      "X-Event-Key",
		},
		DocsURL: "https://developer.atlassian.com/cloud/bitbucket/rest/intro/",
	}
}
