// Package awx is the adapter for the Ansible AWX / Automation Controller API
// v2 (providers.md A6).
//
// Base URL convention: the controller's address as opened in a browser,
// https://awx.example.com; the adapter appends the apiPath setting
// (/api/v2/, or /api/controller/v2/ behind the AAP 2.5+ platform gateway).
package awx

import "ihub/internal/provider"

// ID is the provider id.
const ID = "awx"

// Provider is the AWX adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the AWX provider.
func New() *Provider { return &Provider{} }

// Descriptor describes AWX. Its notification templates post with optional
// HTTP Basic auth and no signature, so inbound webhooks use the basic_auth
// scheme with the webhookUsername/webhookPassword fields.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Ansible AWX / Automation Controller",
		Category: provider.CategoryAutomation,
		Description: "Launch AWX, Ansible Tower or Automation Controller job templates and follow jobs, and " +
			"receive job notifications. Base URL: the controller address, e.g. https://awx.example.com.",
		AuthKind: provider.AuthBearer,
		BaseURL:  provider.UsageRequired,
		Username: provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "token",
				Label:     "Access token",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "An OAuth2 personal access token: Users » <user> » Tokens » Add (scope Write to launch " +
					"jobs, Read to only follow them), or POST /api/v2/tokens/. The user needs Execute on the " +
					"job templates ihub launches. Sent as \"Authorization: Bearer\".",
			},
			{
				Key:      "apiPath",
				Label:    "API path",
				Type:     provider.FieldString,
				Default:  "/api/v2/",
				Required: true,
				Help: "The API's path under the base URL: /api/v2/ for AWX and Tower, /api/controller/v2/ for " +
					"Ansible Automation Platform 2.5 and later behind the platform gateway.",
			},
			{
				Key:   "webhookUsername",
				Label: "Notification user name",
				Type:  provider.FieldString,
				Help: "For inbound job notifications: the user name set in the AWX webhook notification " +
					"template's HTTP Basic auth (Administration » Notifications » Type Webhook).",
			},
			{
				Key:       "webhookPassword",
				Label:     "Notification password",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help:      "The password set in the same notification template; AWX signs nothing, so use a long random value.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{Scheme: "basic_auth"},
		DocsURL: "https://docs.ansible.com/automation-controller/latest/html/controllerapi/index.html",
	}
}
