package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// DefaultBaseURL is the API root of github.com.
const DefaultBaseURL = "https://api.github.com"

// APIVersion is the REST API version ihub is written against, sent as
// X-GitHub-Api-Version.
const APIVersion = "2022-11-28"

// Client calls the GitHub REST API with one token. It is safe for concurrent
// use. Every method takes ctx first and returns a *provider.Error on failure;
// a cancelled ctx makes the call return promptly with a transport error that
// names the context error. No error text ever contains the token.
//
// API reference: https://docs.github.com/rest
type Client struct {
	base  *url.URL
	hc    *http.Client
	token secret.Value

	// UserAgent is sent on requests that carry none (GitHub rejects requests
	// without one); "ihub" when empty.
	UserAgent string
	// Now is the clock used for Retry-After dates and rate-limit resets; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the API root baseURL: "" or
// https://api.github.com for github.com, https://<host>/api/v3 for GitHub
// Enterprise Server. Request paths (/user, /user/repos) are appended to it.
// token is a personal access token (classic or fine-grained), a GitHub App
// installation token or an OAuth token, sent as "Authorization: Bearer". hc
// is the caller's client (from egress); it must not be nil. A bad base URL or
// a missing token is a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, token secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "github: no HTTP client"}
	}
	if token.IsZero() {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the GitHub token is not set"}
	}
	if strings.ContainsAny(token.Reveal(), " \t\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the GitHub token must not contain spaces or line breaks"}
	}
	return &Client{base: u, hc: hc, token: token}, nil
}

// Rate is the primary rate limit reported on every response.
type Rate struct {
	Limit     int
	Remaining int
	Used      int
	// Reset is when the window resets; zero when not reported.
	Reset time.Time
	// Resource is the limit's bucket: core, search, graphql, ...
	Resource string
}

// Response is a GitHub answer's metadata. The body has been read and closed.
type Response struct {
	*http.Response
	Rate Rate
	// Scopes are the OAuth scopes of a classic token (X-OAuth-Scopes). It is
	// nil when the header is absent — fine-grained tokens and app tokens do
	// not send it — and empty when a classic token has no scopes.
	Scopes []string
	// Pagination from the Link header; 0 when absent.
	NextPage, PrevPage, FirstPage, LastPage int
}

// User is the authenticated user (GET /user), with the fields ihub uses.
type User struct {
	Login   string `json:"login"`
	ID      int64  `json:"id"`
	NodeID  string `json:"node_id"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	HTMLURL string `json:"html_url"`
}

// Repository is a repository as listed by GET /user/repos.
type Repository struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	FullName      string `json:"full_name"`
	Private       bool   `json:"private"`
	DefaultBranch string `json:"default_branch"`
	HTMLURL       string `json:"html_url"`
	CloneURL      string `json:"clone_url"`
	Owner         struct {
		Login string `json:"login"`
	} `json:"owner"`
}

// ListOptions selects a page: Page is 1-based, PerPage at most 100 (0 means
// GitHub's default of 30).
type ListOptions struct {
	Page    int
	PerPage int
}

// RepoListOptions filters GET /user/repos. Empty strings are left to
// GitHub's defaults.
type RepoListOptions struct {
	Affiliation string // e.g. "owner,collaborator,organization_member"
	Visibility  string // all, public, private
	Sort        string // created, updated, pushed, full_name
	ListOptions
}

// User returns the user the token belongs to.
//
// GitHub API docs: https://docs.github.com/rest/users/users#get-the-authenticated-user
//
//meta:operation GET /user
func (c *Client) User(ctx context.Context) (*User, *Response, error) {
	ctx = provider.WithEndpoint(ctx, "GET /user")
	req, err := c.NewRequest(ctx, http.MethodGet, "user", nil)
	if err != nil {
		return nil, nil, err
	}
	u := new(User)
	resp, err := c.Do(req, u)
	if err != nil {
		return nil, resp, err
	}
	return u, resp, nil
}

// ListRepos lists the repositories the token can access. With PerPage 1 the
// Response's LastPage is the total number of repositories.
//
// GitHub API docs: https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user
//
//meta:operation GET /user/repos
func (c *Client) ListRepos(ctx context.Context, opts *RepoListOptions) ([]*Repository, *Response, error) {
	q := url.Values{}
	if opts != nil {
		setIf(q, "affiliation", opts.Affiliation)
		setIf(q, "visibility", opts.Visibility)
		setIf(q, "sort", opts.Sort)
		if opts.Page > 0 {
			q.Set("page", strconv.Itoa(opts.Page))
		}
		if opts.PerPage > 0 {
			q.Set("per_page", strconv.Itoa(opts.PerPage))
		}
	}
	path := "user/repos"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	ctx = provider.WithEndpoint(ctx, "GET /user/repos")
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, nil, err
	}
	var repos []*Repository
	resp, err := c.Do(req, &repos)
	if err != nil {
		return nil, resp, err
	}
	return repos, resp, nil
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// NewRequest builds a request for path, relative to the base URL (it must
// not start with a slash or be absolute), with body encoded as JSON when not
// nil.
func (c *Client) NewRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	if strings.HasPrefix(path, "/") || strings.Contains(path, "://") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "github: request paths are relative to the base URL"}
	}
	rel, err := url.Parse(path)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "github: invalid request path"}
	}
	u := c.base.JoinPath(rel.Path)
	u.RawQuery = rel.RawQuery
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "github: cannot encode the request body: " + err.Error()}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "github: cannot build the request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Do sends req with the token and the recommended headers and decodes a 2xx
// JSON answer into v (nil to discard it). Non-2xx answers are mapped by
// checkResponse; the returned Response is non-nil whenever GitHub answered.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", APIVersion)
	providerhttp.SetUserAgent(req, c.UserAgent)
	hresp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(req.Context(), c.base.Host, err))
	}
	defer providerhttp.Drain(hresp)
	resp := newResponse(hresp)
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		return resp, c.redact(c.checkResponse(resp))
	}
	if v == nil || hresp.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	body, err := providerhttp.ReadBody(hresp, providerhttp.MaxBody)
	if err != nil {
		return resp, c.redact(err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		msg := "expected a JSON answer from the GitHub API; check that the base URL is the API root (https://api.github.com or https://<host>/api/v3)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return resp, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return resp, nil
}

// errorBody is GitHub's error document.
type errorBody struct {
	Message string `json:"message"`
	Errors  []struct {
		Resource string `json:"resource"`
		Field    string `json:"field"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// checkResponse maps a non-2xx answer: 401 and 403 are auth, 404 not found,
// 403/429 with x-ratelimit-remaining: 0 or a Retry-After (primary and
// secondary rate limits) are rate_limited with RetryAfter from Retry-After
// or, failing that, x-ratelimit-reset (at least a minute for secondary
// limits without either, as GitHub advises). The message is GitHub's own
// "message" (plus validation error messages), else a short excerpt.
func (c *Client) checkResponse(r *Response) *provider.Error {
	body := providerhttp.ReadErrorBody(r.Response)
	var eb errorBody
	msg := ""
	code := ""
	if json.Unmarshal(body, &eb) == nil && eb.Message != "" {
		msg = eb.Message
		var details []string
		for _, e := range eb.Errors {
			switch {
			case e.Message != "":
				details = append(details, e.Message)
			case e.Code != "" && e.Field != "":
				details = append(details, e.Field+" "+e.Code)
			}
			if code == "" {
				code = e.Code
			}
		}
		if len(details) > 0 {
			msg += ": " + strings.Join(details, "; ")
		}
		msg = providerhttp.Clip(msg, 500)
	} else {
		msg = providerhttp.Excerpt(body)
	}
	status := r.StatusCode
	e := &provider.Error{
		Kind:    providerhttp.StatusKind(status),
		Status:  status,
		Code:    code,
		Message: providerhttp.DropStatusEcho(status, msg),
	}
	now := c.now()
	retry := providerhttp.RetryAfter(r.Header, now)
	if status == http.StatusForbidden || status == http.StatusTooManyRequests {
		exhausted := r.Header.Get("X-RateLimit-Remaining") == "0"
		secondary := status == http.StatusForbidden && strings.Contains(strings.ToLower(eb.Message), "rate limit")
		if exhausted || retry > 0 || secondary || status == http.StatusTooManyRequests {
			e.Kind = provider.ErrRateLimited
			switch {
			case retry > 0:
			case exhausted && !r.Rate.Reset.IsZero() && r.Rate.Reset.After(now):
				retry = r.Rate.Reset.Sub(now)
			default:
				retry = time.Minute
			}
		}
	}
	e.RetryAfter = retry
	return e
}

func newResponse(r *http.Response) *Response {
	resp := &Response{Response: r}
	h := r.Header
	resp.Rate.Limit = atoi(h.Get("X-RateLimit-Limit"))
	resp.Rate.Remaining = atoi(h.Get("X-RateLimit-Remaining"))
	resp.Rate.Used = atoi(h.Get("X-RateLimit-Used"))
	resp.Rate.Resource = h.Get("X-RateLimit-Resource")
	if reset := atoi(h.Get("X-RateLimit-Reset")); reset > 0 {
		resp.Rate.Reset = time.Unix(int64(reset), 0)
	}
	if vs, ok := h[http.CanonicalHeaderKey("X-OAuth-Scopes")]; ok {
		resp.Scopes = []string{}
		for _, v := range vs {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					resp.Scopes = append(resp.Scopes, s)
				}
			}
		}
	}
	for _, link := range parseLink(h.Values("Link")) {
		switch link.rel {
		case "next":
			resp.NextPage = link.page
		case "prev":
			resp.PrevPage = link.page
		case "first":
			resp.FirstPage = link.page
		case "last":
			resp.LastPage = link.page
		}
	}
	return resp
}

type linkRel struct {
	rel  string
	page int
}

// parseLink reads RFC 8288 Link headers of the form
// <https://api.github.com/user/repos?page=2>; rel="next", <...>; rel="last".
func parseLink(values []string) []linkRel {
	var out []linkRel
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			segs := strings.Split(strings.TrimSpace(part), ";")
			if len(segs) < 2 {
				continue
			}
			target := strings.TrimSpace(segs[0])
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			u, err := url.Parse(target[1 : len(target)-1])
			if err != nil {
				continue
			}
			page := atoi(u.Query().Get("page"))
			for _, p := range segs[1:] {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || strings.TrimSpace(k) != "rel" {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(val, `"`)) {
					out = append(out, linkRel{rel: rel, page: page})
				}
			}
		}
	}
	return out
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
