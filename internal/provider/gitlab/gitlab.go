// Package gitlab is the adapter for the GitLab REST API v4 (providers.md A9)
// on gitlab.com or a self-managed instance.
//
// Base URL convention: the API root including /api/v4 —
// https://gitlab.com/api/v4 (the default) or https://<host>/api/v4.
package gitlab

import (
	"context"
	"net/http"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "gitlab"

// Field keys.
const (
	FieldToken         = "token"
	FieldWebhookSecret = "webhookSecret"
	// FieldTokenHeader is the setting choosing how the token is sent:
	// HeaderBearer (default) or HeaderPrivateToken.
	FieldTokenHeader = "tokenHeader"
)

// Provider is the GitLab adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the GitLab provider.
func New() *Provider { return &Provider{} }

// Descriptor describes GitLab.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "GitLab",
		Category: provider.CategoryVCS,
		Description: "GitLab projects, commits and project webhooks, and inbound webhooks checked with the " +
			"secret token. Base URL: the API root, https://gitlab.com/api/v4 (default) or " +
			"https://<host>/api/v4 for a self-managed instance.",
		AuthKind:       provider.AuthBearer,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://gitlab.com/api/v4",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       FieldToken,
				Label:     "Access token",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "A personal, group or project access token (User settings » Access tokens, or the " +
					"group/project's Settings » Access tokens) with scope read_api, or api to create webhooks. " +
					"Sent as \"Authorization: Bearer\" unless the token header below says PRIVATE-TOKEN.",
				Placeholder: "glpat-…",
			},
			{
				Key:     FieldTokenHeader,
				Label:   "Token header",
				Type:    provider.FieldEnum,
				Options: []string{HeaderBearer, HeaderPrivateToken},
				Default: HeaderBearer,
				Help: "How the token is sent: bearer (Authorization: Bearer, works for every token kind " +
					"including OAuth) or private_token (the PRIVATE-TOKEN header, for personal, group and " +
					"project access tokens, e.g. behind proxies that strip Authorization).",
			},
			{
				Key:       FieldWebhookSecret,
				Label:     "Webhook secret token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The Secret token set on the project or group webhook (Settings » Webhooks); GitLab sends " +
					"it verbatim in X-Gitlab-Token. Use a long random value.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook: &provider.WebhookSpec{
			Scheme:           "gitlab_token",
			DeliveryIDHeader: "Idempotency-Key", // GitLab 17.4 on; before it, X-Gitlab-Event-UUID (webhook.verify)
			EventHeader:      "X-Gitlab-Event",
		},
		DocsURL:  "https://docs.gitlab.com/api/rest/",
		TestCall: "GET /api/v4/user, /version and /personal_access_tokens/self",
		// GitLab.com: 2,000 authenticated API requests per minute per user
		// (docs.gitlab.com "GitLab.com settings" [?]); self-managed instances
		// set their own limits, usually higher or none.
		RateLimit: &provider.RateLimit{Requests: 2000, PerSeconds: 60, Burst: 100},
	}
}

// client builds the connection's client.
func client(hc *http.Client, c provider.Connection) (*Client, error) {
	return NewClient(c.BaseURL, hc, c.Credentials[FieldToken], c.Setting(FieldTokenHeader, HeaderBearer))
}

// Test proves the token with GET /user, then reads the instance version (GET
// /version) and the token's scopes and expiry (GET
// /personal_access_tokens/self). Details: "username", "name", "userId",
// "state", "admin", "bot", "version", "revision", "tokenName", "scopes",
// "tokenExpiresAt", "rateLimit", "rateLimitRemaining" (when GitLab sends
// them); if one of the two optional calls fails with an auth, not-found or
// provider error (OAuth tokens have no /personal_access_tokens/self) the
// test still succeeds and "note" says why. Test honours ctx and changes
// nothing on GitLab.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := client(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	u, resp, err := cl.CurrentUser(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{
		"username": u.Username, "name": u.Name, "userId": u.ID, "state": u.State,
		"admin": u.IsAdmin, "bot": u.Bot,
	}
	if resp.RateLimit > 0 {
		details["rateLimit"] = resp.RateLimit
		details["rateLimitRemaining"] = resp.RateLimitRemaining
	}
	var notes []string
	optional := func(what string, err error) error {
		switch kindOf(err) {
		case "":
			return nil
		case provider.ErrAuth, provider.ErrNotFound, provider.ErrProvider:
			notes = append(notes, "could not read the "+what+": "+err.Error())
			return nil
		default:
			return err
		}
	}
	msg := "Connected to GitLab as " + u.Username
	v, _, err := cl.Version(ctx)
	if err := optional("version", err); err != nil {
		return provider.TestResult{}, err
	}
	if v != nil && v.Version != "" {
		details["version"] = v.Version
		details["revision"] = v.Revision
		msg = "Connected to GitLab " + v.Version + " as " + u.Username
	}
	tok, _, err := cl.CurrentToken(ctx)
	if err := optional("token's scopes", err); err != nil {
		return provider.TestResult{}, err
	}
	if tok != nil {
		details["tokenName"] = tok.Name
		details["scopes"] = tok.Scopes
		if tok.ExpiresAt != "" {
			details["tokenExpiresAt"] = tok.ExpiresAt
		}
	}
	if len(notes) > 0 {
		details["note"] = joinNotes(notes)
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

func joinNotes(notes []string) string {
	out := notes[0]
	for _, n := range notes[1:] {
		out += "; " + n
	}
	return out
}
