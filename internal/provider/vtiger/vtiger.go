// Package vtiger is the adapter for vTiger CRM web services (providers.md
// A5): challenge, login with md5(token+accessKey), then a session.
//
// Base URL convention: the CRM address as opened in a browser,
// https://crm.example.com or https://<instance>.od2.vtiger.com; the adapter
// appends /webservice.php.
//
// There is no credential-injecting proxy: a vTiger call needs a session
// obtained by a challenge/login round trip, which Proxyable.Authorize
// (given no HTTP client) cannot make.
package vtiger

import (
	"context"
	"errors"
	"net/http"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "vtiger"

// FieldAccessKey is the access key credential.
const FieldAccessKey = "accessKey"

// Provider is the vTiger adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
)

// New returns the vTiger provider.
func New() *Provider { return &Provider{} }

// Descriptor describes vTiger CRM.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "vTiger CRM",
		Category: provider.CategoryCRM,
		Description: "vTiger CRM records (contacts, accounts, leads, tickets) through the web services API " +
			"with VTQL queries. Base URL: the CRM address, e.g. https://crm.example.com " +
			"(ihub calls /webservice.php under it).",
		AuthKind:     provider.AuthChallenge,
		BaseURL:      provider.UsageRequired,
		Username:     provider.UsageRequired,
		UsernameHelp: "The vTiger user name whose access key is used; ihub sees and changes what this user may.",
		Fields: []provider.Field{{
			Key:       FieldAccessKey,
			Label:     "Access key",
			Type:      provider.FieldSecret,
			Required:  true,
			Sensitive: true,
			Help: "The user's webservice access key: click the user's avatar » My Preferences » User " +
				"Advanced Options » Access Key. It is not the login password.",
		}},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions},
		DocsURL:      "https://community.vtiger.com/help/vtigercrm/developers/third-party-app-integration.html",
		TestCall:     "GET /webservice.php getchallenge, POST login, GET listtypes",
	}
}

func newClient(hc *http.Client, c provider.Connection) (*Client, error) {
	return NewClient(c.BaseURL, hc, c.Username, c.Credentials[FieldAccessKey])
}

// NewClient returns the connection's *Client (provider.ClientMaker). The
// client keeps its session between actions.
func (*Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return newClient(hc, c)
}

// Test logs in (getchallenge and login prove the access key) and lists the
// modules the user can access (listtypes). Details: "vtigerVersion",
// "apiVersion", "userId" and "moduleCount"; if listtypes fails with an auth,
// not-found or provider error the test still succeeds and "note" says why.
// Test honours ctx and changes nothing in the CRM.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := newClient(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	s, err := cl.Login(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{"vtigerVersion": s.VtigerVersion, "apiVersion": s.Version, "userId": s.UserID}
	msg := "Connected to vTiger"
	if s.VtigerVersion != "" {
		msg += " " + s.VtigerVersion
	}
	msg += " as " + cl.user
	types, err := cl.ListTypes(ctx)
	var perr *provider.Error
	switch {
	case err == nil:
		details["moduleCount"] = len(types.Types)
	case errors.As(err, &perr) && (perr.Kind == provider.ErrAuth || perr.Kind == provider.ErrNotFound || perr.Kind == provider.ErrProvider):
		details["note"] = "could not list the modules: " + perr.Error()
	default:
		return provider.TestResult{}, err
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}
