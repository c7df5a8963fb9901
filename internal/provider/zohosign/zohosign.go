// Package zohosign is the adapter for the Zoho Sign API (providers.md A14,
// B13), authenticated with OAuth2.
//
// Base URL convention: none — the host follows from the dataCenter setting
// (https://sign.zoho.<domain>); the adapter appends /api/v1/. A
// connection's BaseURL, which the API never stores for Zoho, replaces the
// host when set (tests and the demo mode point it at zohofake).
package zohosign

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// ID is the provider id.
const ID = "zoho_sign"

// Provider is the Zoho Sign adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Checker   = (*Provider)(nil)
	_ provider.Proxyable = (*Provider)(nil)
)

// New returns the Zoho Sign provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Zoho Sign. It is filed under KYC (identity and
// signing); the catalog has no e-signature category.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Zoho Sign",
		Category: provider.CategoryKYC,
		Description: "Electronic signature requests on Zoho Sign (send, track, download) with OAuth2 token " +
			"management, and signed status webhooks.",
		AuthKind: provider.AuthOAuth2,
		BaseURL:  provider.UsageNone,
		Username: provider.UsageNone,
		Fields: zoho.Fields("Zoho Sign", provider.Field{
			Key:       "webhookSecret",
			Label:     "Webhook secret",
			Type:      provider.FieldSecret,
			Sensitive: true,
			Help: "The secret set on the Zoho Sign webhook (Settings » Developer settings » Webhooks). ihub " +
				"verifies X-ZS-WEBHOOK-SIGNATURE (HMAC-SHA256, base64) with it.",
		}),
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapProxy, provider.CapWebhooks, provider.CapOAuth,
		},
		Webhook:  &provider.WebhookSpec{Scheme: "zoho_sign"},
		OAuth:    zoho.OAuth("ZohoSign.documents.ALL"),
		DocsURL:  "https://www.zoho.com/sign/api/",
		TestCall: "GET /api/v1/requests (one row)",
	}
}

// Test lists one signature request (read-only). Details: "apiHost" and,
// when Zoho reports it, "requestCount".
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	reqs, pc, err := cl.Requests(ctx, 1, 1)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{"apiHost": cl.api.Base().Host}
	msg := "Connected to Zoho Sign"
	if pc.TotalCount > 0 || len(reqs) == 0 {
		details["requestCount"] = pc.TotalCount
		msg += " (" + strconv.Itoa(pc.TotalCount) + " signature requests)"
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

// ProxyBase is the Sign host; callers give paths such as /api/v1/requests.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return zoho.Sign.BaseURL(c)
}

// Authorize adds "Authorization: Zoho-oauthtoken <token>".
func (p *Provider) Authorize(ctx context.Context, req *http.Request, c provider.Connection) error {
	return zoho.Authorize(ctx, req, c, nil)
}
