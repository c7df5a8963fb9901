// Package slack is the adapter for Slack (providers.md A11, B3): incoming
// webhooks and the Web API for messages, signed requests for events.
//
// Base URL convention: the Web API root, https://slack.com/api (the
// default), used with the bot token; the incoming webhook URL is a
// credential of its own and needs no base URL.
package slack

import "ihub/internal/provider"

// ID is the provider id.
const ID = "slack"

// Provider is the Slack adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Slack provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Slack. Messages go through the incoming webhook when
// one is set, else through chat.postMessage with the bot token; at least one
// of the two is needed to notify.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Slack",
		Category: provider.CategoryCommunication,
		Description: "Send messages and alerts to Slack through an incoming webhook or a bot token, call the " +
			"Web API, and receive signed events, slash commands and interactions.",
		AuthKind:       provider.AuthURLSecret,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://slack.com/api",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "webhookUrl",
				Label:     "Incoming webhook URL",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Your Slack app » Incoming Webhooks » Add New Webhook to Workspace, pick the channel, copy " +
					"the URL (https://hooks.slack.com/services/T…/B…/…). The URL itself is the credential: " +
					"anyone holding it can post to that channel.",
			},
			{
				Key:       "botToken",
				Label:     "Bot token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Optional. Your Slack app » OAuth & Permissions » Bot User OAuth Token (xoxb-…), with scope " +
					"chat:write (and chat:write.public to post in channels the bot has not joined). Used for " +
					"the Web API and when no webhook URL is set.",
				Placeholder: "xoxb-…",
			},
			{
				Key:   "defaultChannel",
				Label: "Default channel",
				Type:  provider.FieldString,
				Help: "Channel for messages sent with the bot token, e.g. #alerts or C0123456789. Incoming " +
					"webhooks always post to the channel chosen when they were created.",
			},
			{
				Key:       "signingSecret",
				Label:     "Signing secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Only to receive events, slash commands and interactivity: your Slack app » Basic " +
					"Information » App Credentials » Signing Secret. ihub verifies X-Slack-Signature with it.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapNotify, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{Scheme: "slack"},
		DocsURL: "https://docs.slack.dev/",
	}
}
