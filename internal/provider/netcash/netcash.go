// Package netcash is the adapter for NetCash Pay Now (providers.md B11):
// credentials checked with the NIWS ValidateServiceKey SOAP call, payment
// postbacks verified by content (Pay Now signs nothing).
//
// Base URL convention: NetCash's hosts are fixed (ws.netcash.co.za for web
// services, paynow.netcash.co.za for payments). The base URL is optional and
// defaults to the web services root, https://ws.netcash.co.za; it exists so
// that tests and the demo mode can point the adapter at netcashfake.
//
// NetCash has no JSON API and authenticates with keys inside SOAP bodies, so
// the adapter offers no proxy.
package netcash

import (
	"context"
	"net/http"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "netcash"

// Provider is the NetCash adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
)

// Field keys.
const (
	FieldAccountNumber     = "accountNumber"
	FieldServiceKey        = "serviceKey"
	FieldSoftwareVendorKey = "softwareVendorKey"
	FieldWebhookSecret     = "webhookSecret"
)

// New returns the NetCash provider.
func New() *Provider { return &Provider{} }

// Descriptor describes NetCash Pay Now.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "NetCash Pay Now",
		Category: provider.CategoryPayments,
		Description: "NetCash Pay Now card, EFT and retail payments (South Africa): payment links and " +
			"verified payment notifications. Base URL: leave empty (NetCash's web services, " +
			"https://ws.netcash.co.za).",
		AuthKind:       provider.AuthAPIKey,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: DefaultBaseURL,
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:      FieldAccountNumber,
				Label:    "Merchant account number",
				Type:     provider.FieldString,
				Required: true,
				Help:     "Your NetCash account number (top of the NetCash dashboard), used to validate the service key.",
			},
			{
				Key:       FieldServiceKey,
				Label:     "Pay Now service key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "NetCash » Account Profile » NetConnector » Pay Now » Service key (sent as m1). While there, " +
					"set the Accept, Decline and Notify URLs to the ihub webhook URL.",
			},
			{
				Key:       FieldSoftwareVendorKey,
				Label:     "Software vendor key",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The software vendor key (m2) if NetCash issued one for your integration; leave empty to " +
					"use NetCash's default vendor key.",
			},
			{
				Key:       FieldWebhookSecret,
				Label:     "Postback secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "A long random value ihub uses to sign the per-payment nonce it sends in Extra3 (m6) and " +
					"checks on the postback, together with the reference and amount (Pay Now postbacks carry " +
					"no signature).",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapWebhooks},
		Webhook:      &provider.WebhookSpec{Scheme: "netcash"},
		DocsURL:      "https://api.netcash.co.za/",
		TestCall:     "SOAP NIWS_Partner ValidateServiceKey (Pay Now, service id 14)",
	}
}

func (p *Provider) client(hc *http.Client, c provider.Connection) (*Client, error) {
	return NewClient(c.BaseURL, hc, c.Setting(FieldAccountNumber, ""), c.Credentials[FieldServiceKey], c.Credentials[FieldSoftwareVendorKey])
}

// NewClient returns the connection's *Client (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return p.client(hc, c)
}

// Test validates the account number, software vendor key and Pay Now
// service key with NIWS ValidateServiceKey, which changes nothing at
// NetCash. Details: "accountStatus" and "serviceStatus" (NetCash's codes,
// 001 when valid). Test honours ctx and returns a *provider.Error on
// failure (see Client.ValidateServiceKey for the status mapping).
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := p.client(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	v, err := cl.ValidateServiceKey(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	return provider.TestResult{
		Message: "Connected to NetCash account " + cl.account + ": Pay Now service key validated",
		Details: map[string]any{"accountStatus": v.AccountStatus, "serviceStatus": v.ServiceStatus},
	}, nil
}

// ValidateInput is the (empty) input of validate_service_key.
type ValidateInput struct{}

// ValidateOutput is the output of validate_service_key.
type ValidateOutput struct {
	Validation Validation `json:"validation"`
}

// Actions lists NetCash's actions: the only outbound call providers.md
// documents is the service key validation.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "validate_service_key",
			Title: "Validate the Pay Now service key",
			Description: "Checks the merchant account number, software vendor key and Pay Now service key with " +
				"NetCash's NIWS ValidateServiceKey call and returns NetCash's status codes; an invalid key or " +
				"account is an error.",
		}, func(ctx context.Context, c *Client, _ ValidateInput) (ValidateOutput, error) {
			v, err := c.ValidateServiceKey(ctx)
			if err != nil {
				return ValidateOutput{}, err
			}
			return ValidateOutput{Validation: *v}, nil
		}),
	}
}
