// Package googlemaps is the adapter for the Google Maps Platform web
// services, the Geocoding API first (providers.md A19): descriptor, client
// (client.go), connection test, the geocode action and the proxy.
//
// Base URL convention: the API root, https://maps.googleapis.com/maps/api
// (the default); the adapter appends /geocode/json.
package googlemaps

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "google_maps"

// Field keys.
const (
	FieldAPIKey   = "apiKey"
	FieldRegion   = "region"
	FieldLanguage = "language"
)

// TestAddress is what the connection test geocodes.
const TestAddress = "1600 Amphitheatre Parkway, Mountain View, CA"

// Provider is the Google Maps adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

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
		DefaultBaseURL: DefaultBaseURL,
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       FieldAPIKey,
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
				Key:   FieldRegion,
				Label: "Region bias",
				Type:  provider.FieldString,
				Help:  "Optional two-letter country code to prefer in results (e.g. za).",
			},
			{
				Key:   FieldLanguage,
				Label: "Language",
				Type:  provider.FieldString,
				Help:  "Optional language for results (e.g. en, af).",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy},
		DocsURL:      "https://developers.google.com/maps/documentation/geocoding/overview",
		TestCall:     "GET /geocode/json (one fixed address, billed)",
		// The Geocoding API's documented per-project limit is 3,000
		// requests per minute [?].
		RateLimit: &provider.RateLimit{Requests: 3000, PerSeconds: 60, Burst: 50},
	}
}

func newClient(hc *http.Client, c provider.Connection) (*Client, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Credentials[FieldAPIKey])
	if err != nil {
		return nil, err
	}
	cl.Region = strings.TrimSpace(c.Setting(FieldRegion, ""))
	cl.Language = strings.TrimSpace(c.Setting(FieldLanguage, ""))
	return cl, nil
}

// Test geocodes TestAddress (one billed request; nothing changes). OK and
// ZERO_RESULTS both prove the key works. Details: "status" and
// "resultCount".
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := newClient(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	res, err := cl.Geocode(ctx, &GeocodeRequest{Address: TestAddress})
	if err != nil {
		return provider.TestResult{}, err
	}
	return provider.TestResult{
		Message: "Connected to the Google Maps Geocoding API (test geocode: " + res.Status + ")",
		Details: map[string]any{"status": res.Status, "resultCount": len(res.Results)},
	}, nil
}

// NewClient returns the *Client the actions run on.
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return newClient(hc, c)
}

// ProxyBase is the API root; callers give paths such as /geocode/json.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	base := c.BaseURL
	if strings.TrimSpace(base) == "" {
		base = DefaultBaseURL
	}
	return providerhttp.ParseBaseURL(base)
}

// Authorize sets the key query parameter, replacing any the caller sent.
func (p *Provider) Authorize(ctx context.Context, req *http.Request, c provider.Connection) error {
	key := c.Credentials[FieldAPIKey]
	if err := checkKey(key); err != nil {
		return err
	}
	q := req.URL.Query()
	q.Set("key", key.Reveal())
	req.URL.RawQuery = q.Encode()
	return nil
}

// GeocodeInput is the input of geocode.
type GeocodeInput struct {
	Address    string `json:"address,omitempty" doc:"The address to geocode, as one would write it on an envelope." maxLength:"500" example:"1 Long Street, Cape Town"`
	Components string `json:"components,omitempty" doc:"Component filter, e.g. country:ZA|postal_code:8001; alone or with an address." maxLength:"300"`
	LatLng     string `json:"latlng,omitempty" doc:"Coordinates to reverse-geocode, as lat,lng." pattern:"^-?[0-9]{1,2}(\\.[0-9]+)?,-?[0-9]{1,3}(\\.[0-9]+)?$" maxLength:"60"`
	Region     string `json:"region,omitempty" doc:"Two-letter country code to bias results to; defaults to the integration's region setting." pattern:"^[A-Za-z]{2}$"`
	Language   string `json:"language,omitempty" doc:"Language of the results; defaults to the integration's language setting." pattern:"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$"`
}

// GeocodeOutput is the output of geocode.
type GeocodeOutput struct {
	// Status is OK or ZERO_RESULTS.
	Status  string   `json:"status"`
	Results []Result `json:"results"`
}

// Actions lists the Google Maps actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "geocode",
			Title: "Geocode",
			Description: "Turns an address (or component filter) into coordinates, or coordinates into an address, " +
				"with the Geocoding API (GET /geocode/json). Each call is billed by Google.",
		}, func(ctx context.Context, c *Client, in GeocodeInput) (GeocodeOutput, error) {
			res, err := c.Geocode(ctx, &GeocodeRequest{
				Address: in.Address, Components: in.Components, LatLng: in.LatLng, Region: in.Region, Language: in.Language,
			})
			if err != nil {
				return GeocodeOutput{}, err
			}
			return GeocodeOutput{Status: res.Status, Results: res.Results}, nil
		}),
	}
}
