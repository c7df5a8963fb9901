// Package teams is the adapter for Microsoft Teams channel webhooks
// (providers.md A13): Workflows (Power Automate) webhook URLs, and legacy
// Office 365 connector URLs while they still work.
//
// Base URL convention: none — the webhook URL is the credential and names
// the endpoint. Teams offers no read-only endpoint, so there is no
// connection test: a test card is only sent on explicit user action.
package teams

import (
	"context"
	"net/http"
	"strings"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "teams"

// FieldWebhookURL is the webhook URL credential.
const FieldWebhookURL = "webhookUrl"

// Provider is the Teams adapter. It is stateless and safe for concurrent use.
type Provider struct{}

// Teams is deliberately not a provider.Checker: neither webhook variant
// has a read-only endpoint (providers.md A13), and a test must not post.
var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
)

// New returns the Teams provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Microsoft Teams.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "Microsoft Teams",
		Category: provider.CategoryCommunication,
		Description: "Post messages and alerts (Adaptive Cards) to a Teams channel through a Workflows " +
			"webhook.",
		AuthKind: provider.AuthURLSecret,
		BaseURL:  provider.UsageNone,
		Username: provider.UsageNone,
		Fields: []provider.Field{{
			Key:       FieldWebhookURL,
			Label:     "Workflow webhook URL",
			Type:      provider.FieldSecret,
			Required:  true,
			Sensitive: true,
			Help: "In Teams, open the channel's Workflows, use the template \"Send webhook alerts to a " +
				"channel\" (or \"Post to a channel when a webhook request is received\") and copy the HTTP " +
				"POST URL. Its sig= parameter is the credential. Legacy connector URLs " +
				"(*.webhook.office.com) are being retired by Microsoft.",
		}},
		Capabilities: []provider.Capability{provider.CapNotify, provider.CapActions},
		DocsURL:      "https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook",
	}
}

// NewClient returns the *Client for c (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return NewClient(hc, c.Credentials[FieldWebhookURL])
}

// SendMessageInput is the input of send_message.
type SendMessageInput struct {
	Title     string `json:"title,omitempty" doc:"Optional bold heading of the card." maxLength:"200"`
	Text      string `json:"text" doc:"Message text; Teams renders a subset of markdown." minLength:"1" maxLength:"20000"`
	Facts     []Fact `json:"facts,omitempty" doc:"Optional name/value rows shown under the text (title and value of each)." maxItems:"30"`
	LinkURL   string `json:"linkUrl,omitempty" doc:"Optional URL for a button under the card." format:"uri" maxLength:"2048"`
	LinkTitle string `json:"linkTitle,omitempty" doc:"Label of the link button; default Open." maxLength:"80"`
}

// SendMessageOutput is the output of send_message.
type SendMessageOutput struct {
	// Status is Teams' HTTP status: 202 for Workflows, 200 for legacy
	// connectors.
	Status int `json:"status"`
	// Note explains what acceptance means.
	Note string `json:"note"`
}

// Actions lists Teams' actions (provider.ActionRunner).
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "send_message",
			Title: "Send message",
			Description: "Posts an Adaptive Card (title, text, facts, link button) to the channel through the " +
				"webhook (POST on the webhook URL). Workflows answer 202 and run asynchronously: a flow " +
				"failure after that only shows in the flow's run history.",
			Mutating: true,
		}, sendMessage),
	}
}

func sendMessage(ctx context.Context, c *Client, in SendMessageInput) (SendMessageOutput, error) {
	if strings.TrimSpace(in.Text) == "" {
		return SendMessageOutput{}, provider.InputError("text", "the message text is empty")
	}
	res, err := c.Post(ctx, CardMessage(Card{
		Title: in.Title, Text: in.Text, Facts: in.Facts, LinkURL: in.LinkURL, LinkTitle: in.LinkTitle,
	}))
	if err != nil {
		return SendMessageOutput{}, err
	}
	out := SendMessageOutput{Status: res.Status, Note: "Teams accepted the message."}
	if res.Status == http.StatusAccepted {
		out.Note = "The workflow accepted the message and runs asynchronously; a failure after this shows only in its run history."
	}
	if c.Legacy() {
		out.Note += " This is a legacy Office 365 connector URL, which Microsoft is retiring: move to a Workflows webhook."
	}
	return out, nil
}
