// Package whmcs is the adapter for the WHMCS API (providers.md A4): every
// call is a form POST to includes/api.php with the credentials in the body,
// and failures usually come back as HTTP 200 with result=error.
//
// Base URL convention: the WHMCS system URL as opened in a browser,
// https://billing.example.com or https://example.com/whmcs; the adapter
// appends /includes/api.php.
package whmcs

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "whmcs"

// Credential keys.
const (
	FieldIdentifier    = "identifier"
	FieldSecret        = "secret"
	FieldPassword      = "password"
	FieldAccessKey     = "accessKey"
	FieldWebhookSecret = "webhookSecret"
)

// Provider is the WHMCS adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the WHMCS provider.
func New() *Provider { return &Provider{} }

// Descriptor describes WHMCS. Inbound events come from ihub's WHMCS hook
// module (WHMCS has no native signed webhooks), which signs with a shared
// secret and sends X-Hub-Delivery and X-Hub-Event.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "WHMCS",
		Category: provider.CategoryBilling,
		Description: "WHMCS billing and support: clients, products, invoices, tickets and service " +
			"provisioning through the API, and events from ihub's WHMCS hook module. Base URL: the WHMCS " +
			"system URL, e.g. https://billing.example.com (ihub calls /includes/api.php under it).",
		AuthKind: provider.AuthCredentials,
		BaseURL:  provider.UsageRequired,
		Username: provider.UsageOptional,
		UsernameHelp: "Only for the legacy admin login: the WHMCS admin user name whose password is entered " +
			"below. Leave empty when using an API identifier and secret (recommended).",
		Fields: []provider.Field{
			{
				Key:       FieldIdentifier,
				Label:     "API identifier",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "From Setup » Staff Management » Manage API Credentials » Generate New API Credential. " +
					"The admin role it belongs to needs the API actions ihub uses (WhmcsDetails, GetStats, " +
					"GetClients, GetClientsDetails, GetProducts, GetInvoice, OpenTicket). Needed unless the " +
					"legacy admin login is used.",
			},
			{
				Key:       FieldSecret,
				Label:     "API secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help:      "The secret shown once next to the identifier when the API credential is generated.",
			},
			{
				Key:       FieldPassword,
				Label:     "Admin password (legacy login)",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Only for the legacy admin login, with the admin user name above and no identifier or " +
					"secret: the admin's password, or its MD5 hex (32 lower-case hex digits); ihub sends the " +
					"MD5 hex as WHMCS requires.",
			},
			{
				Key:       FieldAccessKey,
				Label:     "API access key",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Optional. The $api_access_key value from WHMCS's configuration.php; it lets ihub call the " +
					"API without its IP address being on the allow-list (Setup » General Settings » Security » " +
					"API IP Access Restriction). Leave empty if ihub's IP is allow-listed.",
			},
			{
				Key:       FieldWebhookSecret,
				Label:     "Hook module secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Shared secret for ihub's WHMCS hook module (contrib/whmcs/ihub.php, copied to " +
					"includes/hooks/), which signs every event with HMAC-SHA256 (X-Hub-Signature-256). " +
					"Generate a long random value and set the same value as the module's IHUB_WEBHOOK_SECRET.",
			},
		},
		AuthOptions: [][]string{{FieldIdentifier, FieldSecret}, {provider.AuthOptionUsername, FieldPassword}},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{
			Scheme:           "whmcs",
			DeliveryIDHeader: "X-Hub-Delivery",
			EventHeader:      "X-Hub-Event",
		},
		DocsURL:  "https://developers.whmcs.com/api/",
		TestCall: "POST /includes/api.php action=WhmcsDetails",
	}
}

// credentials collects the connection's credentials.
func credentials(c provider.Connection) Credentials {
	return Credentials{
		Identifier: c.Credentials[FieldIdentifier],
		Secret:     c.Credentials[FieldSecret],
		Username:   c.Username,
		Password:   c.Credentials[FieldPassword],
		AccessKey:  c.Credentials[FieldAccessKey],
	}
}

// NewClient returns the connection's *Client (provider.ClientMaker).
func (*Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return NewClient(c.BaseURL, hc, credentials(c))
}

// Test proves the credentials with WhmcsDetails, the cheapest read-only
// call. Details: "version", "canonicalVersion" and "auth" ("api_credentials"
// or "admin_login"). Failures WHMCS reports in a 200 answer (Authentication
// Failed, Invalid IP, Invalid Permissions) are auth errors. Test honours ctx
// and changes nothing.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(c.BaseURL, hc, credentials(c))
	if err != nil {
		return provider.TestResult{}, err
	}
	d, err := cl.Details(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	auth, msg := "api_credentials", "Connected to WHMCS "+d.Version
	if cl.Legacy() {
		auth, msg = "admin_login", msg+" as "+strings.TrimSpace(c.Username)
	}
	return provider.TestResult{
		Message: msg,
		Details: map[string]any{"version": d.Version, "canonicalVersion": d.CanonicalVersion, "auth": auth},
	}, nil
}

// ProxyBase is the WHMCS system URL; callers append /includes/api.php.
func (*Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return providerhttp.ParseBaseURL(c.BaseURL)
}

// Authorize puts the connection's credential fields (identifier and secret,
// or username and the MD5 password, plus accesskey when set) and
// responsetype=json into the request's form body, replacing any the caller
// sent. The request must be a POST with a form-encoded (or empty) body, as
// the WHMCS API requires.
func (*Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	auth, _, err := authFields(credentials(c))
	if err != nil {
		return err
	}
	if req.Method != http.MethodPost {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the WHMCS API only takes POST requests with a form body"}
	}
	if ct := req.Header.Get("Content-Type"); ct != "" {
		mt, _, perr := mime.ParseMediaType(ct)
		if perr != nil || mt != "application/x-www-form-urlencoded" {
			return &provider.Error{Kind: provider.ErrInvalid, Message: "the WHMCS API takes application/x-www-form-urlencoded bodies"}
		}
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, rerr := io.ReadAll(io.LimitReader(req.Body, providerhttp.MaxBody+1))
		_ = req.Body.Close() // replaced below
		if rerr != nil {
			return &provider.Error{Kind: provider.ErrInvalid, Message: "reading the request body failed"}
		}
		if len(b) > providerhttp.MaxBody {
			return &provider.Error{Kind: provider.ErrInvalid, Message: "the request body is too large"}
		}
		body = b
	}
	form, perr := url.ParseQuery(string(body))
	if perr != nil {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the request body is not a valid form"}
	}
	for _, k := range credentialKeys {
		form.Del(k)
	}
	for k, vs := range auth {
		form[k] = append([]string(nil), vs...)
	}
	form.Set("responsetype", "json")
	enc := []byte(form.Encode())
	req.Body = io.NopCloser(bytes.NewReader(enc))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(enc)), nil }
	req.ContentLength = int64(len(enc))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Del("Content-Encoding")
	return nil
}
