// Package bitbucket is the adapter for the Bitbucket Cloud REST API 2.0
// (providers.md A10).
//
// Base URL convention: the API root including /2.0 —
// https://api.bitbucket.org/2.0 (the default).
package bitbucket

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "bitbucket"

// Field keys.
const (
	FieldAPIToken      = "apiToken"
	FieldWorkspace     = "workspace"
	FieldWebhookSecret = "webhookSecret"
)

// Provider is the Bitbucket adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the Bitbucket provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Bitbucket Cloud. With a username the token is sent
// with HTTP Basic (Atlassian API token); without one it is sent as a Bearer
// token (workspace, project or repository access token).
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Bitbucket Cloud",
		Category: provider.CategoryVCS,
		Description: "Bitbucket Cloud repositories, commits and repository webhooks, and signed inbound " +
			"webhooks. Base URL: the API root, https://api.bitbucket.org/2.0.",
		AuthKind:       provider.AuthBasic,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://api.bitbucket.org/2.0",
		Username:       provider.UsageOptional,
		UsernameHelp: "Your Atlassian account email when the token is an Atlassian API token (sent with HTTP " +
			"Basic). Leave empty for a workspace, project or repository access token, which is sent as a " +
			"Bearer token.",
		Fields: []provider.Field{
			{
				Key:       FieldAPIToken,
				Label:     "API token",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "An Atlassian API token with Bitbucket scopes (id.atlassian.com » Security » Create API " +
					"token with scopes: read:user:bitbucket, read:repository:bitbucket, read:webhook:bitbucket, " +
					"write:webhook:bitbucket), or a workspace/repository access token (Settings » Access " +
					"tokens). App passwords no longer work: Atlassian retired them on 2026-06-09.",
			},
			{
				Key:   FieldWorkspace,
				Label: "Workspace",
				Type:  provider.FieldString,
				Help:  "The workspace slug (bitbucket.org/<workspace>) whose repositories ihub lists by default.",
			},
			{
				Key:       FieldWebhookSecret,
				Label:     "Webhook secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The secret set on the repository webhook (Repository settings » Webhooks); Bitbucket " +
					"signs deliveries with HMAC-SHA256 in X-Hub-Signature.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{
			Scheme:           "bitbucket",
			DeliveryIDHeader: "X-Request-UUID",
			EventHeader:      "X-Event-Key",
		},
		DocsURL:  "https://developer.atlassian.com/cloud/bitbucket/rest/intro/",
		TestCall: "GET /2.0/user and /2.0/repositories/{workspace}",
		// 1,000 requests per hour for most repository data calls, the
		// commonly cited figure (providers.md A10 [?]).
		RateLimit: &provider.RateLimit{Requests: 1000, PerSeconds: 3600, Burst: 50},
	}
}

// client builds the connection's client.
func client(hc *http.Client, c provider.Connection) (*Client, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Username, c.Credentials[FieldAPIToken])
	if err != nil {
		return nil, err
	}
	cl.Workspace = c.Setting(FieldWorkspace, "")
	return cl, nil
}

// Test proves the credentials with GET /user and, when a workspace is
// configured, counts its repositories with GET
// /repositories/{workspace}?role=member&pagelen=1. Workspace, project and
// repository access tokens (Bearer, no username) are not users: when /user
// rejects such a token and a workspace is set, the repository listing alone
// proves it [?]. Details: "nickname", "displayName", "accountId", "uuid",
// "authentication" (basic or bearer), "workspace", "repositoryCount"; if the
// listing fails with an auth, not-found or provider error after /user
// succeeded, the test still succeeds and "note" says why. Test honours ctx
// and changes nothing on Bitbucket.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := client(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	ws := c.Setting(FieldWorkspace, "")
	if ws != "" && !workspaceRE.MatchString(ws) {
		return provider.TestResult{}, errWorkspaceSetting
	}
	auth := "basic"
	if cl.username == "" {
		auth = "bearer"
	}
	details := map[string]any{"authentication": auth}
	uctx := ctx
	if auth == "bearer" && ws != "" {
		// An access token is not a user: /user's refusal is expected, and
		// API metrics record it as a success; the listing below proves
		// the token (its failure counts).
		uctx = provider.WithExpectedAnswer(ctx, notAUser)
	}
	u, uerr := cl.CurrentUser(uctx)
	if uerr != nil && !(kindOf(uerr) == provider.ErrAuth && auth == "bearer" && ws != "") {
		return provider.TestResult{}, uerr
	}
	msg := ""
	if u != nil {
		details["nickname"] = u.Nickname
		details["displayName"] = u.DisplayName
		details["accountId"] = u.AccountID
		details["uuid"] = u.UUID
		msg = "Connected to Bitbucket as " + u.Nickname
	}
	if ws == "" {
		return provider.TestResult{Message: msg, Details: details}, nil
	}
	details["workspace"] = ws
	repos, pg, err := cl.ListRepositories(ctx, ws, &RepoListOptions{ListOptions: ListOptions{PageLen: 1}})
	switch {
	case err == nil:
		n := pg.Size
		if n < 0 {
			n = len(repos)
		}
		details["repositoryCount"] = n
	case u == nil:
		// Neither call accepted the access token: report /user's answer.
		return provider.TestResult{}, uerr
	case kindOf(err) == provider.ErrAuth || kindOf(err) == provider.ErrNotFound || kindOf(err) == provider.ErrProvider:
		details["note"] = "could not list the repositories of workspace " + ws + ": " + err.Error()
	default:
		return provider.TestResult{}, err
	}
	if u == nil {
		msg = "Connected to Bitbucket workspace " + ws + " with an access token"
		details["note"] = "the token is not a user's (GET /user: " + uerr.Error() + ")"
	} else if n, ok := details["repositoryCount"].(int); ok {
		msg += " (workspace " + ws + ", " + strconv.Itoa(n) + " repositories)"
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

// notAUser reports whether an answer is /user's refusal of an access token
// (401 "This API is only accessible with the following authentication
// types: …") [?].
func notAUser(status int, body []byte) bool {
	return status == http.StatusUnauthorized && bytes.Contains(body, []byte("only accessible with the following authentication types"))
}
