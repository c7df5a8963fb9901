// Package smswebhook is the adapter for any SMS gateway that sends a message
// when its HTTP endpoint is called (a local aggregator, an on-premises
// gateway). providers.md has no wire format for it: the request shape and
// authentication are settings.
//
// Base URL convention: the gateway's full send URL; the adapter calls it as
// is.
package smswebhook

import "ihub/internal/provider"

// ID is the provider id.
const ID = "sms_webhook"

// Provider is the SMS webhook adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the SMS webhook provider.
func New() *Provider { return &Provider{} }

// Descriptor describes the SMS webhook. There is no connection test: calling
// the endpoint would send a message.
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
		Capabilities: []provider.Capability{provider.CapNotify, provider.CapActions},
	}
}
