// Package mtncoverage is the adapter for MTN's coverage (service
// feasibility) API. providers.md has no wire format for it, so the adapter
// treats it as a generic JSON API [?]: an API key in a header (X-API-Key by
// default), GET <base URL><coverage path>?latitude=&longitude= (or
// address=), and MTN's JSON answer passed through with a best-effort
// covered flag and technology list. Both the header and the path are
// settings, to follow what MTN's onboarding documents say.
//
// Base URL convention: the API root MTN gave you, including its version
// path (e.g. https://api.mtn.com/v1).
package mtncoverage

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "mtn_coverage"

// Field keys.
const (
	FieldAPIKey       = "apiKey"
	FieldAPIKeyHeader = "apiKeyHeader"
	FieldCoveragePath = "coveragePath"
)

// Test location: MTN's head office, 216 14th Avenue, Fairland,
// Johannesburg.
const (
	TestLatitude  = -26.1376
	TestLongitude = 27.9478
)

// Provider is the MTN coverage adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the MTN coverage provider.
func New() *Provider { return &Provider{} }

// Descriptor describes MTN coverage.
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
				Key:       FieldAPIKey,
				Label:     "API key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "The consumer key of your app on developers.mtn.com (My Apps » your app » Keys), " +
					"subscribed to the coverage product for your market.",
			},
			{
				Key:      FieldAPIKeyHeader,
				Label:    "API key header",
				Type:     provider.FieldString,
				Required: true,
				Default:  DefaultKeyHeader,
				Help:     "The header that carries the key; X-API-Key unless MTN's onboarding documents say otherwise.",
			},
			{
				Key:     FieldCoveragePath,
				Label:   "Coverage path",
				Type:    provider.FieldString,
				Default: DefaultCoveragePath,
				Help: "The coverage check endpoint below the base URL, as MTN's onboarding documents give it; " +
					"ihub calls GET <base URL><path>?latitude=…&longitude=… (or address=…).",
				Placeholder: DefaultCoveragePath,
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy},
		DocsURL:      "https://developers.mtn.com/",
		TestCall:     "GET <coverage path> for one fixed location",
	}
}

func newClient(hc *http.Client, c provider.Connection) (*Client, error) {
	return NewClient(c.BaseURL, hc, c.Setting(FieldAPIKeyHeader, DefaultKeyHeader),
		c.Setting(FieldCoveragePath, DefaultCoveragePath), c.Credentials[FieldAPIKey])
}

// Test checks coverage at MTN's head office (read-only: a coverage query
// changes nothing). Any JSON answer proves the key and the path. Details:
// "covered" and "technologies" when the answer has them [?].
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := newClient(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	lat, lng := TestLatitude, TestLongitude
	cov, err := cl.CheckCoverage(ctx, &CoverageRequest{Latitude: &lat, Longitude: &lng})
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{"host": cl.base.Host}
	msg := "Connected to the MTN coverage API"
	if cov.Covered != nil {
		details["covered"] = *cov.Covered
		if *cov.Covered {
			msg += " (test location covered"
		} else {
			msg += " (test location not covered"
		}
		if len(cov.Technologies) > 0 {
			msg += ": " + strings.Join(cov.Technologies, ", ")
		}
		msg += ")"
	}
	if cov.Technologies != nil {
		details["technologies"] = cov.Technologies
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

// NewClient returns the *Client the actions run on.
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return newClient(hc, c)
}

// ProxyBase is the base URL as given.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return providerhttp.ParseBaseURL(c.BaseURL)
}

// Authorize puts the key in the configured header.
func (p *Provider) Authorize(ctx context.Context, req *http.Request, c provider.Connection) error {
	h := strings.TrimSpace(c.Setting(FieldAPIKeyHeader, DefaultKeyHeader))
	if !headerToken.MatchString(h) {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the API key header must be a header name such as X-API-Key"}
	}
	key := c.Credentials[FieldAPIKey]
	if err := checkKey(key); err != nil {
		return err
	}
	req.Header.Set(h, key.Reveal())
	return nil
}

// CheckCoverageInput is the input of check_coverage.
type CheckCoverageInput struct {
	Latitude  *float64 `json:"latitude,omitempty" doc:"Latitude of the location (WGS84), with longitude." minimum:"-90" maximum:"90" example:"-26.1376"`
	Longitude *float64 `json:"longitude,omitempty" doc:"Longitude of the location (WGS84), with latitude." minimum:"-180" maximum:"180" example:"27.9478"`
	Address   string   `json:"address,omitempty" doc:"Street address, instead of or with a location." maxLength:"500"`
}

// CheckCoverageOutput is the output of check_coverage.
type CheckCoverageOutput struct {
	// Covered is MTN's verdict when its answer states one.
	Covered *bool `json:"covered,omitempty"`
	// Technologies lists the technologies MTN names (4G, 5G, Fibre…).
	Technologies []string `json:"technologies,omitempty"`
	// Response is MTN's answer as is.
	Response any `json:"response"`
}

// Actions lists the MTN coverage actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "check_coverage",
			Title: "Check coverage",
			Description: "Asks MTN's coverage API which services are available at a location or address " +
				"(GET <coverage path>?latitude=&longitude=&address=).",
		}, func(ctx context.Context, c *Client, in CheckCoverageInput) (CheckCoverageOutput, error) {
			cov, err := c.CheckCoverage(ctx, &CoverageRequest{Latitude: in.Latitude, Longitude: in.Longitude, Address: in.Address})
			if err != nil {
				return CheckCoverageOutput{}, err
			}
			return CheckCoverageOutput{Covered: cov.Covered, Technologies: cov.Technologies, Response: cov.Response}, nil
		}),
	}
}
