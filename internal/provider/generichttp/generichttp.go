// Package generichttp is the adapter for any HTTP API without a dedicated
// provider (id "http"): credentials are injected according to the auth mode
// setting, and inbound webhooks are verified as a configurable HMAC.
//
// Base URL convention: the API root; proxied and action paths are appended
// to it.
package generichttp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "http"

// Provider is the generic HTTP adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// Field keys.
const (
	FieldAuthMode   = "authMode"
	FieldToken      = "token"
	FieldPassword   = "password"
	FieldHeaderName = "headerName"
	FieldQueryParam = "queryParam"
	FieldHealthPath = "healthPath"
)

// DefaultHealthPath is what the connection test calls when the health path
// setting is empty.
const DefaultHealthPath = "/"

// New returns the generic HTTP provider.
func New() *Provider { return &Provider{} }

// Descriptor describes the generic HTTP provider. Its connection test is a
// GET of the configured health path: only the user knows which call of
// their API is cheap and read-only.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Generic HTTP API",
		Category: provider.CategoryGeneric,
		Description: "Any HTTP API: ihub stores the credential and injects it on proxied calls and actions, " +
			"and verifies inbound webhooks signed with an HMAC. Base URL: the API root.",
		AuthKind:     provider.AuthConfigurable,
		BaseURL:      provider.UsageRequired,
		Username:     provider.UsageOptional,
		UsernameHelp: "The user name for HTTP Basic auth; only used when the auth mode is basic.",
		Fields: []provider.Field{
			{
				Key: "authMode", Label: "Authentication", Type: provider.FieldEnum, Required: true,
				Options: []string{"none", "bearer", "basic", "header", "query"}, Default: AuthNone,
				Help: "How the API authenticates: none; bearer (Authorization: Bearer <token>); basic (user name " +
					"and password); header (the token in the header named below); query (the token in the query " +
					"parameter named below).",
			},
			{
				Key: "token", Label: "Token or API key", Type: provider.FieldSecret, Sensitive: true,
				Help: "The API's token or key, for the bearer, header and query modes, from the service's API or " +
					"developer settings. Give it only the permissions ihub's callers need.",
			},
			{
				Key: "password", Label: "Password", Type: provider.FieldSecret, Sensitive: true,
				Help: "The password for the basic mode.",
			},
			{
				Key: "headerName", Label: "Header name", Type: provider.FieldString, Default: "X-API-Key",
				Help: "For the header mode: the name of the header that carries the token.",
			},
			{
				Key: "queryParam", Label: "Query parameter", Type: provider.FieldString, Default: "api_key",
				Help: "For the query mode: the query parameter that carries the token. Prefer a header: URLs " +
					"end up in proxy logs.",
			},
			{
				Key: FieldHealthPath, Label: "Health path", Type: provider.FieldString, Default: DefaultHealthPath,
				Help: "The path the connection test calls with GET, relative to the base URL (e.g. /health or " +
					"/v1/me): pick a cheap, read-only call that needs the credential, so the test proves it works.",
				Placeholder: "/health",
			},
			{
				Key: "webhookSecret", Label: "Webhook secret", Type: provider.FieldSecret, Sensitive: true,
				Help: "For inbound webhooks: the shared secret the sender signs the raw body with (HMAC). " +
					"Configure the same value at the sender.",
			},
			{
				Key: "signatureHeader", Label: "Signature header", Type: provider.FieldString, Default: "X-Signature-256",
				Help: "The header that carries the webhook signature.",
			},
			{
				Key: "signatureAlgorithm", Label: "Signature algorithm", Type: provider.FieldEnum,
				Options: []string{"sha256", "sha1", "sha512"}, Default: "sha256",
				Help: "The HMAC hash the sender uses; sha256 unless its documentation says otherwise.",
			},
			{
				Key: "signatureEncoding", Label: "Signature encoding", Type: provider.FieldEnum,
				Options: []string{"hex", "base64"}, Default: "hex",
				Help: "How the signature is written: lower-case hex or standard base64.",
			},
			{
				Key: "signaturePrefix", Label: "Signature prefix", Type: provider.FieldString,
				Help: "Text before the signature in the header, e.g. sha256= ; empty when there is none.",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks},
		Webhook: &provider.WebhookSpec{Scheme: "hmac", SettingsFrom: map[string]string{"header": "signatureHeader",
			"algorithm": "signatureAlgorithm", "encoding": "signatureEncoding", "prefix": "signaturePrefix"}},
		TestCall: "GET of the health path (default /)",
	}
}

// AuthOf returns the Auth the connection's settings and credentials
// describe (not yet validated: NewClient and Authorize check it).
func AuthOf(c provider.Connection) Auth {
	a := Auth{
		Mode:       c.Setting(FieldAuthMode, AuthNone),
		Username:   c.Username,
		HeaderName: c.Setting(FieldHeaderName, DefaultHeaderName),
		QueryParam: c.Setting(FieldQueryParam, DefaultQueryParam),
	}
	switch a.Mode {
	case AuthBasic:
		a.Secret = c.Credentials[FieldPassword]
	case AuthBearer, AuthHeader, AuthQuery:
		a.Secret = c.Credentials[FieldToken]
	}
	return a
}

// NewClient returns the connection's *Client (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return NewClient(c.BaseURL, hc, AuthOf(c))
}

// Test proves the connection with GET of the health path setting (default
// /), sent with the credential: any 2xx answer passes, whatever its body;
// 401/403 are auth errors. Details: "status", "healthPath", "authMode". Test
// honours ctx and changes nothing (GET only).
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(c.BaseURL, hc, AuthOf(c))
	if err != nil {
		return provider.TestResult{}, err
	}
	path := strings.TrimSpace(c.Setting(FieldHealthPath, DefaultHealthPath))
	status, err := cl.Ping(ctx, path)
	if err != nil {
		return provider.TestResult{}, err
	}
	return provider.TestResult{
		Message: "Connected to " + cl.base.Host + ": GET " + path + " answered " + strconv.Itoa(status) + " " + http.StatusText(status),
		Details: map[string]any{"status": status, "healthPath": path, "authMode": cl.auth.Mode},
	}, nil
}

// RequestInput is the input of the request action.
type RequestInput struct {
	Method string            `json:"method" enum:"GET,POST,PUT,PATCH,DELETE" doc:"The HTTP method."`
	Path   string            `json:"path" pattern:"^/" maxLength:"2048" doc:"The path, appended to the integration's base URL; starts with a slash, no query string (use query)." example:"/v1/items"`
	Query  map[string]string `json:"query,omitempty" doc:"Query parameters to add, name to value."`
	Body   json.RawMessage   `json:"body,omitempty" doc:"A JSON value sent as the request body (Content-Type: application/json)."`
}

// RequestOutput is the answer of the request action.
type RequestOutput struct {
	// Status is the HTTP status of the (2xx) answer.
	Status      int               `json:"status"`
	ContentType string            `json:"contentType,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	// Body is a JSON answer; Text any other answer. Both are empty for an
	// empty answer.
	Body json.RawMessage `json:"body,omitempty"`
	Text string          `json:"text,omitempty"`
}

// Actions lists the generic HTTP actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "request",
			Title: "Send a request",
			Description: "Sends one HTTP request to the API with the integration's credential and returns its JSON " +
				"or text answer. Non-2xx answers are errors (401/403 auth, 404 not found, 429 rate limited); an " +
				"HTML page is an error too.",
			Mutating: true,
		}, func(ctx context.Context, c *Client, in RequestInput) (RequestOutput, error) {
			var q url.Values
			if len(in.Query) > 0 {
				q = url.Values{}
				for k, v := range in.Query {
					q.Set(k, v)
				}
			}
			resp, err := c.Do(ctx, Request{Method: in.Method, Path: in.Path, Query: q, Body: in.Body})
			if err != nil {
				return RequestOutput{}, err
			}
			return RequestOutput{Status: resp.Status, ContentType: resp.ContentType, Headers: resp.Header, Body: resp.Body, Text: resp.Text}, nil
		}),
	}
}

// ProxyBase is the integration's base URL (provider.Proxyable).
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return providerhttp.ParseBaseURL(c.BaseURL)
}

// Authorize adds the credential as the auth mode says: an Authorization
// header (bearer, basic), the configured header, or the configured query
// parameter (replacing any the caller sent). Mode none adds nothing.
// Incomplete credentials are a *provider.Error of kind invalid.
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	a := AuthOf(c)
	if err := a.check(); err != nil {
		return err
	}
	a.apply(req)
	return nil
}
