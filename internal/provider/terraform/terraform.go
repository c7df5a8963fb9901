// Package terraform is the adapter for the HCP Terraform (Terraform Cloud)
// and Terraform Enterprise API v2 (providers.md A7).
//
// Base URL convention: the API root including /api/v2 —
// https://app.terraform.io/api/v2 (the default) or https://<tfe-host>/api/v2.
package terraform

import (
	"context"
	"net/http"
	"strings"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "terraform"

// Field keys.
const (
	FieldToken         = "token"
	FieldOrganization  = "organization"
	FieldWebhookSecret = "webhookSecret"
)

// Provider is the Terraform adapter. It is stateless and safe for
// concurrent use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the Terraform provider.
func New() *Provider { return &Provider{} }

// Descriptor describes HCP Terraform.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "HCP Terraform / Terraform Enterprise",
		Category: provider.CategoryAutomation,
		Description: "Organizations, workspaces and runs on HCP Terraform (Terraform Cloud) or Terraform " +
			"Enterprise, and signed run notifications. Base URL: the API root, https://app.terraform.io/api/v2 " +
			"(default) or https://<tfe-host>/api/v2.",
		AuthKind:       provider.AuthBearer,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: "https://app.terraform.io/api/v2",
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       FieldToken,
				Label:     "API token",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "A user token (Account settings » Tokens) or a team token (Organization settings » Teams » " +
					"Team API token) with access to the workspaces ihub manages; organization tokens cannot " +
					"start runs. Resources the token may not see answer 404, not 403.",
			},
			{
				Key:   FieldOrganization,
				Label: "Organization",
				Type:  provider.FieldString,
				Help:  "The organization name (as in app.terraform.io/app/<organization>) ihub works in by default.",
			},
			{
				Key:       FieldWebhookSecret,
				Label:     "Notification token",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "The token set on the workspace's notification configuration (Workspace » Settings » " +
					"Notifications, destination Webhook). ihub verifies X-TFE-Notification-Signature " +
					"(HMAC-SHA512) with it.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook:  &provider.WebhookSpec{Scheme: "terraform"},
		DocsURL:  "https://developer.hashicorp.com/terraform/cloud-docs/api-docs",
		TestCall: "GET /api/v2/account/details and /api/v2/organizations/{organization}/workspaces",
		// 30 requests per second per user, shared by all its tokens
		// (providers.md A7).
		RateLimit: &provider.RateLimit{Requests: 30, PerSeconds: 1, Burst: 30},
	}
}

// client builds the connection's client, with the connection's
// organization as its default.
func client(hc *http.Client, c provider.Connection) (*Client, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Credentials[FieldToken])
	if err != nil {
		return nil, err
	}
	cl.Organization = c.Setting(FieldOrganization, "")
	return cl, nil
}

// product names the service behind host: HCP Terraform for
// app.terraform.io (and its EU region), Terraform Enterprise otherwise.
func product(host string) string {
	h := strings.ToLower(host)
	if h == "app.terraform.io" || h == "app.eu.terraform.io" {
		return "HCP Terraform"
	}
	return "Terraform Enterprise at " + host
}

// Test proves the token with GET /account/details and, when an organization
// is configured, counts its workspaces with GET
// /organizations/{organization}/workspaces?page[size]=1. Details:
// "username", "userId", "email", "serviceAccount" (team and organization
// tokens), "twoFactor", "rateLimit", "organization", "workspaceCount"; if
// the workspace listing fails with an auth, not-found or provider error the
// test still succeeds and "note" says why (the API answers 404 for
// organizations the token may not see). Test honours ctx and changes
// nothing.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := client(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	if cl.Organization != "" && !orgRE.MatchString(cl.Organization) {
		return provider.TestResult{}, errOrgSetting
	}
	a, resp, err := cl.AccountDetails(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{
		"username": a.Username, "userId": a.ID, "serviceAccount": a.IsServiceAccount,
		"twoFactor": a.TwoFactor.Enabled,
	}
	if a.Email != "" {
		details["email"] = a.Email
	}
	if resp.RateLimit > 0 {
		details["rateLimit"] = resp.RateLimit
	}
	msg := "Connected to " + product(cl.Host()) + " as " + a.Username
	if a.IsServiceAccount {
		msg += " (team or organization token)"
	}
	if org := cl.Organization; org != "" {
		details["organization"] = org
		ws, pg, _, err := cl.ListWorkspaces(ctx, org, &WorkspaceListOptions{PageSize: 1})
		switch kindOf(err) {
		case "":
			n := pg.TotalCount
			if n == 0 {
				n = len(ws)
			}
			details["workspaceCount"] = n
		case provider.ErrAuth, provider.ErrNotFound, provider.ErrProvider:
			details["note"] = "could not list the workspaces of organization " + org + ": " + err.Error()
		default:
			return provider.TestResult{}, err
		}
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}
