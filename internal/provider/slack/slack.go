// Package slack is the adapter for Slack (providers.md A11, B3): incoming
// webhooks and the Web API for messages, signed requests for events.
//
// Base URL convention: the Web API root, https://slack.com/api (the
// default), used with the bot token; the incoming webhook URL is a
// credential of its own and needs no base URL.
package slack

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "slack"

// Field keys.
const (
	FieldWebhookURL     = "webhookUrl"
	FieldBotToken       = "botToken"
	FieldDefaultChannel = "defaultChannel"
	FieldSigningSecret  = "signingSecret"
)

// Provider is the Slack adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
	_ provider.ChatPoster   = (*Provider)(nil)
)

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
		DefaultBaseURL: DefaultBaseURL,
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       FieldWebhookURL,
				Label:     "Incoming webhook URL",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Your Slack app » Incoming Webhooks » Add New Webhook to Workspace, pick the channel, copy " +
					"the URL (https://hooks.slack.com/services/T…/B…/…). The URL itself is the credential: " +
					"anyone holding it can post to that channel.",
			},
			{
				Key:       FieldBotToken,
				Label:     "Bot token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Optional. Your Slack app » OAuth & Permissions » Bot User OAuth Token (xoxb-…), with scope " +
					"chat:write (and chat:write.public to post in channels the bot has not joined). Used for " +
					"the Web API and when no webhook URL is set.",
				Placeholder: "xoxb-…",
			},
			{
				Key:   FieldDefaultChannel,
				Label: "Default channel",
				Type:  provider.FieldString,
				Help: "Channel for messages sent with the bot token, e.g. #alerts or C0123456789. Incoming " +
					"webhooks always post to the channel chosen when they were created.",
			},
			{
				Key:       FieldSigningSecret,
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
		Webhook:  &provider.WebhookSpec{Scheme: "slack", SecretField: FieldSigningSecret},
		DocsURL:  "https://docs.slack.dev/",
		TestCall: "POST /api/auth.test (bot token); a non-posting empty POST to the webhook (no_text)",
		// Slack allows about one message per second per channel and per
		// incoming webhook [?] (the Web API's per-method tiers are higher).
		RateLimit: &provider.RateLimit{Requests: 1, PerSeconds: 1},
	}
}

// NewClient returns the *Client for c (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Credentials[FieldWebhookURL], c.Credentials[FieldBotToken])
	if err != nil {
		return nil, err
	}
	cl.DefaultChannel = c.Setting(FieldDefaultChannel, "")
	return cl, nil
}

// Test checks every configured credential without posting anything: the
// bot token with auth.test, the incoming webhook with an empty POST that a
// live webhook refuses with 400 no_text [?]. Details: "team", "teamId",
// "user", "userId", "botId", "url" and "scopes" (token), "webhook"
// ("live") and "webhookHost".
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Credentials[FieldWebhookURL], c.Credentials[FieldBotToken])
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{}
	var parts []string
	if cl.HasToken() {
		a, err := cl.AuthTest(ctx)
		if err != nil {
			return provider.TestResult{}, err
		}
		details["team"], details["teamId"], details["user"], details["userId"], details["url"] = a.Team, a.TeamID, a.User, a.UserID, a.URL
		if a.BotID != "" {
			details["botId"] = a.BotID
		}
		if a.Scopes != nil {
			details["scopes"] = a.Scopes
		}
		parts = append(parts, "Connected to Slack workspace "+a.Team+" as "+a.User)
	}
	if cl.HasWebhook() {
		if err := cl.ProbeWebhook(ctx); err != nil {
			return provider.TestResult{}, err
		}
		details["webhook"] = "live"
		details["webhookHost"] = cl.hook.Host
		parts = append(parts, "incoming webhook is live (checked without posting)")
	}
	msg := strings.Join(parts, "; ")
	if !cl.HasToken() {
		msg = "Slack incoming webhook is live (checked without posting)"
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

// ProxyBase is the Web API root (provider.Proxyable); the proxy needs the
// bot token, the webhook is not proxied.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	base := c.BaseURL
	if strings.TrimSpace(base) == "" {
		base = DefaultBaseURL
	}
	return providerhttp.ParseBaseURL(base)
}

// Authorize adds "Authorization: Bearer <bot token>" (provider.Proxyable).
// Proxied calls see Slack's own answers, including ok=false in a 200.
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	t := c.Credentials[FieldBotToken]
	if t.IsZero() || strings.TrimSpace(t.Reveal()) == "" {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Slack Web API proxy needs a bot token"}
	}
	if err := checkToken(t); err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.Reveal())
	return nil
}

// SendMessageInput is the input of send_message.
type SendMessageInput struct {
	Text     string `json:"text" doc:"Message text (Slack mrkdwn)." minLength:"1" maxLength:"40000"`
	Channel  string `json:"channel,omitempty" doc:"Channel name (#alerts) or id (C0123456789); needs the bot token. Empty posts through the incoming webhook when one is set, else to the default channel with the bot token." maxLength:"80"`
	ThreadTS string `json:"threadTs,omitempty" doc:"Reply in the thread of this message timestamp; needs the bot token." pattern:"^[0-9]+\\.[0-9]+$"`
}

// SendMessageOutput is the output of send_message.
type SendMessageOutput struct {
	// Via is "webhook" or "bot".
	Via string `json:"via"`
	// Channel and TS identify the posted message (bot token only).
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
}

// Actions lists Slack's actions (provider.ActionRunner).
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "send_message",
			Title: "Send message",
			Description: "Posts a message: through the incoming webhook when one is set and no channel or " +
				"thread is asked for, else with the bot token (chat.postMessage) to the given channel or " +
				"the default channel.",
			Mutating: true,
		}, sendMessage),
	}
}

func sendMessage(ctx context.Context, c *Client, in SendMessageInput) (SendMessageOutput, error) {
	if strings.TrimSpace(in.Text) == "" {
		return SendMessageOutput{}, provider.InputError("text", "the message text is empty")
	}
	if c.HasWebhook() && in.Channel == "" && in.ThreadTS == "" {
		if err := c.SendWebhook(ctx, &WebhookMessage{Text: in.Text}); err != nil {
			return SendMessageOutput{}, err
		}
		return SendMessageOutput{Via: "webhook"}, nil
	}
	if !c.HasToken() {
		return SendMessageOutput{}, &provider.Error{Kind: provider.ErrInvalid,
			Message: "choosing a channel or thread needs a bot token; the incoming webhook always posts to its own channel"}
	}
	channel := in.Channel
	if channel == "" {
		channel = c.DefaultChannel
	}
	if channel == "" {
		// Either the input or the integration's default channel can name it,
		// so it stays a configuration error (409).
		return SendMessageOutput{}, &provider.Error{Kind: provider.ErrInvalid, Message: "no channel: give one or set the integration's default channel"}
	}
	r, err := c.PostMessage(ctx, &PostMessageParams{Channel: channel, Text: in.Text, ThreadTS: in.ThreadTS})
	if err != nil {
		return SendMessageOutput{}, err
	}
	return SendMessageOutput{Via: "bot", Channel: r.Channel, TS: r.TS}, nil
}

// ChatReady reports why a message naming no channel cannot be posted: the
// incoming webhook posts to its own channel, the bot token needs the
// default channel.
func (*Provider) ChatReady(settings map[string]any, credentials []string) string {
	if slices.Contains(credentials, FieldWebhookURL) {
		return ""
	}
	if ch, _ := settings[FieldDefaultChannel].(string); ch != "" && slices.Contains(credentials, FieldBotToken) {
		return ""
	}
	if slices.Contains(credentials, FieldBotToken) {
		return "has a bot token but no defaultChannel: set the integration's defaultChannel (or a webhookUrl) so that its messages have a channel"
	}
	return "has neither a webhookUrl nor a bot token: set one so that it can post messages"
}
