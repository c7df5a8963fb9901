// Package cpanel is the adapter for cPanel UAPI, the account-level API of a
// single cPanel user (providers.md A2): its descriptor, a go-github-shaped
// client (client.go), the connection test, typed actions and the proxy.
//
// Base URL convention: the cPanel address as opened in a browser,
// https://<host>:2083; the adapter appends /execute/<Module>/<function>. A
// URL without a port is used as given; 2083 is never added silently.
package cpanel

import (
	"context"
	"net/http"
	"net/url"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "cpanel"

// Credential keys.
const (
	// FieldAPIToken is the cPanel API token credential.
	FieldAPIToken = "apiToken"
	// FieldPassword is the account password, used with HTTP Basic when no
	// token is set.
	FieldPassword = "password"
)

// Provider is the cPanel adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the cPanel provider.
func New() *Provider { return &Provider{} }

// Descriptor describes cPanel. Either an API token ("Authorization: cpanel
// user:token") or the account password (HTTP Basic) authenticates; the
// token wins when both are set.
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
		Fields: []provider.Field{
			{
				Key:       FieldAPIToken,
				Label:     "API token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Create it in cPanel » Security » Manage API Tokens while logged in as the account above; " +
					"cPanel shows it once. A token has the full rights of the account unless you restrict it. " +
					"Sent as \"Authorization: cpanel user:token\". Set it, or the password below.",
			},
			{
				Key:       FieldPassword,
				Label:     "Account password",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The cPanel account's password, sent over HTTP Basic only when no API token is set. " +
					"cPanel accepts Basic auth only on its TLS ports (2083, 2096); a token is preferred.",
			},
		},
		AuthOptions:  [][]string{{FieldAPIToken}, {FieldPassword}},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks},
		// Forwarded hooks, as for WHM: a shared token in a header.
		Webhook:  &provider.WebhookSpec{Scheme: "header_token"},
		DocsURL:  "https://api.docs.cpanel.net/cpanel/introduction/",
		TestCall: "GET /execute/DomainInfo/list_domains",
		// cPanel documents no rate limit.
	}
}

// NewClient returns the *Client for c: its base URL, username and token or
// password.
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return NewClient(c.BaseURL, hc, c.Username, c.Credentials[FieldAPIToken], c.Credentials[FieldPassword])
}

// Test proves the connection with one read-only call,
// DomainInfo::list_domains. Details: "user", "authMethod" (token or
// password), "mainDomain" and "domainCount" (main, addon, parked and
// subdomains). Test honours ctx, changes nothing and returns a
// *provider.Error on failure.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Username, c.Credentials[FieldAPIToken], c.Credentials[FieldPassword])
	if err != nil {
		return provider.TestResult{}, err
	}
	d, err := cl.ListDomains(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	method := "token"
	if c.Credentials[FieldAPIToken].IsZero() {
		method = "password"
	}
	msg := "Connected to cPanel as " + c.Username
	if d.MainDomain != "" {
		msg += " (" + d.MainDomain + ")"
	}
	n := len(d.AddonDomains) + len(d.ParkedDomains) + len(d.SubDomains)
	if d.MainDomain != "" {
		n++
	}
	return provider.TestResult{Message: msg, Details: map[string]any{
		"user": c.Username, "authMethod": method, "mainDomain": d.MainDomain, "domainCount": n,
	}}, nil
}

// ProxyBase is the integration's base URL; callers append
// /execute/<Module>/<function>.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return providerhttp.ParseBaseURL(c.BaseURL)
}

// Authorize sets "Authorization: cpanel <user>:<token>", or HTTP Basic with
// the password when no token is set.
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	tok, pw := c.Credentials[FieldAPIToken], c.Credentials[FieldPassword]
	if err := checkCredentials(c.Username, tok, pw); err != nil {
		return err
	}
	req.Header.Set("Authorization", authorization(c.Username, tok, pw))
	return nil
}

// ListDomainsInput is empty: list_domains takes no parameters.
type ListDomainsInput struct{}

// ListDomainsOutput is the account's domains.
type ListDomainsOutput struct {
	Domains Domains `json:"domains"`
}

// QuotaInput is empty: quota takes no parameters.
type QuotaInput struct{}

// QuotaOutput is the account's disk quota (bytes; a null limit is
// unlimited).
type QuotaOutput struct {
	Quota Quota `json:"quota"`
}

// Actions are cPanel's typed actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name: "list_domains", Title: "List domains",
			Description: "The account's main, addon, parked and subdomains (UAPI DomainInfo::list_domains).",
		}, func(ctx context.Context, c *Client, _ ListDomainsInput) (ListDomainsOutput, error) {
			d, err := c.ListDomains(ctx)
			if err != nil {
				return ListDomainsOutput{}, err
			}
			return ListDomainsOutput{Domains: *d}, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name: "quota", Title: "Disk quota",
			Description: "Disk space and inodes used by the account, with its limits (UAPI Quota::get_local_quota_info).",
		}, func(ctx context.Context, c *Client, _ QuotaInput) (QuotaOutput, error) {
			q, err := c.Quota(ctx)
			if err != nil {
				return QuotaOutput{}, err
			}
			return QuotaOutput{Quota: *q}, nil
		}),
	}
}
