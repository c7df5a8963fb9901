package bitbucket

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

// DefaultBaseURL is the API root of Bitbucket Cloud.
const DefaultBaseURL = "https://api.bitbucket.org/2.0"

// Client calls the Bitbucket Cloud REST API 2.0 with one token. It is safe
// for concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure; a cancelled ctx makes the call return promptly
// with a transport error naming the context error. No error text contains
// the token.
//
// API reference: https://developer.atlassian.com/cloud/bitbucket/rest/intro/
type Client struct {
	base     *url.URL
	hc       *http.Client
	username string
	token    secret.Value

	// Workspace is the default workspace of actions whose input names
	// none (the integration's workspace setting).
	Workspace string
	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the API root baseURL ("" means
// https://api.bitbucket.org/2.0). With a username (the Atlassian account
// email for an Atlassian API token) the token is sent with HTTP Basic;
// without one it is sent as "Authorization: Bearer" (workspace, project or
// repository access tokens, OAuth). Problems are a *provider.Error of kind
// invalid.
func NewClient(baseURL string, hc *http.Client, username string, token secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "bitbucket: no HTTP client"}
	}
	username = strings.TrimSpace(username)
	if err := checkCreds(username, token.Reveal()); err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, username: username, token: token}, nil
}

func checkCreds(username, tok string) error {
	switch {
	case tok == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Bitbucket API token is not set"}
	case strings.ContainsAny(tok, " \t\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Bitbucket API token must not contain spaces or line breaks"}
	case strings.ContainsAny(username, ":\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the username must not contain ':' or line breaks"}
	}
	return nil
}

// setAuth adds Basic auth with a username, a Bearer token without.
func setAuth(req *http.Request, username, tok string) {
	if username != "" {
		req.SetBasicAuth(username, tok)
		return
	}
	req.Header.Set("Authorization", "Bearer "+tok)
}

// User is the authenticated user (GET /user).
type User struct {
	UUID        string `json:"uuid"`
	AccountID   string `json:"account_id"`
	Nickname    string `json:"nickname"`
	DisplayName string `json:"display_name"`
	Username    string `json:"username"`
}

// Link is a Bitbucket hypermedia link.
type Link struct {
	Href string `json:"href"`
}

// Repository is a repository as listed by GET /repositories/{workspace}.
type Repository struct {
	UUID       string    `json:"uuid"`
	Slug       string    `json:"slug"`
	Name       string    `json:"name"`
	FullName   string    `json:"full_name"`
	IsPrivate  bool      `json:"is_private"`
	UpdatedOn  time.Time `json:"updated_on"`
	MainBranch *struct {
		Name string `json:"name"`
	} `json:"mainbranch"`
	Workspace struct {
		Slug string `json:"slug"`
	} `json:"workspace"`
	Links struct {
		HTML Link `json:"html"`
	} `json:"links"`
}

// Commit is a commit as listed by GET /repositories/{ws}/{repo}/commits.
type Commit struct {
	Hash    string    `json:"hash"`
	Message string    `json:"message"`
	Date    time.Time `json:"date"`
	Author  struct {
		Raw  string `json:"raw"` // "Name <email>"
		User *struct {
			DisplayName string `json:"display_name"`
			Nickname    string `json:"nickname"`
		} `json:"user"`
	} `json:"author"`
	Links struct {
		HTML Link `json:"html"`
	} `json:"links"`
}

// HookRequest is the body of POST /repositories/{ws}/{repo}/hooks.
type HookRequest struct {
	Description string   `json:"description"`
	URL         string   `json:"url"`
	Active      bool     `json:"active"`
	Secret      string   `json:"secret,omitempty"`
	Events      []string `json:"events"`
}

// Hook is a repository webhook subscription. Bitbucket never returns the
// secret, only whether one is set [?].
type Hook struct {
	UUID        string    `json:"uuid"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	SubjectType string    `json:"subject_type"`
	Active      bool      `json:"active"`
	Events      []string  `json:"events"`
	SecretSet   bool      `json:"secret_set"`
	CreatedAt   time.Time `json:"created_at"`
}

// Page is the pagination envelope of a list answer. Size is omitted by
// some endpoints (-1 then); follow Next until it is empty.
type Page struct {
	Size    int
	Page    int
	PageLen int
	Next    string
	// NextPage is the page parameter of Next: a number for most lists, an
	// opaque token for commits.
	NextPage string
}

type envelope struct {
	Size    *int            `json:"size"`
	Page    int             `json:"page"`
	PageLen int             `json:"pagelen"`
	Next    string          `json:"next"`
	Values  json.RawMessage `json:"values"`
}

// ListOptions selects a page: Page is the value of a previous answer's
// NextPage ("" for the first), PageLen at most 100 (0 means Bitbucket's
// default of 10).
type ListOptions struct {
	Page    string
	PageLen int
}

// RepoListOptions filters the repository listing.
type RepoListOptions struct {
	// Role is member (default), contributor, admin or owner.
	Role string
	// Query is a BBQL filter, e.g. name ~ "api".
	Query string
	// Sort is a field name, "-updated_on" for most recent first.
	Sort string
	ListOptions
}

var (
	workspaceRE = regexp.MustCompile(`^(?:[A-Za-z0-9_-]{1,62}|\{[0-9a-fA-F-]{36}\})$`)
	slugRE      = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	pageRE      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// checkWorkspace checks a workspace the caller names; a bad one is an input
// error naming the actions' workspace field.
func checkWorkspace(ws string) error {
	if !workspaceRE.MatchString(ws) {
		return provider.InputError("workspace", "must be a workspace slug or {uuid}")
	}
	return nil
}

// repoPath returns the escaped "repositories/{workspace}/{repo}" path.
func repoPath(ws, repo string) (string, error) {
	if err := checkWorkspace(ws); err != nil {
		return "", err
	}
	if !slugRE.MatchString(repo) || repo == "." || repo == ".." {
		return "", provider.InputError("repo", "must be a repository slug (letters, digits, '.', '-', '_'), not . or ..")
	}
	return "repositories/" + url.PathEscape(ws) + "/" + url.PathEscape(repo), nil
}

// CurrentUser returns the user the credentials belong to. Workspace,
// project and repository access tokens are not users [?].
//
// Bitbucket API docs: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/#api-user-get
//
//meta:operation GET /user
func (c *Client) CurrentUser(ctx context.Context) (*User, error) {
	u := new(User)
	if err := c.call(ctx, http.MethodGet, "GET /user", "user", nil, nil, u); err != nil {
		return nil, err
	}
	return u, nil
}

// ListRepositories lists the repositories of workspace the credentials have
// Role on; an empty workspace lists them across all workspaces (GET
// /repositories?role=...).
//
// Bitbucket API docs: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-get
//
//meta:operation GET /repositories/{workspace}
func (c *Client) ListRepositories(ctx context.Context, workspace string, opts *RepoListOptions) ([]*Repository, *Page, error) {
	path, endpoint := "repositories", "GET /repositories"
	if workspace != "" {
		if err := checkWorkspace(workspace); err != nil {
			return nil, nil, err
		}
		path, endpoint = "repositories/"+url.PathEscape(workspace), "GET /repositories/{workspace}"
	}
	q := url.Values{"role": {"member"}}
	if opts != nil {
		if opts.Role != "" {
			q.Set("role", opts.Role)
		}
		setIf(q, "q", opts.Query)
		setIf(q, "sort", opts.Sort)
		if err := opts.ListOptions.set(q); err != nil {
			return nil, nil, err
		}
	}
	var repos []*Repository
	pg, err := c.list(ctx, endpoint, path, q, &repos)
	if err != nil {
		return nil, nil, err
	}
	return repos, pg, nil
}

// ListCommits lists a repository's commits, newest first: those reachable
// from branch (a branch, tag or hash), or from every branch when branch is
// empty.
//
// Bitbucket API docs: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-commits/#api-repositories-workspace-repo-slug-commits-revision-get
//
//meta:operation GET /repositories/{workspace}/{repo_slug}/commits/{revision}
func (c *Client) ListCommits(ctx context.Context, workspace, repo, branch string, opts *ListOptions) ([]*Commit, *Page, error) {
	path, err := repoPath(workspace, repo)
	if err != nil {
		return nil, nil, err
	}
	path += "/commits"
	endpoint := "GET /repositories/{workspace}/{repo_slug}/commits"
	if branch != "" {
		if strings.ContainsAny(branch, "\x00\r\n") || branch == "." || branch == ".." || len(branch) > 255 {
			return nil, nil, provider.InputError("branch", "is not a valid branch, tag or commit name")
		}
		// A branch with a slash is sent escaped (feature%2Fx) [?].
		path += "/" + url.PathEscape(branch)
		endpoint += "/{revision}"
	}
	q := url.Values{}
	if opts != nil {
		if err := opts.set(q); err != nil {
			return nil, nil, err
		}
	}
	var commits []*Commit
	pg, err := c.list(ctx, endpoint, path, q, &commits)
	if err != nil {
		return nil, nil, err
	}
	return commits, pg, nil
}

// CreateHook creates a repository webhook. The hook's URL and secret are
// redacted from any error text.
//
// Bitbucket API docs: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-repo-slug-hooks-post
//
//meta:operation POST /repositories/{workspace}/{repo_slug}/hooks
func (c *Client) CreateHook(ctx context.Context, workspace, repo string, hook *HookRequest) (*Hook, error) {
	path, err := repoPath(workspace, repo)
	if err != nil {
		return nil, err
	}
	h := new(Hook)
	if err := c.call(ctx, http.MethodPost, "POST /repositories/{workspace}/{repo_slug}/hooks", path+"/hooks", nil, hook, h); err != nil {
		return nil, providerhttp.RedactError(err, hookSecrets(hook.URL, hook.Secret)...)
	}
	return h, nil
}

// hookSecrets lists what must never appear in a message about a webhook:
// its secret, its URL, and the URL's path and query when long enough to be
// a credential.
func hookSecrets(rawURL, sec string) []string {
	out := []string{sec, rawURL}
	if u, err := url.Parse(rawURL); err == nil {
		for _, s := range []string{u.RawQuery, u.EscapedPath(), u.Path} {
			if len(s) >= 8 {
				out = append(out, s)
			}
		}
	}
	return out
}

func (o ListOptions) set(q url.Values) error {
	if o.Page != "" {
		if !pageRE.MatchString(o.Page) {
			return provider.InputError("page", "must be the nextPage value of a previous answer")
		}
		q.Set("page", o.Page)
	}
	if o.PageLen > 0 {
		q.Set("pagelen", strconv.Itoa(min(o.PageLen, 100)))
	}
	return nil
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// list fetches one page of a paginated collection into v (a pointer to a
// slice).
func (c *Client) list(ctx context.Context, endpoint, path string, q url.Values, v any) (*Page, error) {
	var env envelope
	if err := c.call(ctx, http.MethodGet, endpoint, path, q, nil, &env); err != nil {
		return nil, err
	}
	if len(env.Values) == 0 || string(env.Values) == "null" {
		env.Values = json.RawMessage("[]")
	}
	if err := json.Unmarshal(env.Values, v); err != nil {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "the Bitbucket API answered an unexpected list: " + err.Error()}
	}
	pg := &Page{Size: -1, Page: env.Page, PageLen: env.PageLen, Next: env.Next}
	if env.Size != nil {
		pg.Size = *env.Size
	}
	if env.Next != "" {
		if u, err := url.Parse(env.Next); err == nil {
			pg.NextPage = u.Query().Get("page")
		}
	}
	return pg, nil
}

// call sends one request: path is relative to the base URL and already
// escaped, endpoint the template recorded on the context.
func (c *Client) call(ctx context.Context, method, endpoint, path string, q url.Values, body, v any) error {
	req, err := c.NewRequest(provider.WithEndpoint(ctx, endpoint), method, path, q, body)
	if err != nil {
		return err
	}
	return c.Do(req, v)
}

// NewRequest builds a request for the escaped path relative to the base URL
// with query q and body encoded as JSON when not nil.
func (c *Client) NewRequest(ctx context.Context, method, path string, q url.Values, body any) (*http.Request, error) {
	if strings.HasPrefix(path, "/") || strings.Contains(path, "://") || strings.ContainsAny(path, "?#") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "bitbucket: request paths are relative to the base URL"}
	}
	u, err := url.Parse(c.base.String() + "/" + path)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "bitbucket: invalid request path"}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "bitbucket: cannot encode the request body: " + err.Error()}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "bitbucket: cannot build the request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// Do sends req with the credentials and decodes a 2xx JSON answer into v
// (nil to discard it).
func (c *Client) Do(req *http.Request, v any) error {
	setAuth(req, c.username, c.token.Reveal())
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
		msg := "expected a JSON answer from the Bitbucket API; check that the base URL is the API root (https://api.bitbucket.org/2.0)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Status: resp.StatusCode, Message: msg})
	}
	return nil
}

// errorDoc is Bitbucket's error document.
type errorDoc struct {
	Type  string `json:"type"`
	Error struct {
		Message string                     `json:"message"`
		Detail  json.RawMessage            `json:"detail"`
		Fields  map[string]json.RawMessage `json:"fields"`
	} `json:"error"`
}

// checkResponse maps a non-2xx answer: 401/403 auth, 404 not found, 429
// rate_limited with RetryAfter from Retry-After (a minute when absent:
// Bitbucket documents no header [?]), everything else provider. The message
// is error.message with error.detail and field errors, else an excerpt.
func (c *Client) checkResponse(r *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(r)
	msg := errorText(body)
	if msg == "" {
		msg = providerhttp.Excerpt(body)
	}
	e := &provider.Error{
		Kind:    providerhttp.StatusKind(r.StatusCode),
		Status:  r.StatusCode,
		Message: providerhttp.DropStatusEcho(r.StatusCode, providerhttp.Clip(msg, 400)),
	}
	if r.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = providerhttp.RetryAfter(r.Header, c.now())
		if e.RetryAfter <= 0 {
			e.RetryAfter = time.Minute
		}
	}
	return e
}

// errorText reads {"type":"error","error":{"message":..., "detail":...,
// "fields":{"url":["..."]}}}.
func errorText(body []byte) string {
	var doc errorDoc
	if json.Unmarshal(body, &doc) != nil || doc.Error.Message == "" {
		return ""
	}
	parts := []string{doc.Error.Message}
	var detail string
	if json.Unmarshal(doc.Error.Detail, &detail) == nil && detail != "" && detail != doc.Error.Message {
		parts[0] += " — " + detail
	}
	keys := make([]string, 0, len(doc.Error.Fields))
	for k := range doc.Error.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var list []string
		var one string
		switch {
		case json.Unmarshal(doc.Error.Fields[k], &list) == nil:
			parts = append(parts, k+": "+strings.Join(list, ", "))
		case json.Unmarshal(doc.Error.Fields[k], &one) == nil:
			parts = append(parts, k+": "+one)
		}
	}
	return strings.Join(parts, "; ")
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
	secrets := []string{c.token.Reveal()}
	if c.username != "" {
		// The Basic credentials as sent, in case a proxy echoes the header.
		secrets = append(secrets, basic(c.username, c.token.Reveal()))
	}
	return providerhttp.RedactError(err, secrets...)
}

func basic(user, pass string) string {
	req := &http.Request{Header: http.Header{}}
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// kindOf returns the kind of a *provider.Error, or "" for other errors.
func kindOf(err error) provider.ErrorKind {
	var perr *provider.Error
	if errors.As(err, &perr) {
		return perr.Kind
	}
	return ""
}
