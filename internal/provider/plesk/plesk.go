// Package plesk is the adapter for the Plesk REST API v2 (providers.md A3):
// its descriptor, a go-github-shaped client (client.go), the connection
// test, typed actions and the proxy.
//
// Base URL convention: the Plesk address as opened in a browser,
// https://<host>:8443; the adapter appends /api/v2/. A URL without a port is
// used as given; 8443 is never added silently.
package plesk

import (
	"context"
	"net/http"
	"net/url"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "plesk"

// Credential keys.
const (
	// FieldAPIKey is the REST API key, sent as X-API-Key.
	FieldAPIKey = "apiKey"
	// FieldPassword is the administrator password, used with the username
	// over HTTP Basic when no key is set.
	FieldPassword = "password"
)

// Provider is the Plesk adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

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
				Key:       FieldAPIKey,
				Label:     "API key",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Create one with POST /api/v2/auth/keys (HTTP Basic as admin) or \"plesk bin secret_key " +
					"--create -ip <ihub's IP>\" on the server. Keys are bound to the caller's IP address, so " +
					"create it for the address ihub connects from. Sent as X-API-Key. Leave empty to use the " +
					"login and password instead.",
			},
			{
				Key:       FieldPassword,
				Label:     "Administrator password",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help:      "The Plesk administrator's password, sent with the login over HTTP Basic when no API key is set.",
			},
		},
		AuthOptions:  [][]string{{FieldAPIKey}, {provider.AuthOptionUsername, FieldPassword}},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy},
		DocsURL:      "https://docs.plesk.com/en-US/obsidian/api-rpc/about-rest-api.79359/",
		TestCall:     "GET /api/v2/server",
		// Plesk documents no rate limit.
	}
}

func newClient(hc *http.Client, c provider.Connection) (*Client, error) {
	return NewClient(c.BaseURL, hc, c.Username, c.Credentials[FieldAPIKey], c.Credentials[FieldPassword])
}

// NewClient returns the *Client for c: its base URL and API key, or
// username and password.
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return newClient(hc, c)
}

// Test proves the connection with one read-only call, GET /api/v2/server.
// Details: "version" (panel_version), "hostname", "platform",
// "updateVersion" when reported, and "authMethod" (api_key or password).
// Test honours ctx, changes nothing and returns a *provider.Error on
// failure.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := newClient(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	s, err := cl.Server(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	if s.PanelVersion == "" {
		return provider.TestResult{}, &provider.Error{Kind: provider.ErrProvider,
			Message: "Plesk answered GET /api/v2/server without a panel version; check that the base URL is the Plesk address"}
	}
	msg := "Connected to Plesk " + s.PanelVersion
	if s.Hostname != "" {
		msg += " on " + s.Hostname
	}
	method := "api_key"
	if c.Credentials[FieldAPIKey].IsZero() {
		method = "password"
		msg += " as " + c.Username
	} else {
		msg += " with an API key"
	}
	details := map[string]any{"version": s.PanelVersion, "hostname": s.Hostname, "platform": s.Platform, "authMethod": method}
	if s.PanelUpdateVersion != "" {
		details["updateVersion"] = s.PanelUpdateVersion
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

// ProxyBase is the integration's base URL; callers append /api/v2/....
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return providerhttp.ParseBaseURL(c.BaseURL)
}

// Authorize sets X-API-Key, or HTTP Basic with the username and password
// when no key is set.
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	key, pw := c.Credentials[FieldAPIKey], c.Credentials[FieldPassword]
	if err := checkCredentials(c.Username, key, pw); err != nil {
		return err
	}
	authorize(req, c.Username, key, pw)
	return nil
}

// ListClientsInput is empty: the API lists every client.
type ListClientsInput struct{}

// ListClientsOutput is the server's clients.
type ListClientsOutput struct {
	Clients []Customer `json:"clients"`
}

// ListDomainsInput optionally names one domain.
type ListDomainsInput struct {
	Name string `json:"name,omitempty" doc:"Only the domain with this name; empty lists every domain." maxLength:"253"`
}

// ListDomainsOutput is the domains found.
type ListDomainsOutput struct {
	Domains []Domain `json:"domains"`
}

// Actions are Plesk's typed actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name: "list_clients", Title: "List clients",
			Description: "Lists the server's customers and resellers (GET /api/v2/clients).",
		}, func(ctx context.Context, c *Client, _ ListClientsInput) (ListClientsOutput, error) {
			cs, err := c.ListClients(ctx)
			if err != nil {
				return ListClientsOutput{}, err
			}
			return ListClientsOutput{Clients: cs}, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name: "list_domains", Title: "List domains",
			Description: "Lists the server's domains, or the one with a given name (GET /api/v2/domains).",
		}, func(ctx context.Context, c *Client, in ListDomainsInput) (ListDomainsOutput, error) {
			ds, err := c.ListDomains(ctx, in.Name)
			if err != nil {
				return ListDomainsOutput{}, err
			}
			return ListDomainsOutput{Domains: ds}, nil
		}),
	}
}
