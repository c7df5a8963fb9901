// Package smswebhook is the adapter for any SMS gateway that sends a message
// when its HTTP endpoint is called (a local aggregator, an on-premises
// gateway). providers.md has no wire format for it: the request shape and
// authentication are settings.
//
// Base URL convention: the gateway's full send URL; the adapter calls it as
// is.
package smswebhook

import (
	"context"
	"net/http"
	"strconv"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "sms_webhook"

// Field keys.
const (
	FieldMethod       = "method"
	FieldBodyFormat   = "bodyFormat"
	FieldToParam      = "toParam"
	FieldMessageParam = "messageParam"
	FieldFromParam    = "fromParam"
	FieldFrom         = "from"
	FieldAuthMode     = "authMode"
	FieldToken        = "token"
	FieldPassword     = "password"
	FieldHeaderName   = "headerName"
	FieldQueryParam   = "queryParam"
)

// Provider is the SMS webhook adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
)

// New returns the SMS webhook provider.
func New() *Provider { return &Provider{} }

// Descriptor describes the SMS webhook. There is no proxy: the base URL is a
// single send endpoint, not an API root. The connection test cannot prove
// the credentials without sending a message, so it only probes the send URL
// with HEAD (see Test).
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "SMS webhook",
		Category: provider.CategorySMS,
		Description: "Send SMS through any gateway with an HTTP send endpoint: method, parameter names and " +
			"authentication are configurable. Base URL: the gateway's send URL.",
		AuthKind:     provider.AuthConfigurable,
		BaseURL:      provider.UsageRequired,
		Username:     provider.UsageOptional,
		UsernameHelp: "The user name for HTTP Basic auth; only used when the auth mode is basic.",
		Fields: []provider.Field{
			{
				Key: "method", Label: "HTTP method", Type: provider.FieldEnum, Required: true,
				Options: []string{"POST", "GET"}, Default: "POST",
				Help: "POST sends the parameters in the body; GET sends them in the query string.",
			},
			{
				Key: "bodyFormat", Label: "Body format", Type: provider.FieldEnum, Required: true,
				Options: []string{"json", "form"}, Default: "json",
				Help: "For POST: a JSON object or form fields (application/x-www-form-urlencoded). See the gateway's API documentation.",
			},
			{
				Key: "toParam", Label: "Recipient parameter", Type: provider.FieldString, Required: true, Default: "to",
				Help: "Name of the parameter that carries the recipient's number (international format).",
			},
			{
				Key: "messageParam", Label: "Message parameter", Type: provider.FieldString, Required: true, Default: "message",
				Help: "Name of the parameter that carries the message text.",
			},
			{
				Key: "fromParam", Label: "Sender parameter", Type: provider.FieldString, Default: "from",
				Help: "Name of the parameter that carries the sender ID; only sent when a sender is set.",
			},
			{
				Key: "from", Label: "Sender", Type: provider.FieldString,
				Help: "Optional sender ID or number, if the gateway allows choosing one.",
			},
			{
				Key: "authMode", Label: "Authentication", Type: provider.FieldEnum, Required: true,
				Options: []string{"none", "bearer", "basic", "header", "query"}, Default: "none",
				Help: "How the gateway authenticates: none; bearer (Authorization: Bearer <token>); basic (user " +
					"name and password); header (the token in the header named below); query (the token in " +
					"the query parameter named below).",
			},
			{
				Key: "token", Label: "Token or API key", Type: provider.FieldSecret, Sensitive: true,
				Help: "The gateway's API key or token, for the bearer, header and query modes. Find it in the " +
					"gateway's account or API settings.",
			},
			{
				Key: "password", Label: "Password", Type: provider.FieldSecret, Sensitive: true,
				Help: "The password for the basic mode.",
			},
			{
				Key: "headerName", Label: "Header name", Type: provider.FieldString, Default: "X-API-Key",
				Help: "For the header mode: the name of the header that carries the token.",
			},
			{
				Key: "queryParam", Label: "Query parameter", Type: provider.FieldString, Default: "api_key",
				Help: "For the query mode: the name of the query parameter that carries the token. Prefer a " +
					"header: URLs end up in proxy logs.",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapNotify, provider.CapActions, provider.CapWebhooks},
		// Gateways' delivery and reply callbacks: a shared token in a header
		// (a Twilio-style gateway: the twilio scheme, chosen on the endpoint).
		Webhook:  &provider.WebhookSpec{Scheme: "header_token"},
		TestCall: "HEAD on the send URL, without message parameters (sends nothing)",
	}
}

// Test probes the gateway with HEAD on the send URL, carrying the
// configured authentication but no recipient or text, so no SMS is sent
// (Client.Probe). It fails on unreachable gateways, rejected credentials
// (401/403), an unknown URL (404), rate limiting and 5xx answers. Any other
// answer passes: many gateways answer HEAD with 405 or 400 before looking
// at credentials, so the message says whether the credentials were
// actually accepted. Details: "status", "authAccepted".
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := p.client(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	r, err := cl.Probe(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	msg := "Reached " + cl.Host() + " (HEAD answered " + strconv.Itoa(r.Status) + " " + http.StatusText(r.Status) + "); "
	switch {
	case r.AuthAccepted:
		msg += "credentials not rejected; no SMS was sent"
	case c.Setting(FieldAuthMode, AuthNone) == AuthNone:
		msg += "no SMS was sent"
	default:
		msg += "credentials are only checked when a message is sent"
	}
	return provider.TestResult{
		Message: msg,
		Details: map[string]any{"status": r.Status, "authAccepted": r.AuthAccepted},
	}, nil
}

// NewClient returns the connection's *Client (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return p.client(hc, c)
}

func (*Provider) client(hc *http.Client, c provider.Connection) (*Client, error) {
	return NewClient(hc, Config{
		URL:          c.BaseURL,
		Method:       c.Setting(FieldMethod, http.MethodPost),
		BodyFormat:   c.Setting(FieldBodyFormat, "json"),
		ToParam:      c.Setting(FieldToParam, "to"),
		MessageParam: c.Setting(FieldMessageParam, "message"),
		FromParam:    c.Setting(FieldFromParam, "from"),
		From:         c.Setting(FieldFrom, ""),
		AuthMode:     c.Setting(FieldAuthMode, AuthNone),
		Username:     c.Username,
		Token:        c.Credentials[FieldToken],
		Password:     c.Credentials[FieldPassword],
		HeaderName:   c.Setting(FieldHeaderName, "X-API-Key"),
		QueryParam:   c.Setting(FieldQueryParam, "api_key"),
	})
}

// SendSMSInput is the input of send_sms.
type SendSMSInput struct {
	To      string `json:"to" doc:"Recipient number in international format, with or without the leading + as the gateway expects, e.g. +27821234567." pattern:"^\\+?[1-9][0-9]{6,14}$"`
	Message string `json:"message" doc:"The message text." minLength:"1" maxLength:"1600"`
	From    string `json:"from,omitempty" doc:"Sender ID or number; empty means the integration's sender setting (or none)." maxLength:"32"`
}

// SendSMSOutput is the output of send_sms.
type SendSMSOutput struct {
	// Status is the gateway's HTTP status.
	Status int `json:"status"`
	// MessageID is the gateway's message id, when its JSON answer has one.
	MessageID string `json:"messageId,omitempty"`
	// Response is a short excerpt of the gateway's answer.
	Response string `json:"response,omitempty"`
}

// Actions lists the SMS webhook's actions.
func (*Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "send_sms",
			Title: "Send SMS",
			Description: "Send one SMS by calling the gateway's send URL with the configured method, parameter " +
				"names and authentication. A 2xx answer is success unless it is a web page or a JSON answer " +
				"with success/ok false or status error.",
			Mutating: true,
		}, func(ctx context.Context, c *Client, in SendSMSInput) (SendSMSOutput, error) {
			r, err := c.Send(ctx, SMS{To: in.To, Message: in.Message, From: in.From})
			if err != nil {
				return SendSMSOutput{}, err
			}
			return SendSMSOutput{Status: r.Status, MessageID: r.MessageID, Response: r.Response}, nil
		}),
	}
}
