// Package didit is the adapter for Didit identity verification (KYC): the
// sessions API (x-api-key) and signed status webhooks (providers.md B12).
//
// Base URL convention: the API root including the version,
// https://verification.didit.me/v3 (the default).
//
// providers.md documents no connection test for Didit (and Didit's API has
// no documented cheap read-only call that needs only the key), so the
// provider is not a Checker and the descriptor does not claim one.
package didit

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "didit"

// Provider is the Didit adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// Field keys.
const (
	FieldAPIKey        = "apiKey"
	FieldWorkflowID    = "workflowId"
	FieldWebhookSecret = "webhookSecret"
)

// New returns the Didit provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Didit.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Didit",
		Category: provider.CategoryKYC,
		Description: "Identity verification (KYC) with Didit: create verification sessions, read decisions, " +
			"and receive signed status webhooks. Base URL: the API root, https://verification.didit.me/v3.",
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
				Help: "Didit Business Console » your application » Settings » API & Webhooks » API Key. Sent as " +
					"the x-api-key header; it has full access to the application's verifications.",
			},
			{
				Key:   FieldWorkflowID,
				Label: "Workflow ID",
				Type:  provider.FieldString,
				Help:  "The verification workflow new sessions use: Console » Workflows » copy the workflow's ID.",
			},
			{
				Key:       FieldWebhookSecret,
				Label:     "Webhook secret key",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Console » Settings » API & Webhooks » Webhook Secret Key. ihub verifies X-Signature-V2 " +
					"(or X-Signature / X-Signature-Simple) and X-Timestamp with it.",
			},
		},
		Capabilities: []provider.Capability{provider.CapActions, provider.CapProxy, provider.CapWebhooks},
		Webhook:      &provider.WebhookSpec{Scheme: "didit"},
		DocsURL:      "https://docs.didit.me/",
	}
}

// NewClient returns the connection's *Client (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return NewClient(c.BaseURL, hc, c.Credentials[FieldAPIKey])
}

// GetSessionInput is the input of get_session.
type GetSessionInput struct {
	SessionID string `json:"sessionId" format:"uuid" doc:"The verification session's id (session_id), a UUID." example:"11111111-2222-3333-4444-555555555555"`
}

// GetSessionOutput is the output of get_session.
type GetSessionOutput struct {
	Session Decision `json:"session"`
}

// Actions lists Didit's actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "get_session",
			Title: "Get a verification session",
			Description: "Reads a verification session's status and the verdict of each check its workflow ran " +
				"(GET /v3/session/{sessionId}/decision/), without the personal data of the report.",
		}, func(ctx context.Context, c *Client, in GetSessionInput) (GetSessionOutput, error) {
			d, err := c.Decision(ctx, in.SessionID)
			if err != nil {
				return GetSessionOutput{}, err
			}
			return GetSessionOutput{Session: *d}, nil
		}),
	}
}

// ProxyBase is the API root, the base URL or DefaultBaseURL
// (provider.Proxyable).
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	if strings.TrimSpace(c.BaseURL) == "" {
		return providerhttp.ParseBaseURL(DefaultBaseURL)
	}
	return providerhttp.ParseBaseURL(c.BaseURL)
}

// Authorize sets the x-api-key header. A missing key is a *provider.Error
// of kind invalid.
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	k := c.Credentials[FieldAPIKey]
	if err := checkKey(k); err != nil {
		return err
	}
	req.Header.Set("x-api-key", k.Reveal())
	return nil
}
