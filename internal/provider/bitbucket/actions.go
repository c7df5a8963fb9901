package bitbucket

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// NewClient returns the connection's *Client, with the connection's
// workspace as its default (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return client(hc, c)
}

// Actions lists Bitbucket's typed actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "list_repos",
			Title: "List repositories",
			Description: "Lists the repositories of a workspace the credentials are a member of " +
				"(GET /repositories/{workspace}?role=member), or across all workspaces when none is configured; " +
				"nextPage is set when there are more.",
		}, listRepos),
		provider.NewAction(provider.ActionSpec{
			Name:  "list_commits",
			Title: "List commits",
			Description: "Lists a repository's commit history, newest first " +
				"(GET /repositories/{workspace}/{repo}/commits/{branch}).",
		}, listCommits),
		provider.NewAction(provider.ActionSpec{
			Name:  "create_repo_webhook",
			Title: "Create repository webhook",
			Description: "Creates a webhook on a repository (POST /repositories/{workspace}/{repo}/hooks). " +
				"Needs repository admin rights and the write:webhook:bitbucket scope.",
			Mutating: true,
		}, createRepoWebhook),
	}
}

// errWorkspaceSetting is a bad workspace setting: a configuration error,
// unlike a bad workspace input.
var errWorkspaceSetting = &provider.Error{Kind: provider.ErrInvalid, Message: "the workspace setting must be a workspace slug or {uuid}"}

// workspace returns the input's workspace (the client checks it as input)
// or else the integration's; none at all is an error when required.
func (c *Client) workspace(in string, required bool) (string, error) {
	switch {
	case in != "":
		return in, nil
	case c.Workspace == "" && required:
		// Either the integration or the input can name it, so it stays a
		// configuration error (409).
		return "", &provider.Error{Kind: provider.ErrInvalid, Message: "no workspace: set one on the integration or in the input"}
	case c.Workspace != "" && !workspaceRE.MatchString(c.Workspace):
		return "", errWorkspaceSetting
	}
	return c.Workspace, nil
}

// ListReposInput is the input of list_repos.
type ListReposInput struct {
	Workspace string `json:"workspace,omitempty" pattern:"^([A-Za-z0-9_-]{1,62}|\\{[0-9a-fA-F-]{36}\\})$" doc:"Workspace slug; default: the integration's workspace, or all workspaces when none is set."`
	Role      string `json:"role,omitempty" enum:"member,contributor,admin,owner" doc:"Minimum role on the repositories (default member)."`
	Query     string `json:"query,omitempty" maxLength:"512" doc:"BBQL filter, e.g. name ~ \"api\"."`
	Sort      string `json:"sort,omitempty" enum:"name,-name,updated_on,-updated_on,created_on,-created_on" doc:"Sort field; a leading - sorts descending."`
	Page      string `json:"page,omitempty" pattern:"^[A-Za-z0-9_-]{1,256}$" doc:"The nextPage value of a previous answer."`
	PageLen   int    `json:"pageLen,omitempty" minimum:"1" maximum:"100" doc:"Repositories per page, at most 100 (default 10)."`
}

// RepoSummary is one repository in list_repos' output.
type RepoSummary struct {
	UUID       string    `json:"uuid"`
	Slug       string    `json:"slug"`
	Name       string    `json:"name"`
	FullName   string    `json:"fullName"`
	Workspace  string    `json:"workspace"`
	IsPrivate  bool      `json:"isPrivate"`
	MainBranch string    `json:"mainBranch,omitempty"`
	HTMLURL    string    `json:"htmlUrl"`
	UpdatedOn  time.Time `json:"updatedOn"`
}

// ListReposOutput is the output of list_repos.
type ListReposOutput struct {
	Repositories []RepoSummary `json:"repositories"`
	// Size is the total count, when Bitbucket reports it.
	Size int `json:"size,omitempty"`
	// NextPage is the page value for the next page, empty on the last.
	NextPage string `json:"nextPage,omitempty"`
}

func listRepos(ctx context.Context, c *Client, in ListReposInput) (ListReposOutput, error) {
	ws, err := c.workspace(in.Workspace, false)
	if err != nil {
		return ListReposOutput{}, err
	}
	repos, pg, err := c.ListRepositories(ctx, ws, &RepoListOptions{
		Role: in.Role, Query: in.Query, Sort: in.Sort, ListOptions: ListOptions{Page: in.Page, PageLen: in.PageLen},
	})
	if err != nil {
		return ListReposOutput{}, err
	}
	out := ListReposOutput{Repositories: make([]RepoSummary, 0, len(repos)), NextPage: pg.NextPage, Size: max(pg.Size, 0)}
	for _, r := range repos {
		s := RepoSummary{UUID: r.UUID, Slug: r.Slug, Name: r.Name, FullName: r.FullName, Workspace: r.Workspace.Slug,
			IsPrivate: r.IsPrivate, HTMLURL: r.Links.HTML.Href, UpdatedOn: r.UpdatedOn}
		if r.MainBranch != nil {
			s.MainBranch = r.MainBranch.Name
		}
		out.Repositories = append(out.Repositories, s)
	}
	return out, nil
}

// ListCommitsInput is the input of list_commits.
type ListCommitsInput struct {
	Workspace string `json:"workspace,omitempty" pattern:"^([A-Za-z0-9_-]{1,62}|\\{[0-9a-fA-F-]{36}\\})$" doc:"Workspace slug; default: the integration's workspace."`
	Repo      string `json:"repo" pattern:"^[A-Za-z0-9._-]{1,128}$" doc:"The repository slug."`
	Branch    string `json:"branch,omitempty" maxLength:"255" doc:"Branch, tag or commit hash to list from (default: all branches)."`
	Page      string `json:"page,omitempty" pattern:"^[A-Za-z0-9_-]{1,256}$" doc:"The nextPage value of a previous answer."`
	PageLen   int    `json:"pageLen,omitempty" minimum:"1" maximum:"100" doc:"Commits per page, at most 100 (default 30)."`
}

// CommitSummary is one commit in list_commits' output.
type CommitSummary struct {
	Hash       string    `json:"hash"`
	Message    string    `json:"message"`
	Date       time.Time `json:"date"`
	AuthorRaw  string    `json:"authorRaw"`
	AuthorName string    `json:"authorName,omitempty"`
	HTMLURL    string    `json:"htmlUrl"`
}

// ListCommitsOutput is the output of list_commits.
type ListCommitsOutput struct {
	Commits []CommitSummary `json:"commits"`
	// NextPage is the page value for the next page, empty on the last.
	NextPage string `json:"nextPage,omitempty"`
}

func listCommits(ctx context.Context, c *Client, in ListCommitsInput) (ListCommitsOutput, error) {
	ws, err := c.workspace(in.Workspace, true)
	if err != nil {
		return ListCommitsOutput{}, err
	}
	commits, pg, err := c.ListCommits(ctx, ws, in.Repo, in.Branch, &ListOptions{Page: in.Page, PageLen: in.PageLen})
	if err != nil {
		return ListCommitsOutput{}, err
	}
	out := ListCommitsOutput{Commits: make([]CommitSummary, 0, len(commits)), NextPage: pg.NextPage}
	for _, cm := range commits {
		s := CommitSummary{Hash: cm.Hash, Message: cm.Message, Date: cm.Date, AuthorRaw: cm.Author.Raw, HTMLURL: cm.Links.HTML.Href}
		if cm.Author.User != nil {
			s.AuthorName = cm.Author.User.DisplayName
		}
		out.Commits = append(out.Commits, s)
	}
	return out, nil
}

// CreateRepoWebhookInput is the input of create_repo_webhook.
type CreateRepoWebhookInput struct {
	Workspace   string   `json:"workspace,omitempty" pattern:"^([A-Za-z0-9_-]{1,62}|\\{[0-9a-fA-F-]{36}\\})$" doc:"Workspace slug; default: the integration's workspace."`
	Repo        string   `json:"repo" pattern:"^[A-Za-z0-9._-]{1,128}$" doc:"The repository slug."`
	URL         string   `json:"url" format:"uri" maxLength:"2048" doc:"The URL Bitbucket delivers events to (https)."`
	Description string   `json:"description,omitempty" maxLength:"255" doc:"Label shown in the repository settings (default ihub)."`
	Events      []string `json:"events,omitempty" maxItems:"50" doc:"Events that trigger the hook, e.g. repo:push, pullrequest:created (default repo:push)."`
	Secret      string   `json:"secret,omitempty" maxLength:"128" ihub:"sensitive" doc:"Secret Bitbucket signs deliveries with (X-Hub-Signature, HMAC-SHA256); strongly recommended."`
	Active      *bool    `json:"active,omitempty" doc:"Deliver events (default true)."`
}

// Webhook is the created hook in create_repo_webhook's output. The URL is
// reduced to its host: such URLs may carry a token.
type Webhook struct {
	UUID        string    `json:"uuid"`
	Description string    `json:"description"`
	URLHost     string    `json:"urlHost"`
	Events      []string  `json:"events"`
	Active      bool      `json:"active"`
	SecretSet   bool      `json:"secretSet"`
	CreatedAt   time.Time `json:"createdAt"`
}

// CreateRepoWebhookOutput is the output of create_repo_webhook.
type CreateRepoWebhookOutput struct {
	Webhook Webhook `json:"webhook"`
}

func createRepoWebhook(ctx context.Context, c *Client, in CreateRepoWebhookInput) (CreateRepoWebhookOutput, error) {
	ws, err := c.workspace(in.Workspace, true)
	if err != nil {
		return CreateRepoWebhookOutput{}, err
	}
	u, err := url.Parse(strings.TrimSpace(in.URL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return CreateRepoWebhookOutput{}, provider.InputError("url", "must be an absolute http or https URL")
	}
	req := &HookRequest{Description: in.Description, URL: in.URL, Active: in.Active == nil || *in.Active,
		Secret: in.Secret, Events: in.Events}
	if req.Description == "" {
		req.Description = "ihub"
	}
	if len(req.Events) == 0 {
		req.Events = []string{"repo:push"}
	}
	h, err := c.CreateHook(ctx, ws, in.Repo, req)
	if err != nil {
		return CreateRepoWebhookOutput{}, err
	}
	return CreateRepoWebhookOutput{Webhook: Webhook{
		UUID: h.UUID, Description: h.Description, URLHost: u.Hostname(), Events: h.Events, Active: h.Active,
		SecretSet: h.SecretSet, CreatedAt: h.CreatedAt,
	}}, nil
}

// ProxyBase is the API root: the connection's base URL or
// https://api.bitbucket.org/2.0.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	raw := c.BaseURL
	if strings.TrimSpace(raw) == "" {
		raw = DefaultBaseURL
	}
	return providerhttp.ParseBaseURL(raw)
}

// Authorize adds HTTP Basic (username and API token) or, without a
// username, "Authorization: Bearer <token>".
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	user, tok := strings.TrimSpace(c.Username), c.Secret(FieldAPIToken)
	if err := checkCreds(user, tok); err != nil {
		return err
	}
	setAuth(req, user, tok)
	providerhttp.SetUserAgent(req, "")
	return nil
}
