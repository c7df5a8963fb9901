package cpanel

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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

// Client calls cPanel UAPI as one cPanel account, with an API token or the
// account's password. It is safe for concurrent use. Every method takes ctx
// first and returns a *provider.Error on failure; a cancelled ctx makes the
// call return promptly with a transport error that names the context error.
// No error text ever contains the token or the password.
//
// API reference: https://api.docs.cpanel.net/cpanel/introduction/
type Client struct {
	base     *url.URL
	hc       *http.Client
	user     string
	token    secret.Value
	password secret.Value

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the cPanel server at baseURL, the address
// the account opens in a browser, for example https://server.example.com:2083
// (a path prefix is kept; /execute/<Module>/<function> is appended per
// call; no port is added). username is the cPanel account. With a token it
// authenticates with "Authorization: cpanel <user>:<token>"; without one,
// with HTTP Basic and password (cPanel accepts Basic only on its TLS ports
// 2083/2096). hc is the caller's client; it must not be nil. A bad base URL
// or missing credentials is a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, username string, token, password secret.Value) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "cpanel: no HTTP client"}
	}
	if err := checkCredentials(username, token, password); err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, user: username, token: token, password: password}, nil
}

func checkCredentials(username string, token, password secret.Value) *provider.Error {
	switch {
	case strings.TrimSpace(username) == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the cPanel user name is not set"}
	case strings.ContainsAny(username, ": \t\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the cPanel user name must not contain spaces or colons"}
	case token.IsZero() && password.IsZero():
		return &provider.Error{Kind: provider.ErrInvalid, Message: "neither a cPanel API token nor a password is set"}
	case strings.ContainsAny(token.Reveal(), "\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the cPanel API token must be a single line"}
	case token.IsZero() && strings.ContainsAny(password.Reveal(), "\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the cPanel password must be a single line"}
	}
	return nil
}

// authorization is the Authorization header value for the credentials: the
// token when set, else HTTP Basic with the password.
func authorization(username string, token, password secret.Value) string {
	if !token.IsZero() {
		return "cpanel " + username + ":" + token.Reveal()
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password.Reveal()))
}

// Result is the result block of a UAPI answer. Status is 1 on success and 0
// on failure, which cPanel reports with HTTP 200 and the texts in Errors.
type Result struct {
	Status   int             `json:"status"`
	Errors   []string        `json:"errors"`
	Messages []string        `json:"messages"`
	Warnings []string        `json:"warnings"`
	Metadata json.RawMessage `json:"metadata"`
	Data     json.RawMessage `json:"data"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Execute runs the UAPI function module::fn with params (GET
// /execute/<module>/<fn>?...) and decodes result.data into data (nil to
// ignore it). A result.status of 0 is a *provider.Error of kind provider
// carrying result.errors (kind auth when they say access was denied), with
// Status 0 because the HTTP exchange itself succeeded.
//
// See https://api.docs.cpanel.net/cpanel/introduction/.
func (c *Client) Execute(ctx context.Context, module, fn string, params url.Values, data any) (*Result, error) {
	if !namePattern.MatchString(module) || !namePattern.MatchString(fn) {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "cpanel: invalid module or function name"}
	}
	u := c.base.JoinPath("execute", module, fn)
	u.RawQuery = params.Encode()
	ctx = provider.WithEndpoint(ctx, "GET /execute/"+module+"/"+fn)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "cpanel: cannot build the request for " + module + "::" + fn}
	}
	var env envelope
	if err := c.do(req, &env); err != nil {
		return nil, err
	}
	res := env.result()
	call := module + "::" + fn
	if res == nil {
		if env.CPanelResult != nil && env.CPanelResult.text() != "" {
			msg := env.CPanelResult.text()
			kind := provider.ErrProvider
			if deniedText(msg) {
				kind = provider.ErrAuth
			}
			return nil, c.redact(&provider.Error{Kind: kind, Message: providerhttp.Clip(msg, 500)})
		}
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "cPanel answered " + call +
			" without a UAPI result; check that the base URL is the cPanel address (normally port 2083)"}
	}
	if res.Status != 1 {
		msg := strings.TrimSpace(strings.Join(res.Errors, "; "))
		if msg == "" {
			msg = "cPanel reported a failure for " + call + " without an error message"
		}
		kind := provider.ErrProvider
		if deniedText(msg) {
			kind = provider.ErrAuth
		}
		return res, c.redact(&provider.Error{Kind: kind, Message: providerhttp.Clip(msg, 500)})
	}
	if data != nil && len(res.Data) > 0 && !bytes.Equal(bytes.TrimSpace(res.Data), []byte("null")) {
		if err := json.Unmarshal(res.Data, data); err != nil {
			return res, &provider.Error{Kind: provider.ErrProvider, Message: "cPanel answered " + call + " with data in an unexpected shape"}
		}
	}
	return res, nil
}

// Domains is DomainInfo::list_domains: the account's main domain and its
// addon, parked (alias) and subdomains.
type Domains struct {
	MainDomain    string   `json:"main_domain"`
	AddonDomains  []string `json:"addon_domains"`
	ParkedDomains []string `json:"parked_domains"`
	SubDomains    []string `json:"sub_domains"`
}

// ListDomains returns the account's domains (GET
// /execute/DomainInfo/list_domains). Absent lists are returned empty.
//
// See https://api.docs.cpanel.net/openapi/cpanel/operation/list_domains/.
func (c *Client) ListDomains(ctx context.Context) (*Domains, error) {
	d := new(Domains)
	if _, err := c.Execute(ctx, "DomainInfo", "list_domains", nil, d); err != nil {
		return nil, err
	}
	for _, l := range []*[]string{&d.AddonDomains, &d.ParkedDomains, &d.SubDomains} {
		if *l == nil {
			*l = []string{}
		}
	}
	return d, nil
}

// Quota is Quota::get_local_quota_info. Limits are nil when unlimited.
type Quota struct {
	BytesUsed  int64  `json:"bytes_used"`
	ByteLimit  *int64 `json:"byte_limit"`
	InodesUsed int64  `json:"inodes_used"`
	InodeLimit *int64 `json:"inode_limit"`
}

// UnmarshalJSON accepts numbers or numeric strings; a null, zero or
// non-numeric limit ("unlimited") means unlimited [?: cPanel's exact form
// for unlimited is not verified; inodes_used is not in the verified field
// list].
func (q *Quota) UnmarshalJSON(b []byte) error {
	var raw struct {
		BytesUsed  optInt `json:"bytes_used"`
		ByteLimit  optInt `json:"byte_limit"`
		InodesUsed optInt `json:"inodes_used"`
		InodeLimit optInt `json:"inode_limit"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*q = Quota{BytesUsed: raw.BytesUsed.value(), ByteLimit: raw.ByteLimit.limit(),
		InodesUsed: raw.InodesUsed.value(), InodeLimit: raw.InodeLimit.limit()}
	return nil
}

// Quota returns the account's disk quota and usage (GET
// /execute/Quota/get_local_quota_info).
//
// See https://api.docs.cpanel.net/openapi/cpanel/operation/quota-get_local_quota_info/.
func (c *Client) Quota(ctx context.Context) (*Quota, error) {
	q := new(Quota)
	if _, err := c.Execute(ctx, "Quota", "get_local_quota_info", nil, q); err != nil {
		return nil, err
	}
	return q, nil
}

// do sends req with the credentials, decodes a 2xx JSON answer into v and
// maps everything else to a *provider.Error.
func (c *Client) do(req *http.Request, v any) error {
	req.Header.Set("Authorization", authorization(c.user, c.token, c.password))
	req.Header.Set("Accept", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.redact(providerhttp.TransportError(req.Context(), c.base.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.redact(c.checkResponse(resp))
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return c.redact(err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		msg := "expected a JSON answer from cPanel; check that the base URL is the cPanel address (normally port 2083)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return nil
}

// checkResponse maps a non-2xx answer: 401/403 are auth (bad credentials,
// or Basic auth on a port that does not take it); the message is cPanel's
// own text from a cpanelresult or UAPI body, else a short excerpt.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg := errorText(body)
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
		Message:    providerhttp.DropStatusEcho(resp.StatusCode, msg),
		RetryAfter: providerhttp.RetryAfter(resp.Header, now()),
	}
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	secrets := []string{authorization(c.user, c.token, c.password), c.token.Reveal(), c.password.Reveal()}
	return providerhttp.RedactError(err, secrets...)
}

// envelope covers the documented UAPI answer ({apiversion, func, module,
// result: {...}}), the flat form with the result fields at the top level
// (accepted as well [?]) and the cPanel API 2 style body of authentication
// failures.
type envelope struct {
	Result       *Result         `json:"result"`
	Status       *optInt         `json:"status"`
	Errors       []string        `json:"errors"`
	Data         json.RawMessage `json:"data"`
	CPanelResult *cpanelResult   `json:"cpanelresult"`
}

func (e *envelope) result() *Result {
	if e.Result != nil {
		return e.Result
	}
	if e.Status != nil {
		return &Result{Status: int(e.Status.value()), Errors: e.Errors, Data: e.Data}
	}
	return nil
}

type cpanelResult struct {
	Error string `json:"error"`
	Data  struct {
		Reason string `json:"reason"`
	} `json:"data"`
}

func (r *cpanelResult) text() string {
	if r.Error != "" {
		return r.Error
	}
	return r.Data.Reason
}

// errorText extracts cPanel's own words from an error body, or "".
func errorText(body []byte) string {
	var env envelope
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	if env.CPanelResult != nil && env.CPanelResult.text() != "" {
		return providerhttp.Clip(env.CPanelResult.text(), 500)
	}
	if r := env.result(); r != nil && len(r.Errors) > 0 {
		return providerhttp.Clip(strings.Join(r.Errors, "; "), 500)
	}
	return ""
}

// deniedText reports whether an in-body error means the credentials may not
// do this.
func deniedText(s string) bool {
	r := strings.ToLower(s)
	return strings.HasPrefix(r, "access denied") || strings.Contains(r, "permission denied")
}

// optInt decodes a JSON number or numeric string; null and non-numbers
// ("unlimited") decode as nil.
type optInt struct{ v *int64 }

func (o *optInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		o.v = nil
		return nil
	}
	n := int64(f)
	o.v = &n
	return nil
}

func (o optInt) value() int64 {
	if o.v == nil {
		return 0
	}
	return *o.v
}

// limit is the value as a limit: nil (unlimited) for null, non-numbers and
// 0.
func (o optInt) limit() *int64 {
	if o.v == nil || *o.v == 0 {
		return nil
	}
	return o.v
}
