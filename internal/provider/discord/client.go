package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// Client calls one Discord webhook. The webhook URL is the credential (its
// last path segment is the webhook token), so no error text ever contains
// the URL or the token: failures name the host only. It is safe for
// concurrent use; every method takes ctx first and returns a
// *provider.Error on failure.
//
// API reference: https://discord.com/developers/docs/resources/webhook
type Client struct {
	hook  *url.URL
	hc    *http.Client
	raw   string
	token string

	// Username is the default author name of send_message ("" uses the
	// webhook's own name).
	Username string
	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

var hookPath = regexp.MustCompile(`^(.*)/api(/v[0-9]+)?/webhooks/([0-9]+)/([A-Za-z0-9_.-]+)/?$`)

// NewClient returns a client for the webhook at webhookURL
// (https://discord.com/api/webhooks/<id>/<token>, optionally /api/v10/…; a
// thread_id query parameter is kept). hc is the caller's client; it must
// not be nil. A missing or malformed URL is a *provider.Error of kind
// invalid that never quotes the URL.
func NewClient(hc *http.Client, webhookURL secret.Value) (*Client, error) {
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "discord: no HTTP client"}
	}
	raw := strings.TrimSpace(webhookURL.Reveal())
	if raw == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the Discord webhook URL is not set"}
	}
	u, err := url.Parse(raw)
	bad := func(why string) error {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Discord webhook URL " + why + "; copy it again from the channel's Integrations » Webhooks"}
	}
	switch {
	case err != nil || strings.ContainsAny(raw, " \r\n\t"):
		return nil, bad("is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, bad("must start with https://")
	case u.Host == "" || u.User != nil || u.Fragment != "":
		return nil, bad("is malformed")
	}
	m := hookPath.FindStringSubmatch(u.Path)
	if m == nil {
		return nil, bad("must look like https://discord.com/api/webhooks/<id>/<token>")
	}
	q := u.Query()
	for k := range q {
		if k != "thread_id" {
			return nil, bad("may only carry a thread_id parameter")
		}
	}
	return &Client{hook: u, hc: hc, raw: raw, token: m[4]}, nil
}

// Webhook is the webhook object GET answers with (without its token).
type Webhook struct {
	ID            string `json:"id"`
	Type          int    `json:"type"`
	GuildID       string `json:"guild_id,omitempty"`
	ChannelID     string `json:"channel_id,omitempty"`
	Name          string `json:"name,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
}

// Webhook fetches the webhook object (GET on the webhook URL). It changes
// nothing and posts nothing; a deleted webhook is a not_found
// *provider.Error (Discord code 10015, "Unknown Webhook").
//
// See https://discord.com/developers/docs/resources/webhook#get-webhook-with-token.
func (c *Client) Webhook(ctx context.Context) (*Webhook, error) {
	var w Webhook
	if err := c.do(ctx, http.MethodGet, "GET /webhooks/{id}/{token}", nil, nil, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// ExecuteParams is the body of an execute-webhook call. At least one of
// Content and Embeds is needed; Content is at most 2000 characters.
type ExecuteParams struct {
	Content         string           `json:"content,omitempty"`
	Username        string           `json:"username,omitempty"`
	AvatarURL       string           `json:"avatar_url,omitempty"`
	Embeds          []Embed          `json:"embeds,omitempty"`
	AllowedMentions *AllowedMentions `json:"allowed_mentions,omitempty"`
}

// Embed is a rich embed (the subset ihub uses).
type Embed struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	Color       int    `json:"color,omitempty"`
}

// AllowedMentions controls which mentions in Content notify anyone. An
// empty Parse list suppresses every mention.
type AllowedMentions struct {
	Parse []string `json:"parse"`
}

// Message is the created message (?wait=true answers with it).
type Message struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	Content   string `json:"content"`
	Timestamp string `json:"timestamp"`
}

// ExecuteOptions are optional settings of Execute.
type ExecuteOptions struct {
	// ThreadID posts into a thread of the webhook's channel.
	ThreadID string
}

// Execute posts a message through the webhook (POST ?wait=true, so that
// Discord answers 200 with the created message instead of 204).
//
// See https://discord.com/developers/docs/resources/webhook#execute-webhook.
func (c *Client) Execute(ctx context.Context, p *ExecuteParams, opts *ExecuteOptions) (*Message, error) {
	q := url.Values{"wait": {"true"}}
	if opts != nil && opts.ThreadID != "" {
		q.Set("thread_id", opts.ThreadID)
	}
	var m Message
	if err := c.do(ctx, http.MethodPost, "POST /webhooks/{id}/{token}", q, p, &m); err != nil {
		return nil, err
	}
	if m.ID == "" {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Discord accepted the message but answered without a message id"}
	}
	return &m, nil
}

func (c *Client) do(ctx context.Context, method, endpoint string, extra url.Values, body, v any) error {
	ctx = provider.WithEndpoint(ctx, endpoint)
	u := *c.hook
	q := u.Query()
	for k, vs := range extra {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	var req *http.Request
	var err error
	if body != nil {
		b, merr := json.Marshal(body)
		if merr != nil {
			return &provider.Error{Kind: provider.ErrInvalid, Message: "discord: cannot encode the message: " + merr.Error()}
		}
		req, err = http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(b))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	if err != nil {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "discord: cannot build the request"}
	}
	req.Header.Set("Accept", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.redact(providerhttp.TransportError(ctx, c.hook.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.redact(c.checkResponse(resp))
	}
	b, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return c.redact(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		msg := "expected a JSON answer from Discord's webhook"
		if ex := providerhttp.Excerpt(b); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return nil
}

// apiError is Discord's error body. Code is a JSON error code (10015
// Unknown Webhook, 50027 Invalid Webhook Token, 50035 Invalid Form Body);
// RetryAfter (seconds, fractional) comes with 429.
type apiError struct {
	Message    string          `json:"message"`
	Code       int             `json:"code"`
	RetryAfter float64         `json:"retry_after"`
	Global     bool            `json:"global"`
	Errors     json.RawMessage `json:"errors"`
}

func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	e := &provider.Error{Kind: providerhttp.StatusKind(resp.StatusCode), Status: resp.StatusCode}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	e.RetryAfter = providerhttp.RetryAfter(resp.Header, now())
	var ae apiError
	if json.Unmarshal(body, &ae) == nil && ae.Message != "" {
		e.Message = providerhttp.Clip(ae.Message, 300)
		if ae.Code != 0 {
			e.Code = strconv.Itoa(ae.Code)
		}
		if first := firstFieldError(ae.Errors); first != "" {
			e.Message += ": " + providerhttp.Clip(first, 200)
		}
		if e.RetryAfter <= 0 && ae.RetryAfter > 0 && ae.RetryAfter < 7*24*3600 {
			e.RetryAfter = time.Duration(ae.RetryAfter * float64(time.Second))
		}
		if ae.Code == 10015 {
			// Repeated requests to a deleted webhook get the IP restricted.
			e.Message += " (the webhook was deleted; stop using this URL)"
			e.Gone = resp.StatusCode == http.StatusNotFound
		}
	} else {
		e.Message = providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Excerpt(body))
	}
	return e
}

// firstFieldError digs the first message out of Discord's nested
// {"content":{"_errors":[{"code":"…","message":"…"}]}} error map, as
// "content: message" (fields visited in sorted order).
func firstFieldError(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var walk func(path string, v any) string
	walk = func(path string, v any) string {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		if list, ok := m["_errors"].([]any); ok && len(list) > 0 {
			if first, ok := list[0].(map[string]any); ok {
				if msg, ok := first["message"].(string); ok && msg != "" {
					if path == "" {
						return msg
					}
					return path + ": " + msg
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if s := walk(p, m[k]); s != "" {
				return s
			}
		}
		return ""
	}
	return walk("", v)
}

func (c *Client) redact(err error) error {
	return providerhttp.RedactError(err, c.raw, c.token)
}
