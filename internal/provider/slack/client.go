package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// DefaultBaseURL is the Web API root.
const DefaultBaseURL = "https://slack.com/api"

// Client talks to Slack through an incoming webhook, the Web API with a bot
// token, or both. The webhook URL and the token are credentials: no error
// text ever contains them (webhook failures name the host only). It is
// safe for concurrent use; every method takes ctx first and returns a
// *provider.Error on failure.
//
// API reference: https://docs.slack.dev/
type Client struct {
	base    *url.URL
	hc      *http.Client
	token   secret.Value
	hook    *url.URL
	hookRaw string

	// DefaultChannel is where SendMessage posts with the bot token when no
	// channel is given.
	DefaultChannel string
	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client. baseURL is the Web API root (empty means
// DefaultBaseURL); webhookURL is the incoming webhook
// (https://hooks.slack.com/services/T…/B…/…) and botToken the xoxb-/xoxp-
// token; at least one of the two is needed. hc is the caller's client; it
// must not be nil. Problems are *provider.Error of kind invalid that never
// quote a credential.
func NewClient(baseURL string, hc *http.Client, webhookURL, botToken secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "slack: no HTTP client"}
	}
	c := &Client{base: u, hc: hc}
	if !botToken.IsZero() && strings.TrimSpace(botToken.Reveal()) != "" {
		if err := checkToken(botToken); err != nil {
			return nil, err
		}
		c.token = botToken
	}
	if raw := strings.TrimSpace(webhookURL.Reveal()); raw != "" {
		h, err := parseWebhook(raw)
		if err != nil {
			return nil, err
		}
		c.hook, c.hookRaw = h, raw
	}
	if c.hook == nil && c.token.IsZero() {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "set an incoming webhook URL or a bot token"}
	}
	return c, nil
}

func checkToken(t secret.Value) error {
	if strings.ContainsAny(t.Reveal(), " \t\r\n") {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Slack bot token must be a single word (xoxb-…)"}
	}
	return nil
}

func parseWebhook(raw string) (*url.URL, error) {
	bad := func(why string) error {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Slack incoming webhook URL " + why + "; copy it again from your Slack app's Incoming Webhooks page"}
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || strings.ContainsAny(raw, " \r\n\t"):
		return nil, bad("is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, bad("must start with https://")
	case u.Host == "" || u.User != nil || u.Fragment != "" || u.RawQuery != "":
		return nil, bad("is malformed")
	case !strings.Contains(u.Path, "/services/") && !strings.Contains(u.Path, "/workflows/") && !strings.Contains(u.Path, "/triggers/"):
		return nil, bad("must look like https://hooks.slack.com/services/T…/B…/…")
	}
	return u, nil
}

// HasWebhook and HasToken report which credentials the client has.
func (c *Client) HasWebhook() bool { return c.hook != nil }

// HasToken reports whether the client has a bot token.
func (c *Client) HasToken() bool { return !c.token.IsZero() }

// AuthTestResponse is the answer of auth.test.
type AuthTestResponse struct {
	URL    string `json:"url"`
	Team   string `json:"team"`
	User   string `json:"user"`
	TeamID string `json:"team_id"`
	UserID string `json:"user_id"`
	BotID  string `json:"bot_id,omitempty"`
	// Scopes is the token's scopes from the x-oauth-scopes header, nil
	// when Slack did not send it.
	Scopes []string `json:"-"`
}

// AuthTest checks the bot token (POST auth.test; no scope needed).
//
// See https://docs.slack.dev/reference/methods/auth.test.
func (c *Client) AuthTest(ctx context.Context) (*AuthTestResponse, error) {
	var out AuthTestResponse
	h, err := c.call(ctx, "auth.test", nil, &out)
	if err != nil {
		return nil, err
	}
	if s := h.Get("X-Oauth-Scopes"); s != "" {
		for _, sc := range strings.Split(s, ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				out.Scopes = append(out.Scopes, sc)
			}
		}
	}
	return &out, nil
}

// PostMessageParams is the body of chat.postMessage.
type PostMessageParams struct {
	Channel  string `json:"channel"`
	Text     string `json:"text"`
	ThreadTS string `json:"thread_ts,omitempty"`
	// Blocks is a Block Kit array, sent as is.
	Blocks json.RawMessage `json:"blocks,omitempty"`
}

// PostMessageResponse is the answer of chat.postMessage.
type PostMessageResponse struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// PostMessage posts with the bot token (POST chat.postMessage, scope
// chat:write).
//
// See https://docs.slack.dev/reference/methods/chat.postMessage.
func (c *Client) PostMessage(ctx context.Context, p *PostMessageParams) (*PostMessageResponse, error) {
	var out PostMessageResponse
	if _, err := c.call(ctx, "chat.postMessage", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WebhookMessage is the body of an incoming-webhook post.
type WebhookMessage struct {
	Text   string          `json:"text"`
	Blocks json.RawMessage `json:"blocks,omitempty"`
}

// SendWebhook posts msg through the incoming webhook; Slack answers 200
// with the plain text "ok".
//
// See https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks.
func (c *Client) SendWebhook(ctx context.Context, msg *WebhookMessage) error {
	status, body, err := c.postWebhook(ctx, msg)
	if err != nil {
		return err
	}
	if status == http.StatusOK && strings.TrimSpace(string(body)) == "ok" {
		return nil
	}
	return c.redact(unexpectedWebhookAnswer(body))
}

// ProbeWebhook checks the incoming webhook without posting: it sends an
// empty object, which a live webhook refuses with 400 no_text and a dead
// one with 403 invalid_token or 404 no_service. [?] This probe is inferred
// from Slack's documented error table, not a documented feature.
//
// The 400 no_text is recorded as a success in API metrics
// (provider.WithExpectedAnswer); every other error answer counts.
func (c *Client) ProbeWebhook(ctx context.Context) error {
	ctx = provider.WithExpectedAnswer(ctx, liveWebhookAnswer)
	status, body, err := c.postWebhook(ctx, struct{}{})
	if err == nil {
		// Nothing can be posted from an empty object; a 200 "ok" still
		// proves the webhook, anything else is not Slack.
		if status == http.StatusOK && strings.TrimSpace(string(body)) == "ok" {
			return nil
		}
		return c.redact(unexpectedWebhookAnswer(body))
	}
	var perr *provider.Error
	if errors.As(err, &perr) && perr.Status == http.StatusBadRequest && perr.Code == "no_text" {
		return nil
	}
	return err
}

// liveWebhookAnswer is the answer of a live webhook to ProbeWebhook.
func liveWebhookAnswer(status int, body []byte) bool {
	return status == http.StatusBadRequest && strings.TrimSpace(string(body)) == "no_text"
}

func unexpectedWebhookAnswer(body []byte) *provider.Error {
	msg := "expected \"ok\" from the Slack webhook"
	if ex := providerhttp.Excerpt(body); ex != "" {
		msg += "; it answered: " + ex
	}
	return &provider.Error{Kind: provider.ErrProvider, Message: msg}
}

// postWebhook posts v to the webhook; a 2xx answer returns its status and
// body, anything else a *provider.Error.
func (c *Client) postWebhook(ctx context.Context, v any) (int, []byte, error) {
	if c.hook == nil {
		return 0, nil, &provider.Error{Kind: provider.ErrInvalid, Message: "no Slack incoming webhook URL is set"}
	}
	ctx = provider.WithEndpoint(ctx, "POST /services/{team}/{bot}/{secret}")
	b, err := json.Marshal(v)
	if err != nil {
		return 0, nil, &provider.Error{Kind: provider.ErrInvalid, Message: "slack: cannot encode the message: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.hook.String(), bytes.NewReader(b))
	if err != nil {
		return 0, nil, &provider.Error{Kind: provider.ErrInvalid, Message: "slack: cannot build the webhook request"}
	}
	req.Header.Set("Content-Type", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, c.redact(providerhttp.TransportError(ctx, c.hook.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, nil, c.redact(c.webhookError(resp))
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return 0, nil, c.redact(err)
	}
	return resp.StatusCode, body, nil
}

var slug = regexp.MustCompile(`^[a-z][a-z0-9_]{1,80}$`)

// webhookTexts explains the documented webhook error codes.
var webhookTexts = map[string]string{
	"invalid_payload":                   "Slack could not parse the message",
	"no_text":                           "the message has no text",
	"user_not_found":                    "the user was not found",
	"action_prohibited":                 "a workspace admin restricted posting",
	"invalid_token":                     "the webhook was revoked or is invalid",
	"posting_to_general_channel_denied": "only admins may post to this channel",
	"team_disabled":                     "the workspace is disabled",
	"channel_not_found":                 "the channel was not found",
	"no_service":                        "the webhook was removed or disabled",
	"no_service_id":                     "the webhook was removed or disabled",
	"no_team":                           "the workspace was not found",
	"channel_is_archived":               "the channel is archived",
	"rollup_error":                      "Slack-side error",
}

// webhookError maps a non-2xx webhook answer, whose body is a plain-text
// code such as invalid_token (not JSON).
func (c *Client) webhookError(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	e := &provider.Error{Kind: providerhttp.StatusKind(resp.StatusCode), Status: resp.StatusCode, RetryAfter: providerhttp.RetryAfter(resp.Header, c.now())}
	// 410 (channel_is_archived), or a 404 naming a removed or disabled
	// webhook: posting there again cannot work.
	e.Gone = resp.StatusCode == http.StatusGone
	text := strings.TrimSpace(string(body))
	if slug.MatchString(text) {
		e.Code = text
		e.Message = text
		if why, ok := webhookTexts[text]; ok {
			e.Message = text + ": " + why
		}
		switch text {
		case "action_prohibited", "posting_to_general_channel_denied":
			e.Kind = provider.ErrProvider // a policy refusal, not a bad credential
		case "invalid_token", "team_disabled":
			e.Kind = provider.ErrAuth
		case "channel_not_found", "no_service", "no_service_id", "no_team", "channel_is_archived", "user_not_found":
			e.Kind = provider.ErrNotFound
		}
		if resp.StatusCode == http.StatusNotFound && slices.Contains([]string{"channel_not_found", "no_service", "no_service_id", "no_team"}, text) {
			e.Gone = true
		}
		return e
	}
	if ae := decodeAPIError(body); ae != nil && ae.Error != "" {
		e.Code, e.Message = ae.Error, ae.Error
		return e
	}
	e.Message = providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Excerpt(body))
	return e
}

// apiEnvelope is the Web API's {ok, error} envelope.
type apiEnvelope struct {
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
	Needed   string `json:"needed"`
	Provided string `json:"provided"`
}

func decodeAPIError(body []byte) *apiEnvelope {
	var e apiEnvelope
	if json.Unmarshal(body, &e) != nil {
		return nil
	}
	return &e
}

// call runs a Web API method with the bot token: POST <base>/<method> with
// a JSON body (nil for none). Slack reports most failures with HTTP 200 and
// {"ok":false,"error":"…"}: these are *provider.Error with Status 0 and the
// error code as Code.
func (c *Client) call(ctx context.Context, method string, body, v any) (http.Header, error) {
	if c.token.IsZero() {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "no Slack bot token is set"}
	}
	ctx = provider.WithEndpoint(ctx, "POST /api/"+method)
	var rd *bytes.Reader
	if body == nil {
		rd = bytes.NewReader(nil)
	} else {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "slack: cannot encode the request: " + err.Error()}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.JoinPath(method).String(), rd)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "slack: cannot build the request for " + method}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(ctx, c.base.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		rb := providerhttp.ReadErrorBody(resp)
		e := &provider.Error{Kind: providerhttp.StatusKind(resp.StatusCode), Status: resp.StatusCode, RetryAfter: providerhttp.RetryAfter(resp.Header, c.now())}
		if ae := decodeAPIError(rb); ae != nil && ae.Error != "" {
			e.Code, e.Message = providerhttp.Clip(ae.Error, 80), providerhttp.Clip(ae.Error, 200)
		} else {
			e.Message = providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Excerpt(rb))
		}
		return nil, c.redact(e)
	}
	b, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return nil, c.redact(err)
	}
	var env apiEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		msg := "expected a JSON answer from the Slack Web API; check the base URL (normally " + DefaultBaseURL + ")"
		if ex := providerhttp.Excerpt(b); ex != "" {
			msg += "; it answered: " + ex
		}
		return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	if !env.OK {
		return nil, c.redact(apiError(&env, resp.Header, c.now()))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Slack answered " + method + " in an unexpected shape"}
	}
	return resp.Header, nil
}

// apiError maps {"ok":false,"error":code}: token problems are auth,
// channel_not_found not_found, ratelimited rate_limited, the rest provider.
func apiError(env *apiEnvelope, h http.Header, now time.Time) *provider.Error {
	code := providerhttp.Clip(env.Error, 80)
	if code == "" {
		code = "unknown_error"
	}
	e := &provider.Error{Kind: provider.ErrProvider, Code: code, Message: code}
	switch code {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
		"no_permission", "missing_scope", "not_allowed_token_type", "ekm_access_denied", "org_login_required":
		e.Kind = provider.ErrAuth
	case "channel_not_found", "user_not_found", "thread_not_found", "message_not_found":
		e.Kind = provider.ErrNotFound
	case "ratelimited", "rate_limited":
		e.Kind = provider.ErrRateLimited
		e.RetryAfter = providerhttp.RetryAfter(h, now)
	}
	// chat.postMessage to a channel that was deleted (or that the bot
	// cannot see) or archived: posting there again cannot work until
	// someone changes the channel.
	e.Gone = code == "channel_not_found" || code == "is_archived"
	if code == "missing_scope" && env.Needed != "" {
		e.Message += " (needs " + providerhttp.Clip(env.Needed, 100)
		if env.Provided != "" {
			e.Message += "; the token has " + providerhttp.Clip(env.Provided, 200)
		}
		e.Message += ")"
	}
	return e
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) redact(err error) error {
	secrets := []string{c.token.Reveal()}
	if c.hook != nil {
		secrets = append(secrets, c.hookRaw, c.hook.EscapedPath())
	}
	return providerhttp.RedactError(err, secrets...)
}
