package generichttp

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

// The authentication modes (the authMode setting).
const (
	AuthNone   = "none"
	AuthBearer = "bearer"
	AuthBasic  = "basic"
	AuthHeader = "header"
	AuthQuery  = "query"
)

// Defaults of the header and query modes.
const (
	DefaultHeaderName = "X-API-Key"
	DefaultQueryParam = "api_key"
)

// Methods are the HTTP methods the client sends.
var Methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Auth says how requests carry the credential. The zero value sends none.
type Auth struct {
	// Mode is one of AuthNone (or ""), AuthBearer, AuthBasic, AuthHeader
	// and AuthQuery.
	Mode string
	// Username is the basic-auth user name.
	Username string
	// Secret is the token (bearer, header, query) or the password (basic).
	Secret secret.Value
	// HeaderName is the header of the header mode (DefaultHeaderName when
	// empty); QueryParam the parameter of the query mode (DefaultQueryParam
	// when empty).
	HeaderName string
	QueryParam string
}

// headerToken matches an RFC 9110 field name.
var headerToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// reservedHeaders cannot carry a credential: the transport or the proxy
// owns them.
var reservedHeaders = []string{
	"Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade",
	"Te", "Trailer", "Proxy-Authorization", "Proxy-Connection", "Cookie", "Accept-Encoding",
}

// check validates a and fills in the defaults. Errors are of kind invalid
// and never contain the secret.
func (a *Auth) check() error {
	invalid := func(msg string) error { return &provider.Error{Kind: provider.ErrInvalid, Message: msg} }
	if a.Mode == "" {
		a.Mode = AuthNone
	}
	s := a.Secret.Reveal()
	if strings.ContainsAny(s, "\r\n\x00") {
		return invalid("the credential must be a single line")
	}
	switch a.Mode {
	case AuthNone:
		return nil
	case AuthBasic:
		switch {
		case strings.TrimSpace(a.Username) == "":
			return invalid("the user name for HTTP Basic auth is not set")
		case strings.ContainsAny(a.Username, ":\r\n\x00"):
			return invalid("the user name for HTTP Basic auth must not contain colons or line breaks")
		case a.Secret.IsZero():
			return invalid("the password for HTTP Basic auth is not set")
		}
		return nil
	case AuthBearer:
		if a.Secret.IsZero() {
			return invalid("the token is not set")
		}
		if strings.ContainsAny(s, " \t") {
			return invalid("a bearer token must not contain spaces")
		}
		return nil
	case AuthHeader:
		if a.HeaderName == "" {
			a.HeaderName = DefaultHeaderName
		}
		if !headerToken.MatchString(a.HeaderName) {
			return invalid("the header name is not a valid HTTP header name")
		}
		a.HeaderName = http.CanonicalHeaderKey(a.HeaderName)
		if slices.Contains(reservedHeaders, a.HeaderName) {
			return invalid("the header " + a.HeaderName + " cannot carry the token")
		}
		if a.Secret.IsZero() {
			return invalid("the token is not set")
		}
		return nil
	case AuthQuery:
		if a.QueryParam == "" {
			a.QueryParam = DefaultQueryParam
		}
		if strings.ContainsAny(a.QueryParam, "&=#?\r\n\x00 ") {
			return invalid("the query parameter name must not contain &, =, #, ? or spaces")
		}
		if a.Secret.IsZero() {
			return invalid("the token is not set")
		}
		return nil
	}
	return invalid("the authentication mode must be one of none, bearer, basic, header or query")
}

// apply adds the credential to req. a must have passed check.
func (a *Auth) apply(req *http.Request) {
	switch a.Mode {
	case AuthBearer:
		req.Header.Set("Authorization", "Bearer "+a.Secret.Reveal())
	case AuthBasic:
		req.SetBasicAuth(a.Username, a.Secret.Reveal())
	case AuthHeader:
		req.Header.Set(a.HeaderName, a.Secret.Reveal())
	case AuthQuery:
		req.URL.RawQuery = setQueryParam(req.URL.RawQuery, a.QueryParam, a.Secret.Reveal())
	}
}

// setQueryParam returns raw with every occurrence of name removed and
// name=value appended; the other parameters keep their order and encoding.
func setQueryParam(raw, name, value string) string {
	var kept []string
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, _, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil && uk == name {
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(append(kept, url.QueryEscape(name)+"="+url.QueryEscape(value)), "&")
}

// secrets returns the strings to redact from every message: the secret and
// the forms it takes on the wire.
func (a *Auth) secrets() []string {
	s := a.Secret.Reveal()
	if s == "" {
		return nil
	}
	out := append([]string{s, url.QueryEscape(s)}, jsonForms(s)...)
	if a.Mode == AuthBasic {
		req := &http.Request{Header: http.Header{}}
		req.SetBasicAuth(a.Username, s)
		out = append(out, strings.TrimPrefix(req.Header.Get("Authorization"), "Basic "))
	}
	return out
}

// jsonForms are the ways s may be written inside a JSON string, other than
// as it is: escaped as Go writes it (", \, control characters, and <, >, &
// unless HTML escaping is off) and as PHP's json_encode does ("/" as "\/").
// An API echoing the credential in a JSON answer writes one of them, and
// the answer's bytes are relayed: masking only s would let a credential
// holding any of those characters through.
func jsonForms(s string) []string {
	var out []string
	add := func(f string) {
		if f != s && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) != nil {
		return nil
	}
	plain := strings.TrimSuffix(b.String(), "\n")
	html, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	for _, f := range []string{plain, string(html)} {
		f = f[1 : len(f)-1]
		add(f)
		add(strings.ReplaceAll(f, "/", `\/`))
	}
	return out
}

// Client calls an arbitrary HTTP API below one base URL with one
// credential. It is safe for concurrent use. Every method takes ctx first
// and returns a *provider.Error on failure; a cancelled ctx makes the call
// return promptly with a transport error that names the context error. No
// error text or output ever contains the credential.
type Client struct {
	base *url.URL
	hc   *http.Client
	auth Auth

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the API root baseURL (paths are appended
// to it) that authenticates as auth says. hc is the caller's client (from
// egress); it must not be nil. A bad base URL or incomplete credentials is a
// *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, auth Auth) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "generic HTTP: no HTTP client"}
	}
	if err := auth.check(); err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, auth: auth}, nil
}

// Request is one call. Path is relative to the base URL and starts with a
// slash; Query is added to it; Body, when set, is sent as JSON.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   json.RawMessage
}

// Response is a successful (2xx) answer. Exactly one of Body (a JSON
// answer) and Text (any other non-HTML answer) is set, or neither for an
// empty answer.
type Response struct {
	Status      int
	ContentType string
	// Header holds the answer's non-sensitive metadata headers (see
	// exposedHeaders); never cookies or credentials.
	Header map[string]string
	Body   json.RawMessage
	Text   string
}

// exposedHeaders are the answer headers a Response passes on.
var exposedHeaders = []string{"ETag", "Last-Modified", "Link", "Location", "X-Request-Id", "X-Total-Count"}

// Do sends r and returns the answer. A 2xx answer that is an HTML page (a
// login page, a captive portal) is a provider error: APIs do not answer with
// one. Non-2xx answers are mapped to *provider.Error by status: 401/403
// auth, 404/410 not found, 429 rate limited with RetryAfter, others
// provider, with the API's own message when its body has one.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	hresp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	defer providerhttp.Drain(hresp)
	body, err := providerhttp.ReadBody(hresp, providerhttp.MaxBody)
	if err != nil {
		return nil, c.redact(err)
	}
	return c.decode(hresp, body)
}

// Ping sends GET path (with the credential) and returns the status of a
// 2xx answer without reading its body; other answers are errors as for Do.
func (c *Client) Ping(ctx context.Context, path string) (int, error) {
	req, err := c.newRequest(ctx, Request{Method: http.MethodGet, Path: path})
	if err != nil {
		if pe, ok := errors.AsType[*provider.Error](err); ok && pe.Input {
			// The path is the integration's setting here, not an action input.
			return 0, &provider.Error{Kind: provider.ErrInvalid, Message: "the health path setting: " + pe.Message}
		}
		return 0, err
	}
	hresp, err := c.send(req)
	if err != nil {
		return 0, err
	}
	providerhttp.Drain(hresp)
	return hresp.StatusCode, nil
}

// newRequest builds the request for r, with the endpoint template on its
// context.
func (c *Client) newRequest(ctx context.Context, r Request) (*http.Request, error) {
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodGet
	}
	if !slices.Contains(Methods, method) {
		return nil, provider.InputError("method", "must be one of GET, POST, PUT, PATCH or DELETE")
	}
	u, err := c.resolve(r.Path)
	if err != nil {
		return nil, err
	}
	if len(r.Query) > 0 {
		q := r.Query.Encode()
		if u.RawQuery != "" {
			q = u.RawQuery + "&" + q
		}
		u.RawQuery = q
	}
	var body *bytes.Reader
	if b := bytes.TrimSpace(r.Body); len(b) > 0 && !bytes.Equal(b, []byte("null")) {
		if !json.Valid(r.Body) {
			return nil, provider.InputError("body", "is not valid JSON")
		}
		body = bytes.NewReader(r.Body)
	}
	ctx = provider.WithEndpoint(ctx, method+" "+Template(u.Path[len(c.base.Path):]))
	var req *http.Request
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, method, u.String(), body)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "generic HTTP: cannot build the request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// resolve appends path to the base URL. The path must start with a slash
// and may not carry a scheme, host, query, fragment or dot segments (it
// could otherwise climb above the base URL's path).
func (c *Client) resolve(path string) (*url.URL, error) {
	invalid := func(msg string) error { return provider.InputError("path", msg) }
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return nil, invalid("the path must start with a single slash; it is appended to the base URL")
	}
	if strings.ContainsAny(path, "?#\\\r\n\x00 ") {
		return nil, invalid("the path must not contain ?, #, backslashes or spaces; pass query parameters separately")
	}
	rel, err := url.Parse(path)
	if err != nil || rel.Scheme != "" || rel.Host != "" {
		return nil, invalid("the path is not a valid URL path")
	}
	for _, seg := range strings.Split(rel.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, invalid("the path must not contain . or .. segments")
		}
	}
	u := *c.base
	u.Path = c.base.Path + rel.Path
	if rel.RawPath != "" {
		u.RawPath = c.base.EscapedPath() + rel.RawPath
	} else {
		u.RawPath = ""
	}
	u.RawQuery = rel.RawQuery
	return &u, nil
}

// Template turns a request path into an endpoint template for metrics with
// provider.PathTemplate, the rule the proxy uses too, so that an action and
// a proxied call to the same endpoint share a row. "/users/42/repos" →
// "/users/{id}/repos".
func Template(path string) string { return provider.PathTemplate(path) }

// send adds the credential and headers, sends req and maps transport
// failures and non-2xx answers; a returned response is 2xx and unread.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	c.auth.apply(req)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(req.Context(), c.base.Host, err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer providerhttp.Drain(resp)
		return nil, c.redact(c.checkResponse(resp))
	}
	return resp, nil
}

// decode turns a 2xx answer into a Response.
func (c *Client) decode(hresp *http.Response, body []byte) (*Response, error) {
	ct := hresp.Header.Get("Content-Type")
	out := &Response{Status: hresp.StatusCode, ContentType: ct}
	for _, h := range exposedHeaders {
		if v := hresp.Header.Get(h); v != "" {
			if out.Header == nil {
				out.Header = map[string]string{}
			}
			out.Header[h] = providerhttp.Redact(v, c.auth.secrets()...)
		}
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return out, nil
	}
	if secrets := c.auth.secrets(); len(secrets) > 0 {
		s := string(body)
		if r := secret.Redact(s, secrets...); r != s {
			body = []byte(r)
		}
	}
	mediaType, _, _ := strings.Cut(strings.ToLower(ct), ";")
	mediaType = strings.TrimSpace(mediaType)
	if json.Valid(body) {
		out.Body = json.RawMessage(body)
		return out, nil
	}
	if mediaType == "text/html" || mediaType == "application/xhtml+xml" || looksHTML(body) {
		msg := "expected an API answer but got an HTML page; check the base URL and the credentials"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	if strings.HasSuffix(mediaType, "json") {
		return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: "the answer says it is JSON but is not valid JSON"})
	}
	out.Text = strings.ToValidUTF8(string(body), "\uFFFD")
	return out, nil
}

// errorFields are the JSON fields APIs commonly put their error text in,
// in order of preference.
var errorFields = []string{"message", "error_description", "detail", "error", "title", "description", "msg"}

// checkResponse maps a non-2xx answer.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg, code := errorText(body)
	if msg == "" {
		switch string(bytes.TrimSpace(body)) {
		case "{}", "[]", "null", `""`:
		default:
			msg = providerhttp.Excerpt(body)
		}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return &provider.Error{
		Kind:       providerhttp.StatusKind(resp.StatusCode),
		Status:     resp.StatusCode,
		Code:       code,
		Message:    providerhttp.DropStatusEcho(resp.StatusCode, msg),
		RetryAfter: providerhttp.RetryAfter(resp.Header, now()),
	}
}

// errorText finds the message and code of a JSON error body: a top-level
// string field of errorFields, or the same fields of a nested "error"
// object; code from "code" or a string "error" next to a message.
func errorText(body []byte) (msg, code string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "", ""
	}
	if inner, ok := m["error"]; ok && bytes.HasPrefix(bytes.TrimSpace(inner), []byte("{")) {
		var im map[string]json.RawMessage
		if json.Unmarshal(inner, &im) == nil {
			if msg, code := fieldsText(im); msg != "" {
				return msg, code
			}
		}
	}
	return fieldsText(m)
}

func fieldsText(m map[string]json.RawMessage) (msg, code string) {
	str := func(k string) string {
		var s string
		if json.Unmarshal(m[k], &s) == nil {
			return strings.TrimSpace(s)
		}
		return ""
	}
	for _, k := range errorFields {
		if s := str(k); s != "" {
			msg = s
			break
		}
	}
	code = str("code")
	if code == "" {
		var n json.Number
		if json.Unmarshal(m["code"], &n) == nil {
			code = n.String()
		}
	}
	if e := str("error"); code == "" && e != "" && e != msg {
		code = e
	}
	return providerhttp.Clip(msg, 500), providerhttp.Clip(code, 100)
}

// looksHTML reports whether a body without an HTML content type is an HTML
// page anyway.
func looksHTML(body []byte) bool {
	head := bytes.ToLower(body[:min(len(body), 512)])
	if !bytes.HasPrefix(head, []byte("<")) {
		return false
	}
	for _, tag := range []string{"<!doctype html", "<html", "<head", "<body", "<title"} {
		if bytes.Contains(head, []byte(tag)) {
			return true
		}
	}
	return false
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.auth.secrets()...)
}
