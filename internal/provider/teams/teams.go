// Package teams is the adapter for Microsoft Teams channel webhooks
// (providers.md A13): Workflows (Power Automate) webhook URLs, and legacy
// Office 365 connector URLs while they still work.
//
// Base URL convention: none — the webhook URL is the credential and names
// the endpoint. Teams offers no read-only endpoint, so there is no
// connection test: a test card is only sent on explicit user action.
package teams

import "ihub/internal/provider"

// ID is the provider id.
const ID = "teams"

// Provider is the Teams adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Teams provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Microsoft Teams.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Microsoft Teams",
		Category: provider.CategoryCommunication,
		Description: "Post messages and alerts (Adaptive Cards) to a Teams channel through a Workflows " +
			"webhook.",
		AuthKind: provider.AuthURLSecret,
		BaseURL:  provider.UsageNone,
		Username: provider.UsageNone,
		Fields: []provider.Field{{
			Key:       "webhookUrl",
			Label:     "Workflow webhook URL",
			Type:      provider.FieldSecret,
			Required:  true,
			Sensitive: true,
			Help: "In Teams, open the channel's Workflows, use the template \"Send webhook alerts to a " +
				"channel\" (or \"Post to a channel when a webhook request is received\") and copy the HTTP " +
				"POST URL. Its sig= parameter is the credential. Legacy connector URLs " +
				"(*.webhook.office.com) are being retired by Microsoft.",
		}},
		Capabilities: []provider.Capability{provider.CapNotify, provider.CapActions},
		DocsURL:      "https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook",
	}
}
