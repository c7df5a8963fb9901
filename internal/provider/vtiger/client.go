package vtiger

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // the vTiger login is defined as md5(token + accessKey)
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// WebservicePath is the web services endpoint under the CRM address.
const WebservicePath = "/webservice.php"

// Session is a logged-in web services session.
type Session struct {
	// Name is the sessionName sent with every call; it is a credential
	// and never shown.
	Name          string `json:"sessionName"`
	UserID        string `json:"userId"`
	Version       string `json:"version"`
	VtigerVersion string `json:"vtigerVersion"`
}

// Client calls vTiger CRM web services as one user. It logs in on first use
// (getchallenge, then login with md5(token + accessKey)), keeps the session
// and logs in again once when vTiger says the session is invalid or expired.
// It is safe for concurrent use: concurrent calls share one login. Every
// method takes ctx first and returns a *provider.Error on failure, including
// the failures vTiger reports with HTTP 200 and success=false. No error text
// ever contains the access key or the session name.
//
// API reference: https://community.vtiger.com/help/vtigercrm/developers/third-party-app-integration.html
type Client struct {
	base      *url.URL
	hc        *http.Client
	user      string
	accessKey secret.Value

	login chan struct{} // a one-slot semaphore: one login at a time, cancellable
	mu    sync.Mutex
	sess  *Session

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the CRM at baseURL (the address opened in
// a browser; /webservice.php is appended), logging in as username with its
// webservice access key. hc is the caller's client (from egress); it must
// not be nil. A bad base URL or missing credentials is a *provider.Error of
// kind invalid. NewClient does no I/O.
func NewClient(baseURL string, hc *http.Client, username string, accessKey secret.Value) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "vtiger: no HTTP client"}
	}
	username = strings.TrimSpace(username)
	if username == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the vTiger user name is not set"}
	}
	if strings.ContainsAny(username, "\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the vTiger user name must be a single line"}
	}
	if accessKey.IsZero() {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the vTiger access key is not set"}
	}
	if strings.ContainsAny(accessKey.Reveal(), " \t\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the vTiger access key must not contain spaces or line breaks"}
	}
	return &Client{base: u, hc: hc, user: username, accessKey: accessKey, login: make(chan struct{}, 1)}, nil
}

// Login logs in now, replacing any current session, and returns the new
// session's facts.
func (c *Client) Login(ctx context.Context) (*Session, error) {
	c.mu.Lock()
	c.sess = nil
	c.mu.Unlock()
	s, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	cp := *s
	return &cp, nil
}

// session returns the current session, logging in if there is none. Only
// one login runs at a time; waiting for it honours ctx.
func (c *Client) session(ctx context.Context) (*Session, error) {
	if s := c.current(); s != nil {
		return s, nil
	}
	select {
	case c.login <- struct{}{}:
	case <-ctx.Done():
		return nil, providerhttp.TransportError(ctx, c.base.Host, ctx.Err())
	}
	defer func() { <-c.login }()
	if s := c.current(); s != nil {
		return s, nil
	}
	s, err := c.doLogin(ctx, true)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
	return s, nil
}

func (c *Client) current() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// invalidate drops s if it is still the current session.
func (c *Client) invalidate(s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == s {
		c.sess = nil
	}
}

// doLogin runs getchallenge and login. A challenge that expired between the
// two (INVALID_AUTH_TOKEN) is retried once when retry is set.
func (c *Client) doLogin(ctx context.Context, retry bool) (*Session, error) {
	var ch struct {
		Token string `json:"token"`
	}
	q := url.Values{"operation": {"getchallenge"}, "username": {c.user}}
	if err := c.do(ctx, http.MethodGet, "getchallenge", q, &ch, ""); err != nil {
		return nil, err
	}
	if ch.Token == "" {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "vTiger answered getchallenge without a token"}
	}
	sum := md5.Sum([]byte(ch.Token + c.accessKey.Reveal())) //nolint:gosec // wire format
	key := hex.EncodeToString(sum[:])
	form := url.Values{"operation": {"login"}, "username": {c.user}, "accessKey": {key}}
	var s Session
	err := c.do(ctx, http.MethodPost, "login", form, &s, key)
	var perr *provider.Error
	if retry && errors.As(err, &perr) && perr.Code == "INVALID_AUTH_TOKEN" {
		return c.doLogin(ctx, false)
	}
	if err != nil {
		return nil, err
	}
	if s.Name == "" {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "vTiger answered login without a session"}
	}
	return &s, nil
}

// sessionCodes are the error codes after which a new login may help.
var sessionCodes = []string{"INVALID_SESSIONID", "SESSION_EXPIRED", "SESSION_LEFT_IDLE", "AUTHENTICATION_REQUIRED"}

// Call runs operation with params in the current session (logging in
// first if needed) and decodes the answer's result into v. When vTiger
// answers that the session is invalid, expired or idle, the client logs in
// again and retries once.
func (c *Client) Call(ctx context.Context, method, operation string, params url.Values, v any) error {
	for attempt := 0; ; attempt++ {
		s, err := c.session(ctx)
		if err != nil {
			return err
		}
		q := url.Values{}
		for k, vs := range params {
			q[k] = append([]string(nil), vs...)
		}
		q.Set("operation", operation)
		q.Set("sessionName", s.Name)
		err = c.do(ctx, method, operation, q, v, s.Name)
		var perr *provider.Error
		if attempt == 0 && errors.As(err, &perr) && perr.Status == 0 && containsString(sessionCodes, perr.Code) {
			c.invalidate(s)
			continue
		}
		return err
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// do sends one request (GET with params in the query, POST form-encoded),
// decodes {"success":true,"result":…} into v and maps everything else.
// extra is one more value to redact (the login hash or the session name).
func (c *Client) do(ctx context.Context, method, operation string, params url.Values, v any, extra string) error {
	if method == http.MethodGet {
		ctx = provider.WithEndpoint(ctx, "GET "+WebservicePath+"?operation="+operation)
	} else {
		ctx = provider.WithEndpoint(ctx, "POST "+WebservicePath+" operation="+operation)
	}
	u := c.base.JoinPath(WebservicePath)
	var req *http.Request
	var err error
	if method == http.MethodGet {
		u.RawQuery = params.Encode()
		req, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(params.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "vtiger: cannot build the request for " + operation}
	}
	req.Header.Set("Accept", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	return providerhttp.RedactError(c.send(req, operation, v), c.accessKey.Reveal(), extra)
}

func (c *Client) send(req *http.Request, operation string, v any) error {
	resp, err := c.hc.Do(req)
	if err != nil {
		return providerhttp.TransportError(req.Context(), c.base.Host, err)
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.checkResponse(resp)
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return err
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Success == nil {
		msg := "expected a JSON answer from vTiger web services; check that the base URL is the CRM address (ihub calls " + WebservicePath + " under it)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return &provider.Error{Kind: provider.ErrProvider, Message: msg}
	}
	if !*env.Success {
		return env.failure(operation)
	}
	if v != nil && len(bytes.TrimSpace(env.Result)) > 0 {
		if err := json.Unmarshal(env.Result, v); err != nil {
			return &provider.Error{Kind: provider.ErrProvider, Message: "vTiger answered " + operation + " with a result in an unexpected shape"}
		}
	}
	return nil
}

type envelope struct {
	Success *bool           `json:"success"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// failure maps success=false (HTTP 200) to an error: kind auth for
// credential, session and permission codes, not_found for
// RECORD_NOT_FOUND, provider otherwise; Code is vTiger's code.
func (e *envelope) failure(operation string) *provider.Error {
	code, msg := "", ""
	if e.Error != nil {
		code, msg = strings.TrimSpace(e.Error.Code), strings.TrimSpace(e.Error.Message)
	}
	if msg == "" {
		msg = "vTiger reported a failure for " + operation
		if code != "" {
			msg += ": " + code
		}
	}
	kind := provider.ErrProvider
	switch code {
	case "INVALID_USER_CREDENTIALS", "ACCESSKEY_UNDEFINED", "AUTHENTICATION_FAILURE", "INVALID_AUTH_TOKEN",
		"AUTHENTICATION_REQUIRED", "INVALID_SESSIONID", "SESSION_EXPIRED", "SESSION_LEFT_IDLE", "ACCESS_DENIED":
		kind = provider.ErrAuth
	case "RECORD_NOT_FOUND":
		kind = provider.ErrNotFound
	}
	return &provider.Error{Kind: kind, Code: code, Message: providerhttp.Clip(msg, 500)}
}

// checkResponse maps a non-2xx answer: vTiger's error from a JSON body,
// else a short excerpt of the page.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg, code := "", ""
	var env envelope
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		msg, code = providerhttp.Clip(env.Error.Message, 500), env.Error.Code
	} else {
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &m) == nil {
			msg = providerhttp.Clip(m.Message, 500)
		}
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
		Code:       code,
		Message:    providerhttp.DropStatusEcho(resp.StatusCode, msg),
		RetryAfter: providerhttp.RetryAfter(resp.Header, now()),
	}
}

// TypeInfo describes one module of listtypes.
type TypeInfo struct {
	IsEntity bool   `json:"isEntity"`
	Label    string `json:"label"`
	Singular string `json:"singular"`
}

// Types is the answer of listtypes.
type Types struct {
	Types       []string            `json:"types"`
	Information map[string]TypeInfo `json:"information"`
}

// ListTypes lists the modules the user can access (GET operation=listtypes).
func (c *Client) ListTypes(ctx context.Context) (*Types, error) {
	var t Types
	if err := c.Call(ctx, http.MethodGet, "listtypes", nil, &t); err != nil {
		return nil, err
	}
	if t.Types == nil {
		t.Types = []string{}
	}
	return &t, nil
}

// Query runs a VTQL query (GET operation=query) and returns the records,
// each a map of field name to value (ids look like "12x34"). A missing
// trailing semicolon is added. vTiger caps each query at 100 (vTiger 6) or
// 200 (vTiger 7) rows whatever the LIMIT; page with LIMIT offset,count.
func (c *Client) Query(ctx context.Context, vtql string) ([]map[string]any, error) {
	vtql = strings.TrimSpace(vtql)
	if vtql == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the query is empty"}
	}
	if !strings.HasSuffix(vtql, ";") {
		vtql += ";"
	}
	var rows []map[string]any
	if err := c.Call(ctx, http.MethodGet, "query", url.Values{"query": {vtql}}, &rows); err != nil {
		return nil, err
	}
	if rows == nil {
		rows = []map[string]any{}
	}
	return rows, nil
}
