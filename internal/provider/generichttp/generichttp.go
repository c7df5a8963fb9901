// Package generichttp is the adapter for any HTTP API without a dedicated
// provider (id "http"): credentials are injected according to the auth mode
// setting, and inbound webhooks are verified as a configurable HMAC.
//
// Base URL convention: the API root; proxied and action paths are appended
// to it.
package generichttp

import "ihub/internal/provider"

// ID is the provider id.
const ID = "http"

// Provider is the generic HTTP adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the generic HTTP provider.
func New() *Provider { return &Provider{} }

// Descriptor describes the generic HTTP provider. It has no connection test:
// nothing says which call would be cheap and read-only.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Generic HTTP API",
		Category: provider.CategoryGeneric,
		Description: "Any HTTP API: ihub stores the credential and injects it on proxied calls and actions, " +
			"and verifies inbound webhooks signed with an HMAC. Base URL: the API root.",
		AuthKind:     provider.AuthConfigurable,
		BaseURL:      provider.UsageRequired,
		Username:     provider.UsageOptional,
		UsernameHelp: "The user name for HTTP Basic auth; only used when the auth mode is basic.",
		Fields: []provider.Field{
			{
				Key: "authMode", Label: "Authentication", Type: provider.FieldEnum, Required: true,
				Options: []string{"none", "bearer", "basic", "header", "query"}, Default: "none",
				Help: "How the API authenticates: none; bearer (Authorization: Bearer <token>); basic (user name " +
					"and password); header (the token in the header named below); query (the token in the query " +
					"parameter named below).",
			},
			{
				Key: "token", Label: "Token or API key", Type: provider.FieldSecret, Sensitive: true,
				Help: "The API's token or key, for the bearer, header and query modes, from the service's API or " +
					"developer settings. Give it only the permissions ihub's callers need.",
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
				Help: "For the query mode: the query parameter that carries the token. Prefer a header: URLs " +
					"end up in proxy logs.",
			},
			{
				Key: "webhookSecret", Label: "Webhook secret", Type: provider.FieldSecret, Sensitive: true,
				Help: "For inbound webhooks: the shared secret the sender signs the raw body with (HMAC). " +
					"Configure the same value at the sender.",
			},
			{
				Key: "signatureHeader", Label: "Signature header", Type: provider.FieldString, Default: "X-Signature-256",
				Help: "The header that carries the webhook signature.",
			},
			{
				Key: "signatureAlgorithm", Label: "Signature algorithm", Type: provider.FieldEnum,
				Options: []string{"sha256", "sha1", "sha512"}, Default: "sha256",
				Help: "The HMAC hash the sender uses; sha256 unless its documentation says otherwise.",
			},
			{
				Key: "signatureEncoding", Label: "Signature encoding", Type: provider.FieldEnum,
				Options: []string{"hex", "base64"}, Default: "hex",
				Help: "How the signature is written: lower-case hex or standard base64.",
			},
			{
				Key: "signaturePrefix", Label: "Signature prefix", Type: provider.FieldString,
				Help: "Text before the signature in the header, e.g. sha256= ; empty when there is none.",
			},
		},
		Capabilities: []provider.Capability{provider.CapActions, provider.CapProxy, provider.CapWebhooks},
		Webhook:      &provider.WebhookSpec{Scheme: "hmac"},
	}
}
