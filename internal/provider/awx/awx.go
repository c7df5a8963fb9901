// Package awx is the adapter for the Ansible AWX / Automation Controller API
// v2 (providers.md A6).
//
// Base URL convention: the controller's address as opened in a browser,
// https://awx.example.com; the adapter appends the apiPath setting
// (/api/v2/, or /api/controller/v2/ behind the AAP 2.5+ platform gateway).
package awx

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "awx"

// Field keys.
const (
	FieldToken           = "token"
	FieldPassword        = "password"
	FieldAPIPath         = "apiPath"
	FieldWebhookUsername = "webhookUsername"
	FieldWebhookPassword = "webhookPassword"
)

// Provider is the AWX adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the AWX provider.
func New() *Provider { return &Provider{} }

// Descriptor describes AWX. Its notification templates post with optional
// HTTP Basic auth and no signature, so inbound webhooks use the basic_auth
// scheme with the webhookUsername/webhookPassword fields.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Ansible AWX / Automation Controller",
		Category: provider.CategoryAutomation,
		Description: "Launch AWX, Ansible Tower or Automation Controller job templates and follow jobs, and " +
			"receive job notifications. Base URL: the controller address, e.g. https://awx.example.com.",
		AuthKind: provider.AuthBearer,
		BaseURL:  provider.UsageRequired,
		Username: provider.UsageOptional,
		UsernameHelp: "Only for HTTP Basic auth instead of a token (when the controller allows it): the AWX " +
			"user name whose password is entered below. Leave empty when using an access token (recommended).",
		Fields: []provider.Field{
			{
				Key:       FieldToken,
				Label:     "Access token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "An OAuth2 personal access token: Users » <user> » Tokens » Add (scope Write to launch " +
					"jobs, Read to only follow them), or POST /api/v2/tokens/. The user needs Execute on the " +
					"job templates ihub launches. Sent as \"Authorization: Bearer\". Needed unless Basic auth " +
					"with a user name and password is used.",
			},
			{
				Key:       FieldPassword,
				Label:     "Password (Basic auth)",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Only for HTTP Basic auth, with the user name above and no token; the controller must " +
					"have Basic auth enabled (Settings » Miscellaneous Authentication).",
			},
			{
				Key:      FieldAPIPath,
				Label:    "API path",
				Type:     provider.FieldString,
				Default:  DefaultAPIPath,
				Required: true,
				Help: "The API's path under the base URL: /api/v2/ for AWX and Tower, /api/controller/v2/ for " +
					"Ansible Automation Platform 2.5 and later behind the platform gateway.",
			},
			{
				Key:   FieldWebhookUsername,
				Label: "Notification user name",
				Type:  provider.FieldString,
				Help: "For inbound job notifications: the user name set in the AWX webhook notification " +
					"template's HTTP Basic auth (Administration » Notifications » Type Webhook).",
			},
			{
				Key:       FieldWebhookPassword,
				Label:     "Notification password",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help:      "The password set in the same notification template; AWX signs nothing, so use a long random value.",
			},
		},
		AuthOptions: [][]string{{FieldToken}, {provider.AuthOptionUsername, FieldPassword}},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{Scheme: "basic_auth", SecretField: FieldWebhookPassword,
			SettingsFrom: map[string]string{"username": FieldWebhookUsername}},
		DocsURL:  "https://docs.ansible.com/automation-controller/latest/html/controllerapi/index.html",
		TestCall: "GET /api/v2/me/ and /api/v2/ping/",
	}
}

func credentials(c provider.Connection) Credentials {
	return Credentials{Token: c.Credentials[FieldToken], Username: c.Username, Password: c.Credentials[FieldPassword]}
}

func newClient(hc *http.Client, c provider.Connection) (*Client, error) {
	return NewClient(c.BaseURL, c.Setting(FieldAPIPath, DefaultAPIPath), hc, credentials(c))
}

// NewClient returns the connection's *Client (provider.ClientMaker).
func (*Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return newClient(hc, c)
}

// Test proves the credentials with GET me/ (ping/ needs no auth, so it
// alone proves nothing) and reads the version from GET ping/. Details:
// "username", "userId", "isSuperuser", "isSystemAuditor" and "version"; if
// ping/ fails with an auth, not-found or provider error the test still
// succeeds and "note" says why the version is unknown. Test honours ctx and
// changes nothing.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := newClient(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	u, err := cl.Me(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{
		"username": u.Username, "userId": u.ID, "isSuperuser": u.IsSuperuser, "isSystemAuditor": u.IsSystemAuditor,
	}
	msg := "Connected to AWX"
	ping, err := cl.Ping(ctx)
	var perr *provider.Error
	switch {
	case err == nil:
		details["version"] = ping.Version
		if ping.Version != "" {
			msg += " " + ping.Version
		}
	case errors.As(err, &perr) && (perr.Kind == provider.ErrAuth || perr.Kind == provider.ErrNotFound || perr.Kind == provider.ErrProvider):
		details["note"] = "could not read the version: " + perr.Error()
	default:
		return provider.TestResult{}, err
	}
	return provider.TestResult{Message: msg + " as " + u.Username, Details: details}, nil
}

// ProxyBase is the API root: the base URL joined with the API path
// (https://awx.example.com/api/v2); callers append job_templates/ etc.
func (*Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	u, err := providerhttp.ParseBaseURL(c.BaseURL)
	if err != nil {
		return nil, err
	}
	p, err := NormalizeAPIPath(c.Setting(FieldAPIPath, DefaultAPIPath))
	if err != nil {
		return nil, err
	}
	return u.JoinPath(strings.TrimSuffix(p, "/")), nil
}

// Authorize sets "Authorization: Bearer <token>", or Basic auth when the
// connection uses a user name and password.
func (*Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	cred := credentials(c)
	if err := checkCredentials(cred); err != nil {
		return err
	}
	authorize(req, cred)
	return nil
}
