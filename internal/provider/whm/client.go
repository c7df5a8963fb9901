package whm

import (
	"bytes"
	"context"
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

// Client calls WHM API 1 as one WHM user with an API token. It is safe for
// concurrent use. Every method takes ctx first and returns a *provider.Error
// on failure; a cancelled ctx makes the call return promptly with a transport
// error that names the context error. No error text ever contains the token.
//
// API reference: https://api.docs.cpanel.net/whm/introduction/
type Client struct {
	base  *url.URL
	hc    *http.Client
	user  string
	token secret.Value

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the WHM server at baseURL, the address the
// administrator opens in a browser, for example https://server.example.com:2087
// (a path prefix such as a reverse-proxy mount is kept; /json-api/ is appended
// per call). A URL without a port is used as given, which is right for the
// whm.<domain> proxy subdomain on 443; 2087 is not added. username is the WHM
// user the token belongs to (usually root, or a reseller). hc is the caller's
// client (from egress); it must not be nil. A bad base URL or missing
// credentials is a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, username string, token secret.Value) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "whm: no HTTP client"}
	}
	if strings.TrimSpace(username) == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM user name is not set (usually root)"}
	}
	if strings.ContainsAny(username, ": \t\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM user name must not contain spaces or colons"}
	}
	if token.IsZero() {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM API token is not set"}
	}
	if strings.ContainsAny(token.Reveal(), "\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM API token must be a single line"}
	}
	return &Client{base: u, hc: hc, user: username, token: token}, nil
}

// Metadata is the metadata block of every WHM API 1 answer. Result is 1 on
// success and 0 on a logical failure, which WHM reports with HTTP 200 and the
// human text in Reason.
type Metadata struct {
	Command string `json:"command"`
	Reason  string `json:"reason"`
	Result  int    `json:"result"`
	Version int    `json:"version"`
	Output  struct {
		Raw string `json:"raw,omitempty"`
	} `json:"output"`
}

// UnmarshalJSON accepts result and version as numbers or numeric strings.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var raw struct {
		Command string `json:"command"`
		Reason  string `json:"reason"`
		Result  intish `json:"result"`
		Version intish `json:"version"`
		Output  struct {
			Raw string `json:"raw"`
		} `json:"output"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Command, m.Reason, m.Result, m.Version = raw.Command, raw.Reason, int(raw.Result), int(raw.Version)
	m.Output.Raw = raw.Output.Raw
	return nil
}

var fnPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Call runs the WHM API 1 function fn with params (GET
// /json-api/<fn>?api.version=1&...) and decodes the answer's data block into
// data (nil to ignore it). api.version=1 is always sent: without it WHM
// silently answers in the deprecated API 0 shape. A metadata.result of 0 is
// a *provider.Error of kind provider carrying metadata.reason (kind auth
// when the reason says access or permission was denied), with Status 0
// because the HTTP exchange itself succeeded.
//
// See https://api.docs.cpanel.net/whm/introduction/.
func (c *Client) Call(ctx context.Context, fn string, params url.Values, data any) (*Metadata, error) {
	if !fnPattern.MatchString(fn) {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "whm: invalid function name"}
	}
	q := url.Values{}
	for k, vs := range params {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("api.version", "1")
	u := c.base.JoinPath("json-api", fn)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "whm: cannot build the request for " + fn}
	}
	var env envelope
	if err := c.do(req, &env); err != nil {
		return nil, err
	}
	if env.Metadata == nil {
		return nil, c.redact(env.shapeError(fn))
	}
	md := env.Metadata
	if md.Result != 1 {
		reason := strings.TrimSpace(md.Reason)
		if reason == "" {
			reason = "WHM reported a failure for " + fn + " without a reason"
		}
		kind := provider.ErrProvider
		if deniedReason(reason) {
			kind = provider.ErrAuth
		}
		return md, c.redact(&provider.Error{Kind: kind, Message: providerhttp.Clip(reason, 500)})
	}
	if data != nil && len(env.Data) > 0 && !bytes.Equal(bytes.TrimSpace(env.Data), []byte("null")) {
		if err := json.Unmarshal(env.Data, data); err != nil {
			return md, &provider.Error{Kind: provider.ErrProvider, Message: "WHM answered " + fn + " with data in an unexpected shape"}
		}
	}
	return md, nil
}

// Version returns the WHM version, for example "11.118.0.5".
// It calls GET /json-api/version, which every authenticated user may call.
//
// See https://api.docs.cpanel.net/openapi/whm/operation/version/.
func (c *Client) Version(ctx context.Context) (string, error) {
	var d struct {
		Version string `json:"version"`
	}
	if _, err := c.Call(ctx, "version", nil, &d); err != nil {
		return "", err
	}
	if d.Version == "" {
		return "", &provider.Error{Kind: provider.ErrProvider, Message: "WHM answered version without a version number"}
	}
	return d.Version, nil
}

// Hostname returns the server's hostname (GET /json-api/gethostname).
//
// See https://api.docs.cpanel.net/openapi/whm/operation/gethostname/.
func (c *Client) Hostname(ctx context.Context) (string, error) {
	var d struct {
		Hostname string `json:"hostname"`
	}
	if _, err := c.Call(ctx, "gethostname", nil, &d); err != nil {
		return "", err
	}
	return d.Hostname, nil
}

// Applist returns the names of the API functions the token may call
// (GET /json-api/applist), in the order WHM lists them.
func (c *Client) Applist(ctx context.Context) ([]string, error) {
	var d struct {
		App []string `json:"app"`
	}
	if _, err := c.Call(ctx, "applist", nil, &d); err != nil {
		return nil, err
	}
	return d.App, nil
}

// Account is one entry of listaccts.
type Account struct {
	User          string `json:"user"`
	Domain        string `json:"domain"`
	Email         string `json:"email"`
	Plan          string `json:"plan"`
	Owner         string `json:"owner"`
	Suspended     bool   `json:"suspended"`
	SuspendReason string `json:"suspendreason"`
	// DiskUsed and DiskLimit are WHM's display strings ("12M", "unlimited").
	DiskUsed  string `json:"diskused"`
	DiskLimit string `json:"disklimit"`
	IP        string `json:"ip"`
	StartDate string `json:"startdate"`
	// UnixStartDate is the creation time in Unix seconds.
	UnixStartDate int64 `json:"unix_startdate"`
}

// UnmarshalJSON accepts suspended as 0/1 (WHM's form) or a boolean, and
// unix_startdate as a number or a numeric string.
func (a *Account) UnmarshalJSON(b []byte) error {
	type plain Account
	var raw struct {
		plain
		Suspended     intish `json:"suspended"`
		UnixStartDate intish `json:"unix_startdate"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*a = Account(raw.plain)
	a.Suspended = raw.Suspended != 0
	a.UnixStartDate = int64(raw.UnixStartDate)
	return nil
}

// ListAccountsOptions filters listaccts. The zero value lists every account
// the token can see.
type ListAccountsOptions struct {
	// Search is the value to look for, SearchType the column (domain, owner,
	// user, ip, package) and SearchMethod "exact" or "regex".
	Search       string
	SearchType   string
	SearchMethod string
}

// ListAccounts lists cPanel accounts (GET /json-api/listaccts).
//
// See https://api.docs.cpanel.net/openapi/whm/operation/listaccts/.
func (c *Client) ListAccounts(ctx context.Context, opts *ListAccountsOptions) ([]Account, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Search != "" {
			q.Set("search", opts.Search)
		}
		if opts.SearchType != "" {
			q.Set("searchtype", opts.SearchType)
		}
		if opts.SearchMethod != "" {
			q.Set("searchmethod", opts.SearchMethod)
		}
	}
	var d struct {
		Acct []Account `json:"acct"`
	}
	if _, err := c.Call(ctx, "listaccts", q, &d); err != nil {
		return nil, err
	}
	return d.Acct, nil
}

// do sends req with the token, decodes a 2xx JSON answer into v and maps
// everything else to a *provider.Error.
func (c *Client) do(req *http.Request, v any) error {
	req.Header.Set("Authorization", "whm "+c.user+":"+c.token.Reveal())
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
		msg := "expected a JSON answer from WHM; check that the base URL is the WHM address (normally port 2087)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return nil
}

// checkResponse maps a non-2xx answer. 401/403 are auth (bad or absent
// token, or a port that does not serve WHM); the message is WHM's own text
// from a cpanelresult or metadata body, else a short excerpt of the page.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg := errorText(body)
	if msg == "" {
		msg = providerhttp.Excerpt(body)
	}
	e := &provider.Error{
		Kind:    providerhttp.StatusKind(resp.StatusCode),
		Status:  resp.StatusCode,
		Message: providerhttp.DropStatusEcho(resp.StatusCode, msg),
	}
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
	return providerhttp.RedactError(err, c.token.Reveal(), "whm "+c.user+":"+c.token.Reveal())
}

// envelope covers the API 1 shape ({data, metadata}), the API 0 shape
// (status/statusmsg at the top level) and the cPanel API 2 style body WHM
// uses for authentication failures.
type envelope struct {
	Data         json.RawMessage `json:"data"`
	Metadata     *Metadata       `json:"metadata"`
	Status       *intish         `json:"status"`
	StatusMsg    string          `json:"statusmsg"`
	CPanelResult *cpanelResult   `json:"cpanelresult"`
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

// shapeError explains a 2xx answer without a metadata block.
func (e *envelope) shapeError(fn string) *provider.Error {
	if e.CPanelResult != nil && e.CPanelResult.text() != "" {
		msg := e.CPanelResult.text()
		kind := provider.ErrProvider
		if deniedReason(msg) {
			kind = provider.ErrAuth
		}
		return &provider.Error{Kind: kind, Message: providerhttp.Clip(msg, 500)}
	}
	msg := "WHM answered " + fn + " without API 1 metadata (an API 0 style answer); the server may not support WHM API 1"
	if e.StatusMsg != "" {
		msg += ": " + providerhttp.Clip(e.StatusMsg, 200)
	}
	return &provider.Error{Kind: provider.ErrProvider, Message: msg}
}

// errorText extracts WHM's own words from an error body, or "".
func errorText(body []byte) string {
	var env envelope
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	switch {
	case env.CPanelResult != nil && env.CPanelResult.text() != "":
		return providerhttp.Clip(env.CPanelResult.text(), 500)
	case env.Metadata != nil && env.Metadata.Reason != "":
		return providerhttp.Clip(env.Metadata.Reason, 500)
	case env.StatusMsg != "":
		return providerhttp.Clip(env.StatusMsg, 500)
	}
	return ""
}

// deniedReason reports whether an in-body reason means the token may not do
// this (WHM's "Access denied", or a permission failure).
func deniedReason(reason string) bool {
	r := strings.ToLower(reason)
	return strings.HasPrefix(r, "access denied") || strings.Contains(r, "permission denied")
}

// intish decodes a JSON number, numeric string or boolean as an int; WHM is
// not consistent about which it sends.
type intish int

func (n *intish) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch s {
	case "", "null", "false":
		*n = 0
		return nil
	case "true":
		*n = 1
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*n = intish(f)
	return nil
}
