package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// Client posts to one Teams channel webhook: a Workflows (Power Automate /
// Logic Apps) trigger URL, whose sig query parameter is the credential, or
// a legacy Office 365 connector URL (*.webhook.office.com), whose path is.
// No error text ever contains the URL, its path or its signature: failures
// name the host only. It is safe for concurrent use.
//
// Docs: https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
type Client struct {
	hook    *url.URL
	hc      *http.Client
	secrets []string
	legacy  bool

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the webhook at webhookURL. hc is the
// caller's client; it must not be nil. A missing or malformed URL is a
// *provider.Error of kind invalid that never quotes the URL.
func NewClient(hc *http.Client, webhookURL secret.Value) (*Client, error) {
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "teams: no HTTP client"}
	}
	raw := strings.TrimSpace(webhookURL.Reveal())
	if raw == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the Teams webhook URL is not set"}
	}
	bad := func(why string) error {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Teams webhook URL " + why + "; copy the HTTP POST URL again from the channel's workflow"}
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || strings.ContainsAny(raw, " \r\n\t"):
		return nil, bad("is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, bad("must start with https://")
	case u.Host == "" || u.User != nil || u.Fragment != "":
		return nil, bad("is malformed")
	case strings.Trim(u.Path, "/") == "":
		return nil, bad("has no path")
	}
	c := &Client{hook: u, hc: hc, secrets: []string{raw, u.RawQuery, u.EscapedPath()}}
	if sig := u.Query().Get("sig"); sig != "" {
		c.secrets = append(c.secrets, sig, url.QueryEscape(sig))
	}
	host := strings.ToLower(u.Hostname())
	c.legacy = strings.HasSuffix(host, ".webhook.office.com") || strings.Contains(u.Path, "/webhookb2/") ||
		(host == "outlook.office.com" && strings.HasPrefix(u.Path, "/webhook/"))
	return c, nil
}

// Legacy reports whether the URL is a retired Office 365 connector URL.
func (c *Client) Legacy() bool { return c.legacy }

// Result is what Teams answered to an accepted post.
type Result struct {
	// Status is the HTTP status: 202 for Workflows (the flow then runs
	// asynchronously: its failures only show in the flow's run history),
	// 200 for legacy connectors.
	Status int
}

// Post sends payload (a message with Adaptive Card attachments, see
// CardMessage) to the webhook. A 2xx answer whose body reports a delivery
// failure (legacy connectors answer 200 "Webhook message delivery failed
// …") or is an HTML page is a provider error.
func (c *Client) Post(ctx context.Context, payload any) (*Result, error) {
	ctx = provider.WithEndpoint(ctx, c.endpoint())
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "teams: cannot encode the message: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.hook.String(), bytes.NewReader(b))
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "teams: cannot build the request"}
	}
	req.Header.Set("Content-Type", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(ctx, c.hook.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.redact(c.checkResponse(resp))
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return nil, c.redact(err)
	}
	if err := successBody(resp.StatusCode, body); err != nil {
		return nil, c.redact(err)
	}
	return &Result{Status: resp.StatusCode}, nil
}

func (c *Client) endpoint() string {
	if c.legacy {
		return "POST /webhookb2/{webhook}"
	}
	return "POST /workflows/{id}/triggers/manual/paths/invoke"
}

// successBody checks the body of a 2xx answer: empty (Workflows, 202) and
// "1" (legacy connectors, 200) are success; so is any other plain answer
// to a 202 (a flow may respond with text of its own). A legacy delivery
// failure, an error object or an HTML page is a provider error.
func successBody(status int, body []byte) *provider.Error {
	s := strings.TrimSpace(string(body))
	switch {
	case s == "" || s == "1":
		return nil
	case strings.HasPrefix(s, "Webhook message delivery failed"):
		return &provider.Error{Kind: provider.ErrProvider, Message: providerhttp.Clip(s, 300)}
	}
	if code, msg := errorObject(body); msg != "" || code != "" {
		return &provider.Error{Kind: provider.ErrProvider, Code: code, Message: providerhttp.Clip(firstNonEmpty(msg, code), 300)}
	}
	if strings.HasPrefix(s, "<") {
		msg := "Teams answered with an HTML page instead of accepting the message; check the webhook URL"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += ": " + ex
		}
		return &provider.Error{Kind: provider.ErrProvider, Message: msg}
	}
	if status == http.StatusAccepted {
		return nil
	}
	return &provider.Error{Kind: provider.ErrProvider, Message: "unexpected answer from Teams: " + providerhttp.Excerpt(body)}
}

// errorObject reads the Logic Apps error body {"error":{"code","message"}}
// [?] (shape from third-party reports, not a Microsoft reference page).
func errorObject(body []byte) (code, msg string) {
	var e struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == nil {
		return "", ""
	}
	return e.Error.Code, e.Error.Message
}

func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	e := &provider.Error{Kind: providerhttp.StatusKind(resp.StatusCode), Status: resp.StatusCode}
	if code, msg := errorObject(body); code != "" || msg != "" {
		e.Code = providerhttp.Clip(code, 100)
		e.Message = providerhttp.Clip(firstNonEmpty(msg, code), 300)
	} else {
		e.Message = providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Excerpt(body))
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	e.RetryAfter = providerhttp.RetryAfter(resp.Header, now())
	return e
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (c *Client) redact(err error) error {
	return providerhttp.RedactError(err, c.secrets...)
}

// Fact is one name/value row of a card's FactSet.
type Fact struct {
	Title string `json:"title" doc:"Name of the row." maxLength:"200"`
	Value string `json:"value" doc:"Value of the row." maxLength:"2000"`
}

// Card is what CardMessage renders: an optional bold title, the text
// (Teams renders a markdown subset), optional facts and an optional link
// button.
type Card struct {
	Title     string
	Text      string
	Facts     []Fact
	LinkURL   string
	LinkTitle string
}

// CardMessage wraps card in the message envelope Workflows webhooks expect
// (and legacy connectors accept): {"type":"message","attachments":[{
// "contentType":"application/vnd.microsoft.card.adaptive","content":{…}}]},
// Adaptive Card version 1.4.
func CardMessage(card Card) map[string]any {
	body := []any{}
	if card.Title != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": card.Title, "weight": "Bolder", "size": "Medium", "wrap": true})
	}
	body = append(body, map[string]any{"type": "TextBlock", "text": card.Text, "wrap": true})
	if len(card.Facts) > 0 {
		body = append(body, map[string]any{"type": "FactSet", "facts": card.Facts})
	}
	content := map[string]any{
		"type":    "AdaptiveCard",
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": "1.4",
		"body":    body,
	}
	if card.LinkURL != "" {
		title := card.LinkTitle
		if title == "" {
			title = "Open"
		}
		content["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": title, "url": card.LinkURL}}
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     content,
		}},
	}
}
