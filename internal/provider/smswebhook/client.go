package smswebhook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// Auth modes.
const (
	AuthNone   = "none"
	AuthBearer = "bearer"
	AuthBasic  = "basic"
	AuthHeader = "header"
	AuthQuery  = "query"
)

// Config is the gateway's request shape and authentication (the
// descriptor's settings). Empty values take the descriptor's defaults.
type Config struct {
	// URL is the gateway's full send URL.
	URL string
	// Method is POST (parameters in the body) or GET (in the query).
	Method string
	// BodyFormat is json or form, for POST.
	BodyFormat                       string
	ToParam, MessageParam, FromParam string
	From                             string
	AuthMode                         string
	Username                         string
	Token, Password                  secret.Value
	HeaderName, QueryParam           string
}

// Client sends SMS through a generic HTTP gateway. It is safe for
// concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure; error texts name only the gateway's host,
// never the URL (its query may carry the token) or a credential.
type Client struct {
	u   *url.URL
	hc  *http.Client
	cfg Config

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

var (
	paramName  = regexp.MustCompile(`^[A-Za-z0-9_.\[\]-]{1,64}$`)
	headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
	// reservedHeaders may not carry the token: net/http or the request
	// itself owns them.
	reservedHeaders = map[string]bool{
		"Host": true, "Content-Length": true, "Content-Type": true, "Transfer-Encoding": true,
		"Connection": true, "Cookie": true, "Accept": true, "User-Agent": true, "Te": true, "Upgrade": true,
	}
)

func invalid(msg string) error { return &provider.Error{Kind: provider.ErrInvalid, Message: msg} }

// NewClient checks cfg and returns a client. hc is the caller's client and
// must not be nil. Every configuration problem is a *provider.Error of kind
// invalid that names the setting, never its secret value.
func NewClient(hc *http.Client, cfg Config) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	// The send URL is called as configured: keep a trailing slash that
	// ParseBaseURL trims.
	if strings.HasSuffix(strings.TrimSpace(cfg.URL), "/") {
		u.Path += "/"
	}
	if hc == nil {
		return nil, invalid("smswebhook: no HTTP client")
	}
	def := func(p *string, v string) {
		*p = strings.TrimSpace(*p)
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.Method, http.MethodPost)
	def(&cfg.BodyFormat, "json")
	def(&cfg.ToParam, "to")
	def(&cfg.MessageParam, "message")
	def(&cfg.FromParam, "from")
	def(&cfg.AuthMode, AuthNone)
	def(&cfg.HeaderName, "X-API-Key")
	def(&cfg.QueryParam, "api_key")
	cfg.Method = strings.ToUpper(cfg.Method)
	cfg.From = strings.TrimSpace(cfg.From)
	switch {
	case cfg.Method != http.MethodPost && cfg.Method != http.MethodGet:
		return nil, invalid("the HTTP method must be POST or GET")
	case cfg.BodyFormat != "json" && cfg.BodyFormat != "form":
		return nil, invalid("the body format must be json or form")
	case !paramName.MatchString(cfg.ToParam) || !paramName.MatchString(cfg.MessageParam) || !paramName.MatchString(cfg.FromParam):
		return nil, invalid("the parameter names must be 1 to 64 letters, digits, _ . - [ or ]")
	case cfg.ToParam == cfg.MessageParam || cfg.ToParam == cfg.FromParam || cfg.MessageParam == cfg.FromParam:
		return nil, invalid("the recipient, message and sender parameters need different names")
	case strings.ContainsAny(cfg.From, "\r\n"):
		return nil, invalid("the sender must be a single line")
	}
	if strings.ContainsAny(cfg.Token.Reveal(), "\r\n") || strings.ContainsAny(cfg.Password.Reveal(), "\r\n") ||
		strings.ContainsAny(cfg.Username, "\r\n") {
		return nil, invalid("the user name, token and password must be single lines")
	}
	switch cfg.AuthMode {
	case AuthNone:
	case AuthBearer:
		if cfg.Token.IsZero() {
			return nil, invalid("the bearer auth mode needs the token")
		}
	case AuthHeader:
		if cfg.Token.IsZero() {
			return nil, invalid("the header auth mode needs the token")
		}
		if !headerName.MatchString(cfg.HeaderName) || reservedHeaders[http.CanonicalHeaderKey(cfg.HeaderName)] {
			return nil, invalid("the header name is not a valid header for a token")
		}
	case AuthQuery:
		if cfg.Token.IsZero() {
			return nil, invalid("the query auth mode needs the token")
		}
		if !paramName.MatchString(cfg.QueryParam) {
			return nil, invalid("the query parameter name must be 1 to 64 letters, digits, _ . - [ or ]")
		}
		if cfg.Method == http.MethodGet && (cfg.QueryParam == cfg.ToParam || cfg.QueryParam == cfg.MessageParam || cfg.QueryParam == cfg.FromParam) {
			return nil, invalid("the token's query parameter must differ from the message parameters")
		}
	case AuthBasic:
		if strings.TrimSpace(cfg.Username) == "" || cfg.Password.IsZero() {
			return nil, invalid("the basic auth mode needs the user name and the password")
		}
		if strings.Contains(cfg.Username, ":") {
			return nil, invalid("the basic auth user name must not contain a colon")
		}
	default:
		return nil, invalid("the auth mode must be none, bearer, basic, header or query")
	}
	return &Client{u: u, hc: hc, cfg: cfg}, nil
}

// Host is the gateway's host, the only part of the URL errors name.
func (c *Client) Host() string { return c.u.Host }

// SMS is one message to send.
type SMS struct {
	To      string
	Message string
	// From overrides the configured sender; empty uses it.
	From string
}

// Result is a gateway's answer to a send.
type Result struct {
	// Status is the HTTP status (2xx).
	Status int
	// MessageID is the id the gateway returned, when its JSON answer has
	// an id, messageId or message_id member.
	MessageID string
	// Response is a short plain-text excerpt of the answer.
	Response string
}

// Send sends one SMS: the recipient, message and sender (when set) under
// the configured parameter names, as a JSON object or form fields for POST
// or as query parameters for GET, with the configured authentication. A 2xx
// answer is success unless it is an HTML page (a login or error page: the
// URL is wrong) or a JSON object that plainly reports a failure
// (success/ok false, status "error"/"failed"/"failure") [?]: generic
// gateways have no single convention, so only these are recognised.
func (c *Client) Send(ctx context.Context, m SMS) (*Result, error) {
	from := m.From
	if from == "" {
		from = c.cfg.From
	}
	params := [][2]string{{c.cfg.ToParam, m.To}, {c.cfg.MessageParam, m.Message}}
	if from != "" {
		params = append(params, [2]string{c.cfg.FromParam, from})
	}
	u := *c.u
	var body io.Reader
	contentType := ""
	if c.cfg.Method == http.MethodGet {
		q := u.Query()
		for _, p := range params {
			q.Set(p[0], p[1])
		}
		u.RawQuery = q.Encode()
	} else if c.cfg.BodyFormat == "form" {
		f := url.Values{}
		for _, p := range params {
			f.Set(p[0], p[1])
		}
		body, contentType = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	} else {
		obj := make(map[string]string, len(params))
		for _, p := range params {
			obj[p[0]] = p[1]
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, invalid("smswebhook: cannot encode the message")
		}
		body, contentType = bytes.NewReader(b), "application/json"
	}
	ctx = provider.WithEndpoint(ctx, c.cfg.Method+" {send URL}")
	req, err := c.newRequest(ctx, c.cfg.Method, &u, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json, text/plain;q=0.9, */*;q=0.5")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(ctx, c.u.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.redact(c.checkResponse(resp))
	}
	b, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return nil, c.redact(err)
	}
	if isHTML(resp.Header.Get("Content-Type"), b) {
		msg := "the gateway answered with a web page instead of an API answer; check the send URL"
		if ex := providerhttp.Excerpt(b); ex != "" {
			msg += "; it answered: " + ex
		}
		return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Status: resp.StatusCode, Message: msg})
	}
	res := &Result{Status: resp.StatusCode, Response: c.secretFree(providerhttp.Clip(string(bytes.ToValidUTF8(b, nil)), 300))}
	var doc map[string]any
	if json.Unmarshal(b, &doc) == nil {
		if msg, failed := reportsFailure(doc); failed {
			if msg == "" {
				msg = "the gateway reported a failure"
			}
			return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: providerhttp.Clip(msg, 300)})
		}
		for _, k := range []string{"id", "messageId", "message_id", "messageID"} {
			if res.MessageID != "" {
				break
			}
			switch v := doc[k].(type) {
			case string:
				res.MessageID = c.secretFree(providerhttp.Clip(v, 128))
			case float64:
				res.MessageID = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
	}
	return res, nil
}

// ProbeResult is the outcome of Probe.
type ProbeResult struct {
	// Status is the HTTP status of the HEAD answer.
	Status int
	// AuthAccepted is true when credentials are configured and the gateway
	// answered 2xx: it did not reject them (a gateway that checks nothing
	// on HEAD also answers 2xx).
	AuthAccepted bool
}

// Probe sends HEAD to the send URL with the configured authentication and
// no message parameters, so no SMS can be sent: HEAD is a safe method and
// there is neither a recipient nor a text. 401/403 are auth errors, 404/410
// not found, 429 rate limited, 5xx provider errors; any other answer
// (2xx, or 400/405/422 from a gateway that wants its parameters or POST)
// means the gateway is reachable and did not reject the credentials. Those
// 4xx answers are recorded as successes in API metrics
// (provider.WithExpectedAnswer).
func (c *Client) Probe(ctx context.Context) (*ProbeResult, error) {
	u := *c.u
	ctx = provider.WithEndpoint(ctx, "HEAD {send URL}")
	ctx = provider.WithExpectedAnswer(ctx, reachedGateway)
	req, err := c.newRequest(ctx, http.MethodHead, &u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(ctx, c.u.Host, err))
	}
	defer providerhttp.Drain(resp)
	switch kind := providerhttp.StatusKind(resp.StatusCode); {
	case resp.StatusCode >= 500 || kind == provider.ErrAuth || kind == provider.ErrNotFound || kind == provider.ErrRateLimited:
		e := c.checkResponse(resp)
		if kind == provider.ErrNotFound {
			e.Message = "the gateway does not know the send URL"
		}
		return nil, c.redact(e)
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	return &ProbeResult{Status: resp.StatusCode, AuthAccepted: ok && c.cfg.AuthMode != AuthNone}, nil
}

// reachedGateway reports whether a HEAD answer is one Probe takes for a
// reachable gateway that did not reject the credentials.
func reachedGateway(status int, _ []byte) bool {
	return status < 500 && providerhttp.StatusKind(status) == provider.ErrProvider
}

// newRequest builds a request to u with the configured authentication.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, body io.Reader) (*http.Request, error) {
	tok := c.cfg.Token.Reveal()
	if c.cfg.AuthMode == AuthQuery {
		q := u.Query()
		q.Set(c.cfg.QueryParam, tok)
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, invalid("smswebhook: cannot build the request")
	}
	switch c.cfg.AuthMode {
	case AuthBearer:
		req.Header.Set("Authorization", "Bearer "+tok)
	case AuthHeader:
		req.Header.Set(c.cfg.HeaderName, tok)
	case AuthBasic:
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password.Reveal())
	}
	providerhttp.SetUserAgent(req, c.UserAgent)
	return req, nil
}

// checkResponse maps a non-2xx answer: the kind from the status, the
// message from a JSON error member (message, error, error_description,
// description, detail) or an excerpt of the body.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg := ""
	var doc map[string]any
	if json.Unmarshal(body, &doc) == nil {
		msg = errorText(doc)
	}
	if msg == "" {
		msg = providerhttp.Excerpt(body)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return &provider.Error{
		Kind:       providerhttp.StatusKind(resp.StatusCode),
		Status:     resp.StatusCode,
		Message:    providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Clip(msg, 300)),
		RetryAfter: providerhttp.RetryAfter(resp.Header, now()),
	}
}

// errorText finds a human error text in a JSON error document.
func errorText(doc map[string]any) string {
	for _, k := range []string{"message", "error_description", "error", "description", "detail", "errorMessage", "reason"} {
		switch v := doc[k].(type) {
		case string:
			if strings.TrimSpace(v) != "" {
				return v
			}
		case map[string]any:
			if s := errorText(v); s != "" {
				return s
			}
		}
	}
	return ""
}

// reportsFailure recognises the common in-body failure flags of a 2xx JSON
// answer and returns the gateway's message.
func reportsFailure(doc map[string]any) (string, bool) {
	failed := false
	for _, k := range []string{"success", "ok"} {
		if b, ok := doc[k].(bool); ok && !b {
			failed = true
		}
	}
	if s, ok := doc["status"].(string); ok {
		switch strings.ToLower(s) {
		case "error", "failed", "failure", "fail":
			failed = true
		}
	}
	if !failed {
		return "", false
	}
	return errorText(doc), true
}

func isHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	head := strings.ToLower(strings.TrimSpace(string(body[:min(len(body), 256)])))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}

func (c *Client) secretFree(s string) string {
	return providerhttp.Redact(s, c.secrets()...)
}

func (c *Client) secrets() []string {
	return []string{c.cfg.Token.Reveal(), c.cfg.Password.Reveal()}
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.secrets()...)
}
