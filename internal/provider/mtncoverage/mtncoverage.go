// Package mtncoverage is the adapter for MTN's coverage (service
// feasibility) API. providers.md has no wire format for it, so the
// descriptor only fixes what every MTN developer-platform API shares: an
// API key in a header (X-API-Key by default) and an endpoint MTN assigns
// per market and partner.
//
// Base URL convention: the API root MTN gave you, including its version
// path (e.g. https://api.mtn.com/v1).
package mtncoverage

import "ihub/internal/provider"

// ID is the provider id.
const ID = "mtn_coverage"

// Provider is the MTN coverage adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the MTN coverage provider.
func New() *Provider { return &Provider{} }

// Descriptor describes MTN coverage. With no documented read-only call there
// is no connection test yet.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "MTN coverage",
		Category: provider.CategoryCoverage,
		Description: "Check MTN network and fibre coverage for an address or location through MTN's " +
			"partner API. Base URL: the API root MTN assigned to you, e.g. https://api.mtn.com/v1.",
		AuthKind: provider.AuthAPIKey,
		BaseURL:  provider.UsageRequired,
		Username: provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "apiKey",
				Label:     "API key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "The consumer key of your app on developers.mtn.com (My Apps » your app » Keys), " +
					"subscribed to the coverage product for your market.",
			},
			{
				Key:      "apiKeyHeader",
				Label:    "API key header",
				Type:     provider.FieldString,
				Required: true,
				Default:  "X-API-Key",
				Help:     "The header that carries the key; X-API-Key unless MTN's onboarding documents say otherwise.",
			},
		},
		Capabilities: []provider.Capability{provider.CapActions, provider.CapProxy},
		DocsURL:      "https://developers.mtn.com/",
	}
}
