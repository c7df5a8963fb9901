// Package clickatell is the adapter for Clickatell SMS through the
// Clickatell One API (providers.md A15, B14).
//
// Base URL convention: the API root including the version,
// https://platform.clickatell.com/v1 (the default).
package clickatell

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "clickatell"

// Field keys.
const (
	FieldAPIKey       = "apiKey"
	FieldFrom         = "from"
	FieldWebhookToken = "webhookToken"
)

// Provider is the Clickatell adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the Clickatell provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Clickatell. Callbacks carry no signature, so inbound
// webhooks use the header_token scheme with webhookToken.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Clickatell",
		Category: provider.CategorySMS,
		Description: "Send SMS and check the balance with Clickatell One, and receive delivery-status and " +
			"reply callbacks. Base URL: the API root, https://platform.clickatell.com/v1.",
		AuthKind:       provider.AuthAPIKey,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: DefaultBaseURL,
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       FieldAPIKey,
				Label:     "API key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "Clickatell portal » Channels » SMS » your integration » API key. Sent as the raw " +
					"Authorization header (no \"Bearer\").",
			},
			{
				Key:   FieldFrom,
				Label: "Sender",
				Type:  provider.FieldString,
				Help:  "Optional sender number or ID for two-way integrations, in international format without + (e.g. 27821234567).",
			},
			{
				Key:       FieldWebhookToken,
				Label:     "Callback token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "A long random value ihub expects on status and reply callbacks (Clickatell signs nothing). " +
					"Add it as a custom header in the integration's callback settings.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapNotify, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook:  &provider.WebhookSpec{Scheme: "header_token", SecretField: FieldWebhookToken},
		DocsURL:  "https://docs.clickatell.com/",
		TestCall: "GET /v1/balance",
		// Clickatell documents no request budget [?]: no client-side limit.
	}
}

// Test proves the API key with GET /v1/balance, which reads the account
// balance and sends nothing. Details: "currency" and "balance".
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := p.client(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	b, err := cl.Balance(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	amount := strconv.FormatFloat(b.Balance, 'f', -1, 64)
	return provider.TestResult{
		Message: "Connected to Clickatell, balance " + amount + " " + b.Currency,
		Details: map[string]any{"currency": b.Currency, "balance": b.Balance},
	}, nil
}

// NewClient returns the connection's *Client (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return p.client(hc, c)
}

func (*Provider) client(hc *http.Client, c provider.Connection) (*Client, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Credentials[FieldAPIKey])
	if err != nil {
		return nil, err
	}
	cl.from = c.Setting(FieldFrom, "")
	return cl, nil
}

// SendSMSInput is the input of send_sms.
type SendSMSInput struct {
	To      string `json:"to" doc:"Recipient number in international format without + or leading zeros, e.g. 27821234567." pattern:"^[1-9][0-9]{6,14}$"`
	Message string `json:"message" doc:"The message text. Long texts are sent as concatenated SMS and billed per part." minLength:"1" maxLength:"1600"`
	From    string `json:"from,omitempty" doc:"Sender number for two-way integrations; empty means the integration's sender setting, or Clickatell's default." pattern:"^[0-9A-Za-z]{1,15}$"`
}

// SendSMSOutput is the output of send_sms.
type SendSMSOutput struct {
	// MessageID is Clickatell's apiMessageId, used in status callbacks.
	MessageID string `json:"messageId"`
	To        string `json:"to"`
	Accepted  bool   `json:"accepted"`
}

// Actions lists Clickatell's actions.
func (*Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "send_sms",
			Title: "Send SMS",
			Description: "Send one SMS with POST /v1/message. Fails with Clickatell's error code and description " +
				"when the message is not accepted.",
			Mutating: true,
		}, func(ctx context.Context, c *Client, in SendSMSInput) (SendSMSOutput, error) {
			from := in.From
			if from == "" {
				from = c.from
			}
			r, err := c.SendMessage(ctx, Message{To: in.To, Content: in.Message, From: from})
			if err != nil {
				return SendSMSOutput{}, err
			}
			return SendSMSOutput{MessageID: r.APIMessageID, To: r.To, Accepted: r.Accepted}, nil
		}),
	}
}

// ProxyBase is the One API root (the base URL, or DefaultBaseURL).
func (*Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	raw := c.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	return providerhttp.ParseBaseURL(raw)
}

// Authorize sets the raw API key as the Authorization header.
func (*Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	key := c.Secret(FieldAPIKey)
	if key == "" {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Clickatell API key is not set"}
	}
	if strings.ContainsAny(key, "\r\n") {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Clickatell API key must be a single line"}
	}
	req.Header.Set("Authorization", key)
	return nil
}
