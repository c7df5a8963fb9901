package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// Product is one Zoho product API: its name for messages, where its host
// is in a data centre, and how it reports errors.
type Product struct {
	// Name is the product name used in messages ("Zoho CRM").
	Name  string
	host  func(DataCenter) string
	style errorStyle
}

type errorStyle int

const (
	// styleCRM: {"code":"INVALID_TOKEN","message":...,"status":"error"}
	// with an HTTP error status; empty lists are 204.
	styleCRM errorStyle = iota
	// styleFinance (Billing, Sign): a numeric "code" that is 0 on success
	// and non-zero on failure, sometimes with HTTP 200.
	styleFinance
	// styleDesk: {"errorCode":"INVALID_OAUTH","message":...} [?].
	styleDesk
)

// The Zoho products ihub talks to. CRM and Billing live on the API domain
// (www.zohoapis.<dc>); Sign and Desk on their product sites.
var (
	CRM     = Product{Name: "Zoho CRM", host: func(dc DataCenter) string { return dc.APIDomain }, style: styleCRM}
	Billing = Product{Name: "Zoho Billing", host: func(dc DataCenter) string { return dc.APIDomain }, style: styleFinance}
	Sign    = Product{Name: "Zoho Sign", host: func(dc DataCenter) string { return "https://sign.zoho." + dc.Domain }, style: styleFinance}
	Desk    = Product{Name: "Zoho Desk", host: func(dc DataCenter) string { return "https://desk.zoho." + dc.Domain }, style: styleDesk}
)

// BaseURL returns the product's host for the connection, without a path:
// the connection's BaseURL when set, else the host of its dataCenter
// setting ("us" when unset). The Zoho descriptors say the base URL is not
// used, so the API never stores one; only tests and the demo mode set it,
// to point every call at zohofake.
func (p Product) BaseURL(c provider.Connection) (*url.URL, error) {
	if strings.TrimSpace(c.BaseURL) != "" {
		return providerhttp.ParseBaseURL(c.BaseURL)
	}
	key := c.Setting(FieldDataCenter, "us")
	dc, ok := DataCenters()[key]
	if !ok {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "unknown Zoho data centre " + strconv.Quote(providerhttp.Clip(key, 20))}
	}
	return providerhttp.ParseBaseURL(p.host(dc))
}

// staticToken is a TokenSource for a manually entered access token.
type staticToken struct{ v secret.Value }

func (s staticToken) Token(context.Context) (secret.Value, error) { return s.v, nil }

// Tokens returns where the connection's access tokens come from:
// c.OAuth when set, else the manually entered accessToken credential. With
// neither it returns a *provider.Error of kind invalid.
func Tokens(c provider.Connection) (provider.TokenSource, error) {
	if c.OAuth != nil {
		return c.OAuth, nil
	}
	tok := c.Credentials[FieldAccessToken]
	if strings.TrimSpace(tok.Reveal()) == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "no Zoho access token: connect the integration with OAuth or enter an access token"}
	}
	if strings.ContainsAny(tok.Reveal(), " \t\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the Zoho access token must not contain spaces or line breaks"}
	}
	return staticToken{tok}, nil
}

// API is the plumbing the four Zoho clients share: it resolves the access
// token per request, sends "Authorization: Zoho-oauthtoken <token>" and the
// product's extra headers, and maps every failure to a *provider.Error
// whose text never contains the token. It is safe for concurrent use.
type API struct {
	product Product
	base    *url.URL
	hc      *http.Client
	tokens  provider.TokenSource
	header  http.Header
	// secrets are the connection's credentials, redacted from every error
	// text (a token source's error might quote the refresh token).
	secrets []string

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// NewAPI returns the API of product for connection c. header holds extra
// headers sent on every call (Desk's orgId, Billing's organization id); it
// is copied. Configuration problems are *provider.Error of kind invalid.
func NewAPI(product Product, hc *http.Client, c provider.Connection, header http.Header) (*API, error) {
	base, err := product.BaseURL(c)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "zoho: no HTTP client"}
	}
	tokens, err := Tokens(c)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the " + k + " setting must be a single line"}
			}
		}
	}
	return &API{product: product, base: base, hc: hc, tokens: tokens, header: header.Clone(), secrets: secretsOf(c)}, nil
}

func secretsOf(c provider.Connection) []string {
	var secrets []string
	for _, v := range c.Credentials {
		if v.Reveal() != "" {
			secrets = append(secrets, v.Reveal())
		}
	}
	return secrets
}

// Base returns a copy of the product host the API calls.
func (a *API) Base() *url.URL { u := *a.base; return &u }

// token returns the current access token.
func (a *API) token(ctx context.Context) (secret.Value, error) {
	tok, err := a.tokens.Token(ctx)
	if err != nil {
		return secret.Value{}, providerhttp.RedactError(a.tokenError(ctx, err), a.secrets...)
	}
	switch {
	case strings.TrimSpace(tok.Reveal()) == "":
		return secret.Value{}, &provider.Error{Kind: provider.ErrAuth, Message: "no Zoho access token: connect the integration with OAuth again"}
	case strings.ContainsAny(tok.Reveal(), " \t\r\n"):
		return secret.Value{}, &provider.Error{Kind: provider.ErrInvalid, Message: "the Zoho access token must not contain spaces or line breaks"}
	}
	return tok, nil
}

// tokenError maps a token source failure: its own *provider.Error as is, a
// done context as a transport error, anything else as auth.
func (a *API) tokenError(ctx context.Context, err error) error {
	var perr *provider.Error
	switch {
	case errors.As(err, &perr):
		return err
	case ctx.Err() != nil:
		return providerhttp.TransportError(ctx, a.base.Host, err)
	default:
		return &provider.Error{Kind: provider.ErrAuth, Message: "cannot get a Zoho access token: " + providerhttp.Clip(err.Error(), 200), Err: err}
	}
}

// Authorize adds the access token and the product's extra headers to req
// (headers the request already has are kept). It is what the proxy calls.
func (a *API) Authorize(ctx context.Context, req *http.Request) error {
	tok, err := a.token(ctx)
	if err != nil {
		return err
	}
	a.authorize(req, tok)
	return nil
}

func (a *API) authorize(req *http.Request, tok secret.Value) {
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok.Reveal())
	for k, vs := range a.header {
		if req.Header.Get(k) == "" {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
}

// Get calls GET path (absolute, from the host: "/crm/v7/org") with query q
// and decodes a JSON answer into v. endpoint is the call's template for
// metrics ("GET /crm/v7/{module}"). It returns the HTTP status; a 204 leaves
// v untouched.
func (a *API) Get(ctx context.Context, endpoint, path string, q url.Values, v any) (int, error) {
	ctx = provider.WithEndpoint(ctx, endpoint)
	u := a.base.JoinPath(path)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, &provider.Error{Kind: provider.ErrInvalid, Message: "zoho: cannot build the request"}
	}
	req.Header.Set("Accept", "application/json")
	return a.do(req, v)
}

func (a *API) do(req *http.Request, v any) (int, error) {
	tok, err := a.token(req.Context())
	if err != nil {
		return 0, err
	}
	redact := func(err error) error {
		return providerhttp.RedactError(err, append([]string{tok.Reveal()}, a.secrets...)...)
	}
	a.authorize(req, tok)
	providerhttp.SetUserAgent(req, a.UserAgent)
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, redact(providerhttp.TransportError(req.Context(), a.base.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, redact(a.checkResponse(resp))
	}
	if resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, nil
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return resp.StatusCode, redact(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return resp.StatusCode, nil
	}
	if !json.Valid(body) {
		msg := "expected a JSON answer from the " + a.product.Name + " API"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return resp.StatusCode, redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	if a.product.style == styleFinance {
		var eb errorBody
		if json.Unmarshal(body, &eb) == nil && eb.codeString() != "" && eb.codeString() != "0" {
			perr := a.bodyError(0, eb)
			if perr.Kind == "" {
				perr.Kind = provider.ErrProvider
			}
			return resp.StatusCode, redact(perr)
		}
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return resp.StatusCode, redact(&provider.Error{Kind: provider.ErrProvider, Message: a.product.Name + " answered with JSON in an unexpected shape"})
		}
	}
	return resp.StatusCode, nil
}

// errorBody covers the error documents of the Zoho products: CRM's
// {"code":"INVALID_TOKEN","message","status":"error"}, the finance family's
// {"code":14,"message"}, Desk's {"errorCode","message"} and OAuth's
// {"error":"invalid_code"}.
type errorBody struct {
	Code      json.RawMessage `json:"code"`
	ErrorCode string          `json:"errorCode"`
	Error     any             `json:"error"`
	Message   string          `json:"message"`
	Status    string          `json:"status"`
}

func (e errorBody) codeString() string {
	s := strings.TrimSpace(string(e.Code))
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	if s == "null" {
		return ""
	}
	if e.ErrorCode != "" && s == "" {
		return e.ErrorCode
	}
	if es, ok := e.Error.(string); ok && s == "" {
		return es
	}
	return s
}

// Codes that mean the token or its scopes were rejected, or that the
// resource does not exist, whatever the HTTP status.
var (
	authCodes = map[string]bool{
		"INVALID_TOKEN": true, "AUTHENTICATION_FAILURE": true, "OAUTH_SCOPE_MISMATCH": true,
		"NO_PERMISSION": true, "INVALID_OAUTHTOKEN": true, "INVALID_OAUTH": true, "UNAUTHORIZED": true,
		"SCOPE_MISMATCH": true, "invalid_code": true, "invalid_client": true,
		"14": true, "57": true, // Billing: invalid oauth token, not authorized
		"9041": true, // Sign: invalid oauth token [?]
	}
	notFoundCodes = map[string]bool{
		"INVALID_MODULE": true, "INVALID_URL_PATTERN": true, "URL_NOT_FOUND": true, "RESOURCE_NOT_FOUND": true,
	}
	rateCodes = map[string]bool{"TOO_MANY_REQUESTS": true, "LIMIT_EXCEEDED": true}
)

// bodyError maps a parsed error document; Kind is "" when the code says
// nothing about it.
func (a *API) bodyError(status int, eb errorBody) *provider.Error {
	code := providerhttp.Clip(eb.codeString(), 60)
	msg := providerhttp.Clip(eb.Message, 300)
	if msg == "" {
		msg = code
	} else if code != "" && !strings.Contains(msg, code) {
		msg += " (" + code + ")"
	}
	e := &provider.Error{Status: status, Code: code, Message: providerhttp.DropStatusEcho(status, msg)}
	switch {
	case authCodes[code]:
		e.Kind = provider.ErrAuth
	case notFoundCodes[code]:
		e.Kind = provider.ErrNotFound
	case rateCodes[code]:
		e.Kind = provider.ErrRateLimited
	}
	return e
}

// checkResponse maps a non-2xx answer. A rate-limited answer without a
// Retry-After gets a minute: Zoho documents no header [?].
func (a *API) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	var eb errorBody
	var e *provider.Error
	if json.Unmarshal(body, &eb) == nil && (eb.codeString() != "" || eb.Message != "") {
		e = a.bodyError(resp.StatusCode, eb)
	} else {
		e = &provider.Error{Status: resp.StatusCode, Message: providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Excerpt(body))}
	}
	if e.Kind == "" {
		e.Kind = providerhttp.StatusKind(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.Kind = provider.ErrRateLimited
	}
	if e.Kind == provider.ErrRateLimited {
		e.RetryAfter = providerhttp.RetryAfter(resp.Header, a.now())
		if e.RetryAfter <= 0 {
			e.RetryAfter = time.Minute
		}
	}
	return e
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Authorize adds the connection's access token and header to a proxied
// request (provider.Proxyable). Missing credentials are a *provider.Error
// of kind invalid.
func Authorize(ctx context.Context, req *http.Request, c provider.Connection, header http.Header) error {
	tokens, err := Tokens(c)
	if err != nil {
		return err
	}
	host := ""
	if req.URL != nil {
		host = req.URL.Host
	}
	a := &API{base: &url.URL{Host: host}, tokens: tokens, header: header, secrets: secretsOf(c)}
	return a.Authorize(ctx, req)
}
