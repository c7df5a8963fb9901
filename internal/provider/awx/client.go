package awx

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// DefaultAPIPath is the API root of AWX and Tower under the base URL.
const DefaultAPIPath = "/api/v2/"

// Credentials authenticate a client: Token (an OAuth2 personal access
// token, sent as "Authorization: Bearer") or, when Basic auth is enabled on
// the controller, Username and Password.
type Credentials struct {
	Token    secret.Value
	Username string
	Password secret.Value
}

// Client calls the AWX / Automation Controller API v2. It is safe for
// concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure; no error text ever contains a credential.
//
// API reference: https://docs.ansible.com/automation-controller/latest/html/controllerapi/index.html
type Client struct {
	base    *url.URL // base URL joined with the API path, without a trailing slash
	apiPath string
	hc      *http.Client
	cred    Credentials
	secrets []string

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

var apiPathPattern = regexp.MustCompile(`^/([A-Za-z0-9_.-]+/)*$`)

// NormalizeAPIPath returns apiPath ("" meaning DefaultAPIPath) with leading
// and trailing slashes, or an invalid *provider.Error.
func NormalizeAPIPath(apiPath string) (string, error) {
	p := strings.TrimSpace(apiPath)
	if p == "" {
		return DefaultAPIPath, nil
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	if !apiPathPattern.MatchString(p) || strings.Contains(p, "/../") || strings.Contains(p, "/./") {
		return "", &provider.Error{Kind: provider.ErrInvalid, Message: "the AWX API path must be a path such as /api/v2/ or /api/controller/v2/"}
	}
	return p, nil
}

// NewClient returns a client for the controller at baseURL (the address
// opened in a browser, https://awx.example.com) with the API under apiPath
// ("" means /api/v2/; /api/controller/v2/ behind the AAP 2.5+ gateway [?]).
// hc is the caller's client (from egress); it must not be nil. A bad base
// URL or path or missing credentials is a *provider.Error of kind invalid.
func NewClient(baseURL, apiPath string, hc *http.Client, cred Credentials) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	p, err := NormalizeAPIPath(apiPath)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "awx: no HTTP client"}
	}
	if err := checkCredentials(cred); err != nil {
		return nil, err
	}
	base := u.JoinPath(strings.TrimSuffix(p, "/"))
	c := &Client{base: base, apiPath: p, hc: hc, cred: cred}
	c.secrets = []string{cred.Token.Reveal(), cred.Password.Reveal()}
	if !cred.Password.IsZero() {
		c.secrets = append(c.secrets, basicValue(cred))
	}
	return c, nil
}

func checkCredentials(cred Credentials) error {
	invalid := func(msg string) error { return &provider.Error{Kind: provider.ErrInvalid, Message: msg} }
	switch {
	case !cred.Token.IsZero():
		if strings.ContainsAny(cred.Token.Reveal(), " \t\r\n") {
			return invalid("the AWX access token must not contain spaces or line breaks")
		}
	case strings.TrimSpace(cred.Username) != "" || !cred.Password.IsZero():
		if strings.TrimSpace(cred.Username) == "" || cred.Password.IsZero() {
			return invalid("basic auth needs both the AWX user name and the password")
		}
		if strings.ContainsAny(cred.Username, ":\r\n") || strings.ContainsAny(cred.Password.Reveal(), "\r\n") {
			return invalid("the AWX user name must not contain colons and the credentials must be single lines")
		}
	default:
		return invalid("the AWX access token is not set")
	}
	return nil
}

func basicValue(cred Credentials) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(strings.TrimSpace(cred.Username), cred.Password.Reveal())
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// authorize sets the Authorization header.
func authorize(req *http.Request, cred Credentials) {
	if !cred.Token.IsZero() {
		req.Header.Set("Authorization", "Bearer "+cred.Token.Reveal())
		return
	}
	req.SetBasicAuth(strings.TrimSpace(cred.Username), cred.Password.Reveal())
}

// Get, Post: path is relative to the API root and must end with a slash
// (Django REST Framework redirects otherwise).
func (c *Client) call(ctx context.Context, method, template, path string, q url.Values, body, v any) (*http.Response, error) {
	ctx = provider.WithEndpoint(ctx, method+" "+c.apiPath+template)
	u := c.base.JoinPath(path)
	if strings.HasSuffix(path, "/") && !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery = q.Encode()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "awx: cannot encode the request body: " + err.Error()}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "awx: cannot build the request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	authorize(req, c.cred)
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.do(req, v)
	return resp, c.redact(err)
}

func (c *Client) do(req *http.Request, v any) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, providerhttp.TransportError(req.Context(), c.base.Host, err)
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, c.checkResponse(resp)
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return resp, err
	}
	if v == nil {
		return resp, nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		msg := "expected a JSON answer from the AWX API; check the base URL and the API path (/api/v2/, or /api/controller/v2/ behind the AAP gateway)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return resp, &provider.Error{Kind: provider.ErrProvider, Message: msg}
	}
	return resp, nil
}

// checkResponse maps a non-2xx answer. The message is DRF's "detail", or
// for 400 validation answers the field → messages map ("extra_vars: Must be
// valid JSON or YAML."), else a short excerpt of the page.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg, code := errorText(body)
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

// errorText extracts DRF's words and, for validation errors, the first
// field name as the code.
func errorText(body []byte) (msg, code string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "", ""
	}
	if raw, ok := m["detail"]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return providerhttp.Clip(s, 500), ""
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		var list []any
		var one any
		switch {
		case json.Unmarshal(m[k], &list) == nil:
			var ss []string
			for _, x := range list {
				if s, ok := x.(string); ok {
					ss = append(ss, s)
				}
			}
			parts = append(parts, k+": "+strings.Join(ss, "; "))
		case json.Unmarshal(m[k], &one) == nil:
			if s, ok := one.(string); ok {
				parts = append(parts, k+": "+s)
			} else {
				parts = append(parts, k)
			}
		}
		if code == "" {
			code = k
		}
	}
	return providerhttp.Clip(strings.Join(parts, "; "), 500), code
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.secrets...)
}

// User is the authenticated user (GET me/).
type User struct {
	ID              int    `json:"id"`
	Username        string `json:"username"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	Email           string `json:"email"`
	IsSuperuser     bool   `json:"is_superuser"`
	IsSystemAuditor bool   `json:"is_system_auditor"`
}

// Me returns the user the credentials belong to (GET me/, a one-item list).
func (c *Client) Me(ctx context.Context) (*User, error) {
	var page struct {
		Results []User `json:"results"`
	}
	if _, err := c.call(ctx, http.MethodGet, "me/", "me/", nil, nil, &page); err != nil {
		return nil, err
	}
	if len(page.Results) == 0 {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "AWX answered me/ without a user"}
	}
	return &page.Results[0], nil
}

// Ping is the answer of ping/, which needs no authentication.
type Ping struct {
	Version    string `json:"version"`
	ActiveNode string `json:"active_node"`
	HA         bool   `json:"ha"`
}

// Ping returns the controller version (GET ping/).
func (c *Client) Ping(ctx context.Context) (*Ping, error) {
	var p Ping
	if _, err := c.call(ctx, http.MethodGet, "ping/", "ping/", nil, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// JobTemplate is one job template.
type JobTemplate struct {
	ID                   int    `json:"id"`
	Name                 string `json:"name"`
	Description          string `json:"description"`
	JobType              string `json:"job_type"`
	Inventory            *int   `json:"inventory"`
	Project              *int   `json:"project"`
	Playbook             string `json:"playbook"`
	Status               string `json:"status"`
	LastJobRun           string `json:"last_job_run"`
	AskVariablesOnLaunch bool   `json:"ask_variables_on_launch"`
	AskLimitOnLaunch     bool   `json:"ask_limit_on_launch"`
	AskInventoryOnLaunch bool   `json:"ask_inventory_on_launch"`
}

// ListOptions pages a list; zero values mean the server's defaults.
type ListOptions struct {
	Page, PageSize int
}

// JobTemplateListOptions filters job templates.
type JobTemplateListOptions struct {
	// Name is an exact name; Search a text matched by the server's search.
	Name, Search string
	ListOptions
}

// Page is the paging block of a list answer.
type Page struct {
	Count    int    `json:"count"`
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

// ListJobTemplates lists job templates (GET job_templates/).
func (c *Client) ListJobTemplates(ctx context.Context, opts *JobTemplateListOptions) ([]JobTemplate, *Page, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Name != "" {
			q.Set("name", opts.Name)
		}
		if opts.Search != "" {
			q.Set("search", opts.Search)
		}
		if opts.Page > 0 {
			q.Set("page", strconv.Itoa(opts.Page))
		}
		if opts.PageSize > 0 {
			q.Set("page_size", strconv.Itoa(opts.PageSize))
		}
	}
	var out struct {
		Page
		Results []JobTemplate `json:"results"`
	}
	if _, err := c.call(ctx, http.MethodGet, "job_templates/", "job_templates/", q, nil, &out); err != nil {
		return nil, nil, err
	}
	if out.Results == nil {
		out.Results = []JobTemplate{}
	}
	return out.Results, &out.Page, nil
}

// LaunchOptions are the launch-time prompts. AWX honours each only when the
// template asks for it on launch; others come back in IgnoredFields.
type LaunchOptions struct {
	ExtraVars map[string]any `json:"extra_vars,omitempty"`
	Limit     string         `json:"limit,omitempty"`
	Inventory int            `json:"inventory,omitempty"`
}

// Launch is the answer of a launch: the new job's id and what AWX ignored.
type Launch struct {
	Job           int            `json:"job"`
	Status        string         `json:"status"`
	IgnoredFields map[string]any `json:"ignored_fields"`
}

// LaunchJobTemplate launches a job template (POST
// job_templates/{id}/launch/, 201 Created).
func (c *Client) LaunchJobTemplate(ctx context.Context, id int, opts *LaunchOptions) (*Launch, error) {
	if opts == nil {
		opts = &LaunchOptions{}
	}
	var out Launch
	if _, err := c.call(ctx, http.MethodPost, "job_templates/{id}/launch/",
		"job_templates/"+strconv.Itoa(id)+"/launch/", nil, opts, &out); err != nil {
		return nil, err
	}
	if out.Job == 0 {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "AWX answered the launch without a job id"}
	}
	return &out, nil
}

// Job is a job's state (GET jobs/{id}/). Status is one of new, pending,
// waiting, running, successful, failed, error, canceled.
type Job struct {
	ID          int     `json:"id"`
	Name        string  `json:"name"`
	Status      string  `json:"status"`
	Failed      bool    `json:"failed"`
	Started     *string `json:"started"`
	Finished    *string `json:"finished"`
	Elapsed     float64 `json:"elapsed"`
	JobTemplate *int    `json:"job_template"`
	LaunchType  string  `json:"launch_type"`
	Limit       string  `json:"limit"`
}

// Job returns one job (GET jobs/{id}/).
func (c *Client) Job(ctx context.Context, id int) (*Job, error) {
	var j Job
	if _, err := c.call(ctx, http.MethodGet, "jobs/{id}/", "jobs/"+strconv.Itoa(id)+"/", nil, nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}
