// Package gitlab is the adapter for the GitLab REST API v4 (providers.md A9)
// on gitlab.com or a self-managed instance.
//
// Base URL convention: the API root including /api/v4 —
// https://gitlab.com/api/v4 (the default) or https://<host>/api/v4.
package gitlab

import "ihub/internal/provider"

// ID is the provider id.
const ID = "gitlab"

// Provider is the GitLab adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the GitLab provider.
func New() *Provider { return &Provider{} }

// Descriptor describes GitLab.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "GitLab",
		Category: provider.CategoryVCS,
		Description: "GitLab projects, commits and project webhooks, and inbound webhooks checked with the " +
			"secret token. Base URL: the API root, https://gitlab.com/api/v4 (default) or " +
			"https://<host>/api/v4 for a self-managed instance.",
		AuthKind:       provider.AuthBearer,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://gitlab.com/api/v4",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "token",
				Label:     "Access token",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "A personal, group or project access token (User settings » Access tokens, or the " +
					"group/project's Settings » Access tokens) with scope read_api, or api to create webhooks. " +
					"Sent as \"Authorization: Bearer\".",
				Placeholder: "glpat-…",
			},
			{
				Key:       "webhookSecret",
				Label:     "Webhook secret token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The Secret token set on the project or group webhook (Settings » Webhooks); GitLab sends " +
					"it verbatim in X-Gitlab-Token. Use a long random value.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{
			Scheme:           "gitlab_token",
			DeliveryIDHeader: "X-Gitlab-Event-UUID",
			EventHeader:      "X-Gitlab-Event",
		},
		DocsURL: "https://docs.gitlab.com/api/rest/",
	}
}
