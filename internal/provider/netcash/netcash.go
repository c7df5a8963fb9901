// Package netcash is the adapter for NetCash Pay Now (providers.md B11):
// credentials checked with the NIWS ValidateServiceKey SOAP call, payment
// postbacks verified by content (Pay Now signs nothing).
//
// Base URL convention: none — NetCash's hosts are fixed
// (ws.netcash.co.za for web services, paynow.netcash.co.za for payments).
package netcash

import "ihub/internal/provider"

// ID is the provider id.
const ID = "netcash"

// Provider is the NetCash adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the NetCash provider.
func New() *Provider { return &Provider{} }

// Descriptor describes NetCash Pay Now.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "NetCash Pay Now",
		Category: provider.CategoryPayments,
		Description: "NetCash Pay Now card, EFT and retail payments (South Africa): payment links and " +
			"verified payment notifications.",
		AuthKind: provider.AuthAPIKey,
		BaseURL:  provider.UsageNone,
		Username: provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:      "accountNumber",
				Label:    "Merchant account number",
				Type:     provider.FieldString,
				Required: true,
				Help:     "Your NetCash account number (top of the NetCash dashboard), used to validate the service key.",
			},
			{
				Key:       "serviceKey",
				Label:     "Pay Now service key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "NetCash » Account Profile » NetConnector » Pay Now » Service key (sent as m1). While there, " +
					"set the Accept, Decline and Notify URLs to the ihub webhook URL.",
			},
			{
				Key:       "softwareVendorKey",
				Label:     "Software vendor key",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The software vendor key (m2) if NetCash issued one for your integration; leave empty to " +
					"use NetCash's default vendor key.",
			},
			{
				Key:       "webhookSecret",
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
	}
}
