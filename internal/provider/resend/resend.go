// Package resend is the adapter for the Resend email API (providers.md A17)
// and its Svix-signed webhooks (B4).
//
// Base URL convention: the API root, https://api.resend.com (the default).
package resend

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// ID is the provider id.
const ID = "resend"

// Field keys.
const (
	FieldAPIKey        = "apiKey"
	FieldFrom          = "from"
	FieldWebhookSecret = "webhookSecret"
)

// Provider is the Resend adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the Resend provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Resend.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Resend",
		Category: provider.CategoryEmail,
		Description: "Send transactional email and alerts through Resend, and receive signed delivery, " +
			"bounce and complaint events.",
		AuthKind:       provider.AuthBearer,
		BaseURL:        provider.UsageOptional,
		DefaultBaseURL: DefaultBaseURL,
		Username:       provider.UsageNone,
		Fields: []provider.Field{
			{
				Key:       FieldAPIKey,
				Label:     "API key",
				Type:      provider.FieldSecret,
				Required:  true,
				Sensitive: true,
				Help: "resend.com » API Keys » Create API Key. Full access lets the connection test list your " +
					"domains; a Sending access key can only send (the test then reports it as send-only).",
				Placeholder: "re_…",
			},
			{
				Key:      FieldFrom,
				Label:    "From address",
				Type:     provider.FieldEmail,
				Required: true,
				Help:     "Default sender, e.g. ihub <alerts@example.com>; its domain must be verified in Resend » Domains.",
			},
			{
				Key:       FieldWebhookSecret,
				Label:     "Webhook signing secret",
				Type:      provider.FieldSecret,
				Sensitive: true,
				Help: "Resend » Webhooks » your endpoint » Signing secret (whsec_…). ihub verifies the " +
					"svix-signature header with it.",
			},
		},
		Capabilities: []provider.Capability{
			provider.CapTest, provider.CapNotify, provider.CapActions, provider.CapProxy, provider.CapWebhooks,
		},
		Webhook:  &provider.WebhookSpec{Scheme: "standard_webhooks", DeliveryIDHeader: "svix-id"},
		DocsURL:  "https://resend.com/docs/api-reference/introduction",
		TestCall: "GET /domains",
		// Resend's documented default: 2 requests per second per team.
		RateLimit: &provider.RateLimit{Requests: 2, PerSeconds: 1},
	}
}

// NewClient returns the *Client for c (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Credentials[FieldAPIKey])
	if err != nil {
		return nil, err
	}
	cl.From = c.Setting(FieldFrom, "")
	return cl, nil
}

// Test proves the key with GET /domains, which changes nothing and sends no
// email. A sending-only key is refused there with 401 restricted_api_key,
// which still proves the key: the test then succeeds and says so. Details:
// "access" ("full" or "sending"), and for full keys "domainCount",
// "domains" (name and status) and "verifiedDomains".
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(c.BaseURL, hc, c.Credentials[FieldAPIKey])
	if err != nil {
		return provider.TestResult{}, err
	}
	// A sending-only key's 401 is the answer that proves it: API metrics
	// record it as a success (any other refusal still counts as an error).
	domains, err := cl.ListDomains(provider.WithExpectedAnswer(ctx, sendingOnlyKey))
	if err != nil {
		var perr *provider.Error
		if errors.As(err, &perr) && perr.Code == "restricted_api_key" {
			return provider.TestResult{
				Message: "Connected to Resend with a sending-only API key",
				Details: map[string]any{"access": "sending"},
			}, nil
		}
		return provider.TestResult{}, err
	}
	names := make([]string, 0, len(domains))
	verified := []string{}
	for _, d := range domains {
		names = append(names, d.Name+" ("+d.Status+")")
		if d.Status == "verified" {
			verified = append(verified, d.Name)
		}
	}
	msg := "Connected to Resend: " + plural(len(domains), "domain") + ", " + strconv.Itoa(len(verified)) + " verified"
	return provider.TestResult{
		Message: msg,
		Details: map[string]any{
			"access":          "full",
			"domainCount":     len(domains),
			"domains":         names,
			"verifiedDomains": verified,
		},
	}, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// ProxyBase is the API root (provider.Proxyable).
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	base := c.BaseURL
	if strings.TrimSpace(base) == "" {
		base = DefaultBaseURL
	}
	return providerhttp.ParseBaseURL(base)
}

// Authorize adds "Authorization: Bearer <key>" (provider.Proxyable).
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	k := c.Credentials[FieldAPIKey]
	if err := checkKey(k); err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+k.Reveal())
	return nil
}

// SendEmailInput is the input of send_email.
type SendEmailInput struct {
	From    string   `json:"from,omitempty" doc:"Sender, e.g. ihub <alerts@example.com>; empty uses the integration's From address. Its domain must be verified in Resend." maxLength:"320"`
	To      []string `json:"to" doc:"Recipient addresses." minItems:"1" maxItems:"50"`
	Cc      []string `json:"cc,omitempty" doc:"Carbon-copy addresses." maxItems:"50"`
	Bcc     []string `json:"bcc,omitempty" doc:"Blind carbon-copy addresses." maxItems:"50"`
	ReplyTo []string `json:"replyTo,omitempty" doc:"Reply-To addresses." maxItems:"10"`
	Subject string   `json:"subject" doc:"Subject line." minLength:"1" maxLength:"998"`
	Text    string   `json:"text,omitempty" doc:"Plain-text body. At least one of text and html is needed."`
	HTML    string   `json:"html,omitempty" doc:"HTML body. At least one of text and html is needed."`
	// IdempotencyKey makes a retried call within 24 hours return the first
	// result instead of sending again.
	IdempotencyKey string `json:"idempotencyKey,omitempty" doc:"Optional key (1–256 characters) that makes Resend ignore a repeat of this call for 24 hours." maxLength:"256"`
}

// SendEmailOutput is the output of send_email.
type SendEmailOutput struct {
	// ID is Resend's email id.
	ID string `json:"id"`
}

// Actions lists Resend's actions (provider.ActionRunner).
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "send_email",
			Title: "Send email",
			Description: "Sends one email through Resend (POST /emails) and returns its id. The sender " +
				"defaults to the integration's From address.",
			Mutating: true,
		}, sendEmail),
	}
}

// sendEmail is the send_email action. The default sender comes from the
// client, which the provider builds with the connection's From setting.
func sendEmail(ctx context.Context, c *Client, in SendEmailInput) (SendEmailOutput, error) {
	from := strings.TrimSpace(in.From)
	if from == "" {
		from = c.From
	}
	if from == "" {
		// Either the integration or the input can supply it, so it stays a
		// configuration error (409).
		return SendEmailOutput{}, &provider.Error{Kind: provider.ErrInvalid, Message: "no sender: set the integration's From address or the from input"}
	}
	if _, err := mail.ParseAddress(from); err != nil {
		if strings.TrimSpace(in.From) == "" {
			return SendEmailOutput{}, &provider.Error{Kind: provider.ErrInvalid, Message: "the integration's From address is not a valid email address"}
		}
		return SendEmailOutput{}, provider.InputError("from", "the sender is not a valid email address")
	}
	if in.Text == "" && in.HTML == "" {
		return SendEmailOutput{}, provider.InputError("text", "the email needs a text or an html body")
	}
	id, err := c.SendEmail(ctx, &SendEmailRequest{
		From: from, To: in.To, Cc: in.Cc, Bcc: in.Bcc, ReplyTo: in.ReplyTo,
		Subject: in.Subject, Text: in.Text, HTML: in.HTML,
	}, &SendOptions{IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		return SendEmailOutput{}, err
	}
	return SendEmailOutput{ID: id}, nil
}
