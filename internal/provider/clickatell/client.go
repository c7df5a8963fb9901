package clickatell

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// DefaultBaseURL is the Clickatell One API root.
const DefaultBaseURL = "https://platform.clickatell.com/v1"

// MaxBatch is the most messages one send request may carry (providers.md
// A15: keep batches below 100).
const MaxBatch = 99

// Client calls the Clickatell One API with an integration API key, sent as
// the raw Authorization header (no "Bearer"). It is safe for concurrent use.
// Every method takes ctx first and returns a *provider.Error on failure; no
// error text ever contains the key.
//
// API reference: https://docs.clickatell.com/
type Client struct {
	base *url.URL
	hc   *http.Client
	key  secret.Value
	from string // the integration's default sender

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the One API root baseURL (DefaultBaseURL
// when empty). hc is the caller's client and must not be nil. A bad base URL
// or a missing key is a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, apiKey secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "clickatell: no HTTP client"}
	}
	if strings.TrimSpace(apiKey.Reveal()) == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the Clickatell API key is not set"}
	}
	if strings.ContainsAny(apiKey.Reveal(), "\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the Clickatell API key must be a single line"}
	}
	return &Client{base: u, hc: hc, key: apiKey}, nil
}

// Balance is the account balance (GET /balance).
type Balance struct {
	Currency string  `json:"currency"`
	Balance  float64 `json:"balance"`
}

// Balance returns the account balance, the cheapest authenticated read.
//
// GET /v1/balance → {"currency":"ZAR","balance":123.45}.
func (c *Client) Balance(ctx context.Context) (*Balance, error) {
	ctx = provider.WithEndpoint(ctx, "GET /v1/balance")
	req, err := c.newRequest(ctx, http.MethodGet, "balance", nil)
	if err != nil {
		return nil, err
	}
	var b struct {
		Currency *string         `json:"currency"`
		Balance  json.RawMessage `json:"balance"`
		Error    json.RawMessage `json:"error"`
	}
	if _, err := c.do(req, &b); err != nil {
		return nil, err
	}
	if e := parseAPIError(b.Error); e != nil {
		return nil, c.redact(e.toError(0))
	}
	if b.Currency == nil || len(b.Balance) == 0 {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Clickatell answered the balance request without a balance; check that the base URL is the One API root (" + DefaultBaseURL + ")"}
	}
	amount, err := strconv.ParseFloat(strings.Trim(string(b.Balance), `"`), 64)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Clickatell answered the balance request with a balance that is not a number"}
	}
	return &Balance{Currency: *b.Currency, Balance: amount}, nil
}

// Message is one SMS to send.
type Message struct {
	// To is the recipient in international format without "+".
	To      string
	Content string
	// From is the optional sender number (two-way integrations).
	From string
}

// MessageResult is Clickatell's answer for one message.
type MessageResult struct {
	APIMessageID string `json:"apiMessageId"`
	Accepted     bool   `json:"accepted"`
	To           string `json:"to"`
	// ErrorCode and ErrorDescription are set for a rejected message.
	ErrorCode        string `json:"errorCode,omitempty"`
	ErrorDescription string `json:"errorDescription,omitempty"`
}

// SendMessages sends up to MaxBatch SMS in one request (POST /v1/message).
// Clickatell answers 202 when all were accepted and 207 when only some were;
// the per-message results say which. The error is non-nil only when the
// request as a whole failed.
func (c *Client) SendMessages(ctx context.Context, msgs []Message) ([]MessageResult, error) {
	if len(msgs) == 0 || len(msgs) > MaxBatch {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "clickatell: send between 1 and " + strconv.Itoa(MaxBatch) + " messages per request"}
	}
	type wireMsg struct {
		Channel string `json:"channel"`
		To      string `json:"to"`
		Content string `json:"content"`
		From    string `json:"from,omitempty"`
	}
	body := struct {
		Messages []wireMsg `json:"messages"`
	}{}
	for _, m := range msgs {
		body.Messages = append(body.Messages, wireMsg{Channel: "sms", To: m.To, Content: m.Content, From: m.From})
	}
	ctx = provider.WithEndpoint(ctx, "POST /v1/message")
	req, err := c.newRequest(ctx, http.MethodPost, "message", body)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Messages []struct {
			APIMessageID string          `json:"apiMessageId"`
			Accepted     bool            `json:"accepted"`
			To           string          `json:"to"`
			Error        json.RawMessage `json:"error"`
		} `json:"messages"`
		Error json.RawMessage `json:"error"`
	}
	if _, err := c.do(req, &resp); err != nil {
		return nil, err
	}
	if e := parseAPIError(resp.Error); e != nil {
		return nil, c.redact(e.toError(0))
	}
	if resp.Messages == nil {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Clickatell answered the send request without message results"}
	}
	out := make([]MessageResult, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		r := MessageResult{APIMessageID: m.APIMessageID, Accepted: m.Accepted, To: m.To}
		if e := parseAPIError(m.Error); e != nil {
			r.ErrorCode = e.Code
			r.ErrorDescription = providerhttp.Redact(providerhttp.Clip(e.Description, 300), c.key.Reveal())
		}
		out = append(out, r)
	}
	return out, nil
}

// SendMessage sends one SMS and returns its result; a message Clickatell
// did not accept is a *provider.Error of kind provider with Clickatell's
// error code and description.
func (c *Client) SendMessage(ctx context.Context, m Message) (*MessageResult, error) {
	res, err := c.SendMessages(ctx, []Message{m})
	if err != nil {
		return nil, err
	}
	if len(res) != 1 {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Clickatell answered one message with " + strconv.Itoa(len(res)) + " results"}
	}
	r := res[0]
	if !r.Accepted {
		msg := r.ErrorDescription
		if msg == "" {
			msg = "Clickatell did not accept the message"
		}
		return nil, &provider.Error{Kind: provider.ErrProvider, Code: r.ErrorCode, Message: msg}
	}
	return &r, nil
}

func (c *Client) newRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	u := c.base.JoinPath(path)
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "clickatell: cannot encode the request body"}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "clickatell: cannot build the request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// do sends req with the key, decodes a 2xx JSON answer into v and maps
// everything else to a *provider.Error.
func (c *Client) do(req *http.Request, v any) (*http.Response, error) {
	req.Header.Set("Authorization", c.key.Reveal())
	req.Header.Set("Accept", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(req.Context(), c.base.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, c.redact(c.checkResponse(resp))
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return resp, c.redact(err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		msg := "expected a JSON answer from Clickatell; check that the base URL is the One API root (" + DefaultBaseURL + ")"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return resp, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return resp, nil
}

// checkResponse maps a non-2xx answer: the kind from the status (401/403
// auth, 404 not found, 429 rate limited), the message from Clickatell's
// {"error":{"code","description"}} document, else a short excerpt.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	var doc struct {
		Error json.RawMessage `json:"error"`
	}
	var e *provider.Error
	if json.Unmarshal(body, &doc) == nil {
		if ae := parseAPIError(doc.Error); ae != nil {
			e = ae.toError(resp.StatusCode)
		}
	}
	if e == nil {
		e = &provider.Error{Status: resp.StatusCode, Message: providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Excerpt(body))}
	}
	e.Kind = providerhttp.StatusKind(resp.StatusCode)
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	e.RetryAfter = providerhttp.RetryAfter(resp.Header, now())
	return e
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.key.Reveal())
}

// apiError is Clickatell's error object. The One API sends
// {"code":1,"description":"..."}; the legacy Platform API sends a string
// "error" beside errorCode/errorDescription, which parseAPIError also
// accepts as a plain description.
type apiError struct {
	Code        string
	Description string
}

func (e *apiError) toError(status int) *provider.Error {
	msg := providerhttp.Clip(e.Description, 300)
	if msg == "" {
		msg = "Clickatell error " + e.Code
	}
	return &provider.Error{Kind: provider.ErrProvider, Status: status, Code: e.Code, Message: msg}
}

// parseAPIError decodes an "error" member; nil when it is absent or null.
func parseAPIError(raw json.RawMessage) *apiError {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var obj struct {
		Code        json.RawMessage `json:"code"`
		Description string          `json:"description"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		code := strings.Trim(string(bytes.TrimSpace(obj.Code)), `"`)
		if code == "null" {
			code = ""
		}
		if code == "" && obj.Description == "" {
			return nil
		}
		return &apiError{Code: code, Description: obj.Description}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) != "" {
		return &apiError{Description: s}
	}
	return nil
}
