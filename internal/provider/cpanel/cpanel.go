// Package cpanel is the adapter for cPanel UAPI, the account-level API of a
// single cPanel user (providers.md A2).
//
// Base URL convention: the cPanel address as opened in a browser,
// https://<host>:2083; the adapter appends /execute/<Module>/<function>.
package cpanel

import "ihub/internal/provider"

// ID is the provider id.
const ID = "cpanel"

// Provider is the cPanel adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the cPanel provider.
func New() *Provider { return &Provider{} }

// Descriptor describes cPanel.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "cPanel",
		Category: provider.CategoryHosting,
		Description: "One cPanel account through UAPI: domains, email accounts, quotas and AutoSSL. " +
			"Base URL: the cPanel address, e.g. https://server.example.com:2083 (not the WHM port 2087).",
		AuthKind:    provider.AuthAPIToken,
		BaseURL:     provider.UsageRequired,
		DefaultPort: 2083,
		Username:    provider.UsageRequired,
		UsernameHelp: "The cPanel account user name the API token belongs to (the account's login, " +
			"not the domain).",
		Fields: []provider.Field{{
			Key:       "apiToken",
			Label:     "API token",
			Type:      provider.FieldSecret,
			Required:  true,
			Sensitive: true,
			Help: "Create it in cPanel » Security » Manage API Tokens while logged in as the account above; " +
				"cPanel shows it once. A token has the full rights of the account unless you restrict it. " +
				"Sent as \"Authorization: cpanel user:token\".",
		}},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy},
		DocsURL:      "https://api.docs.cpanel.net/cpanel/introduction/",
	}
}
