// Package discord is the adapter for Discord webhooks (providers.md A12) and
// signed interactions (B7).
//
// Base URL convention: none — the webhook URL is the credential and names
// the endpoint.
package discord

import (
	"context"
	"net/http"
	"strings"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "discord"

// Field keys.
const (
	FieldWebhookURL = "webhookUrl"
	FieldUsername   = "username"
	FieldPublicKey  = "publicKey"
)

// Provider is the Discord adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
)

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
				Key:       FieldWebhookURL,
				Label:     "Webhook URL",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "Channel or Server Settings » Integrations » Webhooks » New Webhook » Copy Webhook URL " +
					"(https://discord.com/api/webhooks/<id>/<token>). The token in the URL is the credential: " +
					"anyone holding it can post as the webhook.",
			},
			{
				Key:   FieldUsername,
				Label: "Display name",
				Type:  provider.FieldString,
				Help:  "Optional author name shown on messages; empty uses the name set on the webhook.",
			},
			{
				Key:   FieldPublicKey,
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
		Webhook:  &provider.WebhookSpec{Scheme: "discord_ed25519", SecretField: FieldPublicKey},
		DocsURL:  "https://discord.com/developers/docs/resources/webhook",
		TestCall: "GET on the webhook URL (read-only)",
	}
}

// NewClient returns the *Client for c (provider.ClientMaker); the display
// name setting becomes the default author name of send_message.
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	cl, err := NewClient(hc, c.Credentials[FieldWebhookURL])
	if err != nil {
		return nil, err
	}
	cl.Username = c.Setting(FieldUsername, "")
	return cl, nil
}

// Test fetches the webhook object with a GET on the webhook URL, which
// posts nothing. Details: "id", "name", "type" and, when Discord tells
// them, "channelId" and "guildId". A deleted webhook is a not_found error.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(hc, c.Credentials[FieldWebhookURL])
	if err != nil {
		return provider.TestResult{}, err
	}
	w, err := cl.Webhook(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{"id": w.ID, "name": w.Name, "type": w.Type}
	msg := "Connected to Discord webhook " + strings.TrimSpace(w.Name)
	if w.ChannelID != "" {
		details["channelId"] = w.ChannelID
		msg += " in channel " + w.ChannelID
	}
	if w.GuildID != "" {
		details["guildId"] = w.GuildID
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

// SendMessageInput is the input of send_message.
type SendMessageInput struct {
	Content   string `json:"content" doc:"Message text (Discord markdown), at most 2000 characters." minLength:"1" maxLength:"2000"`
	Username  string `json:"username,omitempty" doc:"Author name shown on the message; empty uses the integration's display name, else the webhook's own name." maxLength:"80"`
	AvatarURL string `json:"avatarUrl,omitempty" doc:"Avatar image URL shown on the message." format:"uri" maxLength:"2048"`
	ThreadID  string `json:"threadId,omitempty" doc:"Post into this thread of the webhook's channel." pattern:"^[0-9]{1,20}$"`
	// AllowMentions lets @everyone, @here, role and user mentions in
	// Content notify; by default they are shown but notify nobody.
	AllowMentions bool `json:"allowMentions,omitempty" doc:"Let @everyone, @here, role and user mentions in the content notify people; by default they notify nobody."`
}

// SendMessageOutput is the output of send_message.
type SendMessageOutput struct {
	ID        string `json:"id"`
	ChannelID string `json:"channelId"`
	Timestamp string `json:"timestamp,omitempty"`
}

// Actions lists Discord's actions (provider.ActionRunner).
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "send_message",
			Title: "Send message",
			Description: "Posts a message to the webhook's channel (POST on the webhook URL with wait=true) " +
				"and returns the created message's id.",
			Mutating: true,
		}, sendMessage),
	}
}

func sendMessage(ctx context.Context, c *Client, in SendMessageInput) (SendMessageOutput, error) {
	if strings.TrimSpace(in.Content) == "" {
		return SendMessageOutput{}, provider.InputError("content", "the message content is empty")
	}
	name := in.Username
	if name == "" {
		name = c.Username
	}
	params := &ExecuteParams{Content: in.Content, Username: name, AvatarURL: in.AvatarURL}
	if !in.AllowMentions {
		params.AllowedMentions = &AllowedMentions{Parse: []string{}}
	}
	m, err := c.Execute(ctx, params, &ExecuteOptions{ThreadID: in.ThreadID})
	if err != nil {
		return SendMessageOutput{}, err
	}
	return SendMessageOutput{ID: m.ID, ChannelID: m.ChannelID, Timestamp: m.Timestamp}, nil
}
