package github

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// Commit is a commit as listed by GET /repos/{owner}/{repo}/commits, with the
// fields ihub uses.
type Commit struct {
	SHA     string `json:"sha"`
	HTMLURL string `json:"html_url"`
	Commit  struct {
		Message string `json:"message"`
		Author  struct {
			Name  string    `json:"name"`
			Email string    `json:"email"`
			Date  time.Time `json:"date"`
		} `json:"author"`
	} `json:"commit"`
	// Author is the GitHub account matched to the commit author; nil when
	// GitHub could not match the email to an account.
	Author *struct {
		Login string `json:"login"`
	} `json:"author"`
}

// CommitListOptions filters GET /repos/{owner}/{repo}/commits. Zero values
// are left to GitHub's defaults.
type CommitListOptions struct {
	SHA   string // branch name or commit SHA to start from
	Path  string // only commits touching this path
	Since time.Time
	Until time.Time
	ListOptions
}

// Hook is a repository webhook (POST /repos/{owner}/{repo}/hooks).
type Hook struct {
	ID        int64      `json:"id"`
	Type      string     `json:"type"`
	Name      string     `json:"name"`
	Active    bool       `json:"active"`
	Events    []string   `json:"events"`
	Config    HookConfig `json:"config"`
	PingURL   string     `json:"ping_url"`
	CreatedAt time.Time  `json:"created_at"`
}

// HookConfig is a webhook's delivery configuration. GitHub never echoes the
// secret; it answers "********" when one is set.
type HookConfig struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type,omitempty"`
	Secret      string `json:"secret,omitempty"`
	InsecureSSL string `json:"insecure_ssl,omitempty"`
}

// HookRequest is the body of POST /repos/{owner}/{repo}/hooks. Name is
// always "web" for repository webhooks.
type HookRequest struct {
	Name   string     `json:"name"`
	Active bool       `json:"active"`
	Events []string   `json:"events"`
	Config HookConfig `json:"config"`
}

var (
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// repoPath returns "repos/{owner}/{repo}" after checking both names, so that
// no input can change the request path ("..", slashes, queries). A bad name
// is an input error naming the actions' owner or repo field.
func repoPath(owner, repo string) (string, error) {
	if !ownerRE.MatchString(owner) {
		return "", provider.InputError("owner", "must be a GitHub user or organization name")
	}
	if !repoRE.MatchString(repo) || repo == "." || repo == ".." {
		return "", provider.InputError("repo", "may only contain letters, digits, '.', '-' and '_', and may not be . or ..")
	}
	return "repos/" + owner + "/" + repo, nil
}

// ListCommits lists the commits of a repository, newest first.
//
// GitHub API docs: https://docs.github.com/rest/commits/commits#list-commits
//
//meta:operation GET /repos/{owner}/{repo}/commits
func (c *Client) ListCommits(ctx context.Context, owner, repo string, opts *CommitListOptions) ([]*Commit, *Response, error) {
	path, err := repoPath(owner, repo)
	if err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if opts != nil {
		setIf(q, "sha", opts.SHA)
		setIf(q, "path", opts.Path)
		if !opts.Since.IsZero() {
			q.Set("since", opts.Since.UTC().Format(time.RFC3339))
		}
		if !opts.Until.IsZero() {
			q.Set("until", opts.Until.UTC().Format(time.RFC3339))
		}
		if opts.Page > 0 {
			q.Set("page", strconv.Itoa(opts.Page))
		}
		if opts.PerPage > 0 {
			q.Set("per_page", strconv.Itoa(opts.PerPage))
		}
	}
	path += "/commits"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	ctx = provider.WithEndpoint(ctx, "GET /repos/{owner}/{repo}/commits")
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, nil, err
	}
	var commits []*Commit
	resp, err := c.Do(req, &commits)
	if err != nil {
		return nil, resp, err
	}
	return commits, resp, nil
}

// CreateHook creates a repository webhook. GitHub answers 201 and
// immediately sends a ping event to the URL. The hook's secret and URL are
// redacted from any error text.
//
// GitHub API docs: https://docs.github.com/rest/repos/webhooks#create-a-repository-webhook
//
//meta:operation POST /repos/{owner}/{repo}/hooks
func (c *Client) CreateHook(ctx context.Context, owner, repo string, hook *HookRequest) (*Hook, *Response, error) {
	path, err := repoPath(owner, repo)
	if err != nil {
		return nil, nil, err
	}
	ctx = provider.WithEndpoint(ctx, "POST /repos/{owner}/{repo}/hooks")
	req, err := c.NewRequest(ctx, http.MethodPost, path+"/hooks", hook)
	if err != nil {
		return nil, nil, err
	}
	h := new(Hook)
	resp, err := c.Do(req, h)
	if err != nil {
		return nil, resp, redactHook(err, hook)
	}
	return h, resp, nil
}

func redactHook(err error, hook *HookRequest) error {
	if hook == nil {
		return err
	}
	return providerhttp.RedactError(err, hookSecrets(hook.Config.URL, hook.Config.Secret)...)
}

// hookSecrets lists what must never appear in a message about a webhook:
// its secret, its URL, and the URL's path and query when long enough to be
// a token (incoming-webhook URLs are credentials).
func hookSecrets(rawURL, secret string) []string {
	out := []string{secret, rawURL}
	if u, err := url.Parse(rawURL); err == nil {
		for _, s := range []string{u.RawQuery, u.EscapedPath(), u.Path} {
			if len(s) >= 8 {
				out = append(out, s)
			}
		}
	}
	return out
}
