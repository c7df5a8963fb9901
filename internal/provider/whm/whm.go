// Package whm is the adapter for WHM (cPanel & WHM's server and reseller
// administration API, "WHM API 1"): its descriptor, a go-github-shaped
// client (client.go), the connection test, typed actions and the proxy
// (actions.go).
//
// Base URL convention: the address the administrator opens in a browser,
// https://<host>:2087 (2087 is WHM over TLS); the client appends
// /json-api/<function>. A URL without a port is used as given (https means
// 443, which suits the whm.<domain> proxy subdomain); DefaultPort is what the
// console suggests, it is never added silently.
package whm

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "whm"

// Credential keys.
const (
	// FieldAPIToken is the WHM API token credential.
	FieldAPIToken = "apiToken"
)

// checkedFunctions are the functions the connection test reports on: the
// ones ihub's WHM actions need.
var checkedFunctions = []string{
	"listaccts", "createacct", "suspendacct", "unsuspendacct",
	"showbw", "get_disk_usage", "start_autossl_check_for_one_user",
}

// Provider is the WHM adapter. The zero value is ready to use and it is safe
// for concurrent use.
type Provider struct{}

var (
	_ provider.Provider = (*Provider)(nil)
	_ provider.Checker  = (*Provider)(nil)
)

// New returns the WHM provider.
func New() *Provider { return &Provider{} }

// Descriptor describes WHM.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "WHM (cPanel & WHM)",
		Category: provider.CategoryHosting,
		Description: "Server and reseller administration of cPanel & WHM through WHM API 1: list, create, " +
			"suspend and unsuspend cPanel accounts, bandwidth and disk usage, AutoSSL. " +
			"Base URL: the WHM address, e.g. https://server.example.com:2087 (not the cPanel port 2083).",
		AuthKind:    provider.AuthAPIToken,
		BaseURL:     provider.UsageRequired,
		DefaultPort: 2087,
		Username:    provider.UsageRequired,
		UsernameHelp: "The WHM user the API token belongs to: usually root, or the reseller's user name " +
			"for a reseller token.",
		Fields: []provider.Field{{
			Key:       FieldAPIToken,
			Label:     "API token",
			Type:      provider.FieldSecret,
			Required:  true,
			Sensitive: true,
			Help: "Create it in WHM » Development » Manage API Tokens (or with api_token_create) while " +
				"logged in as the user above. Give it the ACLs ihub should use: list-accts, create-acct, " +
				"suspend-acct, bandwidth and disk-usage viewing and AutoSSL — or all for a root token. " +
				"WHM shows the token once; it is sent as \"Authorization: whm user:token\".",
			Placeholder: "32-character token",
		}},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks},
		// Forwarded hooks (a script of yours posts WHM's hook data): a shared
		// token in a header, which the script sets.
		Webhook:  &provider.WebhookSpec{Scheme: "header_token"},
		DocsURL:  "https://api.docs.cpanel.net/whm/introduction/",
		TestCall: "GET /json-api/version and /json-api/applist",
		// WHM documents no rate limit.
	}
}

// Test proves the connection with two read-only calls: version (any
// authenticated user may call it) and applist (which functions this token
// may call). Details: "version", "applicationCount", "permissions" (which
// of listaccts, createacct, suspendacct, unsuspendacct, showbw,
// get_disk_usage and start_autossl_check_for_one_user the token may call) and "missingPermissions"; when applist
// fails with an auth or provider error the test still succeeds and "note"
// says why the permissions are unknown. Test honours ctx, sends nothing that
// changes the server, and returns a *provider.Error on failure.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Username, c.Credentials[FieldAPIToken])
	if err != nil {
		return provider.TestResult{}, err
	}
	version, err := cl.Version(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	res := provider.TestResult{
		Message: "Connected to WHM " + version + " as " + c.Username,
		Details: map[string]any{"version": version},
	}
	apps, err := cl.Applist(ctx)
	if err != nil {
		var perr *provider.Error
		if errors.As(err, &perr) && (perr.Kind == provider.ErrAuth || perr.Kind == provider.ErrProvider || perr.Kind == provider.ErrNotFound) {
			res.Details["note"] = "could not list the functions this token may call: " + perr.Error()
			return res, nil
		}
		return provider.TestResult{}, err
	}
	allowed, missing := []string{}, []string{}
	for _, fn := range checkedFunctions {
		if slices.Contains(apps, fn) {
			allowed = append(allowed, fn)
		} else {
			missing = append(missing, fn)
		}
	}
	res.Details["applicationCount"] = len(apps)
	res.Details["permissions"] = allowed
	res.Details["missingPermissions"] = missing
	return res, nil
}
