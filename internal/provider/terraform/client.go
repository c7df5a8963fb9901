package terraform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
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

// DefaultBaseURL is the API root of HCP Terraform.
const DefaultBaseURL = "https://app.terraform.io/api/v2"

// MediaType is the JSON:API media type the API speaks.
const MediaType = "application/vnd.api+json"

// Client calls the HCP Terraform / Terraform Enterprise API v2 with one
// token. It is safe for concurrent use. Every method takes ctx first and
// returns a *provider.Error on failure; a cancelled ctx makes the call
// return promptly with a transport error naming the context error. No error
// text contains the token.
//
// API reference: https://developer.hashicorp.com/terraform/cloud-docs/api-docs
type Client struct {
	base  *url.URL
	hc    *http.Client
	token secret.Value

	// Organization is the default organization of actions whose input
	// names none (the integration's organization setting).
	Organization string
	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the API root baseURL: "" or
// https://app.terraform.io/api/v2, or https://<tfe-host>/api/v2 for
// Terraform Enterprise. token is a user, team or organization token, sent
// as "Authorization: Bearer". Problems are a *provider.Error of kind
// invalid.
func NewClient(baseURL string, hc *http.Client, token secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "terraform: no HTTP client"}
	}
	if err := checkToken(token.Reveal()); err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, token: token}, nil
}

func checkToken(tok string) error {
	switch {
	case tok == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Terraform API token is not set"}
	case strings.ContainsAny(tok, " \t\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Terraform API token must not contain spaces or line breaks"}
	}
	return nil
}

// Host is the API host, to name the product in messages.
func (c *Client) Host() string { return c.base.Host }

// Response is an answer's metadata. The body has been read and closed.
type Response struct {
	*http.Response
	// RateLimit is x-ratelimit-limit, RateLimitRemaining
	// x-ratelimit-remaining; 0 when absent.
	RateLimit, RateLimitRemaining int
}

// Pagination is JSON:API meta.pagination; NextPage is 0 on the last page.
type Pagination struct {
	CurrentPage int `json:"current-page"`
	NextPage    int `json:"next-page"`
	PrevPage    int `json:"prev-page"`
	TotalPages  int `json:"total-pages"`
	TotalCount  int `json:"total-count"`
}

// Account is the token's user (GET /account/details). Team and
// organization tokens authenticate as a service user.
type Account struct {
	ID               string
	Username         string `json:"username"`
	Email            string `json:"email"`
	IsServiceAccount bool   `json:"is-service-account"`
	TwoFactor        struct {
		Enabled  bool `json:"enabled"`
		Verified bool `json:"verified"`
	} `json:"two-factor"`
}

// Workspace is a workspace's attributes as listed by GET
// /organizations/{org}/workspaces.
type Workspace struct {
	ID               string
	Name             string    `json:"name"`
	Description      string    `json:"description"`
	TerraformVersion string    `json:"terraform-version"`
	ExecutionMode    string    `json:"execution-mode"`
	AutoApply        bool      `json:"auto-apply"`
	Locked           bool      `json:"locked"`
	ResourceCount    int       `json:"resource-count"`
	CreatedAt        time.Time `json:"created-at"`
	UpdatedAt        time.Time `json:"updated-at"`
}

// Run is a run (POST /runs).
type Run struct {
	ID          string
	WorkspaceID string
	Status      string    `json:"status"`
	Message     string    `json:"message"`
	IsDestroy   bool      `json:"is-destroy"`
	AutoApply   bool      `json:"auto-apply"`
	PlanOnly    bool      `json:"plan-only"`
	Source      string    `json:"source"`
	CreatedAt   time.Time `json:"created-at"`
}

// RunCreateOptions are the attributes of a new run. Nil fields are left to
// the workspace's settings.
type RunCreateOptions struct {
	WorkspaceID string
	Message     string
	AutoApply   *bool
	IsDestroy   bool
	PlanOnly    bool
}

// WorkspaceListOptions filters GET /organizations/{org}/workspaces.
type WorkspaceListOptions struct {
	// Search is a substring of the workspace name (search[name]).
	Search string
	// PageNumber is 1-based; PageSize at most 100 (0 means 20).
	PageNumber, PageSize int
}

// resource is a JSON:API resource object.
type resource struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Attributes    json.RawMessage `json:"attributes"`
	Relationships map[string]struct {
		Data *struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"data"`
	} `json:"relationships"`
}

func (r *resource) relID(name string) string {
	if rel, ok := r.Relationships[name]; ok && rel.Data != nil {
		return rel.Data.ID
	}
	return ""
}

type document struct {
	Data json.RawMessage `json:"data"`
	Meta struct {
		Pagination *Pagination `json:"pagination"`
	} `json:"meta"`
}

var (
	orgRE       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	nameRE      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,90}$`)
	workspaceRE = regexp.MustCompile(`^ws-[A-Za-z0-9]{1,64}$`)
)

// checkOrg checks an organization the caller names; a bad one is an input
// error naming the actions' organization field.
func checkOrg(org string) error {
	if !orgRE.MatchString(org) {
		return provider.InputError("organization", "must be an organization name (letters, digits, '-' and '_')")
	}
	return nil
}

// errOrgSetting is a bad organization setting: a configuration error,
// unlike a bad organization input.
var errOrgSetting = &provider.Error{Kind: provider.ErrInvalid, Message: "the organization setting must be an organization name (letters, digits, '-' and '_')"}

// AccountDetails returns the token's user.
//
// API docs: https://developer.hashicorp.com/terraform/cloud-docs/api-docs/account#get-your-account-details
//
//meta:operation GET /account/details
func (c *Client) AccountDetails(ctx context.Context) (*Account, *Response, error) {
	var doc document
	resp, err := c.call(ctx, http.MethodGet, "GET /api/v2/account/details", "account/details", nil, nil, &doc)
	if err != nil {
		return nil, resp, err
	}
	a := new(Account)
	r, err := decodeOne(doc, a)
	if err != nil {
		return nil, resp, err
	}
	a.ID = r.ID
	return a, resp, nil
}

// ListWorkspaces lists an organization's workspaces the token can see.
//
// API docs: https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspaces#list-workspaces
//
//meta:operation GET /organizations/{organization_name}/workspaces
func (c *Client) ListWorkspaces(ctx context.Context, org string, opts *WorkspaceListOptions) ([]*Workspace, *Pagination, *Response, error) {
	if err := checkOrg(org); err != nil {
		return nil, nil, nil, err
	}
	q := url.Values{}
	if opts != nil {
		if opts.Search != "" {
			q.Set("search[name]", opts.Search)
		}
		if opts.PageNumber > 0 {
			q.Set("page[number]", strconv.Itoa(opts.PageNumber))
		}
		if opts.PageSize > 0 {
			q.Set("page[size]", strconv.Itoa(min(opts.PageSize, 100)))
		}
	}
	var doc document
	resp, err := c.call(ctx, http.MethodGet, "GET /api/v2/organizations/{organization_name}/workspaces",
		"organizations/"+url.PathEscape(org)+"/workspaces", q, nil, &doc)
	if err != nil {
		return nil, nil, resp, err
	}
	var rs []resource
	if err := json.Unmarshal(orEmpty(doc.Data), &rs); err != nil {
		return nil, nil, resp, shapeError(err)
	}
	out := make([]*Workspace, 0, len(rs))
	for _, r := range rs {
		w := new(Workspace)
		if err := json.Unmarshal(orObject(r.Attributes), w); err != nil {
			return nil, nil, resp, shapeError(err)
		}
		w.ID = r.ID
		out = append(out, w)
	}
	pg := doc.Meta.Pagination
	if pg == nil {
		pg = &Pagination{}
	}
	return out, pg, resp, nil
}

// ReadWorkspace returns an organization's workspace by name.
//
// API docs: https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspaces#show-workspace
//
//meta:operation GET /organizations/{organization_name}/workspaces/{name}
func (c *Client) ReadWorkspace(ctx context.Context, org, name string) (*Workspace, *Response, error) {
	if err := checkOrg(org); err != nil {
		return nil, nil, err
	}
	if !nameRE.MatchString(name) {
		return nil, nil, provider.InputError("workspace", "may only contain letters, digits, '-' and '_'")
	}
	var doc document
	resp, err := c.call(ctx, http.MethodGet, "GET /api/v2/organizations/{organization_name}/workspaces/{name}",
		"organizations/"+url.PathEscape(org)+"/workspaces/"+url.PathEscape(name), nil, nil, &doc)
	if err != nil {
		return nil, resp, err
	}
	w := new(Workspace)
	r, err := decodeOne(doc, w)
	if err != nil {
		return nil, resp, err
	}
	w.ID = r.ID
	return w, resp, nil
}

// CreateRun queues a run in a workspace. The run is planned and, with
// auto-apply, applied; organization tokens cannot start runs.
//
// API docs: https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#create-a-run
//
//meta:operation POST /runs
func (c *Client) CreateRun(ctx context.Context, opts *RunCreateOptions) (*Run, *Response, error) {
	if opts == nil || !workspaceRE.MatchString(opts.WorkspaceID) {
		return nil, nil, provider.InputError("workspaceId", "must look like ws-…")
	}
	attrs := map[string]any{}
	if opts.Message != "" {
		attrs["message"] = opts.Message
	}
	if opts.AutoApply != nil {
		attrs["auto-apply"] = *opts.AutoApply
	}
	if opts.IsDestroy {
		attrs["is-destroy"] = true
	}
	if opts.PlanOnly {
		attrs["plan-only"] = true
	}
	body := map[string]any{"data": map[string]any{
		"type":       "runs",
		"attributes": attrs,
		"relationships": map[string]any{
			"workspace": map[string]any{"data": map[string]any{"type": "workspaces", "id": opts.WorkspaceID}},
		},
	}}
	var doc document
	resp, err := c.call(ctx, http.MethodPost, "POST /api/v2/runs", "runs", nil, body, &doc)
	if err != nil {
		return nil, resp, err
	}
	run := new(Run)
	r, err := decodeOne(doc, run)
	if err != nil {
		return nil, resp, err
	}
	run.ID = r.ID
	run.WorkspaceID = r.relID("workspace")
	return run, resp, nil
}

func decodeOne(doc document, attrs any) (*resource, error) {
	var r resource
	if err := json.Unmarshal(orObject(doc.Data), &r); err != nil {
		return nil, shapeError(err)
	}
	if r.ID == "" {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "the Terraform API answered without a data object; check that the base URL is the API root (https://<host>/api/v2)"}
	}
	if err := json.Unmarshal(orObject(r.Attributes), attrs); err != nil {
		return nil, shapeError(err)
	}
	return &r, nil
}

func orEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || string(b) == "null" {
		return json.RawMessage("[]")
	}
	return b
}

func orObject(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || string(b) == "null" {
		return json.RawMessage("{}")
	}
	return b
}

func shapeError(err error) *provider.Error {
	return &provider.Error{Kind: provider.ErrProvider, Message: "the Terraform API answered an unexpected document: " + providerhttp.Clip(err.Error(), 200)}
}

// call sends one request: path is relative to the base URL and already
// escaped, endpoint the template recorded on the context.
func (c *Client) call(ctx context.Context, method, endpoint, path string, q url.Values, body, v any) (*Response, error) {
	req, err := c.NewRequest(provider.WithEndpoint(ctx, endpoint), method, path, q, body)
	if err != nil {
		return nil, err
	}
	return c.Do(req, v)
}

// NewRequest builds a request for the escaped path relative to the base URL
// with query q and body encoded as JSON:API when not nil.
func (c *Client) NewRequest(ctx context.Context, method, path string, q url.Values, body any) (*http.Request, error) {
	if strings.HasPrefix(path, "/") || strings.Contains(path, "://") || strings.ContainsAny(path, "?#") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "terraform: request paths are relative to the base URL"}
	}
	u, err := url.Parse(c.base.String() + "/" + path)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "terraform: invalid request path"}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "terraform: cannot encode the request body: " + err.Error()}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "terraform: cannot build the request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", MediaType)
	}
	req.Header.Set("Accept", MediaType)
	return req, nil
}

// Do sends req with the token and decodes a 2xx JSON answer into v (nil to
// discard it). The returned Response is non-nil whenever the API answered.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	providerhttp.SetUserAgent(req, c.UserAgent)
	hresp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(req.Context(), c.base.Host, err))
	}
	defer providerhttp.Drain(hresp)
	resp := &Response{Response: hresp,
		RateLimit:          atoi(hresp.Header.Get("X-RateLimit-Limit")),
		RateLimitRemaining: atoi(hresp.Header.Get("X-RateLimit-Remaining")),
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		return resp, c.redact(c.checkResponse(hresp))
	}
	if v == nil || hresp.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	body, err := providerhttp.ReadBody(hresp, providerhttp.MaxBody)
	if err != nil {
		return resp, c.redact(err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		msg := "expected a JSON:API answer from the Terraform API; check that the base URL is the API root (https://<host>/api/v2)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return resp, c.redact(&provider.Error{Kind: provider.ErrProvider, Status: hresp.StatusCode, Message: msg})
	}
	return resp, nil
}

// checkResponse maps a non-2xx answer: 401 auth (403 too), 404 not found —
// which is also how the API hides resources the token may not see — 429
// rate_limited with RetryAfter from Retry-After or x-ratelimit-reset
// (seconds [?]; one second when neither is sent, the limit being per
// second), everything else provider. The message joins the JSON:API error
// objects' title and detail, else an excerpt.
func (c *Client) checkResponse(r *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(r)
	code, msg := errorText(body)
	if msg == "" {
		msg = providerhttp.Excerpt(body)
	}
	msg = providerhttp.DropStatusEcho(r.StatusCode, providerhttp.Clip(msg, 400))
	if r.StatusCode == http.StatusNotFound {
		hint := "not found, or not visible to this token"
		if msg == "" || strings.EqualFold(msg, "not found") {
			msg = hint
		} else {
			msg += " (" + hint + ")"
		}
	}
	e := &provider.Error{Kind: providerhttp.StatusKind(r.StatusCode), Status: r.StatusCode, Code: code, Message: msg}
	if r.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = providerhttp.RetryAfter(r.Header, c.now())
		if e.RetryAfter <= 0 {
			if secs, err := strconv.ParseFloat(strings.TrimSpace(r.Header.Get("X-RateLimit-Reset")), 64); err == nil && secs > 0 && secs < 3600 {
				e.RetryAfter = time.Duration(secs * float64(time.Second))
			} else {
				e.RetryAfter = time.Second
			}
		}
	}
	return e
}

// errorText reads {"errors":[{"status":"422","title":"invalid attribute",
// "detail":"Name has already been taken","code":"...","source":{...}}]}.
// status is a string or, in 429 answers, a number.
func errorText(body []byte) (code, msg string) {
	var doc struct {
		Errors []struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
			Code   string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &doc) != nil {
		// Some endpoints answer {"errors":["not found"]} [?].
		var flat struct {
			Errors []string `json:"errors"`
		}
		if json.Unmarshal(body, &flat) == nil {
			return "", strings.Join(flat.Errors, "; ")
		}
		return "", ""
	}
	var parts []string
	for i, e := range doc.Errors {
		if i == 3 {
			break
		}
		switch {
		case e.Title != "" && e.Detail != "" && !strings.EqualFold(e.Title, e.Detail):
			parts = append(parts, e.Title+": "+e.Detail)
		case e.Detail != "":
			parts = append(parts, e.Detail)
		case e.Title != "":
			parts = append(parts, e.Title)
		}
		if code == "" {
			code = e.Code
		}
	}
	return code, strings.Join(parts, "; ")
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.token.Reveal())
}

// kindOf returns the kind of a *provider.Error, or "" for other errors.
func kindOf(err error) provider.ErrorKind {
	var perr *provider.Error
	if errors.As(err, &perr) {
		return perr.Kind
	}
	return ""
}
