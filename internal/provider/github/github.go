// Package github is the adapter for the GitHub REST API (github.com and
// GitHub Enterprise Server): its descriptor, a go-github-shaped client
// (client.go, repos.go), the connection test, the typed actions and the
// proxy hooks (actions.go).
//
// Base URL convention: the API root, which differs by product —
// https://api.github.com (the default) or https://<host>/api/v3 for GitHub
// Enterprise Server. Request paths such as /user are appended to it.
package github

import (
	"context"
	"net/http"
	"time"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "github"

// Field keys.
const (
	FieldToken         = "token"
	FieldWebhookSecret = "webhookSecret"
)

// Provider is the GitHub adapter. The zero value is ready to use and it is
// safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider = (*Provider)(nil)
	_ provider.Checker  = (*Provider)(nil)
)

// New returns the GitHub provider.
func New() *Provider { return &Provider{} }

// Descriptor describes GitHub.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "GitHub",
		Category: provider.CategoryVCS,
		Description: "GitHub repositories, commits and repository webhooks through the REST API, and verified " +
			"inbound webhooks. Base URL: the API root, https://api.github.com (default) or " +
			"https://<host>/api/v3 for GitHub Enterprise Server.",
		AuthKind:       provider.AuthBearer,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: DefaultBaseURL,
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       FieldToken,
				Label:     "Access token",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "A personal access token from GitHub » Settings » Developer settings » Personal access " +
					"tokens (fine-grained recommended; give it an expiry you will rotate before). Fine-grained: " +
					"select the repositories and grant Metadata (read), Contents (read) and Webhooks " +
					"(read and write) to manage hooks. Classic: scopes repo and admin:repo_hook.",
				Placeholder: "github_pat_…",
			},
			{
				Key:       FieldWebhookSecret,
				Label:     "Webhook secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The secret set on the repository or organization webhook (Settings » Webhooks » " +
					"Secret). ihub verifies X-Hub-Signature-256 with it; use a long random value.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{
			Scheme:           "github",
			DeliveryIDHeader: "X-GitHub-Delivery",
			EventHeader:      "X-GitHub-Event",
		},
		DocsURL:  "https://docs.github.com/rest",
		TestCall: "GET /user and /user/repos?per_page=1",
		// 5,000 requests per hour for a user token (providers.md A8).
		RateLimit: &provider.RateLimit{Requests: 5000, PerSeconds: 3600, Burst: 100},
	}
}

// Test proves the token with GET /user and counts the repositories it can
// see with GET /user/repos?per_page=1. Details: "login", "name", "type",
// "scopes" (classic tokens only: fine-grained and app tokens send no
// X-OAuth-Scopes), "rateLimit", "rateLimitRemaining", "rateLimitReset"
// (RFC 3339) and "repositoryCount"; if the repository listing fails with an
// auth, not-found or provider error the test still succeeds and "note" says
// why. Rate limiting is a rate_limited *provider.Error with RetryAfter.
// Test honours ctx and changes nothing on GitHub.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Credentials[FieldToken])
	if err != nil {
		return provider.TestResult{}, err
	}
	u, resp, err := cl.User(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{
		"login": u.Login,
		"name":  u.Name,
		"type":  u.Type,
	}
	if resp.Scopes != nil {
		details["scopes"] = resp.Scopes
	}
	rate := resp.Rate
	repos, rresp, err := cl.ListRepos(ctx, &RepoListOptions{ListOptions: ListOptions{PerPage: 1}})
	switch kindOf(err) {
	case "":
		n := len(repos)
		if rresp.LastPage > 0 {
			n = rresp.LastPage
		}
		details["repositoryCount"] = n
		if rresp.Rate.Limit > 0 {
			rate = rresp.Rate // the later reading is the fresher one
		}
	case provider.ErrAuth, provider.ErrNotFound, provider.ErrProvider:
		details["note"] = "could not count repositories: " + err.Error()
	default:
		return provider.TestResult{}, err
	}
	if rate.Limit > 0 {
		details["rateLimit"] = rate.Limit
		details["rateLimitRemaining"] = rate.Remaining
		if !rate.Reset.IsZero() {
			details["rateLimitReset"] = rate.Reset.UTC().Format(time.RFC3339)
		}
	}
	return provider.TestResult{Message: "Connected to GitHub as " + u.Login, Details: details}, nil
}
