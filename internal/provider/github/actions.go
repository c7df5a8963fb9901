package github

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

var (
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// NewClient returns the connection's *Client (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return NewClient(c.BaseURL, hc, c.Credentials[FieldToken])
}

// Actions lists GitHub's typed actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "list_repos",
			Title: "List repositories",
			Description: "Lists the repositories the token can access (GET /user/repos), one page at a time; " +
				"nextPage is set when there are more.",
		}, listRepos),
		provider.NewAction(provider.ActionSpec{
			Name:  "list_commits",
			Title: "List commits",
			Description: "Lists a repository's commit history, newest first (GET /repos/{owner}/{repo}/commits), " +
				"optionally for one branch, path or time range.",
		}, listCommits),
		provider.NewAction(provider.ActionSpec{
			Name:  "create_repo_webhook",
			Title: "Create repository webhook",
			Description: "Creates a webhook on a repository (POST /repos/{owner}/{repo}/hooks); GitHub sends it a " +
				"ping event at once. Needs admin:repo_hook (classic) or Webhooks write (fine-grained).",
			Mutating: true,
		}, createRepoWebhook),
	}
}

// ListReposInput is the input of list_repos.
type ListReposInput struct {
	Visibility  string `json:"visibility,omitempty" enum:"all,public,private" doc:"Only repositories of this visibility (default all)."`
	Affiliation string `json:"affiliation,omitempty" pattern:"^(owner|collaborator|organization_member)(,(owner|collaborator|organization_member))*$" doc:"Comma-separated relations to the repositories: owner, collaborator, organization_member (default all three)."`
	Sort        string `json:"sort,omitempty" enum:"created,updated,pushed,full_name" doc:"Sort order (default full_name)."`
	Page        int    `json:"page,omitempty" minimum:"1" doc:"Page number, from 1."`
	PerPage     int    `json:"perPage,omitempty" minimum:"1" maximum:"100" doc:"Repositories per page, at most 100 (default 30)."`
}

// RepoSummary is one repository in list_repos' output.
type RepoSummary struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	FullName      string `json:"fullName"`
	Owner         string `json:"owner"`
	Private       bool   `json:"private"`
	DefaultBranch string `json:"defaultBranch"`
	HTMLURL       string `json:"htmlUrl"`
	CloneURL      string `json:"cloneUrl"`
}

// ListReposOutput is the output of list_repos.
type ListReposOutput struct {
	Repositories []RepoSummary `json:"repositories"`
	// NextPage is the next page number, 0 on the last page.
	NextPage int `json:"nextPage,omitempty"`
}

func listRepos(ctx context.Context, c *Client, in ListReposInput) (ListReposOutput, error) {
	if in.PerPage > 100 {
		in.PerPage = 100
	}
	repos, resp, err := c.ListRepos(ctx, &RepoListOptions{
		Affiliation: in.Affiliation, Visibility: in.Visibility, Sort: in.Sort,
		ListOptions: ListOptions{Page: in.Page, PerPage: in.PerPage},
	})
	if err != nil {
		return ListReposOutput{}, err
	}
	out := ListReposOutput{Repositories: make([]RepoSummary, 0, len(repos)), NextPage: resp.NextPage}
	for _, r := range repos {
		out.Repositories = append(out.Repositories, RepoSummary{
			ID: r.ID, Name: r.Name, FullName: r.FullName, Owner: r.Owner.Login, Private: r.Private,
			DefaultBranch: r.DefaultBranch, HTMLURL: r.HTMLURL, CloneURL: r.CloneURL,
		})
	}
	return out, nil
}

// ListCommitsInput is the input of list_commits.
type ListCommitsInput struct {
	Owner   string `json:"owner" pattern:"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$" doc:"The repository owner (user or organization login)."`
	Repo    string `json:"repo" pattern:"^[A-Za-z0-9._-]{1,100}$" doc:"The repository name."`
	Branch  string `json:"branch,omitempty" maxLength:"255" doc:"Branch name or commit SHA to list from (default: the default branch)."`
	Path    string `json:"path,omitempty" maxLength:"1024" doc:"Only commits that touch this file or directory."`
	Since   string `json:"since,omitempty" format:"date-time" doc:"Only commits after this time (RFC 3339)."`
	Until   string `json:"until,omitempty" format:"date-time" doc:"Only commits before this time (RFC 3339)."`
	Page    int    `json:"page,omitempty" minimum:"1" doc:"Page number, from 1."`
	PerPage int    `json:"perPage,omitempty" minimum:"1" maximum:"100" doc:"Commits per page, at most 100 (default 30)."`
}

// CommitSummary is one commit in list_commits' output.
type CommitSummary struct {
	SHA         string    `json:"sha"`
	Message     string    `json:"message"`
	AuthorName  string    `json:"authorName"`
	AuthorEmail string    `json:"authorEmail,omitempty"`
	AuthorLogin string    `json:"authorLogin,omitempty"`
	Date        time.Time `json:"date"`
	HTMLURL     string    `json:"htmlUrl"`
}

// ListCommitsOutput is the output of list_commits.
type ListCommitsOutput struct {
	Commits []CommitSummary `json:"commits"`
	// NextPage is the next page number, 0 on the last page.
	NextPage int `json:"nextPage,omitempty"`
}

func listCommits(ctx context.Context, c *Client, in ListCommitsInput) (ListCommitsOutput, error) {
	if in.PerPage > 100 {
		in.PerPage = 100
	}
	since, err := parseTime("since", in.Since)
	if err != nil {
		return ListCommitsOutput{}, err
	}
	until, err := parseTime("until", in.Until)
	if err != nil {
		return ListCommitsOutput{}, err
	}
	commits, resp, err := c.ListCommits(ctx, in.Owner, in.Repo, &CommitListOptions{
		SHA: in.Branch, Path: in.Path, Since: since, Until: until,
		ListOptions: ListOptions{Page: in.Page, PerPage: in.PerPage},
	})
	if err != nil {
		return ListCommitsOutput{}, err
	}
	out := ListCommitsOutput{Commits: make([]CommitSummary, 0, len(commits)), NextPage: resp.NextPage}
	for _, cm := range commits {
		s := CommitSummary{
			SHA: cm.SHA, Message: cm.Commit.Message, AuthorName: cm.Commit.Author.Name,
			AuthorEmail: cm.Commit.Author.Email, Date: cm.Commit.Author.Date, HTMLURL: cm.HTMLURL,
		}
		if cm.Author != nil {
			s.AuthorLogin = cm.Author.Login
		}
		out.Commits = append(out.Commits, s)
	}
	return out, nil
}

// CreateRepoWebhookInput is the input of create_repo_webhook.
type CreateRepoWebhookInput struct {
	Owner       string   `json:"owner" pattern:"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$" doc:"The repository owner (user or organization login)."`
	Repo        string   `json:"repo" pattern:"^[A-Za-z0-9._-]{1,100}$" doc:"The repository name."`
	URL         string   `json:"url" format:"uri" maxLength:"2048" doc:"The payload URL GitHub delivers events to (https)."`
	Events      []string `json:"events,omitempty" maxItems:"100" doc:"Events that trigger the hook, e.g. push, pull_request; \"*\" for all (default push)."`
	ContentType string   `json:"contentType,omitempty" enum:"json,form" doc:"Payload encoding (default json)."`
	Secret      string   `json:"secret,omitempty" maxLength:"256" ihub:"sensitive" doc:"Secret GitHub signs deliveries with (X-Hub-Signature-256); strongly recommended."`
	InsecureSSL bool     `json:"insecureSsl,omitempty" doc:"Skip TLS certificate verification of the payload URL (not recommended)."`
	Active      *bool    `json:"active,omitempty" doc:"Deliver events (default true)."`
}

// Webhook is the created hook in create_repo_webhook's output. The payload
// URL is reduced to its host: such URLs may carry a token.
type Webhook struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Active      bool      `json:"active"`
	Events      []string  `json:"events"`
	URLHost     string    `json:"urlHost"`
	ContentType string    `json:"contentType,omitempty"`
	InsecureSSL bool      `json:"insecureSsl"`
	HasSecret   bool      `json:"hasSecret"`
	CreatedAt   time.Time `json:"createdAt"`
}

// CreateRepoWebhookOutput is the output of create_repo_webhook.
type CreateRepoWebhookOutput struct {
	Webhook Webhook `json:"webhook"`
}

func createRepoWebhook(ctx context.Context, c *Client, in CreateRepoWebhookInput) (CreateRepoWebhookOutput, error) {
	host, err := hookHost(in.URL)
	if err != nil {
		return CreateRepoWebhookOutput{}, err
	}
	req := &HookRequest{Name: "web", Active: in.Active == nil || *in.Active, Events: in.Events,
		Config: HookConfig{URL: in.URL, ContentType: in.ContentType, Secret: in.Secret, InsecureSSL: "0"}}
	if len(req.Events) == 0 {
		req.Events = []string{"push"}
	}
	if req.Config.ContentType == "" {
		req.Config.ContentType = "json"
	}
	if in.InsecureSSL {
		req.Config.InsecureSSL = "1"
	}
	h, _, err := c.CreateHook(ctx, in.Owner, in.Repo, req)
	if err != nil {
		return CreateRepoWebhookOutput{}, err
	}
	return CreateRepoWebhookOutput{Webhook: Webhook{
		ID: h.ID, Name: h.Name, Active: h.Active, Events: h.Events, URLHost: host,
		ContentType: h.Config.ContentType, InsecureSSL: h.Config.InsecureSSL == "1",
		HasSecret: h.Config.Secret != "", CreatedAt: h.CreatedAt,
	}}, nil
}

func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, provider.InputError(field, "must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z")
	}
	return t, nil
}

// hookHost checks a payload URL and returns its host; errors never echo it.
func hookHost(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", provider.InputError("url", "must be an absolute http or https URL")
	}
	return u.Hostname(), nil
}

// ProxyBase is the API root: the connection's base URL or
// https://api.github.com.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	raw := c.BaseURL
	if strings.TrimSpace(raw) == "" {
		raw = DefaultBaseURL
	}
	return providerhttp.ParseBaseURL(raw)
}

// Authorize adds "Authorization: Bearer <token>", and the API version and a
// User-Agent when the request has none.
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	tok := c.Secret(FieldToken)
	switch {
	case tok == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the GitHub token is not set"}
	case strings.ContainsAny(tok, " \t\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the GitHub token must not contain spaces or line breaks"}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if req.Header.Get("X-GitHub-Api-Version") == "" {
		req.Header.Set("X-GitHub-Api-Version", APIVersion)
	}
	providerhttp.SetUserAgent(req, "")
	return nil
}
