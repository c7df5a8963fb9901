package resend

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

// DefaultBaseURL is the Resend API root.
const DefaultBaseURL = "https://api.resend.com"

// Client calls the Resend API with one API key. It is safe for concurrent
// use. Every method takes ctx first and returns a *provider.Error on
// failure; no error text ever contains the key.
//
// API reference: https://resend.com/docs/api-reference/introduction
type Client struct {
	base *url.URL
	hc   *http.Client
	key  secret.Value

	// From is the default sender of the send_email action.
	From string
	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the Resend API at baseURL (empty means
// DefaultBaseURL). hc is the caller's client; it must not be nil. A bad base
// URL or a missing or malformed key is a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, apiKey secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "resend: no HTTP client"}
	}
	if err := checkKey(apiKey); err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, key: apiKey}, nil
}

func checkKey(k secret.Value) error {
	switch {
	case k.IsZero() || strings.TrimSpace(k.Reveal()) == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Resend API key is not set"}
	case strings.ContainsAny(k.Reveal(), "\r\n \t"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Resend API key must be a single word without spaces"}
	}
	return nil
}

// Domain is one sending domain (GET /domains).
type Domain struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Region    string `json:"region,omitempty"`
	CreatedAt string `json:"created_at,omitempty"`
}

// ListDomains lists the team's domains (GET /domains). A sending-only key
// gets an auth *provider.Error with Code "restricted_api_key".
//
// See https://resend.com/docs/api-reference/domains/list-domains.
func (c *Client) ListDomains(ctx context.Context) ([]Domain, error) {
	var out struct {
		Object string   `json:"object"`
		Data   []Domain `json:"data"`
	}
	if err := c.call(ctx, http.MethodGet, "GET /domains", "domains", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// SendEmailRequest is the body of POST /emails. From, To and Subject are
// required, and one of HTML and Text.
type SendEmailRequest struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	HTML    string   `json:"html,omitempty"`
	Text    string   `json:"text,omitempty"`
	Cc      []string `json:"cc,omitempty"`
	Bcc     []string `json:"bcc,omitempty"`
	ReplyTo []string `json:"reply_to,omitempty"`
	Tags    []Tag    `json:"tags,omitempty"`
}

// Tag is a custom name/value pair attached to an email.
type Tag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SendOptions are optional per-call settings of SendEmail.
type SendOptions struct {
	// IdempotencyKey (1–256 characters) makes Resend answer a retry within
	// 24 hours with the first result instead of sending again.
	IdempotencyKey string
}

// SendEmail sends one email (POST /emails) and returns its id.
//
// See https://resend.com/docs/api-reference/emails/send-email.
func (c *Client) SendEmail(ctx context.Context, req *SendEmailRequest, opts *SendOptions) (string, error) {
	h := http.Header{}
	if opts != nil && opts.IdempotencyKey != "" {
		if len(opts.IdempotencyKey) > 256 || strings.ContainsAny(opts.IdempotencyKey, "\r\n") {
			return "", provider.InputError("idempotencyKey", "must be one line of at most 256 characters")
		}
		h.Set("Idempotency-Key", opts.IdempotencyKey)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, http.MethodPost, "POST /emails", "emails", h, req, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &provider.Error{Kind: provider.ErrProvider, Message: "Resend accepted the email but answered without an id"}
	}
	return out.ID, nil
}

// call sends one request to path (relative to the base URL) and decodes a
// 2xx JSON answer into v.
func (c *Client) call(ctx context.Context, method, endpoint, path string, h http.Header, body, v any) error {
	ctx = provider.WithEndpoint(ctx, endpoint)
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &provider.Error{Kind: provider.ErrInvalid, Message: "resend: cannot encode the request: " + err.Error()}
		}
		rd = bytes.NewReader(b)
	}
	u := c.base.JoinPath(path)
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, method, u.String(), rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	if err != nil {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "resend: cannot build the request for " + endpoint}
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key.Reveal())
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.redact(providerhttp.TransportError(ctx, c.base.Host, err))
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
		msg := "expected a JSON answer from Resend; check the base URL (normally " + DefaultBaseURL + ")"
		if ex := providerhttp.Excerpt(b); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return nil
}

// apiError is Resend's error body:
// {"statusCode":403,"message":"API key is invalid","name":"invalid_api_key"}.
type apiError struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Name       string `json:"name"`
}

// sendingOnlyKey reports whether an answer is Resend's refusal of a
// sending-only key (401 restricted_api_key), which proves the key.
func sendingOnlyKey(status int, body []byte) bool {
	var ae apiError
	return status == http.StatusUnauthorized && json.Unmarshal(body, &ae) == nil && ae.Name == "restricted_api_key"
}

// checkResponse maps a non-2xx answer. The kind follows the status, with
// Resend's quirks: validation_error is a provider error even when sent with
// 403 (sending to other addresses before a domain is verified), and the
// quota names are rate limiting.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	e := &provider.Error{Kind: providerhttp.StatusKind(resp.StatusCode), Status: resp.StatusCode}
	var ae apiError
	if json.Unmarshal(body, &ae) == nil && (ae.Message != "" || ae.Name != "") {
		e.Code = providerhttp.Clip(ae.Name, 64)
		e.Message = providerhttp.Clip(ae.Message, 300)
		switch ae.Name {
		case "validation_error", "invalid_from_address", "missing_required_field", "invalid_attachment":
			e.Kind = provider.ErrProvider
		case "missing_api_key", "invalid_api_key", "restricted_api_key":
			e.Kind = provider.ErrAuth
		case "not_found":
			e.Kind = provider.ErrNotFound
		case "rate_limit_exceeded", "daily_quota_exceeded", "monthly_quota_exceeded":
			e.Kind = provider.ErrRateLimited
		}
		if e.Message == "" {
			e.Message = e.Code
		}
	} else {
		e.Message = providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Excerpt(body))
	}
	e.RetryAfter = providerhttp.RetryAfter(resp.Header, c.now())
	return e
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) redact(err error) error {
	return providerhttp.RedactError(err, c.key.Reveal())
}
