package gitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// DefaultBaseURL is the API root of gitlab.com.
const DefaultBaseURL = "https://gitlab.com/api/v4"

// The ways a token can be sent (providers.md A9).
const (
	// HeaderBearer sends "Authorization: Bearer <token>": personal, group,
	// project and OAuth access tokens.
	HeaderBearer = "bearer"
	// HeaderPrivateToken sends "PRIVATE-TOKEN: <token>": personal, group
	// and project access tokens, not OAuth tokens.
	HeaderPrivateToken = "private_token"
)

// Client calls the GitLab REST API v4 with one token. It is safe for
// concurrent use. Every method takes ctx first and returns a *provider.Error
// on failure; a cancelled ctx makes the call return promptly with a
// transport error naming the context error. No error text contains the
// token.
//
// API reference: https://docs.gitlab.com/api/rest/
type Client struct {
	base   *url.URL
	hc     *http.Client
	token  secret.Value
	header string

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock for Retry-After dates and rate-limit resets; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the API root baseURL: "" or
// https://gitlab.com/api/v4 for gitlab.com, https://<host>/api/v4 for a
// self-managed instance. header is HeaderBearer ("" means it) or
// HeaderPrivateToken. A bad base URL, header or token is a *provider.Error
// of kind invalid.
func NewClient(baseURL string, hc *http.Client, token secret.Value, header string) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "gitlab: no HTTP client"}
	}
	if err := checkToken(token.Reveal()); err != nil {
		return nil, err
	}
	switch header {
	case "":
		header = HeaderBearer
	case HeaderBearer, HeaderPrivateToken:
	default:
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the token header must be bearer or private_token"}
	}
	return &Client{base: u, hc: hc, token: token, header: header}, nil
}

func checkToken(tok string) error {
	switch {
	case tok == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the GitLab access token is not set"}
	case strings.ContainsAny(tok, " \t\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the GitLab access token must not contain spaces or line breaks"}
	}
	return nil
}

// setAuth adds the token in the configured header.
func setAuth(h http.Header, header, tok string) {
	if header == HeaderPrivateToken {
		h.Set("PRIVATE-TOKEN", tok)
		return
	}
	h.Set("Authorization", "Bearer "+tok)
}

// Response is a GitLab answer's metadata. The body has been read and closed.
type Response struct {
	*http.Response
	// Offset pagination headers; 0 when absent. TotalPages and Total are
	// omitted by GitLab above 10 000 items and on some endpoints (commits):
	// rely on NextPage being 0 on the last page.
	Page, PerPage, NextPage, PrevPage, Total, TotalPages int
	// RateLimit is RateLimit-Limit and RateLimitRemaining
	// RateLimit-Remaining; GitLab does not send them on every endpoint, so
	// both are 0 when absent.
	RateLimit, RateLimitRemaining int
}

// User is the authenticated user (GET /user).
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	State    string `json:"state"`
	Email    string `json:"email"`
	WebURL   string `json:"web_url"`
	IsAdmin  bool   `json:"is_admin"`
	Bot      bool   `json:"bot"`
}

// Version is the instance version (GET /version).
type Version struct {
	Version  string `json:"version"`
	Revision string `json:"revision"`
}

// AccessToken is the token in use (GET /personal_access_tokens/self).
type AccessToken struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	Active    bool     `json:"active"`
	Revoked   bool     `json:"revoked"`
	ExpiresAt string   `json:"expires_at"` // YYYY-MM-DD or null
}

// Project is a project as listed by GET /projects?simple=true.
type Project struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	Path              string `json:"path"`
	PathWithNamespace string `json:"path_with_namespace"`
	DefaultBranch     string `json:"default_branch"`
	WebURL            string `json:"web_url"`
	Visibility        string `json:"visibility"`
	Archived          bool   `json:"archived"`
}

// Commit is a commit as listed by GET /projects/:id/repository/commits.
type Commit struct {
	ID          string    `json:"id"`
	ShortID     string    `json:"short_id"`
	Title       string    `json:"title"`
	Message     string    `json:"message"`
	AuthorName  string    `json:"author_name"`
	AuthorEmail string    `json:"author_email"`
	CreatedAt   time.Time `json:"created_at"`
	WebURL      string    `json:"web_url"`
}

// ProjectHook is a project webhook (POST /projects/:id/hooks). GitLab never
// returns the secret token.
type ProjectHook struct {
	ID                     int64     `json:"id"`
	URL                    string    `json:"url"`
	ProjectID              int64     `json:"project_id"`
	PushEvents             bool      `json:"push_events"`
	TagPushEvents          bool      `json:"tag_push_events"`
	MergeRequestsEvents    bool      `json:"merge_requests_events"`
	IssuesEvents           bool      `json:"issues_events"`
	NoteEvents             bool      `json:"note_events"`
	PipelineEvents         bool      `json:"pipeline_events"`
	JobEvents              bool      `json:"job_events"`
	ReleasesEvents         bool      `json:"releases_events"`
	EnableSSLVerification  bool      `json:"enable_ssl_verification"`
	PushEventsBranchFilter string    `json:"push_events_branch_filter"`
	CreatedAt              time.Time `json:"created_at"`
}

// AddHookOptions is the body of POST /projects/:id/hooks. Nil booleans are
// left to GitLab's defaults (push_events true, the others false,
// enable_ssl_verification true).
type AddHookOptions struct {
	URL                    string `json:"url"`
	Token                  string `json:"token,omitempty"`
	PushEvents             *bool  `json:"push_events,omitempty"`
	TagPushEvents          *bool  `json:"tag_push_events,omitempty"`
	MergeRequestsEvents    *bool  `json:"merge_requests_events,omitempty"`
	IssuesEvents           *bool  `json:"issues_events,omitempty"`
	NoteEvents             *bool  `json:"note_events,omitempty"`
	PipelineEvents         *bool  `json:"pipeline_events,omitempty"`
	JobEvents              *bool  `json:"job_events,omitempty"`
	ReleasesEvents         *bool  `json:"releases_events,omitempty"`
	EnableSSLVerification  *bool  `json:"enable_ssl_verification,omitempty"`
	PushEventsBranchFilter string `json:"push_events_branch_filter,omitempty"`
}

// ListOptions selects a page: Page is 1-based, PerPage at most 100 (0 means
// GitLab's default of 20).
type ListOptions struct {
	Page    int
	PerPage int
}

// ProjectListOptions filters GET /projects. Membership is always set: ihub
// lists the projects the token's user is a member of, not every public
// project of the instance.
type ProjectListOptions struct {
	Search   string
	OrderBy  string // id, name, path, created_at, updated_at, last_activity_at
	Archived *bool
	ListOptions
}

// CommitListOptions filters GET /projects/:id/repository/commits.
type CommitListOptions struct {
	RefName string
	Path    string
	Since   time.Time
	Until   time.Time
	ListOptions
}

// CurrentUser returns the token's user.
//
// GitLab API docs: https://docs.gitlab.com/api/users/#get-the-current-user
//
//meta:operation GET /user
func (c *Client) CurrentUser(ctx context.Context) (*User, *Response, error) {
	u := new(User)
	resp, err := c.call(ctx, http.MethodGet, "GET /user", "user", nil, nil, u)
	if err != nil {
		return nil, resp, err
	}
	return u, resp, nil
}

// Version returns the instance's version.
//
// GitLab API docs: https://docs.gitlab.com/api/version/
//
//meta:operation GET /version
func (c *Client) Version(ctx context.Context) (*Version, *Response, error) {
	v := new(Version)
	resp, err := c.call(ctx, http.MethodGet, "GET /version", "version", nil, nil, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// CurrentToken returns the access token in use with its scopes. OAuth
// tokens are not personal access tokens: GitLab answers 404 or 401 for them
// [?].
//
// GitLab API docs: https://docs.gitlab.com/api/personal_access_tokens/
//
//meta:operation GET /personal_access_tokens/self
func (c *Client) CurrentToken(ctx context.Context) (*AccessToken, *Response, error) {
	t := new(AccessToken)
	resp, err := c.call(ctx, http.MethodGet, "GET /personal_access_tokens/self", "personal_access_tokens/self", nil, nil, t)
	if err != nil {
		return nil, resp, err
	}
	return t, resp, nil
}

// ListProjects lists the projects the token's user is a member of
// (membership=true, simple=true).
//
// GitLab API docs: https://docs.gitlab.com/api/projects/#list-all-projects
//
//meta:operation GET /projects
func (c *Client) ListProjects(ctx context.Context, opts *ProjectListOptions) ([]*Project, *Response, error) {
	q := url.Values{"membership": {"true"}, "simple": {"true"}}
	if opts != nil {
		setIf(q, "search", opts.Search)
		setIf(q, "order_by", opts.OrderBy)
		if opts.Archived != nil {
			q.Set("archived", strconv.FormatBool(*opts.Archived))
		}
		opts.ListOptions.set(q)
	}
	var ps []*Project
	resp, err := c.call(ctx, http.MethodGet, "GET /projects", "projects", q, nil, &ps)
	if err != nil {
		return nil, resp, err
	}
	return ps, resp, nil
}

// ListCommits lists a project's commits, newest first. project is the
// numeric id or the full path ("group/sub/project").
//
// GitLab API docs: https://docs.gitlab.com/api/commits/#list-repository-commits
//
//meta:operation GET /projects/:id/repository/commits
func (c *Client) ListCommits(ctx context.Context, project string, opts *CommitListOptions) ([]*Commit, *Response, error) {
	pid, err := ProjectID(project)
	if err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if opts != nil {
		setIf(q, "ref_name", opts.RefName)
		setIf(q, "path", opts.Path)
		if !opts.Since.IsZero() {
			q.Set("since", opts.Since.UTC().Format(time.RFC3339))
		}
		if !opts.Until.IsZero() {
			q.Set("until", opts.Until.UTC().Format(time.RFC3339))
		}
		opts.ListOptions.set(q)
	}
	var cs []*Commit
	resp, err := c.call(ctx, http.MethodGet, "GET /projects/:id/repository/commits", "projects/"+pid+"/repository/commits", q, nil, &cs)
	if err != nil {
		return nil, resp, err
	}
	return cs, resp, nil
}

// AddProjectHook creates a project webhook. The hook's URL and secret token
// are redacted from any error text.
//
// GitLab API docs: https://docs.gitlab.com/api/project_webhooks/#add-a-webhook-to-a-project
//
//meta:operation POST /projects/:id/hooks
func (c *Client) AddProjectHook(ctx context.Context, project string, opts *AddHookOptions) (*ProjectHook, *Response, error) {
	pid, err := ProjectID(project)
	if err != nil {
		return nil, nil, err
	}
	h := new(ProjectHook)
	resp, err := c.call(ctx, http.MethodPost, "POST /projects/:id/hooks", "projects/"+pid+"/hooks", nil, opts, h)
	if err != nil {
		return nil, resp, providerhttp.RedactError(err, hookSecrets(opts.URL, opts.Token)...)
	}
	return h, resp, nil
}

var projectPathRE = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.+-]*(/[A-Za-z0-9_.][A-Za-z0-9_.+-]*)+$`)

// ProjectID returns the escaped :id path segment for a numeric project id or
// a full project path ("group/project" becomes "group%2Fproject"). Anything
// else is an input error naming the actions' project field.
func ProjectID(project string) (string, error) {
	project = strings.TrimSpace(project)
	if n, err := strconv.ParseInt(project, 10, 64); err == nil && n > 0 {
		return strconv.FormatInt(n, 10), nil
	}
	if !projectPathRE.MatchString(project) || slices.ContainsFunc(strings.Split(project, "/"), func(s string) bool { return s == "." || s == ".." }) {
		return "", provider.InputError("project", "must be a numeric id or a full path such as group/project")
	}
	return url.PathEscape(project), nil
}

// hookSecrets lists what must never appear in a message about a webhook:
// its token, its URL, and the URL's path and query when long enough to be
// a credential.
func hookSecrets(rawURL, token string) []string {
	out := []string{token, rawURL}
	if u, err := url.Parse(rawURL); err == nil {
		for _, s := range []string{u.RawQuery, u.EscapedPath(), u.Path} {
			if len(s) >= 8 {
				out = append(out, s)
			}
		}
	}
	return out
}

func (o ListOptions) set(q url.Values) {
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(min(o.PerPage, 100)))
	}
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
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
// with query q and body encoded as JSON when not nil.
func (c *Client) NewRequest(ctx context.Context, method, path string, q url.Values, body any) (*http.Request, error) {
	if strings.HasPrefix(path, "/") || strings.Contains(path, "://") || strings.ContainsAny(path, "?#") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "gitlab: request paths are relative to the base URL"}
	}
	u, err := url.Parse(c.base.String() + "/" + path)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "gitlab: invalid request path"}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "gitlab: cannot encode the request body: " + err.Error()}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "gitlab: cannot build the request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// Do sends req with the token and decodes a 2xx JSON answer into v (nil to
// discard it). The returned Response is non-nil whenever GitLab answered.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	setAuth(req.Header, c.header, c.token.Reveal())
	providerhttp.SetUserAgent(req, c.UserAgent)
	hresp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(req.Context(), c.base.Host, err))
	}
	defer providerhttp.Drain(hresp)
	resp := newResponse(hresp)
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
		msg := "expected a JSON answer from the GitLab API; check that the base URL is the API root (https://<host>/api/v4)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return resp, c.redact(&provider.Error{Kind: provider.ErrProvider, Status: hresp.StatusCode, Message: msg})
	}
	return resp, nil
}

// checkResponse maps a non-2xx answer: 401/403 auth, 404 not found, 429
// rate_limited with RetryAfter from Retry-After, RateLimit-Reset or
// RateLimit-ResetTime (a minute when none is sent), everything else
// provider. The message is GitLab's own (message, error,
// error_description), else a short excerpt.
func (c *Client) checkResponse(r *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(r)
	code, msg := errorText(body)
	if msg == "" {
		msg = providerhttp.Excerpt(body)
	}
	e := &provider.Error{
		Kind:    providerhttp.StatusKind(r.StatusCode),
		Status:  r.StatusCode,
		Code:    code,
		Message: providerhttp.DropStatusEcho(r.StatusCode, providerhttp.Clip(msg, 400)),
	}
	if r.StatusCode == http.StatusTooManyRequests {
		now := c.now()
		e.RetryAfter = providerhttp.RetryAfter(r.Header, now)
		if e.RetryAfter <= 0 {
			if reset := atoi(r.Header.Get("RateLimit-Reset")); reset > 0 && time.Unix(int64(reset), 0).After(now) {
				e.RetryAfter = time.Unix(int64(reset), 0).Sub(now)
			} else if t, err := http.ParseTime(r.Header.Get("RateLimit-ResetTime")); err == nil && t.After(now) {
				e.RetryAfter = t.Sub(now)
			} else {
				e.RetryAfter = time.Minute
			}
		}
	}
	return e
}

// errorText reads GitLab's error documents: {"message":"404 Project Not
// Found"}, {"message":{"url":["is blocked"]}}, {"message":{"error":"..."}},
// {"error":"url is missing"} and OAuth's {"error":"invalid_token",
// "error_description":"..."}. code is the "error" value when a description
// accompanies it.
func errorText(body []byte) (code, msg string) {
	var doc struct {
		Message          json.RawMessage `json:"message"`
		Error            string          `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return "", ""
	}
	if len(doc.Message) > 0 {
		msg = flatten(doc.Message)
	}
	switch {
	case doc.ErrorDescription != "":
		code = doc.Error
		if msg == "" {
			msg = doc.ErrorDescription
		}
	case msg == "":
		msg = doc.Error
	}
	return code, msg
}

// flatten turns a GitLab message value (string, list or field → messages
// object) into one line: "url is blocked: ...; name has already been taken".
func flatten(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var parts []string
		for _, x := range list {
			if p := flatten(x); p != "" {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, ", ")
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			v := flatten(obj[k])
			switch {
			case v == "":
			case k == "error" || k == "message" || k == "base":
				parts = append(parts, v)
			default:
				parts = append(parts, k+" "+v)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

func newResponse(r *http.Response) *Response {
	h := r.Header
	return &Response{
		Response: r,
		Page:     atoi(h.Get("X-Page")), PerPage: atoi(h.Get("X-Per-Page")),
		NextPage: atoi(h.Get("X-Next-Page")), PrevPage: atoi(h.Get("X-Prev-Page")),
		Total: atoi(h.Get("X-Total")), TotalPages: atoi(h.Get("X-Total-Pages")),
		RateLimit: atoi(h.Get("RateLimit-Limit")), RateLimitRemaining: atoi(h.Get("RateLimit-Remaining")),
	}
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
