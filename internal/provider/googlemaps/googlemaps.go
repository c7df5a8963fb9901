// Package googlemaps is the adapter for the Google Maps Platform web
// services, the Geocoding API first (providers.md A19).
//
// Base URL convention: the API root, https://maps.googleapis.com/maps/api
// (the default); the adapter appends /geocode/json.
package googlemaps

import "ihub/internal/provider"

// ID is the provider id.
const ID = "google_maps"

// Provider is the Google Maps adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Google Maps provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Google Maps. Every call, the connection test's
// geocode included, is billable.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Google Maps",
		Category: provider.CategoryMaps,
		Description: "Geocode addresses and reverse-geocode coordinates with the Google Maps Geocoding API " +
			"(every call is billed by Google).",
		AuthKind:       provider.AuthAPIKey,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://maps.googleapis.com/maps/api",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       "apiKey",
				Label:     "API key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "Google Cloud console » APIs & Services » Credentials » Create credentials » API key, in a " +
					"project with billing and the Geocoding API enabled. Restrict the key to the Geocoding API " +
					"and to ihub's outbound IP address.",
				Placeholder: "AIza…",
			},
			{
				Key:   "region",
				Label: "Region bias",
				Type:  provider.FieldString,
				Help:  "Optional two-letter country code to prefer in results (e.g. za).",
			},
			{
				Key:   "language",
				Label: "Language",
				Type:  provider.FieldString,
				Help:  "Optional language for results (e.g. en, af).",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy},
		DocsURL:      "https://developers.google.com/maps/documentation/geocoding/overview",
	}
}
