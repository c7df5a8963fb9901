// Package terraform is the adapter for the HCP Terraform (Terraform Cloud)
// and Terraform Enterprise API v2 (providers.md A7).
//
// Base URL convention: the API root including /api/v2 —
// https://app.terraform.io/api/v2 (the default) or https://<tfe-host>/api/v2.
package terraform

import "ihub/internal/provider"

// ID is the provider id.
const ID = "terraform"

// Provider is the Terraform adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Terraform provider.
func New() *Provider { return &Provider{} }

// Descriptor describes HCP Terraform.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "HCP Terraform / Terraform Enterprise",
		Category: provider.CategoryAutomation,
		Description: "Organizations, workspaces and runs on HCP Terraform (Terraform Cloud) or Terraform " +
			"Enterprise, and signed run notifications. Base URL: the API root, https://app.terraform.io/api/v2 " +
			"(default) or https://<tfe-host>/api/v2.",
		AuthKind:       provider.AuthBearer,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://app.terraform.io/api/v2",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "token",
				Label:     "API token",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "A user token (Account settings » Tokens) or a team token (Organization settings » Teams » " +
					"Team API token) with access to the workspaces ihub manages; organization tokens cannot " +
					"start runs. Resources the token may not see answer 404, not 403.",
			},
			{
				Key:   "organization",
				Label: "Organization",
				Type:  provider.FieldString,
				Help:  "The organization name (as in app.terraform.io/app/<organization>) ihub works in by default.",
			},
			{
				Key:       "webhookSecret",
				Label:     "Notification token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The token set on the workspace's notification configuration (Workspace » Settings » " +
					"Notifications, destination Webhook). ihub verifies X-TFE-Notification-Signature " +
					"(HMAC-SHA512) with it.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{Scheme: "terraform"},
		DocsURL: "https://developer.hashicorp.com/terraform/cloud-docs/api-docs",
	}
}
