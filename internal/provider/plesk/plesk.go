// Package plesk is the adapter for the Plesk REST API v2 (providers.md A3).
//
// Base URL convention: the Plesk address as opened in a browser,
// https://<host>:8443; the adapter appends /api/v2/.
package plesk

import "ihub/internal/provider"

// ID is the provider id.
const ID = "plesk"

// Provider is the Plesk adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Plesk provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Plesk. Either an API key (X-API-Key) or the
// administrator's login and password (HTTP Basic) authenticate; the key wins
// when both are set.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Plesk",
		Category: provider.CategoryHosting,
		Description: "Plesk Obsidian servers through the REST API v2: customers, domains, suspension and " +
			"CLI calls. Base URL: the Plesk address, e.g. https://server.example.com:8443.",
		AuthKind:    provider.AuthAPIKey,
		BaseURL:     provider.UsageRequired,
		DefaultPort: 8443,
		Username:    provider.UsageOptional,
		UsernameHelp: "The Plesk administrator login (usually admin), used with the password only when no " +
			"API key is set. Only the administrator may use the REST API.",
		Fields: []provider.Field{
			{
				Key:       "apiKey",
				Label:     "API key",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Create one with POST /api/v2/auth/keys (HTTP Basic as admin) or \"plesk bin secret_key " +
					"--create -ip <ihub's IP>\" on the server. Keys are bound to the caller's IP address, so " +
					"create it for the address ihub connects from. Sent as X-API-Key. Leave empty to use the " +
					"login and password instead.",
			},
			{
				Key:       "password",
				Label:     "Administrator password",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help:      "The Plesk administrator's password, sent with the login over HTTP Basic when no API key is set.",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy},
		DocsURL:      "https://docs.plesk.com/en-US/obsidian/api-rpc/about-rest-api.79359/",
	}
}
