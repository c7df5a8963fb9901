package plesk

import (
	"bytes"
	"context"
	"encoding/base64"
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

// Client calls the Plesk REST API v2 as the administrator, with an API key
// (X-API-Key) or the administrator's login and password (HTTP Basic). It is
// safe for concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure; a cancelled ctx makes the call return
// promptly with a transport error that names the context error. No error
// text ever contains the key or the password.
//
// API reference: https://docs.plesk.com/en-US/obsidian/api-rpc/about-rest-api.79359/
type Client struct {
	base     *url.URL
	hc       *http.Client
	login    string
	apiKey   secret.Value
	password secret.Value

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the Plesk server at baseURL, the address
// the administrator opens in a browser, for example
// https://plesk.example.com:8443 (a path prefix is kept; /api/v2/... is
// appended per call; no port is added). With apiKey it authenticates with
// X-API-Key; without one, with HTTP Basic as login and password. hc is the
// caller's client; it must not be nil. A bad base URL or missing
// credentials is a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, login string, apiKey, password secret.Value) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "plesk: no HTTP client"}
	}
	if err := checkCredentials(login, apiKey, password); err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, login: login, apiKey: apiKey, password: password}, nil
}

func checkCredentials(login string, apiKey, password secret.Value) *provider.Error {
	if !apiKey.IsZero() {
		if strings.ContainsAny(apiKey.Reveal(), "\r\n") {
			return &provider.Error{Kind: provider.ErrInvalid, Message: "the Plesk API key must be a single line"}
		}
		return nil
	}
	switch {
	case password.IsZero():
		return &provider.Error{Kind: provider.ErrInvalid, Message: "neither a Plesk API key nor the administrator password is set"}
	case strings.TrimSpace(login) == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Plesk administrator login (username) is not set; it is needed with the password"}
	case strings.ContainsAny(login, ":\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Plesk administrator login must not contain colons or line breaks"}
	case strings.ContainsAny(password.Reveal(), "\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Plesk password must be a single line"}
	}
	return nil
}

// authorize sets X-API-Key, or HTTP Basic when no key is set.
func authorize(req *http.Request, login string, apiKey, password secret.Value) {
	if !apiKey.IsZero() {
		req.Header.Set("X-API-Key", apiKey.Reveal())
		return
	}
	req.SetBasicAuth(login, password.Reveal())
}

// ServerInfo is GET /api/v2/server.
type ServerInfo struct {
	Platform           string `json:"platform"`
	Hostname           string `json:"hostname"`
	GUID               string `json:"guid"`
	PanelVersion       string `json:"panel_version"`
	PanelRevision      string `json:"panel_revision"`
	PanelBuildDate     string `json:"panel_build_date"`
	PanelUpdateVersion string `json:"panel_update_version"`
	ExtensionVersion   string `json:"extension_version"`
	ExtensionRelease   string `json:"extension_release"`
}

// Customer is a Plesk client (customer or reseller) as listed by GET
// /api/v2/clients.
type Customer struct {
	ID          int64  `json:"id"`
	Created     string `json:"created"`
	Name        string `json:"name"`
	Company     string `json:"company"`
	Login       string `json:"login"`
	Status      int    `json:"status"`
	Email       string `json:"email"`
	Locale      string `json:"locale"`
	GUID        string `json:"guid"`
	OwnerLogin  string `json:"owner_login"`
	ExternalID  string `json:"external_id"`
	Description string `json:"description"`
	// Type is "customer", "reseller" or "admin".
	Type string `json:"type"`
}

// Domain is a domain (webspace, subscription or alias target) as listed by
// GET /api/v2/domains.
type Domain struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	ASCIIName    string `json:"ascii_name"`
	HostingType  string `json:"hosting_type"`
	BaseDomainID int64  `json:"base_domain_id"`
	WWWRoot      string `json:"www_root"`
	GUID         string `json:"guid"`
	Created      string `json:"created"`
}

// Server returns the server's identity and Plesk version (GET
// /api/v2/server).
func (c *Client) Server(ctx context.Context) (*ServerInfo, error) {
	s := new(ServerInfo)
	if err := c.get(ctx, "GET /api/v2/server", "server", nil, s); err != nil {
		return nil, err
	}
	return s, nil
}

// ListClients returns every client (customers and resellers) (GET
// /api/v2/clients). The API does not paginate.
func (c *Client) ListClients(ctx context.Context) ([]Customer, error) {
	out := []Customer{}
	if err := c.get(ctx, "GET /api/v2/clients", "clients", nil, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []Customer{}
	}
	return out, nil
}

// ListDomains returns every domain, or only the one named name when name is
// not empty (GET /api/v2/domains?name=...). The API does not paginate.
func (c *Client) ListDomains(ctx context.Context, name string) ([]Domain, error) {
	var q url.Values
	if name != "" {
		q = url.Values{"name": {name}}
	}
	out := []Domain{}
	if err := c.get(ctx, "GET /api/v2/domains", "domains", q, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []Domain{}
	}
	return out, nil
}

func (c *Client) get(ctx context.Context, endpoint, path string, q url.Values, v any) error {
	req, err := c.NewRequest(provider.WithEndpoint(ctx, endpoint), http.MethodGet, path, q, nil)
	if err != nil {
		return err
	}
	return c.Do(req, v)
}

// NewRequest builds a request for path relative to /api/v2 (for example
// "clients"), with query q and body encoded as JSON when not nil.
func (c *Client) NewRequest(ctx context.Context, method, path string, q url.Values, body any) (*http.Request, error) {
	if strings.HasPrefix(path, "/") || strings.Contains(path, "://") || strings.Contains(path, "?") || strings.Contains(path, "..") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "plesk: request paths are relative to /api/v2"}
	}
	u := c.base.JoinPath("api", "v2", path)
	u.RawQuery = q.Encode()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "plesk: cannot encode the request body: " + err.Error()}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "plesk: cannot build the request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Do sends req with the credentials, decodes a 2xx JSON answer into v (nil
// to discard it) and maps everything else to a *provider.Error: 401/403
// auth, 404 not found, 429 rate limited, other statuses provider, with
// Plesk's own code and message when the body is {"code", "message"}.
func (c *Client) Do(req *http.Request, v any) error {
	authorize(req, c.login, c.apiKey, c.password)
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
	if v == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return c.redact(err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		msg := "expected a JSON answer from the Plesk REST API; check that the base URL is the Plesk address (normally port 8443)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return nil
}

// errorBody is Plesk's error document [L].
type errorBody struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
}

func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	var eb errorBody
	msg, code := "", ""
	if json.Unmarshal(body, &eb) == nil && eb.Message != "" {
		msg = providerhttp.Clip(eb.Message, 500)
		code = strings.Trim(string(bytes.TrimSpace(eb.Code)), `"`)
		if code == "null" {
			code = ""
		}
		if _, err := strconv.ParseFloat(code, 64); err != nil && len(code) > 64 {
			code = ""
		}
	} else {
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

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	secrets := []string{c.apiKey.Reveal(), c.password.Reveal()}
	if !c.password.IsZero() {
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(c.login+":"+c.password.Reveal())))
	}
	return providerhttp.RedactError(err, secrets...)
}
